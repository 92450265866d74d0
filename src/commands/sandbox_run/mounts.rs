//! `--mount SRC:DST[:ro]` parsing.

use std::path::Path;

use airut_actors::sandbox::container_spec::Mount;

/// Parses one `--mount`; a relative SRC is taken from `cwd`.
pub fn parse_mount(text: &str, cwd: &Path) -> Result<Mount, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let (src, dst, read_only) = match parts.as_slice() {
        [src, dst] => (*src, *dst, false),
        [src, dst, "ro"] => (*src, *dst, true),
        [src, dst, "rw"] => (*src, *dst, false),
        _ => return Err(format!("--mount {text:?}: expected SRC:DST or SRC:DST:ro")),
    };
    if src.is_empty() || dst.is_empty() {
        return Err(format!("--mount {text:?}: SRC and DST must not be empty"));
    }
    if !dst.starts_with('/') {
        return Err(format!(
            "--mount {text:?}: DST must be an absolute path in the container"
        ));
    }
    let src = cwd.join(src);
    if !src.exists() {
        return Err(format!(
            "--mount {text:?}: {} does not exist",
            src.display()
        ));
    }
    let host = src.display().to_string();
    Ok(if read_only {
        Mount::ro(host, dst)
    } else {
        Mount::rw(host, dst)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("data")).expect("mkdir");
        let m = parse_mount("data:/data", dir.path()).expect("rw");
        assert_eq!(m.container, "/data");
        assert!(!m.read_only);
        assert!(m.host.ends_with("/data"));
        assert!(
            parse_mount("data:/data:ro", dir.path())
                .expect("ro")
                .read_only
        );
        assert!(parse_mount("/tmp:/t", dir.path()).is_ok());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(
            parse_mount("nope:/x", dir.path())
                .expect_err("missing")
                .contains("does not exist")
        );
        assert!(
            parse_mount("/tmp:rel", dir.path())
                .expect_err("rel")
                .contains("absolute")
        );
        assert!(
            parse_mount("/tmp", dir.path())
                .expect_err("short")
                .contains("SRC:DST")
        );
        assert!(parse_mount("/tmp:/x:rx", dir.path()).is_err());
    }
}
