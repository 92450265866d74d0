//! The byte layout of every value Airut keeps in sled.
//!
//! sled makes its own writes atomic, but a value can still arrive damaged: a
//! bug that wrote a prefix, a disk that flipped a bit, a file copied while the
//! gateway ran. The envelope makes such a value fail loudly instead of being
//! misread as a shorter or different record.
//!
//! Layout (little endian): `b"AR"`, format `u8`, schema version `u16`,
//! payload length `u32`, payload (JSON), CRC-32 of everything before it.

use thiserror::Error;

const MAGIC: &[u8; 2] = b"AR";
const FORMAT: u8 = 1;
const HEADER_LEN: usize = 2 + 1 + 2 + 4;
const TRAILER_LEN: usize = 4;

/// Why stored bytes could not be turned back into a payload.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("value is {0} bytes, shorter than an envelope header")]
    TooShort(usize),
    #[error("value does not start with the Airut envelope marker")]
    BadMagic,
    #[error("envelope format {0} is not supported by this version of Airut")]
    UnknownFormat(u8),
    #[error("value is torn: header announces {announced} payload bytes, {actual} present")]
    Torn { announced: usize, actual: usize },
    #[error("value is corrupt: checksum mismatch")]
    Checksum,
}

/// A decoded envelope: the schema version its writer used and the payload.
#[derive(Debug, PartialEq, Eq)]
pub struct Opened<'a> {
    pub schema_version: u16,
    pub payload: &'a [u8],
}

/// Wraps `payload` in an envelope stamped with `schema_version`.
pub fn seal(schema_version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + TRAILER_LEN);
    out.extend_from_slice(MAGIC);
    out.push(FORMAT);
    out.extend_from_slice(&schema_version.to_le_bytes());
    // Payloads are JSON records of a few KiB; u32 is ample, and a record that
    // does not fit is a bug worth stopping on.
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Checks marker, length and checksum, and returns the payload.
pub fn open(bytes: &[u8]) -> Result<Opened<'_>, EnvelopeError> {
    if bytes.len() < HEADER_LEN + TRAILER_LEN {
        if bytes.len() >= 2 && &bytes[..2] != MAGIC {
            return Err(EnvelopeError::BadMagic);
        }
        return Err(EnvelopeError::TooShort(bytes.len()));
    }
    if &bytes[..2] != MAGIC {
        return Err(EnvelopeError::BadMagic);
    }
    if bytes[2] != FORMAT {
        return Err(EnvelopeError::UnknownFormat(bytes[2]));
    }
    let schema_version = u16::from_le_bytes([bytes[3], bytes[4]]);
    let announced = u32::from_le_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]) as usize;
    let actual = bytes.len() - HEADER_LEN - TRAILER_LEN;
    if announced != actual {
        return Err(EnvelopeError::Torn { announced, actual });
    }
    let (body, trailer) = bytes.split_at(bytes.len() - TRAILER_LEN);
    let stored = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    if crc32fast::hash(body) != stored {
        return Err(EnvelopeError::Checksum);
    }
    Ok(Opened {
        schema_version,
        payload: &body[HEADER_LEN..],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_version_and_payload() {
        let sealed = seal(7, b"{\"a\":1}");
        let opened = open(&sealed).expect("valid envelope");
        assert_eq!(opened.schema_version, 7);
        assert_eq!(opened.payload, b"{\"a\":1}");
    }

    #[test]
    fn empty_payload_round_trips() {
        let sealed = seal(1, b"");
        assert_eq!(open(&sealed).expect("valid").payload, b"");
    }

    #[test]
    fn every_truncation_is_rejected() {
        let sealed = seal(3, b"{\"conversation\":\"abcd1234\",\"tasks\":[1,2,3]}");
        for cut in 0..sealed.len() {
            assert!(
                open(&sealed[..cut]).is_err(),
                "a value cut to {cut} bytes was accepted"
            );
        }
    }

    #[test]
    fn truncated_value_reports_torn() {
        let mut sealed = seal(3, b"0123456789");
        sealed.truncate(sealed.len() - 6);
        sealed.extend_from_slice(&[0, 0]);
        assert_eq!(
            open(&sealed),
            Err(EnvelopeError::Torn {
                announced: 10,
                actual: 6
            })
        );
    }

    #[test]
    fn any_flipped_bit_is_rejected() {
        let sealed = seal(2, b"{\"state\":\"running\"}");
        for i in 0..sealed.len() {
            let mut damaged = sealed.clone();
            damaged[i] ^= 0x10;
            assert!(open(&damaged).is_err(), "flip at byte {i} went unnoticed");
        }
    }

    #[test]
    fn foreign_bytes_are_not_an_envelope() {
        assert_eq!(open(b"{\"json\":true}"), Err(EnvelopeError::BadMagic));
    }

    #[test]
    fn newer_format_is_refused() {
        let mut sealed = seal(1, b"x");
        sealed[2] = 9;
        assert_eq!(open(&sealed), Err(EnvelopeError::UnknownFormat(9)));
    }
}
