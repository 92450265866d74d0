//! Thousands of random and mutated packets: `respond` must never panic, and
//! whatever it sends must be a DNS message an independent decoder accepts.

use std::net::Ipv4Addr;

use hickory_proto::op::Message;

use std::collections::BTreeSet;

use super::{Answer, respond};

const PROXY: Ipv4Addr = Ipv4Addr::new(10, 199, 0, 2);
const ROUNDS: usize = 60_000;

/// xorshift64*: deterministic, so a failure reproduces from the round number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let hex = |text: &str| -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
            .collect()
    };
    vec![
        // dig Example.COM A, with a cookie.
        hex(
            "277e01200001000000000001074578616d706c6503434f4d000001000100002904d000000000000c000a00086ec08c569c51111f",
        ),
        // dig example.com AAAA +dnssec.
        hex(
            "bf5e01200001000000000001076578616d706c6503636f6d00001c000100002904d000008000000c000a0008000817b9c6051cf9",
        ),
        // a.com A, no EDNS.
        hex(concat!(
            "000101000001000000000000",
            "0161",
            "03636f6d00",
            "00010001"
        )),
        // Root NS; a TXT record whose name is a pointer, then an OPT.
        hex(concat!(
            "000201000001000000000002",
            "00",
            "00020001",
            "c00c001000010000000000020178",
            "0000290200000000000000"
        )),
    ]
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut p = seed.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            0 if !p.is_empty() => {
                let i = rng.below(p.len());
                p[i] = rng.byte();
            }
            1 if !p.is_empty() => {
                let i = rng.below(p.len());
                p[i] ^= 1 << rng.below(8);
            }
            2 => p.truncate(rng.below(p.len() + 1)),
            3 => {
                let at = rng.below(p.len() + 1);
                let extra: Vec<u8> = (0..rng.below(40)).map(|_| rng.byte()).collect();
                p.splice(at..at, extra);
            }
            4 if p.len() >= 12 => {
                // Counts are where parsers go wrong: make them lie.
                let i = 4 + rng.below(8);
                p[i] = [0, 1, 2, 0xFF][rng.below(4)];
            }
            _ if p.len() > 12 => {
                // A length byte turned into a pointer or an illegal label.
                let i = 12 + rng.below(p.len() - 12);
                p[i] = [0xC0, 0x40, 0x80, 63, 64, 0][rng.below(6)];
            }
            _ => {}
        }
    }
    p
}

#[test]
fn random_and_mutated_packets_never_panic_and_replies_decode() {
    let seeds = seeds();
    for seed in &seeds {
        assert!(respond(seed, PROXY).is_ok(), "seed answered: {seed:02x?}");
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut answered = 0usize;
    let mut kinds = BTreeSet::new();
    for round in 0..ROUNDS {
        let packet = if round % 4 == 0 {
            (0..rng.below(300)).map(|_| rng.byte()).collect()
        } else {
            mutate(&mut rng, &seeds[round % seeds.len()])
        };
        let Ok(reply) = respond(&packet, PROXY) else {
            continue;
        };
        answered += 1;
        kinds.insert(match reply.answer {
            Answer::Address(_) => "address",
            Answer::NoData => "nodata",
            Answer::NotImplemented { .. } => "notimp",
            Answer::FormatError(_) => "formerr",
            Answer::BadVersion { .. } => "badvers",
        });
        let bytes = &reply.bytes;
        assert!(bytes.len() >= 12, "round {round}");
        assert_eq!(bytes[..2], packet[..2], "id, round {round}");
        assert_eq!(bytes[2] & 0x80, 0x80, "QR, round {round}");
        assert!(reply.udp_bytes().len() <= reply.udp_limit, "round {round}");
        assert!(
            reply.qname.bytes().all(|b| b.is_ascii_graphic()),
            "round {round}: {:?}",
            reply.qname
        );
        if let Err(e) = Message::from_vec(bytes) {
            panic!("round {round}: reply to {packet:02x?} does not decode: {e}");
        }
        assert_eq!(
            respond(&packet, PROXY).ok().as_ref(),
            Some(&reply),
            "deterministic"
        );
    }
    assert!(
        answered > ROUNDS / 4,
        "the mutations still reach the parser: {answered}"
    );
    assert_eq!(
        kinds.len(),
        5,
        "every kind of reply was exercised: {kinds:?}"
    );
}
