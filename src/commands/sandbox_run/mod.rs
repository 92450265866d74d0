//! `airut sandbox run -- CMD`: the repository's container for CI and local
//! use — the same images, container settings and network sandbox a task
//! gets, without the gateway.

mod exit_status;
mod mounts;
mod network;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use airut_actors::config::{EnvSource, SandboxFile, load_sandbox_file};
use airut_actors::sandbox::build_context::BuildContext;
use airut_actors::sandbox::container_run::{RunOptions, Stream, run_container_raw};
use airut_actors::sandbox::container_spec::{
    ContainerSpec, Limits, Mount, NetworkAttachment, parse_memory,
};
use airut_actors::sandbox::engine;
use airut_actors::sandbox::images::ImageCache;
use airut_actors::sandbox::names::{Names, Role};
use airut_actors::sandbox::stop_handle::StopHandle;
use airut_actors::state_dir;
use tokio::signal::unix::{SignalKind, signal};

use crate::cli::SandboxRunArgs;
use exit_status::{SANDBOX_ERROR, exit_status};

/// A forwarded SIGTERM/SIGINT becomes SIGKILL after this long.
const STOP_GRACE: Duration = Duration::from_secs(5);

pub fn run(args: SandboxRunArgs) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("airut sandbox run: {err}");
            return SANDBOX_ERROR;
        }
    };
    match runtime.block_on(execute(args)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("airut sandbox run: {message}");
            SANDBOX_ERROR
        }
    }
}

async fn execute(args: SandboxRunArgs) -> Result<u8, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
    let env = EnvSource::from_process();
    let settings = load_sandbox_file(&cwd.join(&args.config), &env)
        .map_err(|errors| format!("{} is invalid:\n{errors}", args.config.display()))?;
    let context = read_container_dir(
        &cwd.join(&args.dockerfile),
        args.context_dir.as_deref().map(|d| cwd.join(d)),
    )?;
    let mounts = std::iter::once(Ok(Mount::rw(cwd.display().to_string(), "/workspace")))
        .chain(args.mounts.iter().map(|m| mounts::parse_mount(m, &cwd)))
        .collect::<Result<Vec<_>, _>>()?;
    let limits = limits_of(&settings)?;
    let timeout = args
        .timeout
        .or(settings.resource_limits.timeout.map(|t| t.as_secs()));

    let engine = engine::discover(None).await.map_err(|e| e.to_string())?;
    let lock_dir = state_dir::default_state_dir().join("locks").join("images");
    let images = ImageCache::new(
        engine.clone(),
        Duration::from_secs(args.max_image_age * 3600),
        lock_dir,
    );
    let image = images
        .ensure_task_image(&context)
        .await
        .map_err(|e| e.to_string())?;

    let names = Names::new("cli");
    let run_id = format!("{}-{:x}", std::process::id(), nanos());
    let mut env_vars = container_env(&settings, &env, args.verbose);
    let mut mounts = mounts;
    let network = if settings.network_sandbox {
        let allowlist = network::allowlist(&args, &cwd)?;
        Some(network::open(&engine, &names, &run_id, &args, allowlist).await?)
    } else {
        eprintln!(
            "airut sandbox run: WARNING: network_sandbox is false in {} — the command has unrestricted network access",
            args.config.display()
        );
        None
    };
    let attachment = match &network {
        Some(net) => {
            env_vars.extend(net.session.task_env());
            mounts.extend(net.session.task_mounts());
            net.session.task_attachment()
        }
        None => NetworkAttachment::Default,
    };
    let live = match (&network, args.network_log_live) {
        (Some(net), true) => Some(network::follow_live(net.log_path.clone())),
        _ => None,
    };
    let spec = ContainerSpec {
        name: names.container(Role::Task, "cli", &run_id),
        image: image.tag,
        cmd: args.command.clone(),
        env: env_vars,
        mounts,
        working_dir: Some("/workspace".to_string()),
        limits,
        network: attachment,
        labels: names.container_labels(Role::Task, "cli", &run_id),
        stdin: false,
    };

    let stop = StopHandle::new();
    forward_signals(stop.clone())?;
    let options = RunOptions {
        stdin: None,
        timeout: timeout.map(Duration::from_secs),
        stop,
        stop_grace: STOP_GRACE,
        remove_in_background: false,
    };
    let exit = run_container_raw(&engine, &spec, options, |stream, bytes| {
        // Unbuffered pass-through: CI logs show output as it happens.
        let _ = match stream {
            Stream::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes).and_then(|()| out.flush())
            }
            Stream::Stderr => {
                let mut err = std::io::stderr().lock();
                err.write_all(bytes).and_then(|()| err.flush())
            }
        };
    })
    .await
    .map_err(|e| e.to_string());
    if let Some(live) = live {
        // one last read so the final lines are shown
        tokio::time::sleep(Duration::from_millis(300)).await;
        live.abort();
    }
    if let Some(net) = network {
        net.sandbox.close(net.session).await;
        drop(net.temp_log);
    }
    let exit = exit?;
    let (code, message) = exit_status(&exit, timeout, settings.resource_limits.memory.as_deref());
    if let Some(message) = message {
        eprintln!("airut sandbox run: {message}");
    }
    Ok(code)
}

/// The Dockerfile and the flat build context beside it.
fn read_container_dir(
    dockerfile: &Path,
    context_dir: Option<PathBuf>,
) -> Result<BuildContext, String> {
    let dockerfile_bytes = std::fs::read(dockerfile)
        .map_err(|e| format!("cannot read {}: {e}", dockerfile.display()))?;
    let dir = context_dir
        .or_else(|| dockerfile.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let mut files = BTreeMap::new();
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let path = entry.path();
        if path == dockerfile {
            continue;
        }
        let file_type = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if file_type.is_dir() {
            return Err(format!(
                "{}: the build context must be flat (no subdirectories)",
                path.display()
            ));
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let data =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        files.insert(name, data);
    }
    files.insert("Dockerfile".to_string(), dockerfile_bytes);
    BuildContext::from_files(files).map_err(|e| format!("{}: {e}", dir.display()))
}

fn limits_of(settings: &SandboxFile) -> Result<Limits, String> {
    let memory_bytes = match settings.resource_limits.memory.as_deref() {
        Some(text) => Some(
            parse_memory(text)
                .ok_or_else(|| format!("resource_limits.memory: {text:?} is not a size"))?,
        ),
        None => None,
    };
    Ok(Limits {
        memory_bytes,
        cpus: settings.resource_limits.cpus,
        pids: settings.resource_limits.pids_limit.map(i64::from),
    })
}

/// `env:` values, then `pass_env` host variables that are set (later wins).
fn container_env(settings: &SandboxFile, env: &EnvSource, verbose: bool) -> Vec<(String, String)> {
    let mut vars: BTreeMap<String, String> = settings.env.clone();
    for name in &settings.pass_env {
        if let Some(value) = env.get(name) {
            vars.insert(name.clone(), value.to_string());
        }
    }
    if verbose {
        vars.insert("AIRUT_VERBOSE".to_string(), "1".to_string());
    }
    vars.into_iter().collect()
}

fn forward_signals(stop: StopHandle) -> Result<(), String> {
    let mut term = signal(SignalKind::terminate()).map_err(|e| format!("SIGTERM handler: {e}"))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| format!("SIGINT handler: {e}"))?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        eprintln!(
            "airut sandbox run: stopping the command (SIGTERM, SIGKILL in {} s)",
            STOP_GRACE.as_secs()
        );
        stop.stop();
    });
    Ok(())
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default()
}
