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

mod boot;
mod readiness;
mod upgrade;

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

    /// How late the CLISH answers a command (the `slow-cli` fault), in real time.
    pub fn clish_delay(&self) -> Option<std::time::Duration> {
        self.fault(|f| match f {
            Fault::SlowCli(ms) => Some(std::time::Duration::from_millis(*ms)),
            _ => None,
        })
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
