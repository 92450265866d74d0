//! The gateway (DESIGN §3): one per process. Builds the shared task
//! environment, starts a [`RepoActor`] and the channel of every configured
//! repo, keeps each repo's status, retries failed repos with backoff while
//! the others run (partial boot), runs housekeeping, and shuts down in
//! order: stop intake, drain, interrupt, tear down. See `spec/gateway.md`.

mod backoff;
mod environment;
mod housekeeping_pass;
mod reload;
pub mod reload_diff;
mod shutdown;

pub use backoff::Backoff;
pub use environment::EnvOverrides;
pub use housekeeping_pass::{Housekeep, HousekeepingReport, PlanHousekeeping};
pub use reload::{
    ConfigOrigin, ConfigSource, GetReloadStatus, Reload, ReloadOutcome, ReloadStatus,
    RepoConfigView,
};
pub use shutdown::{Shutdown, ShutdownReport};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use tokio::sync::Semaphore;
use tracing::{info, warn};

use crate::channel::{Channel, ChannelContext, ChannelFactory, Listener};
use crate::config::{RepoConfig, ServerConfig};
use crate::git::{GitMirror, MirrorPolicy};
use crate::hub::{BootPhase, EventSink, GatewayEvent, RepoStatus, now_ms};
use crate::intake::IntakeJournal;
use crate::repo::{RepoActor, RepoSettings};
use crate::sandbox::claude_binary::ClaudeBinaryCache;
use crate::store::Store;
use crate::task_runner::{TaskEnvironment, TaskRepo};

/// Everything the gateway is built from.
pub struct GatewaySettings {
    pub config: ServerConfig,
    /// `<state>/<repo>/git-mirror`, `<state>/<repo>/conversations/<id>`.
    pub state_dir: PathBuf,
    pub store: Store,
    pub channels: Arc<dyn ChannelFactory>,
    /// Mounted into the proxy containers (`airut proxy`).
    pub airut_binary: PathBuf,
    pub proxy_image: String,
    /// Labels and names of everything this gateway creates in the engine;
    /// stable across restarts so leftovers are found, distinct per state
    /// directory so two gateways on one host leave each other alone.
    pub instance: String,
    pub events: EventSink,
    pub overrides: EnvOverrides,
    pub retry: Backoff,
    /// First housekeeping pass after boot, then every `housekeeping_every`.
    pub housekeeping_after: Duration,
    pub housekeeping_every: Duration,
}

impl GatewaySettings {
    /// Production defaults around a config.
    pub fn new(
        config: ServerConfig,
        state_dir: PathBuf,
        store: Store,
        channels: Arc<dyn ChannelFactory>,
        airut_binary: PathBuf,
    ) -> GatewaySettings {
        let instance = instance_for(&state_dir);
        GatewaySettings {
            config,
            state_dir,
            store,
            channels,
            airut_binary,
            proxy_image: "debian:bookworm-slim".into(),
            instance,
            events: EventSink::none(),
            overrides: EnvOverrides::default(),
            retry: Backoff::default(),
            housekeeping_after: Duration::from_secs(60),
            housekeeping_every: Duration::from_secs(24 * 3600),
        }
    }
}

/// `gw-<8 hex>` from the state directory's path.
pub fn instance_for(state_dir: &std::path::Path) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(state_dir.to_string_lossy().as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("gw-{hex}")
}

struct RepoEntry {
    config: RepoConfig,
    status: RepoStatus,
    failures: u32,
    addr: Option<Addr<RepoActor>>,
    channel: Option<Arc<dyn Channel>>,
    listener: Option<Box<dyn Listener>>,
    /// A start attempt is under way.
    starting: bool,
}

pub struct Gateway {
    settings: Arc<GatewaySettings>,
    journal: IntakeJournal,
    limiter: Arc<Semaphore>,
    env: Option<Arc<TaskEnvironment>>,
    env_failures: u32,
    claude: Option<Arc<ClaudeBinaryCache>>,
    repos: BTreeMap<String, RepoEntry>,
    boot: BootPhase,
    shutting_down: bool,
    reload: reload::ReloadState,
}

impl Gateway {
    pub fn new(settings: GatewaySettings) -> Gateway {
        let repos = settings
            .config
            .repos
            .values()
            .map(|config| {
                let entry = RepoEntry {
                    config: config.clone(),
                    status: RepoStatus::Starting,
                    failures: 0,
                    addr: None,
                    channel: None,
                    listener: None,
                    starting: false,
                };
                (config.repo_id.clone(), entry)
            })
            .collect();
        Gateway {
            journal: IntakeJournal::new(settings.store.clone()),
            limiter: Arc::new(Semaphore::new(
                settings.config.execution.max_concurrent.max(1),
            )),
            settings: Arc::new(settings),
            env: None,
            env_failures: 0,
            claude: None,
            repos,
            boot: BootPhase::Starting,
            shutting_down: false,
            reload: reload::ReloadState::default(),
        }
    }

    fn set_boot(&mut self, phase: BootPhase) {
        self.boot = phase;
        self.settings.events.publish(GatewayEvent::Boot { phase });
    }

    fn set_status(&mut self, repo_id: &str, status: RepoStatus) {
        if let Some(entry) = self.repos.get_mut(repo_id) {
            entry.status = status.clone();
        }
        self.settings.events.publish(GatewayEvent::Repo {
            repo_id: repo_id.to_string(),
            status,
        });
    }

    /// The shared environment first; a failure fails every repo and is
    /// retried with backoff.
    fn boot(&mut self, ctx: &mut Context<Self>) {
        if self.shutting_down {
            return;
        }
        if self.repos.is_empty() {
            // dashboard-only: no engine needed
            self.set_boot(BootPhase::Repos);
            self.update_ready();
            return;
        }
        self.set_boot(BootPhase::Cleanup);
        let settings = Arc::clone(&self.settings);
        let build = async move {
            let env = environment::build_environment(&settings).await?;
            let claude = environment::claude_cache(&settings.state_dir)?;
            Ok::<_, String>((env, claude))
        };
        ctx.spawn(
            actix::fut::wrap_future::<_, Self>(build).map(|built, act, ctx| match built {
                Ok((env, claude)) => {
                    act.env = Some(Arc::new(env));
                    act.claude = Some(Arc::new(claude));
                    act.set_boot(BootPhase::Repos);
                    let ids: Vec<String> = act.repos.keys().cloned().collect();
                    for id in ids {
                        act.start_repo(ctx, id);
                    }
                    act.update_ready();
                }
                Err(error) => {
                    act.env_failures += 1;
                    let delay = act.settings.retry.delay(act.env_failures);
                    warn!("gateway environment: {error}; retrying in {delay:?}");
                    let ids: Vec<String> = act.repos.keys().cloned().collect();
                    for id in ids {
                        act.set_status(&id, failed(&error, delay));
                    }
                    ctx.run_later(delay, |act, ctx| act.boot(ctx));
                }
            }),
        );
    }

    /// Boot is ready once no repo is still starting for the first time.
    fn update_ready(&mut self) {
        if self.boot == BootPhase::Repos
            && self
                .repos
                .values()
                .all(|r| r.status != RepoStatus::Starting)
        {
            self.set_boot(BootPhase::Ready);
            info!(
                live = self
                    .repos
                    .values()
                    .filter(|r| r.status == RepoStatus::Live)
                    .count(),
                repos = self.repos.len(),
                "gateway ready"
            );
        }
    }

    fn start_repo(&mut self, ctx: &mut Context<Self>, repo_id: String) {
        let (Some(env), Some(claude)) = (self.env.clone(), self.claude.clone()) else {
            return;
        };
        if self.shutting_down {
            return;
        }
        let Some(entry) = self.repos.get_mut(&repo_id) else {
            return;
        };
        if entry.starting || entry.addr.is_some() {
            return;
        }
        entry.starting = true;
        let config = entry.config.clone();
        let start = start_repo(StartInputs {
            settings: Arc::clone(&self.settings),
            env,
            claude,
            journal: self.journal.clone(),
            limiter: Arc::clone(&self.limiter),
            repo: config,
        });
        ctx.spawn(
            actix::fut::wrap_future::<_, Self>(start).map(move |started, act, ctx| {
                let Some(entry) = act.repos.get_mut(&repo_id) else {
                    return;
                };
                entry.starting = false;
                match started {
                    Ok(repo) => {
                        entry.failures = 0;
                        entry.addr = Some(repo.addr);
                        entry.channel = Some(repo.channel);
                        entry.listener = repo.listener;
                        info!(repo = repo_id, "repo live");
                        act.set_status(&repo_id, RepoStatus::Live);
                        if act.shutting_down {
                            // started while shutting down: stop its intake again
                            if let Some(listener) =
                                act.repos.get_mut(&repo_id).and_then(|e| e.listener.take())
                            {
                                ctx.spawn(actix::fut::wrap_future(listener.stop()));
                            }
                        }
                    }
                    Err(error) => {
                        entry.failures += 1;
                        let delay = act.settings.retry.delay(entry.failures);
                        warn!(
                            repo = repo_id,
                            "repo failed to start: {error}; retrying in {delay:?}"
                        );
                        act.set_status(&repo_id, failed(&error, delay));
                        let id = repo_id.clone();
                        ctx.run_later(delay, move |act, ctx| act.start_repo(ctx, id));
                    }
                }
                act.update_ready();
            }),
        );
    }
}

fn failed(error: &str, delay: Duration) -> RepoStatus {
    RepoStatus::Failed {
        error: error.to_string(),
        retry_at_ms: now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX),
    }
}

struct StartInputs {
    settings: Arc<GatewaySettings>,
    env: Arc<TaskEnvironment>,
    claude: Arc<ClaudeBinaryCache>,
    journal: IntakeJournal,
    limiter: Arc<Semaphore>,
    repo: RepoConfig,
}

struct StartedRepo {
    addr: Addr<RepoActor>,
    channel: Arc<dyn Channel>,
    listener: Option<Box<dyn Listener>>,
}

/// Mirror, Claude binary, channel, then the repo actor (whose boot
/// recovery needs the channel).
async fn start_repo(inputs: StartInputs) -> Result<StartedRepo, String> {
    let StartInputs {
        settings,
        env,
        claude,
        journal,
        limiter,
        repo,
    } = inputs;
    let root = settings.state_dir.join(&repo.repo_id);
    let mirror = Arc::new(GitMirror::new(
        root.join("git-mirror"),
        MirrorPolicy::default(),
    ));
    mirror
        .ensure(&repo.repo_url)
        .await
        .map_err(|e| format!("git mirror: {e}"))?;
    let binary = environment::claude_binary_for(
        &claude,
        &settings.config,
        &repo,
        settings.overrides.claude_binary.as_deref(),
    )
    .await?;
    let context = Context::<RepoActor>::new();
    let addr = context.address();
    let channel_context = ChannelContext {
        events: settings.events.clone(),
        store: settings.store.clone(),
        repo_dir: root.clone(),
        dashboard_url: settings.config.dashboard.base_url.clone(),
    };
    let started = settings
        .channels
        .start(&repo, addr.clone(), channel_context)
        .await
        .map_err(|e| e.to_string())?;
    let mut task_repo = TaskRepo::from(&repo);
    task_repo.claude_binary = Some(binary);
    let repo_settings = RepoSettings {
        repo_id: repo.repo_id.clone(),
        repo: task_repo,
        channel_kind: started.kind,
        channel: Arc::clone(&started.channel),
        env,
        mirror,
        repo_url: repo.repo_url.clone(),
        conversations_dir: root.join("conversations"),
        repo_model: Some(repo.model.clone()),
        repo_effort: repo.effort.clone(),
        limiter,
        events: settings.events.clone(),
    };
    context.run(RepoActor::new(repo_settings, journal));
    Ok(StartedRepo {
        addr,
        channel: started.channel,
        listener: started.listener,
    })
}

impl Actor for Gateway {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.set_boot(BootPhase::Starting);
        let ids: Vec<String> = self.repos.keys().cloned().collect();
        for id in ids {
            self.set_status(&id, RepoStatus::Starting);
        }
        self.boot(ctx);
        let settings = Arc::clone(&self.settings);
        ctx.run_later(settings.housekeeping_after, move |act, ctx| {
            act.housekeeping(ctx);
            ctx.run_interval(settings.housekeeping_every, |act, ctx| {
                act.housekeeping(ctx)
            });
        });
    }
}

/// The repo actor of `repo_id`, once the repo is live.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Option<Addr<RepoActor>>")]
pub struct GetRepo(pub String);

impl Handler<GetRepo> for Gateway {
    type Result = Option<Addr<RepoActor>>;

    fn handle(&mut self, msg: GetRepo, _: &mut Context<Self>) -> Self::Result {
        self.repos.get(&msg.0).and_then(|entry| entry.addr.clone())
    }
}

/// Boot phase and every repo's status.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "GatewayState")]
pub struct GetGatewayState;

#[derive(Debug, Clone, PartialEq)]
pub struct GatewayState {
    pub boot: BootPhase,
    pub repos: BTreeMap<String, RepoStatus>,
}

impl Handler<GetGatewayState> for Gateway {
    type Result = MessageResult<GetGatewayState>;

    fn handle(&mut self, _: GetGatewayState, _: &mut Context<Self>) -> Self::Result {
        MessageResult(GatewayState {
            boot: self.boot,
            repos: self
                .repos
                .iter()
                .map(|(id, entry)| (id.clone(), entry.status.clone()))
                .collect(),
        })
    }
}
