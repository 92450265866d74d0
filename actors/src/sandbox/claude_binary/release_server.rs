//! The HTTP side: Anthropic's release location (or a test server), reached
//! with hyper over rustls.
//!
//! `https` always; plain `http` only for a loopback base URL (tests). TLS is
//! verified against the host's roots, or Mozilla's when the host has none.

use std::error::Error as StdError;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, Uri, header};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tracing::debug;

use super::error::ClaudeBinaryError;
use super::platform::Platform;
use super::version::Channel;

pub const DEFAULT_BASE_URL: &str = "https://downloads.claude.ai/claude-code-releases";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const MAX_REDIRECTS: usize = 5;
const USER_AGENT: &str = concat!("airut/", env!("CARGO_PKG_VERSION"));

/// A checked base URL: no trailing slash, and whether plain HTTP is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    pub url: String,
    pub allow_http: bool,
}

impl BaseUrl {
    pub fn parse(text: &str) -> Result<BaseUrl, ClaudeBinaryError> {
        let invalid = |reason: &str| ClaudeBinaryError::InvalidBaseUrl {
            url: text.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = text.trim_end_matches('/');
        let uri: Uri = trimmed.parse().map_err(|_| invalid("not a URL"))?;
        let host = uri.host().ok_or_else(|| invalid("no host"))?;
        if uri.query().is_some() {
            return Err(invalid("a query string is not allowed"));
        }
        let allow_http = match uri.scheme_str() {
            Some("https") => false,
            Some("http") if is_loopback_host(host) => true,
            Some("http") => {
                return Err(invalid(
                    "plain http is only allowed for 127.0.0.1, ::1 or localhost; use https",
                ));
            }
            _ => return Err(invalid("use an https:// URL")),
        };
        Ok(BaseUrl {
            url: trimmed.to_owned(),
            allow_http,
        })
    }
}

pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Where a redirect from `current` to `location` leads; only absolute
/// https (or http when allowed) and absolute-path targets are followed.
pub fn redirect_target(current: &Uri, location: &str, allow_http: bool) -> Result<Uri, String> {
    let target: Uri = if location.starts_with('/') && !location.starts_with("//") {
        let scheme = current.scheme_str().unwrap_or("https");
        let authority = current
            .authority()
            .map(|a| a.as_str())
            .ok_or("the current URL has no host")?;
        format!("{scheme}://{authority}{location}")
            .parse()
            .map_err(|_| format!("bad Location {location:?}"))?
    } else {
        location
            .parse()
            .map_err(|_| format!("bad Location {location:?}"))?
    };
    match target.scheme_str() {
        Some("https") if target.host().is_some() => Ok(target),
        Some("http") if allow_http && target.host().is_some_and(is_loopback_host) => Ok(target),
        _ => Err(format!("refusing to follow a redirect to {location:?}")),
    }
}

type HttpsClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

pub struct ReleaseServer {
    base: BaseUrl,
    client: HttpsClient,
}

impl ReleaseServer {
    pub fn new(base_url: &str) -> Result<ReleaseServer, ClaudeBinaryError> {
        let base = BaseUrl::parse(base_url)?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = match HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(Arc::clone(&provider))
        {
            Ok(builder) => builder,
            Err(error) => {
                debug!(%error, "no usable system CA roots; using the Mozilla roots");
                HttpsConnectorBuilder::new()
                    .with_provider_and_webpki_roots(provider)
                    .map_err(|e| ClaudeBinaryError::Internal(format!("TLS setup: {e}")))?
            }
        };
        let schemes = if base.allow_http {
            builder.https_or_http()
        } else {
            builder.https_only()
        };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let connector = schemes.enable_http1().wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(ReleaseServer { base, client })
    }

    pub fn base_url(&self) -> &str {
        &self.base.url
    }

    pub fn channel_url(&self, channel: Channel) -> String {
        format!("{}/{channel}", self.base.url)
    }

    pub fn manifest_url(&self, version: &str) -> String {
        format!("{}/{version}/manifest.json", self.base.url)
    }

    pub fn binary_url(&self, version: &str, platform: Platform) -> String {
        format!("{}/{version}/{platform}/claude", self.base.url)
    }

    /// GETs `url`, following redirects; any final status but 2xx is
    /// [`ClaudeBinaryError::Http`]. `no_cache` asks caches to revalidate
    /// (sent on retries).
    pub async fn get(
        &self,
        url: &str,
        no_cache: bool,
    ) -> Result<Response<Incoming>, ClaudeBinaryError> {
        let mut uri: Uri = url.parse().map_err(|_| ClaudeBinaryError::InvalidBaseUrl {
            url: url.to_owned(),
            reason: "not a URL".to_owned(),
        })?;
        for _ in 0..=MAX_REDIRECTS {
            let mut request = Request::get(uri.clone()).header(header::USER_AGENT, USER_AGENT);
            if no_cache {
                request = request
                    .header(header::CACHE_CONTROL, "no-cache")
                    .header(header::PRAGMA, "no-cache");
            }
            let request = request
                .body(Empty::new())
                .map_err(|e| ClaudeBinaryError::Internal(format!("building a request: {e}")))?;
            let response =
                self.client
                    .request(request)
                    .await
                    .map_err(|e| ClaudeBinaryError::Transport {
                        url: uri.to_string(),
                        reason: error_chain(&e),
                    })?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response.headers().get(header::LOCATION)
            {
                let location = location.to_str().unwrap_or_default();
                uri = redirect_target(&uri, location, self.base.allow_http).map_err(|reason| {
                    ClaudeBinaryError::Redirect {
                        url: uri.to_string(),
                        reason,
                    }
                })?;
                debug!(to = %uri, "following redirect");
                continue;
            }
            if !status.is_success() {
                return Err(ClaudeBinaryError::Http {
                    url: uri.to_string(),
                    status: status.as_u16(),
                });
            }
            return Ok(response);
        }
        Err(ClaudeBinaryError::Redirect {
            url: url.to_owned(),
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// GETs a small document whole, within `timeout` and `limit` bytes.
    pub async fn get_small(
        &self,
        url: &str,
        no_cache: bool,
        timeout: Duration,
        limit: usize,
    ) -> Result<Vec<u8>, ClaudeBinaryError> {
        let fetch = async {
            let mut body = self.get(url, no_cache).await?.into_body();
            let mut out = Vec::new();
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| interrupted(url, out.len() as u64, &e))?;
                if let Ok(data) = frame.into_data() {
                    if out.len() + data.len() > limit {
                        return Err(ClaudeBinaryError::Oversized {
                            url: url.to_owned(),
                            limit: limit as u64,
                        });
                    }
                    out.extend_from_slice(&data);
                }
            }
            Ok(out)
        };
        tokio::time::timeout(timeout, fetch)
            .await
            .map_err(|_| ClaudeBinaryError::Timeout {
                url: url.to_owned(),
                after: timeout,
            })?
    }
}

pub fn interrupted(url: &str, received: u64, error: &hyper::Error) -> ClaudeBinaryError {
    ClaudeBinaryError::Interrupted {
        url: url.to_owned(),
        received,
        reason: error_chain(error),
    }
}

/// "outer: inner: innermost", without repeats.
fn error_chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}
