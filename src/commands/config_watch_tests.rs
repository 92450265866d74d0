use std::ffi::OsString;
use std::path::PathBuf;

use notify::event::{CreateKind, DataChange, EventKind, MetadataKind, ModifyKind, RenameMode};

use super::is_config_event;

fn event(kind: EventKind, path: &str) -> notify::Event {
    notify::Event::new(kind).add_path(PathBuf::from(path))
}

#[test]
fn writes_creations_and_renames_onto_the_file_count() {
    let name = OsString::from("airut.yaml");
    for kind in [
        EventKind::Create(CreateKind::File),
        EventKind::Modify(ModifyKind::Data(DataChange::Any)),
        EventKind::Modify(ModifyKind::Name(RenameMode::To)),
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
    ] {
        assert!(
            is_config_event(&event(kind, "/etc/airut/airut.yaml"), &name),
            "{kind:?}"
        );
    }
}

#[test]
fn other_files_and_harmless_kinds_do_not() {
    let name = OsString::from("airut.yaml");
    let write = EventKind::Modify(ModifyKind::Data(DataChange::Any));
    assert!(!is_config_event(
        &event(write, "/etc/airut/.airut.yaml.swp"),
        &name
    ));
    assert!(!is_config_event(
        &event(write, "/etc/airut/other.yaml"),
        &name
    ));
    for kind in [
        EventKind::Modify(ModifyKind::Name(RenameMode::From)),
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)),
        EventKind::Remove(notify::event::RemoveKind::File),
        EventKind::Access(notify::event::AccessKind::Any),
    ] {
        assert!(
            !is_config_event(&event(kind, "/etc/airut/airut.yaml"), &name),
            "{kind:?}"
        );
    }
}
