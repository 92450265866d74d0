//! The Slack channel of a repo (`repos.<id>.slack`, C-6).

use super::diagnostics::{Diagnostics, Reported};
use super::fields::{Field, Section, echo, parse_bool};
use super::secret::Secret;
use super::yaml_tree::{Node, Origin, Scalar, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlackConfig {
    /// Bot User OAuth token (`xoxb-…`) for Web API calls.
    pub bot_token: Secret,
    /// App-level token (`xapp-…`) for the Socket Mode connection.
    pub app_token: Secret,
    /// Who may task the bot; the first matching rule grants access.
    pub authorized: Vec<SlackAuthRule>,
    /// Channel IDs the bot works in; empty means any channel it was invited
    /// to. Direct messages are not affected.
    pub allowed_channels: Vec<String>,
    /// Base URL of the Web API (no trailing slash). Slack's own by default;
    /// tests point it at a fake. File downloads trust this origin too.
    pub api_url: String,
}

/// `api_url` when the file does not set it.
pub const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlackAuthRule {
    /// `workspace_members: true` admits every full member of the workspace;
    /// `false` never matches (kept so the rule list mirrors the file).
    WorkspaceMembers(bool),
    /// Members of the user group with this handle.
    UserGroup(String),
    /// One user, by Slack user ID (`U…`).
    UserId(String),
}

const SLACK_KEYS: &[&str] = &[
    "bot_token",
    "app_token",
    "authorized",
    "allowed_channels",
    "api_url",
];

pub(crate) fn parse_slack(
    field: &Field<'_>,
    d: &mut Diagnostics,
) -> Result<Option<SlackConfig>, Reported> {
    if !field.is_present() {
        return Ok(None);
    }
    let map = field.map(d).ok_or(Reported)?;
    let s = Section::new(field.path.clone(), field.key_line, map, SLACK_KEYS, d);
    let bot_token = token(&s.field("bot_token"), "xoxb-", "a bot token", d);
    let app_token = token(&s.field("app_token"), "xapp-", "an app-level token", d);
    let authorized = parse_rules(&s.field("authorized"), d);
    let allowed_channels = s
        .field("allowed_channels")
        .opt_str_list(d)
        .unwrap_or_default();
    let api_url = parse_api_url(&s.field("api_url"), d);
    Ok(Some(SlackConfig {
        bot_token: bot_token.ok_or(Reported)?,
        app_token: app_token.ok_or(Reported)?,
        authorized: authorized.ok_or(Reported)?,
        allowed_channels,
        api_url: api_url.ok_or(Reported)?,
    }))
}

/// An http(s) URL; a trailing slash is dropped because the client appends
/// `/<method>` itself.
fn parse_api_url(field: &Field<'_>, d: &mut Diagnostics) -> Option<String> {
    let Some(url) = field.opt_str(d) else {
        return Some(DEFAULT_SLACK_API_URL.to_string());
    };
    let trimmed = url.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !rest.contains(' ') => {
            Some(trimmed.to_string())
        }
        _ => {
            d.error(
                &field.path,
                field.line(),
                format!(
                    "expected an http:// or https:// URL, got {}",
                    echo(&url, &Origin::Plain)
                ),
            );
            None
        }
    }
}

/// A required token with a known prefix; swapped or mistyped tokens are
/// caught here instead of as an opaque Slack API failure. The value is
/// never echoed.
fn token(field: &Field<'_>, prefix: &str, what: &str, d: &mut Diagnostics) -> Option<Secret> {
    let token = field.req_secret(d)?;
    if !token.expose().starts_with(prefix) {
        d.error(
            &field.path,
            field.line(),
            format!("expected {what} starting with `{prefix}`"),
        );
        return None;
    }
    Some(token)
}

fn parse_rules(field: &Field<'_>, d: &mut Diagnostics) -> Option<Vec<SlackAuthRule>> {
    let Some(node) = field.node.filter(|n| !n.is_null()) else {
        d.error(
            &field.path,
            field.parent_line,
            "required key is missing (at least one rule)",
        );
        return None;
    };
    let Value::Seq(items) = &node.value else {
        d.error(
            &field.path,
            node.line,
            format!("expected a list of rules, got {}", node.kind_name()),
        );
        return None;
    };
    if items.is_empty() {
        d.error(&field.path, node.line, "must list at least one rule");
        return None;
    }
    let mut rules = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let path = format!("{}[{i}]", field.path);
        match parse_rule(&path, item, d) {
            Some(rule) => rules.push(rule),
            None => ok = false,
        }
    }
    ok.then_some(rules)
}

const RULE_HELP: &str = "expected a single-key mapping: `workspace_members: true`, `user_group: <handle>` or `user_id: <U…>`";

fn parse_rule(path: &str, item: &Node, d: &mut Diagnostics) -> Option<SlackAuthRule> {
    let entry = match &item.value {
        Value::Map(m) if m.entries.len() == 1 => &m.entries[0],
        _ => {
            d.error(path, item.line, RULE_HELP);
            return None;
        }
    };
    let rule_path = format!("{path}.{}", entry.key);
    let line = entry.value.line;
    let text = match &entry.value.value {
        Value::Scalar(Scalar { text: Some(t), .. }) if !t.is_empty() => t,
        Value::Scalar(_) => {
            d.error(&rule_path, line, "needs a value");
            return None;
        }
        _ => {
            d.error(
                &rule_path,
                line,
                format!("expected a single value, got {}", entry.value.kind_name()),
            );
            return None;
        }
    };
    match entry.key.as_str() {
        "workspace_members" => {
            let Some(enabled) = parse_bool(text) else {
                d.error(
                    &rule_path,
                    line,
                    format!("expected true or false, got {}", echo(text, &Origin::Plain)),
                );
                return None;
            };
            if !enabled {
                d.warn(
                    &rule_path,
                    line,
                    "`workspace_members: false` never matches; remove the rule or set it to true",
                );
            }
            Some(SlackAuthRule::WorkspaceMembers(enabled))
        }
        "user_group" => Some(SlackAuthRule::UserGroup(text.clone())),
        "user_id" => Some(SlackAuthRule::UserId(text.clone())),
        _ => {
            d.error(
                &rule_path,
                entry.key_line,
                format!("unknown rule type; {RULE_HELP}"),
            );
            None
        }
    }
}
