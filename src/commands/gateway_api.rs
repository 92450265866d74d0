//! The running gateway's local API as the operator commands use it:
//! `http://<dashboard.host>:<dashboard.port>` (a wildcard bind address is
//! asked on loopback), with `Authorization: Bearer <dashboard.auth_token>`
//! when a token is set. Plain HTTP/1.0 requests on a fresh connection, and
//! a blocking WebSocket for `logs --follow`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use airut_actors::config::{self, ServerConfig};
use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use tungstenite::WebSocket;
use tungstenite::client::IntoClientRequest;
use tungstenite::http::HeaderValue;

const TIMEOUT: Duration = Duration::from_secs(30);

pub struct GatewayApi {
    host: String,
    port: u16,
    token: Option<String>,
}

/// One answer: its status and its body (JSON, or the text as a JSON string).
#[derive(Debug)]
pub struct ApiResponse {
    pub status: u16,
    pub body: Value,
}

impl ApiResponse {
    /// The `{"error": ...}` message of a refusal, or the body.
    pub fn error_message(&self) -> String {
        match self.body["error"].as_str() {
            Some(message) => message.to_string(),
            None => self.body.to_string(),
        }
    }
}

impl GatewayApi {
    /// The API of the gateway `config_path` configures; a missing default
    /// config means the built-in defaults (127.0.0.1:5200, no token).
    pub fn from_config(config_path: &Path, explicit: bool) -> Result<GatewayApi> {
        let config = if !config_path.exists() && !explicit {
            ServerConfig::default()
        } else {
            config::load(config_path)
                .map_err(|errors| {
                    anyhow!("config {} is invalid:\n{errors}", config_path.display())
                })?
                .config
        };
        GatewayApi::for_config(&config)
    }

    pub fn for_config(config: &ServerConfig) -> Result<GatewayApi> {
        if !config.dashboard.enabled {
            bail!(
                "the dashboard is off (dashboard.enabled: false), so there is no local API to ask"
            );
        }
        let host = match config.dashboard.host.as_str() {
            "0.0.0.0" => "127.0.0.1",
            "::" => "::1",
            other => other,
        };
        Ok(GatewayApi {
            host: host.to_string(),
            port: config.dashboard.port,
            token: config
                .dashboard
                .auth_token
                .as_ref()
                .map(|t| t.expose().to_string())
                .filter(|t| !t.is_empty()),
        })
    }

    /// `host:port`, bracketing an IPv6 address.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn connect(&self) -> Result<TcpStream> {
        TcpStream::connect((self.host.as_str(), self.port)).with_context(|| {
            format!(
                "no gateway answers on {} (is `airut run` running?)",
                self.authority()
            )
        })
    }

    /// One request; every status comes back, except 401, which is an error
    /// naming the token setting.
    pub fn request(&self, method: &str, path: &str) -> Result<ApiResponse> {
        let mut stream = self.connect()?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        let authority = self.authority();
        let mut head = format!("{method} {path} HTTP/1.0\r\nHost: {authority}\r\n");
        if let Some(token) = &self.token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        if method != "GET" {
            // The guard wants same-origin for writes when no token is set.
            head.push_str(&format!(
                "Origin: http://{authority}\r\nContent-Length: 0\r\n"
            ));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .with_context(|| format!("reading the answer of {authority}"))?;
        let response = String::from_utf8_lossy(&raw);
        let (head, body) = response
            .split_once("\r\n\r\n")
            .ok_or_else(|| anyhow!("a malformed answer from {authority}"))?;
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("a malformed answer from {authority}"))?;
        if status == 401 {
            bail!("the gateway wants the dashboard token (dashboard.auth_token)");
        }
        let body = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_string()));
        Ok(ApiResponse { status, body })
    }

    /// A GET that must answer 200; 404 and the rest become errors.
    pub fn get(&self, path: &str) -> Result<Value> {
        let response = self.request("GET", path)?;
        match response.status {
            200 => Ok(response.body),
            404 => bail!("{}", response.error_message()),
            other => bail!("the gateway answered {other}: {}", response.error_message()),
        }
    }

    /// The dashboard's WebSocket (`/api/ws`), after its `hello`.
    pub fn websocket(&self) -> Result<WebSocket<TcpStream>> {
        let stream = self.connect()?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        let mut request = format!("ws://{}/api/ws", self.authority()).into_client_request()?;
        if let Some(token) = &self.token {
            let value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| anyhow!("dashboard.auth_token is not a valid header value"))?;
            request.headers_mut().insert("Authorization", value);
        }
        let (socket, _) = tungstenite::client(request, stream).map_err(|err| match err {
            tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))
                if response.status() == 401 =>
            {
                anyhow!("the gateway wants the dashboard token (dashboard.auth_token)")
            }
            other => anyhow!("opening the gateway's WebSocket: {other}"),
        })?;
        Ok(socket)
    }
}
