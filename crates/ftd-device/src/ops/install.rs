//! The upgrade itself: the safety checks before it, starting it once, following it to the
//! reboot. The rule that matters most: never install on the Active unit (checked here, and
//! again right before the installer starts, in [`installer`](super::installer)).

use super::attempt;
use super::checksum::{self, Checksum};
use super::facts::{self, Identity};
use super::follow::FileFollower;
use super::installer::{self, Guard};
use super::lock::Hold;
use super::{OpError, Timeline, pause, readiness};
use crate::error::DeviceError;
use crate::journal::Journal;
use crate::parse::status_files::{self, Outcome, StatusLog};
use crate::paths;
use crate::session::{CliSession, Login};
use crate::version::{Package, Version};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct InstallRequest {
    pub package: Package,
    pub target: Version,
    pub allow_active: bool,
    pub require_readiness: bool,
    pub checksum: Option<Checksum>,
}

/// What the checks decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    AlreadyOnTarget,
    /// An upgrade to this package is running: follow it, do not start a second.
    Attach,
    Start,
}

/// How to carry out a [`Plan`] to start or attach.
pub struct Run<'a> {
    pub package: &'a Package,
    pub plan: &'a Plan,
    /// The caller's override of invariant 1 (tests, lab units): no state guard at the start.
    pub allow_active: bool,
    /// This run's lock on the unit: owner and time to live.
    pub lock: (&'a str, Duration),
    /// Follow the upgrade to the unit's reboot (false: return once it started).
    pub wait: bool,
    pub deadline: Instant,
    pub poll: Duration,
}

/// Where following the upgrade ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// The pre-reboot part is over and the unit is going down (false: not waited for).
    pub rebooting: bool,
    /// The last percent the installer logged.
    pub percent: u8,
    /// The kernel's boot id before the upgrade, for wait_reboot (None: an upgrade this run
    /// did not start left none).
    pub boot_id: Option<String>,
}

/// Starts the upgrade (once: [`installer::begin`], the state read again right before it)
/// or attaches to the one running, then follows it to the reboot. Reading is safe to retry,
/// so a dropped session is reopened; a refused reconnection after the upgrade began means
/// the unit is rebooting.
pub async fn run(
    mut s: CliSession,
    login: &Login,
    how: &Run<'_>,
    journal: &mut Journal,
    timeline: &mut Timeline,
) -> Result<Followed, OpError> {
    let package = how.package;
    let boot_id = if *how.plan == Plan::Start {
        let guard = if how.allow_active {
            Guard::None
        } else {
            Guard::StandbyWithActivePeer
        };
        let begun = installer::begin(
            &mut s,
            login,
            package,
            attempt::Run::Upgrade,
            how.lock,
            guard,
        )
        .await?;
        if let Some(aside) = begun.set_aside {
            timeline.push(
                journal,
                None,
                &format!("an earlier attempt's upgrade files were moved to {aside}"),
                None,
            );
        }
        timeline.push(
            journal,
            Some(0),
            &format!(
                "upgrade started: install_update.pl --detach {}",
                package.file_name
            ),
            None,
        );
        begun.boot_id
    } else {
        timeline.push(
            journal,
            None,
            "an upgrade to this package is already running: following it",
            None,
        );
        attempt::marker(&mut s, package, attempt::Run::Upgrade)
            .await?
            .as_deref()
            .and_then(attempt::boot_id_in)
    };
    if !how.wait {
        s.close().await;
        return Ok(Followed {
            rebooting: false,
            percent: 0,
            boot_id,
        });
    }
    // Started or attached to, the upgrade is this run's while it runs: its lock is refreshed
    // at every poll that finds it due (another controller's fresh lock stops this one).
    let mut hold = Hold::new(how.lock.0, how.lock.1);
    let InstallEnd::Rebooting { percent } = follow_to_reboot(
        s,
        login,
        package,
        how.deadline,
        how.poll,
        journal,
        timeline,
        Some(&mut hold),
    )
    .await?;
    Ok(Followed {
        rebooting: true,
        percent,
        boot_id,
    })
}

/// Every check that must pass before anything is started. Reads only.
pub async fn plan(
    s: &mut CliSession,
    req: &InstallRequest,
    unit: &Identity,
) -> Result<Plan, OpError> {
    if req.target.matches(&unit.version) {
        return Ok(Plan::AlreadyOnTarget);
    }
    if unit.version > req.target {
        return Err(OpError::Refused(format!(
            "the unit runs {}, newer than the target {}; this module does not downgrade",
            unit.version, req.target
        )));
    }
    // An upgrade that runs (the installer's process, not a readiness check, and never an old
    // file's IN_PROGRESS) is attached to, whatever its status files say yet: in its first
    // seconds it is still unpacking and has written none, and a second `install_update.pl`
    // then is exactly what must never be typed (a retried task, a second controller).
    if attempt::upgrade_running(s).await? {
        return Ok(Plan::Attach);
    }
    if unit.state.is_active() && !req.allow_active {
        return Err(OpError::Refused(format!(
            "this unit ({}) is Active: installing would reboot the unit carrying the traffic. Upgrade the standby first, \
             then run failover_swap, then install here (allow_active: true overrides, at the cost of an outage)",
            unit.role
        )));
    }
    if !unit.state.is_active() && !unit.state.is_standby_ready() {
        return Err(OpError::Refused(format!(
            "this unit is {}, not Standby Ready; fix the pair's health before upgrading",
            unit.state
        )));
    }
    if unit.state.is_standby_ready() && !unit.peer_state.is_active() {
        return Err(OpError::Refused(format!(
            "the peer ({}) is {}, not Active: if this unit reboots nothing carries the traffic",
            unit.peer_role, unit.peer_state
        )));
    }
    checksum::package_ready(s, &req.package, req.checksum.as_ref()).await?;
    if req.require_readiness {
        match readiness::recorded(s, &req.package).await? {
            Some(p) if p.outcome == Outcome::Passed => {}
            Some(p) => {
                return Err(OpError::Refused(format!(
                    "the readiness check for {} has not passed on this unit ({}); run the readiness module first",
                    req.package.file_name,
                    describe(&p.outcome)
                )));
            }
            None => {
                return Err(OpError::Refused(format!(
                    "no readiness check has run for {} on this unit; run the readiness module first (or require_readiness: false)",
                    req.package.file_name
                )));
            }
        }
    }
    Ok(Plan::Start)
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Running => "still running".into(),
        Outcome::Passed => "passed".into(),
        Outcome::Failed { script, message } => format!(
            "failed at {}: {message}",
            script.as_deref().unwrap_or("an unknown script")
        ),
    }
}

/// How following an upgrade ended.
#[derive(Debug, Clone, PartialEq)]
pub enum InstallEnd {
    /// The pre-reboot part finished and the unit went down (or said it will).
    Rebooting { percent: u8 },
}

/// Follows an upgrade until the unit goes down for its reboot. A dropped session is logged
/// into again to tell a reboot (the unit refuses connections: the pre-reboot part is over) from
/// a network hiccup (it answers: following goes on where it stopped, nothing read twice).
#[allow(clippy::too_many_arguments)]
pub async fn follow_to_reboot(
    mut s: CliSession,
    login: &Login,
    package: &Package,
    deadline: Instant,
    poll: Duration,
    journal: &mut Journal,
    timeline: &mut Timeline,
    mut hold: Option<&mut Hold>,
) -> Result<InstallEnd, OpError> {
    let mut seen = UpgradeFollower::new(package);
    loop {
        match follow(
            &mut s,
            package,
            deadline,
            poll,
            journal,
            timeline,
            &mut seen,
            hold.as_deref_mut(),
        )
        .await
        {
            Ok(end) => {
                s.close().await;
                return Ok(end);
            }
            Err(OpError::Device(e)) if e.is_unreachable() => {
                timeline.push(
                    journal,
                    None,
                    &format!("session lost ({e}); reconnecting"),
                    None,
                );
                s = match reconnect(login, deadline, poll).await? {
                    Some(s) => s,
                    None => {
                        let percent = status_files::parse_steps(&seen.log.text)
                            .ok()
                            .and_then(|s| s.last().map(|s| s.percent))
                            .unwrap_or(0);
                        timeline.push(
                            journal,
                            None,
                            "the unit refuses connections: it is rebooting",
                            None,
                        );
                        return Ok(InstallEnd::Rebooting { percent });
                    }
                };
            }
            Err(e) => return Err(e),
        }
    }
}

/// A new session, or None when the unit refuses connections (it is down).
async fn reconnect(
    login: &Login,
    deadline: Instant,
    poll: Duration,
) -> Result<Option<CliSession>, OpError> {
    match login.open().await {
        Ok(s) => Ok(Some(s)),
        Err(DeviceError::Unreachable { .. }) => Ok(None),
        Err(e) if e.is_unreachable() && Instant::now() < deadline => {
            pause(poll, deadline).await;
            Ok(login.open().await.ok())
        }
        Err(e) => Err(e.into()),
    }
}

/// What following an upgrade has read so far; kept across reconnections so that nothing is
/// read or journaled twice.
#[derive(Debug, Clone)]
pub struct UpgradeFollower {
    pub log: FileFollower,
    pub status_log: FileFollower,
    pub steps_seen: usize,
    /// An earlier attempt's failure was seen while the installer ran, and journaled once.
    pub earlier_noted: bool,
}

impl UpgradeFollower {
    pub fn new(package: &Package) -> Self {
        UpgradeFollower {
            log: FileFollower::new(paths::upgrade_status_log(package)),
            status_log: FileFollower::new(paths::status_log(package)),
            steps_seen: 0,
            earlier_noted: false,
        }
    }
}

/// Follows `upgrade_status.log`, `status.log` and `upgrade_status.json` until the unit goes
/// down for the reboot. A dropped connection is only a reboot if the upgrade had not failed; reading is
/// safe to retry, so the caller may reconnect and call again.
#[allow(clippy::too_many_arguments)]
pub async fn follow(
    s: &mut CliSession,
    package: &Package,
    deadline: Instant,
    poll: Duration,
    journal: &mut Journal,
    timeline: &mut Timeline,
    seen: &mut UpgradeFollower,
    mut hold: Option<&mut Hold>,
) -> Result<InstallEnd, OpError> {
    let mut percent = 0;
    loop {
        // The lock stays this run's for as long as the upgrade runs (an install outlasts a
        // lock's time to live).
        if let Some(h) = hold.as_deref_mut() {
            h.keep(s).await?;
        }
        // Both logs only grow, so they are read from where the last poll stopped. A dropped
        // session is returned as is: the caller reconnects to tell a reboot (the listener is
        // closed) from a network hiccup (it is not).
        seen.log.poll(s).await?;
        seen.status_log.poll(s).await?;
        // upgrade_status.json is rewritten whole: a read during the rewrite is torn and
        // passes with the next poll (the logs carry the progress meanwhile).
        let status = match facts::upgrade_status(s, package).await {
            Ok(st) => st,
            Err(OpError::Device(DeviceError::Parse(_))) => None,
            Err(e) => return Err(e),
        };
        let status_log = status_files::status_log(&seen.status_log.text);
        let steps = status_files::parse_steps(&seen.log.text).unwrap_or_default();
        for step in steps.iter().skip(seen.steps_seen) {
            percent = step.percent;
            timeline.push(
                journal,
                Some(step.percent),
                &step.message,
                step.script.clone(),
            );
        }
        seen.steps_seen = steps.len();
        let failed = match (&status, &status_log) {
            (Some(st), _) if st.failed() => Some(format!(
                "upgrade FAILED at {}: {}",
                st.failed_script.as_deref().unwrap_or("an unknown script"),
                if st.ui_message.is_empty() {
                    "no message in upgrade_status.json"
                } else {
                    &st.ui_message
                }
            )),
            (_, StatusLog::Fatal { script, line }) => Some(format!(
                "upgrade FAILED at {}: {line}",
                script.as_deref().unwrap_or("an unknown script")
            )),
            _ => None,
        };
        if let Some(failure) = failed {
            // An installer that still runs has not written its own files yet (it replaces an
            // earlier attempt's once it has unpacked): a failure there is that attempt's.
            if !attempt::upgrade_running(s).await? {
                return Err(OpError::Failed(failure));
            }
            if !seen.earlier_noted {
                seen.earlier_noted = true;
                timeline.push(
                    journal,
                    None,
                    "the status files still show an earlier attempt; the running installer has not written its own yet",
                    None,
                );
            }
        } else if let Some(st) = &status {
            percent = percent.max(st.percent.unwrap_or(0)).max(1);
        }
        match status_log {
            StatusLog::Fatal { .. } => {}
            StatusLog::Rebooting => {
                timeline.push(
                    journal,
                    Some(100),
                    "pre-reboot part complete: the unit is rebooting",
                    None,
                );
                return Ok(InstallEnd::Rebooting { percent: 100 });
            }
            StatusLog::Running => {}
        }
        if Instant::now() >= deadline {
            return Err(OpError::TimedOut(format!(
                "upgrade still running at {percent}% when the timeout ran out ({}); it goes on on the device: \
                 re-run install to attach to it",
                steps
                    .last()
                    .map(|s| s.message.as_str())
                    .unwrap_or("no step logged yet")
            )));
        }
        pause(poll, deadline).await;
    }
}
