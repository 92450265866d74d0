use super::*;

#[test]
fn the_request_form_is_urlencoded() {
    assert_eq!(
        token_request_body("id-1", "s3cr&t=+", SCOPE),
        "grant_type=client_credentials&client_id=id-1&client_secret=s3cr%26t%3D%2B&scope=https%3A%2F%2Foutlook.office365.com%2F.default"
    );
}

#[test]
fn token_responses_and_refusals() {
    assert_eq!(
        parse_token_response(br#"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0"}"#),
        Ok(("eyJ0".to_string(), 3599))
    );
    assert_eq!(
        parse_token_response(br#"{"expires_in":"120","access_token":"t"}"#),
        Ok(("t".to_string(), 120))
    );
    assert_eq!(
        parse_token_response(br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret.\r\nTrace ID: x"}"#),
        Err("AADSTS7000215: Invalid client secret.\r".trim_end().to_string())
    );
    assert!(parse_token_response(b"<html>").is_err());
}

/// What a client sent the token endpoint.
#[derive(Clone, Debug)]
struct Captured {
    request_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

type Respond = Arc<dyn Fn(usize) -> (u16, String) + Send + Sync>;

/// A token endpoint on 127.0.0.1: hand-written HTTP/1.1, one request per
/// connection; `respond` gets the request's number (0 first).
struct TokenEndpoint {
    port: u16,
    captured: Arc<std::sync::Mutex<Vec<Captured>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TokenEndpoint {
    async fn start(respond: impl Fn(usize) -> (u16, String) + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let captured = Arc::new(std::sync::Mutex::new(Vec::new()));
        let respond: Respond = Arc::new(respond);
        let sink = Arc::clone(&captured);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (sink, respond) = (Arc::clone(&sink), Arc::clone(&respond));
                tokio::spawn(serve_one(stream, sink, respond));
            }
        });
        TokenEndpoint {
            port,
            captured,
            task,
        }
    }

    fn authority(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<Captured> {
        self.captured.lock().expect("captured").clone()
    }
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_one(
    mut stream: tokio::net::TcpStream,
    sink: Arc<std::sync::Mutex<Vec<Captured>>>,
    respond: Respond,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let number = {
        let mut captured = sink.lock().expect("captured");
        captured.push(Captured {
            request_line,
            headers,
            body: String::from_utf8_lossy(&body).to_string(),
        });
        captured.len() - 1
    };
    let (status, json) = respond(number);
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        _ => "Whatever",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn token_json(n: usize, expires_in: u64) -> (u16, String) {
    (
        200,
        format!(
            r#"{{"token_type":"Bearer","expires_in":{expires_in},"ext_expires_in":{expires_in},"access_token":"tok-{n}"}}"#
        ),
    )
}

fn microsoft(authority: String) -> MicrosoftOAuth2 {
    MicrosoftOAuth2 {
        tenant_id: crate::config::Secret::new("tenant-1"),
        client_id: "client-1".into(),
        client_secret: crate::config::Secret::new("s3cret"),
        authority,
    }
}

fn source(endpoint: &TokenEndpoint) -> TokenSource {
    match TokenSource::microsoft("airut@contoso.com".into(), &microsoft(endpoint.authority())) {
        Ok(source) => source,
        Err(error) => panic!("token source: {error}"),
    }
}

#[tokio::test]
async fn the_token_is_requested_at_the_tenant_path_with_the_client_credentials_form() {
    let endpoint = TokenEndpoint::start(|n| token_json(n, 3599)).await;
    let token = source(&endpoint).token().await.expect("token");
    assert_eq!(token, "tok-0");
    let requests = endpoint.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request.request_line,
        "POST /tenant-1/oauth2/v2.0/token HTTP/1.1"
    );
    let content_type = request
        .headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.as_str());
    assert_eq!(content_type, Some("application/x-www-form-urlencoded"));
    assert_eq!(
        request.body,
        "grant_type=client_credentials&client_id=client-1&client_secret=s3cret\
         &scope=https%3A%2F%2Foutlook.office365.com%2F.default"
    );
}

#[tokio::test]
async fn a_token_within_its_lifetime_comes_from_the_cache() {
    let endpoint = TokenEndpoint::start(|n| token_json(n, 3599)).await;
    let source = source(&endpoint);
    assert_eq!(source.token().await.expect("first"), "tok-0");
    assert_eq!(source.token().await.expect("second"), "tok-0");
    // the IMAP and SMTP logins use the same cached token
    match LoginSource::login(&source).await.expect("imap login") {
        ImapLogin::OAuth2 { username, token } => {
            assert_eq!(
                (username.as_str(), token.as_str()),
                ("airut@contoso.com", "tok-0")
            );
        }
        ImapLogin::Password { .. } => panic!("a password login"),
    }
    match SmtpLoginSource::login(&source).await.expect("smtp login") {
        SmtpLogin::OAuth2 { username, token } => {
            assert_eq!(
                (username.as_str(), token.as_str()),
                ("airut@contoso.com", "tok-0")
            );
        }
        _ => panic!("not an OAuth2 login"),
    }
    assert_eq!(endpoint.requests().len(), 1, "one request for all of them");
}

#[tokio::test]
async fn a_token_is_fetched_again_a_minute_before_it_expires() {
    // 61 s of life less the 60 s margin: good for one second
    let endpoint = TokenEndpoint::start(|n| token_json(n, 61)).await;
    let source = source(&endpoint);
    assert_eq!(source.token().await.expect("first"), "tok-0");
    assert_eq!(source.token().await.expect("still cached"), "tok-0");
    assert_eq!(endpoint.requests().len(), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(source.token().await.expect("refreshed"), "tok-1");
    assert_eq!(endpoint.requests().len(), 2);
    assert_eq!(
        endpoint.requests()[1].request_line,
        "POST /tenant-1/oauth2/v2.0/token HTTP/1.1"
    );
}

#[tokio::test]
async fn a_refused_client_is_a_login_error_that_names_the_reason_not_the_secret() {
    let endpoint = TokenEndpoint::start(|_| {
        (
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret."}"#
                .into(),
        )
    })
    .await;
    let source = source(&endpoint);
    let error = source.token().await.expect_err("refused");
    let MailError::Login(text) = &error else {
        panic!("not a login error: {error:?}");
    };
    assert!(text.contains("AADSTS7000215"), "{text}");
    for shown in [text.clone(), error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains("s3cret"), "{shown}");
    }
    // nothing cached: the next call asks again
    assert!(source.token().await.is_err());
    assert_eq!(endpoint.requests().len(), 2);
}

#[test]
fn a_plain_http_authority_is_refused_unless_loopback() {
    match TokenSource::microsoft(
        "airut@contoso.com".into(),
        &microsoft("http://example.com".into()),
    ) {
        Err(MailError::Config(text)) => assert!(text.contains("https"), "{text}"),
        Err(other) => panic!("not a config error: {other}"),
        Ok(_) => panic!("http://example.com was accepted"),
    }
    assert!(
        TokenSource::microsoft(
            "airut@contoso.com".into(),
            &microsoft("https://login.microsoftonline.com".into()),
        )
        .is_ok()
    );
}
