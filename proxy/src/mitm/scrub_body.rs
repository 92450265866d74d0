//! Response bodies on their way to the container: real secret values are
//! replaced by surrogates as the bytes stream (SSE keeps flowing; nothing is
//! buffered beyond a tail shorter than the longest secret), and the log line
//! of the request is written when the body ends, with the final count.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::HeaderMap;
use hudsucker::Body;
use hyper::body::{Body as HttpBody, Frame, SizeHint};

use crate::masking::{BodyScrubber, CredentialMasker};
use crate::netlog::{NetLog, NetLogEntry, Verdict};

/// `inner` with every real value replaced; records `entry` (plus the
/// replacement count) once, at the end of the body or when it is dropped.
pub(crate) struct ScrubBody {
    inner: Body,
    masker: Arc<CredentialMasker>,
    scrubber: Option<BodyScrubber>,
    /// Trailers wait until the held-back tail has been sent.
    trailers: Option<HeaderMap>,
    done: bool,
    log: Option<(NetLog, NetLogEntry)>,
    /// Replacements already made in the response headers.
    header_replacements: u32,
}

impl ScrubBody {
    pub(crate) fn new(
        inner: Body,
        masker: Arc<CredentialMasker>,
        log: NetLog,
        entry: NetLogEntry,
    ) -> ScrubBody {
        let scrubber = Some(masker.body_scrubber());
        ScrubBody {
            inner,
            masker,
            scrubber,
            trailers: None,
            done: false,
            header_replacements: entry.scrubbed,
            log: Some((log, entry)),
        }
    }

    /// Sends the held-back tail through the scrubber for the last time.
    fn flush(&mut self) -> Option<Bytes> {
        let scrubber = self.scrubber.take()?;
        let (tail, count) = scrubber.finish();
        if let Some((_, entry)) = self.log.as_mut() {
            entry.scrubbed = self.header_replacements.saturating_add(count);
        }
        (!tail.is_empty()).then(|| Bytes::from(tail))
    }

    fn record(&mut self, note: Option<String>) {
        if let Some((log, mut entry)) = self.log.take() {
            if let Some(scrubber) = &self.scrubber {
                entry.scrubbed = self
                    .header_replacements
                    .saturating_add(scrubber.replacements());
            }
            if let Some(note) = note {
                entry.verdict = Verdict::Error;
                entry.reason = Some(match entry.reason.take() {
                    Some(earlier) => format!("{earlier}; {note}"),
                    None => note,
                });
            }
            log.record(entry);
        }
    }
}

impl HttpBody for ScrubBody {
    type Data = Bytes;
    type Error = hudsucker::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        loop {
            if let Some(mut trailers) = this.trailers.take() {
                let n = this.masker.scrub_headers(&mut trailers);
                if let Some((_, entry)) = this.log.as_mut() {
                    entry.scrubbed = entry.scrubbed.saturating_add(n);
                }
                this.done = true;
                this.record(None);
                return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => {
                        let Some(scrubber) = this.scrubber.as_mut() else {
                            continue;
                        };
                        let out = scrubber.push(&data);
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))));
                        }
                    }
                    Err(frame) => {
                        // Not data: trailers (or an unknown frame kind).
                        if let Ok(trailers) = frame.into_trailers() {
                            this.trailers = Some(trailers);
                        }
                        if let Some(tail) = this.flush() {
                            return Poll::Ready(Some(Ok(Frame::data(tail))));
                        }
                    }
                },
                Some(Err(err)) => {
                    this.done = true;
                    this.record(Some(format!("response body failed: {err}")));
                    return Poll::Ready(Some(Err(err)));
                }
                None => {
                    let tail = this.flush();
                    this.done = true;
                    this.record(None);
                    if let Some(tail) = tail {
                        return Poll::Ready(Some(Ok(Frame::data(tail))));
                    }
                    return Poll::Ready(None);
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done && self.trailers.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        // Replacements may change the length: never promise one.
        SizeHint::default()
    }
}

impl Drop for ScrubBody {
    fn drop(&mut self) {
        if self.log.is_some() {
            self.record(Some(
                "response not completed (client or upstream went away)".into(),
            ));
        }
    }
}

#[cfg(test)]
#[path = "scrub_body_tests.rs"]
mod tests;
