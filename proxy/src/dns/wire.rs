//! Bounds-checked reading of the DNS wire format (RFC 1035 §4.1): a cursor
//! that never indexes past the packet, and the two ways a name is read.
//!
//! Every read returns [`Malformed`] instead of panicking, so hostile bytes
//! from the task container can at worst earn a FORMERR.

use super::packet::Malformed;

/// The longest name on the wire, length bytes and the root byte included
/// (RFC 1035 §2.3.4).
const MAX_NAME_LEN: usize = 255;
/// A length byte with these top bits set is a compression pointer.
const POINTER_BITS: u8 = 0xC0;

/// A read position in a packet.
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(buf: &'a [u8], pos: usize) -> Reader<'a> {
        Reader { buf, pos }
    }

    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    /// What was read since position `start`.
    pub(super) fn read_since(&self, start: usize) -> &'a [u8] {
        self.buf.get(start..self.pos).unwrap_or_default()
    }

    pub(super) fn bytes(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self.pos.checked_add(n).ok_or(Malformed::Truncated)?;
        let slice = self.buf.get(self.pos..end).ok_or(Malformed::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    pub(super) fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.bytes(1)?[0])
    }

    pub(super) fn u16(&mut self) -> Result<u16, Malformed> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(super) fn u32(&mut self) -> Result<u32, Malformed> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Reads the question's name and returns it escaped for the log.
///
/// Compression pointers are refused rather than followed: a query has
/// nothing earlier in the packet to point at, so a pointer there is either a
/// broken client or an attempt at a pointer loop.
pub(super) fn read_question_name(r: &mut Reader<'_>) -> Result<String, Malformed> {
    let mut escaped = String::new();
    let mut wire_len = 0usize;
    loop {
        let len = r.u8()?;
        if len == 0 {
            break;
        }
        if len & POINTER_BITS == POINTER_BITS {
            return Err(Malformed::CompressedQuestion);
        }
        check_label(len, &mut wire_len)?;
        let label = r.bytes(usize::from(len))?;
        if !escaped.is_empty() {
            escaped.push('.');
        }
        escape_label(label, &mut escaped);
    }
    if escaped.is_empty() {
        escaped.push('.');
    }
    Ok(escaped)
}

/// Skips a name in a resource record and tells whether it was the root.
/// Here a pointer is legal; it ends the name and is not followed, since only
/// the record's type and length matter to us.
pub(super) fn skip_record_name(r: &mut Reader<'_>) -> Result<bool, Malformed> {
    let mut wire_len = 0usize;
    let mut labels = 0usize;
    loop {
        let len = r.u8()?;
        if len == 0 {
            return Ok(labels == 0);
        }
        if len & POINTER_BITS == POINTER_BITS {
            r.u8()?;
            return Ok(false);
        }
        check_label(len, &mut wire_len)?;
        r.bytes(usize::from(len))?;
        labels += 1;
    }
}

/// Refuses the two label types RFC 1035 never defined (0x40 and 0x80, which
/// read as lengths of 64..191) and names past 255 bytes. Pointers (0xC0)
/// are the caller's business.
fn check_label(len: u8, wire_len: &mut usize) -> Result<(), Malformed> {
    if len > 63 {
        return Err(Malformed::LabelTooLong(len));
    }
    *wire_len += 1 + usize::from(len);
    // +1 for the root byte that must still follow.
    if *wire_len + 1 > MAX_NAME_LEN {
        return Err(Malformed::NameTooLong);
    }
    Ok(())
}

/// Appends `label` lower-cased, with every byte that is not a visible ASCII
/// character written as `\DDD` (decimal, as in zone files). `.` and `\` are
/// escaped too, so the escaped form maps back to exactly one name and a
/// label can neither fake a label boundary nor an escape, let alone a line
/// break in the log.
pub(super) fn escape_label(label: &[u8], out: &mut String) {
    for &byte in label {
        let byte = byte.to_ascii_lowercase();
        if byte.is_ascii_graphic() && byte != b'.' && byte != b'\\' {
            out.push(char::from(byte));
        } else {
            out.push('\\');
            out.push(char::from(b'0' + byte / 100));
            out.push(char::from(b'0' + byte / 10 % 10));
            out.push(char::from(b'0' + byte % 10));
        }
    }
}

/// What [`qtype_name`] says for a type it has no mnemonic for.
pub(super) const UNKNOWN_TYPE: &str = "UNKNOWN";

/// The mnemonic of the types a task is likely to ask for.
pub(super) fn qtype_name(qtype: u16) -> &'static str {
    match qtype {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        35 => "NAPTR",
        41 => "OPT",
        43 => "DS",
        48 => "DNSKEY",
        64 => "SVCB",
        65 => "HTTPS",
        251 => "IXFR",
        252 => "AXFR",
        255 => "ANY",
        257 => "CAA",
        _ => UNKNOWN_TYPE,
    }
}
