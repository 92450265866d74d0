//! Turns a byte stream into complete lines. Only complete lines are handed
//! out while the stream runs; the unterminated tail is handed out once, at
//! the end. Lines have no length limit (stream-json lines can be megabytes).

#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    pub fn new() -> LineSplitter {
        LineSplitter::default()
    }

    /// Feeds a chunk; returns the lines it completed, without their `\n`,
    /// decoded as UTF-8 with replacement.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        let mut rest = chunk;
        while let Some(at) = rest.iter().position(|b| *b == b'\n') {
            self.pending.extend_from_slice(&rest[..at]);
            lines.push(String::from_utf8_lossy(&self.pending).into_owned());
            self.pending.clear();
            rest = &rest[at + 1..];
        }
        self.pending.extend_from_slice(rest);
        lines
    }

    /// The unterminated tail, if any.
    pub fn finish(&mut self) -> Option<String> {
        if self.pending.is_empty() {
            return None;
        }
        let tail = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        Some(tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_across_chunks() {
        let mut s = LineSplitter::new();
        assert_eq!(s.push(b"ab"), Vec::<String>::new());
        assert_eq!(s.push(b"c\nde\n\nf"), vec!["abc", "de", ""]);
        assert_eq!(s.finish(), Some("f".to_string()));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn split_utf8_sequence_is_reassembled() {
        let text = "é\n".as_bytes();
        let mut s = LineSplitter::new();
        assert!(s.push(&text[..1]).is_empty());
        assert_eq!(s.push(&text[1..]), vec!["é"]);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_dropped() {
        let mut s = LineSplitter::new();
        assert_eq!(s.push(b"a\xffb\n"), vec!["a\u{fffd}b"]);
    }
}
