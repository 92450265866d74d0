use super::*;

#[test]
fn gmail_attribution_on_one_line() {
    let lines = [
        "Thanks!",
        "",
        "On Mon, Jan 1, 2024 at 10:00 AM Ann <ann@example.com> wrote:",
    ];
    assert_eq!(trailing_attribution_start(&lines), Some(2));
}

#[test]
fn wrapped_attribution_is_taken_whole() {
    let lines = [
        "Thanks!",
        "",
        "On Mon, Jan 1, 2024 at 10:00 AM Ann Example <",
        "ann@example.com> wrote:",
    ];
    assert_eq!(trailing_attribution_start(&lines), Some(2));
}

#[test]
fn german_attribution() {
    let lines = ["Am 01.01.2024 um 10:00 schrieb Ann <ann@example.com>:"];
    assert_eq!(trailing_attribution_start(&lines), Some(0));
    let lines = ["Ann <ann@example.com> schrieb:"];
    assert_eq!(trailing_attribution_start(&lines), Some(0));
}

#[test]
fn prose_ending_in_wrote_is_not_attribution() {
    let lines = ["Here is what my colleague wrote:"];
    assert_eq!(trailing_attribution_start(&lines), None);
}

#[test]
fn no_lines_no_attribution() {
    assert_eq!(trailing_attribution_start(&[]), None);
    assert_eq!(trailing_attribution_start(&["", "  "]), None);
}

#[test]
fn original_message_lines() {
    assert!(is_original_message_line("-----Original Message-----"));
    assert!(is_original_message_line("  ----- Original Message -----  "));
    assert!(is_original_message_line(
        "-----Ursprüngliche Nachricht-----"
    ));
    assert!(!is_original_message_line("Original Message"));
    assert!(!is_original_message_line("-----"));
}

#[test]
fn rules() {
    assert!(is_rule_line("---"));
    assert!(is_rule_line("________________________________"));
    assert!(!is_rule_line("--"));
    assert!(!is_rule_line("-- "));
    assert!(!is_rule_line("___"));
}

#[test]
fn forward_subjects() {
    assert!(is_forward_subject("Fwd: report"));
    assert!(is_forward_subject("FW: report"));
    assert!(is_forward_subject("WG: Bericht"));
    assert!(is_forward_subject("[Fwd: report]"));
    assert!(!is_forward_subject("Re: Fwd: report"));
    assert!(!is_forward_subject("Forward planning"));
    assert!(looks_forwarded("---------- Forwarded message ---------"));
    assert!(looks_forwarded("Begin forwarded message:"));
    assert!(!looks_forwarded("On Monday Ann wrote:"));
}
