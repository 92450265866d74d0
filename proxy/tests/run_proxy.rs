//! `run_proxy_until`: everything bound, then a prompt stop.

mod support;

use std::time::{Duration, Instant};

use airut_proxy::mitm::MitmOptions;
use airut_proxy::run::{ProxyError, ProxyServer};
use http::StatusCode;
use support::{get, harness};

#[tokio::test]
async fn shutdown_is_prompt_after_traffic() {
    let h = harness().await;
    assert_eq!(
        h.http(get("blocked.test", "/")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.https("allowed.test", get("allowed.test", "/"))
            .await
            .status,
        StatusCode::OK
    );
    let started = Instant::now();
    h.server.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_taken_port_fails_the_start() {
    let h = harness().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = support::base_config(dir.path(), &h.ca);
    config.listen.https = h.https_addr();
    // (DNS on port 0 may lose a bind race first: see `start_retrying`.)
    let mut err = None;
    for _ in 0..10 {
        match ProxyServer::start(&config, MitmOptions::default()).await {
            Err(ProxyError::Dns(_)) => continue,
            Err(other) => {
                err = Some(other);
                break;
            }
            Ok(_) => panic!("started on a taken port"),
        }
    }
    let err = err.expect("an error");
    assert!(err.to_string().contains("cannot listen"), "{err}");
}
