//! Byte-level find-and-replace of several needles in one left-to-right pass,
//! usable on a stream.
//!
//! One pass (rather than one `replace` per secret) so that bytes inserted
//! for one needle are never searched again for another. Bytes, not `str`,
//! because header values and bodies need not be UTF-8.
//!
//! Matching is leftmost, then longest: at each position the longest needle
//! that matches wins, and the scan resumes after it. On a stream the scan
//! stops at the first position whose remaining bytes are a proper prefix of
//! some needle, because only more input can decide it; everything before
//! that position is final. The undecided tail is therefore always shorter
//! than the longest needle, and the streamed result equals the result on the
//! whole input, whatever the chunking.

/// One needle and what replaces it.
#[derive(Clone)]
pub(crate) struct Needle {
    pub find: Vec<u8>,
    pub replace: Vec<u8>,
}

/// A compiled set of needles.
#[derive(Clone)]
pub(crate) struct Needles {
    list: Vec<Needle>,
    /// Bytes that start some needle: lets the scan skip everything else
    /// with one table lookup per byte.
    starts: [bool; 256],
    max_len: usize,
}

impl Needles {
    /// Empty needles are dropped: they would match everywhere.
    pub fn new(list: impl IntoIterator<Item = Needle>) -> Self {
        let list: Vec<Needle> = list.into_iter().filter(|n| !n.find.is_empty()).collect();
        let mut starts = [false; 256];
        for needle in &list {
            if let Some(&first) = needle.find.first() {
                starts[usize::from(first)] = true;
            }
        }
        let max_len = list.iter().map(|n| n.find.len()).max().unwrap_or(0);
        Needles {
            list,
            starts,
            max_len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Appends `buf` with every match replaced to `out`, calling `on_match`
    /// with the index of each needle replaced (in the order given to
    /// [`Needles::new`], empty ones not counted).
    ///
    /// With `at_end` false, stops before an undecided tail and returns how
    /// many bytes of `buf` were consumed; the caller keeps the rest for the
    /// next call. With `at_end` true, consumes everything.
    pub fn scan(
        &self,
        buf: &[u8],
        at_end: bool,
        out: &mut Vec<u8>,
        mut on_match: impl FnMut(usize),
    ) -> usize {
        let mut pos = 0;
        let mut copied = 0;
        while pos < buf.len() {
            match buf[pos..].iter().position(|&b| self.starts[usize::from(b)]) {
                Some(skip) => pos += skip,
                None => {
                    pos = buf.len();
                    break;
                }
            }
            let rest = &buf[pos..];
            let mut best: Option<(usize, &Needle)> = None;
            let mut undecided = false;
            for (index, needle) in self.list.iter().enumerate() {
                if rest.len() >= needle.find.len() {
                    let longer = best.is_none_or(|(_, b)| needle.find.len() > b.find.len());
                    if longer && rest.starts_with(&needle.find) {
                        best = Some((index, needle));
                    }
                } else if !at_end && needle.find.starts_with(rest) {
                    undecided = true;
                }
            }
            if undecided {
                // A longer needle may still match here: everything from
                // `pos` waits for the next chunk.
                break;
            }
            match best {
                Some((index, needle)) => {
                    out.extend_from_slice(&buf[copied..pos]);
                    out.extend_from_slice(&needle.replace);
                    pos += needle.find.len();
                    copied = pos;
                    on_match(index);
                }
                None => pos += 1,
            }
        }
        out.extend_from_slice(&buf[copied..pos]);
        pos
    }

    /// The whole of `buf` with every match replaced, or `None` when nothing
    /// matched (so callers can leave the original untouched). `on_match` as
    /// in [`Needles::scan`].
    pub fn replace_all(&self, buf: &[u8], mut on_match: impl FnMut(usize)) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(buf.len());
        let mut any = false;
        self.scan(buf, true, &mut out, |index| {
            any = true;
            on_match(index);
        });
        any.then_some(out)
    }
}

/// True when `needle` (non-empty) occurs in `haystack`.
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
