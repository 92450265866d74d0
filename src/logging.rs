//! `tracing` set-up: human or JSON lines on stderr, with every configured
//! secret scrubbed from each line before it is written.

use std::io::{self, Write};
use std::sync::{Arc, RwLock};

use airut_actors::config::SecretRegistry;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::cli::LogFormat;

/// The secrets to scrub. Logging starts before the config is read, so the
/// set is filled in (and replaced on reload) after start-up.
#[derive(Clone, Default)]
pub struct LogRedaction {
    registry: Arc<RwLock<SecretRegistry>>,
}

impl LogRedaction {
    /// `text` with the registered secrets replaced, for output that does not
    /// go through tracing (the final error message).
    pub fn redact(&self, text: &str) -> String {
        match self.registry.read() {
            Ok(registry) => registry.redact(text).into_owned(),
            Err(_) => "[message dropped: redaction unavailable]".to_string(),
        }
    }

    /// Adds the secrets of a (re)loaded config. Secrets of earlier loads
    /// stay: a task started before a reload still holds the old values.
    pub fn add(&self, registry: &SecretRegistry) {
        if let Ok(mut guard) = self.registry.write() {
            guard.extend(registry);
        }
    }
}

/// Writes each formatted event to stderr, redacted. tracing-subscriber's fmt
/// layer formats an event into one buffer and writes it with one call, so a
/// secret is never split across two writes.
pub struct RedactingStderr {
    registry: Arc<RwLock<SecretRegistry>>,
}

impl Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let mut stderr = io::stderr().lock();
        match self.registry.read() {
            Ok(registry) => stderr.write_all(registry.redact(&text).as_bytes())?,
            // A poisoned lock means a panic mid-update; drop the line rather
            // than risk writing a secret.
            Err(_) => stderr.write_all(b"[log line dropped: redaction unavailable]\n")?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

impl<'a> MakeWriter<'a> for LogRedaction {
    type Writer = RedactingStderr;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingStderr {
            registry: Arc::clone(&self.registry),
        }
    }
}

/// Installs the global subscriber. The level comes from `AIRUT_LOG` (or
/// `RUST_LOG`), else `default_level`.
pub fn init(format: LogFormat, default_level: &str) -> LogRedaction {
    let redaction = LogRedaction::default();
    let filter = EnvFilter::try_from_env("AIRUT_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new(default_level));
    // Colours only for a person at a terminal, never in journald or files.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(redaction.clone());
    let result = match format {
        LogFormat::Human => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    if let Err(err) = result {
        eprintln!("airut: logging not initialised: {err}");
    }
    redaction
}
