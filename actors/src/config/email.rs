//! The email channel of a repo (`repos.<id>.email`, C-5).

use std::path::PathBuf;
use std::time::Duration;

use super::diagnostics::{Diagnostics, Reported};
use super::fields::{Field, Section};
use super::secret::Secret;
use super::server::port;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailConfig {
    pub account: EmailAccount,
    pub imap: ImapConfig,
    pub smtp: SmtpConfig,
    pub auth: EmailAuth,
    /// Microsoft 365 client-credentials login; only set when all three
    /// values resolved.
    pub microsoft_oauth2: Option<MicrosoftOAuth2>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAccount {
    pub username: String,
    /// From address of replies (`Name <addr>` allowed); shown on the
    /// dashboard.
    pub from: String,
    /// Absent only when `microsoft_oauth2` is configured.
    pub password: Option<Secret>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImapConfig {
    pub server: String,
    pub port: u16,
    /// Connection attempts before giving up.
    pub connect_retries: u32,
    /// Time between polls when IDLE is off or unsupported.
    pub poll_interval: Duration,
    pub use_idle: bool,
    /// Re-issue IDLE this often (servers drop idle sessions after ~30 min).
    pub idle_reconnect_interval: Duration,
    pub tls: TlsMode,
    /// PEM file with extra trusted roots (a private CA); the system roots
    /// are trusted as well.
    pub ca_file: Option<PathBuf>,
    /// Processed messages are moved here instead of being deleted.
    pub processed_folder: Option<String>,
}

/// How a mail connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    Implicit,
    /// Plain, then `STARTTLS` (IMAP 143, SMTP 587); refused if the server
    /// does not offer it.
    StartTls,
    /// No TLS at all: loopback relays only; the credentials travel in clear.
    None,
}

/// How a sender is authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyMode {
    /// The trusted `Authentication-Results` header (reference E4).
    Header,
    /// DKIM and DMARC alignment checked by Airut (mail-auth).
    Local,
    /// Both must pass.
    Both,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpConfig {
    pub server: String,
    pub port: u16,
    pub require_auth: bool,
    pub tls: TlsMode,
    pub ca_file: Option<PathBuf>,
    /// Outbox files larger than this are named in the reply, not attached.
    pub max_attachment_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAuth {
    /// Sender patterns allowed to task Airut (`*@company.com`; matched
    /// case-insensitively).
    pub authorized_senders: Vec<String>,
    /// authserv-id whose Authentication-Results are trusted; empty for
    /// Microsoft 365.
    pub trusted_authserv_id: String,
    /// Accept Microsoft 365 intra-org mail that lacks DMARC results.
    pub microsoft_internal_fallback: bool,
    pub verify: VerifyMode,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MicrosoftOAuth2 {
    pub tenant_id: Secret,
    pub client_id: String,
    pub client_secret: Secret,
    /// The token service, `https://login.microsoftonline.com` unless set
    /// (national clouds; tests point it at a local server).
    pub authority: String,
}

pub const DEFAULT_OAUTH2_AUTHORITY: &str = "https://login.microsoftonline.com";

const EMAIL_KEYS: &[&str] = &["account", "imap", "smtp", "auth", "microsoft_oauth2"];

/// Flat keys of config_version 3, with where they live now.
const V3_FLAT_KEYS: &[(&str, &str)] = &[
    (
        "username",
        "moved to `account.username` in config_version 4",
    ),
    (
        "password",
        "moved to `account.password` in config_version 4",
    ),
    ("from", "moved to `account.from` in config_version 4"),
    ("imap_server", "moved to `imap.server` in config_version 4"),
    ("imap_port", "moved to `imap.port` in config_version 4"),
    ("smtp_server", "moved to `smtp.server` in config_version 4"),
    ("smtp_port", "moved to `smtp.port` in config_version 4"),
    (
        "smtp_require_auth",
        "moved to `smtp.require_auth` in config_version 4",
    ),
    (
        "authorized_senders",
        "moved to `auth.authorized_senders` in config_version 4",
    ),
    (
        "trusted_authserv_id",
        "moved to `auth.trusted_authserv_id` in config_version 4",
    ),
    (
        "microsoft_internal_auth_fallback",
        "moved to `auth.microsoft_internal_fallback` in config_version 4",
    ),
];

const DURATION_CAP_SECS: f64 = 365.0 * 24.0 * 3600.0;

/// `Ok(None)` when the repo has no `email:` block.
pub(crate) fn parse_email(
    field: &Field<'_>,
    d: &mut Diagnostics,
) -> Result<Option<EmailConfig>, Reported> {
    if !field.is_present() {
        return Ok(None);
    }
    let map = field.map(d).ok_or(Reported)?;
    let s = Section::with_moved(
        field.path.clone(),
        field.key_line,
        map,
        EMAIL_KEYS,
        V3_FLAT_KEYS,
        d,
    );
    let account = s
        .field("account")
        .req_section(d, &["username", "from", "password"])
        .map(|a| {
            (
                a.field("username").req_str(d),
                a.field("from").req_str(d),
                a.field("password").opt_secret(d),
                a,
            )
        });
    let imap = s
        .field("imap")
        .req_section(d, &IMAP_KEYS)
        .and_then(|i| parse_imap(&i, d));
    let smtp = s.field("smtp").req_section(d, &SMTP_KEYS).and_then(|m| {
        let server = m.field("server").req_str(d);
        let port = port(&m.field("port"), d, 587);
        let require_auth = m.field("require_auth").bool_or(d, true);
        let default_tls = if port == 465 {
            TlsMode::Implicit
        } else {
            TlsMode::StartTls
        };
        let tls = tls_mode(&m.field("tls"), d, default_tls);
        let ca_file = m.field("ca_file").opt_str(d).map(PathBuf::from);
        let max_mb: u64 = m.field("max_attachment_mb").opt_uint(d, 1).unwrap_or(10);
        Some(SmtpConfig {
            server: server?,
            port,
            require_auth,
            tls: tls?,
            ca_file,
            max_attachment_bytes: max_mb.saturating_mul(1024 * 1024),
        })
    });
    let auth = s
        .field("auth")
        .req_section(
            d,
            &[
                "authorized_senders",
                "trusted_authserv_id",
                "microsoft_internal_fallback",
                "verify",
            ],
        )
        .and_then(|a| {
            let senders = a.field("authorized_senders").req_str_list(d);
            let authserv = a.field("trusted_authserv_id").req_str_allow_empty(d);
            let fallback = a.field("microsoft_internal_fallback").bool_or(d, false);
            let verify = verify_mode(&a.field("verify"), d);
            Some(EmailAuth {
                authorized_senders: senders?,
                trusted_authserv_id: authserv?,
                microsoft_internal_fallback: fallback,
                verify: verify?,
            })
        });
    let microsoft_oauth2 = parse_oauth2(&s.field("microsoft_oauth2"), d);

    let (username, from, password, account_section) = account.ok_or(Reported)?;
    if password.is_none() && microsoft_oauth2.is_none() {
        let pw = account_section.field("password");
        d.error(
            &pw.path,
            pw.line(),
            format!(
                "required unless microsoft_oauth2 is configured, but it {}",
                pw.absence()
            ),
        );
        return Err(Reported);
    }
    let account = EmailAccount {
        username: username.ok_or(Reported)?,
        from: from.ok_or(Reported)?,
        password,
    };
    Ok(Some(EmailConfig {
        account,
        imap: imap.ok_or(Reported)?,
        smtp: smtp.ok_or(Reported)?,
        auth: auth.ok_or(Reported)?,
        microsoft_oauth2,
    }))
}

const IMAP_KEYS: [&str; 9] = [
    "server",
    "port",
    "connect_retries",
    "poll_interval",
    "use_idle",
    "idle_reconnect_interval",
    "tls",
    "ca_file",
    "processed_folder",
];

const SMTP_KEYS: [&str; 6] = [
    "server",
    "port",
    "require_auth",
    "tls",
    "ca_file",
    "max_attachment_mb",
];

/// `implicit`, `starttls` or `none`.
fn tls_mode(field: &Field<'_>, d: &mut Diagnostics, default: TlsMode) -> Option<TlsMode> {
    let Some(text) = field.opt_str(d) else {
        return Some(default);
    };
    match text.to_ascii_lowercase().as_str() {
        "implicit" => Some(TlsMode::Implicit),
        "starttls" => Some(TlsMode::StartTls),
        "none" => Some(TlsMode::None),
        _ => {
            d.error(
                &field.path,
                field.line(),
                format!("must be implicit, starttls or none, not {text:?}"),
            );
            None
        }
    }
}

/// `header` (default), `local` or `both`.
fn verify_mode(field: &Field<'_>, d: &mut Diagnostics) -> Option<VerifyMode> {
    let Some(text) = field.opt_str(d) else {
        return Some(VerifyMode::Header);
    };
    match text.to_ascii_lowercase().as_str() {
        "header" => Some(VerifyMode::Header),
        "local" => Some(VerifyMode::Local),
        "both" => Some(VerifyMode::Both),
        _ => {
            d.error(
                &field.path,
                field.line(),
                format!("must be header, local or both, not {text:?}"),
            );
            None
        }
    }
}

fn parse_imap(s: &Section<'_>, d: &mut Diagnostics) -> Option<ImapConfig> {
    let server = s.field("server").req_str(d);
    let port = port(&s.field("port"), d, 993);
    let connect_retries = s.field("connect_retries").opt_uint(d, 1).unwrap_or(3);
    let poll_interval = s.field("poll_interval").float_or(d, 60.0, 0.1);
    let use_idle = s.field("use_idle").bool_or(d, true);
    let idle_reconnect_interval = s.field("idle_reconnect_interval").float_or(d, 1740.0, 60.0);
    let default_tls = if port == 143 {
        TlsMode::StartTls
    } else {
        TlsMode::Implicit
    };
    let tls = tls_mode(&s.field("tls"), d, default_tls);
    let ca_file = s.field("ca_file").opt_str(d).map(PathBuf::from);
    let processed_folder = s
        .field("processed_folder")
        .opt_str(d)
        .filter(|f| !f.trim().is_empty());
    Some(ImapConfig {
        server: server?,
        port,
        connect_retries,
        poll_interval: seconds(poll_interval),
        use_idle,
        idle_reconnect_interval: seconds(idle_reconnect_interval),
        tls: tls?,
        ca_file,
        processed_folder,
    })
}

/// Seconds as a `Duration`, capped at a year so absurd values cannot
/// overflow timers.
fn seconds(secs: f64) -> Duration {
    Duration::from_secs_f64(secs.clamp(0.0, DURATION_CAP_SECS))
}

/// The block counts only when all three values resolve; otherwise it is
/// ignored (as in the Python Airut), with a warning naming what is missing.
fn parse_oauth2(field: &Field<'_>, d: &mut Diagnostics) -> Option<MicrosoftOAuth2> {
    let s = field.section(d, &["tenant_id", "client_id", "client_secret", "authority"])?;
    let authority = s
        .field("authority")
        .str_or(d, DEFAULT_OAUTH2_AUTHORITY)
        .trim_end_matches('/')
        .to_string();
    let tenant_id = s.field("tenant_id").opt_secret(d);
    let client_id = s.field("client_id").opt_str(d);
    let client_secret = s.field("client_secret").opt_secret(d);
    match (tenant_id, client_id, client_secret) {
        (Some(tenant_id), Some(client_id), Some(client_secret)) => Some(MicrosoftOAuth2 {
            tenant_id,
            client_id,
            client_secret,
            authority,
        }),
        (None, None, None) => None,
        (t, c, sec) => {
            let missing: Vec<&str> = [
                (t.is_none(), "tenant_id"),
                (c.is_none(), "client_id"),
                (sec.is_none(), "client_secret"),
            ]
            .into_iter()
            .filter_map(|(absent, name)| absent.then_some(name))
            .collect();
            d.warn(
                &s.path,
                s.line,
                format!(
                    "ignored because {} did not resolve to a value",
                    missing.join(", ")
                ),
            );
            None
        }
    }
}
