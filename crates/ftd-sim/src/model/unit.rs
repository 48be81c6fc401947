//! One unit: its version, files, power, failover state, and the readiness and upgrade runs
//! that write its log files line by line as device time passes.

use super::Timing;
use super::clock::{Clock, ls_stamp, main_log_stamp, status_timestamp};
use super::faults::Fault;
use super::fs::Fs;
use super::realism::{self, Realism};
use super::scripts::{self, READINESS, READINESS_SECONDS};
use super::texts::Model;
use crate::device::{self, Package, Version};
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
    /// When the installer had unpacked the bundle and replaced the old log files; the
    /// scripts' times count from here.
    pub origin: f64,
    unpacked: bool,
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
    /// `System will now reboot`: the unit goes down after the reboot delay.
    RebootAnnounced,
    GoingDown,
    Up,
    Validated,
    ReadinessDone,
    UpgradeFailed,
}

/// A download or copy running on the unit (`wget`, `scp`), as `pgrep -f` lists it and
/// `pkill -f` stops it.
#[derive(Debug, Clone)]
pub struct Transfer {
    pub command: String,
    pub stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Why bytes from the network were not (all) written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Received {
    NoSpace,
    /// The connection drops here (`download-drop`): this many bytes of the chunk were kept.
    Dropped(usize),
}

/// Text the unit prints unprompted: into one terminal (the detached installer's), or into
/// every open session (`terminal: None`, the reboot wall message).
#[derive(Debug, Clone, PartialEq)]
pub struct Print {
    pub due: f64,
    pub terminal: Option<u64>,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub hostname: String,
    /// Configured role: `Primary` or `Secondary`.
    pub role: &'static str,
    pub version: Version,
    pub model: Model,
    /// The chassis' FXOS when set (`--fxos`), else the one the release carries.
    pub fxos: Option<String>,
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
    /// After the validation HA is suspended a while; the unit settles at this time.
    pub settle_at: Option<f64>,
    /// After `System will now reboot`: the wall message goes out at this time...
    pub shutdown_at: Option<f64>,
    /// ...and the unit goes down at this one.
    pub down_at: Option<f64>,
    /// Until this time LINA answers nothing (after a boot).
    pub lina_ready_at: f64,
    /// Boots still to come in this upgrade beyond the next one (`double-reboot`).
    pub extra_reboots: u8,
    /// When the installer last rewrote `upgrade_status.json`, and how often it was read.
    pub json_rewritten_at: f64,
    pub json_reads: u32,
    pub takeover_spent: bool,
    /// The `lock-race` fault fired.
    pub lock_race_spent: bool,
    /// The `download-drop` fault has cut a transfer.
    pub download_dropped: bool,
    /// The `session-drop` fault has hung up a transfer's terminal.
    pub session_dropped: bool,
    pub transfers: Vec<Transfer>,
    pub prints: Vec<Print>,
    pub realism: Realism,
    pub faults: Vec<Fault>,
    /// Root commands typed while an upgrade runs (for the drop-mid-command fault).
    pub root_commands: u32,
    /// SSH logins tried on the unit (for the auth-fail-from fault).
    pub logins: u32,
    pub garbage_spent: bool,
}

impl Unit {
    pub fn has(&self, f: impl Fn(&Fault) -> bool) -> bool {
        self.faults.iter().any(f)
    }

    /// Bytes arriving over the network into a file at `offset` (wget, scp, SFTP), as far as
    /// `/ngfw` has room and the `download-drop` fault lets them.
    pub fn receive(
        &mut self,
        path: &str,
        offset: u64,
        data: &[u8],
        mtime: &str,
    ) -> Result<(), Received> {
        let end = offset + data.len() as u64;
        let grows = end.saturating_sub(self.fs.get(path).map_or(0, |f| f.size()));
        if grows > self.ngfw_space().2 {
            return Err(Received::NoSpace);
        }
        let drop_at = self.faults.iter().find_map(|f| match f {
            Fault::DownloadDrop(at) => Some(*at),
            _ => None,
        });
        if let Some(at) = drop_at.filter(|at| !self.download_dropped && offset <= *at && end > *at)
        {
            let kept = (at - offset) as usize;
            self.fs.write_at(path, offset, &data[..kept], mtime);
            self.download_dropped = true;
            return Err(Received::Dropped(kept));
        }
        self.fs.write_at(path, offset, data, mtime);
        Ok(())
    }

    /// `/ngfw`'s size, used and free bytes: the system's share plus the unit's files (the
    /// `disk-full` fault leaves 1 GiB).
    pub fn ngfw_space(&self) -> (u64, u64, u64) {
        const NGFW_SIZE: u64 = 36 << 30;
        const SYSTEM_USED: u64 = 9_771_000_000;
        let mut used = (SYSTEM_USED + self.fs.total_bytes()).min(NGFW_SIZE);
        if let Some(free) = self.faults.iter().find_map(|f| match f {
            Fault::DiskFull(free) => Some(*free),
            _ => None,
        }) {
            used = NGFW_SIZE - free.min(NGFW_SIZE);
        }
        (NGFW_SIZE, used, NGFW_SIZE - used)
    }

    pub fn is_up(&self) -> bool {
        self.power == Power::Up
    }

    /// Whether LINA answers at device time `now` (it does not for a while after a boot).
    pub fn lina_ready(&self, now: f64) -> bool {
        self.is_up() && now >= self.lina_ready_at
    }

    /// The argument of the first fault `pick` recognises.
    fn fault<T>(&self, pick: impl Fn(&Fault) -> Option<T>) -> Option<T> {
        self.faults.iter().find_map(pick)
    }

    fn lina_late(&self, timing: &Timing) -> f64 {
        self.fault(|f| match f {
            Fault::LinaLate(s) => Some(*s),
            _ => None,
        })
        .unwrap_or(timing.lina_late)
    }

    fn unpack(&self, timing: &Timing) -> f64 {
        self.fault(|f| match f {
            Fault::SlowUnpack(s) => Some(*s),
            _ => None,
        })
        .unwrap_or(timing.unpack)
    }

    fn config_sync(&self, timing: &Timing) -> f64 {
        self.fault(|f| match f {
            Fault::ConfigSync(s) => Some(*s),
            _ => None,
        })
        .unwrap_or(timing.config_sync)
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
    /// and whether it started. Nothing in the log folder changes yet: the installer replaces
    /// old files only once it has unpacked the bundle (see [`Run::origin`]). A started upgrade
    /// keeps printing into `terminal` for a while.
    pub fn install_update(
        &mut self,
        now: f64,
        clock: &Clock,
        timing: &Timing,
        args: &[String],
        cwd: &str,
        terminal: Option<u64>,
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
        let Some(package) = Package::parse(&path) else {
            out.push_str(&format!("ERROR: {path} is not an upgrade bundle\n"));
            return (out, 1);
        };
        if self.installer_running() {
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
            origin: now + self.unpack(timing),
            unpacked: false,
            written: 0,
            state: RunState::Running,
            failing_since: None,
        };
        if readiness {
            out.push_str(&format!(
                "[Readiness-Info]filename : {} at /usr/local/sf/lib\n",
                path.replace("/ngfw/var/sf", "/var/sf")
            ));
            self.readiness = Some(run);
        } else {
            if self.realism.chatter && terminal.is_some() {
                let lines = realism::installer_chatter(&package, clock, now);
                let span = timing.chatter / lines.last().map(|l| l.0).unwrap_or(1.0);
                self.prints.extend(lines.into_iter().map(|(t, text)| Print {
                    due: now + t * span,
                    terminal,
                    text: format!("{text}\n"),
                }));
            }
            self.upgrade = Some(run);
        }
        (out, 0)
    }

    /// Whether an installer process runs on the unit: a readiness check or an upgrade up to
    /// the moment the unit goes down.
    pub fn installer_running(&self) -> bool {
        !self.installers().is_empty()
    }

    /// The command lines `pgrep -f` matches against: the running installers and transfers,
    /// as started.
    pub fn processes(&self) -> Vec<String> {
        let mut out = self.installers();
        out.extend(self.transfers.iter().map(|t| t.command.clone()));
        out
    }

    /// The running installers' command lines.
    fn installers(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(r) = self.upgrade.as_ref().filter(|r| {
            r.state == RunState::Running
                || (r.state == RunState::Rebooting
                    && (self.shutdown_at.is_some() || self.down_at.is_some()))
        }) {
            out.push(format!(
                "/usr/bin/perl /usr/local/sf/bin/install_update.pl --detach {}",
                r.package.path()
            ));
        }
        if let Some(r) = self
            .readiness
            .as_ref()
            .filter(|r| r.state == RunState::Running)
        {
            out.push(format!(
                "/usr/bin/perl /usr/local/sf/bin/install_update.pl --detach --readiness-check {}",
                r.package.path()
            ));
        }
        out
    }

    /// Line ending of `status.log` (CRLF in the field).
    fn eol(&self) -> &'static str {
        if self.realism.crlf { "\r\n" } else { "\n" }
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
            &package.readiness_json(),
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
        let path = run.package.upgrade_status_json();
        self.fs
            .write(&path, &format!("{doc}\n"), &ls_stamp(clock.wall(now)));
        self.json_rewritten_at = now;
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
        if let Some(at) = self.shutdown_at.filter(|at| now >= *at) {
            // `shutdown -r now`: the wall message reaches every session, then the unit goes.
            self.shutdown_at = None;
            self.down_at = Some(at + 2.0);
            self.prints.push(Print {
                due: at,
                terminal: None,
                text: realism::wall_message(&self.hostname, clock, at),
            });
        }
        if let Some(at) = self.down_at.filter(|at| now >= *at) {
            self.down_at = None;
            self.go_down(at, timing);
            changes.push(UnitChange::GoingDown);
        }
        if let Power::Down {
            until: Some(until), ..
        } = self.power
            && now >= until
        {
            self.boot(until, clock, timing);
            changes.push(UnitChange::Up);
        }
        if let Some(done) = self.validating_until {
            if now >= done {
                self.validating_until = None;
                self.finish_validation(done, clock, timing);
            } else {
                // §10 "Coming back is gradual": LINA silent, then the sync states.
                let synced = self.lina_ready_at + self.config_sync(timing);
                self.ha_state = if now < self.lina_ready_at {
                    "Negotiation"
                } else if now < synced {
                    "Sync Config"
                } else {
                    "Bulk Sync"
                }
                .into();
            }
        }
        if self.settle_at.is_some_and(|at| now >= at) {
            self.settle_at = None;
            changes.push(UnitChange::Validated);
        }
        changes
    }

    fn go_down(&mut self, at: f64, timing: &Timing) {
        let factor = self
            .fault(|f| match f {
                Fault::SlowBoot(x) => Some(*x),
                _ => None,
            })
            .unwrap_or(1.0);
        let hang = self.faults.contains(&Fault::RebootHang);
        // The second boot of a double reboot is a short one (firmware, then the system).
        let boot = if self.extra_reboots == 0 && self.has(|f| *f == Fault::DoubleReboot) {
            timing.boot / 3.0
        } else {
            timing.boot * factor
        };
        self.power = Power::Down {
            since: at,
            until: (!hang).then_some(at + boot),
        };
        self.ha_state = "Failed".into();
        self.prints.retain(|p| p.terminal.is_none() && p.due <= at);
    }

    fn readiness_fault(&self) -> Option<String> {
        if self.has(|f| matches!(f, Fault::DiskFull(_))) {
            return Some("000_start/410_check_disk_space.sh".into());
        }
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
            self.fs
                .get(&r.package.path())
                .is_some_and(|f| f.damaged_package(&r.package.file_name))
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
        let status = package.readiness_status();
        let main_log = package.readiness_main_log();
        if !run.unpacked {
            if now < run.origin {
                return false;
            }
            // Unpacked: the check's files start anew (until now an old check's stayed).
            run.unpacked = true;
            let stamp = ls_stamp(clock.wall(run.origin));
            for path in [&status, &main_log] {
                self.fs.write(path, "", &stamp);
            }
            let origin = run.origin;
            self.write_readiness_json(&package, "IN_PROGRESS", 0, None, origin, clock);
            return self.advance_readiness(now, clock);
        }
        let mut lines = String::new();
        let mut log = String::new();
        let mut outcome = None;
        while run.written < READINESS.len() {
            let (script, offset, percent) = READINESS[run.written];
            let at = run.origin + offset;
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
            && now >= run.origin + READINESS_SECONDS
        {
            let at = run.origin + READINESS_SECONDS;
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
            "COMPLETED"
        } else {
            "FAILED"
        };
        self.write_readiness_json(&package, status_word, percent, failure, now, clock);
        true
    }

    fn advance_upgrade(&mut self, now: f64, clock: &Clock, timing: &Timing) -> Option<UnitChange> {
        let fail_at = self.install_fault();
        let eol = self.eol();
        let run = self
            .upgrade
            .as_mut()
            .filter(|r| r.state == RunState::Running)?;
        let package = run.package.clone();
        if !run.unpacked {
            if now < run.origin {
                return None;
            }
            // Unpacked: the upgrade's files start anew (until now an old attempt's stayed).
            run.unpacked = true;
            let origin = run.origin;
            let stamp = ls_stamp(clock.wall(origin));
            for path in [package.upgrade_status_log(), package.status_log()] {
                self.fs.write(&path, "", &stamp);
            }
            self.fs.write(
                &package.main_upgrade_log(),
                &format!(
                    "{} MAIN_UPGRADE_SCRIPT_START\n{} # UPGRADE STARTING\n",
                    main_log_stamp(clock.wall(origin)),
                    main_log_stamp(clock.wall(origin))
                ),
                &stamp,
            );
            self.write_upgrade_json(
                "IN_PROGRESS",
                "",
                None,
                "Upgrade in progress",
                "UPGRADE_IN_PROGRESS",
                0,
                origin,
                clock,
            );
            return self.advance_upgrade(now, clock, timing);
        }
        let schedule = scripts::upgrade_schedule(timing.install);
        let (mut lines, mut log, mut status) = (String::new(), String::new(), String::new());
        let mut failed = None;
        while run.written < schedule.len() {
            let (script, offset, percent) = schedule[run.written];
            let at = run.origin + offset;
            if at > now {
                break;
            }
            let stamp = main_log_stamp(clock.wall(at));
            if let Some(since) = run.failing_since {
                if now < since + 5.0 {
                    break;
                }
                let fatal = format!("Fatal error:  Error running script {script}.");
                status.push_str(&format!("{fatal}{eol}"));
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
                "ui:Upgrade in progress: ({percent}% done.) Running script {script}...{eol}"
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
        if failed.is_none() && run.written == schedule.len() && now >= run.origin + timing.install {
            let at = run.origin + timing.install;
            status.push_str(&format!("System will now reboot.{eol}"));
            log.push_str(&format!(
                "{} MAIN_UPGRADE_SCRIPT_END\n",
                main_log_stamp(clock.wall(at))
            ));
            run.state = RunState::Rebooting;
            // §10: the old system keeps answering for a while before it goes down.
            let delay = self
                .faults
                .iter()
                .find_map(|f| {
                    if let Fault::RebootDelay(d) = f {
                        Some(*d)
                    } else {
                        None
                    }
                })
                .unwrap_or(timing.reboot_delay);
            self.shutdown_at = Some(at + delay);
            if self.has(|f| *f == Fault::DoubleReboot) {
                self.extra_reboots = 1;
            }
            change = Some(UnitChange::RebootAnnounced);
        }
        let stamp = ls_stamp(clock.wall(now));
        self.fs
            .append(&package.upgrade_status_log(), &lines, &stamp);
        self.fs.append(&package.status_log(), &status, &stamp);
        self.fs.append(&package.main_upgrade_log(), &log, &stamp);
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
        self.lina_ready_at = at + self.lina_late(timing);
        self.fs.write(
            device::BOOT_ID,
            &format!("{}\n", new_boot_id()),
            &ls_stamp(clock.wall(at)),
        );
        let rollback = self.faults.contains(&Fault::Rollback);
        if let Some(run) = &self.upgrade
            && !rollback
        {
            self.version = run.package.version.clone();
        }
        if self.extra_reboots > 0 {
            // §6: "Devices may reboot multiple times during the upgrade."
            self.extra_reboots -= 1;
            self.shutdown_at = Some(at + timing.lina_late / 2.0 + 5.0);
            return;
        }
        // Validation cannot end before LINA is up and the config is synced.
        let floor = self.lina_late(timing) + self.config_sync(timing) + 10.0;
        self.validating_until = Some(at + timing.validation.max(floor));
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

    fn finish_validation(&mut self, at: f64, clock: &Clock, timing: &Timing) {
        // FDM 7.4: "high availability is briefly suspended" after the post-upgrade reboot.
        self.ha_state = "Disabled".into();
        self.settle_at = Some(at + timing.ha_suspend);
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
            // The public FDM schema's words: IN_PROGRESS, FAILED, COMPLETED (§10).
            self.write_upgrade_json(
                "COMPLETED",
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

    /// `upgrade_status.json` as a reader sees it: torn (half written) when read right after
    /// the installer rewrote it, or every other read with the `torn-json` fault.
    pub fn read_status_json(&mut self, text: &str, now: f64, timing: &Timing) -> String {
        self.json_reads += 1;
        let torn = now - self.json_rewritten_at < timing.torn_json
            || (self.has(|f| *f == Fault::TornJson) && self.json_reads.is_multiple_of(2));
        if torn && text.len() > 2 {
            let mut cut = text.len() / 2;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            return text[..cut].to_string();
        }
        text.to_string()
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

/// A fresh `/proc/sys/kernel/random/boot_id` (a random UUID, as the kernel makes one).
pub fn new_boot_id() -> String {
    let b: [u8; 16] = rand::random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
