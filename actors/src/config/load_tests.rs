//! End-to-end loading: the full C-8 example, .env layering, secrets.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use super::test_support::{BASE, FAKE_PEM, FULL_V5, base_with, full_env, load_err, load_ok};
use super::*;

#[test]
fn full_example_loads_with_every_value() {
    let loaded = load_ok(FULL_V5, &full_env());
    assert_eq!(loaded.schema_version_found, 5);
    assert_eq!(loaded.source_sha256.len(), 64);
    let c = &loaded.config;
    assert_eq!(c.execution.max_concurrent, 3);
    assert_eq!(c.execution.shutdown_timeout, Duration::from_secs(60));
    assert_eq!(c.execution.conversation_max_age_days, 7);
    assert!(c.execution.image_prune);
    assert!(c.dashboard.enabled);
    assert_eq!(c.dashboard.host, "127.0.0.1");
    assert_eq!(c.dashboard.port, 5200);
    assert_eq!(
        c.dashboard.base_url.as_deref(),
        Some("https://airut.example.com")
    );
    assert_eq!(
        c.network.upstream_dns,
        Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::new(1, 1, 1, 1)), 53))
    );
    assert_eq!(c.container_command, "podman");

    let r = &c.repos["my-project"];
    assert_eq!(r.repo_id, "my-project");
    assert_eq!(r.repo_url, "https://github.com/acme/my-project.git");
    assert_eq!(r.model, "opus");
    assert_eq!(r.effort.as_deref(), Some("high"));
    assert_eq!(r.claude_version, "latest");
    assert_eq!(r.container_path, ".airut/container");
    assert!(r.sandbox_enabled);
    assert_eq!(r.resource_limits.timeout, Some(Duration::from_secs(7200)));
    assert_eq!(r.resource_limits.memory.as_deref(), Some("8g"));
    assert_eq!(r.resource_limits.cpus, Some(4.0));
    assert_eq!(r.resource_limits.pids_limit, Some(1024));

    let email = r.email.as_ref().expect("email");
    assert_eq!(email.account.username, "airut");
    assert_eq!(email.account.from, "Airut <airut@example.com>");
    assert_eq!(
        email.account.password.as_ref().map(Secret::expose),
        Some("Tr0ub4dor&3-mail")
    );
    assert_eq!(email.imap.server, "mail.example.com");
    assert_eq!(email.imap.port, 993);
    assert_eq!(email.imap.connect_retries, 3);
    assert_eq!(email.imap.poll_interval, Duration::from_secs(60));
    assert!(email.imap.use_idle);
    assert_eq!(
        email.imap.idle_reconnect_interval,
        Duration::from_secs(1740)
    );
    assert_eq!(email.smtp.server, "mail.example.com");
    assert_eq!(email.smtp.port, 587);
    assert!(email.smtp.require_auth);
    assert_eq!(
        email.auth.authorized_senders,
        vec!["you@example.com", "*@acme.com"]
    );
    assert_eq!(email.auth.trusted_authserv_id, "mail.example.com");
    assert!(!email.auth.microsoft_internal_fallback);
    let oauth = email.microsoft_oauth2.as_ref().expect("oauth2");
    assert_eq!(oauth.client_id, "client-2222-3333");
    assert_eq!(oauth.client_secret.expose(), "ms-client-secret-value");

    let slack = r.slack.as_ref().expect("slack");
    assert_eq!(slack.bot_token.expose(), "xoxb-1111-2222-abcdefabcdef");
    assert_eq!(
        slack.authorized,
        vec![
            SlackAuthRule::WorkspaceMembers(true),
            SlackAuthRule::UserGroup("engineering".into()),
            SlackAuthRule::UserId("U12345678".into()),
        ]
    );
    assert_eq!(slack.allowed_channels, vec!["C0123456789"]);
    assert_eq!(slack.api_url, "https://slack.com/api");

    assert_eq!(
        r.secrets["ANTHROPIC_API_KEY"].expose(),
        "sk-ant-api03-abcdefghijklmnop"
    );
    let gh = &r.masked_secrets["GH_TOKEN"];
    assert_eq!(
        gh.scopes,
        vec!["github.com", "api.github.com", "*.githubusercontent.com"]
    );
    assert_eq!(gh.headers, vec!["Authorization"]);
    assert!(!gh.allow_foreign_credentials);
    let aws = &r.signing_credentials["AWS_PROD"];
    assert_eq!(aws.kind, SigningKind::AwsSigV4);
    assert_eq!(aws.access_key_id.name, "AWS_ACCESS_KEY_ID");
    assert_eq!(
        aws.secret_access_key.value.expose(),
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    );
    assert_eq!(
        aws.session_token.as_ref().map(|t| t.name.as_str()),
        Some("AWS_SESSION_TOKEN")
    );
    assert_eq!(aws.scopes, vec!["*.amazonaws.com"]);
    let app = &r.github_app_credentials["GH_APP_TOKEN"];
    assert_eq!(app.app_id, "Iv1.0123456789abcdef");
    assert_eq!(app.private_key.expose(), FAKE_PEM);
    assert_eq!(app.installation_id, 12_345_678);
    assert_eq!(app.base_url, "https://api.github.com");
    let perms = app.permissions.as_ref().expect("permissions");
    assert_eq!(perms["contents"], "write");
    assert_eq!(perms["pull_requests"], "write");
    assert_eq!(
        app.repositories.as_deref(),
        Some(&["my-project".to_owned()][..])
    );

    let daily = &r.schedules["daily-report"];
    assert_eq!(daily.cron.source(), "0 9 * * 1-5");
    assert_eq!(daily.timezone.as_deref(), Some("Europe/Helsinki"));
    assert_eq!(daily.subject, "Daily report");
    assert_eq!(
        daily.task,
        ScheduleTask::Prompt("Summarize open PRs.".into())
    );
    assert_eq!(daily.model.as_deref(), Some("sonnet"));
    assert_eq!(daily.effort.as_deref(), Some("low"));
    assert_eq!(
        daily.deliver,
        ScheduleDelivery {
            channel: ChannelKind::Email,
            to: "team@example.com".into()
        }
    );
    assert!(daily.enable);
    let nightly = &r.schedules["nightly-check"];
    assert!(!nightly.enable);
    assert_eq!(nightly.subject, "nightly-check");
    assert_eq!(
        nightly.task,
        ScheduleTask::TriggerCommand("./scripts/check.sh".into())
    );
    assert_eq!(nightly.trigger_timeout, Some(Duration::from_secs(300)));
    assert_eq!(nightly.output_limit_bytes, 102_400);
    assert_eq!(nightly.deliver.channel, ChannelKind::Email);

    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn full_example_without_env_reports_what_is_required() {
    let errors = load_err(FULL_V5, &EnvSource::empty());
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    for expected in [
        "repos.my-project.email.account.password",
        "repos.my-project.slack.bot_token",
        "repos.my-project.slack.app_token",
        "repos.my-project.signing_credentials.AWS_PROD.access_key_id.value",
        "repos.my-project.github_app_credentials.GH_APP_TOKEN.app_id",
    ] {
        assert!(paths.contains(&expected), "missing {expected} in\n{errors}");
    }
    let password = errors
        .iter()
        .find(|e| e.path.ends_with("account.password"))
        .expect("password error");
    assert_eq!(password.line, Some(37));
    assert!(
        password.message.contains("EMAIL_PASSWORD"),
        "{}",
        password.message
    );
}

#[test]
fn unset_env_drops_optional_values() {
    let env = EnvSource::from_pairs([("PW", "pw-123456")]);
    let text = base_with(
        "        password: pw-123456\n",
        "        password: !env PW\n",
    ) + "    secrets:\n      KEEP_EMPTY: ''\n      DROPPED: !env NOT_SET\n    masked_secrets:\n      SKIPPED:\n        value: !env NOT_SET\n        scopes: [x.com]\n        headers: ['*']\n";
    let loaded = load_ok(&text, &env);
    let r = &loaded.config.repos["my-project"];
    assert_eq!(r.secrets.get("KEEP_EMPTY").map(Secret::expose), Some(""));
    assert!(!r.secrets.contains_key("DROPPED"));
    assert!(r.masked_secrets.is_empty());
}

#[test]
fn partial_oauth2_is_ignored_with_warning() {
    let text = base_with(
        "        trusted_authserv_id: mx.example.com\n",
        "        trusted_authserv_id: ''\n      microsoft_oauth2:\n        tenant_id: t-123456\n        client_id: !env NOT_SET\n",
    );
    let loaded = load_ok(&text, &EnvSource::empty());
    let email = loaded.config.repos["my-project"]
        .email
        .clone()
        .expect("email");
    assert!(email.microsoft_oauth2.is_none());
    assert_eq!(email.auth.trusted_authserv_id, "");
    assert_eq!(loaded.warnings.len(), 1);
    assert!(
        loaded.warnings[0].contains("client_id, client_secret"),
        "{}",
        loaded.warnings[0]
    );
}

#[test]
fn complete_oauth2_replaces_password() {
    let text = base_with("        password: pw-123456\n", "")
        + "      microsoft_oauth2:\n        tenant_id: t-123456\n        client_id: c-123456\n        client_secret: s-123456\n";
    let loaded = load_ok(&text, &EnvSource::empty());
    let email = loaded.config.repos["my-project"]
        .email
        .clone()
        .expect("email");
    assert!(email.account.password.is_none());
    assert!(email.microsoft_oauth2.is_some());
}

#[test]
fn bool_and_number_coercion_from_strings() {
    let env = EnvSource::from_pairs([("IDLE", "Off"), ("PORT", "1993")]);
    let text = base_with(
        "        server: imap.example.com\n",
        "        server: imap.example.com\n        use_idle: !env IDLE\n        port: !env PORT\n        poll_interval: \"2.5\"\n",
    );
    let loaded = load_ok(&text, &env);
    let imap = &loaded.config.repos["my-project"]
        .email
        .as_ref()
        .expect("email")
        .imap;
    assert!(!imap.use_idle);
    assert_eq!(imap.port, 1993);
    assert_eq!(imap.poll_interval, Duration::from_millis(2500));
}

#[test]
fn empty_optional_values_fall_back_to_defaults() {
    let text = base_with(
        "    repo_url: https://example.com/r.git\n",
        "    repo_url: https://example.com/r.git\n    model: ''\n    effort:\n    claude_version: ''\n",
    );
    let r = &load_ok(&text, &EnvSource::empty()).config.repos["my-project"];
    assert_eq!(r.model, "opus");
    assert_eq!(r.effort, None);
    assert_eq!(r.claude_version, "latest");
}

#[test]
fn new_keys_parse() {
    let text = format!(
        "claude_binary: ~/bin/claude\ncontainer_host: unix:///run/podman/podman.sock\nnetwork:\n  upstream_hosts:\n    Git.Example.com: 10.0.0.5\n    v6.example.com: \"2001:db8::1\"\ndashboard:\n  auth_token: !env DASH_TOKEN\n{}",
        BASE.replacen("config_version: 5\n", "", 1).replacen(
            "    repo_url: https://example.com/r.git\n",
            "    repo_url: https://example.com/r.git\n    claude_binary: /opt/claude/bin/claude\n",
            1
        )
    );
    let env = EnvSource::from_pairs([("HOME", "/home/a"), ("DASH_TOKEN", "dash-token-123456")]);
    let loaded = load_ok(&text, &env);
    let c = &loaded.config;
    assert_eq!(c.claude_binary, Some(PathBuf::from("/home/a/bin/claude")));
    assert_eq!(
        c.claude_binary_for("my-project"),
        Some(PathBuf::from("/opt/claude/bin/claude").as_path())
    );
    assert_eq!(
        c.claude_binary_for("other"),
        Some(PathBuf::from("/home/a/bin/claude").as_path())
    );
    assert_eq!(
        c.container_host.as_deref(),
        Some("unix:///run/podman/podman.sock")
    );
    assert_eq!(
        c.network.upstream_hosts["git.example.com"],
        "10.0.0.5".parse::<IpAddr>().expect("ip")
    );
    assert_eq!(
        c.network.upstream_hosts["v6.example.com"],
        "2001:db8::1".parse::<IpAddr>().expect("ip")
    );
    assert_eq!(
        c.dashboard.auth_token.as_ref().map(Secret::expose),
        Some("dash-token-123456")
    );
    assert_eq!(loaded.schema_version_found, 1);
    assert!(
        loaded
            .secrets
            .redact("token dash-token-123456")
            .contains(REDACTED)
    );
}

#[test]
fn several_errors_are_all_reported_in_line_order() {
    let text = "\
execution:
  max_concurrent: 0
dashboard:
  port: 70000
repos:
  a:
    repo_url: https://example.com/a.git
    slack:
      bot_token: xoxb-1
      app_token: xoxb-2
      authorized: []
    schedules:
      s:
        cron: 61 * * * *
        prompt: hi
        deliver: {to: x@example.com}
";
    let errors = load_err(text, &EnvSource::empty());
    let got: Vec<(&str, Option<usize>)> =
        errors.iter().map(|e| (e.path.as_str(), e.line)).collect();
    assert_eq!(
        got,
        vec![
            ("execution.max_concurrent", Some(2)),
            ("dashboard.port", Some(4)),
            ("repos.a.slack.app_token", Some(10)),
            ("repos.a.slack.authorized", Some(11)),
            ("repos.a.schedules.s.cron", Some(14)),
            ("repos.a.schedules.s.deliver.channel", Some(16)),
        ],
        "{errors}"
    );
    let rendered = errors.to_string();
    assert_eq!(rendered.lines().count(), 6);
    assert!(
        rendered.starts_with("execution.max_concurrent (line 2): expected an integer >= 1, got 0")
    );
}

#[test]
fn secrets_never_appear_in_errors_or_debug() {
    let password = "Hunter2-Correct-Horse";
    let text = format!(
        "repos:\n  a:\n    repo_url: https://example.com/a.git\n    slack:\n      bot_token: {password}\n      app_token: [{password}]\n      authorized: [{{user_id: U1}}]\n    email:\n      account: {{username: u, from: f, password: [{password}]}}\n      imap: {{server: s, port: {password}}}\n      smtp: {{server: s}}\n      auth: {{authorized_senders: [x], trusted_authserv_id: y}}\n    secrets:\n      TOKEN: {password}\n"
    );
    let errors = load_err(&text, &EnvSource::empty());
    let rendered = format!("{errors}\n{errors:?}");
    assert!(!rendered.contains(password), "secret leaked:\n{rendered}");
    assert!(rendered.contains("repos.a.slack.bot_token"));

    let ok = load_ok(FULL_V5, &full_env());
    let debug = format!("{:?}", ok.config);
    for (_, value) in [
        ("password", "Tr0ub4dor&3-mail"),
        ("aws", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("slack", "xoxb-1111-2222-abcdefabcdef"),
        (
            "key",
            "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
        ),
        ("anthropic", "sk-ant-api03-abcdefghijklmnop"),
    ] {
        assert!(!debug.contains(value), "Debug leaks {value}");
    }
    assert!(debug.contains("Secret([REDACTED])"));
}

#[test]
fn registry_redacts_a_real_looking_password() {
    let loaded = load_ok(FULL_V5, &full_env());
    let log = "IMAP login as airut with Tr0ub4dor&3-mail failed; aws key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let redacted = loaded.secrets.redact(log);
    assert_eq!(
        redacted,
        "IMAP login as airut with [REDACTED] failed; aws key [REDACTED]"
    );
    assert!(
        loaded
            .secrets
            .contains_secret("xoxb-1111-2222-abcdefabcdef")
    );
    assert!(
        loaded
            .secrets
            .contains_secret("MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun")
    );
    assert!(!loaded.secrets.contains_secret("airut"));
}

#[test]
fn env_collisions_warn_and_follow_precedence() {
    let text = format!(
        "{BASE}    secrets:\n      SHARED: plain-value\n    masked_secrets:\n      SHARED:\n        value: masked-value\n        scopes: [x.com]\n        headers: ['*']\n"
    );
    let loaded = load_ok(&text, &EnvSource::empty());
    let r = &loaded.config.repos["my-project"];
    assert_eq!(r.credential_env_owners()["SHARED"], CredentialPool::Masked);
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].contains("masked_secrets and secrets"));
}

#[test]
fn workspace_members_false_warns() {
    let text = format!(
        "{BASE}    slack:\n      bot_token: xoxb-1234\n      app_token: xapp-1234\n      authorized:\n        - workspace_members: false\n        - user_id: U1\n"
    );
    let loaded = load_ok(&text, &EnvSource::empty());
    assert_eq!(loaded.warnings.len(), 1);
    assert!(
        loaded.warnings[0]
            .starts_with("repos.my-project.slack.authorized[0].workspace_members (line 21)"),
        "{}",
        loaded.warnings[0]
    );
    let slack = loaded.config.repos["my-project"]
        .slack
        .clone()
        .expect("slack");
    assert_eq!(slack.authorized[0], SlackAuthRule::WorkspaceMembers(false));
}

#[test]
fn load_reads_config_dir_dotenv_and_process_env_wins() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("airut.yaml");
    let text = base_with(
        "        password: pw-123456\n",
        "        password: !env AIRUT_TEST_DOTENV_PASSWORD\n",
    ) + "    secrets:\n      P: !env PATH\n";
    std::fs::write(&path, &text)?;
    std::fs::write(
        dir.path().join(".env"),
        "AIRUT_TEST_DOTENV_PASSWORD=from-dotenv-123\nPATH=/from/dotenv\n",
    )?;
    let loaded = match load(&path) {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    };
    let r = &loaded.config.repos["my-project"];
    let password = r
        .email
        .as_ref()
        .and_then(|e| e.account.password.as_ref())
        .map(Secret::expose);
    assert_eq!(password, Some("from-dotenv-123"));
    let process_path = std::env::var("PATH").unwrap_or_default();
    assert_eq!(r.secrets["P"].expose(), process_path);
    Ok(())
}

#[test]
fn missing_file_is_flagged() {
    let errors = match load(std::path::Path::new("/nonexistent/airut/airut.yaml")) {
        Ok(_) => panic!("loaded a missing file"),
        Err(e) => e,
    };
    assert!(errors.is_file_missing());
    assert!(errors.to_string().contains("does not exist"));
}

#[test]
fn sha256_is_of_the_bytes() {
    let a = load_ok(BASE, &EnvSource::empty());
    let b = load_ok(&format!("{BASE}# comment\n"), &EnvSource::empty());
    assert_ne!(a.source_sha256, b.source_sha256);
    assert_eq!(a.config, b.config);
    let known = load_ok("config_version: 5\n", &EnvSource::empty());
    assert_eq!(
        known.source_sha256,
        "025bb63b9fb8005a80e601652eeea2edfc089aaac42ea4f959341ec22fcece32"
    );
}

#[test]
fn default_config_matches_embedded_defaults() {
    let c = ServerConfig::default();
    assert!(c.dashboard.enabled);
    assert_eq!(
        (c.dashboard.host.as_str(), c.dashboard.port),
        ("127.0.0.1", 5200)
    );
    assert!(c.repos.is_empty());
    assert_eq!(c.execution.max_concurrent, 3);
    let loaded = load_ok("config_version: 5\n", &EnvSource::empty());
    assert_eq!(loaded.config, c);
}

#[test]
fn every_key_of_the_full_example_has_a_reload_scope() {
    use super::migrate::migrate;
    use super::vars::resolve_tags;
    use super::yaml_tree::{Node, Value, parse_yaml};

    fn leaves(node: &Node, path: String, out: &mut Vec<String>) {
        match &node.value {
            Value::Map(m) => {
                for e in &m.entries {
                    let child = if path.is_empty() {
                        e.key.clone()
                    } else {
                        format!("{path}.{}", e.key)
                    };
                    leaves(&e.value, child, out);
                }
            }
            _ => out.push(path),
        }
    }
    let doc = parse_yaml(FULL_V5).expect("yaml");
    let mut root = match doc.root.map(|n| n.value) {
        Some(Value::Map(m)) => m,
        _ => panic!("root"),
    };
    assert!(migrate(&mut root, 5).is_empty());
    let mut d = super::diagnostics::Diagnostics::default();
    resolve_tags(&mut root, &full_env(), &mut d);
    root.remove("config_version");
    let mut paths = Vec::new();
    leaves(&Node::new(Value::Map(root), 1), String::new(), &mut paths);
    assert!(paths.len() > 60);
    for path in paths {
        assert!(field_info(&path).is_some(), "no reload scope for {path}");
    }
}

#[test]
fn slack_api_url_is_kept_without_its_trailing_slash() {
    let text = format!(
        "{BASE}    slack:\n      bot_token: xoxb-1234\n      app_token: xapp-1234\n      \
         authorized: [{{user_id: U1}}]\n      api_url: http://127.0.0.1:4567/api/\n"
    );
    let loaded = load_ok(&text, &full_env());
    let slack = loaded.config.repos["my-project"]
        .slack
        .clone()
        .expect("slack");
    assert_eq!(slack.api_url, "http://127.0.0.1:4567/api");
}
