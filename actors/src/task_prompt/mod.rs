//! Building what a task runs: the prompt (channel context, attributed
//! messages), the model and effort, and the recovery prompt for a fresh
//! session after an unresumable one. Pure; see `spec/intake.md`.

mod context;
mod model;
mod prompt;
mod recovery;

pub use context::{base_context, channel_context};
pub use model::{DEFAULT_MODEL, ModelChoice, ModelInputs, ModelSource, select_model};
pub use prompt::{PromptInput, build_prompt, compose_body};
pub use recovery::{RecoveryCause, RecoveryInput, TaskRun, recovery_prompt, recovery_run};

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod prompt_tests;
#[cfg(test)]
mod recovery_tests;
