use super::*;

#[test]
fn higher_layer_wins() {
    let env = EnvSource::from_pairs([("A", "process")])
        .with_dotenv_text("A=first\nB=first\n")
        .with_dotenv_text("A=second\nB=second\nC=second\n");
    assert_eq!(env.get("A"), Some("process"));
    assert_eq!(env.get("B"), Some("first"));
    assert_eq!(env.get("C"), Some("second"));
    assert_eq!(env.get("D"), None);
}

#[test]
fn empty_value_is_set() {
    let env = EnvSource::empty().with_dotenv_text("E=\n");
    assert_eq!(env.get("E"), Some(""));
}

#[test]
fn config_dir_env_beats_working_dir_env() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let config_dir = dir.path().join("cfg");
    let work_dir = dir.path().join("work");
    std::fs::create_dir_all(&config_dir)?;
    std::fs::create_dir_all(&work_dir)?;
    std::fs::write(
        config_dir.join(".env"),
        "SHARED=from-config-dir\nONLY_CFG=1\n",
    )?;
    std::fs::write(
        work_dir.join(".env"),
        "SHARED=from-work-dir\nONLY_WORK=2\nPROC=dotenv\n",
    )?;
    let env = EnvSource::from_pairs([("PROC", "process")])
        .with_dotenv_file(&config_dir.join(".env"))?
        .with_dotenv_file(&work_dir.join(".env"))?;
    assert_eq!(env.get("SHARED"), Some("from-config-dir"));
    assert_eq!(env.get("ONLY_CFG"), Some("1"));
    assert_eq!(env.get("ONLY_WORK"), Some("2"));
    assert_eq!(env.get("PROC"), Some("process"));
    assert_eq!(env.dotenv_files().len(), 2);
    Ok(())
}

#[test]
fn missing_dotenv_file_is_ignored() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let env = EnvSource::empty().with_dotenv_file(&dir.path().join(".env"))?;
    assert!(env.dotenv_files().is_empty());
    Ok(())
}

#[test]
fn dotenv_candidates() {
    let files = dotenv_files(Path::new("/etc/airut/airut.yaml"));
    assert_eq!(
        files,
        vec![PathBuf::from("/etc/airut/.env"), PathBuf::from(".env")]
    );
    let files = dotenv_files(Path::new("airut.yaml"));
    assert_eq!(files, vec![PathBuf::from("./.env"), PathBuf::from(".env")]);
}

#[test]
fn debug_shows_no_values() {
    let env = EnvSource::from_pairs([("TOKEN", "very-secret-value")]);
    let dbg = format!("{env:?}");
    assert!(!dbg.contains("very-secret-value"));
    assert!(!dbg.contains("TOKEN"));
}
