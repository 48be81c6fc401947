//! The readiness check: `install_update.pl --detach --readiness-check <package>`, followed
//! through `upgrade_readiness_status` until it passes or fails.

use super::follow::FileFollower;
use super::{OpError, Timeline, pause};
use crate::journal::Journal;
use crate::parse::status_files::{self, Outcome, ReadinessProgress};
use crate::paths;
use crate::session::CliSession;
use crate::version::Package;
use std::time::{Duration, Instant};

/// The readiness state recorded on the unit for `package`; None if it never ran.
pub async fn recorded(
    s: &mut CliSession,
    package: &Package,
) -> Result<Option<ReadinessProgress>, OpError> {
    let Some(status_text) = s.read_file(&paths::readiness_status(package)).await? else {
        return Ok(None);
    };
    let json = s.read_file(&paths::readiness_json(package)).await?;
    Ok(Some(
        status_files::readiness_progress(&status_text, json.as_deref())
            .map_err(crate::DeviceError::from)?,
    ))
}

/// Starts the check (returns the installer's start-up lines).
pub async fn start(s: &mut CliSession, package: &Package) -> Result<String, OpError> {
    let command = format!(
        "{} --detach --readiness-check {}",
        paths::INSTALLER,
        paths::package_path(package)
    );
    let (out, status) = s.root(&command).await?;
    if status != 0 || !out.contains("install_update.pl begins") {
        return Err(OpError::Failed(format!(
            "the readiness check did not start (status {status}): {}",
            out.trim()
        )));
    }
    Ok(out)
}

/// Follows a running check until it passes, fails, or `limit` runs out.
pub async fn follow(
    s: &mut CliSession,
    package: &Package,
    limit: Duration,
    poll: Duration,
    journal: &mut Journal,
    timeline: &mut Timeline,
) -> Result<ReadinessProgress, OpError> {
    let deadline = Instant::now() + limit;
    let mut status = FileFollower::new(paths::readiness_status(package));
    let mut steps_seen = 0;
    loop {
        status.poll(s).await?;
        let json = s.read_file(&paths::readiness_json(package)).await?;
        let progress = status_files::readiness_progress(&status.text, json.as_deref())
            .map_err(crate::DeviceError::from)?;
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
                    .unwrap_or("no script started yet")
            )));
        }
        pause(poll, deadline).await;
    }
}
