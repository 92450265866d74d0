use super::*;

#[test]
fn model_and_effort_table() {
    // (name, hint, stored model, stored effort, repo model, repo effort) →
    // (model, effort, source)
    #[allow(clippy::type_complexity)]
    let cases: &[(&str, [Option<&str>; 5], (&str, Option<&str>, ModelSource))] = &[
        (
            "nothing set",
            [None, None, None, None, None],
            ("opus", None, ModelSource::Default),
        ),
        (
            "repo model",
            [None, None, None, Some("sonnet"), None],
            ("sonnet", None, ModelSource::Repo),
        ),
        (
            "blank repo model",
            [None, None, None, Some(" "), None],
            ("opus", None, ModelSource::Default),
        ),
        (
            "stored beats repo",
            [None, Some("haiku"), None, Some("sonnet"), Some("high")],
            ("haiku", Some("high"), ModelSource::Conversation),
        ),
        (
            "hint beats stored",
            [
                Some("sonnet"),
                Some("haiku"),
                Some("low"),
                Some("opus"),
                Some("max"),
            ],
            ("sonnet", Some("low"), ModelSource::Hint),
        ),
        (
            "hint on new",
            [Some(" opus[1m] "), None, None, Some("sonnet"), None],
            ("opus[1m]", None, ModelSource::Hint),
        ),
        (
            "repo effort",
            [None, None, None, None, Some("max")],
            ("opus", Some("max"), ModelSource::Default),
        ),
        (
            "blank stored effort",
            [None, None, Some(""), None, Some("medium")],
            ("opus", Some("medium"), ModelSource::Default),
        ),
        (
            "blank hint ignored",
            [Some("  "), Some("haiku"), None, None, None],
            ("haiku", None, ModelSource::Conversation),
        ),
    ];
    for (
        name,
        [hint, stored_model, stored_effort, repo_model, repo_effort],
        (model, effort, source),
    ) in cases
    {
        let choice = select_model(&ModelInputs {
            hint: *hint,
            stored_model: *stored_model,
            stored_effort: *stored_effort,
            repo_model: *repo_model,
            repo_effort: *repo_effort,
        });
        assert_eq!(choice.model, *model, "{name}");
        assert_eq!(choice.effort.as_deref(), *effort, "{name}");
        assert_eq!(choice.source, *source, "{name}");
        assert_eq!(choice.rejected_hint, None, "{name}");
    }
}

#[test]
fn implausible_hints_are_rejected_not_passed_to_claude() {
    for bad in [
        "--dangerously-skip-permissions",
        "opus; rm -rf /",
        "a b",
        &"x".repeat(65),
    ] {
        let choice = select_model(&ModelInputs {
            hint: Some(bad),
            stored_model: Some("haiku"),
            ..ModelInputs::default()
        });
        assert_eq!(choice.model, "haiku", "{bad}");
        assert_eq!(choice.rejected_hint.as_deref(), Some(bad));
    }
}
