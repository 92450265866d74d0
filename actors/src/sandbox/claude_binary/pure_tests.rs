//! Table tests for the parts without I/O.

use std::cmp::Ordering;
use std::time::Duration;

use hyper::Uri;

use super::error::{ClaudeBinaryError, is_retryable_status};
use super::manifest::{is_sha256_hex, parse_channel_body, parse_manifest, to_hex};
use super::platform::{Arch, Platform, is_musl_libc_name};
use super::release_server::{BaseUrl, is_loopback_host, redirect_target};
use super::resolutions::{
    ChannelRecord, Resolutions, is_fresh, parse_resolutions, render_resolutions,
};
use super::retry::RetryPolicy;
use super::version::{Channel, VersionRequest, compare_versions, is_exact_version};

const SUM: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const X64: Platform = Platform {
    arch: Arch::X64,
    musl: false,
};

#[test]
fn claude_binary_version_syntax() {
    let good = [
        "1.0.0",
        "2.1.3",
        "10.20.30",
        "1.0.0-beta",
        "1.0.0-rc.1",
        "1.0.0-alpha-2",
        "1.0.0-x+build.5",
    ];
    for v in good {
        assert!(is_exact_version(v), "{v} should be valid");
    }
    let bad = [
        "",
        "1",
        "1.0",
        "1.0.0.0",
        "v1.0.0",
        "1.0.0-",
        "1.0.0 ",
        " 1.0.0",
        "1.a.0",
        "1..0",
        "1.0.0-../../etc",
        "1.0.0-a/b",
        "1.0.0-a b",
        "١.٠.٠",
        "latest",
        "LATEST",
    ];
    for v in bad {
        assert!(!is_exact_version(v), "{v:?} should be invalid");
    }
    assert!(!is_exact_version(&format!("1.0.0-{}", "a".repeat(80))));
}

#[test]
fn claude_binary_version_request_parse() {
    assert_eq!(
        VersionRequest::parse("latest").unwrap(),
        VersionRequest::Channel(Channel::Latest)
    );
    assert_eq!(
        VersionRequest::parse("stable").unwrap(),
        VersionRequest::Channel(Channel::Stable)
    );
    assert_eq!(
        VersionRequest::parse("2.1.3").unwrap(),
        VersionRequest::Exact("2.1.3".into())
    );
    let err = VersionRequest::parse("newest").unwrap_err();
    assert!(matches!(err, ClaudeBinaryError::InvalidVersion { .. }));
    let text = err.to_string();
    assert!(
        text.contains("\"newest\"") && text.contains("latest") && text.contains("2.1.3"),
        "{text}"
    );
}

#[test]
fn claude_binary_version_ordering() {
    let mut v = vec!["2.0.0", "1.10.0", "1.2.0", "1.2.0-rc.1", "1.2.0-beta"];
    v.sort_by(|a, b| compare_versions(a, b));
    assert_eq!(v, ["1.2.0-beta", "1.2.0-rc.1", "1.2.0", "1.10.0", "2.0.0"]);
    assert_eq!(compare_versions("1.0.0", "1.0.0"), Ordering::Equal);
}

#[test]
fn claude_binary_platform_detection() {
    let cases = [
        ("linux", "x86_64", false, "linux-x64"),
        ("linux", "amd64", false, "linux-x64"),
        ("Linux", "AMD64", false, "linux-x64"),
        ("linux", "aarch64", false, "linux-arm64"),
        ("linux", "arm64", false, "linux-arm64"),
        ("linux", "x86_64", true, "linux-x64-musl"),
        ("linux", "aarch64", true, "linux-arm64-musl"),
    ];
    for (os, arch, musl, want) in cases {
        let p = Platform::from_host_facts(os, arch, musl).unwrap();
        assert_eq!(p.to_string(), want, "{os}/{arch}/{musl}");
    }
    for (os, arch) in [
        ("macos", "aarch64"),
        ("windows", "x86_64"),
        ("linux", "riscv64"),
        ("linux", "i686"),
    ] {
        let err = Platform::from_host_facts(os, arch, false).unwrap_err();
        assert!(
            matches!(err, ClaudeBinaryError::UnsupportedPlatform { .. }),
            "{os}/{arch}"
        );
        assert!(err.to_string().contains("claude_binary"));
    }
}

#[test]
fn claude_binary_musl_libc_names() {
    assert!(is_musl_libc_name("libc.musl-x86_64.so.1"));
    assert!(is_musl_libc_name("libc.musl-aarch64.so.1"));
    assert!(!is_musl_libc_name("libc.so.6"));
    assert!(!is_musl_libc_name("libc.musl-.so.1"));
    assert!(!is_musl_libc_name("ld-musl-x86_64.so.1"));
    assert!(!is_musl_libc_name("libc.musl-x86_64.so.1.bak"));
}

#[test]
fn claude_binary_manifest_parsing() {
    let body = format!(
        r#"{{"version":"2.1.3","platforms":{{
            "linux-x64":{{"checksum":"{SUM}","size":1234}},
            "linux-arm64":{{"checksum":"{SUM}"}},
            "darwin-arm64":{{"checksum":"{SUM}","size":1}}}}}}"#
    );
    let x64 = parse_manifest(body.as_bytes(), "2.1.3", X64).unwrap();
    assert_eq!(x64.checksum, SUM);
    assert_eq!(x64.size, Some(1234));
    let arm = Platform {
        arch: Arch::Arm64,
        musl: false,
    };
    assert_eq!(
        parse_manifest(body.as_bytes(), "2.1.3", arm).unwrap().size,
        None
    );

    let musl = Platform {
        arch: Arch::X64,
        musl: true,
    };
    let missing = parse_manifest(body.as_bytes(), "2.1.3", musl).unwrap_err();
    assert!(matches!(missing, ClaudeBinaryError::PlatformMissing { .. }));
    assert!(!missing.is_retryable());
    assert!(missing.to_string().contains("linux-x64-musl"));

    let bad_bodies = [
        "<html>503</html>".to_owned(),
        "{}".to_owned(),
        r#"{"platforms":{"linux-x64":{"size":3}}}"#.to_owned(),
        r#"{"platforms":{"linux-x64":{"checksum":"abc"}}}"#.to_owned(),
        format!(
            r#"{{"platforms":{{"linux-x64":{{"checksum":"{}"}}}}}}"#,
            SUM.to_uppercase()
        ),
        format!(r#"{{"platforms":{{"linux-x64":{{"checksum":"{SUM}","size":-1}}}}}}"#),
    ];
    for body in bad_bodies {
        let err = parse_manifest(body.as_bytes(), "2.1.3", X64).unwrap_err();
        assert!(
            matches!(err, ClaudeBinaryError::BadManifest { .. }),
            "{body}: {err}"
        );
        assert!(err.is_retryable());
    }
}

#[test]
fn claude_binary_channel_body() {
    assert_eq!(parse_channel_body(b"2.1.3\n", "latest").unwrap(), "2.1.3");
    assert_eq!(
        parse_channel_body(b"  2.1.3-beta.1 \r\n", "latest").unwrap(),
        "2.1.3-beta.1"
    );
    for body in [&b""[..], b"<html>", b"2.1", b"2.1.3\n2.1.4", b"\xff\xfe"] {
        let err = parse_channel_body(body, "stable").unwrap_err();
        assert!(matches!(err, ClaudeBinaryError::BadChannelBody { .. }));
        assert!(err.is_retryable());
    }
}

#[test]
fn claude_binary_hex() {
    assert_eq!(to_hex(&[0x00, 0x7f, 0xab, 0xff]), "007fabff");
    assert!(is_sha256_hex(SUM));
    assert!(!is_sha256_hex(&SUM[1..]));
    assert!(!is_sha256_hex(&SUM.replace('a', "g")));
}

#[test]
fn claude_binary_resolutions_round_trip() {
    let mut r = Resolutions::default();
    r.channels.insert(
        Channel::Latest,
        ChannelRecord {
            version: "2.1.3".into(),
            resolved_at: 1_767_225_600,
            last_good: Some("2.1.2".into()),
        },
    );
    r.channels.insert(
        Channel::Stable,
        ChannelRecord {
            version: "2.0.0".into(),
            resolved_at: 5,
            last_good: None,
        },
    );
    assert_eq!(parse_resolutions(&render_resolutions(&r)).unwrap(), r);
}

#[test]
fn claude_binary_resolutions_damaged_or_odd() {
    for bad in [
        &b""[..],
        b"{",
        b"[]",
        b"null",
        br#"{"format":2,"channels":{}}"#,
        br#"{"channels":{}}"#,
    ] {
        assert!(
            parse_resolutions(bad).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    let odd = br#"{"format":1,"channels":{
        "nightly":{"version":"9.9.9","resolved_at":1},
        "latest":{"version":"../x","resolved_at":1},
        "stable":{"version":"2.0.0","resolved_at":1,"last_good":"a/b"}}}"#;
    let parsed = parse_resolutions(odd).unwrap();
    assert_eq!(parsed.channels.len(), 1);
    let stable = &parsed.channels[&Channel::Stable];
    assert_eq!(stable.version, "2.0.0");
    assert_eq!(stable.last_good, None);
}

#[test]
fn claude_binary_freshness() {
    assert!(is_fresh(100, 100, 3600));
    assert!(is_fresh(100, 3699, 3600));
    assert!(!is_fresh(100, 3700, 3600));
    assert!(
        !is_fresh(200, 100, 3600),
        "future timestamps are not trusted"
    );
    assert!(!is_fresh(100, 100, 0));
}

#[test]
fn claude_binary_retry_classification() {
    let url = || "u".to_owned();
    let retried = [
        ClaudeBinaryError::Http {
            url: url(),
            status: 500,
        },
        ClaudeBinaryError::Http {
            url: url(),
            status: 503,
        },
        ClaudeBinaryError::Http {
            url: url(),
            status: 429,
        },
        ClaudeBinaryError::Http {
            url: url(),
            status: 408,
        },
        ClaudeBinaryError::Transport {
            url: url(),
            reason: "connection refused".into(),
        },
        ClaudeBinaryError::Timeout {
            url: url(),
            after: Duration::from_secs(1),
        },
        ClaudeBinaryError::Interrupted {
            url: url(),
            received: 3,
            reason: "reset".into(),
        },
        ClaudeBinaryError::SizeMismatch {
            url: url(),
            expected: 3,
            received: 2,
        },
        ClaudeBinaryError::Oversized {
            url: url(),
            limit: 3,
        },
        ClaudeBinaryError::ChecksumMismatch {
            url: url(),
            expected: SUM.into(),
            actual: SUM.into(),
        },
        ClaudeBinaryError::BadManifest {
            version: "1.0.0".into(),
            reason: "x".into(),
        },
        ClaudeBinaryError::BadChannelBody {
            channel: "latest".into(),
            body: "x".into(),
        },
    ];
    for e in &retried {
        assert!(e.is_retryable(), "{e:?}");
    }
    let io = |kind| std::io::Error::from(kind);
    let permanent = [
        ClaudeBinaryError::Http {
            url: url(),
            status: 404,
        },
        ClaudeBinaryError::Http {
            url: url(),
            status: 403,
        },
        ClaudeBinaryError::Http {
            url: url(),
            status: 400,
        },
        ClaudeBinaryError::PlatformMissing {
            version: "1.0.0".into(),
            platform: "linux-x64".into(),
        },
        ClaudeBinaryError::storage("write", "/c/x", io(std::io::ErrorKind::StorageFull)),
        ClaudeBinaryError::storage("create", "/c/x", io(std::io::ErrorKind::PermissionDenied)),
        ClaudeBinaryError::storage(
            "install",
            "/c/x",
            io(std::io::ErrorKind::ReadOnlyFilesystem),
        ),
        ClaudeBinaryError::Redirect {
            url: url(),
            reason: "loop".into(),
        },
        ClaudeBinaryError::InvalidVersion { given: "x".into() },
    ];
    for e in &permanent {
        assert!(!e.is_retryable(), "{e:?}");
    }
    for status in [500, 502, 599, 408, 429] {
        assert!(is_retryable_status(status));
    }
    for status in [400, 401, 403, 404, 410, 451] {
        assert!(!is_retryable_status(status));
    }
}

#[test]
fn claude_binary_retry_delays() {
    let p = RetryPolicy {
        attempts: 5,
        delays: vec![Duration::from_secs(2), Duration::from_secs(4)],
    };
    let got: Vec<_> = (1..=5).map(|a| p.delay_before(a).as_secs()).collect();
    assert_eq!(got, [0, 2, 4, 4, 4]);
    let none = RetryPolicy {
        attempts: 3,
        delays: vec![],
    };
    assert_eq!(none.delay_before(3), Duration::ZERO);
}

#[test]
fn claude_binary_base_url_rules() {
    let ok = BaseUrl::parse("https://downloads.claude.ai/claude-code-releases/").unwrap();
    assert_eq!(ok.url, "https://downloads.claude.ai/claude-code-releases");
    assert!(!ok.allow_http);
    for local in [
        "http://127.0.0.1:8080/r",
        "http://localhost/r",
        "http://[::1]:9/r",
        "http://127.1.2.3/r",
    ] {
        assert!(BaseUrl::parse(local).unwrap().allow_http, "{local}");
    }
    for bad in [
        "http://downloads.claude.ai/x",
        "ftp://h/x",
        "downloads.claude.ai",
        "https://h/x?y=1",
        "http://10.0.0.1/x",
        "",
    ] {
        let err = BaseUrl::parse(bad).unwrap_err();
        assert!(
            matches!(err, ClaudeBinaryError::InvalidBaseUrl { .. }),
            "{bad}"
        );
    }
    assert!(is_loopback_host("[::1]"));
    assert!(!is_loopback_host("example.com"));
}

#[test]
fn claude_binary_redirect_targets() {
    let here: Uri = "https://cdn.example/r/1.0.0/manifest.json".parse().unwrap();
    assert_eq!(
        redirect_target(&here, "/other/manifest.json", false)
            .unwrap()
            .to_string(),
        "https://cdn.example/other/manifest.json"
    );
    assert_eq!(
        redirect_target(&here, "https://mirror.example/m.json", false)
            .unwrap()
            .to_string(),
        "https://mirror.example/m.json"
    );
    for bad in [
        "http://mirror.example/m.json",
        "//evil.example/x",
        "relative/path",
        "file:///etc/passwd",
        "",
    ] {
        assert!(redirect_target(&here, bad, false).is_err(), "{bad}");
    }
    let local: Uri = "http://127.0.0.1:9/r/x".parse().unwrap();
    assert!(redirect_target(&local, "http://127.0.0.1:10/y", true).is_ok());
    assert!(redirect_target(&local, "http://example.com/y", true).is_err());
}
