//! The Claude Code binary: the operator's own, or a release downloaded once
//! per version into a host cache and bind-mounted read-only into task
//! containers (images never contain Claude Code).
//!
//! Pure parts, no I/O: [`version`] (what may be asked for), [`platform`]
//! (which build fits), [`manifest`] (release metadata), [`resolutions`]
//! (the channel file), and the retry classification in [`error`].
//! I/O: [`release_server`] (HTTP), `download` (one verified attempt),
//! `layout` and `lock` (the cache directory), `resolver` (channel answers),
//! and [`ClaudeBinaryCache`], which ties them together.
//!
//! See `spec/claude-binary.md`.

mod cache;
mod download;
pub mod error;
mod layout;
mod local;
pub mod manifest;
pub mod platform;
pub mod release_server;
pub mod resolutions;
mod resolver;
pub mod retry;
pub mod version;

#[cfg(test)]
mod cache_tests;
#[cfg(test)]
mod pure_tests;
#[cfg(test)]
mod test_server;

pub use cache::{ClaudeBinary, ClaudeBinaryCache, ClaudeCacheOptions};
pub use error::ClaudeBinaryError;
pub use local::verify_local_binary;
pub use platform::{Arch, Platform};
pub use release_server::DEFAULT_BASE_URL;
pub use version::{Channel, ClaudeSource, VersionRequest};

/// Where task containers see the binary (mounted read-only).
pub const CLAUDE_MOUNT_PATH: &str = "/opt/claude/claude";
