//! The cache against a local HTTP server standing in for the CDN.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::error::ClaudeBinaryError;
use super::manifest::to_hex;
use super::resolver::ChannelResolver;
use super::test_server::{Reply, TestServer, dead_base_url};
use super::version::Channel;
use super::*;

const PLATFORM: Platform = Platform {
    arch: Arch::X64,
    musl: false,
};

fn options(base_url: String) -> ClaudeCacheOptions {
    ClaudeCacheOptions {
        base_url,
        platform: Some(PLATFORM),
        retry_delays: vec![Duration::from_millis(5)],
        metadata_timeout: Duration::from_secs(10),
        fallback_metadata_timeout: Duration::from_secs(5),
        binary_idle_timeout: Duration::from_secs(10),
        ..ClaudeCacheOptions::default()
    }
}

fn fake_binary(version: &str) -> Vec<u8> {
    format!("#!/bin/sh\necho 'Claude Code {version} (fake)'\n").into_bytes()
}

fn manifest(body: &[u8], size: Option<u64>) -> Vec<u8> {
    let checksum = to_hex(&Sha256::digest(body));
    let size = size.map(|s| format!(r#","size":{s}"#)).unwrap_or_default();
    format!(
        r#"{{"version":"x","platforms":{{"linux-x64":{{"checksum":"{checksum}"{size}}},"linux-arm64":{{"checksum":"{checksum}"}}}}}}"#
    )
    .into_bytes()
}

fn manifest_path(version: &str) -> String {
    format!("{version}/manifest.json")
}

fn binary_path(version: &str) -> String {
    format!("{version}/linux-x64/claude")
}

/// Serves `version` correctly; returns the binary's bytes.
fn serve_release(server: &TestServer, version: &str) -> Vec<u8> {
    let body = fake_binary(version);
    server.route(
        &manifest_path(version),
        Reply::Body(manifest(&body, Some(body.len() as u64))),
    );
    server.route(&binary_path(version), Reply::Body(body.clone()));
    body
}

fn open(dir: &Path, server_url: String) -> ClaudeBinaryCache {
    ClaudeBinaryCache::open(dir, options(server_url)).unwrap()
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn plant_version(cache: &Path, version: &str, complete: bool) {
    let dir = cache.join(version);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("manifest.json"), b"{}").unwrap();
    if complete {
        let bin = dir.join("claude");
        std::fs::write(&bin, fake_binary(version)).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[tokio::test]
async fn claude_binary_downloads_on_miss_and_hits_afterwards() {
    let server = TestServer::start().await;
    let body = serve_release(&server, "2.1.3");
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), server.base_url());

    let first = cache
        .ensure(&ClaudeSource::Version("2.1.3".into()))
        .await
        .unwrap();
    assert_eq!(first.version.as_deref(), Some("2.1.3"));
    assert_eq!(first.path, dir.path().join("2.1.3/claude"));
    assert_eq!(std::fs::read(&first.path).unwrap(), body);
    let mode = std::fs::metadata(&first.path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
    assert!(dir.path().join("2.1.3/manifest.json").is_file());

    let second = cache.ensure_version("2.1.3").await.unwrap();
    assert_eq!(second, first);
    assert_eq!(server.hits(&binary_path("2.1.3")), 1);
    assert_eq!(server.hits(&manifest_path("2.1.3")), 1);
    // First attempt does not ask caches to revalidate.
    assert!(!server.requests(&binary_path("2.1.3"))[0].no_cache);

    // A new instance (a restart) also hits the disk copy.
    let again = open(dir.path(), server.base_url());
    again.ensure_version("2.1.3").await.unwrap();
    assert_eq!(server.hits(&binary_path("2.1.3")), 1);
    assert_eq!(cache.list_versions().unwrap(), ["2.1.3"]);
    assert_eq!(cache.live_lock_entries(), 0, "lock table is tidied");
}

#[tokio::test]
async fn claude_binary_latest_resolves_through_the_channel() {
    let server = TestServer::start().await;
    server.route("latest", Reply::Body(b"2.1.3\n".to_vec()));
    server.route("stable", Reply::Body(b"2.0.9\n".to_vec()));
    serve_release(&server, "2.1.3");
    serve_release(&server, "2.0.9");
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), server.base_url());

    let latest = cache.ensure_version("latest").await.unwrap();
    assert_eq!(latest.version.as_deref(), Some("2.1.3"));
    let stable = cache.ensure_version("stable").await.unwrap();
    assert_eq!(stable.version.as_deref(), Some("2.0.9"));
    // Within the TTL the channel is not asked again.
    cache.ensure_version("latest").await.unwrap();
    assert_eq!(server.hits("latest"), 1);
    assert_eq!(server.hits("stable"), 1);

    let saved = std::fs::read_to_string(dir.path().join("resolutions.json")).unwrap();
    assert!(
        saved.contains("\"latest\"") && saved.contains("2.1.3"),
        "{saved}"
    );
}

#[tokio::test]
async fn claude_binary_invalid_version_is_rejected_without_network() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), server.base_url());
    for bad in ["newest", "2.1", "2.1.3/../../x", ""] {
        let err = cache.ensure_version(bad).await.unwrap_err();
        assert!(
            matches!(err, ClaudeBinaryError::InvalidVersion { .. }),
            "{bad}: {err}"
        );
        assert!(err.to_string().contains("claude_version"));
    }
    assert_eq!(server.total_hits(), 0);
}

#[tokio::test]
async fn claude_binary_checksum_mismatch_retried_then_fails_cleanly() {
    let server = TestServer::start().await;
    let body = fake_binary("2.1.3");
    server.route(&manifest_path("2.1.3"), Reply::Body(manifest(&body, None)));
    server.route(
        &binary_path("2.1.3"),
        Reply::Body(b"#!/bin/sh\necho tampered\n".to_vec()),
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), server.base_url());

    let err = cache.ensure_version("2.1.3").await.unwrap_err();
    let ClaudeBinaryError::GaveUp { attempts, last, .. } = &err else {
        panic!("expected GaveUp, got {err:?}");
    };
    assert_eq!(*attempts, 3);
    assert!(matches!(**last, ClaudeBinaryError::ChecksumMismatch { .. }));
    let text = err.to_string();
    assert!(
        text.contains("3 times") && text.contains("SHA-256"),
        "{text}"
    );

    let requests = server.requests(&binary_path("2.1.3"));
    assert_eq!(requests.len(), 3);
    assert!(!requests[0].no_cache);
    assert!(
        requests[1].no_cache && requests[2].no_cache,
        "retries send Cache-Control: no-cache"
    );
    // No partial file and no binary; only the lock file remains.
    assert_eq!(files_under(dir.path()), [".locks/2.1.3.lock"]);
    assert!(cache.list_versions().unwrap().is_empty());
}

#[tokio::test]
async fn claude_binary_truncated_body_is_retried() {
    let server = TestServer::start().await;
    let body = fake_binary("2.1.3");
    server.route(
        &manifest_path("2.1.3"),
        Reply::Body(manifest(&body, Some(body.len() as u64))),
    );
    server.route_sequence(
        &binary_path("2.1.3"),
        vec![
            Reply::Truncated {
                body: body.clone(),
                sent: 10,
            },
            Reply::Body(body.clone()),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), server.base_url());

    let got = cache.ensure_version("2.1.3").await.unwrap();
    assert_eq!(std::fs::read(got.path).unwrap(), body);
    assert_eq!(server.hits(&binary_path("2.1.3")), 2);
    assert_eq!(
        files_under(dir.path()),
        [".locks/2.1.3.lock", "2.1.3/claude", "2.1.3/manifest.json"]
    );
}

#[tokio::test]
async fn claude_binary_http_404_is_not_retried() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), server.base_url());

    let err = cache.ensure_version("9.9.9").await.unwrap_err();
    assert!(
        matches!(err, ClaudeBinaryError::Http { status: 404, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("check claude_version"), "{err}");
    assert_eq!(server.hits(&manifest_path("9.9.9")), 1);
    assert_eq!(server.total_hits(), 1);
}

#[tokio::test]
async fn claude_binary_server_error_is_retried() {
    let server = TestServer::start().await;
    let body = fake_binary("2.1.3");
    server.route_sequence(
        &manifest_path("2.1.3"),
        vec![Reply::Status(503), Reply::Body(manifest(&body, None))],
    );
    server.route(&binary_path("2.1.3"), Reply::Body(body));
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), server.base_url());
    cache.ensure_version("2.1.3").await.unwrap();
    assert_eq!(server.hits(&manifest_path("2.1.3")), 2);
}

#[tokio::test]
async fn claude_binary_follows_redirects() {
    let server = TestServer::start().await;
    let body = fake_binary("2.1.3");
    server.route(
        &manifest_path("2.1.3"),
        Reply::Redirect("/releases/mirror/manifest.json".into()),
    );
    server.route("mirror/manifest.json", Reply::Body(manifest(&body, None)));
    server.route(
        &binary_path("2.1.3"),
        Reply::Redirect(format!("{}/mirror/claude", server.base_url())),
    );
    server.route("mirror/claude", Reply::Body(body.clone()));
    server.route("loop", Reply::Redirect("/releases/loop".into()));
    server.route(
        &manifest_path("2.1.4"),
        Reply::Redirect("/releases/loop".into()),
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), server.base_url());
    let got = cache.ensure_version("2.1.3").await.unwrap();
    assert_eq!(std::fs::read(got.path).unwrap(), body);

    let err = cache.ensure_version("2.1.4").await.unwrap_err();
    assert!(matches!(err, ClaudeBinaryError::Redirect { .. }), "{err:?}");
}

#[tokio::test]
async fn claude_binary_stalled_download_times_out_and_is_retried() {
    let server = TestServer::start().await;
    let body = fake_binary("2.1.3");
    server.route(&manifest_path("2.1.3"), Reply::Body(manifest(&body, None)));
    server.route_sequence(
        &binary_path("2.1.3"),
        vec![
            Reply::Delayed(Duration::from_secs(5), Box::new(Reply::Body(body.clone()))),
            Reply::Body(body.clone()),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = ClaudeBinaryCache::open(
        dir.path(),
        ClaudeCacheOptions {
            binary_idle_timeout: Duration::from_millis(200),
            ..options(server.base_url())
        },
    )
    .unwrap();
    let got = cache.ensure_version("2.1.3").await.unwrap();
    assert_eq!(std::fs::read(got.path).unwrap(), body);
    assert_eq!(server.hits(&binary_path("2.1.3")), 2);
}

#[tokio::test]
async fn claude_binary_platform_missing_is_not_retried() {
    let server = TestServer::start().await;
    server.route(
        &manifest_path("2.1.3"),
        Reply::Body(br#"{"platforms":{"darwin-arm64":{"checksum":"00"}}}"#.to_vec()),
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), server.base_url());
    let err = cache.ensure_version("2.1.3").await.unwrap_err();
    assert!(
        matches!(err, ClaudeBinaryError::PlatformMissing { .. }),
        "{err:?}"
    );
    assert_eq!(server.total_hits(), 1);
}

#[tokio::test]
async fn claude_binary_size_mismatch_is_rejected() {
    let server = TestServer::start().await;
    let body = fake_binary("2.1.3");
    // The manifest's size disagrees with what is served, both ways.
    for (version, size) in [("2.1.3", body.len() as u64 + 7), ("2.1.4", 4)] {
        server.route(
            &manifest_path(version),
            Reply::Body(manifest(&body, Some(size))),
        );
        server.route(&binary_path(version), Reply::Body(body.clone()));
    }
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), server.base_url());

    let short = cache.ensure_version("2.1.3").await.unwrap_err();
    let ClaudeBinaryError::GaveUp { last, .. } = &short else {
        panic!("{short:?}");
    };
    assert!(
        matches!(**last, ClaudeBinaryError::SizeMismatch { .. }),
        "{last:?}"
    );
    let long = cache.ensure_version("2.1.4").await.unwrap_err();
    let ClaudeBinaryError::GaveUp { last, .. } = &long else {
        panic!("{long:?}");
    };
    assert!(
        matches!(**last, ClaudeBinaryError::Oversized { limit: 4, .. }),
        "{last:?}"
    );
    assert!(cache.list_versions().unwrap().is_empty());
    assert!(
        !files_under(dir.path())
            .iter()
            .any(|f| f.contains("partial"))
    );
}

#[tokio::test]
async fn claude_binary_resolution_persists_across_instances() {
    let server = TestServer::start().await;
    server.route("latest", Reply::Body(b"2.1.3".to_vec()));
    serve_release(&server, "2.1.3");
    let dir = tempfile::tempdir().unwrap();
    open(dir.path(), server.base_url())
        .ensure_version("latest")
        .await
        .unwrap();
    server.stop();

    // Fresh by the saved timestamp: no network at all.
    let restarted = open(dir.path(), dead_base_url().await);
    let got = restarted.ensure_version("latest").await.unwrap();
    assert_eq!(got.version.as_deref(), Some("2.1.3"));

    // Stale (TTL 0): the refresh fails, the saved answer stands in.
    let stale = ClaudeBinaryCache::open(
        dir.path(),
        ClaudeCacheOptions {
            channel_ttl: Duration::ZERO,
            ..options(dead_base_url().await)
        },
    )
    .unwrap();
    let got = stale.ensure_version("latest").await.unwrap();
    assert_eq!(got.version.as_deref(), Some("2.1.3"));
}

#[tokio::test]
async fn claude_binary_stale_resolution_used_and_network_left_alone() {
    let server = TestServer::start().await;
    server.route("latest", Reply::Body(b"2.1.3".to_vec()));
    serve_release(&server, "2.1.3");
    let dir = tempfile::tempdir().unwrap();
    let cache = ClaudeBinaryCache::open(
        dir.path(),
        ClaudeCacheOptions {
            channel_ttl: Duration::ZERO,
            ..options(server.base_url())
        },
    )
    .unwrap();
    cache.ensure_version("latest").await.unwrap();
    assert_eq!(server.hits("latest"), 1);

    server.route("latest", Reply::Status(503));
    let got = cache.ensure_version("latest").await.unwrap();
    assert_eq!(got.version.as_deref(), Some("2.1.3"));
    // With a fallback available, one quick attempt only.
    assert_eq!(server.hits("latest"), 2);

    // Inside the 60 s window: no network.
    for _ in 0..3 {
        cache.ensure_version("latest").await.unwrap();
    }
    assert_eq!(server.hits("latest"), 2);
    assert_eq!(server.hits(&binary_path("2.1.3")), 1);
}

#[tokio::test]
async fn claude_binary_refresh_tried_again_after_the_window() {
    let server = TestServer::start().await;
    server.route_sequence(
        "latest",
        vec![
            Reply::Body(b"2.1.3".to_vec()),
            Reply::Status(503),
            Reply::Body(b"2.1.4".to_vec()),
        ],
    );
    serve_release(&server, "2.1.3");
    serve_release(&server, "2.1.4");
    let dir = tempfile::tempdir().unwrap();
    let cache = ClaudeBinaryCache::open(
        dir.path(),
        ClaudeCacheOptions {
            channel_ttl: Duration::ZERO,
            refresh_backoff: Duration::ZERO,
            ..options(server.base_url())
        },
    )
    .unwrap();
    let v = |b: ClaudeBinary| b.version.unwrap();
    assert_eq!(v(cache.ensure_version("latest").await.unwrap()), "2.1.3");
    assert_eq!(v(cache.ensure_version("latest").await.unwrap()), "2.1.3");
    assert_eq!(v(cache.ensure_version("latest").await.unwrap()), "2.1.4");
    assert_eq!(server.hits("latest"), 3);
}

#[tokio::test]
async fn claude_binary_no_fallback_and_server_down_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let base = dead_base_url().await;
    let cache = open(dir.path(), base.clone());
    let err = cache.ensure_version("latest").await.unwrap_err();
    let ClaudeBinaryError::ResolveFailed {
        channel, source, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(channel, "latest");
    assert!(
        matches!(**source, ClaudeBinaryError::GaveUp { attempts: 3, .. }),
        "{source:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&base)
            && text.contains("could not reach")
            && text.contains("pin claude_version"),
        "{text}"
    );
}

#[tokio::test]
async fn claude_binary_falls_back_to_last_good_version() {
    let server = TestServer::start().await;
    server.route_sequence(
        "latest",
        vec![
            Reply::Body(b"2.1.3".to_vec()),
            Reply::Body(b"2.1.4".to_vec()),
        ],
    );
    serve_release(&server, "2.1.3");
    // 2.1.4 is announced but its download keeps failing.
    server.route(&manifest_path("2.1.4"), Reply::Status(500));
    let dir = tempfile::tempdir().unwrap();
    let cache = ClaudeBinaryCache::open(
        dir.path(),
        ClaudeCacheOptions {
            channel_ttl: Duration::ZERO,
            ..options(server.base_url())
        },
    )
    .unwrap();
    cache.ensure_version("latest").await.unwrap();
    let got = cache.ensure_version("latest").await.unwrap();
    assert_eq!(got.version.as_deref(), Some("2.1.3"));
    assert_eq!(server.hits(&manifest_path("2.1.4")), 3);
    // An exact request has no fallback.
    assert!(cache.ensure_version("2.1.4").await.is_err());
}

#[tokio::test]
async fn claude_binary_concurrent_ensure_downloads_once() {
    let server = TestServer::start().await;
    let body = fake_binary("2.1.3");
    server.route(
        &manifest_path("2.1.3"),
        Reply::Body(manifest(&body, Some(body.len() as u64))),
    );
    server.route(
        &binary_path("2.1.3"),
        Reply::Delayed(Duration::from_millis(200), Box::new(Reply::Body(body))),
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(open(dir.path(), server.base_url()));
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move { cache.ensure_version("2.1.3").await })
        })
        .collect();
    for task in tasks {
        let got = task.await.unwrap().unwrap();
        assert_eq!(got.path, dir.path().join("2.1.3/claude"));
    }
    assert_eq!(server.hits(&binary_path("2.1.3")), 1);
    assert_eq!(cache.live_lock_entries(), 0);
}

#[tokio::test]
async fn claude_binary_concurrent_ensure_across_instances_downloads_once() {
    // Two caches on one directory stand in for the gateway and the CLI:
    // only the file lock keeps them apart.
    let server = TestServer::start().await;
    let body = fake_binary("2.1.3");
    server.route(
        &manifest_path("2.1.3"),
        Reply::Body(manifest(&body, Some(body.len() as u64))),
    );
    server.route(
        &binary_path("2.1.3"),
        Reply::Delayed(Duration::from_millis(200), Box::new(Reply::Body(body))),
    );
    let dir = tempfile::tempdir().unwrap();
    let a = open(dir.path(), server.base_url());
    let b = open(dir.path(), server.base_url());
    let (ra, rb) = tokio::join!(a.ensure_version("2.1.3"), b.ensure_version("2.1.3"));
    ra.unwrap();
    rb.unwrap();
    assert_eq!(server.hits(&binary_path("2.1.3")), 1);
}

#[tokio::test]
async fn claude_binary_prune_removes_only_inactive_versions() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    for v in ["1.0.0", "1.1.0", "2.0.0"] {
        plant_version(dir.path(), v, true);
    }
    plant_version(dir.path(), "1.2.0", false);
    std::fs::create_dir(dir.path().join("not-a-version")).unwrap();
    let cache = open(dir.path(), server.base_url());
    // Lock files exist for versions that were touched.
    cache.ensure_version("1.0.0").await.unwrap();
    cache.ensure_version("1.1.0").await.unwrap();

    let removed = cache.prune(&["2.0.0".to_owned()]).await.unwrap();
    assert_eq!(removed, ["1.0.0", "1.1.0", "1.2.0"]);
    assert_eq!(cache.list_versions().unwrap(), ["2.0.0"]);
    assert!(dir.path().join("not-a-version").is_dir());
    assert!(
        !dir.path().join(".locks/1.0.0.lock").exists(),
        "lock files go too"
    );
    assert_eq!(cache.live_lock_entries(), 0);
    assert_eq!(server.total_hits(), 0);
}

#[tokio::test]
async fn claude_binary_prune_keeps_what_an_active_channel_uses() {
    let server = TestServer::start().await;
    server.route("latest", Reply::Body(b"2.1.3".to_vec()));
    serve_release(&server, "2.1.3");
    let dir = tempfile::tempdir().unwrap();
    plant_version(dir.path(), "1.0.0", true);
    let cache = open(dir.path(), server.base_url());
    cache.ensure_version("latest").await.unwrap();
    let removed = cache.prune(&["latest".to_owned()]).await.unwrap();
    assert_eq!(removed, ["1.0.0"]);
    assert_eq!(cache.list_versions().unwrap(), ["2.1.3"]);
}

#[tokio::test]
async fn claude_binary_list_ignores_incomplete_versions() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    plant_version(dir.path(), "1.10.0", true);
    plant_version(dir.path(), "1.9.0", true);
    plant_version(dir.path(), "2.0.0", false);
    // A binary that lost its execute bit is not complete either.
    plant_version(dir.path(), "2.1.0", true);
    std::fs::set_permissions(
        dir.path().join("2.1.0/claude"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    // A leftover partial download alone does not make a version.
    std::fs::create_dir(dir.path().join("3.0.0")).unwrap();
    std::fs::write(dir.path().join("3.0.0/.claude.partial-1-0"), b"x").unwrap();
    std::fs::write(dir.path().join("resolutions.json"), b"{}").unwrap();
    let cache = open(dir.path(), server.base_url());
    assert_eq!(cache.list_versions().unwrap(), ["1.9.0", "1.10.0"]);

    let empty = open(&dir.path().join("absent"), server.base_url());
    assert!(empty.list_versions().unwrap().is_empty());
}

#[tokio::test]
async fn claude_binary_wrong_size_on_disk_is_downloaded_again() {
    let server = TestServer::start().await;
    let body = serve_release(&server, "2.1.3");
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), server.base_url());
    let got = cache.ensure_version("2.1.3").await.unwrap();
    std::fs::write(&got.path, b"#!/bin/sh\n").unwrap();
    assert!(cache.list_versions().unwrap().is_empty());
    cache.ensure_version("2.1.3").await.unwrap();
    assert_eq!(std::fs::read(&got.path).unwrap(), body);
    assert_eq!(server.hits(&binary_path("2.1.3")), 2);
}

#[tokio::test]
async fn claude_binary_corrupt_resolutions_file_is_ignored_and_rewritten() {
    let server = TestServer::start().await;
    server.route("latest", Reply::Body(b"2.1.3".to_vec()));
    serve_release(&server, "2.1.3");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("resolutions.json");
    std::fs::write(&file, b"{\"format\":1,\"chan").unwrap();
    let cache = open(dir.path(), server.base_url());
    cache.ensure_version("latest").await.unwrap();
    let saved = std::fs::read(&file).unwrap();
    let parsed = super::resolutions::parse_resolutions(&saved).unwrap();
    let record = &parsed.channels[&Channel::Latest];
    assert_eq!(record.version, "2.1.3");
    assert_eq!(record.last_good.as_deref(), Some("2.1.3"));
}

#[tokio::test]
async fn claude_binary_unwritable_cache_is_permanent() {
    let server = TestServer::start().await;
    serve_release(&server, "2.1.3");
    let dir = tempfile::tempdir().unwrap();
    // A file where the cache directory should be: nothing can be created
    // under it, whoever runs the test (root ignores permission bits).
    let blocked = dir.path().join("cache");
    std::fs::write(&blocked, b"").unwrap();
    let cache = open(&blocked, server.base_url());
    let err = cache.ensure_version("2.1.3").await.unwrap_err();
    assert!(matches!(err, ClaudeBinaryError::Storage { .. }), "{err:?}");
    assert!(err.to_string().contains("writable"), "{err}");
    assert_eq!(server.total_hits(), 0);
}

#[tokio::test]
async fn claude_binary_unwritable_resolutions_do_not_fail() {
    let server = TestServer::start().await;
    server.route("latest", Reply::Body(b"2.1.3".to_vec()));
    let dir = tempfile::tempdir().unwrap();
    let blocked = dir.path().join("cache");
    std::fs::write(&blocked, b"").unwrap();
    let cache = open(&blocked, server.base_url());
    assert_eq!(
        cache.resolve_channel(Channel::Latest).await.unwrap(),
        "2.1.3"
    );
}

#[tokio::test]
async fn claude_binary_local_binary_checks() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path(), dead_base_url().await);
    let local = |p: &Path| ClaudeSource::LocalBinary(p.to_owned());

    let missing = cache
        .ensure(&local(&dir.path().join("nope")))
        .await
        .unwrap_err();
    assert!(
        matches!(missing, ClaudeBinaryError::LocalBinaryMissing { .. }),
        "{missing:?}"
    );
    assert!(missing.to_string().contains("does not exist"));

    let plain = dir.path().join("plain");
    std::fs::write(&plain, b"#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
    let not_exec = cache.ensure(&local(&plain)).await.unwrap_err();
    assert!(matches!(
        not_exec,
        ClaudeBinaryError::LocalBinaryNotExecutable { .. }
    ));
    assert!(not_exec.to_string().contains("chmod"));

    let not_file = cache.ensure(&local(dir.path())).await.unwrap_err();
    assert!(matches!(
        not_file,
        ClaudeBinaryError::LocalBinaryNotFile { .. }
    ));

    let good = dir.path().join("claude");
    std::fs::write(&good, b"#!/bin/sh\necho hi\n").unwrap();
    std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o755)).unwrap();
    let link = dir.path().join("claude-link");
    std::os::unix::fs::symlink(&good, &link).unwrap();
    let got = cache.ensure(&local(&link)).await.unwrap();
    assert_eq!(got.path, std::fs::canonicalize(&good).unwrap());
    assert_eq!(got.version, None);
}

#[tokio::test]
async fn claude_binary_resolver_channels_and_fast_path() {
    let dir = tempfile::tempdir().unwrap();
    let resolver = ChannelResolver::load(
        dir.path().join("resolutions.json"),
        Duration::ZERO,
        Duration::from_secs(60),
    );
    let mut seen = Vec::new();
    let v = resolver
        .resolve(Channel::Latest, |has_fallback| {
            seen.push(has_fallback);
            async { Ok("2.1.3".to_owned()) }
        })
        .await
        .unwrap();
    assert_eq!(v, "2.1.3");
    // `stable` has no answer yet: its failure is an error of its own.
    let err = resolver
        .resolve(Channel::Stable, |has_fallback| {
            seen.push(has_fallback);
            async { Err(ClaudeBinaryError::Internal("down".into())) }
        })
        .await
        .unwrap_err();
    assert!(matches!(err, ClaudeBinaryError::Internal(_)));
    // `latest` now has a fallback, so the fetch is told to be quick.
    let v = resolver
        .resolve(Channel::Latest, |has_fallback| {
            seen.push(has_fallback);
            async { Err(ClaudeBinaryError::Internal("down".into())) }
        })
        .await
        .unwrap();
    assert_eq!(v, "2.1.3");
    assert_eq!(seen, [false, false, true]);
}

#[tokio::test]
async fn claude_binary_rejects_plain_http_to_remote_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let err = ClaudeBinaryCache::open(
        dir.path(),
        ClaudeCacheOptions {
            base_url: "http://downloads.claude.ai/claude-code-releases".into(),
            ..options(String::new())
        },
    )
    .err()
    .unwrap();
    assert!(matches!(err, ClaudeBinaryError::InvalidBaseUrl { .. }));
    // The default (https) opens, loading TLS roots.
    ClaudeBinaryCache::open(
        dir.path(),
        ClaudeCacheOptions {
            platform: Some(PLATFORM),
            ..ClaudeCacheOptions::default()
        },
    )
    .unwrap();
}
