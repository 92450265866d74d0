//! Starts a repo's email channel: the IMAP listener (journaling through
//! [`EmailIntake`]) and the SMTP side ([`EmailChannel`]), and reports the
//! listener's health as `ChannelHealth` events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::Addr;
use futures_util::future::BoxFuture;

use super::compose::ComposeLimits;
use super::imap_session::ImapLogin;
use super::intake::EmailIntake;
use super::listener::{self, ListenerSettings, LoginSource};
use super::outbound::EmailChannel;
use super::sender::{SmtpLogin, SmtpSender};
use super::{MailError, SmtpLoginSource, tls};
use crate::channel::{
    ChannelContext, ChannelError, ChannelFactory, StartedChannel, spawn_listener,
};
use crate::config::{ChannelKind, EmailConfig, RepoConfig};
use crate::repo::RepoActor;

/// The listener waits at most this long between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// All attachments of one reply together.
const MAX_TOTAL_ATTACHMENTS: u64 = 25 * 1024 * 1024;

/// Password logins from the config.
struct PasswordLogin {
    username: String,
    password: String,
}

impl LoginSource for PasswordLogin {
    fn login(&self) -> BoxFuture<'_, Result<ImapLogin, MailError>> {
        Box::pin(async move {
            Ok(ImapLogin::Password {
                username: self.username.clone(),
                password: self.password.clone(),
            })
        })
    }
}

impl SmtpLoginSource for PasswordLogin {
    fn login(&self) -> BoxFuture<'_, Result<SmtpLogin, MailError>> {
        Box::pin(async move {
            Ok(SmtpLogin::Password {
                username: self.username.clone(),
                password: self.password.clone(),
            })
        })
    }
}

struct NoSmtpLogin;

impl SmtpLoginSource for NoSmtpLogin {
    fn login(&self) -> BoxFuture<'_, Result<SmtpLogin, MailError>> {
        Box::pin(async { Ok(SmtpLogin::None) })
    }
}

pub struct EmailChannelFactory;

impl ChannelFactory for EmailChannelFactory {
    fn start<'a>(
        &'a self,
        repo: &'a RepoConfig,
        intake: Addr<RepoActor>,
        context: ChannelContext,
    ) -> BoxFuture<'a, Result<StartedChannel, ChannelError>> {
        Box::pin(async move {
            let Some(email) = &repo.email else {
                return Err(ChannelError(format!(
                    "repo {} has no email block",
                    repo.repo_id
                )));
            };
            start_email(&repo.repo_id, email, intake, context)
                .map_err(|e| ChannelError(e.to_string()))
        })
    }
}

fn start_email(
    repo_id: &str,
    email: &EmailConfig,
    intake: Addr<RepoActor>,
    context: ChannelContext,
) -> Result<StartedChannel, MailError> {
    let (imap_login, smtp_login): (Arc<dyn LoginSource>, Arc<dyn SmtpLoginSource>) =
        match (&email.account.password, &email.microsoft_oauth2) {
            (Some(password), _) => {
                let login = Arc::new(PasswordLogin {
                    username: email.account.username.clone(),
                    password: password.expose().to_string(),
                });
                let smtp: Arc<dyn SmtpLoginSource> = if email.smtp.require_auth {
                    login.clone()
                } else {
                    Arc::new(NoSmtpLogin)
                };
                (login, smtp)
            }
            (None, Some(oauth)) => {
                let tokens = Arc::new(super::oauth2::TokenSource::microsoft(
                    email.account.username.clone(),
                    oauth,
                )?);
                (tokens.clone(), tokens)
            }
            (None, None) => {
                return Err(MailError::Config(
                    "email.account.password or email.microsoft_oauth2 is required".into(),
                ));
            }
        };
    let authenticator = match email.auth.verify {
        crate::config::VerifyMode::Header => None,
        _ => Some(Arc::new(
            mail_auth::MessageAuthenticator::new_system_conf().map_err(|e| {
                MailError::Config(format!("DNS resolver for local verification: {e}"))
            })?,
        )),
    };
    let handler = Arc::new(EmailIntake {
        repo_id: repo_id.to_string(),
        account_address: email.account.username.clone(),
        policy: (&email.auth).into(),
        authenticator,
        repo: intake,
        staging: context.repo_dir.join("incoming"),
        events: context.events.clone(),
    });
    let settings = ListenerSettings {
        imap: email.imap.clone(),
        tls: tls::client_config(email.imap.ca_file.as_deref())?,
        login: imap_login,
        max_backoff: MAX_BACKOFF,
    };
    let listener = spawn_listener(repo_id, "email", context.events.clone(), |health, stop| {
        listener::run(settings, handler, health, stop)
    });
    let channel = EmailChannel {
        from: email.account.from.clone(),
        store: context.store.clone(),
        sender: SmtpSender::new(email.smtp.clone())?,
        login: smtp_login,
        limits: ComposeLimits {
            max_attachment_bytes: email.smtp.max_attachment_bytes,
            max_total_bytes: MAX_TOTAL_ATTACHMENTS.max(email.smtp.max_attachment_bytes),
        },
        dashboard_url: context.dashboard_url.clone(),
        threads: Mutex::new(HashMap::new()),
    };
    Ok(StartedChannel {
        kind: ChannelKind::Email,
        channel: Arc::new(channel),
        listener: Some(listener),
    })
}
