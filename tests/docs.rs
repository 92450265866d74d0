//! The user guides promise commands, flags, config keys and files; this test
//! holds them to it. Every `airut …` command line in a code span or block
//! must be a real subcommand whose `--help` lists the flags used, every
//! dotted config key in a code span must exist in the schema, every config
//! example with `repos:` must load, and every relative link must resolve.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use airut_actors::config::{EnvSource, FIELDS, load_str};
use saphyr::{LoadableYamlNode, Yaml};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The user-facing documents: README and doc/*.md.
fn documents() -> Vec<(PathBuf, String)> {
    let mut paths = vec![root().join("README.md")];
    let mut guides: Vec<PathBuf> = std::fs::read_dir(root().join("doc"))
        .expect("doc/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    guides.sort();
    paths.extend(guides);
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            (p, text)
        })
        .collect()
}

/// Code in a Markdown text: fenced blocks (with their info string) and
/// inline spans, in order.
struct Code {
    blocks: Vec<(String, String)>,
    spans: Vec<String>,
}

fn code_of(text: &str) -> Code {
    let mut blocks = Vec::new();
    let mut spans = Vec::new();
    let mut fence: Option<(String, String)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            match fence.take() {
                Some(block) => blocks.push(block),
                None => fence = Some((info.trim().to_string(), String::new())),
            }
            continue;
        }
        if let Some((_, body)) = fence.as_mut() {
            body.push_str(line);
            body.push('\n');
            continue;
        }
        let mut parts = line.split('`');
        parts.next();
        while let Some(inside) = parts.next() {
            spans.push(inside.to_string());
            parts.next();
        }
    }
    Code { blocks, spans }
}

/// `airut <words and flags>` command lines found in code: the words up to
/// the first flag, and the flags.
fn command_lines(code: &Code) -> Vec<(Vec<String>, Vec<String>)> {
    let mut lines: Vec<String> = code.spans.clone();
    for (info, body) in &code.blocks {
        if info.is_empty() || matches!(info.as_str(), "sh" | "bash" | "console" | "shell") {
            lines.extend(body.lines().map(str::to_string));
        }
    }
    let mut found = Vec::new();
    for line in lines {
        let line = line.split(" #").next().unwrap_or("");
        let tokens: Vec<&str> = line.split_whitespace().collect();
        for (i, token) in tokens.iter().enumerate() {
            let token = token.trim_start_matches(['(', '$']);
            if token != "airut" || (i > 0 && !matches!(tokens[i - 1], "$" | "sudo" | "&&" | ";")) {
                continue;
            }
            let mut words = Vec::new();
            let mut flags = Vec::new();
            for next in &tokens[i + 1..] {
                if matches!(*next, "&&" | "|" | ";" | "#") {
                    break;
                }
                if let Some(flag) = next.strip_prefix("--") {
                    let name = flag.split(['=', ']', ')']).next().unwrap_or("");
                    if !name.is_empty() {
                        flags.push(format!("--{name}"));
                    }
                } else if flags.is_empty()
                    && words.len() < 2
                    && next.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                {
                    words.push(next.to_string());
                } else if !next.starts_with('[') {
                    // A positional argument ends the subcommand words.
                    words.push(String::from("\0"));
                }
            }
            words.retain(|w| w != "\0");
            if !words.is_empty() {
                found.push((words, flags));
            }
        }
    }
    found
}

fn help(words: &[String]) -> Option<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_airut"))
        .args(words)
        .arg("--help")
        .output()
        .expect("airut runs");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The subcommand words of a command line that name real subcommands: a
/// second word counts only if the first command lists it as a subcommand.
fn resolve_subcommand(words: &[String]) -> Result<(Vec<String>, String), String> {
    let first = vec![words[0].clone()];
    let first_help = help(&first).ok_or_else(|| format!("`airut {}` does not exist", words[0]))?;
    if let Some(second) = words.get(1) {
        let two = vec![words[0].clone(), second.clone()];
        let lists_it = first_help
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("{second} ")) || l.trim() == second);
        if lists_it && let Some(text) = help(&two) {
            return Ok((two, text));
        }
    }
    Ok((first, first_help))
}

#[test]
fn every_documented_command_and_flag_exists() {
    let mut checked: BTreeMap<(Vec<String>, String), Vec<String>> = BTreeMap::new();
    let mut problems = BTreeSet::new();
    for (path, text) in documents() {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for (words, flags) in command_lines(&code_of(&text)) {
            match resolve_subcommand(&words) {
                Err(problem) => {
                    problems.insert(format!("{name}: {problem}"));
                }
                Ok((command, help_text)) => {
                    for flag in flags {
                        let listed = help_text.contains(&format!("{flag} "))
                            || help_text.contains(&format!("{flag}\n"))
                            || help_text.contains(&format!("{flag}="))
                            || help_text.contains(&format!("{flag},"));
                        if !listed {
                            problems.insert(format!(
                                "{name}: `airut {}` has no flag {flag}",
                                command.join(" ")
                            ));
                        }
                    }
                    checked
                        .entry((command, name.clone()))
                        .or_default()
                        .push(String::new());
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    let commands: BTreeSet<&Vec<String>> = checked.keys().map(|(c, _)| c).collect();
    // The guides cover the operator's whole surface; a parser that found
    // nothing would pass vacuously.
    for expected in ["run", "check", "status", "init"] {
        assert!(
            commands.iter().any(|c| c[0] == expected),
            "no guide shows `airut {expected}`; found {commands:?}"
        );
    }
}

/// A config key as written in prose, normalised to the schema's form.
fn schema_key(span: &str) -> Option<String> {
    const TOP: &[&str] = &["execution", "dashboard", "network", "repos"];
    const REPO: &[&str] = &[
        "email",
        "slack",
        "network",
        "resource_limits",
        "masked_secrets",
        "signing_credentials",
        "github_app_credentials",
        "secrets",
        "schedules",
    ];
    let key = span.trim().trim_end_matches(':');
    let key = key.split(':').next().unwrap_or(key).trim();
    if !key.contains('.') || key.contains(' ') || key.contains('/') {
        return None;
    }
    let first = key.split('.').next().unwrap_or("");
    if !TOP.contains(&first) && !REPO.contains(&first) {
        return None;
    }
    let valid = key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._<>-*".contains(c));
    // File names (`network.log`, `airut.yaml`) look like keys.
    let file_like = [
        "log", "md", "yaml", "yml", "json", "jsonl", "toml", "txt", "sh",
    ]
    .iter()
    .any(|ext| key.ends_with(&format!(".{ext}")));
    if !valid || key.ends_with('.') || file_like {
        return None;
    }
    let normalised: Vec<String> = key
        .split('.')
        .map(|s| {
            if s.starts_with('<') || s == "*" {
                "*".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    Some(normalised.join("."))
}

fn key_exists(key: &str) -> bool {
    let matches = |candidate: &str| {
        FIELDS.iter().any(|f| {
            let field: Vec<&str> = f.path.split('.').collect();
            let wanted: Vec<&str> = candidate.split('.').collect();
            wanted.len() <= field.len()
                && wanted
                    .iter()
                    .zip(&field)
                    .all(|(w, f)| w == f || *f == "*" || *w == "*")
        })
    };
    matches(key) || matches(&format!("repos.*.{key}"))
}

#[test]
fn every_documented_config_key_exists() {
    let mut problems = BTreeSet::new();
    let mut seen = 0;
    for (path, text) in documents() {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for span in code_of(&text).spans {
            if let Some(key) = schema_key(&span) {
                seen += 1;
                if !key_exists(&key) {
                    problems.insert(format!("{name}: `{span}` is not a config key"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(seen > 20, "only {seen} config keys found in the guides");
}

/// Placeholder values for every `!env NAME` of an example, shaped as the
/// keys expect (Slack tokens carry their prefixes).
fn example_env(yaml: &str) -> EnvSource {
    let mut pairs = Vec::new();
    for part in yaml.split("!env ").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let value = if name.contains("BOT_TOKEN") {
            "xoxb-0000-example".to_string()
        } else if name.contains("APP_TOKEN") {
            "xapp-0000-example".to_string()
        } else {
            format!("example-{}", name.to_lowercase())
        };
        pairs.push((name, value));
    }
    EnvSource::from_pairs(pairs)
}

#[test]
fn every_documented_config_example_loads() {
    let mut problems = Vec::new();
    let mut seen = 0;
    for (path, text) in documents() {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for (info, body) in code_of(&text).blocks {
            if info != "yaml" || !body.lines().any(|l| l.starts_with("repos:")) {
                continue;
            }
            seen += 1;
            if let Err(errors) = load_str(&body, &example_env(&body)) {
                problems.push(format!("{name}: example does not load:\n{errors}\n{body}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(seen >= 2, "only {seen} config examples found");
}

#[test]
fn every_relative_link_resolves() {
    let mut problems = Vec::new();
    for (path, text) in documents() {
        let dir = path.parent().expect("dir");
        for target in text.split("](").skip(1) {
            let Some(end) = target.find(')') else {
                continue;
            };
            let link = target[..end].split('#').next().unwrap_or("");
            if link.is_empty() || link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            if !dir.join(link).exists() {
                problems.push(format!("{}: link {link} is broken", path.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_slack_manifest_subscribes_to_what_the_channel_handles() {
    let text =
        std::fs::read_to_string(root().join("config/slack-app-manifest.yaml")).expect("manifest");
    let docs = Yaml::load_from_str(&text).expect("manifest is YAML");
    let manifest = &docs[0];
    let settings = &manifest["settings"];
    assert_eq!(settings["socket_mode_enabled"].as_bool(), Some(true));
    assert_eq!(
        settings["interactivity"]["is_enabled"].as_bool(),
        Some(false)
    );
    let events: BTreeSet<&str> = settings["event_subscriptions"]["bot_events"]
        .as_vec()
        .expect("bot_events")
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    for event in [
        "app_mention",
        "message.im",
        "message.channels",
        "message.groups",
        "assistant_thread_started",
    ] {
        assert!(events.contains(event), "manifest lacks {event}");
    }
    let scopes: BTreeSet<&str> = manifest["oauth_config"]["scopes"]["bot"]
        .as_vec()
        .expect("bot scopes")
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    for scope in ["chat:write", "files:write", "reactions:write", "users:read"] {
        assert!(scopes.contains(scope), "manifest lacks {scope}");
    }
    assert!(Path::new(&root().join("doc/slack-setup.md")).exists());
}
