//! Which model and effort a task runs with.

/// Used when neither the message, the conversation nor the repo names one.
pub const DEFAULT_MODEL: &str = "opus";

/// Longest model name accepted from a message; real names are far shorter.
const MAX_MODEL_NAME: usize = 64;

#[derive(Debug, Clone, Copy, Default)]
pub struct ModelInputs<'a> {
    /// From the message (e.g. email plus-addressing); untrusted.
    pub hint: Option<&'a str>,
    /// What the conversation ran with last time.
    pub stored_model: Option<&'a str>,
    pub stored_effort: Option<&'a str>,
    /// `repos.<id>.model` and `repos.<id>.effort`.
    pub repo_model: Option<&'a str>,
    pub repo_effort: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelChoice {
    pub model: String,
    /// `None`: pass no `--effort` and let Claude decide.
    pub effort: Option<String>,
    pub source: ModelSource,
    /// A hint that was not a plausible model name, for a warning.
    pub rejected_hint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSource {
    Hint,
    Conversation,
    Repo,
    Default,
}

/// Model: message hint > conversation's stored model > repo model >
/// [`DEFAULT_MODEL`]. The hint wins even on a resumed conversation: the
/// sender asked for it explicitly, and the caller stores the new choice.
/// Effort: the conversation's stored effort > the repo's.
pub fn select_model(inputs: &ModelInputs<'_>) -> ModelChoice {
    let hint = inputs.hint.map(str::trim).filter(|h| !h.is_empty());
    let valid_hint = hint.filter(|h| is_model_name(h));
    let rejected_hint = hint.filter(|h| !is_model_name(h)).map(str::to_string);
    let (model, source) = if let Some(hint) = valid_hint {
        (hint, ModelSource::Hint)
    } else if let Some(stored) = present(inputs.stored_model) {
        (stored, ModelSource::Conversation)
    } else if let Some(repo) = present(inputs.repo_model) {
        (repo, ModelSource::Repo)
    } else {
        (DEFAULT_MODEL, ModelSource::Default)
    };
    let effort = present(inputs.stored_effort)
        .or(present(inputs.repo_effort))
        .map(str::to_string);
    ModelChoice {
        model: model.to_string(),
        effort,
        source,
        rejected_hint,
    }
}

fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The hint becomes a `--model` argument, so only name-like text passes
/// (`claude-sonnet-4-5`, `opus`, `claude-3.5-haiku`).
fn is_model_name(name: &str) -> bool {
    name.len() <= MAX_MODEL_NAME
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '[' | ']'))
}
