//! The `git cat-file --batch` output format, apart from any I/O so it can
//! be tested on bytes.

/// One answer of `cat-file --batch`.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum BatchEntry {
    Found {
        oid: String,
        kind: String,
        content: Vec<u8>,
    },
    /// The requested object or `<rev>:<path>` does not exist.
    Missing,
}

/// Splits `<oid> SP <type> SP <size> LF <content> LF` records and
/// `<request> SP missing LF` lines, in request order.
pub(super) fn parse_batch(mut out: &[u8]) -> Result<Vec<BatchEntry>, &'static str> {
    let mut entries = Vec::new();
    while !out.is_empty() {
        let line_end = out
            .iter()
            .position(|b| *b == b'\n')
            .ok_or("header without a line end")?;
        let header = std::str::from_utf8(&out[..line_end]).map_err(|_| "header is not UTF-8")?;
        out = &out[line_end + 1..];
        // `ambiguous` cannot happen for full refs and oids, but is handled
        // the same way rather than misparsed.
        if header.ends_with(" missing") || header.ends_with(" ambiguous") {
            entries.push(BatchEntry::Missing);
            continue;
        }
        let mut fields = header.split(' ');
        let (Some(oid), Some(kind), Some(size), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err("header is not `<oid> <type> <size>`");
        };
        let size: usize = size.parse().map_err(|_| "size is not a number")?;
        if out.len() < size + 1 || out[size] != b'\n' {
            return Err("content shorter than its announced size");
        }
        entries.push(BatchEntry::Found {
            oid: oid.to_owned(),
            kind: kind.to_owned(),
            content: out[..size].to_vec(),
        });
        out = &out[size + 1..];
    }
    Ok(entries)
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
