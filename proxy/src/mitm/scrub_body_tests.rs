use http_body_util::BodyExt;
use tokio::sync::mpsc;

use super::*;
use crate::masking::MaskedSecret;
use crate::netlog::EntryKind;

const SURROGATE: &str = "sk-surrogate-0123456789abcdef";
const REAL: &str = "sk-real-value-fedcba9876543210";

fn masker() -> Arc<CredentialMasker> {
    Arc::new(
        CredentialMasker::new(vec![MaskedSecret {
            env_name: "API_KEY".into(),
            surrogate: SURROGATE.into(),
            real: REAL.into(),
            scopes: vec!["allowed.test".into()],
            headers: vec!["Authorization".into()],
            allow_foreign_credentials: false,
        }])
        .expect("masker"),
    )
}

fn chunked(parts: Vec<Bytes>) -> Body {
    Body::from_stream(hudsucker::futures::stream::iter(
        parts.into_iter().map(Ok::<_, std::io::Error>),
    ))
}

fn entry() -> NetLogEntry {
    NetLogEntry {
        kind: EntryKind::Http,
        url: Some("https://allowed.test/".into()),
        ..NetLogEntry::default()
    }
}

#[tokio::test]
async fn real_values_split_across_chunks_are_replaced_and_counted() {
    let (tx, mut rx) = mpsc::channel(4);
    let (a, b) = REAL.as_bytes().split_at(7);
    let body = chunked(vec![
        Bytes::from_static(b"token: "),
        Bytes::copy_from_slice(a),
        Bytes::copy_from_slice(b),
        Bytes::from_static(b" end"),
    ]);
    let scrubbed = ScrubBody::new(body, masker(), NetLog::to_channel(tx, "t"), entry());
    let out = scrubbed.collect().await.expect("collect").to_bytes();
    assert_eq!(out, format!("token: {SURROGATE} end").as_bytes());
    let logged = rx.recv().await.expect("entry");
    assert_eq!(logged.scrubbed, 1);
    assert_eq!(logged.verdict, Verdict::Allowed);
}

#[tokio::test]
async fn chunks_flow_without_waiting_for_the_end() {
    let (tx, _rx) = mpsc::channel(4);
    let (sender, body) = channel_body();
    let mut scrubbed = ScrubBody::new(body, masker(), NetLog::to_channel(tx, "t"), entry());
    sender
        .send(Bytes::from_static(b"data: one\n\n"))
        .await
        .expect("send");
    let frame = scrubbed.frame().await.expect("frame").expect("ok");
    assert_eq!(frame.into_data().expect("data"), "data: one\n\n");
    drop(sender);
}

#[tokio::test]
async fn a_body_dropped_early_is_still_logged() {
    let (tx, mut rx) = mpsc::channel(4);
    let (_sender, body) = channel_body();
    let scrubbed = ScrubBody::new(body, masker(), NetLog::to_channel(tx, "t"), entry());
    drop(scrubbed);
    let logged = rx.recv().await.expect("entry");
    assert_eq!(logged.verdict, Verdict::Error);
    assert!(logged.reason.unwrap_or_default().contains("not completed"));
}

/// A body fed by the test, chunk by chunk.
fn channel_body() -> (mpsc::Sender<Bytes>, Body) {
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    let stream = hudsucker::futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::io::Error>(chunk), rx))
    });
    (tx, Body::from_stream(stream))
}
