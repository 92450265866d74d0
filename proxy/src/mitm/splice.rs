//! Byte copying between a client and hudsucker, with an idle timeout:
//! hudsucker has none, and a task must not be able to pin connections open
//! forever.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Copies client ⇄ server until the server side ends, or until no byte has
/// moved either way for `idle` (then `TimedOut`).
///
/// The server is always hudsucker, which closes whole sockets and never
/// reads after closing: once its side ends the connection is over, even if
/// the client keeps its half open (it would otherwise hold this task until
/// the idle timeout). A client half-close is passed on, and the response
/// still flows back.
pub(crate) async fn splice(client: TcpStream, server: TcpStream, idle: Duration) -> io::Result<()> {
    let start = Instant::now();
    let activity = Arc::new(AtomicU64::new(0));
    let (client_read, mut client_write) = client.into_split();
    let (server_read, mut server_write) = server.into_split();
    let mut client_read = Tracked::new(client_read, start, &activity);
    let mut server_read = Tracked::new(server_read, start, &activity);

    let up = async {
        tokio::io::copy(&mut client_read, &mut server_write).await?;
        server_write.shutdown().await
    };
    let down = async {
        tokio::io::copy(&mut server_read, &mut client_write).await?;
        client_write.shutdown().await
    };
    tokio::pin!(up, down);
    let mut client_done = false;
    loop {
        let last = start + Duration::from_millis(activity.load(Ordering::Relaxed));
        tokio::select! {
            result = &mut down => return result,
            result = &mut up, if !client_done => {
                result?;
                client_done = true;
            }
            () = tokio::time::sleep_until(last + idle) => {
                let last = start + Duration::from_millis(activity.load(Ordering::Relaxed));
                if last + idle <= Instant::now() {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "idle timeout"));
                }
            }
        }
    }
}

/// Notes the time of every successful read (each byte, either way, passes
/// through exactly one read).
struct Tracked<T> {
    inner: T,
    start: Instant,
    activity: Arc<AtomicU64>,
}

impl<T> Tracked<T> {
    fn new(inner: T, start: Instant, activity: &Arc<AtomicU64>) -> Tracked<T> {
        Tracked {
            inner,
            start,
            activity: Arc::clone(activity),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Tracked<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            let millis = u64::try_from(this.start.elapsed().as_millis()).unwrap_or(u64::MAX);
            this.activity.store(millis, Ordering::Relaxed);
        }
        result
    }
}

#[cfg(test)]
#[path = "splice_tests.rs"]
mod tests;
