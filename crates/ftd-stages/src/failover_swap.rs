//! `failover_swap`: make this unit Active, only from Standby Ready with an Active peer.

use crate::connection::{Connection, secs};
use crate::defaults;
use crate::frame::{Timed, run_stage};
use crate::{inputs, report};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::facts::Identity;
use ftd_device::ops::{OpError, facts, failover, lock};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::iter::empty;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    pub conn: Connection,
    /// Refuse unless this unit runs this version, C(X.Y.Z[.P]-BUILD) (the upgraded unit must
    /// carry the traffic before its peer is upgraded).
    pub require_version: Option<String>,
    /// Seconds to wait until both units report the new roles.
    #[serde(default = "defaults::seconds::<120>")]
    #[schemars(range(min = 0.0, max = defaults::MAX_SECONDS))]
    pub timeout: f64,
    /// Seconds to wait, once this unit is Active, for its peer to report Standby Ready (the
    /// peer may pass through other states first; 7.6 allows config sync up to 7200 s).
    #[serde(default = "defaults::seconds::<1800>")]
    #[schemars(range(min = 0.0, max = defaults::MAX_SECONDS))]
    pub peer_timeout: f64,
    /// Seconds between two reads of the failover state while confirming.
    #[serde(default = "defaults::seconds::<2>")]
    #[schemars(range(min = 0.05, max = 3600.0))]
    pub poll_interval: f64,
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "failover_swap",
    short_description: "Make an FTD unit the Active one of its HA pair (failover active)",
    description: &[
        "Runs C(failover active) in the LINA diagnostic CLI (enable mode) on this unit, then confirms that this unit reports Active and its peer Standby Ready.",
        "Refuses when this unit is not Standby Ready, when the peer is not Active, or when O(require_version) is set and this unit does not run it. A unit already Active is left alone (changed=false).",
        "Traffic blips once during the swap.",
    ],
    supports_check_mode: true,
    examples: r#"- name: Make the upgraded standby active
  ftd.ha_upgrade.failover_swap:
    require_version: 7.2.7-500
"#,
    returns: r#"swap_duration:
  description: Seconds from C(failover active) to both units confirming their new roles.
  returned: when changed
  type: float
unit:
  description: The unit's identity after the swap.
  returned: success
  type: dict
"#,
    notes: &[],
};

/// What the swap found and did.
#[allow(clippy::large_enum_variant)] // one value per module run: boxing would buy nothing
enum Swap {
    /// This unit carries the traffic already: nothing to do.
    AlreadyActive(Identity),
    /// Check mode: the unit (before) would be made Active.
    Would(Identity),
    Done {
        before: Identity,
        after: Identity,
        took: std::time::Duration,
    },
}

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let required = match inputs::optional_version(args.require_version.as_deref()) {
        Ok(v) => v,
        Err(e) => return report::fail(&args.conn.unit_name(), "failover_swap", &e),
    };
    run_stage(
        "failover_swap",
        &args.conn,
        ctx,
        empty(),
        Timed::Yes,
        async |f| {
            let swap = f
                .session(async |s, f| {
                    let id = facts::identity(s).await?;
                    if !failover::check(&id, required.as_ref())? {
                        return Ok(Swap::AlreadyActive(id));
                    }
                    if f.check_mode {
                        return Ok(Swap::Would(id));
                    }
                    lock::acquire(s, &args.conn.owner(), secs(args.conn.lock_ttl)).await?;
                    f.step(None, "failover active");
                    let (after, took) = failover::make_active(
                        s,
                        secs(args.timeout),
                        secs(args.peer_timeout),
                        secs(args.poll_interval),
                    )
                    .await?;
                    f.step(
                        Some(100),
                        &format!("{} is Active, peer {}", after.role, after.peer_state),
                    );
                    Ok::<_, OpError>(Swap::Done {
                        before: id,
                        after,
                        took,
                    })
                })
                .await?;
            let unit = &f.unit;
            let (before, after, took) = match swap {
                Swap::AlreadyActive(id) => {
                    let mut r = ModuleResult::ok(format!("{unit} ({}) is already Active", id.role));
                    report::identity(&mut r, &id, required.as_ref());
                    return Ok(r);
                }
                Swap::Would(id) => (id.clone(), id, None),
                Swap::Done {
                    before,
                    after,
                    took,
                } => (before, after, Some(took)),
            };
            let msg = match took {
                None => format!(
                    "{unit} ({}) would become Active; peer {} would become Standby",
                    before.role, before.peer_role
                ),
                Some(_) => format!(
                    "{unit} ({}) is now Active; peer {} is {}",
                    after.role, after.peer_role, after.peer_state
                ),
            };
            let mut r = ModuleResult::changed(msg).with_diff(
                json!({"active": before.peer_role, "standby": before.role}),
                json!({"active": before.role, "standby": before.peer_role}),
            );
            if let Some(took) = took {
                r.set(
                    "swap_duration",
                    (took.as_secs_f64() * 1000.0).round() / 1000.0,
                );
            }
            report::identity(&mut r, &after, required.as_ref());
            Ok(r)
        },
    )
}
