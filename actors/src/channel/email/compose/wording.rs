//! The Markdown text of each kind of reply (reference channels.md E14–E16,
//! in our own words) and the note listing files left out for size.

use crate::intake::ConversationId;

use super::reply::{ComposeLimits, ReplyBody};

/// The Markdown source of the reply: the plain-text part as is, and the
/// HTML part once rendered.
pub fn body_markdown(
    body: &ReplyBody<'_>,
    conversation: &ConversationId,
    omitted: &[(String, u64)],
    limits: &ComposeLimits,
) -> String {
    let mut text = match body {
        ReplyBody::Acknowledgement {
            model,
            dashboard_url,
        } => acknowledgement(model, *dashboard_url, conversation),
        // The core's text is complete (answer and usage footer, or the
        // explanation of what went wrong); the channel only renders it.
        ReplyBody::Answer { text } | ReplyBody::Error { text } => text.trim_end().to_string(),
    };
    if !omitted.is_empty() {
        text.push_str("\n\n");
        text.push_str(&omitted_note(omitted, limits));
    }
    text
}

fn acknowledgement(
    model: &str,
    dashboard_url: Option<&str>,
    conversation: &ConversationId,
) -> String {
    let mut text = format!(
        "Got it. Claude ({model}) is on this task now; the result will come as a reply \
         in this thread."
    );
    if let Some(base) = dashboard_url.map(str::trim).filter(|url| !url.is_empty()) {
        let base = base.trim_end_matches('/');
        text.push_str(&format!(
            "\n\nYou can follow its progress at <{base}/conversation/{conversation}>"
        ));
    }
    text
}

/// `Not attached, too large: `a.zip` (30.0 MB). Limits: …` — names in code
/// spans so Markdown in a file name stays literal.
pub fn omitted_note(omitted: &[(String, u64)], limits: &ComposeLimits) -> String {
    let files: Vec<String> = omitted
        .iter()
        .map(|(name, size)| format!("{} ({})", code_span(name), human_size(*size)))
        .collect();
    format!(
        "Not attached, too large: {}. Limits: {} per file, {} in all.",
        files.join(", "),
        human_size(limits.max_attachment_bytes),
        human_size(limits.max_total_bytes)
    )
}

/// `text` as a Markdown code span: fenced by one backtick more than its
/// longest backtick run, padded when it starts or ends with a backtick.
pub fn code_span(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// `512 bytes`, `12.5 KB`, `3.0 MB`, `1.2 GB` (powers of 1024).
pub fn human_size(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let value = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if value < KB * KB {
        format!("{:.1} KB", value / KB)
    } else if value < KB * KB * KB {
        format!("{:.1} MB", value / (KB * KB))
    } else {
        format!("{:.1} GB", value / (KB * KB * KB))
    }
}
