//! The readiness check: `install_update.pl --detach --readiness-check <package>` (started by
//! [`installer`](super::installer)), followed through `upgrade_readiness_status` until it
//! passes or fails. Only a check this tool started counts (see [`attempt`](super::attempt)).

use super::attempt::{self, Run};
use super::checksum::{self, Checksum, Space};
use super::facts::{self, Identity};
use super::follow::FileFollower;
use super::installer::{self, Guard};
use super::lock::{self, Hold};
use super::{OpError, Timeline, pause};
use crate::journal::Journal;
use crate::parse::status_files::{self, Outcome, ReadinessProgress};
use crate::paths;
use crate::session::{CliSession, Login};
use crate::version::Package;
use std::time::{Duration, Instant};

/// What a readiness run is asked to do (the module's options, read and checked).
pub struct Request<'a> {
    pub package: &'a Package,
    /// The published checksum, verified on the unit before anything runs.
    pub checksum: Option<&'a Checksum>,
    /// Run the check again although one of this tool's passed.
    pub force: bool,
    /// Give this run's lock back when the check is over.
    pub release_lock: bool,
    pub check_mode: bool,
    /// How long the check may take, and how often it is read.
    pub limit: Duration,
    pub poll: Duration,
    /// This run's lock on the unit: owner and time to live.
    pub lock: (&'a str, Duration),
}

/// What the run found: a check it ran or followed, or an upgrade already running (not an
/// error: install follows it).
#[allow(clippy::large_enum_variant)] // one value per module run: boxing would buy nothing
pub enum Found {
    Checked {
        id: Identity,
        progress: ReadinessProgress,
        /// Whether a check was started (or, in check mode, would be).
        changed: bool,
        disk: Space,
    },
    UpgradeRunning,
}

/// Every decision of a readiness check on one unit: the package there with its checksum,
/// the room to unpack it (refused in check mode, where the device's own test cannot run),
/// an installer already running (ours: followed; an upgrade's: left to install; anything
/// else: refused), a check of this tool that already passed (not run again unless `force`),
/// then this run's check started ([`installer::begin`]) and followed to its end.
pub async fn run(
    s: &mut CliSession,
    login: &Login,
    req: &Request<'_>,
    journal: &mut Journal,
    timeline: &mut Timeline,
) -> Result<Found, OpError> {
    let package = req.package;
    let id = facts::identity(s).await?;
    checksum::package_ready(s, package, req.checksum).await?;
    if let Some(sum) = req.checksum {
        timeline.push(
            journal,
            None,
            &format!(
                "{} checksum of {} verified",
                sum.algorithm, package.file_name
            ),
            None,
        );
    }
    let disk = checksum::space(s, package).await?;
    if !disk.enough() && req.check_mode {
        // The device's own check (410_check_disk_space) would stop here; in check mode it
        // cannot run, so this is the would-stop condition.
        return Err(OpError::Refused(format!(
            "not enough disk space: {}; remove old packages from /ngfw/var/sf/updates first",
            disk.describe()
        )));
    }
    // The installer runs already: our own check (a re-run after the controller died) is
    // followed; an upgrade (from the FMC, or an earlier run) is left to install; anything
    // else is waited for. Old files are never a running check.
    let running = attempt::installer_running(s).await?;
    let recorded = recorded(s, package).await?;
    let ours_running = running
        && attempt::ours(s, package, Run::Readiness).await?
        && recorded
            .as_ref()
            .is_none_or(|p| p.outcome == Outcome::Running);
    if running && !ours_running {
        // An upgrade's installer (not a check's), whatever its files say yet.
        if attempt::upgrade_running(s).await? {
            return Ok(Found::UpgradeRunning);
        }
        return Err(OpError::Refused(
            "install_update.pl is already running on the unit (a readiness check or upgrade started \
             elsewhere); wait for it to finish, then run readiness again"
                .into(),
        ));
    }
    let (owner, ttl) = req.lock;
    if let Some(passed) = recorded
        .clone()
        .filter(|p| p.outcome == Outcome::Passed && !req.force)
    {
        if req.release_lock && !req.check_mode {
            lock::release(s, owner).await?;
        }
        return Ok(Found::Checked {
            id,
            progress: passed,
            changed: false,
            disk,
        });
    }
    if req.check_mode {
        let progress = recorded.unwrap_or(ReadinessProgress {
            steps: vec![],
            percent: 0,
            current_script: None,
            outcome: Outcome::Running,
        });
        return Ok(Found::Checked {
            id,
            progress,
            changed: true,
            disk,
        });
    }
    if !ours_running {
        let begun =
            installer::begin(s, login, package, Run::Readiness, req.lock, Guard::None).await?;
        if let Some(aside) = begun.set_aside {
            timeline.push(
                journal,
                None,
                &format!("an earlier readiness check's files were moved to {aside}"),
                None,
            );
        }
        timeline.push(
            journal,
            Some(0),
            &format!("readiness check started for {}", package.file_name),
            None,
        );
    }
    let mut hold = Hold::new(owner, ttl);
    let progress = follow(
        s,
        package,
        req.limit,
        req.poll,
        journal,
        timeline,
        Some(&mut hold),
    )
    .await?;
    if req.release_lock {
        lock::release(s, owner).await?;
    }
    Ok(Found::Checked {
        id,
        progress,
        changed: true,
        disk,
    })
}

/// The readiness state this tool recorded on the unit for `package`; None if it never ran
/// one there (files an earlier attempt left, without this tool's marker, do not count).
pub async fn recorded(
    s: &mut CliSession,
    package: &Package,
) -> Result<Option<ReadinessProgress>, OpError> {
    if !attempt::ours(s, package, Run::Readiness).await? {
        return Ok(None);
    }
    let Some(status_text) = s.read_file(&paths::readiness_status(package)).await? else {
        return Ok(None);
    };
    let json = s.read_file(&paths::readiness_json(package)).await?;
    Ok(Some(
        status_files::readiness_progress(&status_text, json.as_deref())
            .map_err(crate::DeviceError::from)?,
    ))
}

/// Follows a running check until it passes, fails, or `limit` runs out.
pub async fn follow(
    s: &mut CliSession,
    package: &Package,
    limit: Duration,
    poll: Duration,
    journal: &mut Journal,
    timeline: &mut Timeline,
    mut hold: Option<&mut Hold>,
) -> Result<ReadinessProgress, OpError> {
    let deadline = Instant::now() + limit;
    let mut status = FileFollower::new(paths::readiness_status(package));
    let mut steps_seen = 0;
    loop {
        if let Some(h) = hold.as_deref_mut() {
            h.keep(s).await?;
        }
        status.poll(s).await?;
        let json = s.read_file(&paths::readiness_json(package)).await?;
        // Until the installer has unpacked the bundle the status file does not exist; a JSON
        // read while it is rewritten can be torn: both pass with the next poll.
        let progress = match status_files::readiness_progress(&status.text, json.as_deref()) {
            Ok(p) => p,
            Err(e) => {
                if Instant::now() >= deadline {
                    return Err(OpError::TimedOut(format!(
                        "readiness check not readable after {:.0}s; last seen: {e}",
                        limit.as_secs_f64()
                    )));
                }
                pause(poll, deadline).await;
                continue;
            }
        };
        let progress = if progress.outcome == Outcome::Running {
            progress
        } else {
            // The log is read before the JSON: lines written between the two reads are read
            // now, so that the timeline ends with the check's last script.
            status.poll(s).await?;
            status_files::readiness_progress(&status.text, json.as_deref()).unwrap_or(progress)
        };
        for step in progress.steps.iter().skip(steps_seen) {
            timeline.push(
                journal,
                Some(step.percent),
                &step.message,
                step.script.clone(),
            );
        }
        steps_seen = progress.steps.len();
        if progress.outcome != Outcome::Running {
            return Ok(progress);
        }
        if Instant::now() >= deadline {
            return Err(OpError::TimedOut(format!(
                "readiness check still running after {:.0}s at {}% ({}); raise the timeout if the unit is slow",
                limit.as_secs_f64(),
                progress.percent,
                progress
                    .current_script
                    .as_deref()
                    .unwrap_or(if status.text.is_empty() {
                        "the installer has not written its status file yet"
                    } else {
                        "no script started yet"
                    })
            )));
        }
        pause(poll, deadline).await;
    }
}
