//! Waiting for a unit to go down for its reboot and come back validated, on the target
//! version, in the expected failover state. Each poll is a fresh login: only reads.

use super::facts::{self, Identity};
use super::{OpError, Timeline, pause};
use crate::error::DeviceError;
use crate::journal::Journal;
use crate::session::{CliSession, Escalation};
use crate::transport::ConnectOptions;
use crate::version::{Package, Version};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct WaitRequest {
    pub package: Option<Package>,
    pub target: Version,
    pub expected_state: String,
    pub timeout: Duration,
    pub poll: Duration,
    /// The caller saw the unit go down already (install followed it to the reboot).
    pub already_down: bool,
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
    Up {
        identity: Identity,
        validated: bool,
        upgrade_failed: Option<String>,
        upgrading: bool,
    },
}

async fn look(
    opts: &ConnectOptions,
    escalation: impl Fn() -> Escalation,
    req: &WaitRequest,
) -> Result<Look, OpError> {
    let mut s = match CliSession::login(opts, escalation()).await {
        Ok(s) => s,
        Err(e) if e.is_permanent() => return Err(e.into()),
        Err(e) => return Ok(Look::Down(e)),
    };
    let result = async {
        let identity = facts::identity(&mut s).await?;
        let status = match &req.package {
            Some(p) => facts::upgrade_status(&mut s, p).await?,
            None => None,
        };
        let validated = status
            .as_ref()
            .is_none_or(|st| st.validated() || st.status.eq_ignore_ascii_case("SUCCESS"));
        let upgrade_failed = status.as_ref().filter(|st| st.failed()).map(|st| {
            format!(
                "{} ({})",
                st.failed_script.as_deref().unwrap_or("unknown script"),
                st.ui_message
            )
        });
        let upgrading = status
            .as_ref()
            .is_some_and(|st| st.status.eq_ignore_ascii_case("IN_PROGRESS") && !st.validated());
        Ok::<_, OpError>(Look::Up {
            identity,
            validated,
            upgrade_failed,
            upgrading,
        })
    }
    .await;
    s.close().await;
    match result {
        Err(OpError::Device(e)) if e.is_unreachable() => Ok(Look::Down(e)),
        other => other,
    }
}

pub async fn wait_for_return(
    opts: &ConnectOptions,
    escalation: impl Fn() -> Escalation,
    req: &WaitRequest,
    journal: &mut Journal,
    timeline: &mut Timeline,
) -> Result<Returned, OpError> {
    let started = Instant::now();
    let deadline = started + req.timeout;
    let mut down_since: Option<Instant> = req.already_down.then(Instant::now);
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
    loop {
        match look(opts, &escalation, req).await? {
            Look::Down(e) => {
                if down_since.is_none() {
                    down_since = Some(Instant::now());
                    timeline.push(journal, None, "unit is down (rebooting)", None);
                }
                last_seen = format!("unit not answering: {e}");
            }
            Look::Up {
                identity,
                validated,
                upgrade_failed,
                upgrading,
            } => {
                if let Some(since) = down_since.filter(|_| downtime.is_none()) {
                    downtime = Some(since.elapsed());
                    timeline.push(
                        journal,
                        None,
                        &format!("unit is back on {} ({})", identity.version, identity.state),
                        None,
                    );
                }
                let on_target = req.target.matches(&identity.version);
                if !on_target && (down_since.is_some() || upgrade_failed.is_some()) && !upgrading {
                    return Err(OpError::Failed(format!(
                        "the unit came back on {}, not {}: the upgrade was rolled back{}; see the upgrade logs under /ngfw/var/log/sf",
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
                last_seen = if !on_target {
                    format!(
                        "unit still up on {} with the upgrade running (not rebooted yet)",
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
