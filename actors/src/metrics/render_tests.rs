use std::collections::BTreeMap;

use super::*;
use crate::hub::{GatewayEvent, RepoStatus, TaskRef};
use crate::intake::ConversationId;
use crate::metrics::{GatewayMetrics, NetworkDecisions, valid_name};

fn scrape_text(
    metrics: &GatewayMetrics,
    live: &LiveState,
    backlog: Option<&IntakeBacklog>,
) -> String {
    render(&Scrape {
        version: "1.2.3",
        counters: metrics.counters(),
        live,
        backlog,
    })
}

fn live() -> LiveState {
    let mut live = LiveState::new(BootPhase::Ready);
    live.set_repo("alpha", &RepoStatus::Live);
    live.channels
        .insert(("alpha".into(), "email".into()), "connected".to_string());
    live
}

/// The value of the sample line that starts with `series`.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

#[test]
fn before_any_task_every_family_is_there_with_zeros() {
    let text = scrape_text(
        &GatewayMetrics::new(1_700_000_000_000),
        &live(),
        Some(&IntakeBacklog::default()),
    );
    assert_eq!(
        value(&text, "airut_build_info{version=\"1.2.3\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "airut_start_time_seconds"),
        Some(1_700_000_000.0)
    );
    assert_eq!(value(&text, "airut_ready"), Some(1.0));
    assert_eq!(value(&text, "airut_boot_phase{phase=\"ready\"}"), Some(1.0));
    assert_eq!(
        value(&text, "airut_boot_phase{phase=\"starting\"}"),
        Some(0.0)
    );
    assert_eq!(
        value(&text, "airut_repo_state{repo=\"alpha\",state=\"live\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "airut_repo_state{repo=\"alpha\",state=\"failed\"}"),
        Some(0.0)
    );
    assert_eq!(
        value(
            &text,
            "airut_channel_state{repo=\"alpha\",channel=\"email\",state=\"connected\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            "airut_channel_state{repo=\"alpha\",channel=\"email\",state=\"degraded\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        value(&text, "airut_running_tasks{repo=\"alpha\"}"),
        Some(0.0)
    );
    assert_eq!(
        value(&text, "airut_queued_tasks{repo=\"alpha\"}"),
        Some(0.0)
    );
    assert_eq!(
        value(&text, "airut_queued_messages{repo=\"alpha\"}"),
        Some(0.0)
    );
    assert_eq!(
        value(
            &text,
            "airut_intake_backlog{repo=\"alpha\",state=\"queued\"}"
        ),
        Some(0.0)
    );
    for family in [
        "airut_tasks_finished_total counter",
        "airut_task_duration_seconds histogram",
        "airut_proxy_requests_total counter",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family}\n")),
            "{family}\n{text}"
        );
    }
}

#[test]
fn counters_histograms_and_gauges_show_their_values() {
    let mut metrics = GatewayMetrics::new(0);
    let t = TaskRef {
        repo_id: "alpha".into(),
        conversation_id: ConversationId::from_u32(1),
        task_id: format!("{}-1", ConversationId::from_u32(1).as_str()),
    };
    metrics.observe(
        &GatewayEvent::TaskStarted {
            task: t.clone(),
            resumed_session: None,
            at_ms: 0,
        },
        0,
    );
    metrics.observe(
        &GatewayEvent::TaskFinished {
            task: t,
            outcome: "success".into(),
            error: None,
            session_id: None,
            cost_usd: None,
            replied: true,
            at_ms: 42_000,
        },
        42_000,
    );
    metrics.add_network(
        "alpha",
        &NetworkDecisions {
            requests: [(("http", "blocked"), 2)].into(),
            credentials: [("masked", 1)].into(),
            unreadable: 0,
        },
    );
    let mut live = live();
    live.tasks_running.insert("alpha".into(), 1);
    let backlog = IntakeBacklog {
        entries: [(("alpha".to_string(), "running"), 3)].into(),
        damaged: 0,
    };
    let text = scrape_text(&metrics, &live, Some(&backlog));
    assert_eq!(
        value(
            &text,
            "airut_tasks_finished_total{repo=\"alpha\",outcome=\"success\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "airut_tasks_started_total{repo=\"alpha\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "airut_task_duration_seconds_count{repo=\"alpha\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "airut_task_duration_seconds_sum{repo=\"alpha\"}"),
        Some(42.0)
    );
    assert_eq!(
        value(
            &text,
            "airut_task_duration_seconds_bucket{repo=\"alpha\",le=\"30\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        value(
            &text,
            "airut_task_duration_seconds_bucket{repo=\"alpha\",le=\"60\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            "airut_task_first_event_seconds_count{repo=\"alpha\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        value(&text, "airut_running_tasks{repo=\"alpha\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            "airut_intake_backlog{repo=\"alpha\",state=\"running\"}"
        ),
        Some(3.0)
    );
    assert_eq!(
        value(
            &text,
            "airut_proxy_requests_total{repo=\"alpha\",kind=\"http\",verdict=\"blocked\"}"
        ),
        Some(2.0)
    );
    assert_eq!(
        value(
            &text,
            "airut_proxy_credentials_total{repo=\"alpha\",action=\"masked\"}"
        ),
        Some(1.0)
    );
}

#[test]
fn an_unreadable_journal_leaves_the_backlog_out() {
    let text = scrape_text(&GatewayMetrics::new(0), &live(), None);
    assert!(!text.contains("airut_intake_backlog"), "{text}");
}

/// Every line is a comment of the two kinds or a sample with a valid
/// name, well-formed labels and a number; a family is declared before
/// its samples and only once.
#[test]
fn the_output_is_well_formed() {
    let mut metrics = GatewayMetrics::new(0);
    metrics.observe(
        &GatewayEvent::MessageRejected {
            repo_id: "alpha".into(),
            channel: "email".into(),
            sender: "x".into(),
            kind: "unauthorized".into(),
            reason: "r".into(),
            at_ms: 0,
        },
        0,
    );
    let mut live = live();
    live.channels
        .insert(("alpha".into(), "slack".into()), "weird \"state\"".into());
    let text = scrape_text(&metrics, &live, Some(&IntakeBacklog::default()));
    let mut declared: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("type line");
            assert!(valid_name(name, false), "{line}");
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert!(
                declared.insert(name.into(), kind.into()).is_none(),
                "twice: {line}"
            );
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let name_end = line.find(['{', ' ']).expect("sample line");
        let name = &line[..name_end];
        assert!(valid_name(name, false), "{line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| declared.get(*f).is_some_and(|k| k == "histogram"))
            })
            .unwrap_or(name);
        assert!(declared.contains_key(family), "undeclared: {line}");
        let value = line.rsplit(' ').next().expect("value");
        assert!(value.parse::<f64>().is_ok() || value == "+Inf", "{line}");
    }
    assert!(
        text.contains("state=\"weird \\\"state\\\"\"} 1\n"),
        "{text}"
    );
}
