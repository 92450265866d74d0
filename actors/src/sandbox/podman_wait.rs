//! Waiting for a container to exit through Podman's own API.
//!
//! Podman's Docker-compatible `wait` polls the container state every 250 ms
//! and then some (measured: 270–650 ms after `/bin/true` exits); its libpod
//! endpoint takes a polling interval, which brings that to about 220 ms,
//! almost all of it conmon's own teardown. bollard only speaks the
//! compatible API, so this is one raw HTTP/1.1 request on the Unix socket.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

const POLL_INTERVAL: &str = "20ms";
/// The API call returns when the container stops; this only guards a hung
/// engine (a container that never stops is killed by the task timeout).
const WAIT_LIMIT: Duration = Duration::from_secs(24 * 3600);

/// Waits for `name` to stop and returns its exit code; `None` if the endpoint
/// is not a Unix socket or the answer is not understood (the caller falls back
/// to the compatible API).
pub async fn wait_exit_code(socket_url: &str, name: &str) -> Option<i64> {
    let path = socket_url.strip_prefix("unix://")?;
    let request = format!(
        "POST /v4.0.0/libpod/containers/{name}/wait?condition=stopped&interval={POLL_INTERVAL} HTTP/1.1\r\n\
         Host: d\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let exchange = async {
        let mut stream = UnixStream::connect(path).await.ok()?;
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        parse_response(&response)
    };
    tokio::time::timeout(WAIT_LIMIT, exchange)
        .await
        .ok()
        .flatten()
}

/// `HTTP/1.1 200 OK ... \r\n\r\n<code>` (plain or chunked body) → code.
fn parse_response(response: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(response).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        return None;
    }
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("transfer-encoding:")
            && l.to_ascii_lowercase().contains("chunked")
    });
    let value = if chunked {
        // first chunk: "<hex len>\r\n<data>\r\n"
        let (len, rest) = body.split_once("\r\n")?;
        let len = usize::from_str_radix(len.trim(), 16).ok()?;
        rest.get(..len)?.to_string()
    } else {
        body.to_string()
    };
    value.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_chunked_bodies() {
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n0\n"),
            Some(0)
        );
        assert_eq!(
            parse_response(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n137\r\n0\r\n\r\n"
            ),
            Some(137)
        );
    }

    #[test]
    fn errors_are_none() {
        assert_eq!(
            parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n{\"cause\":\"no such container\"}"),
            None
        );
        assert_eq!(parse_response(b"garbage"), None);
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\n\r\n{\"StatusCode\":0}"),
            None
        );
    }
}
