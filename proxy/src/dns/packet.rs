//! The pure half of the responder: one query's bytes in, the reply's bytes
//! and what was decided out. No I/O, no clock, and above all no lookup: the
//! reply depends only on the query's shape, never on the name asked about.
//!
//! A/IN gets the proxy's address; every other type gets NODATA, so each
//! name "exists" with only an A record and clients fall back to A at once
//! (NOTIMP makes some stub resolvers fail the whole lookup). Other opcodes
//! get NOTIMP, broken queries FORMERR, and an OPT a minimal OPT that echoes
//! no option. The reasons are in `spec/dns-responder.md`.

use std::borrow::Cow;
use std::net::Ipv4Addr;

use super::wire::{self, Reader, UNKNOWN_TYPE, qtype_name};

const HEADER_LEN: usize = 12;
const TYPE_A: u16 = 1;
const TYPE_OPT: u16 = 41;
const CLASS_IN: u16 = 1;
const OPCODE_QUERY: u8 = 0;
/// The proxy's address does not change during a task; the TTL only bounds
/// how long a cache could hold it after the proxy is gone.
const ANSWER_TTL: u32 = 60;
/// What our OPT advertises: the DNS Flag Day 2020 size, which never
/// fragments. Our replies are far smaller anyway.
const EDNS_PAYLOAD: u16 = 1232;
/// Without EDNS a UDP reply may not exceed 512 bytes (RFC 1035 §4.2.1).
const CLASSIC_UDP_LIMIT: usize = 512;

const FLAG_QR: u16 = 0x8000;
const FLAG_TC: u8 = 0x02; // in the first flags byte
const FLAG_RD: u16 = 0x0100;
const FLAG_RA: u16 = 0x0080;
const EDNS_FLAG_DO: u16 = 0x8000;
const RCODE_FORMERR: u16 = 1;
const RCODE_NOTIMP: u16 = 4;
/// BADVERS is extended RCODE 16: its upper 8 bits (1) go in the OPT record,
/// its lower 4 (0) in the header.
const EXT_RCODE_BADVERS: u8 = 1;

/// The reply to one query, and what it decided, for the network log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The full reply as for TCP; use [`Response::udp_bytes`] for UDP.
    pub bytes: Vec<u8>,
    /// The question's name, escaped for logs (see `wire::escape_label`):
    /// lower case, no trailing dot, `.` for the root. Empty when the
    /// question could not be read.
    pub qname: String,
    /// The question's type; 0 when the question could not be read.
    pub qtype: u16,
    /// The type's mnemonic (`"A"`, `"HTTPS"`), `"UNKNOWN"` for others.
    pub qtype_name: &'static str,
    pub answer: Answer,
    /// The most a UDP reply may carry for this client.
    udp_limit: usize,
    /// Where the echoed question ends in `bytes`.
    question_end: usize,
}

/// What the reply says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// NOERROR with one A record.
    Address(Ipv4Addr),
    /// NOERROR with no records: any type but A, or a class but IN.
    NoData,
    /// NOTIMP: the opcode is not QUERY.
    NotImplemented { opcode: u8 },
    /// FORMERR, and why.
    FormatError(Malformed),
    /// BADVERS: an EDNS version we do not speak.
    BadVersion { version: u8 },
}

/// Why a packet gets no reply at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Without a header there is no id to reply to.
    #[error("{0} bytes, shorter than the 12-byte DNS header")]
    TooShort(usize),
    /// Answering responses could make two responders ping-pong forever.
    #[error("a response (QR set), not a query")]
    NotAQuery,
}

/// Why a query earned FORMERR. The messages hold no query bytes, so they
/// are safe to log as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    #[error("{0} questions where exactly 1 is expected")]
    QuestionCount(u16),
    #[error("the packet ends inside the question or a record")]
    Truncated,
    #[error("a compression pointer in the question")]
    CompressedQuestion,
    #[error("label length byte {0} (labels are at most 63 bytes)")]
    LabelTooLong(u8),
    #[error("a name longer than 255 bytes")]
    NameTooLong,
    #[error("an OPT record outside the additional section")]
    MisplacedOpt,
    #[error("an OPT record whose name is not the root")]
    OptNotRoot,
    #[error("more than one OPT record")]
    DuplicateOpt,
}

impl Response {
    /// The reply as it may go out over UDP: cut down to header and question
    /// with TC set if it is larger than the client accepts, which tells the
    /// client to ask again over TCP. Our replies are at most ~300 bytes, so
    /// this is a safety net, not a path in use.
    pub fn udp_bytes(&self) -> Cow<'_, [u8]> {
        if self.bytes.len() <= self.udp_limit {
            Cow::Borrowed(&self.bytes)
        } else {
            Cow::Owned(truncated(&self.bytes, self.question_end))
        }
    }

    /// The type as the log shows it: the mnemonic, or `TYPE<n>` (RFC 3597).
    pub fn qtype_text(&self) -> String {
        if self.qtype_name == UNKNOWN_TYPE {
            format!("TYPE{}", self.qtype)
        } else {
            self.qtype_name.to_string()
        }
    }
}

/// Answers `query`, or says why it deserves no reply.
pub fn respond(query: &[u8], proxy_ip: Ipv4Addr) -> Result<Response, PacketError> {
    let header = QueryHeader::read(query)?;
    if header.flags & FLAG_QR != 0 {
        return Err(PacketError::NotAQuery);
    }
    let opcode = header.opcode();
    if opcode != OPCODE_QUERY {
        // Other opcodes (NOTIFY, UPDATE...) have their own section layouts;
        // nothing past the header is read.
        return Ok(build(
            &header,
            None,
            None,
            Answer::NotImplemented { opcode },
        ));
    }
    if header.qdcount != 1 {
        let answer = Answer::FormatError(Malformed::QuestionCount(header.qdcount));
        return Ok(build(&header, None, None, answer));
    }
    let mut reader = Reader::new(query, HEADER_LEN);
    let question = match Question::read(&mut reader) {
        Ok(question) => question,
        Err(why) => return Ok(build(&header, None, None, Answer::FormatError(why))),
    };
    let edns = match read_opt(&mut reader, &header) {
        Ok(edns) => edns,
        Err(why) => {
            return Ok(build(
                &header,
                Some(&question),
                None,
                Answer::FormatError(why),
            ));
        }
    };
    let answer = match edns {
        Some(Edns { version, .. }) if version != 0 => Answer::BadVersion { version },
        _ if question.qtype == TYPE_A && question.qclass == CLASS_IN => Answer::Address(proxy_ip),
        _ => Answer::NoData,
    };
    Ok(build(&header, Some(&question), edns.as_ref(), answer))
}

struct QueryHeader {
    id: u16,
    flags: u16,
    qdcount: u16,
    ancount: u16,
    nscount: u16,
    arcount: u16,
}

impl QueryHeader {
    fn read(query: &[u8]) -> Result<QueryHeader, PacketError> {
        let mut r = Reader::new(query, 0);
        let mut field = || r.u16().map_err(|_| PacketError::TooShort(query.len()));
        Ok(QueryHeader {
            id: field()?,
            flags: field()?,
            qdcount: field()?,
            ancount: field()?,
            nscount: field()?,
            arcount: field()?,
        })
    }

    fn opcode(&self) -> u8 {
        self.flags.to_be_bytes()[0] >> 3 & 0x0F
    }
}

struct Question<'a> {
    /// Name, type and class exactly as sent: echoed byte for byte, so
    /// resolvers that randomise the name's case (0x20) see their own bits.
    wire: &'a [u8],
    name: String,
    qtype: u16,
    qclass: u16,
}

impl<'a> Question<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Question<'a>, Malformed> {
        let start = r.pos();
        let name = wire::read_question_name(r)?;
        let qtype = r.u16()?;
        let qclass = r.u16()?;
        Ok(Question {
            wire: r.read_since(start),
            name,
            qtype,
            qclass,
        })
    }
}

/// What the query's OPT record said; its options are never looked at.
struct Edns {
    payload: u16,
    version: u8,
    dnssec_ok: bool,
}

/// Walks the records after the question for the OPT pseudo-record. Queries
/// rarely carry anything else, but the walk is bounded by the packet length
/// whatever the counts claim.
fn read_opt(r: &mut Reader<'_>, header: &QueryHeader) -> Result<Option<Edns>, Malformed> {
    let mut found = None;
    let sections = [
        (header.ancount, false),
        (header.nscount, false),
        (header.arcount, true),
    ];
    for (count, is_additional) in sections {
        for _ in 0..count {
            let is_root = wire::skip_record_name(r)?;
            let rtype = r.u16()?;
            let class = r.u16()?;
            let ttl = r.u32()?.to_be_bytes();
            let rdlength = r.u16()?;
            r.bytes(usize::from(rdlength))?;
            if rtype != TYPE_OPT {
                continue;
            }
            if !is_additional {
                return Err(Malformed::MisplacedOpt);
            }
            if !is_root {
                return Err(Malformed::OptNotRoot);
            }
            if found.is_some() {
                return Err(Malformed::DuplicateOpt);
            }
            found = Some(Edns {
                payload: class,
                version: ttl[1],
                dnssec_ok: u16::from_be_bytes([ttl[2], ttl[3]]) & EDNS_FLAG_DO != 0,
            });
        }
    }
    Ok(found)
}

fn build(
    header: &QueryHeader,
    question: Option<&Question<'_>>,
    edns: Option<&Edns>,
    answer: Answer,
) -> Response {
    let rcode = match answer {
        Answer::FormatError(_) => RCODE_FORMERR,
        Answer::NotImplemented { .. } => RCODE_NOTIMP,
        Answer::Address(_) | Answer::NoData | Answer::BadVersion { .. } => 0,
    };
    // A refused query's question is not echoed: it may be what is broken.
    let echoed = match answer {
        Answer::FormatError(_) | Answer::NotImplemented { .. } => None,
        _ => question,
    };
    let address = match answer {
        Answer::Address(ip) => Some(ip),
        _ => None,
    };
    let opcode_bits = header.flags & 0x7800;
    let flags = FLAG_QR | opcode_bits | (header.flags & FLAG_RD) | FLAG_RA | rcode;

    let mut bytes = Vec::with_capacity(CLASSIC_UDP_LIMIT);
    for field in [
        header.id,
        flags,
        u16::from(echoed.is_some()),
        u16::from(address.is_some()),
        0,
        u16::from(edns.is_some()),
    ] {
        bytes.extend_from_slice(&field.to_be_bytes());
    }
    if let Some(question) = echoed {
        bytes.extend_from_slice(question.wire);
    }
    let question_end = bytes.len();
    if let Some(ip) = address {
        // 0xC00C points at the question's name, right after the header.
        bytes.extend_from_slice(&[0xC0, 0x0C]);
        bytes.extend_from_slice(&TYPE_A.to_be_bytes());
        bytes.extend_from_slice(&CLASS_IN.to_be_bytes());
        bytes.extend_from_slice(&ANSWER_TTL.to_be_bytes());
        bytes.extend_from_slice(&4u16.to_be_bytes());
        bytes.extend_from_slice(&ip.octets());
    }
    if let Some(edns) = edns {
        let ext_rcode = match answer {
            Answer::BadVersion { .. } => EXT_RCODE_BADVERS,
            _ => 0,
        };
        // RFC 3225: the DO bit is copied. It promises nothing, as we never
        // send signatures.
        let edns_flags = if edns.dnssec_ok { EDNS_FLAG_DO } else { 0 };
        bytes.push(0); // root name
        bytes.extend_from_slice(&TYPE_OPT.to_be_bytes());
        bytes.extend_from_slice(&EDNS_PAYLOAD.to_be_bytes());
        bytes.extend_from_slice(&[ext_rcode, 0]); // version 0
        bytes.extend_from_slice(&edns_flags.to_be_bytes());
        bytes.extend_from_slice(&0u16.to_be_bytes()); // no options
    }

    let udp_limit = edns.map_or(CLASSIC_UDP_LIMIT, |e| {
        usize::from(e.payload).max(CLASSIC_UDP_LIMIT)
    });
    let qtype = question.map_or(0, |q| q.qtype);
    Response {
        bytes,
        qname: question.map(|q| q.name.clone()).unwrap_or_default(),
        qtype,
        qtype_name: qtype_name(qtype),
        answer,
        udp_limit,
        question_end,
    }
}

/// `bytes` cut after the question, with TC set and no records counted.
fn truncated(bytes: &[u8], question_end: usize) -> Vec<u8> {
    let mut out = bytes.get(..question_end).unwrap_or(bytes).to_vec();
    if let Some(flags) = out.get_mut(2) {
        *flags |= FLAG_TC;
    }
    if let Some(counts) = out.get_mut(6..HEADER_LEN) {
        counts.fill(0);
    }
    out
}

#[cfg(test)]
#[path = "packet_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "packet_edns_tests.rs"]
mod edns_tests;

#[cfg(test)]
#[path = "packet_fuzz_tests.rs"]
mod fuzz_tests;
