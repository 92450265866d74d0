//! One logged-in IMAP session: TCP, TLS (implicit or STARTTLS), login with
//! a password or an OAuth2 token (XOAUTH2).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::Session;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::MailError;
use super::tls;
use crate::config::{ImapConfig, TlsMode};

/// Connect and login must finish within this; a dead server is noticed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub enum ImapStream {
    Tls(Box<TlsStream<TcpStream>>),
    Plain(TcpStream),
}

impl AsyncRead for ImapStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            ImapStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ImapStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            ImapStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            ImapStream::Plain(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            ImapStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

pub type ImapSession = Session<ImapStream>;

/// How to log in.
#[derive(Clone)]
pub enum ImapLogin {
    Password {
        username: String,
        password: String,
    },
    /// XOAUTH2 with a bearer token (Microsoft 365).
    OAuth2 {
        username: String,
        token: String,
    },
}

/// The XOAUTH2 initial response; a second challenge carries the server's
/// JSON error, which the protocol answers with an empty line (sending the
/// token again would only expose it once more).
struct XOAuth2 {
    response: String,
    sent: bool,
}

impl async_imap::Authenticator for XOAuth2 {
    type Response = String;

    fn process(&mut self, _challenge: &[u8]) -> String {
        if std::mem::replace(&mut self.sent, true) {
            String::new()
        } else {
            self.response.clone()
        }
    }
}

pub async fn open(
    config: &ImapConfig,
    tls_config: Arc<rustls::ClientConfig>,
    login: &ImapLogin,
) -> Result<ImapSession, MailError> {
    tokio::time::timeout(CONNECT_TIMEOUT, open_inner(config, tls_config, login))
        .await
        .map_err(|_| {
            MailError::Connect(format!(
                "{}:{} did not answer in time",
                config.server, config.port
            ))
        })?
}

async fn open_inner(
    config: &ImapConfig,
    tls_config: Arc<rustls::ClientConfig>,
    login: &ImapLogin,
) -> Result<ImapSession, MailError> {
    let address = (config.server.as_str(), config.port);
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| MailError::Connect(format!("{}:{}: {e}", config.server, config.port)))?;
    let stream = match config.tls {
        TlsMode::Implicit => {
            ImapStream::Tls(Box::new(tls::wrap(tls_config, &config.server, tcp).await?))
        }
        TlsMode::None => ImapStream::Plain(tcp),
        TlsMode::StartTls => {
            let mut client = async_imap::Client::new(tcp);
            greeting(&mut client).await?;
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|e| {
                    MailError::Connect(format!("STARTTLS refused by {}: {e}", config.server))
                })?;
            let tcp = client.into_inner();
            ImapStream::Tls(Box::new(tls::wrap(tls_config, &config.server, tcp).await?))
        }
    };
    let mut client = async_imap::Client::new(stream);
    if config.tls != TlsMode::StartTls {
        greeting(&mut client).await?;
    }
    let session = match login {
        ImapLogin::Password { username, password } => client
            .login(username, password)
            .await
            .map_err(|(e, _)| MailError::Login(format!("IMAP login as {username}: {e}")))?,
        ImapLogin::OAuth2 { username, token } => {
            let sasl = format!("user={username}\x01auth=Bearer {token}\x01\x01");
            client
                .authenticate(
                    "XOAUTH2",
                    XOAuth2 {
                        response: sasl,
                        sent: false,
                    },
                )
                .await
                .map_err(|(e, _)| MailError::Login(format!("IMAP XOAUTH2 as {username}: {e}")))?
        }
    };
    Ok(session)
}

async fn greeting<T>(client: &mut async_imap::Client<T>) -> Result<(), MailError>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(MailError::Connect(
            "the server closed the connection before its greeting".into(),
        )),
        Err(e) => Err(MailError::Connect(format!("reading the greeting: {e}"))),
    }
}
