use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore};
use tokio::io::AsyncWriteExt;

use super::*;

fn client_hello(sni: Option<&str>) -> Vec<u8> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(RootCertStore::empty())
        .with_no_client_auth();
    let name = match sni {
        Some(name) => ServerName::try_from(name.to_string()).expect("name"),
        None => {
            config.enable_sni = false;
            ServerName::try_from("ignored.test").expect("name")
        }
    };
    let mut conn = ClientConnection::new(Arc::new(config), name).expect("client");
    let mut out = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut out).expect("write");
    }
    out
}

/// Feeds `bytes` in `piece`-sized writes, then closes.
async fn read_from_pieces(bytes: Vec<u8>, piece: usize) -> Result<ClientHello, HelloError> {
    let (mut tx, mut rx) = tokio::io::duplex(64);
    tokio::spawn(async move {
        for part in bytes.chunks(piece) {
            if tx.write_all(part).await.is_err() {
                return;
            }
        }
    });
    read_client_hello(&mut rx).await
}

#[tokio::test]
async fn sni_is_read_and_canonicalised_and_bytes_are_kept() {
    let hello = client_hello(Some("Allowed.Test"));
    let got = read_from_pieces(hello.clone(), 4096).await.expect("hello");
    assert_eq!(got.sni, "allowed.test");
    assert_eq!(got.bytes, hello);
}

#[tokio::test]
async fn hello_split_into_tiny_pieces_still_parses() {
    let hello = client_hello(Some("a.example"));
    let got = read_from_pieces(hello.clone(), 3).await.expect("hello");
    assert_eq!(got.sni, "a.example");
    assert_eq!(got.bytes, hello);
}

#[tokio::test]
async fn no_sni_is_refused() {
    let got = read_from_pieces(client_hello(None), 4096).await;
    assert!(matches!(got, Err(HelloError::NoSni)), "{got:?}");
}

#[tokio::test]
async fn plain_http_is_not_tls() {
    let got = read_from_pieces(b"GET / HTTP/1.1\r\n\r\n".to_vec(), 4096).await;
    assert!(matches!(got, Err(HelloError::NotTls(b'G'))), "{got:?}");
}

#[tokio::test]
async fn truncated_hello_is_closed() {
    let mut hello = client_hello(Some("a.example"));
    hello.truncate(20);
    let got = read_from_pieces(hello, 4096).await;
    assert!(matches!(got, Err(HelloError::Closed)), "{got:?}");
}

#[tokio::test]
async fn handshake_record_with_garbage_is_malformed() {
    let got = read_from_pieces(
        vec![0x16, 0x03, 0x01, 0x00, 0x04, 0xff, 0xff, 0xff, 0xff],
        4096,
    )
    .await;
    assert!(matches!(got, Err(HelloError::Malformed(_))), "{got:?}");
}
