//! Microsoft 365 OAuth2 (reference E18): the client-credentials grant at
//! `<authority>/<tenant>/oauth2/v2.0/token` for the
//! `https://outlook.office365.com/.default` scope; the token is cached and
//! fetched again a minute before it expires, and used with XOAUTH2 for
//! both IMAP and SMTP.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Request, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Mutex;

use super::imap_session::ImapLogin;
use super::listener::LoginSource;
use super::sender::SmtpLogin;
use super::{MailError, SmtpLoginSource};
use crate::config::MicrosoftOAuth2;
use crate::percent_encoding::encode_component;

pub const SCOPE: &str = "https://outlook.office365.com/.default";
/// A token is replaced this long before it expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
const TIMEOUT: Duration = Duration::from_secs(30);
const MAX_RESPONSE: usize = 64 * 1024;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

struct Cached {
    token: String,
    good_until: Instant,
}

pub struct TokenSource {
    username: String,
    token_url: String,
    form: String,
    client: HttpsClient,
    cached: Mutex<Option<Cached>>,
}

/// The form of the client-credentials request.
pub fn token_request_body(client_id: &str, client_secret: &str, scope: &str) -> String {
    form_urlencoded([
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", client_secret),
        ("scope", scope),
    ])
}

fn form_urlencoded<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `access_token` and `expires_in` (seconds) of a token response; the
/// service's `error_description` when it refused.
pub fn parse_token_response(body: &[u8]) -> Result<(String, u64), String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    if let Some(token) = value["access_token"].as_str().filter(|t| !t.is_empty()) {
        let expires_in = value["expires_in"]
            .as_u64()
            .or_else(|| value["expires_in"].as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(300);
        return Ok((token.to_string(), expires_in));
    }
    let error = value["error_description"]
        .as_str()
        .or(value["error"].as_str())
        .unwrap_or("no access_token in the response");
    Err(error.lines().next().unwrap_or(error).to_string())
}

impl TokenSource {
    pub fn microsoft(username: String, config: &MicrosoftOAuth2) -> Result<TokenSource, MailError> {
        let token_url = format!(
            "{}/{}/oauth2/v2.0/token",
            config.authority,
            config.tenant_id.expose()
        );
        let uri: hyper::Uri = token_url.parse().map_err(|_| {
            MailError::Config(format!(
                "microsoft_oauth2.authority: {} is not a URL",
                config.authority
            ))
        })?;
        let loopback = uri
            .host()
            .is_some_and(crate::sandbox::claude_binary::release_server::is_loopback_host);
        if uri.scheme_str() != Some("https") && !loopback {
            return Err(MailError::Config(
                "microsoft_oauth2.authority must be https (plain http only for a loopback test server)".into(),
            ));
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| MailError::Config(format!("TLS setup: {e}")))?;
        let builder = if loopback {
            builder.https_or_http()
        } else {
            builder.https_only()
        };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(TIMEOUT));
        let client = Client::builder(TokioExecutor::new())
            .build(builder.enable_http1().wrap_connector(http));
        Ok(TokenSource {
            username,
            token_url,
            form: token_request_body(&config.client_id, config.client_secret.expose(), SCOPE),
            client,
            cached: Mutex::new(None),
        })
    }

    /// A token valid for at least another minute.
    pub async fn token(&self) -> Result<String, MailError> {
        let mut cached = self.cached.lock().await;
        if let Some(entry) = cached.as_ref()
            && Instant::now() < entry.good_until
        {
            return Ok(entry.token.clone());
        }
        let (token, expires_in) = tokio::time::timeout(TIMEOUT, self.fetch())
            .await
            .map_err(|_| MailError::Login("the token service did not answer in time".into()))??;
        let lifetime = Duration::from_secs(expires_in).saturating_sub(REFRESH_MARGIN);
        *cached = Some(Cached {
            token: token.clone(),
            good_until: Instant::now() + lifetime,
        });
        Ok(token)
    }

    async fn fetch(&self) -> Result<(String, u64), MailError> {
        let request = Request::post(&self.token_url)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(self.form.clone())))
            .map_err(|e| MailError::Login(format!("token request: {e}")))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| MailError::Login(format!("token service: {e}")))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_RESPONSE)
            .collect()
            .await
            .map_err(|e| MailError::Login(format!("token service: {e}")))?
            .to_bytes();
        match parse_token_response(&body) {
            Ok(token) if status.is_success() => Ok(token),
            Ok(_) => Err(MailError::Login(format!("token service answered {status}"))),
            Err(reason) => Err(MailError::Login(format!(
                "token service ({status}): {reason}"
            ))),
        }
    }
}

impl LoginSource for TokenSource {
    fn login(&self) -> BoxFuture<'_, Result<ImapLogin, MailError>> {
        Box::pin(async move {
            Ok(ImapLogin::OAuth2 {
                username: self.username.clone(),
                token: self.token().await?,
            })
        })
    }
}

impl SmtpLoginSource for TokenSource {
    fn login(&self) -> BoxFuture<'_, Result<SmtpLogin, MailError>> {
        Box::pin(async move {
            Ok(SmtpLogin::OAuth2 {
                username: self.username.clone(),
                token: self.token().await?,
            })
        })
    }
}

#[cfg(test)]
#[path = "oauth2_tests.rs"]
mod tests;
