//! Images and container runs against the real Podman of the prepared
//! machine: builds, cache hits, exit codes, timeout, stop, OOM — and that
//! nothing is left running afterwards.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use airut_actors::sandbox::build_context::BuildContext;
use airut_actors::sandbox::container_run::{ContainerExit, RunOptions, Stream, run_container};
use airut_actors::sandbox::container_spec::{ContainerSpec, Limits, NetworkAttachment};
use airut_actors::sandbox::engine::Engine;
use airut_actors::sandbox::images::{ImageCache, ImageError};
use airut_actors::sandbox::names::{Names, Role};
use airut_actors::sandbox::stop_handle::StopHandle;

const DAY: Duration = Duration::from_secs(24 * 3600);

fn cache(engine: &Engine, dir: &tempfile::TempDir) -> ImageCache {
    ImageCache::new(engine.clone(), DAY, dir.path().join("locks"))
}

/// A tiny image whose content is unique to `marker`, so each test builds
/// its own and cache behaviour is observable.
fn context(marker: &str) -> BuildContext {
    BuildContext::new(format!(
        "FROM debian:bookworm-slim\nRUN echo {marker} > /marker\nWORKDIR /workspace\n"
    ))
}

async fn shared_image(engine: &Engine) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    cache(engine, &dir)
        .ensure_task_image(&context("shared-run-image-v1"))
        .await
        .expect("image")
        .tag
}

fn spec(image: &str, cmd: &[&str]) -> ContainerSpec {
    let names = Names::new("test");
    let conversation = support::unique("c");
    ContainerSpec {
        name: names.container(Role::Task, &conversation, "t1"),
        image: image.to_string(),
        cmd: cmd.iter().map(|s| s.to_string()).collect(),
        env: vec![("GREETING".into(), "hello".into())],
        mounts: vec![],
        working_dir: None,
        limits: Limits::default(),
        network: NetworkAttachment::None,
        labels: names.container_labels(Role::Task, &conversation, "t1"),
        stdin: false,
    }
}

async fn run(
    engine: &Engine,
    spec: &ContainerSpec,
    options: RunOptions<'_>,
) -> (ContainerExit, Vec<(Stream, String)>) {
    let mut lines = Vec::new();
    let exit = run_container(engine, spec, options, |stream, line| {
        lines.push((stream, line))
    })
    .await
    .expect("run");
    (exit, lines)
}

fn options() -> RunOptions<'static> {
    RunOptions {
        stdin: None,
        timeout: Some(Duration::from_secs(60)),
        stop: StopHandle::new(),
        stop_grace: Duration::ZERO,
        remove_in_background: false,
    }
}

async fn assert_gone(engine: &Engine, name: &str) {
    let result = engine
        .docker
        .inspect_container(
            name,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await;
    assert!(
        matches!(
            result,
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404,
                ..
            })
        ),
        "container {name} still exists: {result:?}"
    );
}

#[tokio::test]
async fn second_ensure_hits_the_cache() {
    let engine = support::engine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let images = cache(&engine, &dir);
    let ctx = context(&support::unique("cache"));
    let first = images.ensure_task_image(&ctx).await.expect("build");
    assert!(first.built);
    let second = images.ensure_task_image(&ctx).await.expect("cached");
    assert!(!second.built, "second ensure rebuilt");
    assert_eq!(first.tag, second.tag);
    let info = engine
        .docker
        .inspect_image(&first.tag)
        .await
        .expect("image exists");
    let labels = info.config.and_then(|c| c.labels).unwrap_or_default();
    assert_eq!(
        labels.get("airut.managed").map(String::as_str),
        Some("true")
    );
}

#[tokio::test]
async fn zero_max_age_always_rebuilds() {
    let engine = support::engine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let images = ImageCache::new(engine.clone(), Duration::ZERO, dir.path().join("locks"));
    let ctx = context(&support::unique("age"));
    assert!(images.ensure_task_image(&ctx).await.expect("build").built);
    assert!(images.ensure_task_image(&ctx).await.expect("rebuild").built);
}

#[tokio::test]
async fn broken_dockerfile_names_the_failing_step() {
    let engine = support::engine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = BuildContext::new(format!(
        "FROM debian:bookworm-slim\nRUN echo {}\nRUN exit 3\n",
        support::unique("broken")
    ));
    match cache(&engine, &dir).ensure_task_image(&ctx).await {
        Err(ImageError::BuildFailed { tail, message, .. }) => {
            let text = format!("{message}\n{tail}");
            assert!(
                text.contains("exit 3"),
                "the failing step is named:\n{text}"
            );
        }
        other => panic!("expected a build failure, got {other:?}"),
    }
}

#[tokio::test]
async fn output_lines_exit_code_and_cleanup() {
    let engine = support::engine().await;
    let image = shared_image(&engine).await;
    let spec = spec(
        &image,
        &[
            "/bin/sh",
            "-c",
            "echo \"$GREETING\"; cat /marker; echo oops >&2; printf tail; exit 7",
        ],
    );
    let (exit, lines) = run(&engine, &spec, options()).await;
    assert_eq!(exit.exit_code, Some(7));
    assert!(!exit.timed_out && !exit.stopped && !exit.oom_killed);
    let stdout: Vec<&str> = lines
        .iter()
        .filter(|(s, _)| *s == Stream::Stdout)
        .map(|(_, l)| l.as_str())
        .collect();
    assert_eq!(stdout, vec!["hello", "shared-run-image-v1", "tail"]);
    assert!(lines.contains(&(Stream::Stderr, "oops".to_string())));
    assert_gone(&engine, &spec.name).await;
}

#[tokio::test]
async fn stdin_reaches_the_container_and_closes() {
    let engine = support::engine().await;
    let image = shared_image(&engine).await;
    let mut spec = spec(&image, &["/bin/sh", "-c", "wc -c; echo done"]);
    spec.stdin = true;
    let prompt = "x".repeat(300_000); // larger than a pipe buffer
    let (exit, lines) = run(
        &engine,
        &spec,
        RunOptions {
            stdin: Some(prompt.as_bytes()),
            ..options()
        },
    )
    .await;
    assert_eq!(exit.exit_code, Some(0));
    let stdout: Vec<&str> = lines.iter().map(|(_, l)| l.trim()).collect();
    assert_eq!(stdout, vec!["300000", "done"]);
}

#[tokio::test]
async fn timeout_kills_the_container_and_keeps_partial_output() {
    let engine = support::engine().await;
    let image = shared_image(&engine).await;
    let spec = spec(&image, &["/bin/sh", "-c", "echo started; sleep 300"]);
    let (exit, lines) = run(
        &engine,
        &spec,
        RunOptions {
            timeout: Some(Duration::from_secs(2)),
            ..options()
        },
    )
    .await;
    assert!(exit.timed_out);
    assert_eq!(exit.exit_code, None);
    assert!(
        exit.duration < Duration::from_secs(30),
        "{:?}",
        exit.duration
    );
    assert_eq!(lines, vec![(Stream::Stdout, "started".to_string())]);
    assert_gone(&engine, &spec.name).await;
}

#[tokio::test]
async fn stop_kills_the_container() {
    let engine = support::engine().await;
    let image = shared_image(&engine).await;
    let spec = spec(&image, &["/bin/sh", "-c", "echo started; sleep 300"]);
    let stop = StopHandle::new();
    let stopper = stop.clone();
    let mut first_line = None;
    let exit = run_container(
        &engine,
        &spec,
        RunOptions { stop, ..options() },
        |_, line| {
            first_line.get_or_insert(line);
            stopper.stop();
        },
    )
    .await
    .expect("run");
    assert!(exit.stopped && !exit.timed_out);
    assert_eq!(exit.exit_code, Some(137), "SIGKILL at once");
    assert_eq!(first_line.as_deref(), Some("started"));
    assert_gone(&engine, &spec.name).await;
}

#[tokio::test]
async fn memory_limit_gives_oom() {
    let engine = support::engine().await;
    let image = shared_image(&engine).await;
    let mut spec = spec(
        &image,
        // grows a shell variable until the 32 MiB limit kills it
        &[
            "/bin/sh",
            "-c",
            "x=aaaaaaaaaaaaaaaa; while true; do x=\"$x$x\"; done",
        ],
    );
    spec.limits = Limits {
        memory_bytes: Some(32 << 20),
        ..Limits::default()
    };
    let (exit, _) = run(&engine, &spec, options()).await;
    assert!(exit.oom_killed, "{exit:?}");
    assert_eq!(exit.exit_code, Some(137));
}

#[tokio::test]
async fn leftover_with_the_same_name_is_replaced() {
    let engine = support::engine().await;
    let image = shared_image(&engine).await;
    let spec = spec(&image, &["/bin/true"]);
    engine
        .docker
        .create_container(
            Some(
                bollard::query_parameters::CreateContainerOptionsBuilder::new()
                    .name(&spec.name)
                    .build(),
            ),
            spec.to_create_body(),
        )
        .await
        .expect("plant a leftover");
    let (exit, _) = run(&engine, &spec, options()).await;
    assert_eq!(exit.exit_code, Some(0));
    assert_gone(&engine, &spec.name).await;
}

#[test]
fn labels_are_what_cleanup_filters_on() {
    let names = Names::new("test");
    let labels: HashMap<String, String> = names.container_labels(Role::Task, "c", "t");
    assert!(names.instance_filter()["label"].iter().all(|f| {
        let (k, v) = f.split_once('=').expect("k=v");
        labels.get(k).map(String::as_str) == Some(v)
    }));
}

#[tokio::test]
async fn graceful_stop_lets_the_command_handle_sigterm() {
    let engine = support::engine().await;
    let image = shared_image(&engine).await;
    let spec = spec(
        &image,
        &[
            "/bin/sh",
            "-c",
            "trap 'echo got-term; exit 42' TERM; echo started; while true; do sleep 0.1; done",
        ],
    );
    let stop = StopHandle::new();
    let stopper = stop.clone();
    let mut lines = Vec::new();
    let exit = run_container(
        &engine,
        &spec,
        RunOptions {
            stop,
            stop_grace: Duration::from_secs(10),
            remove_in_background: false,
            ..options()
        },
        |_, line| {
            if line == "started" {
                stopper.stop();
            }
            lines.push(line);
        },
    )
    .await
    .expect("run");
    assert!(exit.stopped);
    assert_eq!(exit.exit_code, Some(42), "{lines:?}");
    assert_eq!(lines, vec!["started", "got-term"]);
    assert_gone(&engine, &spec.name).await;
}

#[tokio::test]
async fn graceful_stop_kills_after_the_grace_period() {
    let engine = support::engine().await;
    let image = shared_image(&engine).await;
    let spec = spec(
        &image,
        &[
            "/bin/sh",
            "-c",
            "trap '' TERM; echo started; while true; do sleep 0.1; done",
        ],
    );
    let stop = StopHandle::new();
    let stopper = stop.clone();
    let exit = run_container(
        &engine,
        &spec,
        RunOptions {
            stop,
            stop_grace: Duration::from_secs(1),
            remove_in_background: false,
            ..options()
        },
        |_, _| {
            stopper.stop();
        },
    )
    .await
    .expect("run");
    assert!(exit.stopped);
    assert_eq!(exit.exit_code, Some(137));
    assert_gone(&engine, &spec.name).await;
}

#[tokio::test]
async fn leftover_cleanup_removes_only_this_instances_containers() {
    use airut_actors::sandbox::leftovers::remove_leftover_containers;
    let engine = support::engine().await;
    let image = shared_image(&engine).await;
    let mine = Names::new(&support::unique("mine"));
    let theirs = Names::new(&support::unique("theirs"));
    let mut created = Vec::new();
    for (names, task) in [(&mine, "a"), (&mine, "b"), (&theirs, "c")] {
        let mut s = spec(&image, &["/bin/sleep", "300"]);
        s.name = names.container(Role::Task, "conv", task);
        s.labels = names.container_labels(Role::Task, "conv", task);
        engine
            .docker
            .create_container(
                Some(
                    bollard::query_parameters::CreateContainerOptionsBuilder::new()
                        .name(&s.name)
                        .build(),
                ),
                s.to_create_body(),
            )
            .await
            .expect("create");
        engine
            .docker
            .start_container(
                &s.name,
                None::<bollard::query_parameters::StartContainerOptions>,
            )
            .await
            .expect("start");
        created.push(s.name);
    }
    let mut removed = remove_leftover_containers(&engine, &mine)
        .await
        .expect("cleanup");
    removed.sort();
    assert_eq!(removed, vec![created[0].clone(), created[1].clone()]);
    assert_gone(&engine, &created[0]).await;
    assert_gone(&engine, &created[1]).await;
    engine
        .docker
        .inspect_container(
            &created[2],
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .expect("the other instance's container is untouched");
    assert_eq!(
        remove_leftover_containers(&engine, &theirs)
            .await
            .expect("cleanup")
            .len(),
        1
    );
}
