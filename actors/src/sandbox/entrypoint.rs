//! Airut's thin overlay over a repo image: one entrypoint that makes the
//! container trust the network sandbox's CA (when mounted) and then runs
//! whatever command the task gives — Claude Code or a CI command.

use super::build_context::BuildContext;

/// Where the proxy's CA certificate is mounted when the network sandbox is on.
pub const CA_CERT_PATH: &str = "/usr/local/share/ca-certificates/airut-proxy-ca.crt";

pub const ENTRYPOINT_PATH: &str = "/airut-entrypoint.sh";

/// POSIX sh, not bash: repo images need not have bash. Quiet unless
/// AIRUT_VERBOSE is set, because task stdout is parsed as stream-json.
pub const ENTRYPOINT_SCRIPT: &str = r#"#!/bin/sh
set -eu
if [ -f /usr/local/share/ca-certificates/airut-proxy-ca.crt ] && command -v update-ca-certificates >/dev/null 2>&1; then
  if [ -n "${AIRUT_VERBOSE:-}" ]; then
    update-ca-certificates >&2 || true
  else
    update-ca-certificates >/dev/null 2>&1 || true
  fi
fi
exec "$@"
"#;

/// The overlay build context for `repo_tag`. No RUN step: the script's mode
/// comes from the tar entry, so the overlay builds without starting a
/// container.
pub fn overlay_context(repo_tag: &str) -> BuildContext {
    let dockerfile = format!(
        "FROM {repo_tag}\nCOPY airut-entrypoint.sh {ENTRYPOINT_PATH}\nENTRYPOINT [\"{ENTRYPOINT_PATH}\"]\nCMD []\n"
    );
    BuildContext::new(dockerfile)
        .with_file("airut-entrypoint.sh", ENTRYPOINT_SCRIPT)
        .expect("a constant flat file name is always accepted")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_is_built_from_the_repo_tag() {
        let ctx = overlay_context("airut-repo:abc");
        let dockerfile = String::from_utf8(ctx.dockerfile().to_vec()).expect("utf8");
        assert!(dockerfile.starts_with("FROM airut-repo:abc\n"));
        assert!(dockerfile.contains("ENTRYPOINT [\"/airut-entrypoint.sh\"]"));
    }

    #[test]
    fn overlay_hash_follows_the_repo_tag() {
        assert_ne!(
            overlay_context("airut-repo:a").content_hash(),
            overlay_context("airut-repo:b").content_hash()
        );
    }

    #[test]
    fn script_trusts_the_ca_path_it_documents() {
        assert!(ENTRYPOINT_SCRIPT.contains(CA_CERT_PATH));
        assert!(ENTRYPOINT_SCRIPT.trim_end().ends_with("exec \"$@\""));
    }
}
