//! The network sandbox for `airut sandbox run`: the allowlist from the
//! checkout, a proxy session for the run, and the network log.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use airut_actors::config::load_allowlist;
use airut_actors::sandbox::engine::Engine;
use airut_actors::sandbox::names::Names;
use airut_actors::sandbox::network_sandbox::{NetworkSandbox, ProxySession, ProxySettings};
use airut_proxy::netlog::{NetLogEntry, render_text};
use airut_proxy::policy::Allowlist;

use crate::cli::SandboxRunArgs;

pub struct RunNetwork {
    pub sandbox: NetworkSandbox,
    pub session: ProxySession,
    pub log_path: PathBuf,
    /// Deleted at the end unless the user asked to keep the log.
    pub temp_log: Option<tempfile::TempPath>,
}

/// The allowlist: `--allowlist`, else the checkout's file; a missing
/// default file means nothing is allowed (the sandbox still runs).
pub fn allowlist(args: &SandboxRunArgs, cwd: &Path) -> Result<Allowlist, String> {
    let (path, explicit) = match &args.allowlist {
        Some(path) => (cwd.join(path), true),
        None => (cwd.join(".airut/network-allowlist.yaml"), false),
    };
    if !explicit && !path.exists() {
        eprintln!(
            "airut sandbox run: no {} — the network allows nothing",
            path.display()
        );
        return Ok(Allowlist::default());
    }
    load_allowlist(&path).map_err(|errors| format!("{} is invalid:\n{errors}", path.display()))
}

pub async fn open(
    engine: &Engine,
    names: &Names,
    run_id: &str,
    args: &SandboxRunArgs,
    allowlist: Allowlist,
) -> Result<RunNetwork, String> {
    let airut = std::env::current_exe().map_err(|e| format!("locating the airut binary: {e}"))?;
    let runtime_dir = runtime_dir(run_id);
    let sandbox = NetworkSandbox::prepare(
        engine.clone(),
        names.clone(),
        airut,
        args.proxy_image.clone(),
        &runtime_dir,
    )
    .await
    .map_err(|e| e.to_string())?;
    let (log_path, temp_log) = match &args.network_log {
        Some(path) => (path.clone(), None),
        None => {
            let temp = tempfile::NamedTempFile::new()
                .map_err(|e| format!("network log: {e}"))?
                .into_temp_path();
            (temp.to_path_buf(), Some(temp))
        }
    };
    let log_path =
        std::path::absolute(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let settings = ProxySettings {
        allowlist,
        ..ProxySettings::default()
    };
    let session = sandbox
        .open("cli", run_id, &settings, &log_path)
        .await
        .map_err(|e| e.to_string())?;
    Ok(RunNetwork {
        sandbox,
        session,
        log_path,
        temp_log,
    })
}

/// `$XDG_RUNTIME_DIR/airut/cli-<run>` or `/tmp/airut-<uid>/cli-<run>`: the
/// CA certificate lives there for the run (0700 directory).
fn runtime_dir(run_id: &str) -> PathBuf {
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(|d| PathBuf::from(d).join("airut"))
        .unwrap_or_else(|| std::env::temp_dir().join("airut-runtime"));
    base.join(format!("cli-{run_id}"))
}

/// Prints new complete lines of the network log as `[net] ...` until the
/// returned handle is aborted; reads by byte offset so a line being
/// written is never shown half.
pub fn follow_live(path: PathBuf) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut offset = 0u64;
        let mut pending = Vec::new();
        loop {
            if let Ok(mut file) = std::fs::File::open(&path)
                && file.seek(SeekFrom::Start(offset)).is_ok()
            {
                let mut buf = Vec::new();
                if let Ok(n) = file.read_to_end(&mut buf) {
                    offset += n as u64;
                    pending.extend_from_slice(&buf);
                    while let Some(at) = pending.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = pending.drain(..=at).collect();
                        if let Ok(entry) = serde_json::from_slice::<NetLogEntry>(&line) {
                            eprintln!("[net] {}", render_text(&entry));
                        }
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
}
