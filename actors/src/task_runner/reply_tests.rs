use std::time::Duration;

use super::reply::{ReplyContext, reply_text, tokens, usage_footer};
use crate::sandbox::outcome::{Outcome, TaskResult, Usage};

fn result(outcome: Outcome) -> TaskResult {
    TaskResult {
        outcome,
        session_id: Some("s1".into()),
        response_text: (outcome == Outcome::Success).then(|| "Done.".to_string()),
        error_summary: None,
        usage: Usage {
            input_tokens: 200,
            output_tokens: 340,
            cache_creation_input_tokens: 1000,
            cache_read_input_tokens: 0,
            ..Usage::default()
        },
        total_cost_usd: Some(0.0123),
        session_cost_usd: Some(0.0123),
        num_turns: 2,
        duration_ms: 12_345,
        web_search_count: 0,
        web_fetch_count: 0,
        is_error: outcome != Outcome::Success,
        api_error_status: None,
    }
}

fn context() -> ReplyContext<'static> {
    ReplyContext {
        model: "opus",
        timeout: Duration::from_secs(600),
        memory_limit: Some("2g"),
    }
}

#[test]
fn footer_has_model_time_cost_and_tokens() {
    assert_eq!(
        usage_footer(&result(Outcome::Success), "opus"),
        "— opus · 12.3 s · $0.0123 · 1.2k in / 340 out tokens"
    );
}

#[test]
fn footer_drops_zero_cost_and_adds_web_tools() {
    let mut r = result(Outcome::Success);
    r.total_cost_usd = Some(0.0);
    r.web_search_count = 2;
    assert_eq!(
        usage_footer(&r, "sonnet"),
        "— sonnet · 12.3 s · 1.2k in / 340 out tokens · 2 web searches"
    );
}

#[test]
fn success_reply_is_response_then_footer() {
    let text = reply_text(&result(Outcome::Success), &context());
    assert!(text.starts_with("Done.\n\n— opus"), "{text}");
}

#[test]
fn token_counts_are_short() {
    assert_eq!(tokens(999), "999");
    assert_eq!(tokens(1_234), "1.2k");
    assert_eq!(tokens(3_400_000), "3.4M");
}

#[test]
fn error_replies_per_outcome() {
    let ctx = context();
    assert!(reply_text(&result(Outcome::Timeout), &ctx).contains("10 minutes"));
    assert!(reply_text(&result(Outcome::Stopped), &ctx).contains("stopped"));
    assert!(reply_text(&result(Outcome::OutOfMemory), &ctx).contains("2g"));
    assert!(reply_text(&result(Outcome::PromptTooLong), &ctx).contains("context window"));
    assert!(reply_text(&result(Outcome::RateLimited), &ctx).contains("try again later"));
    let mut agent = result(Outcome::AgentError);
    agent.error_summary = Some("API Error: 500 boom".into());
    assert!(reply_text(&agent, &ctx).contains("API Error: 500 boom"));
    assert!(reply_text(&result(Outcome::ContainerFailed), &ctx).contains("container failed"));
}
