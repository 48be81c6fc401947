//! What a running sim tells Ansible: an inventory (YAML) and a known_hosts file.

use crate::device::Package;
use crate::model::Sim;
use crate::model::fs::published_checksums;
use std::collections::HashMap;
use std::fmt::Write;

/// Timing variables scaled to the sim's clock, so that a rehearsal inventory works as is.
pub struct ScaledTiming {
    pub poll_interval: f64,
    pub readiness_timeout: f64,
    pub install_timeout: f64,
    pub reboot_timeout: f64,
    /// What an upgrade of one unit takes on a real device (domain §7: 45 + 30 minutes).
    pub upgrade_estimate: f64,
}

impl ScaledTiming {
    pub fn for_scale(scale: f64) -> Self {
        // Real-device defaults (domain §7) times the scale, with floors that keep a test's
        // SSH logins from piling up.
        ScaledTiming {
            poll_interval: (15.0 * scale).max(0.05),
            readiness_timeout: (1800.0 * scale).max(10.0),
            install_timeout: (3600.0 * scale).max(20.0),
            reboot_timeout: (3600.0 * scale).max(20.0),
            upgrade_estimate: 4500.0 * scale,
        }
    }
}

/// The package server a sim runs (`--package-server`): the units stage from it.
pub struct Served {
    pub url: String,
    pub md5: String,
    pub ca_file: Option<String>,
    /// `user:password`
    pub auth: Option<String>,
}

/// The FMC a sim runs (`--fmc`).
pub struct Fmc {
    pub host: String,
    pub username: String,
    pub password: String,
    pub ca_file: String,
    /// The FMC holds the packages: the inventory stages through it.
    pub holds_packages: bool,
}

pub fn inventory(
    sim: &Sim,
    ports: &HashMap<(usize, usize), u16>,
    known_hosts: &str,
    events: Option<&str>,
    timing: &ScaledTiming,
    served: Option<&Served>,
    fmc: Option<&Fmc>,
) -> String {
    let mut y = String::from(
        "# Written by ftd-sim for its simulated pairs. Rehearse with:\n#   ansible-playbook -i THIS_FILE playbooks/upgrade_ha.yml\nall:\n  children:\n    ftd:\n      hosts:\n",
    );
    for (p, pair) in sim.pairs.iter().enumerate() {
        for (u, unit) in pair.units.iter().enumerate() {
            let _ = writeln!(y, "        {}:", unit.hostname);
            let _ = writeln!(y, "          ansible_host: 127.0.0.1");
            let _ = writeln!(y, "          ansible_port: {}", ports[&(p, u)]);
            let _ = writeln!(y, "          ansible_user: {}", sim.username);
            let _ = writeln!(y, "          ansible_password: {}", yaml_str(&sim.password));
            let _ = writeln!(y, "          ftd_pair: pair{}", pair.id);
        }
    }
    let target = sim.target_package();
    let size = sim
        .pairs
        .first()
        .map(|p| p.units[0].model.package_size)
        .unwrap_or(0);
    let md5 = match served {
        Some(s) => s.md5.clone(),
        None => published_checksums(&target.file_name, size).0,
    };
    let _ = write!(
        y,
        "      vars:\n        ansible_connection: local\n        ansible_python_interpreter: \"{{{{ ansible_playbook_python }}}}\"\n        ftd_target_version: {}\n        ftd_package: {}\n        ftd_package_checksum: md5:{md5}\n        ftd_known_hosts: {}\n        ftd_poll_interval: {:.3}\n        ftd_readiness_timeout: {:.0}\n        ftd_install_timeout: {:.0}\n        ftd_reboot_timeout: {:.0}\n        ftd_upgrade_estimate: {:.1}\n",
        target.version,
        target.file_name,
        yaml_str(known_hosts),
        timing.poll_interval,
        timing.readiness_timeout,
        timing.install_timeout,
        timing.reboot_timeout,
        timing.upgrade_estimate,
    );
    if !sim.hop_packages.is_empty() {
        // Several hops: each a whole HA upgrade with its own package, in order.
        let _ = writeln!(y, "        ftd_upgrade_path:");
        for name in sim.hop_packages.iter().chain([&target.file_name]) {
            let package = Package::parse(name).expect("the sim names packages as the device does");
            let _ = writeln!(
                y,
                "          - {{version: {}, package: {}, checksum: 'md5:{}'}}",
                package.version,
                package.file_name,
                published_checksums(name, size).0
            );
        }
    }
    if let Some(e) = events {
        let _ = writeln!(y, "        ftd_sim_events: {}", yaml_str(e));
    }
    if let Some(f) = fmc {
        let _ = writeln!(y, "        ftd_fmc_host: {}", yaml_str(&f.host));
        let _ = writeln!(y, "        ftd_fmc_username: {}", yaml_str(&f.username));
        let _ = writeln!(y, "        ftd_fmc_password: {}", yaml_str(&f.password));
        let _ = writeln!(y, "        ftd_fmc_ca_path: {}", yaml_str(&f.ca_file));
        let _ = writeln!(
            y,
            "        ftd_fmc_sync_timeout: {:.0}",
            timing.reboot_timeout
        );
        if f.holds_packages {
            let _ = writeln!(y, "        ftd_package_source: fmc");
        }
    }
    if let Some(s) = served {
        let _ = writeln!(y, "        ftd_package_url: {}", yaml_str(&s.url));
        if let Some(ca) = &s.ca_file {
            let _ = writeln!(y, "        ftd_package_url_ca: {}", yaml_str(ca));
        }
        if let Some((user, password)) = s.auth.as_deref().and_then(|a| a.split_once(':')) {
            let _ = writeln!(y, "        ftd_package_url_username: {}", yaml_str(user));
            let _ = writeln!(
                y,
                "        ftd_package_url_password: {}",
                yaml_str(password)
            );
        }
    }
    y
}

fn yaml_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub fn known_hosts(
    keys: &HashMap<(usize, usize), russh::keys::PrivateKey>,
    ports: &HashMap<(usize, usize), u16>,
) -> String {
    let mut units: Vec<_> = ports.iter().collect();
    units.sort();
    let mut out = String::new();
    for (key, port) in units {
        let public = keys[key].public_key().to_openssh().unwrap_or_default();
        let _ = writeln!(out, "[127.0.0.1]:{port} {public}");
    }
    out
}
