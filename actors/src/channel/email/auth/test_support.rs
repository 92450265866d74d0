//! Test helpers: a loopback-only DNS server answering TXT queries from a
//! fixed table, an authenticator that asks only it, and DKIM signing with
//! a key made on the spot. No real DNS is ever queried.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use mail_auth::MessageAuthenticator;
use mail_auth::common::crypto::Ed25519Key;
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimSigner;
use mail_auth::hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// A DNS server on 127.0.0.1 that answers TXT queries for the names in
/// its table (NXDOMAIN for anything else); stops when dropped.
pub(super) struct LoopbackDns {
    pub port: u16,
    task: JoinHandle<()>,
}

impl Drop for LoopbackDns {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl LoopbackDns {
    /// `records`: (name without trailing dot, TXT text).
    pub async fn start(records: &[(&str, &str)]) -> LoopbackDns {
        let table: Arc<HashMap<String, String>> = Arc::new(
            records
                .iter()
                .map(|(name, txt)| {
                    (
                        name.trim_end_matches('.').to_ascii_lowercase(),
                        txt.to_string(),
                    )
                })
                .collect(),
        );
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind loopback DNS");
        let port = socket.local_addr().expect("local addr").port();
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            while let Ok((len, peer)) = socket.recv_from(&mut buf).await {
                if let Some(reply) = answer(&buf[..len], &table) {
                    let _ = socket.send_to(&reply, peer).await;
                }
            }
        });
        LoopbackDns { port, task }
    }

    /// An authenticator whose only name server is this one.
    pub fn authenticator(&self) -> MessageAuthenticator {
        let mut connection = ConnectionConfig::udp();
        connection.port = self.port;
        let server = NameServerConfig::new(IpAddr::V4(Ipv4Addr::LOCALHOST), true, vec![connection]);
        let mut opts = ResolverOpts::default();
        opts.timeout = Duration::from_secs(2);
        opts.attempts = 1;
        opts.cache_size = 0;
        opts.use_hosts_file = ResolveHosts::Never;
        MessageAuthenticator::new(ResolverConfig::from_parts(None, vec![], vec![server]), opts)
            .expect("test authenticator")
    }
}

/// The reply to one query, or `None` for garbage.
fn answer(query: &[u8], table: &HashMap<String, String>) -> Option<Vec<u8>> {
    if query.len() < 12 {
        return None;
    }
    // Question: labels up to the root, then QTYPE and QCLASS.
    let mut pos = 12;
    let mut labels = Vec::new();
    loop {
        let len = *query.get(pos)? as usize;
        pos += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(pos..pos + len)?).to_ascii_lowercase());
        pos += len;
    }
    let qtype = u16::from_be_bytes([*query.get(pos)?, *query.get(pos + 1)?]);
    let question_end = pos + 4;
    let question = query.get(12..question_end)?;
    let txt = table.get(&labels.join(".")).filter(|_| qtype == 16);

    let mut reply = Vec::with_capacity(512);
    reply.extend_from_slice(&query[0..2]); // id
    let rd = query[2] & 0x01;
    reply.push(0x84 | rd); // QR, AA, RD echoed
    reply.push(if txt.is_some() { 0x80 } else { 0x83 }); // RA; NOERROR or NXDOMAIN
    reply.extend_from_slice(&[0, 1]); // QDCOUNT
    reply.extend_from_slice(&[0, u8::from(txt.is_some())]); // ANCOUNT
    reply.extend_from_slice(&[0, 0, 0, 0]); // NSCOUNT, ARCOUNT
    reply.extend_from_slice(question);
    if let Some(txt) = txt {
        let mut rdata = Vec::new();
        for chunk in txt.as_bytes().chunks(255) {
            rdata.push(chunk.len() as u8);
            rdata.extend_from_slice(chunk);
        }
        reply.extend_from_slice(&[0xC0, 0x0C]); // name: pointer to the question
        reply.extend_from_slice(&[0, 16, 0, 1]); // TXT, IN
        reply.extend_from_slice(&300u32.to_be_bytes()); // TTL
        reply.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        reply.extend_from_slice(&rdata);
    }
    Some(reply)
}

/// A fresh Ed25519 key: the signing key and its DKIM TXT record.
pub(super) fn dkim_key() -> (Ed25519Key, String) {
    let pkcs8 = Ed25519Key::generate_pkcs8().expect("generate key");
    let key = Ed25519Key::from_pkcs8_der(&pkcs8).expect("load key");
    let record = format!("v=DKIM1; k=ed25519; p={}", base64(&key.public_key()));
    (key, record)
}

/// `message` with a DKIM-Signature from `domain`/`selector` prepended.
pub(super) fn sign(
    message: &str,
    key: Ed25519Key,
    domain: &str,
    selector: &str,
    body_length: bool,
) -> String {
    let signature = DkimSigner::from_key(key)
        .domain(domain)
        .selector(selector)
        .headers(["From", "To", "Subject", "Date"])
        .body_length(body_length)
        .sign(message.as_bytes())
        .expect("sign");
    format!("{}{message}", signature.to_header())
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
