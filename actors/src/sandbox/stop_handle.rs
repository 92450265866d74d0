//! A one-shot "stop now" shared between whoever may ask (a user, shutdown)
//! and the running task.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

#[derive(Clone, Default)]
pub struct StopHandle {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    stopped: AtomicBool,
    notify: Notify,
}

impl StopHandle {
    pub fn new() -> StopHandle {
        StopHandle::default()
    }

    /// Asks the task to stop; returns false if it had been asked before.
    pub fn stop(&self) -> bool {
        let first = !self.inner.stopped.swap(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
        first
    }

    pub fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    /// Resolves once `stop` has been called (at once if it already was).
    pub async fn stopped(&self) {
        loop {
            let notified = self.inner.notify.notified();
            if self.is_stopped() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_wake_and_late_waiters_return_at_once() {
        let handle = StopHandle::new();
        let waiter = tokio::spawn({
            let h = handle.clone();
            async move { h.stopped().await }
        });
        tokio::task::yield_now().await;
        assert!(handle.stop());
        assert!(!handle.stop(), "second stop reports it was already asked");
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .expect("joined");
        tokio::time::timeout(std::time::Duration::from_secs(1), handle.stopped())
            .await
            .expect("already stopped");
    }
}
