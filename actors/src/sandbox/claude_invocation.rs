//! How Claude Code is started in a task container: argv and environment.
//! Pure, so the exact command line is unit-tested.

use super::claude_binary::CLAUDE_MOUNT_PATH;

/// Where the conversation's `claude/` directory is mounted; with
/// `CLAUDE_CONFIG_DIR` pointing here, all of Claude's state (sessions and the
/// `.claude.json` that otherwise lands in `$HOME`) lives in the mount, so
/// `--resume` works in the next container.
pub const CLAUDE_STATE_DIR: &str = "/root/.claude";

/// What one Claude Code run is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaudeInvocation {
    pub model: String,
    pub effort: Option<String>,
    pub resume_session: Option<String>,
}

impl ClaudeInvocation {
    /// `claude [--resume SID] --model M [--effort E] -p - --dangerously-skip-permissions --output-format stream-json --verbose`
    pub fn argv(&self) -> Vec<String> {
        let mut argv = vec![CLAUDE_MOUNT_PATH.to_string()];
        if let Some(session) = &self.resume_session {
            argv.push("--resume".into());
            argv.push(session.clone());
        }
        argv.push("--model".into());
        argv.push(self.model.clone());
        if let Some(effort) = self.effort.as_deref().filter(|e| !e.is_empty()) {
            argv.push("--effort".into());
            argv.push(effort.to_string());
        }
        argv.extend(
            [
                "-p",
                "-",
                "--dangerously-skip-permissions",
                "--output-format",
                "stream-json",
                "--verbose",
            ]
            .map(String::from),
        );
        argv
    }
}

/// The environment every Claude Code container gets on top of the caller's
/// (credential pools). Later entries win, so these cannot be overridden by a
/// repo's `secrets:`.
pub fn claude_env() -> Vec<(String, String)> {
    [
        // Claude refuses --dangerously-skip-permissions as root without it.
        ("IS_SANDBOX", "1"),
        ("CLAUDE_CONFIG_DIR", CLAUDE_STATE_DIR),
        // Background tasks would outlive the `-p` run and be killed with the
        // container mid-work.
        ("CLAUDE_CODE_DISABLE_BACKGROUND_TASKS", "1"),
        // Claude Code 2.1 plans with TaskCreate/TaskUpdate by default and
        // refuses TodoWrite; TodoWrite carries the whole list in every call,
        // which is what the dashboard and the Slack live plan show.
        ("CLAUDE_CODE_ENABLE_TASKS", "0"),
        // Nothing but the model API: no telemetry, update checks or error
        // reports leaving the sandbox.
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ("DISABLE_TELEMETRY", "1"),
        ("DISABLE_AUTOUPDATER", "1"),
        ("DISABLE_ERROR_REPORTING", "1"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .to_vec()
}

/// `base` with `overrides` applied (later wins), order kept.
pub fn merge_env(
    base: &[(String, String)],
    overrides: &[(String, String)],
) -> Vec<(String, String)> {
    let mut merged: Vec<(String, String)> = Vec::with_capacity(base.len() + overrides.len());
    for (key, value) in base.iter().chain(overrides) {
        match merged.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.clone(),
            None => merged.push((key.clone(), value.clone())),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_session_argv() {
        let inv = ClaudeInvocation {
            model: "opus".into(),
            effort: None,
            resume_session: None,
        };
        assert_eq!(
            inv.argv().join(" "),
            "/opt/claude/claude --model opus -p - --dangerously-skip-permissions --output-format stream-json --verbose"
        );
    }

    #[test]
    fn resumed_session_with_effort() {
        let inv = ClaudeInvocation {
            model: "sonnet".into(),
            effort: Some("high".into()),
            resume_session: Some("3f1c".into()),
        };
        assert_eq!(
            inv.argv()[..7].join(" "),
            "/opt/claude/claude --resume 3f1c --model sonnet --effort high"
        );
    }

    #[test]
    fn empty_effort_is_left_out() {
        let inv = ClaudeInvocation {
            model: "opus".into(),
            effort: Some(String::new()),
            resume_session: None,
        };
        assert!(!inv.argv().contains(&"--effort".to_string()));
    }

    #[test]
    fn forced_env_wins_over_caller_env() {
        let caller = vec![
            ("IS_SANDBOX".to_string(), "0".to_string()),
            ("GH_TOKEN".to_string(), "x".to_string()),
        ];
        let merged = merge_env(&caller, &claude_env());
        assert_eq!(
            merged
                .iter()
                .find(|(k, _)| k == "IS_SANDBOX")
                .map(|(_, v)| v.as_str()),
            Some("1")
        );
        assert_eq!(
            merged
                .iter()
                .find(|(k, _)| k == "GH_TOKEN")
                .map(|(_, v)| v.as_str()),
            Some("x")
        );
        assert_eq!(merged.iter().filter(|(k, _)| k == "IS_SANDBOX").count(), 1);
    }
}
