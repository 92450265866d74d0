//! The Slack Web API client of one repo: slack-morphism over hyper with the
//! base URL from `repos.<id>.slack.api_url`, and authenticated file
//! downloads that never send the bot token to a host outside Slack.

use std::sync::Arc;

use http_body_util::{BodyExt, Empty};
use hyper::Uri;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use slack_morphism::prelude::{
    SlackApiToken, SlackApiTokenValue, SlackClient, SlackClientHyperConnector,
    SlackClientHyperHttpsConnector, SlackClientSession, SlackHyperClient,
};

use crate::channel::ChannelError;
use crate::config::Secret;

type HttpsConnector = hyper_rustls::HttpsConnector<HttpConnector>;

/// A Web API client for one repo.
#[derive(Clone)]
pub struct SlackApi {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
    api_url: String,
    downloads: Client<HttpsConnector, Empty<Bytes>>,
    bot_token: Secret,
}

fn connector() -> Result<HttpsConnector, ChannelError> {
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| ChannelError(format!("loading the system's root certificates: {e}")))?
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build())
}

impl SlackApi {
    pub fn new(api_url: &str, bot_token: &Secret) -> Result<SlackApi, ChannelError> {
        let api_url = api_url.trim_end_matches('/').to_string();
        api_url
            .parse::<Uri>()
            .ok()
            .filter(|u| u.host().is_some() && matches!(u.scheme_str(), Some("http" | "https")))
            .ok_or_else(|| ChannelError(format!("slack.api_url `{api_url}` is not a URL")))?;
        let slack =
            SlackClientHyperConnector::with_connector(connector()?).with_slack_api_url(&api_url);
        let downloads = Client::builder(TokioExecutor::new()).build(connector()?);
        Ok(SlackApi {
            client: Arc::new(SlackClient::new(slack)),
            token: SlackApiToken::new(SlackApiTokenValue::new(bot_token.expose().to_string())),
            api_url,
            downloads,
            bot_token: bot_token.clone(),
        })
    }

    /// A session authenticated with the bot token.
    pub fn session(&self) -> SlackClientSession<'_, SlackClientHyperHttpsConnector> {
        self.client.open_session(&self.token)
    }

    /// The slack-morphism client, for sessions with another token (the
    /// app-level token of Socket Mode).
    pub fn client(&self) -> &SlackHyperClient {
        &self.client
    }

    /// The base URL, without a trailing slash.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// A Web API method called with GET and the bot token, its answer as
    /// JSON (slack-morphism turns `ok: false` into an error).
    pub async fn get_json(
        &self,
        method: &str,
        params: &[(&str, &str)],
    ) -> Result<serde_json::Value, ChannelError> {
        let params: Vec<(&str, Option<&str>)> =
            params.iter().map(|(k, v)| (*k, Some(*v))).collect();
        self.session()
            .http_session_api
            .http_get::<serde_json::Value, _, &str>(method, &params, None)
            .await
            .map_err(|e| ChannelError(format!("{method}: {}", api_error(&e))))
    }

    /// A Web API method called with a JSON body and the bot token.
    pub async fn post_json(
        &self,
        method: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, ChannelError> {
        self.session()
            .http_session_api
            .http_post::<_, serde_json::Value>(method, body, None)
            .await
            .map_err(|e| ChannelError(format!("{method}: {}", api_error(&e))))
    }

    /// Whether the bot token may be sent to `url`: the API origin itself,
    /// or Slack's own hosts over https.
    pub fn may_send_token_to(&self, url: &str) -> bool {
        token_allowed(&self.api_url, url)
    }

    /// GETs a Slack file with the bot token — only to the API origin or to
    /// Slack's file hosts; refuses others, redirects, bodies over
    /// `max_bytes`, and a web page where the file is not one (Slack's
    /// sign-in page, served with 200 when the token may not read the file).
    pub async fn download(
        &self,
        url: &str,
        max_bytes: u64,
        html_expected: bool,
    ) -> Result<Vec<u8>, ChannelError> {
        if !self.may_send_token_to(url) {
            return Err(ChannelError(format!(
                "refusing to download {} (not a Slack host)",
                origin_of(url)
            )));
        }
        let uri: Uri = url
            .parse()
            .map_err(|_| ChannelError("file URL does not parse".into()))?;
        let request = hyper::Request::get(uri)
            .header(
                hyper::header::AUTHORIZATION,
                format!("Bearer {}", self.bot_token.expose()),
            )
            .body(Empty::<Bytes>::new())
            .map_err(|e| ChannelError(format!("file request: {e}")))?;
        let response = self
            .downloads
            .request(request)
            .await
            .map_err(|e| ChannelError(format!("downloading from {}: {e}", origin_of(url))))?;
        if !response.status().is_success() {
            // Redirects are not followed: the token would go wherever they point.
            return Err(ChannelError(format!(
                "downloading from {}: HTTP {}",
                origin_of(url),
                response.status()
            )));
        }
        let is_html = response
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
        if is_html && !html_expected {
            return Err(ChannelError(
                "Slack sent a web page instead of the file (does the app have files:read?)".into(),
            ));
        }
        let mut body = response.into_body();
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| ChannelError(format!("reading file: {e}")))?;
            if let Some(data) = frame.data_ref() {
                bytes.extend_from_slice(data);
                if bytes.len() as u64 > max_bytes {
                    return Err(ChannelError(format!(
                        "file is larger than {max_bytes} bytes"
                    )));
                }
            }
        }
        Ok(bytes)
    }
}

/// The short form of a client error: Slack's error code when there is
/// one, not the whole response body.
pub fn api_error(error: &slack_morphism::errors::SlackClientError) -> String {
    use slack_morphism::errors::SlackClientError as E;
    match error {
        E::ApiError(e) => e.code.clone(),
        E::HttpError(e) => format!("HTTP {}", e.status_code),
        E::RateLimitError(_) => "rate limited".into(),
        other => {
            let text = other.to_string();
            text.chars().take(200).collect()
        }
    }
}

/// `scheme://host[:port]` of a URL, for messages (never the path, which
/// may carry a file's private name).
fn origin_of(url: &str) -> String {
    match url.parse::<Uri>() {
        Ok(u) => format!(
            "{}://{}",
            u.scheme_str().unwrap_or("?"),
            u.authority().map(|a| a.as_str()).unwrap_or("?")
        ),
        Err(_) => "an unparsable URL".into(),
    }
}

/// Pure rule behind [`SlackApi::may_send_token_to`].
pub fn token_allowed(api_url: &str, url: &str) -> bool {
    let (Ok(target), Ok(api)) = (url.parse::<Uri>(), api_url.parse::<Uri>()) else {
        return false;
    };
    let Some(host) = target.host().map(|h| h.to_ascii_lowercase()) else {
        return false;
    };
    let same_origin = target.scheme_str() == api.scheme_str()
        && Some(host.as_str()) == api.host().map(|h| h.to_ascii_lowercase()).as_deref()
        && target.port_u16() == api.port_u16();
    let slack_host = target.scheme_str() == Some("https")
        && target.port_u16().is_none_or(|p| p == 443)
        && (host == "slack.com" || host.ends_with(".slack.com"));
    same_origin || slack_host
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
