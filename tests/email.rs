//! The email channel end to end, against real servers (DESIGN §7): our own
//! dovecot (IMAPS, IDLE) and an aiosmtpd submission server delivering
//! through dovecot-lda, a real gateway with the real sandbox and Claude
//! Code on the scripted model. Mail is delivered into Airut's mailbox as
//! the MTA would (with the MTA's Authentication-Results); answers are read
//! from the sender's mailbox.

mod support;

use std::sync::Arc;
use std::time::Duration;

use airut_actors::channel::email::EmailChannelFactory;
use airut_actors::gateway::Shutdown;
use airut_actors::hub::GatewayEvent;
use airut_testkit::model_server::{ModelServer, Script, ToolUse, Turn};
use mail_parser::{MessageParser, MimeHeaders};
use support::gateway_fixture::{GatewayFixture, MODEL, live_repo, upstream};
use support::mail_servers::MailServers;

const AIRUT: &str = "airut@localhost";
const ANN: &str = "ann@localhost";
const EVE: &str = "eve@localhost";
const PASS_RESULTS: &str = "Authentication-Results: mx.test; dmarc=pass header.from=localhost";
const WAIT: Duration = Duration::from_secs(120);

fn servers() -> MailServers {
    MailServers::start(&[(AIRUT, "airut-pw"), (ANN, "ann-pw"), (EVE, "eve-pw")])
}

fn yaml(url: &str, servers: &MailServers) -> String {
    yaml_with_imap(url, servers, "")
}

/// `imap_extra`: more keys of the `imap:` block, each line indented 8.
fn yaml_with_imap(url: &str, servers: &MailServers, imap_extra: &str) -> String {
    let ca = servers.ca_file.display();
    format!(
        "config_version: 5\nexecution:\n  max_concurrent: 3\n  shutdown_timeout: 10\ndashboard:\n  enabled: false\n\
         repos:\n  alpha:\n    repo_url: {url}\n    model: {MODEL}\n    network:\n      sandbox_enabled: false\n    \
         email:\n      account:\n        username: {AIRUT}\n        from: \"Airut <{AIRUT}>\"\n        password: airut-pw\n      \
         imap:\n        server: localhost\n        port: {imap}\n        tls: implicit\n        ca_file: {ca}\n{imap_extra}      \
         smtp:\n        server: localhost\n        port: {smtp}\n        tls: starttls\n        ca_file: {ca}\n      \
         auth:\n        authorized_senders: [{ANN}]\n        trusted_authserv_id: mx.test\n    \
         secrets:\n      ANTHROPIC_API_KEY: test-key\n",
        imap = servers.imap_port,
        smtp = servers.smtp_port,
    )
}

/// A plain-text mail as the MTA hands it over.
fn mail(
    results: &str,
    from: &str,
    subject: &str,
    id: &str,
    thread: Option<(&str, &str)>,
    body: &str,
) -> Vec<u8> {
    let threading = match thread {
        Some((in_reply_to, references)) => {
            format!("In-Reply-To: {in_reply_to}\r\nReferences: {references}\r\n")
        }
        None => String::new(),
    };
    format!(
        "{results}\r\nFrom: {from}\r\nTo: {AIRUT}\r\nSubject: {subject}\r\nMessage-ID: {id}\r\n{threading}\
         Date: Sun, 22 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

struct Received {
    subject: String,
    message_id: String,
    in_reply_to: String,
    text: String,
    attachments: Vec<(String, Vec<u8>)>,
}

fn read(raw: &[u8]) -> Received {
    let message = MessageParser::default().parse(raw).expect("a mail");
    Received {
        subject: message.subject().unwrap_or_default().to_string(),
        message_id: format!("<{}>", message.message_id().unwrap_or_default()),
        in_reply_to: message
            .in_reply_to()
            .as_text()
            .map(|id| format!("<{id}>"))
            .unwrap_or_default(),
        text: message.body_text(0).unwrap_or_default().to_string(),
        attachments: message
            .attachments()
            .map(|a| {
                (
                    a.attachment_name().unwrap_or_default().to_string(),
                    a.contents().to_vec(),
                )
            })
            .collect(),
    }
}

fn conversation_in(subject: &str) -> String {
    let start = subject.find("[ID:").expect("a conversation tag") + 4;
    subject[start..start + 8].to_string()
}

/// New conversation: acknowledged and answered in the thread; the mail is
/// gone from Airut's inbox; a reply to the answer continues the session.
#[actix::test]
async fn a_new_conversation_is_answered_in_thread_and_a_reply_continues_it() {
    let servers = servers();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = upstream(&dir.path().join("up"));
    let model = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("The build is fixed.").expect_contains("Fix the build please."))
            .turn(Turn::text("It was the linker.").expect_contains("What was wrong?")),
    );
    let fx = GatewayFixture::new(dir.path());
    let gateway = fx.start_with(
        &yaml(&url, &servers),
        &model.container_base_url(),
        Arc::new(EmailChannelFactory),
    );
    live_repo(&gateway, "alpha").await;
    servers.deliver(
        AIRUT,
        &mail(
            PASS_RESULTS,
            "Ann <ann@localhost>",
            "Fix the build",
            "<m1@client.test>",
            None,
            "Fix the build please.",
        ),
    );

    let got = servers.wait_inbox(ANN, 2, WAIT).await;
    let (ack, answer) = (read(&got[0]), read(&got[1]));
    let conversation = conversation_in(&ack.subject);
    assert_eq!(
        ack.subject,
        format!("Re: [ID:{conversation}] Fix the build")
    );
    assert_eq!(ack.in_reply_to, "<m1@client.test>");
    assert!(ack.text.contains(MODEL), "{}", ack.text);
    assert_eq!(answer.subject, ack.subject);
    assert_eq!(answer.in_reply_to, "<m1@client.test>");
    assert!(
        answer.text.starts_with("The build is fixed."),
        "{}",
        answer.text
    );
    assert!(
        answer
            .message_id
            .contains(&format!("airut.{conversation}.")),
        "{}",
        answer.message_id
    );
    servers
        .wait_until(AIRUT, WAIT, |inbox| inbox.is_empty())
        .await;

    let references = format!("<m1@client.test> {}", answer.message_id);
    servers.deliver(
        AIRUT,
        &mail(
            PASS_RESULTS,
            "Ann <ann@localhost>",
            &answer.subject,
            "<m2@client.test>",
            Some((&answer.message_id, &references)),
            "What was wrong?",
        ),
    );
    let got = servers.wait_inbox(ANN, 3, WAIT).await;
    let second = read(&got[2]);
    assert_eq!(
        second.subject,
        format!("Re: [ID:{conversation}] Fix the build")
    );
    assert_eq!(second.in_reply_to, "<m2@client.test>");
    assert!(
        second.text.starts_with("It was the linker."),
        "{}",
        second.text
    );
    model.assert_ok();
    // resumed: the second request carries the first exchange
    let resumed = model.main_requests().last().expect("request").text();
    assert!(resumed.contains("The build is fixed."), "{resumed}");
    gateway.send(Shutdown).await.expect("shutdown");
}

/// An attachment reaches the task's /inbox byte-exact; a file the agent
/// writes to /outbox comes back attached, byte-exact.
#[actix::test]
async fn attachments_go_both_ways_byte_exact() {
    let servers = servers();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = upstream(&dir.path().join("up"));
    let model = ModelServer::start_for_containers(
        Script::new()
            .turn(
                Turn::tool(ToolUse::bash("cp /inbox/data.bin /outbox/copy.bin"))
                    .expect_contains("data.bin"),
            )
            .turn(Turn::text("Copied.").expect_tool_results()),
    );
    let fx = GatewayFixture::new(dir.path());
    let gateway = fx.start_with(
        &yaml(&url, &servers),
        &model.container_base_url(),
        Arc::new(EmailChannelFactory),
    );
    live_repo(&gateway, "alpha").await;
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
    let encoded = base64(&bytes);
    let raw = format!(
        "{PASS_RESULTS}\r\nFrom: Ann <{ANN}>\r\nTo: {AIRUT}\r\nSubject: Copy this\r\nMessage-ID: <att@client.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n\
         Copy the file.\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--b1--\r\n"
    );
    servers.deliver(AIRUT, raw.as_bytes());
    let got = servers.wait_inbox(ANN, 2, WAIT).await;
    let answer = read(&got[1]);
    assert!(answer.text.starts_with("Copied."), "{}", answer.text);
    assert_eq!(
        answer.attachments.len(),
        1,
        "{:?}",
        answer.attachments.iter().map(|a| &a.0).collect::<Vec<_>>()
    );
    assert_eq!(answer.attachments[0].0, "copy.bin");
    assert!(
        answer.attachments[0].1 == bytes,
        "the file came back changed"
    );
    model.assert_ok();
    gateway.send(Shutdown).await.expect("shutdown");
}

/// Spoofed, forged, wrongly attested and unlisted senders get no answer,
/// start no task, are removed from the inbox and recorded as rejected.
#[actix::test]
async fn unauthenticated_and_unauthorized_mail_is_dropped_and_recorded() {
    let servers = servers();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = upstream(&dir.path().join("up"));
    let model = ModelServer::start_for_containers(Script::new().turn(Turn::text("Only Ann.")));
    let fx = GatewayFixture::new(dir.path());
    let gateway = fx.start_with(
        &yaml(&url, &servers),
        &model.container_base_url(),
        Arc::new(EmailChannelFactory),
    );
    live_repo(&gateway, "alpha").await;
    let spoofed = mail(
        "Authentication-Results: mx.test; dmarc=fail header.from=localhost",
        "Ann <ann@localhost>",
        "s",
        "<s1@x>",
        None,
        "spoofed",
    );
    let forged = mail(
        "Authentication-Results: mx.test; dmarc=fail header.from=localhost\r\nAuthentication-Results: mx.test; dmarc=pass header.from=localhost",
        "Ann <ann@localhost>",
        "s",
        "<s2@x>",
        None,
        "forged below",
    );
    let wrong_id = mail(
        "Authentication-Results: evil.test; dmarc=pass header.from=localhost",
        "Ann <ann@localhost>",
        "s",
        "<s3@x>",
        None,
        "wrong authserv",
    );
    let unlisted = mail(
        PASS_RESULTS,
        "Eve <eve@localhost>",
        "s",
        "<s4@x>",
        None,
        "not allowed",
    );
    for raw in [&spoofed, &forged, &wrong_id, &unlisted] {
        servers.deliver(AIRUT, raw);
    }
    servers.deliver(
        AIRUT,
        &mail(
            PASS_RESULTS,
            "Ann <ann@localhost>",
            "Real",
            "<real@x>",
            None,
            "A real request.",
        ),
    );
    servers.wait_inbox(ANN, 2, WAIT).await;
    servers
        .wait_until(AIRUT, WAIT, |inbox| inbox.is_empty())
        .await;
    assert!(servers.inbox(EVE).is_empty());
    assert_eq!(
        servers.inbox(ANN).len(),
        2,
        "only the real request was answered"
    );
    assert_eq!(model.main_requests().len(), 1);
    let kinds: Vec<String> = fx
        .events()
        .into_iter()
        .filter_map(|e| match e {
            GatewayEvent::MessageRejected { kind, .. } => Some(kind),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            "unauthenticated",
            "unauthenticated",
            "unauthenticated",
            "unauthorized"
        ]
    );
    gateway.send(Shutdown).await.expect("shutdown");
}

/// Three mails arriving together are each journaled once, run once and
/// answered once; a mail that breaks the parser is quarantined, not lost
/// and not retried.
#[actix::test]
async fn a_burst_is_processed_once_each_and_an_unparseable_mail_is_quarantined() {
    let servers = servers();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = upstream(&dir.path().join("up"));
    let model = ModelServer::start_for_containers(Script::new().turn(Turn::text("Done.").times(3)));
    let fx = GatewayFixture::new(dir.path());
    let gateway = fx.start_with(
        &yaml(&url, &servers),
        &model.container_base_url(),
        Arc::new(EmailChannelFactory),
    );
    live_repo(&gateway, "alpha").await;
    let mut crashing = format!("{PASS_RESULTS}\r\nFrom: Ann <{ANN}>\r\n").into_bytes();
    crashing.extend_from_slice(PARSER_CRASH);
    servers.deliver(AIRUT, &crashing);
    for n in 1..=3 {
        servers.deliver(
            AIRUT,
            &mail(
                PASS_RESULTS,
                "Ann <ann@localhost>",
                &format!("Job {n}"),
                &format!("<job{n}@x>"),
                None,
                &format!("Job number {n}."),
            ),
        );
    }
    let got = servers.wait_inbox(ANN, 6, WAIT).await;
    servers
        .wait_until(AIRUT, WAIT, |inbox| inbox.is_empty())
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(servers.inbox(ANN).len(), 6, "no message answered twice");
    let mut conversations: Vec<String> = got
        .iter()
        .map(|raw| conversation_in(&read(raw).subject))
        .collect();
    conversations.sort();
    conversations.dedup();
    assert_eq!(conversations.len(), 3);
    assert_eq!(model.main_requests().len(), 3);
    assert_eq!(
        servers.folder(AIRUT, "Airut-Quarantine").len(),
        1,
        "the unparseable mail is kept aside"
    );
    gateway.send(Shutdown).await.expect("shutdown");
}

/// Without IDLE the listener polls; with `processed_folder` handled mail
/// is moved there instead of being deleted.
#[actix::test]
async fn polling_mode_moves_handled_mail_to_the_processed_folder() {
    let servers = servers();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = upstream(&dir.path().join("up"));
    let model = ModelServer::start_for_containers(Script::new().turn(Turn::text("Polled.")));
    let fx = GatewayFixture::new(dir.path());
    let yaml = yaml_with_imap(
        &url,
        &servers,
        "        use_idle: false\n        poll_interval: 0.2\n        processed_folder: Done\n",
    );
    let gateway = fx.start_with(
        &yaml,
        &model.container_base_url(),
        Arc::new(EmailChannelFactory),
    );
    live_repo(&gateway, "alpha").await;
    servers.deliver(
        AIRUT,
        &mail(
            PASS_RESULTS,
            "Ann <ann@localhost>",
            "Poll",
            "<p1@x>",
            None,
            "Poll me.",
        ),
    );
    let got = servers.wait_inbox(ANN, 2, WAIT).await;
    assert!(read(&got[1]).text.starts_with("Polled."));
    servers
        .wait_until(AIRUT, WAIT, |inbox| inbox.is_empty())
        .await;
    let kept = servers.folder(AIRUT, "Done");
    assert_eq!(kept.len(), 1);
    assert!(String::from_utf8_lossy(&kept[0]).contains("Poll me."));
    gateway.send(Shutdown).await.expect("shutdown");
}

/// The IMAP server goes away and comes back: the listener reports
/// `degraded`, reconnects by itself, and mail delivered meanwhile is
/// answered.
#[actix::test]
async fn the_listener_recovers_from_an_imap_restart() {
    let servers = servers();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = upstream(&dir.path().join("up"));
    let model = ModelServer::start_for_containers(
        Script::new()
            .turn(Turn::text("Before."))
            .turn(Turn::text("After.")),
    );
    let fx = GatewayFixture::new(dir.path());
    let gateway = fx.start_with(
        &yaml(&url, &servers),
        &model.container_base_url(),
        Arc::new(EmailChannelFactory),
    );
    live_repo(&gateway, "alpha").await;
    servers.deliver(
        AIRUT,
        &mail(
            PASS_RESULTS,
            "Ann <ann@localhost>",
            "One",
            "<r1@x>",
            None,
            "First.",
        ),
    );
    servers.wait_inbox(ANN, 2, WAIT).await;
    let mut servers = tokio::task::spawn_blocking(move || {
        let mut servers = servers;
        servers.restart_imap(Duration::from_secs(2));
        servers
    })
    .await
    .expect("restart");
    servers.deliver(
        AIRUT,
        &mail(
            PASS_RESULTS,
            "Ann <ann@localhost>",
            "Two",
            "<r2@x>",
            None,
            "Second.",
        ),
    );
    let got = servers.wait_inbox(ANN, 4, WAIT).await;
    assert!(read(&got[3]).text.starts_with("After."));
    let states: Vec<String> = fx
        .events()
        .into_iter()
        .filter_map(|e| match e {
            GatewayEvent::ChannelHealth { state, .. } => Some(state),
            _ => None,
        })
        .collect();
    let degraded = states
        .iter()
        .position(|s| s == "degraded")
        .unwrap_or_else(|| panic!("no degraded state reported: {states:?}"));
    assert!(
        states[degraded..].iter().any(|s| s == "connected"),
        "{states:?}"
    );
    gateway.send(Shutdown).await.expect("shutdown");
    servers.restart_imap(Duration::ZERO);
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (n, chunk) in bytes.chunks(3).enumerate() {
        if n > 0 && n % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Found by fuzzing the parser: mail-parser 0.11.9 trips over this MIME
/// tree (a debug assertion); with trusted headers in front it passes
/// authentication, so only the quarantine keeps it from being lost or
/// retried forever.
const PARSER_CRASH: &[u8] = b"Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n<table><tr><td><div class=gmail_quote>Content-Disposition: attachment; filename=\"a.txt\"\r\n-=E9=\r\nContent-Type: text/html\r\n> quoted\r\n</td>\r\nContent-Type: multipart/digest; boundary=b\r\n--b--\r\n\nFrom: a@b\r\nTo: x+y@z\r\nContent-Transfer-Encoding: base64\r\nContent-Transfer-Encoding: base64\r\nFrom: a@b\r\nContent-Disposition: attachment; filename=\"a.txt\"\r\nQUJDSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n=E9=\r\nContent-Type: multipart/mixed; boundary=b\r\n<pre><pre>QUJDContent-Type: text/html\r\n</td>--b--\r\nContent-Type: text/html\r\nOn Mon wrote:\r\nContent-Type: message/rfc822\r\n&#x--b--\r\n\r\n=E9=\r\nContent-Type: multipart/digest; boundary=b\r\nFrom: a@b\r\nContent-Type: message/rfc822\r\n\n\r\nSubject: x\r\nContent-Transfer-Encoding: base64\r\n<blockquote type=cite>\rContent-Type: message/rfc822\r\nQUJD</div>\r\n--b--\r\n";
