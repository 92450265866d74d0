//! From a classified, authorized Slack message to an [`InboundMessage`]
//! (reference S9, S11, S12, S14): mentions resolved to names, entities
//! decoded, the earlier part of a thread replayed when the bot is first
//! mentioned mid-thread, and files downloaded into the repo's staging
//! directory. The text helpers are pure; [`build`] does the I/O.

use std::collections::HashMap;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tracing::warn;

use super::api::SlackApi;
use super::authorizer::{Authorizer, Directory, UserInfo};
use super::events::Candidate;
use super::render::mentions::{resolve_inbound, strip_bot_mention};
use crate::channel::ChannelError;
use crate::channel::email::parse::attachment_names::safe_name;
use crate::config::ChannelKind;
use crate::intake::{Attachment, InboundMessage, Sender, unique_name};

/// Limits on what one message brings in.
#[derive(Debug, Clone)]
pub struct InboundLimits {
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
    pub max_files: usize,
    /// Per download; Slack's file hosts are fast or broken.
    pub download_timeout: Duration,
    /// Replayed thread messages (the newest are kept).
    pub max_replay: usize,
    /// Messages read from a thread at most (`conversations.replies` pages).
    pub max_history_fetch: usize,
    /// Users whose names are looked up for one message.
    pub max_name_lookups: usize,
}

impl Default for InboundLimits {
    fn default() -> Self {
        InboundLimits {
            max_file_bytes: 100 * 1024 * 1024,
            max_total_bytes: 250 * 1024 * 1024,
            max_files: 20,
            download_timeout: Duration::from_secs(120),
            max_replay: 200,
            max_history_fetch: 1000,
            max_name_lookups: 50,
        }
    }
}

/// A file a message refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    pub name: String,
    pub url: String,
}

/// `files[]` entries with a download URL (`url_private_download`, else
/// `url_private`); anything else is skipped.
pub fn file_refs(files: Option<&Value>) -> Vec<FileRef> {
    let Some(list) = files.and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|f| {
            let url = f
                .get("url_private_download")
                .and_then(Value::as_str)
                .or_else(|| f.get("url_private").and_then(Value::as_str))?;
            let name = f.get("name").and_then(Value::as_str).unwrap_or("");
            Some(FileRef {
                name: safe_file_name(name),
                url: url.to_string(),
            })
        })
        .collect()
}

/// One harmless path component for a Slack file name: the same rules as
/// email attachments (basename only; no control or invisible bidi
/// characters, leading dots or leading dash; length capped keeping the
/// extension; `attachment.bin` when nothing is left).
pub fn safe_file_name(raw: &str) -> String {
    safe_name(Some(raw), "application/octet-stream")
}

/// User ids of `<@U…>` / `<@U…|label>` tokens, in order, once each.
pub fn mention_ids(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("<@") {
        let tail = &rest[at + 2..];
        let end = tail.find(['>', '|']).unwrap_or(tail.len());
        let id = &tail[..end];
        if !id.is_empty()
            && id.chars().all(|c| c.is_ascii_alphanumeric())
            && !out.iter().any(|o| o == id)
        {
            out.push(id.to_string());
        }
        rest = tail;
    }
    out
}

/// A message of a thread's history, as `conversations.replies` gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryMessage {
    pub user: String,
    pub text: String,
    pub ts: String,
    pub files: Vec<FileRef>,
}

/// Human messages other than the trigger: no bots, no subtypes except
/// `file_share` (joins, edits and bot posts are not conversation).
pub fn replayable(messages: &[Value], trigger_ts: &str) -> Vec<HistoryMessage> {
    messages
        .iter()
        .filter_map(|m| {
            let ts = m.get("ts")?.as_str()?;
            let user = m.get("user")?.as_str()?;
            if ts == trigger_ts || m.get("bot_id").is_some_and(|b| !b.is_null()) {
                return None;
            }
            match m.get("subtype").and_then(Value::as_str) {
                None | Some("file_share") => {}
                Some(_) => return None,
            }
            Some(HistoryMessage {
                user: user.to_string(),
                text: m
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                ts: ts.to_string(),
                files: file_refs(m.get("files")),
            })
        })
        .collect()
}

/// The replay preamble and one line per message (`[Name]: text`), the
/// newest `max` messages kept. Names come from `names` (id → display),
/// the id when unknown.
pub fn replay_block(
    history: &[HistoryMessage],
    names: &HashMap<String, String>,
    max: usize,
) -> Option<String> {
    if history.is_empty() {
        return None;
    }
    let skip = history.len().saturating_sub(max);
    let mut out = String::from(
        "You were invited into an existing Slack thread. The earlier messages of the \
         thread follow in order, for background only; the request itself is the \
         message after them.\n",
    );
    if skip > 0 {
        out.push_str(&format!("[{skip} earlier messages omitted]\n"));
    }
    for m in &history[skip..] {
        let who = names
            .get(&m.user)
            .cloned()
            .unwrap_or_else(|| m.user.clone());
        let text = resolve_inbound(&m.text, names);
        let files: Vec<&str> = m.files.iter().map(|f| f.name.as_str()).collect();
        let attached = if files.is_empty() {
            String::new()
        } else if text.trim().is_empty() {
            format!("[attached: {}]", files.join(", "))
        } else {
            format!(" [attached: {}]", files.join(", "))
        };
        out.push_str(&format!("[{who}]: {text}{attached}\n"));
    }
    Some(out)
}

/// The message text for the agent: the invocation without the bot's own
/// mention, tokens resolved, entities decoded.
pub fn message_text(
    text: &str,
    bot_user_id: Option<&str>,
    names: &HashMap<String, String>,
) -> String {
    let stripped = match bot_user_id {
        Some(bot) => strip_bot_mention(text, bot),
        None => text.trim().to_string(),
    };
    resolve_inbound(&stripped, names).trim().to_string()
}

/// The body: the replayed thread (if any), then the request. An empty
/// request with files or a replay still asks for something.
pub fn compose_body(replay: Option<&str>, request: &str, has_files: bool) -> String {
    let request = if request.is_empty() && (has_files || replay.is_some()) {
        if has_files {
            "(no text; see the attached files)"
        } else {
            "(no text; see the thread above)"
        }
    } else {
        request
    };
    match replay {
        Some(replay) => format!("{replay}\n---\n\n{request}"),
        None => request.to_string(),
    }
}

/// What [`build`] needs besides the message.
pub struct BuildContext<'a, D> {
    pub api: &'a SlackApi,
    pub authorizer: &'a Authorizer<D>,
    pub repo_id: &'a str,
    pub bot_user_id: Option<&'a str>,
    /// `<repo>/incoming`.
    pub staging: &'a Path,
    pub limits: &'a InboundLimits,
}

/// The journal-ready message. `replay` asks for the thread's history.
pub async fn build<D: Directory>(
    cx: &BuildContext<'_, D>,
    candidate: &Candidate,
    sender: &UserInfo,
    replay: bool,
) -> InboundMessage {
    let history = if replay {
        fetch_history(cx, &candidate.channel, candidate.root(), &candidate.ts).await
    } else {
        Vec::new()
    };
    let skip = history.len().saturating_sub(cx.limits.max_replay);
    let history = &history[skip..];

    let mut ids: Vec<String> = mention_ids(&candidate.text);
    for m in history {
        ids.push(m.user.clone());
        ids.extend(mention_ids(&m.text));
    }
    let mut names = HashMap::new();
    names.insert(sender.id.clone(), sender.display.clone());
    let mut looked_up = 0;
    for id in ids {
        if names.contains_key(&id) || looked_up >= cx.limits.max_name_lookups {
            continue;
        }
        looked_up += 1;
        if let Some(name) = cx.authorizer.display_name(&id).await {
            names.insert(id, name);
        }
    }

    let request = message_text(&candidate.text, cx.bot_user_id, &names);
    let replay_text = replay_block(history, &names, cx.limits.max_replay);
    let mut refs: Vec<FileRef> = history.iter().flat_map(|m| m.files.clone()).collect();
    refs.extend(file_refs(candidate.files.as_ref()));
    let (attachments, skipped) = download_all(cx, &candidate.dedupe_key(), &refs).await;
    let mut body = compose_body(
        replay_text.as_deref(),
        &request,
        !attachments.is_empty() || !skipped.is_empty(),
    );
    if !skipped.is_empty() {
        body.push_str(&format!(
            "\n\n[Files that could not be received: {}]",
            skipped.join("; ")
        ));
    }
    InboundMessage {
        channel: ChannelKind::Slack,
        repo_id: cx.repo_id.to_string(),
        dedupe_key: candidate.dedupe_key(),
        thread_key: candidate.thread_key(),
        conversation_hint: None,
        sender: Sender {
            id: sender.id.clone(),
            display: sender.attribution(),
        },
        received_at: jiff::Timestamp::now(),
        subject: None,
        body,
        attachments,
        model_hint: None,
        reply_refs: vec![
            candidate.channel.clone(),
            candidate.root().to_string(),
            candidate.ts.clone(),
            candidate.surface.as_str().to_string(),
        ],
    }
}

/// `conversations.replies`, paged up to the fetch cap; an error keeps
/// what was read so far.
async fn fetch_history<D>(
    cx: &BuildContext<'_, D>,
    channel: &str,
    root: &str,
    trigger_ts: &str,
) -> Vec<HistoryMessage> {
    let mut raw: Vec<Value> = Vec::new();
    let mut cursor = String::new();
    loop {
        let mut params = vec![("channel", channel), ("ts", root), ("limit", "200")];
        if !cursor.is_empty() {
            params.push(("cursor", cursor.as_str()));
        }
        let page = match cx.api.get_json("conversations.replies", &params).await {
            Ok(page) => page,
            Err(error) => {
                warn!(repo = cx.repo_id, channel, %error, "slack: reading thread history failed");
                break;
            }
        };
        if let Some(messages) = page.get("messages").and_then(Value::as_array) {
            raw.extend(messages.iter().cloned());
        }
        let next = page
            .pointer("/response_metadata/next_cursor")
            .and_then(Value::as_str)
            .unwrap_or("");
        if next.is_empty() || raw.len() >= cx.limits.max_history_fetch {
            break;
        }
        cursor = next.to_string();
    }
    replayable(&raw, trigger_ts)
}

/// Downloads into `<staging>/slack-<hash of the dedupe key>/`. A file
/// that fails or is over a limit is skipped and named with the reason in
/// the second list, so the agent can tell the user instead of working as
/// if it had never been sent.
async fn download_all<D>(
    cx: &BuildContext<'_, D>,
    dedupe_key: &str,
    refs: &[FileRef],
) -> (Vec<Attachment>, Vec<String>) {
    if refs.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let digest = Sha256::digest(dedupe_key.as_bytes());
    let dir_name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let dir = cx.staging.join(format!("slack-{dir_name}"));
    if let Err(error) = tokio::fs::create_dir_all(&dir).await {
        warn!(repo = cx.repo_id, %error, "slack: creating the staging directory failed");
        let skipped = refs
            .iter()
            .map(|f| format!("{} (could not be stored)", f.name))
            .collect();
        return (Vec::new(), skipped);
    }
    let mut taken = HashSet::new();
    let mut total: u64 = 0;
    let mut out = Vec::new();
    let mut skipped: Vec<String> = refs
        .iter()
        .skip(cx.limits.max_files)
        .map(|f| {
            format!(
                "{} (over the limit of {} files)",
                f.name, cx.limits.max_files
            )
        })
        .collect();
    for file in refs.iter().take(cx.limits.max_files) {
        let budget = cx
            .limits
            .max_file_bytes
            .min(cx.limits.max_total_bytes.saturating_sub(total));
        match download_one(cx, &dir, file, budget, &mut taken).await {
            Ok((attachment, size)) => {
                total += size;
                out.push(attachment);
            }
            Err(error) => {
                warn!(repo = cx.repo_id, file = file.name, %error, "slack: file skipped");
                skipped.push(format!("{} ({})", file.name, error.0));
            }
        }
    }
    (out, skipped)
}

async fn download_one<D>(
    cx: &BuildContext<'_, D>,
    dir: &Path,
    file: &FileRef,
    budget: u64,
    taken: &mut HashSet<String>,
) -> Result<(Attachment, u64), ChannelError> {
    let bytes = tokio::time::timeout(
        cx.limits.download_timeout,
        cx.api.download(&file.url, budget, expects_html(&file.name)),
    )
    .await
    .map_err(|_| ChannelError("download timed out".into()))??;
    let name = unique_name(&file.name, taken);
    let path: PathBuf = dir.join(&name);
    tokio::fs::write(&path, &bytes)
        .await
        .map_err(|e| ChannelError(format!("saving {name}: {e}")))?;
    Ok((Attachment { name, path }, bytes.len() as u64))
}

/// Whether a web page is a plausible content for this file: Slack answers
/// a file request it will not serve with its sign-in page and status 200.
fn expects_html(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".html") || lower.ends_with(".htm")
}

#[cfg(test)]
#[path = "inbound_tests.rs"]
mod tests;
