use serde_json::json;

use super::*;

#[test]
fn frames_are_sorted() {
    assert_eq!(
        step(r#"{"type":"hello","num_connections":1,"connection_info":{"app_id":"A1"}}"#),
        Step::Hello
    );
    assert_eq!(
        step(r#"{"type":"disconnect","reason":"refresh_requested"}"#),
        Step::Disconnect("refresh_requested".into())
    );
    let envelope = json!({"envelope_id": "e1", "type": "events_api",
        "accepts_response_payload": false, "retry_attempt": 0, "retry_reason": "",
        "payload": {"type": "event_callback", "event": {"type": "message"}}});
    assert_eq!(
        step(&envelope.to_string()),
        Step::Event {
            envelope_id: "e1".into(),
            payload: json!({"type": "event_callback", "event": {"type": "message"}})
        }
    );
    assert_eq!(
        step(r#"{"type":"interactive","envelope_id":"e2","payload":{}}"#),
        Step::AckOnly("e2".into())
    );
    assert_eq!(step("not json"), Step::Ignore);
    assert_eq!(step(r#"{"type":"events_api"}"#), Step::Ignore);
}

#[test]
fn ack_names_the_envelope_only() {
    let ack: Value = serde_json::from_str(&ack_frame("e\"1")).expect("json");
    assert_eq!(ack, json!({"envelope_id": "e\"1"}));
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let max = Duration::from_secs(60);
    let mut wait = Duration::from_secs(1);
    let mut seen = Vec::new();
    for _ in 0..8 {
        seen.push(wait.as_secs());
        wait = next_backoff(wait, max);
    }
    assert_eq!(seen, vec![1, 2, 4, 8, 16, 32, 60, 60]);
}
