//! The host-side rule that closes the internal network's gateway address.
//!
//! Measured with rootful Podman (DESIGN.md §7): a container on an internal
//! network still reaches the host at the network's gateway address — every
//! host service bound to 0.0.0.0, and Podman's own DNS server. Dropping
//! INPUT from the network's bridge closes that, while task → proxy traffic
//! (bridged, not INPUT) keeps working. Rootless Podman keeps its bridges in
//! its own namespace, where the rule is neither possible nor needed.

use tokio::process::Command;

/// An installed rule; remove it with [`FirewallRule::remove`].
#[derive(Debug)]
pub struct FirewallRule {
    interface: String,
    v6: bool,
}

/// Installs the drop rule for `interface` (IPv4 and, when available, IPv6).
pub async fn drop_input_from(interface: &str) -> Result<FirewallRule, String> {
    if !is_interface_name(interface) {
        return Err(format!(
            "refusing a firewall rule for interface name {interface:?}"
        ));
    }
    run("iptables", &["-I", "INPUT", "-i", interface, "-j", "DROP"]).await?;
    let v6 = run("ip6tables", &["-I", "INPUT", "-i", interface, "-j", "DROP"])
        .await
        .is_ok();
    Ok(FirewallRule {
        interface: interface.to_string(),
        v6,
    })
}

impl FirewallRule {
    pub async fn remove(self) {
        let _ = run(
            "iptables",
            &["-D", "INPUT", "-i", &self.interface, "-j", "DROP"],
        )
        .await;
        if self.v6 {
            let _ = run(
                "ip6tables",
                &["-D", "INPUT", "-i", &self.interface, "-j", "DROP"],
            )
            .await;
        }
    }
}

/// Removes every drop rule for `interface` (a crashed run's leftovers).
pub async fn remove_all_for(interface: &str) {
    if !is_interface_name(interface) {
        return;
    }
    for program in ["iptables", "ip6tables"] {
        // bounded: one leftover rule per crashed task at most
        for _ in 0..64 {
            if run(program, &["-D", "INPUT", "-i", interface, "-j", "DROP"])
                .await
                .is_err()
            {
                break;
            }
        }
    }
}

async fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program)
        .args(args)
        // concurrent rule changes must not fail on the xtables lock
        .arg("-w")
        .output()
        .await
        .map_err(|e| format!("{program}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn is_interface_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 15
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_are_checked_before_reaching_iptables() {
        assert!(is_interface_name("podman3"));
        assert!(!is_interface_name("-j ACCEPT"));
        assert!(!is_interface_name(""));
        assert!(!is_interface_name("averyveryverylongname"));
    }
}
