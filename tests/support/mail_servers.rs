//! Real mail servers for the email tests (DESIGN §7): a dovecot of our own
//! (IMAPS with a test CA, IDLE, passwd-file users, Maildirs) and an
//! aiosmtpd submission server (STARTTLS + AUTH) that delivers through
//! dovecot-lda, both on loopback ports, in a temp dir, stopped by pid on
//! drop.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct MailServers {
    pub dir: tempfile::TempDir,
    pub imap_port: u16,
    pub smtp_port: u16,
    /// PEM of the CA that signed both servers' certificate (for `ca_file`).
    pub ca_file: PathBuf,
    conf: PathBuf,
    dovecot: Option<Child>,
    smtp: Option<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn wait_port(port: u16, limit: Duration) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < limit, "port {port} never opened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl MailServers {
    /// `users`: (address, password); each gets a mailbox.
    pub fn start(users: &[(&str, &str)]) -> MailServers {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        // dovecot's mail processes run as 65534 and must reach the homes
        set_mode(root, 0o755);
        let pki = super::test_pki::test_pki("Airut mail test CA", &["localhost"]);
        let (cert, key, ca_file) = (
            root.join("cert.pem"),
            root.join("key.pem"),
            root.join("ca.pem"),
        );
        std::fs::write(&cert, &pki.leaf_cert_pem).expect("cert");
        std::fs::write(&key, &pki.leaf_key_pem).expect("key");
        std::fs::write(&ca_file, &pki.ca_cert_pem).expect("ca");
        let home = root.join("home");
        std::fs::create_dir_all(&home).expect("home");
        chown_nobody(&home);
        let mut passwd = String::new();
        let mut smtp_users = String::new();
        for (user, password) in users {
            passwd.push_str(&format!(
                "{user}:{{PLAIN}}{password}:65534:65534::{}::\n",
                home.join(user).display()
            ));
            smtp_users.push_str(&format!("{user}:{password}\n"));
        }
        std::fs::write(root.join("users"), passwd).expect("users");
        std::fs::write(root.join("smtp-users"), smtp_users).expect("smtp users");
        let imap_port = free_port();
        let conf = root.join("dovecot.conf");
        std::fs::write(
            &conf,
            format!(
                "base_dir = {run}\nstate_dir = {state}\nlog_path = {root}/dovecot.log\n\
                 protocols = imap\nlisten = 127.0.0.1\n\
                 ssl = required\nssl_cert = <{cert}\nssl_key = <{key}\n\
                 auth_mechanisms = plain login\ndisable_plaintext_auth = yes\n\
                 first_valid_uid = 1\nmail_location = maildir:~/Maildir\n\
                 passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {root}/users\n}}\n\
                 userdb {{\n  driver = passwd-file\n  args = username_format=%u {root}/users\n}}\n\
                 service imap-login {{\n  inet_listener imap {{\n    port = 0\n  }}\n  \
                 inet_listener imaps {{\n    port = {imap_port}\n    ssl = yes\n  }}\n}}\n\
                 protocol lda {{\n  postmaster_address = postmaster@localhost\n}}\n",
                run = root.join("run").display(),
                state = root.join("state").display(),
                root = root.display(),
                cert = cert.display(),
                key = key.display(),
            ),
        )
        .expect("dovecot.conf");
        let smtp_port = free_port();
        let mut servers = MailServers {
            imap_port,
            smtp_port,
            ca_file,
            conf,
            dovecot: None,
            smtp: None,
            dir,
        };
        servers.start_dovecot();
        let python = std::env::var("AIRUT_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mail/smtp_server.py");
        let root = servers.dir.path();
        let mut smtp = Command::new(python)
            .arg(script)
            .arg(smtp_port.to_string())
            .arg(&cert)
            .arg(&key)
            .arg(root.join("smtp-users"))
            .arg(&servers.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("smtp server");
        let mut ready = String::new();
        BufReader::new(smtp.stdout.take().expect("stdout"))
            .read_line(&mut ready)
            .expect("smtp server output");
        assert_eq!(ready.trim(), "READY", "smtp server did not start");
        servers.smtp = Some(smtp);
        wait_port(smtp_port, Duration::from_secs(10));
        servers
    }

    fn start_dovecot(&mut self) {
        let child = Command::new("dovecot")
            .args(["-F", "-c"])
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("dovecot");
        self.dovecot = Some(child);
        wait_port(self.imap_port, Duration::from_secs(10));
    }

    /// Stops dovecot (the IMAP connection drops), and starts it again
    /// after `down`.
    pub fn restart_imap(&mut self, down: Duration) {
        if let Some(child) = self.dovecot.take() {
            stop_dovecot(child);
        }
        std::thread::sleep(down);
        self.start_dovecot();
    }

    /// Delivers `raw` into `user`'s INBOX as the MTA would.
    pub fn deliver(&self, user: &str, raw: &[u8]) {
        let mut lda = Command::new("/usr/lib/dovecot/dovecot-lda")
            .arg("-c")
            .arg(&self.conf)
            .args(["-d", user])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dovecot-lda");
        lda.stdin
            .take()
            .expect("stdin")
            .write_all(raw)
            .expect("write");
        let out = lda.wait_with_output().expect("lda");
        assert!(
            out.status.success(),
            "dovecot-lda: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Every message in `user`'s INBOX (new and cur), oldest first by file
    /// name (Maildir names start with the delivery time).
    pub fn inbox(&self, user: &str) -> Vec<Vec<u8>> {
        let maildir = self.dir.path().join("home").join(user).join("Maildir");
        let mut files: Vec<PathBuf> = ["new", "cur"]
            .iter()
            .flat_map(|sub| std::fs::read_dir(maildir.join(sub)).into_iter().flatten())
            .filter_map(|e| Some(e.ok()?.path()))
            .collect();
        files.sort_by_key(|p| p.file_name().map(|n| n.to_os_string()));
        files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
    }

    /// Waits until `user`'s INBOX holds at least `n` messages (async: the
    /// gateway under test may run on the same thread).
    pub async fn wait_inbox(&self, user: &str, n: usize, limit: Duration) -> Vec<Vec<u8>> {
        self.wait_until(user, limit, |messages| messages.len() >= n)
            .await
    }

    /// Waits until `user`'s INBOX satisfies `done`.
    pub async fn wait_until(
        &self,
        user: &str,
        limit: Duration,
        done: impl Fn(&[Vec<u8>]) -> bool,
    ) -> Vec<Vec<u8>> {
        let started = Instant::now();
        loop {
            let messages = self.inbox(user);
            if done(&messages) {
                return messages;
            }
            assert!(
                started.elapsed() < limit,
                "{user} has {} message(s); the wait timed out",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The messages in `user`'s `folder` (e.g. the quarantine).
    pub fn folder(&self, user: &str, folder: &str) -> Vec<Vec<u8>> {
        let maildir = self
            .dir
            .path()
            .join("home")
            .join(user)
            .join("Maildir")
            .join(format!(".{folder}"));
        ["new", "cur"]
            .iter()
            .flat_map(|sub| std::fs::read_dir(maildir.join(sub)).into_iter().flatten())
            .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
            .collect()
    }
}

impl Drop for MailServers {
    fn drop(&mut self) {
        for child in [self.dovecot.take(), self.smtp.take()]
            .into_iter()
            .flatten()
        {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Maildirs must belong to the mail uid (dovecot refuses root).
fn chown_nobody(path: &Path) {
    let status = Command::new("chown")
        .args(["65534:65534"])
        .arg(path)
        .status()
        .expect("chown");
    assert!(status.success());
}

/// The master and its session processes: a master that dies alone leaves
/// the logged-in sessions serving.
fn stop_dovecot(child: Child) {
    let _ = Command::new("pkill")
        .args(["-KILL", "-P", &child.id().to_string()])
        .status();
    terminate(child);
}

/// SIGTERM (dovecot's master then stops its login and mail processes),
/// SIGKILL if it has not exited after 5 s.
fn terminate(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}
