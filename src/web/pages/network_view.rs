//! The network log page: JSON lines → rows with a class per verdict, and
//! the `?only=` / `?host=` filter that works without script.

use airut_proxy::netlog::{EntryKind, NetLogEntry, Verdict, render_text};

use super::format::{Clipped, SHORT_TEXT};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRow {
    /// `start`, `allowed`, `allowed-warn` (4xx/5xx), `blocked`, `error`,
    /// `dns`, `other` (a line that is not a log entry).
    pub class: &'static str,
    pub task_id: String,
    pub host: String,
    /// [`render_text`]'s line (it escapes control characters), clipped.
    pub text: Clipped,
    /// Credential headers stripped: shown as a tag.
    pub stripped: bool,
}

/// `?only=blocked|allowed|error` and `?host=<substring>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct NetworkFilter {
    #[serde(default)]
    pub only: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
}

impl NetworkFilter {
    pub fn is_active(&self) -> bool {
        self.only.as_deref().is_some_and(|s| !s.is_empty())
            || self.host.as_deref().is_some_and(|s| !s.is_empty())
    }

    /// Task-start headers stay so the rows keep their grouping.
    pub fn keeps(&self, row: &NetworkRow) -> bool {
        if row.class == "start" {
            return true;
        }
        let only_ok = match self.only.as_deref().unwrap_or("") {
            "" => true,
            "blocked" => row.class == "blocked",
            "error" => row.class == "error",
            "allowed" => row.class.starts_with("allowed") || row.class == "dns",
            _ => true,
        };
        let host_ok = match self.host.as_deref().map(str::trim).unwrap_or("") {
            "" => true,
            wanted => row.host.contains(&wanted.to_ascii_lowercase()),
        };
        only_ok && host_ok
    }
}

/// One row per line; unreadable lines stay visible as `other`.
pub fn rows(text: &str) -> Vec<NetworkRow> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(row)
        .collect()
}

pub fn filtered(rows: Vec<NetworkRow>, filter: &NetworkFilter) -> Vec<NetworkRow> {
    rows.into_iter().filter(|r| filter.keeps(r)).collect()
}

fn row(line: &str) -> NetworkRow {
    let Ok(entry) = serde_json::from_str::<NetLogEntry>(line) else {
        return NetworkRow {
            class: "other",
            task_id: String::new(),
            host: String::new(),
            text: Clipped::new(&line.escape_debug().to_string(), SHORT_TEXT),
            stripped: false,
        };
    };
    let class = match (entry.kind, entry.verdict) {
        (EntryKind::TaskStart, _) => "start",
        (_, Verdict::Blocked) => "blocked",
        (_, Verdict::Error) => "error",
        (EntryKind::Dns, _) => "dns",
        _ if entry.status.is_some_and(|s| s >= 400) => "allowed-warn",
        _ => "allowed",
    };
    NetworkRow {
        class,
        host: entry.url.as_deref().map(host_of).unwrap_or_default(),
        task_id: Clipped::new(&entry.task_id, 64).text,
        text: Clipped::new(&render_text(&entry), SHORT_TEXT),
        stripped: entry.stripped > 0,
    }
}

/// The host of `https://host:port/path`, `host:443` or a DNS name,
/// lowercased.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = concat!(
        r#"{"time":"2026-11-22T14:03:00.000Z","task_id":"0a1b2c3d-1","kind":"task_start","verdict":"allowed"}"#,
        "\n",
        r#"{"time":"2026-11-22T14:03:01.000Z","task_id":"0a1b2c3d-1","kind":"http","verdict":"allowed","method":"GET","url":"https://api.github.com/repos/x","status":200,"masked":1}"#,
        "\n",
        r#"{"time":"2026-11-22T14:03:02.000Z","task_id":"0a1b2c3d-1","kind":"connect","verdict":"blocked","url":"evil.com:443","status":403,"reason":"not allowed"}"#,
        "\n",
        r#"{"time":"2026-11-22T14:03:03.000Z","task_id":"0a1b2c3d-1","kind":"http","verdict":"allowed","method":"GET","url":"https://API.github.com/missing","status":404}"#,
        "\n",
        r#"{"time":"2026-11-22T14:03:04.000Z","task_id":"0a1b2c3d-1","kind":"dns","verdict":"allowed","method":"A","url":"pypi.org","answer":"10.199.3.100"}"#,
        "\n",
        "not json <script>\n",
    );

    #[test]
    fn rows_are_classed_by_verdict() {
        let rows = rows(LOG);
        let classes: Vec<&str> = rows.iter().map(|r| r.class).collect();
        assert_eq!(
            classes,
            vec![
                "start",
                "allowed",
                "blocked",
                "allowed-warn",
                "dns",
                "other"
            ]
        );
        assert!(
            rows[1]
                .text
                .text
                .contains("ALLOWED GET https://api.github.com/repos/x -> 200")
        );
        assert!(rows[2].text.text.contains("BLOCKED"));
        assert_eq!(rows[2].host, "evil.com");
        assert_eq!(rows[3].host, "api.github.com");
        assert_eq!(rows[5].text.text, "not json <script>");
    }

    #[test]
    fn filters_keep_headers() {
        let only_blocked = NetworkFilter {
            only: Some("blocked".into()),
            host: None,
        };
        let kept: Vec<&str> = filtered(rows(LOG), &only_blocked)
            .iter()
            .map(|r| r.class)
            .collect();
        assert_eq!(kept, vec!["start", "blocked"]);
        let by_host = NetworkFilter {
            only: None,
            host: Some("GitHub".into()),
        };
        assert_eq!(filtered(rows(LOG), &by_host).len(), 3);
        assert!(!NetworkFilter::default().is_active());
        assert!(by_host.is_active());
    }

    #[test]
    fn hosts() {
        assert_eq!(host_of("https://u:p@Example.com:8443/x?y"), "example.com");
        assert_eq!(host_of("example.com:443"), "example.com");
        assert_eq!(host_of("pypi.org."), "pypi.org");
        assert_eq!(host_of("http://[::1]:80/"), "::1");
    }

    #[test]
    fn long_lines_are_clipped() {
        let url = format!("https://example.com/{}", "a".repeat(1 << 20));
        let line = format!(
            r#"{{"time":"t","task_id":"x","kind":"http","verdict":"allowed","method":"GET","url":"{url}"}}"#
        );
        let rows = rows(&line);
        assert_eq!(rows[0].text.text.len(), SHORT_TEXT);
        assert!(rows[0].text.more_bytes > 1_000_000);
    }
}
