//! Access to the dashboard: the token check on every request, same-origin
//! checks on state-changing requests and WebSocket upgrades, the security
//! headers on every response, the login form, and the bind rule
//! (spec/dashboard-api.md).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use serde::Deserialize;

use crate::web::WebState;

pub const COOKIE: &str = "airut_token";

/// Paths served without the token: the login form, and the health check
/// that service monitors poll (it carries no conversation data).
const OPEN_PATHS: &[&str] = &["/login", "/api/health"];

/// Whether the dashboard may listen on `host`: loopback always, anything
/// else only with a token.
pub fn bind_allowed(host: &str, has_token: bool) -> bool {
    has_token || is_loopback_host(host)
}

fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Equal without an early exit on the first differing byte.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u64;
    for (i, x) in a.iter().enumerate() {
        let y = b.get(i % b.len().max(1)).copied().unwrap_or(0);
        diff |= u64::from(x ^ y);
    }
    diff == 0
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The value of cookie `name` (percent-decoded).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| percent_decode(v))
}

/// Bytes outside a cookie's safe set become `%XX`.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~+/=!*".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The request comes from a page of this server: `Origin` names the
/// `Host`, or the browser says `Sec-Fetch-Site: same-origin`.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name: HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if text(HeaderName::from_static("sec-fetch-site")) == Some("same-origin") {
        return true;
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
        _ => false,
    }
}

/// What the guard decided about a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// No or a wrong token.
    Unauthorized,
    /// A state change (or WebSocket) from another origin.
    Forbidden,
}

/// The rules, apart from the request plumbing.
pub fn judge(token: Option<&str>, path: &str, method: &Method, headers: &HeaderMap) -> Verdict {
    let by_bearer = token.is_some_and(|t| {
        bearer(headers).is_some_and(|b| constant_time_eq(b.as_bytes(), t.as_bytes()))
    });
    if let Some(token) = token
        && !by_bearer
        && !OPEN_PATHS.contains(&path)
    {
        let by_cookie = cookie(headers, COOKIE)
            .is_some_and(|c| constant_time_eq(c.as_bytes(), token.as_bytes()));
        if !by_cookie {
            return Verdict::Unauthorized;
        }
    }
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !by_bearer && !same_origin(headers) {
        return Verdict::Forbidden;
    }
    // A browser always sends Origin on a WebSocket handshake; a page of
    // another site must not read the stream with the user's cookie.
    if path == "/api/ws" && headers.contains_key(header::ORIGIN) && !same_origin(headers) {
        return Verdict::Forbidden;
    }
    Verdict::Allow
}

fn token(state: &WebState) -> Option<&str> {
    state
        .auth_token
        .as_ref()
        .map(|t| t.expose())
        .filter(|t| !t.is_empty())
}

fn refusal(verdict: &Verdict, path: &str) -> HttpResponse {
    // A scraper reads the status and WWW-Authenticate, not a login page.
    let api = path.starts_with("/api/") || path == "/metrics";
    match verdict {
        Verdict::Unauthorized if api => HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .json(serde_json::json!({"error": "unauthorized"})),
        Verdict::Unauthorized => HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .content_type("text/html; charset=utf-8")
            .body(page(
                "Airut: log in",
                "<p>This dashboard needs a token. <a href=\"/login\">Log in</a>.</p>",
            )),
        _ => HttpResponse::Forbidden()
            .json(serde_json::json!({"error": "cross-origin request refused"})),
    }
}

/// Sets the security headers a response does not set itself.
pub fn secure_headers(headers: &mut HeaderMap) {
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, "default-src 'self'"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

/// The middleware (`App::wrap(from_fn(guard))`).
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let verdict = match req.app_data::<web::Data<WebState>>() {
        Some(state) => judge(token(state), req.path(), req.method(), req.headers()),
        None => Verdict::Unauthorized,
    };
    let mut res = if verdict == Verdict::Allow {
        next.call(req).await?.map_into_left_body()
    } else {
        let response = refusal(&verdict, req.path());
        req.into_response(response).map_into_right_body()
    };
    secure_headers(res.headers_mut());
    Ok(res)
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    )
}

const FORM: &str = "<form method=\"post\" action=\"/login\"><label>Token \
     <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required></label> \
     <button type=\"submit\">Log in</button></form>";

pub async fn login_form() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page("Airut: log in", FORM))
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
}

/// Sets the cookie for a right token and goes to the overview.
pub async fn login(state: web::Data<WebState>, form: web::Form<LoginForm>) -> HttpResponse {
    let Some(token) = token(&state) else {
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/"))
            .finish();
    };
    if !constant_time_eq(form.token.as_bytes(), token.as_bytes()) {
        return HttpResponse::Unauthorized()
            .content_type("text/html; charset=utf-8")
            .body(page("Airut: log in", &format!("<p>Wrong token.</p>{FORM}")));
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .insert_header((
            header::SET_COOKIE,
            format!(
                "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
                percent_encode(token)
            ),
        ))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                HeaderName::from_static(k),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    #[test]
    fn binding_beyond_loopback_needs_a_token() {
        for host in ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"] {
            assert!(bind_allowed(host, false), "{host}");
        }
        for host in ["0.0.0.0", "::", "192.168.1.2", "dashboard.example.com"] {
            assert!(!bind_allowed(host, false), "{host}");
            assert!(bind_allowed(host, true), "{host}");
        }
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(!constant_time_eq(b"x", b""));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn cookies_round_trip_through_percent_encoding() {
        let token = "a b;c%d=é";
        let h = headers(&[(
            "cookie",
            &format!("x=1; {COOKIE}={}; y=2", percent_encode(token)),
        )]);
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some(token));
        assert_eq!(cookie(&h, "z"), None);
    }

    #[test]
    fn token_rules() {
        let get = Method::GET;
        let none = headers(&[]);
        assert_eq!(
            judge(Some("t"), "/api/state", &get, &none),
            Verdict::Unauthorized
        );
        assert_eq!(judge(Some("t"), "/", &get, &none), Verdict::Unauthorized);
        assert_eq!(judge(Some("t"), "/login", &get, &none), Verdict::Allow);
        assert_eq!(judge(Some("t"), "/api/health", &get, &none), Verdict::Allow);
        assert_eq!(judge(None, "/api/state", &get, &none), Verdict::Allow);
        let bearer = headers(&[("authorization", "Bearer t")]);
        assert_eq!(
            judge(Some("t"), "/api/state", &get, &bearer),
            Verdict::Allow
        );
        let wrong = headers(&[("authorization", "Bearer u")]);
        assert_eq!(
            judge(Some("t"), "/api/state", &get, &wrong),
            Verdict::Unauthorized
        );
        let cookie = headers(&[("cookie", "airut_token=t")]);
        assert_eq!(
            judge(Some("t"), "/api/state", &get, &cookie),
            Verdict::Allow
        );
    }

    #[test]
    fn state_changes_need_the_same_origin_or_a_bearer() {
        let post = Method::POST;
        let path = "/api/conversation/0123abcd/stop";
        let cookie = headers(&[("cookie", "airut_token=t"), ("host", "127.0.0.1:5200")]);
        assert_eq!(judge(Some("t"), path, &post, &cookie), Verdict::Forbidden);
        let same = headers(&[
            ("cookie", "airut_token=t"),
            ("host", "127.0.0.1:5200"),
            ("origin", "http://127.0.0.1:5200"),
        ]);
        assert_eq!(judge(Some("t"), path, &post, &same), Verdict::Allow);
        let other = headers(&[
            ("host", "127.0.0.1:5200"),
            ("origin", "http://evil.example"),
        ]);
        assert_eq!(judge(None, path, &post, &other), Verdict::Forbidden);
        let fetch = headers(&[("sec-fetch-site", "same-origin")]);
        assert_eq!(judge(None, path, &post, &fetch), Verdict::Allow);
        let bearer = headers(&[("authorization", "Bearer t")]);
        assert_eq!(judge(Some("t"), path, &post, &bearer), Verdict::Allow);
        // without a token configured a bearer header proves nothing
        assert_eq!(judge(None, path, &post, &bearer), Verdict::Forbidden);
    }

    #[test]
    fn websockets_from_other_sites_are_refused() {
        let get = Method::GET;
        let other = headers(&[
            ("host", "127.0.0.1:5200"),
            ("origin", "http://evil.example"),
        ]);
        assert_eq!(judge(None, "/api/ws", &get, &other), Verdict::Forbidden);
        let same = headers(&[
            ("host", "127.0.0.1:5200"),
            ("origin", "http://127.0.0.1:5200"),
        ]);
        assert_eq!(judge(None, "/api/ws", &get, &same), Verdict::Allow);
        assert_eq!(judge(None, "/api/ws", &get, &headers(&[])), Verdict::Allow);
    }
}
