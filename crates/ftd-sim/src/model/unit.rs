//! One unit: its version, files, power, failover state, and the readiness and upgrade runs
//! that write its log files line by line as device time passes.

use super::Timing;
use super::clock::{Clock, ls_stamp, main_log_stamp, status_timestamp};
use super::faults::Fault;
use super::fs::Fs;
use super::scripts::{self, READINESS, READINESS_SECONDS};
use super::texts::Model;
use ftd_device::paths;
use ftd_device::version::{Package, Version};
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RunState {
    Running,
    Passed,
    Failed,
    /// The upgrade's pre-reboot part finished; the unit is rebooting or validating.
    Rebooting,
    /// Back on the new version and validated.
    Completed,
    RolledBack,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub package: Package,
    pub base: Version,
    pub started: f64,
    /// Scripts whose line is written.
    pub written: usize,
    pub state: RunState,
    /// When the failing script's line was written (the failure follows it).
    failing_since: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Power {
    Up,
    /// Rebooting; `until` is None when the unit never comes back.
    Down {
        since: f64,
        until: Option<f64>,
    },
}

/// What happened to a unit during one advance of the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitChange {
    GoingDown,
    Up,
    Validated,
    ReadinessDone,
    UpgradeFailed,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub hostname: String,
    /// Configured role: `Primary` or `Secondary`.
    pub role: &'static str,
    pub version: Version,
    pub model: Model,
    pub uuid: String,
    pub fs: Fs,
    pub power: Power,
    /// This unit's LINA failover state.
    pub ha_state: String,
    /// The peer's view of this unit's last failure (`Comm Failure <date>`).
    pub last_failure: String,
    pub readiness: Option<Run>,
    pub upgrade: Option<Run>,
    pub validating_until: Option<f64>,
    pub faults: Vec<Fault>,
    /// Root commands typed while an upgrade runs (for the drop-mid-command fault).
    pub root_commands: u32,
    pub garbage_spent: bool,
}

impl Unit {
    pub fn has(&self, f: impl Fn(&Fault) -> bool) -> bool {
        self.faults.iter().any(f)
    }

    pub fn is_up(&self) -> bool {
        self.power == Power::Up
    }

    pub fn sudo_password<'a>(&'a self, admin: &'a str) -> &'a str {
        self.faults
            .iter()
            .find_map(|f| {
                if let Fault::SudoPassword(p) = f {
                    Some(p.as_str())
                } else {
                    None
                }
            })
            .unwrap_or(admin)
    }

    fn stamp(clock: &Clock, t: f64) -> String {
        status_timestamp(clock.wall(t))
    }

    /// One line of `upgrade_readiness_status` / `upgrade_status.log` (seed format).
    fn status_line(clock: &Clock, t: f64, percent: u8, message: &str) -> String {
        format!(
            "TIMESTAMP:{} PERCENT: {percent}% MESSAGE:{message}\n",
            Self::stamp(clock, t)
        )
    }

    /// `install_update.pl [--detach] [--readiness-check] PATH`: the start-up lines (seed),
    /// and whether it started.
    pub fn install_update(
        &mut self,
        now: f64,
        clock: &Clock,
        args: &[String],
        cwd: &str,
    ) -> (String, i32) {
        let mut out = String::new();
        for (i, a) in args.iter().enumerate() {
            out.push_str(&format!("ARGV[{i}] = {a}\n"));
        }
        let readiness = args.iter().any(|a| a == "--readiness-check");
        let Some(given) = args.iter().find(|a| !a.starts_with("--")) else {
            out.push_str("Usage: install_update.pl [--detach] [--readiness-check] <bundle file>\n");
            return (out, 2);
        };
        out.push_str(&format!("bundle_filepath: {given}\n"));
        let path = if given.starts_with('/') {
            given.clone()
        } else {
            format!("{}/{given}", cwd.trim_end_matches('/'))
        };
        if !given.starts_with('/') {
            out.push_str(&format!("updated absolute bundle_filepath: {path}\n"));
        }
        // UNVERIFIED: no public copy of the installer's error for a missing bundle.
        if self.fs.get(&path).is_none() {
            out.push_str(&format!("ERROR: bundle file {path} does not exist\n"));
            return (out, 1);
        }
        let Ok(package) = Package::parse(&path) else {
            out.push_str(&format!("ERROR: {path} is not an upgrade bundle\n"));
            return (out, 1);
        };
        let busy = self
            .upgrade
            .as_ref()
            .is_some_and(|r| matches!(r.state, RunState::Running | RunState::Rebooting))
            || self
                .readiness
                .as_ref()
                .is_some_and(|r| r.state == RunState::Running);
        if busy {
            // UNVERIFIED wording; the installer refuses a second concurrent run.
            out.push_str("ERROR: Another upgrade or readiness check is in progress. Exiting.\n");
            return (out, 1);
        }
        out.push_str(&format!(
            "install_update.pl begins. bundle_filepath: {}\n",
            path.replace("/ngfw/var/sf", "/var/sf")
        ));
        let run = Run {
            package: package.clone(),
            base: self.version.clone(),
            started: now,
            written: 0,
            state: RunState::Running,
            failing_since: None,
        };
        if readiness {
            out.push_str(&format!(
                "[Readiness-Info]filename : {} at /usr/local/sf/lib\n",
                path.replace("/ngfw/var/sf", "/var/sf")
            ));
            self.fs.remove(&paths::readiness_json(&package));
            self.fs.write(
                &paths::readiness_status(&package),
                "",
                &ls_stamp(clock.wall(now)),
            );
            self.write_readiness_json(&package, "IN_PROGRESS", 0, None, now, clock);
            self.readiness = Some(run);
        } else {
            out.push_str("Verifying archive integrity... All good.\n");
            out.push_str(&format!(
                "Uncompressing Cisco FTD Upgrade / {}.....\n",
                Self::stamp(clock, now)
            ));
            out.push_str("Entering is_fmc_managed\nDevice is FMC Managed\n");
            let dir = paths::log_dir(&package);
            for f in [
                "upgrade_status.log",
                "status.log",
                "main_upgrade_script.log",
            ] {
                self.fs
                    .write(&format!("{dir}/{f}"), "", &ls_stamp(clock.wall(now)));
            }
            self.fs.append(
                &paths::main_upgrade_log(&package),
                &format!(
                    "{} MAIN_UPGRADE_SCRIPT_START\n{} # UPGRADE STARTING\n",
                    main_log_stamp(clock.wall(now)),
                    main_log_stamp(clock.wall(now))
                ),
                &ls_stamp(clock.wall(now)),
            );
            self.upgrade = Some(run);
            self.write_upgrade_json(
                "IN_PROGRESS",
                "",
                None,
                "Upgrade in progress",
                "UPGRADE_IN_PROGRESS",
                0,
                now,
                clock,
            );
        }
        (out, 0)
    }

    fn write_readiness_json(
        &mut self,
        package: &Package,
        status: &str,
        percent: u8,
        failure: Option<(&str, &str)>,
        now: f64,
        clock: &Clock,
    ) {
        let failures: Vec<_> = failure
            .iter()
            .map(|(name, message)| json!({"name": name, "message": message}))
            .collect();
        let doc = json!({"upgradeReadinessStatus": {
            "status": status, "percent": percent, "detailedFailure": failures,
            "targetVersion": package.version.to_string(), "upgradePackageFilename": package.file_name,
        }});
        self.fs.write(
            &paths::readiness_json(package),
            &format!("{doc}\n"),
            &ls_stamp(clock.wall(now)),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn write_upgrade_json(
        &mut self,
        status: &str,
        sub_state: &str,
        failed: Option<&str>,
        message: &str,
        current: &str,
        percent: u8,
        now: f64,
        clock: &Clock,
    ) {
        let Some(run) = &self.upgrade else { return };
        let doc = json!({"upgradeStatus": {
            "status": status, "subState": sub_state,
            "failedScript": failed.map(|f| vec![f]).unwrap_or_default(),
            "uiMessage": message, "currentState": current, "percent": percent,
            "taskUuid": format!("{}-{}", self.uuid, run.started as u64),
            "baseVersion": run.base.to_string(), "targetVersion": run.package.version.to_string(),
            "upgradePackageFilename": run.package.file_name,
        }});
        let path = paths::upgrade_status_json(&run.package);
        self.fs
            .write(&path, &format!("{doc}\n"), &ls_stamp(clock.wall(now)));
    }

    /// Moves the unit's runs and power forward to device time `now`.
    pub fn advance(&mut self, now: f64, clock: &Clock, timing: &Timing) -> Vec<UnitChange> {
        let mut changes = Vec::new();
        if self.advance_readiness(now, clock) {
            changes.push(UnitChange::ReadinessDone);
        }
        if let Some(c) = self.advance_upgrade(now, clock, timing) {
            changes.push(c);
        }
        if let Power::Down {
            until: Some(until), ..
        } = self.power
            && now >= until
        {
            self.boot(until, clock, timing);
            changes.push(UnitChange::Up);
        }
        if let Some(done) = self.validating_until
            && now >= done
        {
            self.validating_until = None;
            self.finish_validation(done, clock);
            changes.push(UnitChange::Validated);
        }
        changes
    }

    fn readiness_fault(&self) -> Option<String> {
        self.faults.iter().find_map(|f| {
            if let Fault::ReadinessFail(s) = f {
                Some(s.clone())
            } else {
                None
            }
        })
    }

    fn install_fault(&self) -> Option<String> {
        let corrupt = self.upgrade.as_ref().is_some_and(|r| {
            matches!(
                self.fs.get(&paths::package_path(&r.package)),
                Some(super::fs::File::Package { signed: false, .. })
            )
        });
        if corrupt {
            return Some(scripts::VERIFY_BUNDLE.to_string());
        }
        self.faults.iter().find_map(|f| {
            if let Fault::InstallFail(s) = f {
                Some(s.clone())
            } else {
                None
            }
        })
    }

    /// Returns true when the check finished during this advance.
    fn advance_readiness(&mut self, now: f64, clock: &Clock) -> bool {
        let fail_at = self.readiness_fault();
        let Some(run) = self
            .readiness
            .as_mut()
            .filter(|r| r.state == RunState::Running)
        else {
            return false;
        };
        let package = run.package.clone();
        let status = paths::readiness_status(&package);
        let main_log = format!("{}/main_upgrade_script.log", paths::readiness_dir(&package));
        let mut lines = String::new();
        let mut log = String::new();
        let mut outcome = None;
        while run.written < READINESS.len() {
            let (script, offset, percent) = READINESS[run.written];
            let at = run.started + offset;
            if at > now {
                break;
            }
            if let Some(since) = run.failing_since {
                if now < since + 2.0 {
                    break;
                }
                let text = scripts::readiness_failure_text(script);
                lines.push_str(&Self::status_line(
                    clock,
                    since + 2.0,
                    percent,
                    &format!("Readiness Check failed. Error running script {script}."),
                ));
                log.push_str(&format!(
                    "{} {text}\n{} UPGRADE READINESS CHECK COMPLETE - FAIL\n",
                    main_log_stamp(clock.wall(since + 2.0)),
                    main_log_stamp(clock.wall(since + 2.0))
                ));
                outcome = Some((RunState::Failed, Some((script, text)), percent));
                break;
            }
            lines.push_str(&Self::status_line(
                clock,
                at,
                percent,
                &format!("Running script {script}..."),
            ));
            log.push_str(&format!(
                "{} BEGIN {script}\n",
                main_log_stamp(clock.wall(at))
            ));
            if fail_at.as_deref() == Some(script) {
                run.failing_since = Some(at);
                continue;
            }
            run.written += 1;
        }
        if outcome.is_none()
            && run.written == READINESS.len()
            && now >= run.started + READINESS_SECONDS
        {
            let at = run.started + READINESS_SECONDS;
            lines.push_str(&Self::status_line(
                clock,
                at,
                100,
                "Readiness Check completed successfully.",
            ));
            log.push_str(&format!(
                "{} UPGRADE READINESS CHECK COMPLETE - PASS\n",
                main_log_stamp(clock.wall(at))
            ));
            outcome = Some((RunState::Passed, None, 100));
        }
        let stamp = ls_stamp(clock.wall(now));
        self.fs.append(&status, &lines, &stamp);
        self.fs.append(&main_log, &log, &stamp);
        let Some((state, failure, percent)) = outcome else {
            return false;
        };
        self.readiness.as_mut().unwrap().state = state;
        let status_word = if state == RunState::Passed {
            "SUCCESS"
        } else {
            "FAILED"
        };
        self.write_readiness_json(&package, status_word, percent, failure, now, clock);
        true
    }

    fn advance_upgrade(&mut self, now: f64, clock: &Clock, timing: &Timing) -> Option<UnitChange> {
        let fail_at = self.install_fault();
        let run = self
            .upgrade
            .as_mut()
            .filter(|r| r.state == RunState::Running)?;
        let package = run.package.clone();
        let schedule = scripts::upgrade_schedule(timing.install);
        let (mut lines, mut log, mut status) = (String::new(), String::new(), String::new());
        let mut failed = None;
        while run.written < schedule.len() {
            let (script, offset, percent) = schedule[run.written];
            let at = run.started + offset;
            if at > now {
                break;
            }
            let stamp = main_log_stamp(clock.wall(at));
            if let Some(since) = run.failing_since {
                if now < since + 5.0 {
                    break;
                }
                let fatal = format!("Fatal error:  Error running script {script}.");
                status.push_str(&format!("{fatal}\n"));
                log.push_str(&format!("{stamp} {fatal}\n"));
                failed = Some((script, fatal, percent));
                break;
            }
            lines.push_str(&Self::status_line(
                clock,
                at,
                percent,
                &format!("Running script {script}..."),
            ));
            status.push_str(&format!(
                "ui:Upgrade in progress: ({percent}% done.) Running script {script}...\n"
            ));
            log.push_str(&format!("{stamp} BEGIN {script}\n"));
            if fail_at.as_deref() == Some(script) {
                run.failing_since = Some(at);
                if script == scripts::VERIFY_BUNDLE {
                    log.push_str(&format!(
                        "{stamp} Image {} is not a signed image or is damaged\n",
                        package.file_name
                    ));
                }
                continue;
            }
            log.push_str(&format!("{stamp} END {script}\n"));
            run.written += 1;
        }
        let mut change = None;
        if failed.is_none() && run.written == schedule.len() && now >= run.started + timing.install
        {
            let at = run.started + timing.install;
            status.push_str("System will now reboot.\n");
            log.push_str(&format!(
                "{} MAIN_UPGRADE_SCRIPT_END\n",
                main_log_stamp(clock.wall(at))
            ));
            run.state = RunState::Rebooting;
            let boot = timing.boot
                * self
                    .faults
                    .iter()
                    .find_map(|f| {
                        if let Fault::SlowBoot(x) = f {
                            Some(*x)
                        } else {
                            None
                        }
                    })
                    .unwrap_or(1.0);
            let hang = self.faults.contains(&Fault::RebootHang);
            self.power = Power::Down {
                since: at,
                until: (!hang).then_some(at + boot),
            };
            self.ha_state = "Failed".into();
            change = Some(UnitChange::GoingDown);
        }
        let stamp = ls_stamp(clock.wall(now));
        self.fs
            .append(&paths::upgrade_status_log(&package), &lines, &stamp);
        self.fs
            .append(&paths::status_log(&package), &status, &stamp);
        self.fs
            .append(&paths::main_upgrade_log(&package), &log, &stamp);
        if let Some((script, fatal, percent)) = failed {
            self.upgrade.as_mut().unwrap().state = RunState::Failed;
            self.write_upgrade_json(
                "FAILED",
                "",
                Some(script),
                &fatal,
                "UPGRADE_FAILED",
                percent,
                now,
                clock,
            );
            return Some(UnitChange::UpgradeFailed);
        }
        if change.is_some() {
            self.write_upgrade_json(
                "IN_PROGRESS",
                "REBOOTING",
                None,
                "System will now reboot.",
                "REBOOTING",
                100,
                now,
                clock,
            );
        } else if !lines.is_empty() {
            let percent = schedule[self.upgrade.as_ref().unwrap().written.saturating_sub(1)].2;
            self.write_upgrade_json(
                "IN_PROGRESS",
                "",
                None,
                "Upgrade in progress",
                "UPGRADE_IN_PROGRESS",
                percent,
                now,
                clock,
            );
        }
        change
    }

    fn boot(&mut self, at: f64, clock: &Clock, timing: &Timing) {
        self.power = Power::Up;
        self.ha_state = "Negotiation".into();
        let rollback = self.faults.contains(&Fault::Rollback);
        if let Some(run) = &self.upgrade
            && !rollback
        {
            self.version = run.package.version.clone();
        }
        self.validating_until = Some(at + timing.validation);
        self.write_upgrade_json(
            "IN_PROGRESS",
            "POST_UPGRADE_VALIDATION_IN_PROGRESS",
            None,
            "Post-upgrade validation in progress",
            "POST_REBOOT",
            100,
            at,
            clock,
        );
    }

    fn finish_validation(&mut self, at: f64, clock: &Clock) {
        let Some(run) = &self.upgrade else { return };
        if self.faults.contains(&Fault::Rollback) {
            // UNVERIFIED wording: no public copy of a rolled-back upgrade's status.
            let message = format!(
                "Upgrade failed and the unit was rolled back to {}.",
                run.base
            );
            self.upgrade.as_mut().unwrap().state = RunState::RolledBack;
            self.write_upgrade_json(
                "FAILED",
                "ROLLBACK_COMPLETED",
                Some("999_finish/999_zz_install_bundle.sh"),
                &message,
                "ROLLED_BACK",
                100,
                at,
                clock,
            );
        } else {
            self.upgrade.as_mut().unwrap().state = RunState::Completed;
            self.write_upgrade_json(
                "SUCCESS",
                "POST_UPGRADE_VALIDATION_COMPLETED",
                None,
                "Upgrade completed successfully.",
                "UPGRADE_COMPLETED",
                100,
                at,
                clock,
            );
        }
    }

    /// The state this unit settles in once validated, given its peer's state.
    pub fn settled_state(&self, peer_active: bool) -> String {
        if let Some(state) = self.faults.iter().find_map(|f| {
            if let Fault::ComesBack(s) = f {
                Some(s.clone())
            } else {
                None
            }
        }) {
            return state;
        }
        if peer_active {
            "Standby Ready".into()
        } else {
            "Active".into()
        }
    }
}
