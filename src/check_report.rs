//! The result lines of `airut check`: pure data and rendering.

use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Worth knowing, does not stop the gateway.
    Warn,
    /// The gateway cannot work like this.
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    pub hint: Option<String>,
}

impl CheckLine {
    pub fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Ok,
            detail: detail.into(),
            hint: None,
        }
    }

    pub fn warn(name: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Warn,
            detail: detail.into(),
            hint: Some(hint.into()),
        }
    }

    pub fn fail(name: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Fail,
            detail: detail.into(),
            hint: Some(hint.into()),
        }
    }
}

/// One line per check, hints indented below; multi-line details (a list of
/// config errors) are indented too so the columns stay readable.
pub fn render(lines: &[CheckLine]) -> String {
    let width = lines.iter().map(|l| l.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for line in lines {
        let tag = match line.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        let mut detail = line.detail.lines();
        let first = detail.next().unwrap_or("");
        let _ = writeln!(out, "{tag}  {:width$}  {first}", line.name);
        for more in detail {
            let _ = writeln!(out, "      {:width$}  {more}", "");
        }
        if let Some(hint) = &line.hint {
            let _ = writeln!(out, "      {:width$}  hint: {hint}", "");
        }
    }
    out
}

/// 0 when no critical check failed, else 1.
pub fn exit_code(lines: &[CheckLine]) -> u8 {
    if lines.iter().any(|l| l.status == Status::Fail) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_aligned_lines_with_hints() {
        let lines = vec![
            CheckLine::ok("config", "defaults"),
            CheckLine::fail("engine", "no socket", "start podman"),
            CheckLine::warn("cgroups", "no pids\nno cpu", "delegate controllers"),
        ];
        let text = render(&lines);
        assert_eq!(
            text,
            "ok    config   defaults\n\
             FAIL  engine   no socket\n\
             \x20              hint: start podman\n\
             warn  cgroups  no pids\n\
             \x20              no cpu\n\
             \x20              hint: delegate controllers\n"
        );
    }

    #[test]
    fn only_failures_fail() {
        assert_eq!(
            exit_code(&[CheckLine::ok("a", ""), CheckLine::warn("b", "", "")]),
            0
        );
        assert_eq!(
            exit_code(&[CheckLine::fail("a", "", ""), CheckLine::ok("b", "")]),
            1
        );
    }
}
