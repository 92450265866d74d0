//! Byte copying between a client and hudsucker, with an idle timeout:
//! hudsucker has none, and a task must not be able to pin connections open
//! forever.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// Copies both ways until both sides are done, or until no byte has moved
/// in either direction for `idle` (then `TimedOut`). Returns the bytes
/// copied (a → b, b → a).
pub(crate) async fn splice<A, B>(a: A, b: B, idle: Duration) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin,
    B: AsyncRead + AsyncWrite + Unpin,
{
    let start = Instant::now();
    let activity = Arc::new(AtomicU64::new(0));
    let mut a = Tracked {
        inner: a,
        start,
        activity: Arc::clone(&activity),
    };
    let mut b = Tracked {
        inner: b,
        start,
        activity: Arc::clone(&activity),
    };
    let copy = tokio::io::copy_bidirectional(&mut a, &mut b);
    tokio::pin!(copy);
    loop {
        let last = start + Duration::from_millis(activity.load(Ordering::Relaxed));
        tokio::select! {
            result = &mut copy => return result,
            () = tokio::time::sleep_until(last + idle) => {
                let last = start + Duration::from_millis(activity.load(Ordering::Relaxed));
                if last + idle <= Instant::now() {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "idle timeout"));
                }
            }
        }
    }
}

/// Notes the time of every successful read (either direction's bytes pass
/// through exactly one read).
struct Tracked<T> {
    inner: T,
    start: Instant,
    activity: Arc<AtomicU64>,
}

impl<T> Tracked<T> {
    fn touch(&self) {
        let millis = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.activity.store(millis, Ordering::Relaxed);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Tracked<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.touch();
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tracked<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn silent_connections_time_out() {
        let (a, _a_far) = tokio::io::duplex(64);
        let (b, _b_far) = tokio::io::duplex(64);
        let err = splice(a, b, Duration::from_secs(5)).await.err().expect("timeout");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test(start_paused = true)]
    async fn traffic_keeps_the_connection_alive() {
        let (a, mut a_far) = tokio::io::duplex(64);
        let (b, mut b_far) = tokio::io::duplex(64);
        let task = tokio::spawn(splice(a, b, Duration::from_secs(5)));
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_secs(3)).await;
            a_far.write_all(b"ping").await.expect("write");
            let mut got = [0u8; 4];
            b_far.read_exact(&mut got).await.expect("read");
            assert_eq!(&got, b"ping");
        }
        drop(a_far);
        drop(b_far);
        let (ab, _) = task.await.expect("join").expect("splice");
        assert_eq!(ab, 16);
    }
}
