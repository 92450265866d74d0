use super::*;

const TIME: &str = "2026-11-22T14:03:01.123Z";

fn http(verdict: Verdict, method: &str, url: &str, status: Option<u16>) -> NetLogEntry {
    NetLogEntry {
        time: TIME.to_owned(),
        task_id: "t1".to_owned(),
        kind: EntryKind::Http,
        verdict,
        method: Some(method.to_owned()),
        url: Some(url.to_owned()),
        status,
        ..NetLogEntry::default()
    }
}

fn dns(name: &str, answer: &str) -> NetLogEntry {
    NetLogEntry {
        time: TIME.to_owned(),
        kind: EntryKind::Dns,
        method: Some("A".to_owned()),
        url: Some(name.to_owned()),
        answer: Some(answer.to_owned()),
        ..NetLogEntry::default()
    }
}

#[test]
fn lines() {
    let allowed = NetLogEntry {
        masked: 1,
        rule: Some("domains[0] github.com".to_owned()),
        ..http(
            Verdict::Allowed,
            "GET",
            "https://api.github.com/repos/x",
            Some(200),
        )
    };
    let blocked = NetLogEntry {
        reason: Some("host/path not in allowlist".to_owned()),
        ..http(Verdict::Blocked, "POST", "https://evil.com/x", Some(403))
    };
    let connect = NetLogEntry {
        kind: EntryKind::Connect,
        method: None,
        reason: Some("tunneling not allowed".to_owned()),
        ..http(Verdict::Blocked, "", "evil.com:443", Some(403))
    };
    let error = NetLogEntry {
        reason: Some("connection refused".to_owned()),
        ..http(Verdict::Error, "GET", "https://down.example/", None)
    };
    let counts = NetLogEntry {
        masked: 2,
        stripped: 1,
        collapsed: 3,
        scrubbed: 4,
        ..http(Verdict::Allowed, "GET", "https://x/", Some(204))
    };
    let no_status = http(Verdict::Allowed, "GET", "https://x/", None);
    let start = NetLogEntry {
        time: "2026-11-22T14:03:00.000Z".to_owned(),
        ..NetLogEntry::default()
    };
    let rows: Vec<(NetLogEntry, &str)> = vec![
        (
            allowed,
            "14:03:01 ALLOWED GET https://api.github.com/repos/x -> 200 [masked: 1]",
        ),
        (
            blocked,
            "14:03:01 BLOCKED POST https://evil.com/x -> 403 (host/path not in allowlist)",
        ),
        (
            connect,
            "14:03:01 BLOCKED CONNECT evil.com:443 -> 403 (tunneling not allowed)",
        ),
        (
            error,
            "14:03:01 ERROR GET https://down.example/ -> connection refused",
        ),
        (
            counts,
            "14:03:01 ALLOWED GET https://x/ -> 204 [masked: 2] [stripped: 1] [collapsed: 3] [scrubbed: 4]",
        ),
        (no_status, "14:03:01 ALLOWED GET https://x/ -> ?"),
        (
            dns("example.com", "10.199.3.100"),
            "14:03:01 DNS A example.com -> 10.199.3.100",
        ),
        (
            NetLogEntry {
                reason: Some("answered with proxy address".to_owned()),
                ..dns("example.com", "10.199.3.100")
            },
            "14:03:01 DNS A example.com -> 10.199.3.100",
        ),
        (
            NetLogEntry {
                method: Some("AAAA".to_owned()),
                ..dns("example.com", "NODATA")
            },
            "14:03:01 DNS AAAA example.com -> NODATA",
        ),
        (
            NetLogEntry {
                verdict: Verdict::Blocked,
                method: None,
                url: None,
                answer: None,
                reason: Some("dropped: truncated header".to_owned()),
                ..dns("", "")
            },
            "14:03:01 DNS ? ? -> dropped: truncated header",
        ),
        (
            NetLogEntry {
                verdict: Verdict::Blocked,
                reason: Some("opcode 2 not implemented".to_owned()),
                ..dns("example.com", "NOTIMP")
            },
            "14:03:01 DNS A example.com -> NOTIMP (opcode 2 not implemented)",
        ),
        (start, "=== TASK START 2026-11-22T14:03:00.000Z ==="),
    ];
    for (entry, expected) in rows {
        assert_eq!(render_text(&entry), expected);
    }
}

#[test]
fn crafted_fields_cannot_forge_lines() {
    let forged = "x.com -> 10.0.0.1\n14:03:02 ALLOWED GET https://evil.com/ -> 200";
    let rows: Vec<(NetLogEntry, &str)> = vec![
        (
            dns(forged, "10.199.3.100"),
            "14:03:01 DNS A x.com\\x20->\\x2010.0.0.1\\n14:03:02\\x20ALLOWED\\x20GET\\x20https://evil.com/\\x20->\\x20200 -> 10.199.3.100",
        ),
        (
            dns("a\rb\u{1b}[2Kc\td\0e\u{7f}f\u{85}", "NODATA"),
            "14:03:01 DNS A a\\rb\\x1b[2Kc\\td\\x00e\\x7ff\\x85 -> NODATA",
        ),
        (
            dns("evil\u{202e}moc.\u{2028}x\u{200b}", "NODATA"),
            "14:03:01 DNS A evil\\u{202e}moc.\\u{2028}x\\u{200b} -> NODATA",
        ),
        // A literal backslash-n stays distinguishable from an escaped newline.
        (dns("a\\nb", "NODATA"), "14:03:01 DNS A a\\\\nb -> NODATA"),
        (
            NetLogEntry {
                reason: Some("bad\nALLOWED line".to_owned()),
                ..http(Verdict::Blocked, "GE\nT", "https://x/a\r\nb", Some(403))
            },
            "14:03:01 BLOCKED GE\\nT https://x/a\\r\\nb -> 403 (bad\\nALLOWED line)",
        ),
        (
            NetLogEntry {
                time: "now\nALLOWED".to_owned(),
                ..dns("x.com", "NODATA")
            },
            "now\\nALLOWED DNS A x.com -> NODATA",
        ),
        (
            NetLogEntry {
                time: "x\n===".to_owned(),
                ..NetLogEntry::default()
            },
            "=== TASK START x\\n=== ===",
        ),
    ];
    for (entry, expected) in rows {
        let line = render_text(&entry);
        assert_eq!(line, expected);
        assert!(
            !line.contains(['\n', '\r', '\u{1b}', '\u{2028}']),
            "{line:?}"
        );
    }
}

#[test]
fn time_of_day() {
    let rows = [
        (TIME, "14:03:01"),
        ("2026-11-22T00:00:00Z", "00:00:00"),
        ("", "--:--:--"),
        ("yesterday", "yesterday"),
        ("2026-11-22 14:03:01", "2026-11-22\\x2014:03:01"),
    ];
    for (time, shown) in rows {
        assert_eq!(super::time_of_day(time), shown, "{time:?}");
    }
}

#[test]
fn missing_fields_render_as_placeholders() {
    let entry = NetLogEntry {
        time: TIME.to_owned(),
        kind: EntryKind::Dns,
        ..NetLogEntry::default()
    };
    assert_eq!(render_text(&entry), "14:03:01 DNS ? ? -> ?");
    let entry = NetLogEntry {
        time: TIME.to_owned(),
        kind: EntryKind::Connection,
        verdict: Verdict::Blocked,
        reason: Some("no SNI".to_owned()),
        ..NetLogEntry::default()
    };
    assert_eq!(render_text(&entry), "14:03:01 BLOCKED - - -> ? (no SNI)");
}
