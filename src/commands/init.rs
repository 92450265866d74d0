//! `airut init`: write a commented starter config.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use airut_actors::config::STARTER_CONFIG;
use anyhow::{Context, Result, bail};

pub fn run(path: &Path) -> Result<()> {
    if path.exists() {
        bail!(
            "{} already exists; not overwriting it (edit it, or pass --config for another path)",
            path.display()
        );
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // create_new: a file that appeared since the check above is not clobbered.
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        // the file will hold mail passwords and tokens
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(STARTER_CONFIG.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    println!("{}", path.display());
    eprintln!(
        "Wrote a starter config. Edit the repos block, then run `airut check` and `airut run`."
    );
    Ok(())
}
