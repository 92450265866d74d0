//! Which release build fits the host: `linux-{x64|arm64}[-musl]`.
//!
//! The decision is pure ([`Platform::from_host_facts`]); [`Platform::detect`]
//! only gathers the facts.

use std::fmt;
use std::path::Path;

use super::error::ClaudeBinaryError;

/// Where a musl host keeps its dynamic loader (`ld-musl-*` links to it).
const MUSL_LIBC_DIR: &str = "/lib";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X64,
    Arm64,
}

/// A release platform name, as used in the manifest and the download URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    pub arch: Arch,
    pub musl: bool,
}

impl Platform {
    /// Maps an OS name, a machine name (`x86_64`/`amd64`, `aarch64`/`arm64`)
    /// and whether the C library is musl to a release platform.
    pub fn from_host_facts(
        os: &str,
        arch: &str,
        musl: bool,
    ) -> Result<Platform, ClaudeBinaryError> {
        let unsupported = || ClaudeBinaryError::UnsupportedPlatform {
            os: os.to_owned(),
            arch: arch.to_owned(),
        };
        if !os.eq_ignore_ascii_case("linux") {
            return Err(unsupported());
        }
        let arch = match arch.to_ascii_lowercase().as_str() {
            "x86_64" | "amd64" => Arch::X64,
            "aarch64" | "arm64" => Arch::Arm64,
            _ => return Err(unsupported()),
        };
        Ok(Platform { arch, musl })
    }

    /// The platform of the machine this process runs on.
    ///
    /// The binary runs inside the container image, whose C library may
    /// differ from the host's (see spec/claude-binary.md).
    pub fn detect() -> Result<Platform, ClaudeBinaryError> {
        Platform::from_host_facts(
            std::env::consts::OS,
            std::env::consts::ARCH,
            host_is_musl(Path::new(MUSL_LIBC_DIR)),
        )
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arch = match self.arch {
            Arch::X64 => "x64",
            Arch::Arm64 => "arm64",
        };
        let libc = if self.musl { "-musl" } else { "" };
        write!(f, "linux-{arch}{libc}")
    }
}

/// True for a musl C library file name such as `libc.musl-x86_64.so.1`.
pub fn is_musl_libc_name(name: &str) -> bool {
    name.strip_prefix("libc.musl-")
        .and_then(|rest| rest.strip_suffix(".so.1"))
        .is_some_and(|arch| !arch.is_empty())
}

/// Looks for `libc.musl-*.so.1` in `dir`; an unreadable directory means
/// glibc (the common case).
fn host_is_musl(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries
        .flatten()
        .any(|e| e.file_name().to_str().is_some_and(is_musl_libc_name))
}
