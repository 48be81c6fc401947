//! The device model: units, pairs, files, the upgrade state machine and the clock. No
//! sockets here: the SSH front drives it, and tests drive it directly with explicit times.

pub mod clock;
pub mod faults;
pub mod fs;
pub mod pair;
pub mod scripts;
pub mod texts;
pub mod unit;

use clock::{Clock, ls_stamp};
use faults::{Fault, FaultSpec, UnitSel};
use ftd_device::paths;
use ftd_device::version::{Package, Version};
pub use pair::{Notice, Pair};
use serde_json::Value;
use texts::Model;
use unit::{Power, Unit};

/// Real-device durations in device seconds (domain §7, at the quick end of each range).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub install: f64,
    pub boot: f64,
    pub validation: f64,
    pub holdtime: f64,
    pub swap_gap: f64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            install: 1800.0,
            boot: 600.0,
            validation: 300.0,
            holdtime: 15.0,
            swap_gap: 2.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub pairs: usize,
    pub from: Version,
    pub to: Version,
    pub model: Model,
    pub faults: Vec<FaultSpec>,
    pub username: String,
    pub password: String,
    pub enable_password: String,
    pub timing: Timing,
}

pub struct Sim {
    pub pairs: Vec<Pair>,
    pub clock: Clock,
    pub timing: Timing,
    pub username: String,
    pub password: String,
    pub enable_password: String,
    pub target_package: String,
}

impl Sim {
    pub fn new(config: SimConfig, clock: Clock) -> Self {
        let target_package = texts::package_name(&config.model, &config.to);
        let from_package = texts::package_name(&config.model, &config.from);
        let mtime = ls_stamp(clock.wall(0.0));
        let pairs = (1..=config.pairs)
            .map(|id| {
                let units = [
                    ("a", "Primary", UnitSel::Primary),
                    ("b", "Secondary", UnitSel::Secondary),
                ]
                .map(|(letter, role, sel)| {
                    let faults: Vec<Fault> = config
                        .faults
                        .iter()
                        .filter(|f| f.pair == id && f.unit == sel)
                        .map(|f| f.fault.clone())
                        .collect();
                    let mut fs = fs::Fs::default();
                    let size = config.model.package_size;
                    fs.add_package(
                        &format!("{}/{from_package}", paths::UPDATES_DIR),
                        size - 13_301_760,
                        false,
                        &mtime,
                    );
                    fs.write(
                        &format!("{}/{from_package}.METADATA", paths::UPDATES_DIR),
                        &"m".repeat(815),
                        &mtime,
                    );
                    if !faults.contains(&Fault::PackageMissing) {
                        let corrupt = faults.contains(&Fault::PackageCorrupt);
                        fs.add_package(
                            &format!("{}/{target_package}", paths::UPDATES_DIR),
                            size,
                            corrupt,
                            &mtime,
                        );
                        fs.write(
                            &format!("{}/{target_package}.METADATA", paths::UPDATES_DIR),
                            &"m".repeat(854),
                            &mtime,
                        );
                    }
                    fs.write("/home/admin/.bashrc", "# admin\n", &mtime);
                    fs.write("/root/.bashrc", "# root\n", &mtime);
                    let initial = faults.iter().find_map(|f| {
                        if let Fault::InitialState(s) = f {
                            Some(s.clone())
                        } else {
                            None
                        }
                    });
                    let state = initial.unwrap_or_else(|| {
                        if role == "Primary" {
                            "Active".into()
                        } else {
                            "Standby Ready".into()
                        }
                    });
                    Unit {
                        hostname: format!("fw-{id}-{letter}"),
                        role,
                        version: config.from.clone(),
                        model: config.model,
                        uuid: format!(
                            "0edf9f22-78e6-11ea-8ed0-{:06x}{:06x}",
                            id,
                            if letter == "a" { 0xa } else { 0xb }
                        ),
                        fs,
                        power: Power::Up,
                        ha_state: state,
                        last_failure: "None".into(),
                        readiness: None,
                        upgrade: None,
                        validating_until: None,
                        faults,
                        root_commands: 0,
                        garbage_spent: false,
                    }
                });
                Pair::new(id, units)
            })
            .collect();
        let mut sim = Sim {
            pairs,
            clock,
            timing: config.timing,
            username: config.username,
            password: config.password,
            enable_password: config.enable_password,
            target_package,
        };
        sim.start_preexisting_upgrades();
        sim
    }

    /// The `upgrade-running` fault: an upgrade started before we arrived (by FMC, say).
    fn start_preexisting_upgrades(&mut self) {
        let path = format!("{}/{}", paths::UPDATES_DIR, self.target_package);
        for pair in &mut self.pairs {
            for i in 0..2 {
                if pair.units[i].faults.contains(&Fault::UpgradeRunning) {
                    let args = vec!["--detach".to_string(), path.clone()];
                    let (_, rc) = pair.units[i].install_update(0.0, &self.clock, &args, "/");
                    if rc == 0 {
                        pair.upgrade_started(i, 0.0);
                    }
                }
            }
        }
    }

    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    pub fn advance_to(&mut self, now: f64) -> Vec<Notice> {
        let (clock, timing) = (self.clock, self.timing);
        self.pairs
            .iter_mut()
            .flat_map(|p| p.advance(now, &clock, &timing))
            .collect()
    }

    /// Clears every injected fault (SIGUSR2), as an operator fixing the cause would: a unit
    /// that hung in its reboot starts booting now.
    pub fn clear_faults(&mut self, now: f64) {
        let boot = self.timing.boot;
        let package = format!("{}/{}", paths::UPDATES_DIR, self.target_package);
        let mtime = ls_stamp(self.clock.wall(now));
        for pair in &mut self.pairs {
            for unit in &mut pair.units {
                // A missing or damaged package is copied again.
                if unit
                    .faults
                    .iter()
                    .any(|f| matches!(f, Fault::PackageMissing | Fault::PackageCorrupt))
                {
                    let size = unit.model.package_size;
                    unit.fs.add_package(&package, size, false, &mtime);
                }
                unit.faults.clear();
                if let Power::Down { since, until: None } = unit.power {
                    unit.power = Power::Down {
                        since,
                        until: Some(now + boot),
                    };
                }
            }
            // A unit stuck in another failover state (Failed, Cold Standby...) is repaired
            // too: it settles as a healthy unit would.
            for i in 0..2 {
                let peer_active =
                    pair.units[1 - i].ha_state == "Active" && pair.units[1 - i].is_up();
                let unit = &mut pair.units[i];
                let healthy = unit.ha_state == "Active" || unit.ha_state == "Standby Ready";
                if unit.is_up() && unit.validating_until.is_none() && !healthy {
                    unit.ha_state = unit.settled_state(peer_active);
                }
            }
        }
    }

    pub fn drain_events(&mut self) -> Vec<Value> {
        self.pairs
            .iter_mut()
            .flat_map(|p| std::mem::take(&mut p.events))
            .collect()
    }

    pub fn summary(&self) -> Vec<Value> {
        self.pairs.iter().map(Pair::summary).collect()
    }

    pub fn target_package(&self) -> Package {
        Package::parse(&self.target_package).expect("the sim names packages as the device does")
    }
}

#[cfg(test)]
mod tests;
