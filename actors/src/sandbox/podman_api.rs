//! Podman's own (libpod) REST endpoints, for what the Docker-compatible API
//! cannot express: a network with its DNS server off, and an exit wait that
//! does not poll every 250 ms. bollard only speaks the compatible API, so
//! these are plain HTTP/1.1 requests on the same Unix socket.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

const API: &str = "/v4.0.0/libpod";
const POLL_INTERVAL: &str = "20ms";

/// A response: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: String,
}

/// Sends one request; `None` when the endpoint is not a Unix socket or the
/// exchange fails (callers fall back or report).
pub async fn request(
    socket_url: &str,
    method: &str,
    path: &str,
    json_body: Option<&str>,
    limit: Duration,
) -> Option<ApiResponse> {
    let socket = socket_url.strip_prefix("unix://")?;
    let body = json_body.unwrap_or("");
    let content_type = if json_body.is_some() {
        "Content-Type: application/json\r\n"
    } else {
        ""
    };
    let message = format!(
        "{method} {API}{path} HTTP/1.1\r\nHost: d\r\n{content_type}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let mut stream = UnixStream::connect(socket).await.ok()?;
        stream.write_all(message.as_bytes()).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        parse_response(&response)
    };
    tokio::time::timeout(limit, exchange).await.ok().flatten()
}

/// Waits for `name` to stop and returns its exit code.
pub async fn wait_exit_code(socket_url: &str, name: &str) -> Option<i64> {
    let path = format!("/containers/{name}/wait?condition=stopped&interval={POLL_INTERVAL}");
    // The call returns when the container stops; the limit only guards a
    // hung engine (the task timeout kills a container that never stops).
    let response = request(
        socket_url,
        "POST",
        &path,
        None,
        Duration::from_secs(24 * 3600),
    )
    .await?;
    if response.status != 200 {
        return None;
    }
    response.body.trim().parse().ok()
}

/// The headers of the compatible API's `GET /_ping` (`Server`,
/// `Api-Version`, `Libpod-Api-Version`): enough to tell Podman from Docker
/// and their versions in about a millisecond, where `/version` takes
/// Podman 4.3 some 0.4 s. `None` off a Unix socket or on failure.
pub async fn ping_headers(socket_url: &str, limit: Duration) -> Option<Vec<(String, String)>> {
    let socket = socket_url.strip_prefix("unix://")?;
    let exchange = async {
        let mut stream = UnixStream::connect(socket).await.ok()?;
        stream
            .write_all(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        let text = String::from_utf8_lossy(&response);
        let (head, _) = text.split_once("\r\n\r\n")?;
        let mut lines = head.lines();
        let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
        (status == 200).then(|| {
            lines
                .filter_map(|line| line.split_once(':'))
                .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
                .collect()
        })
    };
    tokio::time::timeout(limit, exchange).await.ok().flatten()
}

/// `HTTP/1.1 <status> ...\r\n\r\n<body>`, plain or chunked.
fn parse_response(response: &[u8]) -> Option<ApiResponse> {
    let text = String::from_utf8_lossy(response);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_string()
    };
    Some(ApiResponse { status, body })
}

fn dechunk(mut rest: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (len, after) = rest.split_once("\r\n")?;
        let len = usize::from_str_radix(len.trim(), 16).ok()?;
        if len == 0 {
            return Some(out);
        }
        out.push_str(after.get(..len)?);
        rest = after.get(len..)?.strip_prefix("\r\n")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_chunked_bodies() {
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n0\n"),
            Some(ApiResponse {
                status: 200,
                body: "0\n".into()
            })
        );
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n137\r\n2\r\nab\r\n0\r\n\r\n")
                .map(|r| r.body),
            Some("137ab".into())
        );
    }

    #[test]
    fn status_is_kept_and_garbage_is_none() {
        assert_eq!(
            parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n{\"cause\":\"no such container\"}")
                .map(|r| r.status),
            Some(404)
        );
        assert_eq!(parse_response(b"garbage"), None);
    }
}
