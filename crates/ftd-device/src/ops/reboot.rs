//! Waiting for a unit to go down for its reboot and come back validated, on the target
//! version, in the expected failover state. Each poll is a fresh login that reads, and
//! stamps this run's lock again when the run holds it.
//!
//! The reboot is judged by the kernel, not by text: the unit's boot id, recorded before the
//! install, has changed. A unit still up on its old version after `System will now reboot`
//! (it stays up for a minute or more) is waited for, never declared rolled back; a rollback
//! is a new boot id with the old version. Everything that is not permanent (refused
//! connections, LINA not answering yet, a torn status file) is retried until the deadline.

use super::facts::{self, Identity};
use super::{OpError, Timeline, pause};
use super::{attempt, lock};
use crate::error::DeviceError;
use crate::journal::Journal;
use crate::parse::state::FailoverState;
use crate::session::Login;
use crate::version::{Package, Version};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct WaitRequest {
    pub package: Option<Package>,
    pub target: Version,
    pub expected_state: FailoverState,
    pub timeout: Duration,
    pub poll: Duration,
    /// The caller saw the unit go down already (install followed it to the reboot).
    pub already_down: bool,
    /// The unit's boot id before the install (install returns it; without it, the one the
    /// install recorded on the unit is read).
    pub boot_id_before: Option<String>,
    /// This run's lock (owner, time to live): stamped again at each look that finds the unit
    /// answering, if this run holds it, so that a long reboot does not let it expire under
    /// the run. Another run's lock, or none, is left alone.
    pub lock: Option<(String, Duration)>,
}

#[derive(Debug, Clone)]
pub struct Returned {
    pub identity: Identity,
    /// From the first failed connection to the first successful login.
    pub downtime: Option<Duration>,
    pub waited: Duration,
}

/// What one look at the unit showed.
#[derive(Debug)]
enum Look {
    Down(DeviceError),
    /// Answering SSH, but not yet what a look reads (LINA silent after the boot, a file torn).
    NotReady(String),
    Up {
        identity: Identity,
        boot_id: Option<String>,
        /// The boot id recorded by the install, when the request has none.
        recorded_boot_id: Option<String>,
        validated: bool,
        upgrade_failed: Option<String>,
        upgrading: bool,
    },
}

async fn look(login: &Login, req: &WaitRequest) -> Result<Look, OpError> {
    let mut s = match login.open().await {
        Ok(s) => s,
        Err(e) if e.is_permanent() => return Err(e.into()),
        Err(e) => return Ok(Look::Down(e)),
    };
    let result = async {
        let identity = facts::identity(&mut s).await?;
        let boot_id = attempt::boot_id(&mut s).await.ok();
        let recorded_boot_id = match (&req.boot_id_before, &req.package) {
            (None, Some(p)) => attempt::marker(&mut s, p, attempt::Run::Upgrade)
                .await?
                .as_deref()
                .and_then(attempt::boot_id_in),
            _ => None,
        };
        let status = match &req.package {
            Some(p) => facts::upgrade_status(&mut s, p).await?,
            None => None,
        };
        let validated = status.as_ref().is_none_or(|st| st.finished());
        let upgrade_failed = status.as_ref().filter(|st| st.failed()).map(|st| {
            format!(
                "{} ({})",
                st.failed_script.as_deref().unwrap_or("unknown script"),
                st.ui_message
            )
        });
        let upgrading = status
            .as_ref()
            .is_some_and(|st| st.status.eq_ignore_ascii_case("IN_PROGRESS") && !st.finished());
        if let Some((owner, ttl)) = &req.lock {
            lock::refresh_if_held(&mut s, owner, *ttl).await?;
        }
        Ok::<_, OpError>(Look::Up {
            identity,
            boot_id,
            recorded_boot_id,
            validated,
            upgrade_failed,
            upgrading,
        })
    }
    .await;
    s.close().await;
    match result {
        Err(OpError::Device(e)) if e.is_unreachable() => Ok(Look::Down(e)),
        Err(OpError::Device(e)) if e.is_permanent() => Err(e.into()),
        Err(e) => Ok(Look::NotReady(e.to_string())),
        ok => ok,
    }
}

pub async fn wait_for_return(
    login: &Login,
    req: &WaitRequest,
    journal: &mut Journal,
    timeline: &mut Timeline,
) -> Result<Returned, OpError> {
    let started = Instant::now();
    let deadline = started + req.timeout;
    let mut down_since: Option<Instant> = req.already_down.then(Instant::now);
    // Seen refusing connections by this wait itself: without boot ids, the only proof of a
    // reboot (`already_down` says the unit announced it, not that it went).
    let mut seen_down = false;
    let mut downtime = None;
    let mut last_seen: String;
    let mut reported = String::new();
    timeline.push(
        journal,
        None,
        &format!(
            "waiting for the unit to {} and return on {}",
            if req.already_down {
                "come back"
            } else {
                "go down"
            },
            req.target
        ),
        None,
    );
    let mut boot_before = req.boot_id_before.clone();
    loop {
        match look(login, req).await? {
            Look::Down(e) => {
                seen_down = true;
                if down_since.is_none() {
                    down_since = Some(Instant::now());
                    timeline.push(journal, None, "unit is down (rebooting)", None);
                }
                last_seen = format!("unit not answering: {e}");
            }
            Look::NotReady(why) => {
                last_seen = format!("unit answers SSH but not yet the checks: {why}");
                // Journaled once per kind of answer, not once per poll.
                let kind = "unit answers SSH but not yet the checks";
                if !reported.starts_with(kind) {
                    timeline.push(journal, None, &last_seen, None);
                    reported = last_seen.clone();
                }
            }
            Look::Up {
                identity,
                boot_id,
                recorded_boot_id,
                validated,
                upgrade_failed,
                upgrading,
            } => {
                if boot_before.is_none() {
                    boot_before = recorded_boot_id;
                }
                // By the kernel when both ids are known; else by having seen the unit down.
                let rebooted = match (&boot_before, &boot_id) {
                    (Some(before), Some(now)) => before != now,
                    _ => seen_down,
                };
                if rebooted && downtime.is_none() {
                    downtime = Some(down_since.map(|d| d.elapsed()).unwrap_or_default());
                    timeline.push(
                        journal,
                        None,
                        &format!("unit is back on {} ({})", identity.version, identity.state),
                        None,
                    );
                }
                let on_target = req.target.matches(&identity.version);
                if !on_target && !rebooted && upgrade_failed.is_some() {
                    return Err(OpError::Failed(format!(
                        "the upgrade failed before the reboot, at {}; the unit still runs {}; see the upgrade logs under /ngfw/var/log/sf",
                        upgrade_failed.unwrap_or_default(),
                        identity.version
                    )));
                }
                if !on_target && rebooted && !upgrading {
                    return Err(OpError::Failed(format!(
                        "the unit rebooted and came back on {}, not {}: the upgrade was rolled back{}; see the upgrade logs under /ngfw/var/log/sf",
                        identity.version,
                        req.target,
                        upgrade_failed
                            .map(|f| format!(" after failing at {f}"))
                            .unwrap_or_default()
                    )));
                }
                if on_target && validated && identity.state == req.expected_state {
                    timeline.push(
                        journal,
                        Some(100),
                        &format!("unit is {} on {}", identity.state, identity.version),
                        None,
                    );
                    return Ok(Returned {
                        identity,
                        downtime,
                        waited: started.elapsed(),
                    });
                }
                last_seen = if !on_target && !rebooted {
                    format!(
                        "unit still up on {} and not rebooted yet (same boot id)",
                        identity.version
                    )
                } else if !on_target {
                    format!(
                        "unit back on {} with the upgrade still in progress",
                        identity.version
                    )
                } else if !validated {
                    format!(
                        "unit back on {} but post-upgrade validation not finished; state {}",
                        identity.version, identity.state
                    )
                } else {
                    format!(
                        "unit back on {} but {}, not {}",
                        identity.version, identity.state, req.expected_state
                    )
                };
                if last_seen != reported {
                    timeline.push(journal, None, &last_seen, None);
                    reported = last_seen.clone();
                }
            }
        }
        if Instant::now() >= deadline {
            return Err(OpError::TimedOut(format!(
                "the unit did not come back as expected within {:.0}s; last seen: {last_seen}",
                req.timeout.as_secs_f64()
            )));
        }
        pause(req.poll, deadline).await;
    }
}
