//! [`ResultBuilder`]: accumulates what matters from each event as it
//! arrives, so no event list has to be kept, and builds the [`TaskResult`]
//! once the container has ended.

use std::collections::HashSet;

use super::classify::{classify, decisive_api_error};
use super::reply::{NO_OUTPUT, select_reply, summary_from};
use super::{Outcome, RunFacts, TaskResult};
use crate::sandbox::stream_json::{ApiError, ClaudeEvent, ContentBlock, EventKind, ResultFields};

/// Builds the [`TaskResult`] of one run from its events.
#[derive(Debug, Default)]
pub struct ResultBuilder {
    init_session_id: Option<String>,
    latest_session_id: Option<String>,
    /// Result events of the main agent, in order. There is more than one
    /// when background work finished after the first result.
    results: Vec<ResultFields>,
    /// Main-agent reply candidates: one per API message, API error
    /// messages left out.
    reply_texts: Vec<ReplyText>,
    /// Every main-agent text, API error messages included, trimmed; the
    /// last resort of an error summary.
    all_texts: Vec<String>,
    /// The API error of the last main-agent API error message.
    assistant_api_error: Option<ApiError>,
    /// Ids of web tool calls already counted (an id is counted once).
    web_tool_ids: HashSet<String>,
    web_search_count: u64,
    web_fetch_count: u64,
}

#[derive(Debug)]
struct ReplyText {
    message_id: Option<String>,
    text: String,
}

impl ResultBuilder {
    pub fn new() -> ResultBuilder {
        ResultBuilder::default()
    }

    /// Takes in one event. Events of subagents count for web tool use
    /// only: their text never becomes the reply and their results (if
    /// any) are not the run's.
    pub fn on_event(&mut self, event: &ClaudeEvent) {
        if !event.session_id.is_empty() {
            self.latest_session_id = Some(event.session_id.clone());
        }
        self.count_web_tools(event);
        if event.is_subagent() {
            return;
        }
        match event.kind {
            EventKind::System if event.is_init() && !event.session_id.is_empty() => {
                self.init_session_id = Some(event.session_id.clone());
            }
            EventKind::Assistant => self.on_assistant(event),
            EventKind::Result => {
                if let Some(fields) = event.result_fields() {
                    self.results.push(fields);
                }
            }
            _ => {}
        }
    }

    /// Builds the result. See [`classify`] for the outcome and
    /// `spec/stream-json.md` for every field.
    pub fn finish(self, facts: &RunFacts) -> TaskResult {
        let last = self.results.last();
        let outcome = classify(last, self.assistant_api_error.as_ref(), facts);
        let api_error_status =
            decisive_api_error(last, self.assistant_api_error.as_ref()).and_then(|e| e.status);
        let response_text = outcome.is_success().then(|| self.response_text());
        let error_summary = if outcome.is_success() {
            None
        } else {
            self.error_summary(outcome, facts)
        };
        let reported_ms: u64 = self.results.iter().filter_map(|r| r.duration_ms).sum();
        TaskResult {
            outcome,
            session_id: last
                .map(|result| result.session_id.clone())
                .filter(|id| !id.is_empty())
                .or_else(|| self.init_session_id.clone())
                .or_else(|| self.latest_session_id.clone()),
            response_text,
            error_summary,
            usage: last.map(|result| result.usage.clone()).unwrap_or_default(),
            total_cost_usd: self.run_cost_usd(),
            session_cost_usd: last.and_then(|result| result.total_cost_usd),
            num_turns: self.results.iter().filter_map(|r| r.num_turns).sum(),
            duration_ms: if reported_ms > 0 {
                reported_ms
            } else {
                facts.wall_duration_ms
            },
            web_search_count: self.web_search_count,
            web_fetch_count: self.web_fetch_count,
            is_error: !outcome.is_success(),
            api_error_status,
        }
    }

    fn on_assistant(&mut self, event: &ClaudeEvent) {
        if event.is_api_error_message() {
            self.assistant_api_error = event.api_error().or(self.assistant_api_error.take());
        }
        let Some(text) = event.joined_text() else {
            return;
        };
        let trimmed = text.trim();
        if !trimmed.is_empty() {
            self.all_texts.push(trimmed.to_owned());
        }
        if event.is_api_error_message() {
            return;
        }
        let message_id = event.message_id().map(str::to_owned);
        match self.reply_texts.last_mut() {
            // The CLI writes one event per content block; blocks of one API
            // message form one candidate.
            Some(previous) if message_id.is_some() && previous.message_id == message_id => {
                previous.text.push_str("\n\n");
                previous.text.push_str(&text);
            }
            _ => self.reply_texts.push(ReplyText { message_id, text }),
        }
    }

    fn count_web_tools(&mut self, event: &ClaudeEvent) {
        for block in &event.blocks {
            let ContentBlock::ToolUse { id, name, .. } = block else {
                continue;
            };
            let counter = match name.as_str() {
                "WebSearch" => &mut self.web_search_count,
                "WebFetch" => &mut self.web_fetch_count,
                _ => continue,
            };
            if id.is_empty() || self.web_tool_ids.insert(id.clone()) {
                *counter += 1;
            }
        }
    }

    /// The cost of this run: the sum of each result's cost since the
    /// previous result when every result reports it (Claude Code 2.1.330),
    /// else the last result's `total_cost_usd`.
    fn run_cost_usd(&self) -> Option<f64> {
        let since_last: Option<Vec<f64>> = self
            .results
            .iter()
            .map(|result| result.cost_since_last_result_usd)
            .collect();
        match since_last {
            Some(costs) if !costs.is_empty() => Some(costs.iter().sum()),
            _ => self.results.last().and_then(|result| result.total_cost_usd),
        }
    }

    fn response_text(&self) -> String {
        let result_texts: Vec<&str> = self
            .results
            .iter()
            .filter_map(|result| result.result_text.as_deref())
            .collect();
        if self.results.len() > 1 && !result_texts.is_empty() {
            return result_texts.join("\n\n");
        }
        let texts: Vec<String> = self.reply_texts.iter().map(|r| r.text.clone()).collect();
        select_reply(&texts)
            .or_else(|| result_texts.last().map(|text| (*text).to_owned()))
            .unwrap_or_else(|| NO_OUTPUT.to_owned())
    }

    fn error_summary(&self, outcome: Outcome, facts: &RunFacts) -> Option<String> {
        let stderr = facts.stderr_tail.join("\n");
        let assistant = self.all_texts.join("\n");
        if outcome == Outcome::ContainerFailed {
            let fallback = match facts.exit_code {
                Some(code) => format!("Claude Code exited with code {code} without a result."),
                None => "Claude Code ended without a result.".to_owned(),
            };
            return summary_from([Some(stderr.as_str()), Some(assistant.as_str())])
                .or(Some(fallback));
        }
        let result_text = self
            .results
            .iter()
            .rev()
            .find_map(|result| result.result_text.as_deref());
        let errors = self.results.last().map(|result| result.errors.join("\n"));
        summary_from([
            result_text,
            errors.as_deref(),
            Some(assistant.as_str()),
            Some(stderr.as_str()),
        ])
    }
}
