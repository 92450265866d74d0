//! Runs one container to completion through the engine API: create, attach,
//! start, feed stdin, stream output lines, wait — and on timeout or stop,
//! kill it through the engine and remove it, so nothing keeps running.

use std::time::{Duration, Instant};

use bollard::container::LogOutput;
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptionsBuilder, KillContainerOptionsBuilder,
    RemoveContainerOptionsBuilder,
};
use futures_util::StreamExt;
use thiserror::Error;
use tokio::io::AsyncWriteExt;
use tracing::{debug, warn};

use super::container_spec::ContainerSpec;
use super::engine::{Engine, EngineKind};
use super::line_splitter::LineSplitter;
use super::podman_api;
use super::stop_handle::StopHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// How a container run ended, before any interpretation of its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerExit {
    /// `None` when we killed it on timeout.
    pub exit_code: Option<i64>,
    /// The memory limit ended it: the engine said so, or — because Podman
    /// with runc on cgroup v1 never sets `OOMKilled` (measured: the kernel
    /// logs the memcg OOM kill, the engine reports false) — it died of
    /// SIGKILL (137) under a memory limit without us killing it.
    pub oom_killed: bool,
    pub timed_out: bool,
    pub stopped: bool,
    pub duration: Duration,
}

#[derive(Debug, Error)]
pub enum RunError {
    #[error("container {name}: {action} failed: {source}")]
    Engine {
        name: String,
        action: &'static str,
        #[source]
        source: bollard::errors::Error,
    },
}

/// Options of one run.
pub struct RunOptions<'a> {
    pub stdin: Option<&'a [u8]>,
    pub timeout: Option<Duration>,
    pub stop: StopHandle,
    /// On stop, SIGTERM first and SIGKILL after this long (zero: SIGKILL
    /// at once). A timeout always kills at once.
    pub stop_grace: Duration,
    /// Remove the exited container in the background instead of before
    /// returning: the gateway answers the user meanwhile (about 0.3 s
    /// sooner). A process that exits right after the run (the CLI) must
    /// not, or the container would outlive it.
    pub remove_in_background: bool,
}

/// Where output goes: whole lines (stream-json) or raw chunks (a CI
/// command's output, passed through byte for byte).
trait OutputSink {
    fn chunk(&mut self, stream: Stream, bytes: &[u8]);
    fn end(&mut self);
}

struct LineSink<F: FnMut(Stream, String)> {
    stdout: LineSplitter,
    stderr: LineSplitter,
    on_line: F,
}

impl<F: FnMut(Stream, String)> OutputSink for LineSink<F> {
    fn chunk(&mut self, stream: Stream, bytes: &[u8]) {
        let splitter = match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        for line in splitter.push(bytes) {
            (self.on_line)(stream, line);
        }
    }

    fn end(&mut self) {
        if let Some(tail) = self.stdout.finish() {
            (self.on_line)(Stream::Stdout, tail);
        }
        if let Some(tail) = self.stderr.finish() {
            (self.on_line)(Stream::Stderr, tail);
        }
    }
}

struct RawSink<F: FnMut(Stream, &[u8])>(F);

impl<F: FnMut(Stream, &[u8])> OutputSink for RawSink<F> {
    fn chunk(&mut self, stream: Stream, bytes: &[u8]) {
        (self.0)(stream, bytes);
    }

    fn end(&mut self) {}
}

/// Runs `spec` and hands every output line to `on_line` as it arrives.
pub async fn run_container(
    engine: &Engine,
    spec: &ContainerSpec,
    options: RunOptions<'_>,
    on_line: impl FnMut(Stream, String),
) -> Result<ContainerExit, RunError> {
    let mut sink = LineSink {
        stdout: LineSplitter::new(),
        stderr: LineSplitter::new(),
        on_line,
    };
    run(engine, spec, options, &mut sink).await
}

/// Runs `spec` and hands output chunks to `on_chunk` unchanged.
pub async fn run_container_raw(
    engine: &Engine,
    spec: &ContainerSpec,
    options: RunOptions<'_>,
    on_chunk: impl FnMut(Stream, &[u8]),
) -> Result<ContainerExit, RunError> {
    run(engine, spec, options, &mut RawSink(on_chunk)).await
}

async fn run(
    engine: &Engine,
    spec: &ContainerSpec,
    options: RunOptions<'_>,
    sink: &mut dyn OutputSink,
) -> Result<ContainerExit, RunError> {
    let docker = &engine.docker;
    let name = spec.name.as_str();
    let engine_error = |action: &'static str| {
        move |source| RunError::Engine {
            name: name.to_string(),
            action,
            source,
        }
    };
    let started = Instant::now();
    create(engine, spec).await?;
    // From here on the container exists: whatever happens, remove it.
    let result = async {
        let attach = docker
            .attach_container(
                name,
                Some(
                    AttachContainerOptionsBuilder::new()
                        .stdin(options.stdin.is_some())
                        .stdout(true)
                        .stderr(true)
                        .stream(true)
                        .build(),
                ),
            )
            .await
            .map_err(engine_error("attach"))?;
        docker
            .start_container(name, None::<bollard::query_parameters::StartContainerOptions>)
            .await
            .map_err(engine_error("start"))?;
        let mut input = attach.input;
        if let Some(bytes) = options.stdin {
            // A prompt larger than the pipe buffer must not block reading
            // output, so stdin is fed while the output is read.
            let bytes = bytes.to_vec();
            tokio::spawn(async move {
                if let Err(err) = input.write_all(&bytes).await {
                    debug!("stdin write ended early: {err}");
                }
                let _ = input.shutdown().await;
            });
        } else {
            let _ = input.shutdown().await;
        }
        let mut output = attach.output;
        let deadline = options.timeout.map(|t| tokio::time::Instant::now() + t);
        let sleep_until_deadline = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(sleep_until_deadline);
        let mut interrupted = None;
        // Set once a graceful stop sent SIGTERM: when to follow up with SIGKILL.
        let mut kill_at: Option<tokio::time::Instant> = None;
        loop {
            let grace_over = async {
                match kill_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                item = output.next() => match item {
                    Some(Ok(LogOutput::StdOut { message })) => sink.chunk(Stream::Stdout, &message),
                    Some(Ok(LogOutput::StdErr { message })) | Some(Ok(LogOutput::Console { message })) => {
                        sink.chunk(Stream::Stderr, &message);
                    }
                    Some(Ok(LogOutput::StdIn { .. })) => {}
                    Some(Err(err)) => {
                        warn!(container = name, "output stream error: {err}");
                        break;
                    }
                    None => break,
                },
                () = &mut sleep_until_deadline, if interrupted.is_none() => {
                    interrupted = Some(Interrupt::Timeout);
                    kill(engine, name, "SIGKILL").await;
                    break;
                }
                () = options.stop.stopped(), if interrupted.is_none() => {
                    interrupted = Some(Interrupt::Stop);
                    if options.stop_grace.is_zero() {
                        kill(engine, name, "SIGKILL").await;
                        break;
                    }
                    kill(engine, name, "SIGTERM").await;
                    kill_at = Some(tokio::time::Instant::now() + options.stop_grace);
                }
                () = grace_over => {
                    kill(engine, name, "SIGKILL").await;
                    break;
                }
            }
        }
        sink.end();
        let (exit_code, engine_oom) = wait_exit(engine, name).await?;
        let oom_killed = engine_oom
            || (interrupted.is_none() && exit_code == Some(137) && spec.limits.memory_bytes.is_some());
        Ok(ContainerExit {
            // A timed-out container's code is our SIGKILL's; a gracefully
            // stopped one may have exited on its own terms.
            exit_code: if interrupted == Some(Interrupt::Timeout) { None } else { exit_code },
            oom_killed,
            timed_out: interrupted == Some(Interrupt::Timeout),
            stopped: interrupted == Some(Interrupt::Stop),
            duration: started.elapsed(),
        })
    }
    .await;
    if options.remove_in_background {
        let (engine, name) = (engine.clone(), name.to_string());
        tokio::spawn(async move { remove(&engine, &name).await });
    } else {
        remove(engine, name).await;
    }
    result
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interrupt {
    Timeout,
    Stop,
}

async fn create(engine: &Engine, spec: &ContainerSpec) -> Result<(), RunError> {
    let options = CreateContainerOptionsBuilder::new()
        .name(&spec.name)
        .build();
    let first = engine
        .docker
        .create_container(Some(options.clone()), spec.to_create_body())
        .await;
    match first {
        Ok(_) => Ok(()),
        // A leftover with our name (a crash before removal): it is ours by
        // name, so remove it and try once more.
        // Docker says 409; Podman 4 says 500 "... is already in use".
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code,
            ref message,
        }) if status_code == 409 || message.contains("already in use") => {
            warn!(
                container = spec.name,
                "removing a leftover container with the same name"
            );
            remove(engine, &spec.name).await;
            engine
                .docker
                .create_container(Some(options), spec.to_create_body())
                .await
                .map(|_| ())
                .map_err(|source| RunError::Engine {
                    name: spec.name.clone(),
                    action: "create",
                    source,
                })
        }
        Err(source) => Err(RunError::Engine {
            name: spec.name.clone(),
            action: "create",
            source,
        }),
    }
}

/// Waits for the container to stop and reads its exit code and OOM flag.
async fn wait_exit(engine: &Engine, name: &str) -> Result<(Option<i64>, bool), RunError> {
    let mut code = None;
    if engine.kind == EngineKind::Podman {
        code = podman_api::wait_exit_code(&engine.endpoint.url, name).await;
    }
    if code.is_none() {
        code = compat_wait(engine, name).await?;
    }
    let state = engine
        .docker
        .inspect_container(
            name,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .map_err(|source| RunError::Engine {
            name: name.to_string(),
            action: "inspect",
            source,
        })?
        .state;
    let oom = state.as_ref().and_then(|s| s.oom_killed).unwrap_or(false);
    let code = code.or_else(|| state.and_then(|s| s.exit_code));
    Ok((code, oom))
}

async fn kill(engine: &Engine, name: &str, signal: &str) {
    let options = KillContainerOptionsBuilder::new().signal(signal).build();
    if let Err(err) = engine.docker.kill_container(name, Some(options)).await {
        // Already exited between the decision and the kill: fine.
        debug!(container = name, "kill: {err}");
    }
}

/// Force-removes the container; a missing container is not an error.
pub async fn remove(engine: &Engine, name: &str) {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    match engine.docker.remove_container(name, Some(options)).await {
        Ok(()) => {}
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => {}
        Err(err) => warn!(container = name, "remove failed: {err}"),
    }
}

/// The Docker-compatible wait: works on every engine.
async fn compat_wait(engine: &Engine, name: &str) -> Result<Option<i64>, RunError> {
    let mut wait = engine.docker.wait_container(
        name,
        None::<bollard::query_parameters::WaitContainerOptions>,
    );
    let mut code = None;
    while let Some(item) = wait.next().await {
        match item {
            Ok(response) => code = Some(response.status_code),
            // bollard reports a non-zero exit as an error carrying the code.
            Err(bollard::errors::Error::DockerContainerWaitError { code: c, .. }) => code = Some(c),
            Err(source) => {
                return Err(RunError::Engine {
                    name: name.to_string(),
                    action: "wait",
                    source,
                });
            }
        }
    }
    Ok(code)
}
