use super::*;

fn failed_run(resume: Option<&str>) -> TaskRun {
    TaskRun {
        prompt: "original".into(),
        model: "sonnet".into(),
        effort: Some("max".into()),
        resume_session: resume.map(str::to_string),
    }
}

fn input(last_reply: Option<&str>) -> RecoveryInput<'_> {
    RecoveryInput {
        cause: RecoveryCause::PromptTooLong,
        channel_context: "CONTEXT",
        last_reply,
        request_body: "[Ann 2026-05-01 10:00:00 UTC]\nnext step",
    }
}

#[test]
fn recovery_keeps_model_and_effort_and_starts_fresh() {
    let run = recovery_run(&failed_run(Some("sess-1")), &input(Some("done A"))).expect("retry");
    assert_eq!(run.model, "sonnet");
    assert_eq!(run.effort.as_deref(), Some("max"));
    assert_eq!(run.resume_session, None);
}

#[test]
fn a_failed_fresh_session_is_not_retried() {
    assert_eq!(recovery_run(&failed_run(None), &input(None)), None);
}

#[test]
fn recovery_prompt_snapshot() {
    let prompt = recovery_prompt(&input(Some("I fixed A.\n")));
    let expected = "\
CONTEXT

This is a new session: the previous session of this conversation could not be resumed because it grew past the model's context limit, so you do not remember it. The workspace may hold work in progress from it.

Your last reply to the user was:

I fixed A.

Tell the user plainly that earlier context was lost. Look at the workspace (git status, git log, recently changed files) to pick up where things stand, and ask the user if the request is unclear without that context.

The user's new message:

[Ann 2026-05-01 10:00:00 UTC]
next step";
    assert_eq!(prompt, expected);
}

#[test]
fn recovery_prompt_without_reply_and_with_corruption() {
    let prompt = recovery_prompt(&RecoveryInput {
        cause: RecoveryCause::SessionCorrupted,
        ..input(Some("   "))
    });
    assert!(prompt.contains("saved history was rejected"));
    assert!(!prompt.contains("Your last reply"));
}

#[test]
fn long_last_reply_is_cut_on_a_char_boundary() {
    let reply = "é".repeat(3500);
    let prompt = recovery_prompt(&input(Some(&reply)));
    let kept = format!("{}\n[...truncated]", "é".repeat(3000));
    assert!(prompt.contains(&kept));
    assert!(!prompt.contains(&"é".repeat(3001)));
}
