use std::sync::atomic::{AtomicUsize, Ordering};

use tower_service::Service;

use super::*;
use crate::mitm::resolve::ResolveFuture;

/// Answers every name with `answer` and counts the questions.
struct CountingResolver {
    calls: AtomicUsize,
    answer: Vec<IpAddr>,
}

impl Resolve for CountingResolver {
    fn resolve<'a>(&'a self, _host: &'a str) -> ResolveFuture<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let answer = self.answer.clone();
        Box::pin(async move { Ok(answer) })
    }
}

fn connector(
    hosts: &[(&str, IpAddr)],
    ports: &[(&str, u16)],
    answer: &[IpAddr],
) -> (UpstreamConnector, Arc<CountingResolver>) {
    let resolver = Arc::new(CountingResolver {
        calls: AtomicUsize::new(0),
        answer: answer.to_vec(),
    });
    let connector = UpstreamConnector::new(
        hosts.iter().map(|(h, ip)| (h.to_string(), *ip)).collect(),
        ports.iter().map(|(h, p)| (h.to_string(), *p)).collect(),
        resolver.clone(),
        Duration::from_secs(2),
    );
    (connector, resolver)
}

const LOCALHOST: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

#[tokio::test]
async fn operator_mappings_skip_dns_and_the_refusal() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (mut connector, resolver) = connector(
        &[("internal.test", LOCALHOST)],
        &[("internal.test", port)],
        &[],
    );
    let uri: Uri = "https://Internal.Test/x".parse().expect("uri");
    let stream = connector.call(uri).await.expect("connect");
    assert!(stream.inner().nodelay().expect("nodelay"));
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn resolved_local_addresses_are_refused() {
    let (mut connector, resolver) = connector(&[], &[], &[LOCALHOST]);
    let err = connector
        .call("https://sneaky.test/".parse().expect("uri"))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            UpstreamError::Refused {
                why: "loopback",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("network.upstream_hosts"));
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn literal_metadata_addresses_are_refused_without_dns() {
    let (mut connector, resolver) = connector(&[], &[], &[]);
    let err = connector
        .call("http://169.254.169.254/latest".parse().expect("uri"))
        .await
        .expect_err("refused");
    assert!(matches!(err, UpstreamError::Refused { .. }), "{err}");
    let err = connector
        .call("http://[::1]/".parse().expect("uri"))
        .await
        .expect_err("refused");
    assert!(matches!(err, UpstreamError::Refused { .. }), "{err}");
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn mixed_answers_keep_only_usable_addresses() {
    // 192.0.2.1 (TEST-NET) is unroutable: the connect fails, but it was
    // tried, and loopback was not.
    let test_net: IpAddr = "192.0.2.1".parse().expect("ip");
    let (connector, _) = connector(&[], &[], &[LOCALHOST, test_net]);
    let addrs = connector.addresses("mixed.test").await.expect("addresses");
    assert_eq!(addrs, vec![test_net]);
}

#[test]
fn extra_roots_must_be_certificates() {
    let (connector, _) = connector(&[], &[], &[]);
    let pem = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
    assert!(https_connector(connector.clone(), Some(pem)).is_err());
    assert!(https_connector(connector, None).is_ok());
}
