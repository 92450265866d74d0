//! The real Claude Code behind the network sandbox: it talks to the scripted
//! model server over HTTPS through `airut proxy`, trusting the proxy's CA,
//! with its API key masked (the container holds a surrogate, the proxy swaps
//! in the real key for the model host only), and its Bash tool's request to
//! a host off the allowlist gets the proxy's 403.
//!
//! The proxy reaches the model server, which listens on every interface of
//! this machine, at the egress network's gateway address, under the name
//! `model.test` (`upstream_hosts`) and the server's port (`upstream_ports`),
//! verifying its certificate against a test CA (`upstream_extra_roots_pem`).

mod support;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use airut_actors::sandbox::agent_task::{AgentTaskRequest, ConversationDirs, run_agent_task};
use airut_actors::sandbox::build_context::BuildContext;
use airut_actors::sandbox::claude_invocation::ClaudeInvocation;
use airut_actors::sandbox::container_spec::Limits;
use airut_actors::sandbox::engine::Engine;
use airut_actors::sandbox::entrypoint::CA_CERT_PATH;
use airut_actors::sandbox::images::ImageCache;
use airut_actors::sandbox::names::Names;
use airut_actors::sandbox::network_sandbox::{NetworkSandbox, ProxySettings};
use airut_actors::sandbox::outcome::{Outcome, TaskResult};
use airut_actors::sandbox::stop_handle::StopHandle;
use airut_proxy::masking::MaskedSecret;
use airut_proxy::netlog::{EntryKind, NetLogEntry, Verdict};
use airut_proxy::policy::Allowlist;
use airut_testkit::model_server::{ModelServer, Script, ToolUse, Turn};
use tempfile::TempDir;

const MODEL: &str = "claude-sonnet-4-5";
const MODEL_HOST: &str = "model.test";
const REAL_KEY: &str = "sk-ant-api03-R3alKeyThatOnlyTheModelServerMaySee0123456789";
const SURROGATE: &str = "sk-ant-api03-SurrogateKeySeenInsideTheSandbox9876543210";
/// The Bash tool's command: the key in the environment the container was
/// started with (PID 1's, whatever Claude Code passes on to its tools), then
/// a request to a host off the allowlist.
const BASH: &str = "tr '\\0' '\\n' </proc/1/environ | grep '^ANTHROPIC_API_KEY='; \
                    printf 'status=%s\\n' \"$(curl -s -o /dev/null -w '%{http_code}' https://blocked.test/)\"";

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                pending.extend(entries.flatten().map(|e| e.path()));
            }
        } else if meta.is_file()
            && let Ok(bytes) = std::fs::read(&path)
            && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        {
            found.push(path.display().to_string());
        }
    }
    found
}

/// One network sandbox with its own egress network, a task image and a
/// test CA; [`Fixture::run`] runs Claude Code once behind it.
struct Fixture {
    started: Instant,
    engine: Engine,
    names: Names,
    sandbox: NetworkSandbox,
    egress: String,
    gateway: IpAddr,
    image: String,
    ca: support::test_pki::TestPki,
    dir: TempDir,
}

/// What one run left behind.
struct Run {
    result: TaskResult,
    /// Every stream-json event, as JSON text.
    events: Vec<String>,
    netlog: Vec<NetLogEntry>,
    netlog_text: String,
    dirs: ConversationDirs,
    /// Result, network log and events, for failure messages.
    context: String,
    _dir: TempDir,
}

impl Fixture {
    async fn new() -> Fixture {
        let started = Instant::now();
        let engine = support::engine().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let names = Names::new(&support::unique("ncl"));
        let airut = std::path::PathBuf::from(env!("CARGO_BIN_EXE_airut"));
        let sandbox = NetworkSandbox::prepare(
            engine.clone(),
            names.clone(),
            airut,
            "debian:bookworm-slim".into(),
            &dir.path().join("run"),
        )
        .await
        .expect("network sandbox");
        let egress = format!("airut-{}-egress", names.instance());
        let gateway = support::egress_gateway(&engine, &egress).await;
        let images = ImageCache::new(
            engine.clone(),
            Duration::from_secs(86400),
            dir.path().join("locks"),
        );
        let image = images
            .ensure_task_image(&BuildContext::new(
                "FROM debian:bookworm-slim\n# the test-env base: curl and ca-certificates\nWORKDIR /workspace\n",
            ))
            .await
            .expect("task image")
            .tag;
        Fixture {
            started,
            engine,
            names,
            sandbox,
            egress,
            gateway,
            image,
            ca: support::test_pki::test_pki("Airut test model CA", &[MODEL_HOST]),
            dir,
        }
    }

    /// The model server over HTTPS with a certificate of the test CA, which
    /// only the proxy trusts (the container trusts only the proxy's CA).
    fn server(&self, script: Script) -> ModelServer {
        ModelServer::start_tls_for_containers(script, &self.ca.leaf_cert_pem, &self.ca.leaf_key_pem)
    }

    /// Opens a proxy session for `server`, runs Claude Code with `prompt`
    /// (`adjust` may change the request first), closes the session and
    /// removes the egress network.
    async fn run(
        self,
        server: &ModelServer,
        prompt: &str,
        adjust: impl FnOnce(&mut AgentTaskRequest),
    ) -> Run {
        let settings = ProxySettings {
            allowlist: Allowlist {
                domains: vec![MODEL_HOST.into()],
                url_prefixes: vec![],
            },
            masked_secrets: vec![MaskedSecret {
                env_name: "ANTHROPIC_API_KEY".into(),
                surrogate: SURROGATE.into(),
                real: REAL_KEY.into(),
                scopes: vec![MODEL_HOST.into()],
                headers: vec!["x-api-key".into()],
                allow_foreign_credentials: false,
            }],
            upstream_hosts: BTreeMap::from([(MODEL_HOST.to_string(), self.gateway)]),
            upstream_ports: BTreeMap::from([(MODEL_HOST.to_string(), server.port())]),
            upstream_dns: None,
            upstream_extra_roots_pem: Some(self.ca.ca_cert_pem.clone()),
        };
        let conversation = support::unique("c");
        let log_path = self.dir.path().join("network.log");
        let session = self
            .sandbox
            .open(&conversation, "t1", &settings, &log_path)
            .await
            .expect("proxy session");
        let opened = self.started.elapsed();

        let mut env = session.task_env();
        env.extend([
            (
                "ANTHROPIC_BASE_URL".to_string(),
                format!("https://{MODEL_HOST}"),
            ),
            ("ANTHROPIC_API_KEY".to_string(), SURROGATE.to_string()),
            // a failure shows at once instead of after ten retries
            ("CLAUDE_CODE_MAX_RETRIES".to_string(), "1".to_string()),
        ]);
        let dirs = ConversationDirs::new(self.dir.path().join("conversation"));
        let mut request = AgentTaskRequest {
            conversation_id: conversation,
            task_id: "t1".into(),
            dirs: dirs.clone(),
            image: self.image.clone(),
            claude_binary: support::claude_binary(),
            invocation: ClaudeInvocation {
                model: MODEL.into(),
                effort: None,
                resume_session: None,
            },
            prompt: prompt.into(),
            env,
            limits: Limits::default(),
            timeout: Duration::from_secs(120),
            network: session.task_attachment(),
            extra_mounts: session.task_mounts(),
        };
        adjust(&mut request);
        assert!(
            !request.env.iter().any(|(_, v)| v.contains(REAL_KEY)),
            "the real key is not in the container's environment"
        );
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let ran = run_agent_task(
            &self.engine,
            &self.names,
            &request,
            StopHandle::new(),
            move |event| sink.lock().expect("lock").push(event.raw.to_string()),
        )
        .await;
        let agent_time = self.started.elapsed() - opened;
        self.sandbox.close(session).await;
        // the egress network belongs to this fixture's instance alone
        if let Err(error) = self.engine.docker.remove_network(&self.egress).await {
            eprintln!("removing {}: {error}", self.egress);
        }
        let result = ran.expect("agent task ran");
        let events = seen.lock().expect("lock").clone();
        let netlog_text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let netlog = netlog_text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let context = format!(
            "result: {result:#?}\nnetwork log:\n{netlog_text}\nevents:\n{}",
            events.join("\n")
        );
        if std::env::var_os("AIRUT_TEST_SHOW").is_some() {
            eprintln!("{context}");
        }
        eprintln!(
            "network_claude: sandbox and proxy up after {:.1} s, Claude Code ran {:.1} s, {:.1} s in all",
            opened.as_secs_f64(),
            agent_time.as_secs_f64(),
            self.started.elapsed().as_secs_f64()
        );
        Run {
            result,
            events,
            netlog,
            netlog_text,
            dirs,
            context,
            _dir: self.dir,
        }
    }
}

#[tokio::test]
async fn claude_code_reaches_the_model_over_https_through_the_proxy() {
    let fx = Fixture::new().await;
    let server = fx.server(
        Script::new().turn(Turn::tool(ToolUse::bash(BASH))).turn(
            Turn::text("The blocked host answered 403.")
                .expect_tool_result_contains("status=403")
                .expect_tool_result_contains(format!("ANTHROPIC_API_KEY={SURROGATE}"))
                .expect_not_contains(REAL_KEY),
        ),
    );
    let run = fx
        .run(&server, "Check whether blocked.test is reachable.", |_| {})
        .await;
    let context = &run.context;

    // Claude Code got its answers over HTTPS through the proxy
    assert_eq!(run.result.outcome, Outcome::Success, "{context}");
    assert_eq!(
        run.result.response_text.as_deref(),
        Some("The blocked host answered 403."),
        "{context}"
    );
    server.assert_ok();
    let main = server.main_requests();
    assert_eq!(main.len(), 2, "{context}");

    // the masked key: the server saw only the real one, on every request
    let requests = server.requests();
    assert!(
        requests.iter().all(|r| r.header("x-api-key").is_some()),
        "every request carried the key"
    );
    assert_eq!(server.secret_header_values("x-api-key"), vec![REAL_KEY]);
    // and the container never had it: its environment holds the surrogate
    // (the tool result), and neither its events nor anything it wrote hold
    // the real key
    let tool_output: String = main[1]
        .tool_results()
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert!(
        tool_output.contains(&format!("ANTHROPIC_API_KEY={SURROGATE}")),
        "{tool_output}"
    );
    assert!(
        !run.events.iter().any(|e| e.contains(REAL_KEY)),
        "real key in the events"
    );
    assert_eq!(
        files_containing(run.dirs.root(), REAL_KEY),
        Vec::<String>::new(),
        "real key in the conversation's files"
    );
    assert!(
        files_containing(run.dirs.root(), SURROGATE)
            .iter()
            .any(|f| f.ends_with("events.jsonl")),
        "the tool result with the surrogate is in events.jsonl"
    );

    // the network log: every request the server got is there, allowed with
    // the key swapped in; the Bash tool's request is blocked; nothing else
    // was let through
    let model_url = format!("https://{MODEL_HOST}/");
    let model_entries: Vec<&NetLogEntry> = run
        .netlog
        .iter()
        .filter(|e| {
            e.kind == EntryKind::Http && e.url.as_deref().is_some_and(|u| u.starts_with(&model_url))
        })
        .collect();
    assert_eq!(model_entries.len(), requests.len(), "{context}");
    assert!(
        model_entries.iter().all(|e| e.verdict == Verdict::Allowed
            && e.status == Some(200)
            && e.masked == 1
            && e.url.as_deref().is_some_and(|u| u.contains("/v1/messages"))),
        "{context}"
    );
    assert!(
        run.netlog.iter().any(|e| e.kind == EntryKind::Http
            && e.verdict == Verdict::Blocked
            && e.status == Some(403)
            && e.url.as_deref() == Some("https://blocked.test/")),
        "{context}"
    );
    assert!(
        run.netlog
            .iter()
            .filter(|e| e.verdict == Verdict::Allowed && e.kind == EntryKind::Http)
            .all(|e| e.url.as_deref().is_some_and(|u| u.starts_with(&model_url))),
        "only the model host was let through:\n{context}"
    );
    assert!(
        !run.netlog_text.contains(REAL_KEY),
        "real key in the network log"
    );
}

/// The test above passes by three overlapping routes: the entrypoint adds
/// the proxy CA to the system store, and `SSL_CERT_FILE` and
/// `NODE_EXTRA_CA_CERTS` name it; Claude Code (Bun) honours each of them.
/// A repo image without `update-ca-certificates` leaves only the variables,
/// and `NODE_EXTRA_CA_CERTS` is the one meant for Claude Code: here the CA
/// is mounted outside the system store's directory and that variable alone
/// names it.
#[tokio::test]
async fn claude_code_trusts_the_proxy_ca_through_node_extra_ca_certs_alone() {
    const ALONE: &str = "/etc/airut-test/proxy-ca.crt";
    let fx = Fixture::new().await;
    let server = fx.server(Script::new().turn(Turn::text("Trusted.")));
    let run = fx
        .run(&server, "Say something.", |request| {
            for mount in &mut request.extra_mounts {
                assert_eq!(mount.container, CA_CERT_PATH);
                mount.container = ALONE.into();
            }
            request
                .env
                .retain(|(name, value)| value != CA_CERT_PATH || name == "NODE_EXTRA_CA_CERTS");
            for (name, value) in &mut request.env {
                if name == "NODE_EXTRA_CA_CERTS" {
                    *value = ALONE.into();
                }
            }
            assert!(
                !request.env.iter().any(|(_, v)| v == CA_CERT_PATH),
                "nothing else names the CA"
            );
        })
        .await;
    assert_eq!(run.result.outcome, Outcome::Success, "{}", run.context);
    assert_eq!(run.result.response_text.as_deref(), Some("Trusted."));
    server.assert_ok();
    assert_eq!(server.secret_header_values("x-api-key"), vec![REAL_KEY]);
}
