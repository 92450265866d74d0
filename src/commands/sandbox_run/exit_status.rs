//! How a finished command maps to `airut sandbox run`'s exit status.

use airut_actors::sandbox::container_run::ContainerExit;

pub const TIMEOUT: u8 = 124;
pub const SANDBOX_ERROR: u8 = 125;
pub const KILLED: u8 = 137;

/// The exit status and, when useful, a line for stderr.
pub fn exit_status(
    exit: &ContainerExit,
    timeout_secs: Option<u64>,
    memory: Option<&str>,
) -> (u8, Option<String>) {
    if exit.timed_out {
        let after = timeout_secs
            .map(|s| format!(" after {s} s"))
            .unwrap_or_default();
        return (
            TIMEOUT,
            Some(format!("timed out{after}; the container was killed")),
        );
    }
    match exit.exit_code {
        Some(137) => {
            let hint = match (exit.oom_killed, memory) {
                (true, Some(limit)) => format!(
                    "killed (exit 137): the command ran out of memory (resource_limits.memory = {limit}); raise the limit"
                ),
                _ => "killed (exit 137): SIGKILL, most often a memory limit; check resource_limits.memory".to_string(),
            };
            (KILLED, Some(hint))
        }
        Some(code) => match u8::try_from(code) {
            Ok(code) => (code, None),
            Err(_) => (
                SANDBOX_ERROR,
                Some(format!("the container reported exit code {code}")),
            ),
        },
        None => (
            SANDBOX_ERROR,
            Some("the container ended without an exit code".to_string()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit(code: Option<i64>, timed_out: bool, oom: bool) -> ContainerExit {
        ContainerExit {
            exit_code: code,
            oom_killed: oom,
            timed_out,
            stopped: false,
            duration: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn passes_codes_through() {
        assert_eq!(
            exit_status(&exit(Some(0), false, false), None, None),
            (0, None)
        );
        assert_eq!(
            exit_status(&exit(Some(3), false, false), None, None),
            (3, None)
        );
    }

    #[test]
    fn timeout_is_124() {
        let (code, msg) = exit_status(&exit(None, true, false), Some(30), None);
        assert_eq!(code, TIMEOUT);
        assert!(msg.expect("message").contains("after 30 s"));
    }

    #[test]
    fn killed_is_137_with_a_memory_hint() {
        let (code, msg) = exit_status(&exit(Some(137), false, true), None, Some("64m"));
        assert_eq!(code, KILLED);
        assert!(msg.expect("hint").contains("resource_limits.memory = 64m"));
    }

    #[test]
    fn out_of_range_codes_are_sandbox_errors() {
        assert_eq!(
            exit_status(&exit(Some(-1), false, false), None, None).0,
            SANDBOX_ERROR
        );
        assert_eq!(
            exit_status(&exit(None, false, false), None, None).0,
            SANDBOX_ERROR
        );
    }
}
