use serde_json::json;

use super::*;

fn event(value: Value) -> SlackEvent {
    serde_json::from_value(value).expect("event")
}

fn filters() -> Filters {
    Filters {
        bot_user_id: Some("UBOT".into()),
        allowed_channels: Vec::new(),
    }
}

fn never(_: &str) -> bool {
    false
}

fn candidate(c: Classified) -> Candidate {
    match c {
        Classified::Message(c) => c,
        other => panic!("expected a message, got {other:?}"),
    }
}

fn ignored(c: Classified) -> Ignored {
    match c {
        Classified::Ignore(why) => why,
        other => panic!("expected it ignored, got {other:?}"),
    }
}

#[test]
fn dm_in_an_assistant_thread_is_work() {
    let c = candidate(classify(
        &event(
            json!({"type": "message", "channel_type": "im", "channel": "D1",
            "user": "U1", "text": "fix it", "ts": "2.0", "thread_ts": "1.0"}),
        ),
        &filters(),
        never,
    ));
    assert_eq!(c.surface, Surface::Dm);
    assert_eq!(c.engagement, Engagement::Dm);
    assert_eq!(c.dedupe_key(), "slack:D1:2.0");
    assert_eq!(c.thread_key(), "slack:D1:1.0");
    assert!(!c.joins_existing_thread(), "DMs never replay history");
}

#[test]
fn top_level_dm_roots_its_own_thread() {
    let c = candidate(classify(
        &event(
            json!({"type": "message", "channel_type": "im", "channel": "D1",
            "user": "U1", "text": "hi", "ts": "5.0"}),
        ),
        &filters(),
        never,
    ));
    assert_eq!(c.thread_key(), "slack:D1:5.0");
}

#[test]
fn app_mention_and_message_of_one_post_share_the_dedupe_key() {
    let mention = candidate(classify(
        &event(json!({"type": "app_mention", "channel": "C1", "user": "U1",
            "text": "<@UBOT> go", "ts": "7.0"})),
        &filters(),
        never,
    ));
    let message = candidate(classify(
        &event(
            json!({"type": "message", "channel_type": "channel", "channel": "C1",
            "user": "U1", "text": "<@UBOT> go", "ts": "7.0"}),
        ),
        &filters(),
        never,
    ));
    assert_eq!(mention.dedupe_key(), message.dedupe_key());
    assert_eq!(mention.engagement, Engagement::Mention);
    assert_eq!(message.engagement, Engagement::Mention);
}

#[test]
fn labelled_mention_engages_too() {
    let c = candidate(classify(
        &event(
            json!({"type": "message", "channel_type": "group", "channel": "G1",
            "user": "U1", "text": "hey <@UBOT|airut> look", "ts": "7.0"}),
        ),
        &filters(),
        never,
    ));
    assert_eq!(c.engagement, Engagement::Mention);
}

#[test]
fn bots_are_dropped_first() {
    for kind in ["message", "app_mention"] {
        let why = ignored(classify(
            &event(json!({"type": kind, "channel_type": "im", "channel": "D1",
                "user": "U1", "bot_id": "B1", "subtype": "bot_message", "ts": "1.0"})),
            &filters(),
            |_| true,
        ));
        assert_eq!(why, Ignored::Bot);
    }
}

#[test]
fn subtypes_other_than_file_share_are_dropped() {
    for subtype in [
        "message_changed",
        "message_deleted",
        "channel_join",
        "thread_broadcast",
    ] {
        let why = ignored(classify(
            &event(
                json!({"type": "message", "channel_type": "im", "channel": "D1",
                "user": "U1", "subtype": subtype, "ts": "1.0"}),
            ),
            &filters(),
            never,
        ));
        assert_eq!(why, Ignored::Subtype(subtype.into()));
    }
    let upload = candidate(classify(
        &event(
            json!({"type": "message", "subtype": "file_share", "channel_type": "im",
            "channel": "D1", "user": "U1", "ts": "1.0", "files": [{"name": "a.txt"}]}),
        ),
        &filters(),
        never,
    ));
    assert!(upload.files.is_some());
}

#[test]
fn own_bot_user_is_dropped() {
    let why = ignored(classify(
        &event(
            json!({"type": "message", "channel_type": "im", "channel": "D1",
            "user": "UBOT", "text": "Hello!", "ts": "1.0"}),
        ),
        &filters(),
        never,
    ));
    assert_eq!(why, Ignored::OwnUser);
}

#[test]
fn allowlist_applies_to_channels_only() {
    let f = Filters {
        bot_user_id: Some("UBOT".into()),
        allowed_channels: vec!["C1".into()],
    };
    let why = ignored(classify(
        &event(json!({"type": "app_mention", "channel": "C2", "user": "U1",
            "text": "<@UBOT> go", "ts": "1.0"})),
        &f,
        |_| true,
    ));
    assert_eq!(why, Ignored::ChannelNotAllowed);
    candidate(classify(
        &event(json!({"type": "app_mention", "channel": "C1", "user": "U1",
            "text": "<@UBOT> go", "ts": "1.0"})),
        &f,
        never,
    ));
    candidate(classify(
        &event(
            json!({"type": "message", "channel_type": "im", "channel": "D9",
            "user": "U1", "text": "hi", "ts": "1.0", "thread_ts": "0.5"}),
        ),
        &f,
        never,
    ));
}

#[test]
fn unmentioned_channel_message_needs_an_engaged_thread() {
    let msg = event(
        json!({"type": "message", "channel_type": "channel", "channel": "C1",
        "user": "U2", "text": "and also this", "ts": "9.0", "thread_ts": "7.0"}),
    );
    assert_eq!(
        ignored(classify(&msg, &filters(), never)),
        Ignored::NotEngaged
    );
    let sticky = candidate(classify(&msg, &filters(), |key| key == "slack:C1:7.0"));
    assert_eq!(sticky.engagement, Engagement::Sticky);
    assert_eq!(sticky.thread_key(), "slack:C1:7.0");
}

#[test]
fn without_the_bot_id_only_app_mention_engages() {
    let f = Filters::default();
    let why = ignored(classify(
        &event(
            json!({"type": "message", "channel_type": "channel", "channel": "C1",
            "user": "U1", "text": "<@UBOT> go", "ts": "1.0"}),
        ),
        &f,
        never,
    ));
    assert_eq!(why, Ignored::NotEngaged);
    candidate(classify(
        &event(json!({"type": "app_mention", "channel": "C1", "user": "U1",
            "text": "<@UBOT> go", "ts": "1.0"})),
        &f,
        never,
    ));
}

#[test]
fn mention_in_a_reply_joins_an_existing_thread() {
    let reply = candidate(classify(
        &event(json!({"type": "app_mention", "channel": "C1", "user": "U1",
            "text": "<@UBOT> summarize", "ts": "9.0", "thread_ts": "7.0"})),
        &filters(),
        never,
    ));
    assert!(reply.joins_existing_thread());
    let top = candidate(classify(
        &event(json!({"type": "app_mention", "channel": "C1", "user": "U1",
            "text": "<@UBOT> go", "ts": "7.0", "thread_ts": "7.0"})),
        &filters(),
        never,
    ));
    assert!(
        !top.joins_existing_thread(),
        "a thread root is not mid-thread"
    );
}

#[test]
fn group_dms_and_unknown_events_are_ignored() {
    let why = ignored(classify(
        &event(
            json!({"type": "message", "channel_type": "mpim", "channel": "G1",
            "user": "U1", "text": "x", "ts": "1.0"}),
        ),
        &filters(),
        never,
    ));
    assert_eq!(why, Ignored::UnsupportedChannelType("mpim".into()));
    let why = ignored(classify(
        &event(json!({"type": "assistant_thread_context_changed"})),
        &filters(),
        never,
    ));
    assert_eq!(
        why,
        Ignored::Unhandled("assistant_thread_context_changed".into())
    );
    let why = ignored(classify(
        &event(json!({"type": "message", "channel_type": "im", "text": "x"})),
        &filters(),
        never,
    ));
    assert!(matches!(why, Ignored::Malformed(_)));
}

#[test]
fn assistant_thread_started_names_its_thread() {
    let c = classify(
        &event(
            json!({"type": "assistant_thread_started", "assistant_thread":
            {"user_id": "U1", "channel_id": "D1", "thread_ts": "3.0", "context": {}}}),
        ),
        &filters(),
        never,
    );
    assert_eq!(
        c,
        Classified::AssistantThreadStarted {
            channel: "D1".into(),
            thread_ts: "3.0".into()
        }
    );
}
