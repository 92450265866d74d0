//! A container directory (`Dockerfile` plus flat build context), its content
//! hash, and the tar stream the engine builds from. Pure: no I/O here.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ContextError {
    #[error("the container directory has no Dockerfile")]
    NoDockerfile,
    #[error(
        "build context file name {0:?} is not allowed (flat names only: no '/', '\\', '.', '..' or empty)"
    )]
    BadName(String),
    #[error("build context file {0:?} is too large for a tar entry")]
    TooLarge(String),
}

/// The files an image is built from: the Dockerfile and its siblings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildContext {
    dockerfile: Vec<u8>,
    /// Other files, by name; sorted, so hash and tar are deterministic.
    files: BTreeMap<String, Vec<u8>>,
}

impl BuildContext {
    /// `files` are the directory's entries, `Dockerfile` among them.
    pub fn from_files(mut files: BTreeMap<String, Vec<u8>>) -> Result<BuildContext, ContextError> {
        let dockerfile = files
            .remove("Dockerfile")
            .ok_or(ContextError::NoDockerfile)?;
        for name in files.keys() {
            check_name(name)?;
        }
        Ok(BuildContext { dockerfile, files })
    }

    pub fn new(dockerfile: impl Into<Vec<u8>>) -> BuildContext {
        BuildContext {
            dockerfile: dockerfile.into(),
            files: BTreeMap::new(),
        }
    }

    pub fn with_file(
        mut self,
        name: &str,
        content: impl Into<Vec<u8>>,
    ) -> Result<BuildContext, ContextError> {
        check_name(name)?;
        self.files.insert(name.to_string(), content.into());
        Ok(self)
    }

    pub fn dockerfile(&self) -> &[u8] {
        &self.dockerfile
    }

    /// SHA-256 over a length-prefixed encoding, so no two different contexts
    /// hash alike (the Python Airut concatenated names and contents, where
    /// `a`+`bc` and `ab`+`c` collide): `u64` count of entries, then for the
    /// Dockerfile and each file by name `u64 len(name) name u64 len(data) data`.
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"airut-build-context-v1");
        hasher.update(((self.files.len() + 1) as u64).to_le_bytes());
        let entries = std::iter::once(("Dockerfile", self.dockerfile.as_slice()))
            .chain(self.files.iter().map(|(n, d)| (n.as_str(), d.as_slice())));
        for (name, data) in entries {
            hasher.update((name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update((data.len() as u64).to_le_bytes());
            hasher.update(data);
        }
        hex(&hasher.finalize())
    }

    /// The build context as an uncompressed tar archive.
    pub fn to_tar(&self) -> Result<Vec<u8>, ContextError> {
        let mut builder = tar::Builder::new(Vec::new());
        let entries = std::iter::once(("Dockerfile", self.dockerfile.as_slice()))
            .chain(self.files.iter().map(|(n, d)| (n.as_str(), d.as_slice())));
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            // Executable bits are kept simple: build steps that need them
            // chmod explicitly, and the hash does not depend on modes.
            header.set_mode(0o755);
            header.set_mtime(0);
            header.set_entry_type(tar::EntryType::Regular);
            builder
                .append_data(&mut header, name, data)
                .map_err(|_| ContextError::TooLarge(name.to_string()))?;
        }
        builder
            .into_inner()
            .map_err(|_| ContextError::TooLarge("archive".to_string()))
    }
}

fn check_name(name: &str) -> Result<(), ContextError> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.contains('/')
        || name.contains('\\')
        || name.contains('\0')
    {
        return Err(ContextError::BadName(name.to_string()));
    }
    Ok(())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        pairs
            .iter()
            .map(|(n, d)| (n.to_string(), d.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn needs_a_dockerfile() {
        assert_eq!(
            BuildContext::from_files(files(&[("a.sh", "x")])),
            Err(ContextError::NoDockerfile)
        );
    }

    #[test]
    fn rejects_nested_and_special_names() {
        for bad in ["sub/file", "..", ".", "a\\b", ""] {
            let result = BuildContext::from_files(files(&[("Dockerfile", "FROM x"), (bad, "y")]));
            assert_eq!(
                result,
                Err(ContextError::BadName(bad.to_string())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn hash_is_stable_and_order_independent() {
        let a =
            BuildContext::from_files(files(&[("Dockerfile", "FROM x"), ("b", "2"), ("a", "1")]))
                .expect("ctx");
        let b = BuildContext::new("FROM x")
            .with_file("a", "1")
            .and_then(|c| c.with_file("b", "2"))
            .expect("ctx");
        assert_eq!(a.content_hash(), b.content_hash());
        assert_eq!(a.content_hash().len(), 64);
    }

    #[test]
    fn hash_is_unambiguous_where_concatenation_is_not() {
        // name "a" with data "bc" versus name "ab" with data "c"
        let one = BuildContext::new("FROM x")
            .with_file("a", "bc")
            .expect("ctx");
        let two = BuildContext::new("FROM x")
            .with_file("ab", "c")
            .expect("ctx");
        assert_ne!(one.content_hash(), two.content_hash());
        // Dockerfile/file boundary moves
        let three = BuildContext::new("FROM xa")
            .with_file("b", "")
            .expect("ctx");
        let four = BuildContext::new("FROM x")
            .with_file("ab", "")
            .expect("ctx");
        assert_ne!(three.content_hash(), four.content_hash());
    }

    #[test]
    fn any_change_changes_the_hash() {
        let base = BuildContext::new("FROM x")
            .with_file("a", "1")
            .expect("ctx");
        let edited = BuildContext::new("FROM x")
            .with_file("a", "2")
            .expect("ctx");
        let renamed = BuildContext::new("FROM x")
            .with_file("b", "1")
            .expect("ctx");
        assert_ne!(base.content_hash(), edited.content_hash());
        assert_ne!(base.content_hash(), renamed.content_hash());
    }

    #[test]
    fn tar_holds_every_file() {
        let ctx = BuildContext::new("FROM x\n")
            .with_file("run.sh", "echo hi\n")
            .expect("ctx");
        let tar_bytes = ctx.to_tar().expect("tar");
        let mut archive = tar::Archive::new(tar_bytes.as_slice());
        let mut seen = Vec::new();
        for entry in archive.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let name = entry.path().expect("path").display().to_string();
            let mut data = String::new();
            std::io::Read::read_to_string(&mut entry, &mut data).expect("read");
            seen.push((name, data));
        }
        assert_eq!(
            seen,
            vec![
                ("Dockerfile".into(), "FROM x\n".into()),
                ("run.sh".into(), "echo hi\n".into())
            ]
        );
    }
}
