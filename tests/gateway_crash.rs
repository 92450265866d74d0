//! kill -9 of a gateway process, with the network sandbox on: a message
//! journaled but not started runs after the restart; the task that was
//! running gets the "interrupted, reply to resume" answer; the containers
//! and networks the dead process left are removed; the interrupted
//! conversation goes on with the next message; and a SIGTERM then stops
//! the gateway leaving nothing of it in the engine.
//!
//! The gateway runs in a child process: this test binary again, running
//! only the ignored `crash_child_gateway`, which serves until killed.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use actix::Actor;
use airut_actors::config;
use airut_actors::conversation::INTERRUPTED_NOTICE;
use airut_actors::gateway::{EnvOverrides, Gateway, GatewaySettings, Shutdown};
use airut_actors::sandbox::names::Names;
use airut_actors::sandbox::network_sandbox::NetworkSandbox;
use airut_actors::store::Store;
use airut_testkit::model_server::{ModelServer, Script, Turn};
use support::dir_channel::{DirChannelFactory, calls};
use support::gateway_fixture::{DOCKERFILE, MODEL, message};

const MODEL_HOST: &str = "model.test";
const CHILD: &str = "crash_child_gateway";

/// The gateway process of the test below; not a test of its own.
#[test]
#[ignore = "the gateway process that gateway_crash's test starts and kills"]
fn crash_child_gateway() {
    let dir = PathBuf::from(std::env::var("AIRUT_CRASH_DIR").expect("AIRUT_CRASH_DIR"));
    let overrides: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("overrides.json")).expect("overrides"))
            .expect("overrides json");
    actix::System::new().block_on(async move {
        let loaded = config::load(&dir.join("airut.yaml")).expect("config");
        let store = Store::open(&dir.join("state").join("store")).expect("store");
        let mut settings = GatewaySettings::new(
            loaded.config,
            dir.join("state"),
            store,
            Arc::new(DirChannelFactory::new(&dir)),
            PathBuf::from(env!("CARGO_BIN_EXE_airut")),
        );
        settings.instance = overrides["instance"].as_str().expect("instance").into();
        settings.overrides = EnvOverrides {
            claude_binary: Some(support::claude_binary()),
            extra_env: vec![
                ("CLAUDE_CODE_MAX_RETRIES".into(), "1".into()),
                ("ANTHROPIC_BASE_URL".into(), format!("https://{MODEL_HOST}")),
            ],
            upstream_ports: [(
                MODEL_HOST.to_string(),
                overrides["port"].as_u64().expect("port") as u16,
            )]
            .into(),
            upstream_extra_roots_pem: Some(overrides["roots"].as_str().expect("roots").into()),
            ..EnvOverrides::default()
        };
        let gateway = Gateway::new(settings).start();
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        term.recv().await;
        gateway.send(Shutdown).await.expect("shutdown");
    });
}

fn spawn_child(dir: &Path) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            CHILD,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("AIRUT_CRASH_DIR", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("child gateway")
}

fn submit_file(dir: &Path, name: &str, msg: &airut_actors::intake::InboundMessage) {
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).expect("inbox");
    let tmp = dir.join(format!("{name}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec(msg).expect("json")).expect("write");
    std::fs::rename(&tmp, inbox.join(name)).expect("rename");
}

async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let waited = tokio::time::Instant::now();
    while !done() {
        assert!(waited.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Containers and networks labelled with `names`' instance (by name for
/// networks: `airut-<instance>-…`).
async fn leftovers(names: &Names) -> (Vec<String>, Vec<String>) {
    let engine = support::engine().await;
    let containers = airut_actors::sandbox::leftovers::list_container_names(&engine, names, None)
        .await
        .expect("containers");
    let networks = engine
        .docker
        .list_networks(None::<bollard::query_parameters::ListNetworksOptions>)
        .await
        .expect("networks")
        .into_iter()
        .filter_map(|n| n.name)
        .filter(|n| n.contains(names.instance()))
        .collect();
    (containers, networks)
}

#[tokio::test]
async fn a_killed_gateway_runs_the_queued_and_answers_the_interrupted_on_restart() {
    let engine = support::engine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let instance = support::unique("crash");
    let names = Names::new(&instance);
    // the egress network first: its gateway is where the proxy reaches the
    // model server on this host
    let sandbox = NetworkSandbox::prepare(
        engine.clone(),
        names.clone(),
        PathBuf::from(env!("CARGO_BIN_EXE_airut")),
        "debian:bookworm-slim".into(),
        &root.join("prepare"),
    )
    .await
    .expect("egress network");
    drop(sandbox);
    let egress = format!("airut-{}-egress", names.instance());
    let host_ip = support::egress_gateway(&engine, &egress).await;
    let ca = support::test_pki::test_pki("Airut crash test CA", &[MODEL_HOST]);
    let server = ModelServer::start_tls_for_containers(
        Script::new()
            .turn(Turn::text("Never sent.").delay(Duration::from_secs(600)))
            .turn(Turn::text("B done."))
            .turn(Turn::text("A continued.")),
        &ca.leaf_cert_pem,
        &ca.leaf_key_pem,
    );
    let url = support::git_repo::bare_upstream(
        &root.join("up"),
        &[
            (".airut/container/Dockerfile", DOCKERFILE),
            (
                ".airut/network-allowlist.yaml",
                &format!("domains:\n  - {MODEL_HOST}\nurl_prefixes: []\n"),
            ),
        ],
    );
    let yaml = format!(
        "config_version: 5\nexecution:\n  max_concurrent: 1\n  shutdown_timeout: 5\n\
         dashboard:\n  enabled: false\nnetwork:\n  upstream_hosts:\n    {MODEL_HOST}: {host_ip}\n\
         repos:\n  alpha:\n    repo_url: {url}\n    model: {MODEL}\n    network:\n      sandbox_enabled: true\n    \
         email:\n      account:\n        username: alpha@example.com\n        from: \"Airut <alpha@example.com>\"\n        \
         password: unused\n      imap:\n        server: imap.example.com\n      smtp:\n        server: smtp.example.com\n      \
         auth:\n        authorized_senders:\n          - ann@example.com\n        trusted_authserv_id: mx.example.com\n    \
         secrets:\n      ANTHROPIC_API_KEY: test-key\n"
    );
    std::fs::write(root.join("airut.yaml"), yaml).expect("config");
    let overrides = serde_json::json!({
        "instance": instance,
        "port": server.port(),
        "roots": ca.ca_cert_pem,
    });
    std::fs::write(root.join("overrides.json"), overrides.to_string()).expect("overrides");

    // first life: A runs (its model turn never ends), B waits for the slot
    let mut child = spawn_child(&root);
    submit_file(
        &root,
        "001.json",
        &message("alpha", "a1", "thread-a", "Start A."),
    );
    wait_for("A's model request", Duration::from_secs(180), || {
        !server.main_requests().is_empty()
    })
    .await;
    submit_file(
        &root,
        "002.json",
        &message("alpha", "b1", "thread-b", "Then B."),
    );
    wait_for(
        "B journaled and acknowledged upstream",
        Duration::from_secs(30),
        || root.join("acked").join("002.json").exists(),
    )
    .await;
    let conv_a = calls(&root)
        .iter()
        .find(|(call, _, _)| call == "acknowledge")
        .map(|(_, conversation, _)| conversation.clone())
        .expect("A acknowledged");
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    let (containers, _) = leftovers(&names).await;
    assert!(
        !containers.is_empty(),
        "the killed gateway left its task behind"
    );

    // second life
    let mut child = spawn_child(&root);
    wait_for("B's reply and A's notice", Duration::from_secs(180), || {
        let calls = calls(&root);
        calls
            .iter()
            .any(|(c, _, t)| c == "reply" && t.starts_with("B done."))
            && calls.iter().any(|(c, conv, t)| {
                c == "error_reply" && *conv == conv_a && t == INTERRUPTED_NOTICE
            })
    })
    .await;
    let answered_a = calls(&root)
        .iter()
        .filter(|(c, conv, _)| (c == "reply" || c == "error_reply") && *conv == conv_a)
        .count();
    assert_eq!(answered_a, 1, "{:#?}", calls(&root));
    // what the dead process left is removed at start; B's own container
    // and proxy go in the background right after its answer
    let waited = tokio::time::Instant::now();
    loop {
        let (containers, networks) = leftovers(&names).await;
        if containers.is_empty() && networks == vec![egress.clone()] {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "left behind: {containers:?} {networks:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // the interrupted conversation goes on
    submit_file(
        &root,
        "003.json",
        &message("alpha", "a2", "thread-a", "Go on with A."),
    );
    wait_for("A's next answer", Duration::from_secs(180), || {
        calls(&root)
            .iter()
            .any(|(c, conv, t)| c == "reply" && *conv == conv_a && t.starts_with("A continued."))
    })
    .await;

    // resumed, not started afresh: the session Claude reported before the
    // kill was kept, and its transcript holds A's first request
    let resumed = server.main_requests().last().expect("request").text();
    assert!(resumed.contains("Start A."), "{resumed}");

    // SIGTERM: a clean stop leaves nothing at all
    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let exited = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(exited.success(), "{exited:?}");
    let (containers, networks) = leftovers(&names).await;
    assert!(
        containers.is_empty() && networks.is_empty(),
        "{containers:?} {networks:?}"
    );
}
