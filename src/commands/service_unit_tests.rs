use std::path::Path;

use super::*;

fn render(scope: ServiceScope, binary: &str, config: &str) -> String {
    render_unit(&UnitInputs {
        scope,
        binary: Path::new(binary),
        config: Path::new(config),
    })
}

fn lines(unit: &str) -> Vec<&str> {
    unit.lines().collect()
}

#[test]
fn system_unit_runs_resilient_with_dedicated_state() {
    let unit = render(
        ServiceScope::System,
        "/usr/local/bin/airut",
        "/etc/airut/airut.yaml",
    );
    let l = lines(&unit);
    for want in [
        "ExecStart=/usr/local/bin/airut run --resilient --config /etc/airut/airut.yaml",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "Restart=always",
        "RestartSec=10",
        "StandardOutput=journal",
        "StandardError=journal",
        "StateDirectory=airut",
        "Environment=XDG_STATE_HOME=/var/lib XDG_CONFIG_HOME=/etc",
        "NoNewPrivileges=yes",
        "WantedBy=multi-user.target",
        "KillMode=mixed",
        "Wants=network-online.target podman.socket",
    ] {
        assert!(l.contains(&want), "missing {want:?} in\n{unit}");
    }
    // these would break Podman (see spec/service.md)
    for never in [
        "PrivateTmp=",
        "ProtectControlGroups=",
        "ProtectHome=",
        "PrivateDevices=",
        "ProtectKernelModules=",
        "ProtectHostname=",
        "ProtectClock=",
    ] {
        assert!(!unit.contains(never), "{never} in\n{unit}");
    }
}

#[test]
fn user_unit_keeps_setuid_helpers_working() {
    let unit = render(
        ServiceScope::User,
        "/home/u/.cargo/bin/airut",
        "/home/u/.config/airut/airut.yaml",
    );
    assert!(unit.contains("WantedBy=default.target\n"), "{unit}");
    // rootless Podman needs the setuid newuidmap/newgidmap
    assert!(!unit.contains("NoNewPrivileges"), "{unit}");
    assert!(!unit.contains("StateDirectory"), "{unit}");
    assert!(!unit.contains("XDG_STATE_HOME"), "{unit}");
}

#[test]
fn paths_with_spaces_and_specifiers_are_quoted() {
    let unit = render(
        ServiceScope::User,
        "/opt/my tools/airut",
        "/home/u/100%/airut.yaml",
    );
    assert!(
        unit.contains(
            "ExecStart=\"/opt/my tools/airut\" run --resilient --config /home/u/100%%/airut.yaml\n"
        ),
        "{unit}"
    );
}
