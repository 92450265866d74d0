//! The DNS responder: every A query answered with the proxy's address, AAAA
//! with no data, nothing ever forwarded upstream; UDP and TCP.
//!
//! The task container's only resolver is this one, and the container can
//! reach nothing but the proxy, so the only useful answer is "the proxy".
//! Answering from a fixed address, never from a lookup, is what makes DNS
//! useless as an exfiltration channel: no name the container asks about ever
//! leaves the proxy (the HTTP side resolves a host only after the allowlist
//! let it through).
//!
//! [`packet`] is the pure wire format (query bytes in, response bytes out);
//! [`server`] is the UDP and TCP I/O around it and the network log lines.
//! The behaviour is specified in `spec/dns-responder.md`.

pub mod packet;
pub mod server;
mod wire;

pub use packet::{Answer, Malformed, PacketError, Response, respond};
pub use server::{bind_dns, serve_dns};
