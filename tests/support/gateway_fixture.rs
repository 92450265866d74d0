//! A gateway on a temporary state directory, configured through a real
//! config file, with recording test channels and Claude Code pointed at a
//! scripted model server (network sandbox off unless a test turns it on).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::{Actor, Addr};
use airut_actors::channel::{ChannelFactory, TestChannelFactory};
use airut_actors::config;
use airut_actors::gateway::{
    Backoff, EnvOverrides, Gateway, GatewaySettings, GetGatewayState, GetRepo,
};
use airut_actors::hub::{EventSink, GatewayEvent, Hub, Publish, RepoStatus};
use airut_actors::intake::{InboundMessage, Sender};
use airut_actors::repo::RepoActor;
use airut_actors::store::Store;

pub const MODEL: &str = "claude-sonnet-4-5";
pub const DOCKERFILE: &str = "FROM debian:bookworm-slim\nWORKDIR /workspace\n";

/// A local upstream with the container directory.
pub fn upstream(root: &Path) -> String {
    super::git_repo::bare_upstream(
        root,
        &[
            (".airut/container/Dockerfile", DOCKERFILE),
            ("README.md", "original\n"),
        ],
    )
}

/// `repos`: (repo id, repo url).
pub fn config_yaml(
    repos: &[(&str, &str)],
    max_concurrent: usize,
    shutdown_timeout_s: u64,
) -> String {
    config_yaml_with(repos, max_concurrent, shutdown_timeout_s, "")
}

/// As [`config_yaml`], with `repo_extra` (YAML at the repo block's level,
/// e.g. `resource_limits:\n  timeout: 10\n`) added to every repo.
pub fn config_yaml_with(
    repos: &[(&str, &str)],
    max_concurrent: usize,
    shutdown_timeout_s: u64,
    repo_extra: &str,
) -> String {
    let extra: String = repo_extra.lines().map(|l| format!("    {l}\n")).collect();
    let mut yaml = format!(
        "config_version: 5\nexecution:\n  max_concurrent: {max_concurrent}\n  \
         shutdown_timeout: {shutdown_timeout_s}\ndashboard:\n  enabled: false\nrepos:\n"
    );
    for (id, url) in repos {
        yaml.push_str(&format!(
            "  {id}:\n    repo_url: {url}\n    model: {MODEL}\n    network:\n      sandbox_enabled: false\n    \
             email:\n      account:\n        username: {id}@example.com\n        from: \"Airut <{id}@example.com>\"\n        \
             password: unused\n      imap:\n        server: imap.example.com\n      smtp:\n        server: smtp.example.com\n      \
             auth:\n        authorized_senders:\n          - ann@example.com\n        trusted_authserv_id: mx.example.com\n    \
             secrets:\n      ANTHROPIC_API_KEY: test-key\n{extra}"
        ));
    }
    yaml
}

pub struct GatewayFixture {
    pub root: PathBuf,
    pub instance: String,
    pub channels: Arc<TestChannelFactory>,
    pub store: Store,
    /// Every event the gateways of this fixture published, in order.
    pub events: Arc<Mutex<Vec<GatewayEvent>>>,
    /// Also sent to this hub, when set before `start`.
    pub hub: Option<Addr<Hub>>,
}

impl GatewayFixture {
    pub fn new(root: &Path) -> GatewayFixture {
        GatewayFixture {
            root: root.to_path_buf(),
            instance: super::unique("gwt"),
            channels: Arc::new(TestChannelFactory::new()),
            store: Store::open(&root.join("state").join("store")).expect("store"),
            events: Arc::new(Mutex::new(Vec::new())),
            hub: None,
        }
    }

    pub fn events(&self) -> Vec<GatewayEvent> {
        self.events.lock().expect("events").clone()
    }

    pub fn state_dir(&self) -> PathBuf {
        self.root.join("state")
    }

    /// Starts a gateway on `yaml`; Claude Code talks to `model_url`.
    pub fn start(&self, yaml: &str, model_url: &str) -> Addr<Gateway> {
        self.start_with(yaml, model_url, self.channels.clone())
    }

    /// As [`GatewayFixture::start`] with the channels of `factory`.
    pub fn start_with(
        &self,
        yaml: &str,
        model_url: &str,
        factory: Arc<dyn ChannelFactory>,
    ) -> Addr<Gateway> {
        Gateway::new(self.settings(yaml, model_url, factory)).start()
    }

    /// The settings `start_with` uses, for callers that change some (an
    /// event sink that timestamps, upstream overrides) before starting.
    pub fn settings(
        &self,
        yaml: &str,
        model_url: &str,
        factory: Arc<dyn ChannelFactory>,
    ) -> GatewaySettings {
        let path = self.root.join("airut.yaml");
        std::fs::write(&path, yaml).expect("config");
        let loaded = config::load(&path).unwrap_or_else(|e| panic!("config: {e}"));
        let mut settings = GatewaySettings::new(
            loaded.config,
            self.state_dir(),
            self.store.clone(),
            factory,
            PathBuf::from(env!("CARGO_BIN_EXE_airut")),
        );
        settings.instance = self.instance.clone();
        settings.retry = Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(2),
        };
        settings.housekeeping_after = Duration::from_secs(3600);
        let (events, hub) = (Arc::clone(&self.events), self.hub.clone());
        settings.events = EventSink::from_fn(move |event| {
            if let Some(hub) = &hub {
                hub.do_send(Publish(event.clone()));
            }
            events.lock().expect("events").push(event);
        });
        settings.overrides = EnvOverrides {
            claude_binary: Some(super::claude_binary()),
            extra_env: vec![
                ("CLAUDE_CODE_MAX_RETRIES".into(), "1".into()),
                ("ANTHROPIC_BASE_URL".into(), model_url.to_string()),
            ],
            ..EnvOverrides::default()
        };
        settings
    }
}

/// Waits until `repo_id` has the status `want` says; returns it.
pub async fn wait_repo(
    gateway: &Addr<Gateway>,
    repo_id: &str,
    timeout: Duration,
    want: impl Fn(&RepoStatus) -> bool,
) -> RepoStatus {
    let started = tokio::time::Instant::now();
    loop {
        let state = gateway.send(GetGatewayState).await.expect("gateway state");
        if let Some(status) = state.repos.get(repo_id)
            && want(status)
        {
            return status.clone();
        }
        assert!(
            started.elapsed() < timeout,
            "repo {repo_id} never reached the wanted status: {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The live repo's actor.
pub async fn live_repo(gateway: &Addr<Gateway>, repo_id: &str) -> Addr<RepoActor> {
    wait_repo(gateway, repo_id, Duration::from_secs(120), |s| {
        *s == RepoStatus::Live
    })
    .await;
    gateway
        .send(GetRepo(repo_id.into()))
        .await
        .expect("gateway")
        .expect("live repo has an actor")
}

/// Message `key` in thread `thread` of `repo_id`.
pub fn message(repo_id: &str, key: &str, thread: &str, body: &str) -> InboundMessage {
    InboundMessage {
        channel: config::ChannelKind::Email,
        repo_id: repo_id.into(),
        dedupe_key: key.into(),
        thread_key: thread.into(),
        conversation_hint: None,
        sender: Sender {
            id: "ann@example.com".into(),
            display: "Ann".into(),
        },
        received_at: jiff::Timestamp::now(),
        subject: Some(format!("Request {key}")),
        body: body.into(),
        attachments: Vec::new(),
        model_hint: None,
        reply_refs: Vec::new(),
    }
}
