use super::*;
use crate::config::{EnvSource, field_info, load_str};

fn config(repos: &str, global: &str) -> ServerConfig {
    let text = format!("config_version: 5\n{global}repos:\n{repos}");
    match load_str(&text, &EnvSource::empty()) {
        Ok(loaded) => loaded.config,
        Err(errors) => panic!("invalid test config:\n{errors}\n{text}"),
    }
}

fn repo(id: &str, extra: &str) -> String {
    format!(
        "  {id}:\n\
         \x20   repo_url: https://example.com/{id}.git\n\
         \x20   email:\n\
         \x20     account: {{username: bot-{id}, from: bot-{id}@example.com, password: pw}}\n\
         \x20     imap: {{server: imap.example.com}}\n\
         \x20     smtp: {{server: smtp.example.com}}\n\
         \x20     auth: {{authorized_senders: [me@example.com], trusted_authserv_id: example.com}}\n\
         {extra}"
    )
}

#[test]
fn identical_configs_have_no_diff() {
    let a = config(&repo("a", ""), "");
    assert!(diff(&a, &a.clone()).is_empty());
}

#[test]
fn model_change_is_task_scope() {
    let old = config(&repo("a", ""), "");
    let new = config(&repo("a", "    model: sonnet\n"), "");
    let d = diff(&old, &new);
    assert_eq!(
        d.changed.get("a"),
        Some(&RepoChange {
            scope: ReloadScope::Task,
            keys: vec!["model"]
        })
    );
    assert!(d.server.is_empty() && d.added.is_empty() && d.removed.is_empty());
}

#[test]
fn email_change_is_repo_scope_even_with_task_changes() {
    let old = config(&repo("a", ""), "");
    let text = repo("a", "    model: sonnet\n").replace("imap.example.com", "imap2.example.com");
    let d = diff(&old, &config(&text, ""));
    let change = d.changed.get("a").expect("changed");
    assert_eq!(change.scope, ReloadScope::Repo);
    assert_eq!(change.keys, vec!["model", "email"]);
}

#[test]
fn added_and_removed_repos() {
    let old = config(&format!("{}{}", repo("a", ""), repo("b", "")), "");
    let new = config(&format!("{}{}", repo("b", ""), repo("c", "")), "");
    let d = diff(&old, &new);
    assert_eq!(d.added, vec!["c"]);
    assert_eq!(d.removed, vec!["a"]);
    assert!(d.changed.is_empty());
}

#[test]
fn server_keys_are_listed_and_split_into_live_and_restart() {
    let old = config(&repo("a", ""), "");
    let new = config(
        &repo("a", ""),
        "execution: {max_concurrent: 7, image_prune: false}\n\
         dashboard: {port: 6100}\n\
         network: {upstream_dns: 9.9.9.9}\n",
    );
    let d = diff(&old, &new);
    assert_eq!(
        d.server,
        vec![
            "execution.max_concurrent",
            "execution.image_prune",
            "dashboard.port",
            "network.upstream_dns"
        ]
    );
    let (next, restart) = effective(&old, &new);
    assert_eq!(restart, vec!["dashboard.port", "network.upstream_dns"]);
    assert_eq!(next.execution.max_concurrent, 7);
    assert!(!next.execution.image_prune);
    assert_eq!(next.dashboard.port, old.dashboard.port);
    assert_eq!(next.network, old.network);
    // reverting the file clears the report
    assert!(effective(&next, &old).1.is_empty());
}

#[test]
fn global_claude_binary_reaches_repos_without_their_own() {
    let repos = format!(
        "{}{}",
        repo("a", ""),
        repo("b", "    claude_binary: /opt/b/claude\n")
    );
    let old = config(&repos, "");
    let new = config(&repos, "claude_binary: /opt/claude\n");
    let d = diff(&old, &new);
    assert!(d.server.is_empty());
    assert_eq!(d.changed.keys().collect::<Vec<_>>(), vec!["a"]);
    assert_eq!(d.changed["a"].scope, ReloadScope::Task);
}

/// The scopes here agree with the schema's table (`config::FIELDS`): a key
/// is task scope only when every leaf below it is.
#[test]
fn scopes_agree_with_the_schema_table() {
    let keys = [
        "repo_url",
        "model",
        "effort",
        "claude_version",
        "claude_binary",
        "container_path",
        "network.sandbox_enabled",
        "resource_limits",
        "email",
        "slack",
        "secrets",
        "masked_secrets",
        "signing_credentials",
        "github_app_credentials",
        "schedules",
    ];
    for key in keys {
        let prefix = format!("repos.*.{key}");
        let leaves: Vec<_> = crate::config::FIELDS
            .iter()
            .filter(|f| f.path == prefix || f.path.starts_with(&format!("{prefix}.")))
            .collect();
        assert!(!leaves.is_empty(), "{key} has no leaves in FIELDS");
        let widest = if leaves.iter().any(|f| f.scope == ReloadScope::Repo) {
            ReloadScope::Repo
        } else {
            ReloadScope::Task
        };
        assert_eq!(repo_key_scope(key), widest, "{key}");
    }
    for key in [
        "execution.max_concurrent",
        "dashboard.auth_token",
        "network.upstream_dns",
        "container_command",
    ] {
        assert_eq!(
            field_info(key).map(|f| f.scope),
            Some(ReloadScope::Server),
            "{key}"
        );
    }
}
