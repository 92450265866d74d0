//! Where `!env NAME` values come from.
//!
//! The Python Airut loads `.env` files into the process environment. Here the
//! process environment is never written (`set_var` is `unsafe` in edition
//! 2024 and racy with threads that read it); instead an `EnvSource` is built
//! once per load: the process environment on top, then each `.env` file in
//! the order given, each layer only filling names the layers above lack.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::dotenv::parse_dotenv;

/// Layered, read-only view of environment variables for `!env` resolution.
#[derive(Clone, Default)]
pub struct EnvSource {
    /// Highest precedence first.
    layers: Vec<Layer>,
}

#[derive(Clone)]
struct Layer {
    origin: LayerOrigin,
    vars: HashMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum LayerOrigin {
    Process,
    File(PathBuf),
    Given,
}

impl EnvSource {
    /// No variables at all: every `!env` is unset.
    pub fn empty() -> Self {
        Self::default()
    }

    /// A snapshot of the process environment (names or values that are not
    /// valid UTF-8 are skipped: they cannot appear in a YAML file anyway).
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Self {
            layers: vec![Layer {
                origin: LayerOrigin::Process,
                vars,
            }],
        }
    }

    /// Fixed variables, as if they were the process environment (tests).
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Self::empty().with_fallback_pairs(pairs)
    }

    /// The layering the server uses for `config_path`: process environment,
    /// then `<config dir>/.env`, then `./.env` in the working directory.
    pub fn for_config_file(config_path: &Path) -> io::Result<Self> {
        let mut env = Self::from_process();
        for file in dotenv_files(config_path) {
            env = env.with_dotenv_file(&file)?;
        }
        Ok(env)
    }

    /// Adds a layer below the existing ones: its variables only apply to
    /// names no higher layer defines.
    pub fn with_fallback_pairs<K, V>(mut self, pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.layers.push(Layer {
            origin: LayerOrigin::Given,
            vars,
        });
        self
    }

    /// Adds the `.env` text as a layer below the existing ones.
    pub fn with_dotenv_text(mut self, text: &str) -> Self {
        self.layers.push(Layer {
            origin: LayerOrigin::Given,
            vars: parse_dotenv(text),
        });
        self
    }

    /// Adds `path` as a layer below the existing ones. A missing file is not
    /// an error (both `.env` files are optional); an unreadable one is.
    pub fn with_dotenv_file(mut self, path: &Path) -> io::Result<Self> {
        // The same file may be listed twice (config dir == working dir).
        if self
            .layers
            .iter()
            .any(|l| l.origin == LayerOrigin::File(path.to_path_buf()))
        {
            return Ok(self);
        }
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(self),
            Err(e) => return Err(e),
        };
        self.layers.push(Layer {
            origin: LayerOrigin::File(path.to_path_buf()),
            vars: parse_dotenv(&text),
        });
        Ok(self)
    }

    /// The value of `name`, from the highest layer that defines it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.layers
            .iter()
            .find_map(|l| l.vars.get(name))
            .map(String::as_str)
    }

    /// `.env` files that were found and read, in precedence order.
    pub fn dotenv_files(&self) -> Vec<&Path> {
        self.layers
            .iter()
            .filter_map(|l| match &l.origin {
                LayerOrigin::File(p) => Some(p.as_path()),
                _ => None,
            })
            .collect()
    }
}

/// `.env` candidates for a config file, highest precedence first.
pub fn dotenv_files(config_path: &Path) -> Vec<PathBuf> {
    let mut files = Vec::with_capacity(2);
    if let Some(dir) = config_path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        files.push(dir.join(".env"));
    }
    files.push(PathBuf::from(".env"));
    files
}

/// Values are environment contents (often secrets): show names only.
impl fmt::Debug for EnvSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for layer in &self.layers {
            list.entry(&format_args!(
                "{:?} ({} vars)",
                layer.origin,
                layer.vars.len()
            ));
        }
        list.finish()
    }
}

#[cfg(test)]
#[path = "env_source_tests.rs"]
mod tests;
