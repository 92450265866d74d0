//! SMTP submission (reference E19): STARTTLS on 587 or implicit TLS on
//! 465, certificates verified (plus the operator's private CA), a password
//! or an OAuth2 token, and up to three attempts for transient failures.

use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tracing::warn;

use super::MailError;
use crate::config::{SmtpConfig, TlsMode};

const ATTEMPTS: u32 = 3;
const TIMEOUT: Duration = Duration::from_secs(60);

/// How to authenticate a submission.
#[derive(Clone)]
pub enum SmtpLogin {
    None,
    Password { username: String, password: String },
    OAuth2 { username: String, token: String },
}

pub struct SmtpSender {
    config: SmtpConfig,
    ca_pem: Option<Vec<u8>>,
}

impl SmtpSender {
    pub fn new(config: SmtpConfig) -> Result<SmtpSender, MailError> {
        let ca_pem =
            match &config.ca_file {
                Some(path) => Some(std::fs::read(path).map_err(|e| {
                    MailError::Config(format!("smtp ca_file {}: {e}", path.display()))
                })?),
                None => None,
            };
        Ok(SmtpSender { config, ca_pem })
    }

    fn transport(
        &self,
        login: &SmtpLogin,
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
        let server = self.config.server.clone();
        let tls = match self.config.tls {
            TlsMode::None => Tls::None,
            mode => {
                let mut params = TlsParameters::builder(server.clone());
                if let Some(pem) = &self.ca_pem {
                    let cert = Certificate::from_pem(pem)
                        .map_err(|e| MailError::Config(format!("smtp ca_file: {e}")))?;
                    params = params.add_root_certificate(cert);
                }
                let params = params
                    .build_rustls()
                    .map_err(|e| MailError::Config(format!("SMTP TLS: {e}")))?;
                if mode == TlsMode::Implicit {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server)
            .port(self.config.port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
        builder = match login {
            SmtpLogin::None => builder,
            SmtpLogin::Password { username, password } => builder
                .credentials(Credentials::new(username.clone(), password.clone()))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]),
            SmtpLogin::OAuth2 { username, token } => builder
                .credentials(Credentials::new(username.clone(), token.clone()))
                .authentication(vec![Mechanism::Xoauth2]),
        };
        Ok(builder.build())
    }

    /// Sends `message`; transient failures (4xx, connection errors) are
    /// retried after 1 s and 2 s.
    pub async fn send(&self, message: &Message, login: &SmtpLogin) -> Result<(), MailError> {
        let transport = self.transport(login)?;
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            match transport.send(message.clone()).await {
                Ok(_) => return Ok(()),
                Err(error) if error.is_permanent() => {
                    return Err(MailError::Smtp(format!("{}: {error}", self.config.server)));
                }
                Err(error) => {
                    last = error.to_string();
                    if attempt < ATTEMPTS {
                        warn!(
                            server = self.config.server,
                            attempt, "SMTP: {error}; retrying"
                        );
                        tokio::time::sleep(Duration::from_secs(u64::from(attempt))).await;
                    }
                }
            }
        }
        Err(MailError::Smtp(format!(
            "{}: {last} (after {ATTEMPTS} attempts)",
            self.config.server
        )))
    }
}
