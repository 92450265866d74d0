//! Table-driven: each malformed config yields the right key path, line and
//! message. Most cases are one edit of `BASE` (see test_support.rs for its
//! line numbers).

use super::EnvSource;
use super::test_support::{BASE, base_with, load_err};

struct Case {
    name: &'static str,
    yaml: String,
    path: &'static str,
    line: usize,
    message: &'static str,
}

fn edit(
    name: &'static str,
    find: &str,
    replace: &str,
    path: &'static str,
    line: usize,
    message: &'static str,
) -> Case {
    Case {
        name,
        yaml: base_with(find, replace),
        path,
        line,
        message,
    }
}

fn append(
    name: &'static str,
    extra: &str,
    path: &'static str,
    line: usize,
    message: &'static str,
) -> Case {
    Case {
        name,
        yaml: format!("{BASE}{extra}"),
        path,
        line,
        message,
    }
}

const IMAP_SERVER: &str = "        server: imap.example.com\n";
const SMTP_SERVER: &str = "        server: smtp.example.com\n";
const REPO_URL: &str = "    repo_url: https://example.com/r.git\n";
const SLACK_OK: &str = "    slack:\n      bot_token: xoxb-1234\n      app_token: xapp-1234\n      authorized: [{user_id: U1}]\n";
const P: &str = "repos.my-project";

fn cases() -> Vec<Case> {
    let imap = |extra: &str| format!("{IMAP_SERVER}{extra}");
    let repo = |extra: &str| format!("{REPO_URL}{extra}");
    vec![
        edit(
            "imap port zero",
            IMAP_SERVER,
            &imap("        port: 0\n"),
            "repos.my-project.email.imap.port",
            12,
            "expected 1..65535, got 0",
        ),
        edit(
            "typo in imap key",
            IMAP_SERVER,
            &imap("        prot: 993\n"),
            "repos.my-project.email.imap.prot",
            12,
            "did you mean `port`?",
        ),
        edit(
            "smtp port not a number",
            SMTP_SERVER,
            &format!("{SMTP_SERVER}        port: abc\n"),
            "repos.my-project.email.smtp.port",
            14,
            "expected an integer, got 'abc'",
        ),
        edit(
            "use_idle not a bool",
            IMAP_SERVER,
            &imap("        use_idle: maybe\n"),
            "repos.my-project.email.imap.use_idle",
            12,
            "expected true or false",
        ),
        edit(
            "poll interval too small",
            IMAP_SERVER,
            &imap("        poll_interval: 0.01\n"),
            "repos.my-project.email.imap.poll_interval",
            12,
            "expected a number >= 0.1",
        ),
        edit(
            "idle reconnect too small",
            IMAP_SERVER,
            &imap("        idle_reconnect_interval: 30\n"),
            "repos.my-project.email.imap.idle_reconnect_interval",
            12,
            ">= 60",
        ),
        edit(
            "connect retries zero",
            IMAP_SERVER,
            &imap("        connect_retries: 0\n"),
            "repos.my-project.email.imap.connect_retries",
            12,
            "expected an integer >= 1, got 0",
        ),
        edit(
            "missing repo_url",
            REPO_URL,
            "",
            "repos.my-project.repo_url",
            3,
            "required key is missing",
        ),
        edit(
            "missing imap server",
            IMAP_SERVER,
            "        port: 993\n",
            "repos.my-project.email.imap.server",
            10,
            "required key is missing",
        ),
        edit(
            "missing password without oauth",
            "        password: pw-123456\n",
            "",
            "repos.my-project.email.account.password",
            6,
            "required unless microsoft_oauth2",
        ),
        edit(
            "required value from unset env",
            "        username: airut\n",
            "        username: !env NOPE_USER\n",
            "repos.my-project.email.account.username",
            7,
            "environment variable NOPE_USER is not set",
        ),
        edit(
            "empty authorized senders",
            "[a@example.com]",
            "[]",
            "repos.my-project.email.auth.authorized_senders",
            15,
            "at least one entry",
        ),
        edit(
            "missing auth section",
            "      auth:\n        authorized_senders: [a@example.com]\n        trusted_authserv_id: mx.example.com\n",
            "",
            "repos.my-project.email.auth",
            5,
            "required section is missing",
        ),
        edit(
            "password of wrong type",
            "        password: pw-123456\n",
            "        password: [a, b]\n",
            "repos.my-project.email.account.password",
            9,
            "expected a string, got a list",
        ),
        Case {
            name: "no channel",
            yaml: "repos:\n  my-project:\n    repo_url: https://example.com/r.git\n".into(),
            path: P,
            line: 2,
            message: "no channel configured",
        },
        edit(
            "memory format",
            REPO_URL,
            &repo("    resource_limits:\n      memory: 8G\n"),
            "repos.my-project.resource_limits.memory",
            6,
            "expected a size like",
        ),
        edit(
            "timeout below ten",
            REPO_URL,
            &repo("    resource_limits:\n      timeout: 5\n"),
            "repos.my-project.resource_limits.timeout",
            6,
            "expected an integer >= 10, got 5",
        ),
        edit(
            "cpus too small",
            REPO_URL,
            &repo("    resource_limits:\n      cpus: 0\n"),
            "repos.my-project.resource_limits.cpus",
            6,
            ">= 0.01",
        ),
        edit(
            "container_path escapes",
            REPO_URL,
            &repo("    container_path: ../x\n"),
            "repos.my-project.container_path",
            5,
            "must not contain `..`",
        ),
        edit(
            "container_path absolute",
            REPO_URL,
            &repo("    container_path: /abs\n"),
            "repos.my-project.container_path",
            5,
            "must be relative",
        ),
        edit(
            "container_path empty",
            REPO_URL,
            &repo("    container_path: ''\n"),
            "repos.my-project.container_path",
            5,
            "must not be empty",
        ),
        edit(
            "claude_version",
            REPO_URL,
            &repo("    claude_version: newest\n"),
            "repos.my-project.claude_version",
            5,
            "expected latest, stable or a version",
        ),
        edit(
            "claude_binary relative",
            REPO_URL,
            &repo("    claude_binary: bin/claude\n"),
            "repos.my-project.claude_binary",
            5,
            "absolute path",
        ),
        edit(
            "undefined var",
            REPO_URL,
            "    repo_url: !var nope\n",
            "repos.my-project.repo_url",
            4,
            "undefined variable `nope`",
        ),
        Case {
            name: "var inside vars",
            yaml: format!("vars:\n  a: x\n  b: !var a\n{BASE}"),
            path: "vars.b",
            line: 3,
            message: "cannot refer to another variable",
        },
        Case {
            name: "list as var",
            yaml: format!("vars:\n  a: [1]\n{BASE}"),
            path: "vars.a",
            line: 2,
            message: "single value or !env",
        },
        edit(
            "legacy repo-level key",
            REPO_URL,
            &repo("    authorized_senders: [x@example.com]\n"),
            "repos.my-project.authorized_senders",
            5,
            "belongs under `email:`",
        ),
        edit(
            "v3 flat email key in v5 file",
            "      account:\n",
            "      imap_server: x\n      account:\n",
            "repos.my-project.email.imap_server",
            6,
            "moved to `imap.server`",
        ),
        edit(
            "unknown channel block",
            REPO_URL,
            &repo("    teams: {}\n"),
            "repos.my-project.teams",
            5,
            "unknown key",
        ),
        append(
            "unknown top-level key",
            "bogus: 1\n",
            "bogus",
            17,
            "unknown key",
        ),
        append(
            "top-level resource_limits in v5",
            "resource_limits: {timeout: 60}\n",
            "resource_limits",
            17,
            "replaced in config_version 3",
        ),
        append(
            "dashboard port range",
            "dashboard:\n  port: 70000\n",
            "dashboard.port",
            18,
            "expected 1..65535, got 70000",
        ),
        append(
            "upstream host bad ip",
            "network:\n  upstream_hosts:\n    git.example.com: 10.0.0.300\n",
            "network.upstream_hosts.git.example.com",
            19,
            "IPv4 or IPv6",
        ),
        append(
            "upstream dns not an ip",
            "network:\n  upstream_dns: dns.example.com\n",
            "network.upstream_dns",
            18,
            "expected an IP address",
        ),
        append(
            "container_host scheme",
            "container_host: /run/podman.sock\n",
            "container_host",
            17,
            "unix:///run/podman/podman.sock",
        ),
        append(
            "duplicate key",
            "dashboard:\n  port: 1\n  port: 2\n",
            "dashboard.port",
            19,
            "duplicate key (first defined on line 18)",
        ),
        append(
            "slack token prefix",
            "    slack:\n      bot_token: xapp-123456\n      app_token: xapp-123456\n      authorized: [{user_id: U1}]\n",
            "repos.my-project.slack.bot_token",
            18,
            "starting with `xoxb-`",
        ),
        append(
            "slack rule with two keys",
            "    slack:\n      bot_token: xoxb-1234\n      app_token: xapp-1234\n      authorized:\n        - {user_id: U1, user_group: g}\n",
            "repos.my-project.slack.authorized[0]",
            21,
            "single-key mapping",
        ),
        append(
            "slack unknown rule",
            "    slack:\n      bot_token: xoxb-1234\n      app_token: xapp-1234\n      authorized:\n        - team: x\n",
            "repos.my-project.slack.authorized[0].team",
            21,
            "unknown rule type",
        ),
        append(
            "slack api_url not a url",
            &format!("{SLACK_OK}      api_url: slack.com/api\n"),
            "repos.my-project.slack.api_url",
            21,
            "expected an http:// or https:// URL",
        ),
        append(
            "slack authorized missing",
            "    slack:\n      bot_token: xoxb-1234\n      app_token: xapp-1234\n",
            "repos.my-project.slack.authorized",
            17,
            "required key is missing",
        ),
        append(
            "schedule prompt and command",
            "    schedules:\n      s:\n        cron: 0 9 * * *\n        prompt: p\n        trigger_command: c\n        deliver: {to: x@example.com}\n",
            "repos.my-project.schedules.s",
            21,
            "not both",
        ),
        append(
            "schedule neither prompt nor command",
            "    schedules:\n      s:\n        cron: 0 9 * * *\n        deliver: {to: x@example.com}\n",
            "repos.my-project.schedules.s",
            18,
            "exactly one of `prompt` or `trigger_command`",
        ),
        append(
            "schedule bad cron",
            "    schedules:\n      s:\n        cron: 0 25 * * *\n        prompt: p\n        deliver: {to: x@example.com}\n",
            "repos.my-project.schedules.s.cron",
            19,
            "hour: 25 is outside 0-23",
        ),
        append(
            "schedule channel not configured",
            "    schedules:\n      s:\n        cron: 0 9 * * *\n        prompt: p\n        deliver: {to: x, channel: slack}\n",
            "repos.my-project.schedules.s.deliver.channel",
            21,
            "`slack` is not configured",
        ),
        append(
            "schedule bad timezone",
            "    schedules:\n      s:\n        cron: 0 9 * * *\n        timezone: Mars/Olympus\n        prompt: p\n        deliver: {to: x}\n",
            "repos.my-project.schedules.s.timezone",
            20,
            "unknown time zone",
        ),
        append(
            "schedule missing deliver",
            "    schedules:\n      s:\n        cron: 0 9 * * *\n        prompt: p\n",
            "repos.my-project.schedules.s.deliver",
            18,
            "required section is missing",
        ),
        append(
            "masked secret missing scopes",
            "    masked_secrets:\n      GH:\n        value: v-123456\n        headers: [Authorization]\n",
            "repos.my-project.masked_secrets.GH.scopes",
            18,
            "required key is missing",
        ),
        append(
            "signing wrong type",
            "    signing_credentials:\n      AWS:\n        type: aws-sigv2\n        access_key_id: {name: A, value: a-123456}\n        secret_access_key: {name: S, value: s-123456}\n        scopes: [x]\n",
            "repos.my-project.signing_credentials.AWS.type",
            19,
            "only supported type is aws-sigv4",
        ),
        append(
            "signing missing secret key",
            "    signing_credentials:\n      AWS:\n        type: aws-sigv4\n        access_key_id: {name: A, value: a-123456}\n        scopes: [x]\n",
            "repos.my-project.signing_credentials.AWS.secret_access_key",
            18,
            "required key is missing",
        ),
        append(
            "github app http base_url",
            "    github_app_credentials:\n      GH_APP:\n        app_id: '1'\n        private_key: !env PEM\n        installation_id: 5\n        scopes: [github.com]\n        base_url: http://ghe.local/api/v3\n",
            "repos.my-project.github_app_credentials.GH_APP.base_url",
            23,
            "https://",
        ),
        append(
            "github app installation id",
            "    github_app_credentials:\n      GH_APP:\n        app_id: '1'\n        private_key: !env PEM\n        installation_id: abc\n        scopes: [github.com]\n",
            "repos.my-project.github_app_credentials.GH_APP.installation_id",
            21,
            "expected an integer, got 'abc'",
        ),
        append(
            "github app private key not pem",
            "    github_app_credentials:\n      GH_APP:\n        app_id: '1'\n        private_key: not-a-key\n        installation_id: 5\n        scopes: [github.com]\n",
            "repos.my-project.github_app_credentials.GH_APP.private_key",
            20,
            "PEM private key",
        ),
        Case {
            name: "shared imap inbox",
            yaml: format!(
                "{BASE}  second:\n    repo_url: https://example.com/s.git\n    email:\n      account: {{username: AIRUT, from: f, password: pw-654321}}\n      imap: {{server: IMAP.example.com}}\n      smtp: {{server: s}}\n      auth: {{authorized_senders: [x], trusted_authserv_id: y}}\n"
            ),
            path: "repos.second.email.account.username",
            line: 20,
            message: "repo `my-project` already reads the inbox",
        },
        Case {
            name: "repo id unusable as a directory",
            yaml: BASE.replacen("  my-project:", "  ../escape:", 1),
            path: "repos.../escape",
            line: 3,
            message: "names its storage directory",
        },
        Case {
            name: "newer config_version",
            yaml: BASE.replacen("config_version: 5", "config_version: 6", 1),
            path: "config_version",
            line: 1,
            message: "newer than this Airut understands",
        },
        Case {
            name: "unsupported tag",
            yaml: base_with(
                "        password: pw-123456\n",
                "        password: !secret pw\n",
            ),
            path: "repos.my-project.email.account.password",
            line: 9,
            message: "unsupported tag `!secret`",
        },
        Case {
            name: "yaml syntax error",
            yaml: base_with("      imap:\n", "      imap: [\n"),
            path: "",
            // The parser notices the unclosed `[` on the next line.
            line: 12,
            message: "invalid YAML",
        },
        append(
            "slack channel plus extra",
            &format!("{SLACK_OK}      extra: 1\n"),
            "repos.my-project.slack.extra",
            21,
            "unknown key",
        ),
    ]
}

#[test]
fn malformed_configs_report_path_line_and_message() {
    let env = EnvSource::from_pairs([(
        "PEM",
        "-----BEGIN PRIVATE KEY-----\nMIIBVwIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----\n",
    )]);
    let cases = cases();
    assert!(cases.len() >= 20);
    let mut failures = Vec::new();
    for case in &cases {
        let errors = load_err(&case.yaml, &env);
        let hit = errors.iter().any(|e| {
            e.path == case.path && e.line == Some(case.line) && e.message.contains(case.message)
        });
        if !hit {
            failures.push(format!(
                "[{}] expected `{} (line {}): …{}…`, got:\n{errors}",
                case.name, case.path, case.line, case.message
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn v1_with_repo_level_email_keys_is_refused() {
    let text = "repos:\n  legacy:\n    repo_url: https://example.com/r.git\n    authorized_senders: [a@example.com]\n    trusted_authserv_id: mx\n    email:\n      username: u\n";
    let errors = load_err(text, &EnvSource::empty());
    let got: Vec<(&str, Option<usize>)> =
        errors.iter().map(|e| (e.path.as_str(), e.line)).collect();
    assert_eq!(
        got,
        vec![
            ("repos.legacy.authorized_senders", Some(4)),
            ("repos.legacy.trusted_authserv_id", Some(5))
        ]
    );
    assert!(
        errors
            .iter()
            .all(|e| e.message.contains("must be nested under `email:`"))
    );
    assert!(errors.iter().all(|e| e.message.contains("by hand")));
}
