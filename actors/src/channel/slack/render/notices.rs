//! The channel's own words in a thread (acknowledgement, error, notes about
//! files), already in mrkdwn. Anything that came from elsewhere (file
//! names, error details) is escaped or rendered from Markdown first.

use super::mentions::rewrite_mentions;
use super::mrkdwn::{escape, link_target, to_mrkdwn};

/// Posted when a new conversation starts (reference S10), with a link to
/// the conversation's dashboard page when a dashboard is configured.
pub fn acknowledgement(conversation: &str, dashboard_url: Option<&str>) -> String {
    let mut text = "I've started working on this and will reply in this thread.".to_string();
    let link = dashboard_url
        .map(|base| base.trim().trim_end_matches('/'))
        .filter(|base| !base.is_empty())
        .and_then(|base| link_target(&format!("{base}/conversation/{conversation}")));
    if let Some(target) = link {
        text.push_str(&format!(" <{target}|Follow the progress>"));
    }
    text
}

/// An error notice: the core's Markdown text rendered and made harmless
/// (no live mentions at all).
pub fn error_notice(text: &str) -> String {
    let rendered = rewrite_mentions(&to_mrkdwn(text), &[]);
    format!(":warning: {rendered}")
}

/// `Could not upload 2 files: `a.txt`, `b.png`` (names escaped).
pub fn upload_failures(names: &[String]) -> String {
    let listed: Vec<String> = names
        .iter()
        .map(|n| format!("`{}`", escape(&n.replace(['`', '\n', '\r'], "'"))))
        .collect();
    let files = if names.len() == 1 { "file" } else { "files" };
    format!(
        ":warning: Could not upload {} {files}: {}",
        names.len(),
        listed.join(", ")
    )
}

/// Name of the file an over-long answer is sent as.
pub const RESPONSE_FILE: &str = "response.md";
pub const RESPONSE_TITLE: &str = "Response";

/// Posted with an answer sent as a file; `footer` is the answer's usage
/// line when it has one (it stays visible in the thread).
pub fn answer_as_file(chars: usize, footer: Option<&str>) -> String {
    let mut text = format!(
        "The answer is too long for Slack messages ({chars} characters), so it is \
         attached as `{RESPONSE_FILE}`."
    );
    if let Some(footer) = footer {
        text.push_str("\n\n");
        text.push_str(&to_mrkdwn(footer));
    }
    text
}

/// The usage line the core appends to an answer (`— model · …`), split off
/// so it can stay in the thread when the answer becomes a file.
pub fn split_footer(text: &str) -> (&str, Option<&str>) {
    let trimmed = text.trim_end();
    match trimmed.rsplit_once("\n\n") {
        Some((body, last)) if last.starts_with("— ") && !last.contains('\n') => {
            (body.trim_end(), Some(last))
        }
        _ => (trimmed, None),
    }
}

#[cfg(test)]
#[path = "notices_tests.rs"]
mod tests;
