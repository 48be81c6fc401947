//! The readiness check: `install_update.pl --detach --readiness-check <package>` (started by
//! [`installer`](super::installer)), followed through `upgrade_readiness_status` until it
//! passes or fails. Only a check this tool started counts (see [`attempt`](super::attempt)).

use super::attempt::{self, Run};
use super::follow::FileFollower;
use super::lock::Hold;
use super::{OpError, Timeline, pause};
use crate::journal::Journal;
use crate::parse::status_files::{self, Outcome, ReadinessProgress};
use crate::paths;
use crate::session::CliSession;
use crate::version::Package;
use std::time::{Duration, Instant};

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
