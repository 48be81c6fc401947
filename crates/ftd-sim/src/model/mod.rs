//! The device model: units, pairs, files, the upgrade state machine and the clock. No
//! sockets here: the SSH front drives it, and tests drive it directly with explicit times.

pub mod clock;
pub mod evidence;
pub mod faults;
pub mod fs;
pub mod pair;
pub mod realism;
pub mod scripts;
pub mod texts;
pub mod unit;

use crate::device;
use crate::device::{Package, Version};
use clock::{Clock, ls_stamp};
use faults::{Fault, FaultSpec, UnitSel};
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
    /// From `System will now reboot` to the wall message (§10: 30–90 s).
    pub reboot_delay: f64,
    /// After a boot, LINA answers nothing this long (§10 "Coming back is gradual").
    pub lina_late: f64,
    /// The installer unpacks the bundle before it replaces the old log files.
    pub unpack: f64,
    /// The detached installer prints into its terminal this long.
    pub chatter: f64,
    /// Sync Config on the returning unit.
    pub config_sync: f64,
    /// HA suspended after the validation (FDM 7.4 troubleshooting).
    pub ha_suspend: f64,
    /// A read of `upgrade_status.json` this soon after a rewrite is torn.
    pub torn_json: f64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            install: 1800.0,
            boot: 600.0,
            validation: 300.0,
            holdtime: 15.0,
            swap_gap: 2.0,
            reboot_delay: 45.0,
            lina_late: 90.0,
            unpack: 20.0,
            chatter: 15.0,
            config_sync: 60.0,
            ha_suspend: 20.0,
            torn_json: 1.0,
        }
    }
}

impl Timing {
    /// Turns one behaviour of [`realism::SWITCHES`] off (durations to 0); false if the name
    /// is not a duration.
    pub fn switch_off(&mut self, name: &str) -> bool {
        let field = match name {
            "reboot-delay" => &mut self.reboot_delay,
            "lina-late" => &mut self.lina_late,
            "unpack" => &mut self.unpack,
            "config-sync" => &mut self.config_sync,
            "ha-suspend" => &mut self.ha_suspend,
            "torn-json" => &mut self.torn_json,
            "chatter" => &mut self.chatter,
            _ => return false,
        };
        *field = 0.0;
        true
    }
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub pairs: usize,
    pub from: Version,
    pub to: Version,
    /// Intermediate targets before `to`, oldest first (an upgrade of several hops): their
    /// packages are on the units too.
    pub hops: Vec<Version>,
    /// The chassis' FXOS on a Firepower 4100/9300 (`2.11.1 (build 154)`), else the one each
    /// release carries.
    pub fxos: Option<String>,
    pub model: Model,
    pub faults: Vec<FaultSpec>,
    pub username: String,
    pub password: String,
    pub enable_password: String,
    pub timing: Timing,
    pub realism: realism::Realism,
    /// The target package is on the units from the start (else it must be staged).
    pub target_on_units: bool,
}

pub struct Sim {
    pub pairs: Vec<Pair>,
    pub clock: Clock,
    pub timing: Timing,
    pub username: String,
    pub password: String,
    pub enable_password: String,
    pub target_package: String,
    /// The packages of the hops before the target, oldest first.
    pub hop_packages: Vec<String>,
    pub realism: realism::Realism,
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
                        &format!("{}/{from_package}", device::UPDATES_DIR),
                        size - 13_301_760,
                        false,
                        &mtime,
                    );
                    fs.write(
                        &format!("{}/{from_package}.METADATA", device::UPDATES_DIR),
                        &"m".repeat(815),
                        &mtime,
                    );
                    if config.target_on_units && !faults.contains(&Fault::PackageMissing) {
                        let corrupt = faults.contains(&Fault::PackageCorrupt);
                        let hop_packages = config
                            .hops
                            .iter()
                            .map(|v| texts::package_name(&config.model, v));
                        for name in hop_packages.chain([target_package.clone()]) {
                            fs.add_package(
                                &format!("{}/{name}", device::UPDATES_DIR),
                                size,
                                corrupt,
                                &mtime,
                            );
                            fs.write(
                                &format!("{}/{name}.METADATA", device::UPDATES_DIR),
                                &"m".repeat(854),
                                &mtime,
                            );
                        }
                    }
                    fs.write("/home/admin/.bashrc", "# admin\n", &mtime);
                    for dir in ["/ngfw/var/log/sf", "/var/tmp", "/tmp"] {
                        fs.make_dir(dir);
                    }
                    fs.write(
                        device::BOOT_ID,
                        &format!("{}\n", unit::new_boot_id()),
                        &mtime,
                    );
                    if let (Some(kind), "b") = (config.realism.stale_logs, letter) {
                        let package = Package::parse(&target_package)
                            .expect("the sim names packages as the device does");
                        let eol = if config.realism.crlf { "\r\n" } else { "\n" };
                        realism::write_stale_logs(&mut fs, &package, kind, &clock, eol);
                    }
                    fs.write("/root/.bashrc", "# root\n", &mtime);
                    if let Some(owner) = faults.iter().find_map(|f| match f {
                        Fault::StaleLock(o) => Some(o.clone()),
                        _ => None,
                    }) {
                        let since = clock.wall(-3.0 * 3600.0).unix_timestamp();
                        fs.make_dir(device::LOCK_DIR);
                        fs.write(
                            &format!("{}/owner", device::LOCK_DIR),
                            &format!("owner={owner} since={since}\n"),
                            &mtime,
                        );
                    }
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
                        fxos: config.fxos.clone(),
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
                        settle_at: None,
                        shutdown_at: None,
                        down_at: None,
                        lina_ready_at: 0.0,
                        extra_reboots: 0,
                        json_rewritten_at: f64::NEG_INFINITY,
                        json_reads: 0,
                        takeover_spent: false,
                        lock_race_spent: false,
                        prints: Vec::new(),
                        realism: config.realism,
                        faults,
                        root_commands: 0,
                        logins: 0,
                        garbage_spent: false,
                        download_dropped: false,
                        session_dropped: false,
                        transfers: Vec::new(),
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
            hop_packages: config
                .hops
                .iter()
                .map(|v| texts::package_name(&config.model, v))
                .collect(),
            realism: config.realism,
        };
        sim.start_preexisting_upgrades();
        sim
    }

    /// The `upgrade-running` fault: an upgrade started before we arrived (by FMC, say).
    fn start_preexisting_upgrades(&mut self) {
        let path = format!("{}/{}", device::UPDATES_DIR, self.target_package);
        for pair in &mut self.pairs {
            for i in 0..2 {
                if pair.units[i].faults.contains(&Fault::UpgradeRunning) {
                    let args = vec!["--detach".to_string(), path.clone()];
                    let (_, rc) = pair.units[i].install_update(
                        0.0,
                        &self.clock,
                        &self.timing,
                        &args,
                        "/",
                        None,
                    );
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
        let package = format!("{}/{}", device::UPDATES_DIR, self.target_package);
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

    /// Unprompted text now due: (pair index, unit index, terminal or every session, text).
    pub fn drain_prints(&mut self, now: f64) -> Vec<(usize, usize, Option<u64>, String)> {
        let mut out = Vec::new();
        for (p, pair) in self.pairs.iter_mut().enumerate() {
            for (u, unit) in pair.units.iter_mut().enumerate() {
                let (due, later): (Vec<_>, Vec<_>) =
                    unit.prints.drain(..).partition(|x| x.due <= now);
                unit.prints = later;
                out.extend(due.into_iter().map(|x| (p, u, x.terminal, x.text)));
            }
        }
        out
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
