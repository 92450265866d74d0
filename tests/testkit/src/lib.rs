//! Test support for Airut's end-to-end tests.
//!
//! - [`model_server`]: a scripted Anthropic Messages API that the real
//!   Claude Code CLI talks to instead of Anthropic.
//! - [`claude_cli`]: runs the real Claude Code binary named by
//!   `AIRUT_TEST_CLAUDE` against such a server and collects its stream-json.

pub mod claude_cli;
pub mod model_server;
