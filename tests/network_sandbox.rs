//! The network sandbox end to end, against real containers: a task
//! container behind `airut proxy`, an upstream of ours on the egress
//! network, and a bypass suite where every attempt must be blocked (and
//! logged), while allowed traffic and masked credentials work.

mod support;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use airut_actors::sandbox::build_context::BuildContext;
use airut_actors::sandbox::container_run::{RunOptions, run_container};
use airut_actors::sandbox::container_spec::{ContainerSpec, Limits, Mount, NetworkAttachment};
use airut_actors::sandbox::engine::Engine;
use airut_actors::sandbox::images::ImageCache;
use airut_actors::sandbox::names::{Names, Role};
use airut_actors::sandbox::network_sandbox::{NetworkSandbox, ProxySettings};
use airut_actors::sandbox::stop_handle::StopHandle;
use airut_proxy::masking::MaskedSecret;
use airut_proxy::netlog::{EntryKind, NetLogEntry, Verdict};
use airut_proxy::policy::{Allowlist, UrlPrefix};

const NAMES: [&str; 6] = [
    "allowed.test",
    "blocked.test",
    "scoped.test",
    "unscoped.test",
    "paths.test",
    "methods.test",
];
const REAL_TOKEN: &str = "ghp_R3alS3cretValueThatMustNeverLeak0123";
const SURROGATE: &str = "ghp_SurrogateValueSeenInsideTheSandbox99";

/// The upstream container: echoes requests, serves a git repo, logs UDP.
struct Upstream {
    name: String,
    ip: IpAddr,
}

async fn start_upstream(
    engine: &Engine,
    names: &Names,
    egress: &str,
    srv: &Path,
    image: &str,
) -> Upstream {
    let name = names.container(Role::Task, "upstream", &support::unique("u"));
    let spec = ContainerSpec {
        name: name.clone(),
        image: image.to_string(),
        cmd: vec!["python3".into(), "-u".into(), "/srv/upstream.py".into()],
        env: vec![],
        mounts: vec![Mount::ro(srv.display().to_string(), "/srv")],
        working_dir: None,
        limits: Limits::default(),
        network: NetworkAttachment::Network {
            name: egress.to_string(),
            dns: vec![],
        },
        labels: names.container_labels(Role::Task, "upstream", "u"),
        stdin: false,
    };
    let mut body = spec.to_create_body();
    if let Some(host) = body.host_config.as_mut() {
        host.cap_add = Some(vec!["NET_BIND_SERVICE".into()]);
        // the test reads what the upstream saw from its logs
        host.log_config = None;
    }
    body.entrypoint = Some(vec![]);
    engine
        .docker
        .create_container(
            Some(
                bollard::query_parameters::CreateContainerOptionsBuilder::new()
                    .name(&name)
                    .build(),
            ),
            body,
        )
        .await
        .expect("create upstream");
    engine
        .docker
        .start_container(
            &name,
            None::<bollard::query_parameters::StartContainerOptions>,
        )
        .await
        .expect("start upstream");
    let info = engine
        .docker
        .inspect_container(
            &name,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .expect("inspect upstream");
    let ip = info
        .network_settings
        .and_then(|n| n.networks)
        .and_then(|n| n.get(egress).and_then(|e| e.ip_address.clone()))
        .expect("upstream address")
        .parse()
        .expect("ip");
    for _ in 0..100 {
        if upstream_log(engine, &name).await.contains("UPSTREAM-READY") {
            return Upstream { name, ip };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "upstream never got ready: {}",
        upstream_log(engine, &name).await
    );
}

async fn upstream_log(engine: &Engine, name: &str) -> String {
    use futures_util::StreamExt;
    let mut logs = engine.docker.logs(
        name,
        Some(
            bollard::query_parameters::LogsOptionsBuilder::new()
                .stdout(true)
                .stderr(true)
                .build(),
        ),
    );
    let mut text = String::new();
    while let Some(Ok(chunk)) = logs.next().await {
        text.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
    }
    text
}

fn read_netlog(path: &Path) -> Vec<NetLogEntry> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn bare_repo(srv: &Path) {
    let work = srv.join("work");
    let run = |args: &[&str], dir: &Path| {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git");
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    std::fs::create_dir_all(&work).expect("mkdir");
    run(&["init", "-q", "-b", "main"], &work);
    std::fs::write(work.join("README"), "cloned through the proxy\n").expect("write");
    run(&["add", "README"], &work);
    run(
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "init",
        ],
        &work,
    );
    run(&["clone", "-q", "--bare", "work", "git/repo.git"], srv);
    run(&["update-server-info"], &srv.join("git/repo.git"));
}

#[tokio::test]
async fn allowed_traffic_works_and_every_bypass_is_blocked() {
    let engine = support::engine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let names = Names::new(&support::unique("net"));
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

    // upstream of ours on the egress network
    let ca = support::test_pki::test_pki("Airut test upstream CA", &NAMES);
    let srv = dir.path().join("srv");
    std::fs::create_dir_all(srv.join("git")).expect("mkdir");
    for (file, text) in [
        ("upstream.py", include_str!("network/upstream.py")),
        (
            "nested_connect.py",
            include_str!("network/nested_connect.py"),
        ),
        ("upstream.crt", ca.leaf_cert_pem.as_str()),
        ("upstream.key", ca.leaf_key_pem.as_str()),
    ] {
        std::fs::write(srv.join(file), text).expect("write srv");
    }
    bare_repo(&srv);
    let images = ImageCache::new(
        engine.clone(),
        Duration::from_secs(86400),
        dir.path().join("locks"),
    );
    let image = images
        .ensure_task_image(&BuildContext::new("FROM debian:bookworm-slim\n# needs the test-env base with dig, nc and python3\nWORKDIR /workspace\n"))
        .await
        .expect("image")
        .tag;
    let egress = format!("airut-{}-egress", names.instance());
    let upstream = start_upstream(&engine, &names, &egress, &srv, "debian:bookworm-slim").await;

    let settings = ProxySettings {
        allowlist: Allowlist {
            domains: vec![
                "allowed.test".into(),
                "scoped.test".into(),
                "unscoped.test".into(),
            ],
            url_prefixes: vec![
                UrlPrefix {
                    host: "paths.test".into(),
                    path: "/allowed/*".into(),
                    methods: vec![],
                },
                UrlPrefix {
                    host: "methods.test".into(),
                    path: String::new(),
                    methods: vec!["GET".into()],
                },
            ],
        },
        masked_secrets: vec![MaskedSecret {
            env_name: "GH_TOKEN".into(),
            surrogate: SURROGATE.into(),
            real: REAL_TOKEN.into(),
            scopes: vec!["scoped.test".into()],
            headers: vec!["Authorization".into()],
            allow_foreign_credentials: false,
        }],
        upstream_hosts: NAMES
            .iter()
            .map(|n| (n.to_string(), upstream.ip))
            .collect::<BTreeMap<_, _>>(),
        upstream_ports: BTreeMap::new(),
        // a resolver of ours that must never be asked anything
        upstream_dns: Some(std::net::SocketAddr::new(upstream.ip, 53)),
        upstream_extra_roots_pem: Some(ca.ca_cert_pem.clone()),
    };
    let conversation = support::unique("c");
    let log_path = dir.path().join("network.log");
    let session = sandbox
        .open(&conversation, "t1", &settings, &log_path)
        .await
        .expect("proxy session");
    // a second conversation whose proxy must be unreachable from the first
    let other_log = dir.path().join("other.log");
    let other = sandbox
        .open(&support::unique("c"), "t1", &settings, &other_log)
        .await
        .expect("other session");
    // a host service on every interface, which the gateway address must not expose
    let host_listener = tokio::net::TcpListener::bind("0.0.0.0:0")
        .await
        .expect("host listener");
    let host_port = host_listener.local_addr().expect("addr").port();
    let host_service = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut stream, _)) = host_listener.accept().await {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                .await;
        }
    });

    let gateway_ip = {
        let o = session.proxy_ip().octets();
        format!("{}.{}.{}.1", o[0], o[1], o[2])
    };
    let mut env = session.task_env();
    env.extend([
        ("GH_TOKEN".to_string(), SURROGATE.to_string()),
        ("PROXY_IP".to_string(), session.proxy_ip().to_string()),
        ("UPSTREAM_IP".to_string(), upstream.ip.to_string()),
        ("GATEWAY_IP".to_string(), gateway_ip),
        ("OTHER_PROXY".to_string(), other.proxy_ip().to_string()),
        ("HOST_PORT".to_string(), host_port.to_string()),
    ]);
    let mut mounts = session.task_mounts();
    mounts.push(Mount::ro(
        srv.join("nested_connect.py").display().to_string(),
        "/srv/nested_connect.py",
    ));
    let spec = ContainerSpec {
        name: names.container(Role::Task, &conversation, "t1"),
        image,
        cmd: vec![
            "bash".into(),
            "-c".into(),
            include_str!("network/bypass_suite.sh").into(),
        ],
        env,
        mounts,
        working_dir: Some("/workspace".into()),
        limits: Limits::default(),
        network: session.task_attachment(),
        labels: names.container_labels(Role::Task, &conversation, "t1"),
        stdin: false,
    };
    let mut results = BTreeMap::new();
    let mut output = Vec::new();
    run_container(
        &engine,
        &spec,
        RunOptions {
            stdin: None,
            timeout: Some(Duration::from_secs(300)),
            stop: StopHandle::new(),
            stop_grace: Duration::ZERO,
            remove_in_background: false,
        },
        |_, line| {
            if let Some(rest) = line.strip_prefix("RESULT ") {
                let (name, value) = rest.split_once(' ').unwrap_or((rest, ""));
                results.insert(name.to_string(), value.trim().to_string());
            }
            output.push(line);
        },
    )
    .await
    .expect("task container ran");
    let upstream_seen = upstream_log(&engine, &upstream.name).await;
    sandbox.close(session).await;
    sandbox.close(other).await;
    airut_actors::sandbox::container_run::remove(&engine, &upstream.name).await;
    host_service.abort();

    let context = format!(
        "results: {results:#?}\noutput:\n{}\nupstream:\n{upstream_seen}",
        output.join("\n")
    );
    let expect = |name: &str, want: &str| {
        assert_eq!(
            results.get(name).map(String::as_str),
            Some(want),
            "attempt {name}\n{context}"
        );
    };
    let expect_any = |name: &str, wants: &[&str]| {
        let got = results.get(name).map(String::as_str).unwrap_or("<missing>");
        assert!(
            wants.contains(&got),
            "attempt {name}: got {got}, want one of {wants:?}\n{context}"
        );
    };
    if std::env::var_os("AIRUT_TEST_SHOW").is_some() {
        eprintln!("{context}");
    }
    // allowed traffic works
    expect("allowed_https", "200");
    expect("allowed_http", "200");
    expect("allowed_path", "200");
    expect("git_clone", "cloned through the proxy");
    // the bypass suite: every attempt blocked
    expect("blocked_https", "403");
    expect("blocked_http", "403");
    expect("literal_ipv4_upstream", "000");
    expect("literal_ipv4_proxy_no_sni", "000");
    expect("literal_ipv6", "000");
    expect("other_port", "000");
    expect(
        "dns_blocked_name",
        &results.get("proxy_ip").cloned().unwrap_or_default(),
    );
    expect("dns_aaaa_answers", "0");
    expect(
        "dns_tcp",
        &results.get("proxy_ip").cloned().unwrap_or_default(),
    );
    expect("dns_gateway", "no-answer");
    expect("dns_other_upstream", "no-answer");
    expect("connect_80", "403");
    expect("connect_443_plain", "0");
    expect("sni_host_mismatch", "403");
    expect("absolute_form_mismatch", "403");
    expect("encoded_traversal", "403");
    expect("double_encoded", "403");
    expect("backslash", "403");
    expect("path_params", "403");
    expect("dot_segment", "403");
    expect("method_blocked", "403");
    expect_any("http2_prior_knowledge", &["000", "403"]);
    expect("http2_tls", "403");
    expect("websocket_blocked", "403");
    expect("redirect_to_blocked", "403");
    expect("host_service", "000");
    expect("other_conversation", "000");
    expect_any("nested_connect", &["403", "closed"]);
    expect("non_tls_443", "0");
    expect("udp_direct", "sent");
    // credentials
    expect("dup_credentials", &format!("[\"Bearer {SURROGATE}\"]"));
    expect("foreign_credential", "[]");
    expect("surrogate_unscoped", &format!("[\"Bearer {SURROGATE}\"]"));
    expect("env_has_surrogate", "yes");

    // what the upstream really received
    assert!(
        upstream_seen.contains(&format!("scoped.test /echo auth=[\"Bearer {REAL_TOKEN}\"]")),
        "the real token reached the scoped host exactly once:\n{upstream_seen}"
    );
    assert!(
        !upstream_seen.contains("attacker-token"),
        "foreign credential got through:\n{upstream_seen}"
    );
    assert!(
        upstream_seen.contains(&format!(
            "unscoped.test /echo auth=[\"Bearer {SURROGATE}\"]"
        )),
        "an unscoped host gets the useless surrogate:\n{upstream_seen}"
    );
    assert!(
        !upstream_seen.contains("blocked.test"),
        "a blocked request reached the upstream:\n{upstream_seen}"
    );
    assert!(
        !upstream_seen.contains("UDP "),
        "something reached the upstream resolver or UDP port:\n{upstream_seen}"
    );
    // the real secret never entered the task container's world
    assert!(
        !output.join("\n").contains(REAL_TOKEN),
        "real token visible in the container"
    );

    // and the network log recorded the blocks
    let log = read_netlog(&log_path);
    let blocked: Vec<&NetLogEntry> = log
        .iter()
        .filter(|e| e.verdict == Verdict::Blocked)
        .collect();
    assert!(blocked.iter().any(|e| e.kind == EntryKind::Http
        && e.url.as_deref().is_some_and(|u| u.contains("blocked.test"))));
    assert!(blocked.iter().any(|e| e.kind == EntryKind::Connect));
    assert!(
        blocked.iter().any(|e| e.kind == EntryKind::Connection),
        "non-TLS bytes on 443 are logged"
    );
    assert!(log.iter().any(|e| e.kind == EntryKind::Dns));
    assert!(
        !std::fs::read_to_string(&log_path)
            .unwrap_or_default()
            .contains(REAL_TOKEN),
        "real token in the network log"
    );
}

#[tokio::test]
async fn leftover_networks_of_this_instance_only_are_removed() {
    use airut_actors::sandbox::leftovers::remove_leftover_networks;
    let engine = support::engine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let airut = std::path::PathBuf::from(env!("CARGO_BIN_EXE_airut"));
    let mine = Names::new(&support::unique("left"));
    let theirs = Names::new(&support::unique("keep"));
    let mut sandboxes = Vec::new();
    for names in [&mine, &theirs] {
        let sandbox = NetworkSandbox::prepare(
            engine.clone(),
            names.clone(),
            airut.clone(),
            "debian:bookworm-slim".into(),
            &dir.path().join(names.instance()),
        )
        .await
        .expect("prepare");
        let session = sandbox
            .open(
                "crashed",
                "t1",
                &ProxySettings::default(),
                &dir.path().join(format!("{}.log", names.instance())),
            )
            .await
            .expect("open");
        // a crash: the session is never closed
        std::mem::forget(session);
        sandboxes.push(sandbox);
    }
    let removed = remove_leftover_networks(&engine, &mine)
        .await
        .expect("cleanup");
    assert_eq!(
        removed,
        vec![format!("airut-{}-net-crashed-t1", mine.instance())]
    );
    let kept = remove_leftover_networks(&engine, &theirs)
        .await
        .expect("cleanup");
    assert_eq!(
        kept.len(),
        1,
        "the other instance's network was still there"
    );
    for names in [&mine, &theirs] {
        airut_actors::sandbox::leftovers::remove_leftover_containers(&engine, names)
            .await
            .expect("containers");
    }
}
