//! The IMAP side of the email channel (reference E1–E3): the inbox is a
//! work queue. Every message is handed to the [`MessageHandler`] (which
//! journals it) and only then removed — deleted and expunged, or moved to
//! `processed_folder`; one the handler cannot parse goes to a quarantine
//! folder instead, so it is neither lost nor retried forever. Waits with
//! IDLE (re-issued every `idle_reconnect_interval`) or polls when the
//! server has no IDLE. Connection failures are retried forever with a
//! capped exponential backoff; the health says `degraded` meanwhile (the
//! reference gives up after a few tries).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use futures_util::future::BoxFuture;
use tokio::sync::watch;
use tracing::{info, warn};

use super::MailError;
use super::imap_session::{ImapLogin, ImapSession, open};
pub use crate::channel::ListenerHealth;
use crate::config::ImapConfig;

/// Where messages the parser cannot handle are kept for the operator.
pub const QUARANTINE_FOLDER: &str = "Airut-Quarantine";

/// One message as fetched.
#[derive(Debug, Clone)]
pub struct MailboxMessage {
    pub uid: u32,
    pub uid_validity: u32,
    pub raw: Vec<u8>,
}

/// What to do with a message once the handler is done with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Journaled (or rejected and recorded): remove it from the inbox.
    Done,
    /// Unreadable: move it to [`QUARANTINE_FOLDER`].
    Quarantine(String),
    /// Not durable yet (the journal failed): leave it and reconnect later.
    Retry(String),
}

pub trait MessageHandler: Send + Sync + 'static {
    fn handle(&self, message: MailboxMessage) -> BoxFuture<'_, Disposition>;
}

/// Supplies the login for each connection (OAuth2 tokens expire, so it is
/// asked again every time).
pub trait LoginSource: Send + Sync + 'static {
    fn login(&self) -> BoxFuture<'_, Result<ImapLogin, MailError>>;
}

pub struct ListenerSettings {
    pub imap: ImapConfig,
    pub tls: Arc<rustls::ClientConfig>,
    pub login: Arc<dyn LoginSource>,
    pub max_backoff: Duration,
}

/// Runs until `stop` turns true.
pub async fn run(
    settings: ListenerSettings,
    handler: Arc<dyn MessageHandler>,
    health: watch::Sender<ListenerHealth>,
    mut stop: watch::Receiver<bool>,
) {
    let mut failures = 0u32;
    loop {
        if *stop.borrow() {
            break;
        }
        let ran = session(&settings, &*handler, &health, &mut stop).await;
        match ran {
            Ok(()) => break,
            Err(error) => {
                failures = failures.saturating_add(1);
                let delay = backoff(failures, settings.max_backoff);
                warn!(
                    server = settings.imap.server,
                    attempt = failures,
                    "IMAP: {error}; reconnecting in {delay:?}"
                );
                let _ = health.send(ListenerHealth::Degraded {
                    error: error.to_string(),
                    attempt: failures,
                });
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
    let _ = health.send(ListenerHealth::Stopped);
}

/// 1 s doubling up to `max`.
fn backoff(failures: u32, max: Duration) -> Duration {
    Duration::from_secs(1)
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
        .min(max)
}

/// One connection: drain the inbox, wait, repeat. `Ok` only on stop.
async fn session(
    settings: &ListenerSettings,
    handler: &dyn MessageHandler,
    health: &watch::Sender<ListenerHealth>,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), MailError> {
    let login = settings.login.login().await?;
    let mut session = open(&settings.imap, Arc::clone(&settings.tls), &login).await?;
    let mailbox = session.select("INBOX").await.map_err(imap_error)?;
    let validity = mailbox.uid_validity.unwrap_or(0);
    let idle = settings.imap.use_idle
        && session
            .capabilities()
            .await
            .map_err(imap_error)?
            .has_str("IDLE");
    if let Some(folder) = &settings.imap.processed_folder {
        ensure_folder(&mut session, folder).await;
    }
    info!(server = settings.imap.server, idle, "IMAP connected");
    let _ = health.send(ListenerHealth::Connected);
    loop {
        drain(&mut session, validity, settings, handler).await?;
        if *stop.borrow() {
            let _ = session.logout().await;
            return Ok(());
        }
        if idle {
            let mut waiting = session.idle();
            waiting.init().await.map_err(imap_error)?;
            {
                let (wait, _interrupt) =
                    waiting.wait_with_timeout(settings.imap.idle_reconnect_interval);
                tokio::select! {
                    result = wait => { result.map_err(imap_error)?; }
                    _ = stop.changed() => {}
                }
            }
            session = waiting.done().await.map_err(imap_error)?;
        } else {
            tokio::select! {
                () = tokio::time::sleep(settings.imap.poll_interval) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

/// Every message in the inbox, oldest UID first.
async fn drain(
    session: &mut ImapSession,
    validity: u32,
    settings: &ListenerSettings,
    handler: &dyn MessageHandler,
) -> Result<(), MailError> {
    let uids: BTreeSet<u32> = session
        .uid_search("ALL")
        .await
        .map_err(imap_error)?
        .into_iter()
        .collect();
    for uid in uids {
        let fetched: Vec<_> = session
            .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
            .await
            .map_err(imap_error)?
            .try_collect()
            .await
            .map_err(imap_error)?;
        let Some(raw) = fetched.iter().find_map(|f| f.body()).map(<[u8]>::to_vec) else {
            // expunged meanwhile by someone else
            continue;
        };
        let disposition = handler
            .handle(MailboxMessage {
                uid,
                uid_validity: validity,
                raw,
            })
            .await;
        match disposition {
            Disposition::Done => match &settings.imap.processed_folder {
                Some(folder) => move_to(session, uid, folder).await?,
                None => delete(session, uid).await?,
            },
            Disposition::Quarantine(reason) => {
                warn!(uid, "quarantined: {reason}");
                ensure_folder(session, QUARANTINE_FOLDER).await;
                move_to(session, uid, QUARANTINE_FOLDER).await?;
            }
            Disposition::Retry(reason) => {
                return Err(MailError::Intake(format!(
                    "message {uid} kept for later: {reason}"
                )));
            }
        }
    }
    Ok(())
}

async fn delete(session: &mut ImapSession, uid: u32) -> Result<(), MailError> {
    let _: Vec<_> = session
        .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Deleted)")
        .await
        .map_err(imap_error)?
        .try_collect()
        .await
        .map_err(imap_error)?;
    let _: Vec<_> = session
        .uid_expunge(uid.to_string())
        .await
        .map_err(imap_error)?
        .try_collect()
        .await
        .map_err(imap_error)?;
    Ok(())
}

async fn move_to(session: &mut ImapSession, uid: u32, folder: &str) -> Result<(), MailError> {
    if session.uid_mv(uid.to_string(), folder).await.is_ok() {
        return Ok(());
    }
    // servers without MOVE: copy, then delete
    session
        .uid_copy(uid.to_string(), folder)
        .await
        .map_err(imap_error)?;
    delete(session, uid).await
}

/// Creates `folder` unless it exists (an error here is only logged: the
/// move that follows reports the real problem).
async fn ensure_folder(session: &mut ImapSession, folder: &str) {
    if let Err(error) = session.create(folder).await {
        let text = error.to_string();
        if !text.to_ascii_lowercase().contains("exist") {
            warn!(folder, "creating the folder: {text}");
        }
    }
}

fn imap_error(error: async_imap::error::Error) -> MailError {
    MailError::Imap(error.to_string())
}
