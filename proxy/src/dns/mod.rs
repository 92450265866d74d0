//! The DNS responder: every A query answered with the proxy's address, AAAA
//! with no data, nothing ever forwarded upstream; UDP and TCP.
