//! Making a unit Active: `failover active` in LINA enable mode, only from Standby Ready,
//! only with an Active peer, confirmed afterwards from the state both sides report.

use super::facts::{self, Identity};
use super::{OpError, pause};
use crate::parse::show_failover;
use crate::session::CliSession;
use crate::version::Version;
use std::time::{Duration, Instant};

/// The checks before a swap. `Ok(false)`: already Active, nothing to do.
pub fn check(unit: &Identity, require_version: Option<&Version>) -> Result<bool, OpError> {
    if unit.state.is_active() {
        return Ok(false);
    }
    if !unit.state.is_standby_ready() {
        return Err(OpError::Refused(format!(
            "this unit is {}, not Standby Ready: failing over to it would drop the traffic",
            unit.state
        )));
    }
    if !unit.peer_state.is_active() {
        return Err(OpError::Refused(format!(
            "the peer ({}) is {}, not Active",
            unit.peer_role, unit.peer_state
        )));
    }
    if let Some(v) = require_version
        && !v.matches(&unit.version)
    {
        return Err(OpError::Refused(format!(
            "this unit runs {}, not the required {v}",
            unit.version
        )));
    }
    Ok(true)
}

/// The unit may take the traffic: Standby Ready with its `snort` and `diskstatus` slots up,
/// the peer Active, on two consecutive reads in LINA, the last one immediately before
/// `failover active` (typed next, in the same mode).
pub async fn ready_twice(s: &mut CliSession, poll: Duration) -> Result<(), OpError> {
    for read in 0..2 {
        if read == 1 {
            tokio::time::sleep(poll.min(Duration::from_secs(2))).await;
        }
        let text = s.lina("show failover").await?;
        let f = show_failover::parse(&text).map_err(crate::DeviceError::from)?;
        let (me, peer) = (&f.this_host, &f.other_host);
        if !me.state.is_standby_ready() || !me.ftd_slots_up() || !peer.state.is_active() {
            return Err(OpError::Refused(format!(
                "right before `failover active` this unit read {} (slots {}) and its peer {};                  not failing over to a unit that is not Standby Ready with its slots up",
                me.state,
                if me.ftd_slots_up() {
                    "up"
                } else {
                    "not all up"
                },
                peer.state
            )));
        }
    }
    Ok(())
}

/// Sends `failover active`, waits until this unit reads Active (within `confirm_timeout`),
/// then until the peer reads Standby Ready (within `peer_timeout`, polling). An empty or
/// unreadable answer is retried; the last one seen is in the message when time runs out.
pub async fn make_active(
    s: &mut CliSession,
    confirm_timeout: Duration,
    peer_timeout: Duration,
    poll: Duration,
) -> Result<(Identity, Duration), OpError> {
    ready_twice(s, poll).await?;
    let started = Instant::now();
    let out = s.lina("failover active").await?;
    if out.contains("ERROR") || out.contains("not allowed") || out.contains("Invalid") {
        return Err(OpError::Failed(format!(
            "the device refused `failover active`: {}",
            out.trim()
        )));
    }
    let identity = confirm_active(s, confirm_timeout, peer_timeout, poll).await?;
    Ok((identity, started.elapsed()))
}

/// Waits until this unit reads Active (within `confirm_timeout`), then until its peer reads
/// Standby Ready (within `peer_timeout`): after `failover active`, or after the FMC switched
/// the pair.
pub async fn confirm_active(
    s: &mut CliSession,
    confirm_timeout: Duration,
    peer_timeout: Duration,
    poll: Duration,
) -> Result<Identity, OpError> {
    let mut deadline = Instant::now() + confirm_timeout;
    let mut active_seen = false;
    loop {
        let seen = match facts::failover_state(s).await {
            Ok(state) => {
                if state.this_host.is_active() && !active_seen {
                    active_seen = true;
                    deadline = Instant::now() + peer_timeout;
                }
                if state.this_host.is_active() && state.other_host.is_standby_ready() {
                    return facts::identity(s).await;
                }
                format!(
                    "this unit {} and the peer {}",
                    state.this_host.state, state.other_host.state
                )
            }
            Err(OpError::Device(crate::DeviceError::Parse(e))) => e.to_string(),
            Err(e) => return Err(e),
        };
        if Instant::now() >= deadline {
            let waited = if active_seen {
                peer_timeout
            } else {
                confirm_timeout
            };
            return Err(OpError::TimedOut(format!(
                "after the switch: {seen} after waiting {:.0}s; expected Active / Standby Ready",
                waited.as_secs_f64()
            )));
        }
        pause(poll, deadline).await;
    }
}
