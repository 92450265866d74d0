//! Attempts with backoff, driven by [`ClaudeBinaryError::is_retryable`].

use std::time::Duration;

use tracing::warn;

use super::error::ClaudeBinaryError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, at least one.
    pub attempts: u32,
    /// Pause before the 2nd, 3rd, … attempt; the last entry repeats.
    pub delays: Vec<Duration>,
}

impl RetryPolicy {
    /// Pause before attempt `attempt` (1-based; the first has none).
    pub fn delay_before(&self, attempt: u32) -> Duration {
        if attempt <= 1 {
            return Duration::ZERO;
        }
        let index = usize::try_from(attempt - 2).unwrap_or(usize::MAX);
        self.delays
            .get(index)
            .or(self.delays.last())
            .copied()
            .unwrap_or(Duration::ZERO)
    }

    /// Runs `op(attempt)` until it succeeds, fails permanently, or the
    /// attempts run out; then the last error is wrapped in
    /// [`ClaudeBinaryError::GaveUp`] so the operator sees the count.
    ///
    /// `op` is a plain closure returning a future (not an async closure):
    /// futures built from async closures are not provably `Send`, and the
    /// callers run inside spawned tasks.
    pub async fn run<T, F, Fut>(&self, what: &str, mut op: F) -> Result<T, ClaudeBinaryError>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, ClaudeBinaryError>>,
    {
        let attempts = self.attempts.max(1);
        let mut attempt = 1;
        loop {
            match op(attempt).await {
                Ok(value) => return Ok(value),
                Err(error) if !error.is_retryable() => return Err(error),
                Err(error) if attempt >= attempts => {
                    return Err(if attempts == 1 {
                        error
                    } else {
                        ClaudeBinaryError::GaveUp {
                            what: what.to_owned(),
                            attempts,
                            last: Box::new(error),
                        }
                    });
                }
                Err(error) => {
                    attempt += 1;
                    let delay = self.delay_before(attempt);
                    warn!(%error, attempt, ?delay, "{what} failed; trying again");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
}
