//! `lock`: take or give back the unit's lock by hand or at the end of a partial run. The
//! other modules take it themselves (readiness, install, failover_swap) and a passing verify
//! gives it back; this module is for a run that ends before verify (a maintenance window split
//! by tags) and for an operator clearing the lock of a run that died.

use crate::connection::{Connection, secs};
use crate::frame::{Timed, run_stage};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::lock;
use schemars::JsonSchema;
use serde::Deserialize;
use std::iter::empty;

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum LockState {
    Present,
    Absent,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    pub conn: Connection,
    /// V(present) takes the lock for O(lock_owner) (refused while another owner holds a fresh
    /// one); V(absent) gives back a lock that O(lock_owner) holds (another owner's is left).
    pub state: LockState,
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "lock",
    short_description: "Take or give back the lock one controller holds while it changes an FTD unit",
    description: &[
        "The lock is the directory C(/ngfw/var/log/ftd_ha_upgrade.lock) on the unit, made atomically, with its owner and the device's time.",
        "V(absent) only removes a lock that O(lock_owner) holds: to clear the lock of a run that died, pass that run's owner (the refusal message of the other modules names it).",
    ],
    supports_check_mode: true,
    examples: r#"- name: Give back this run's lock at the end of a maintenance window
  ftd.ha_upgrade.lock:
    state: absent
    lock_owner: "{{ ftd_run_owner }}"
"#,
    returns: r#"owner:
  description: The lock owner this module acted for.
  returned: always
  type: str
"#,
    notes: &[],
};

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let owner = args.conn.owner();
    run_stage("lock", &args.conn, ctx, empty(), Timed::No, async |f| {
        let outcome = f
            .session(async |s, f| {
                if f.check_mode {
                    return Ok(None);
                }
                Ok(Some(match args.state {
                    LockState::Present => {
                        lock::acquire(s, &owner, secs(args.conn.lock_ttl)).await?;
                        true
                    }
                    LockState::Absent => lock::release(s, &owner).await?,
                }))
            })
            .await?;
        let unit = &f.unit;
        let r = match (outcome, args.state) {
            (None, _) => ModuleResult::ok(format!("{unit}: check mode, the lock was not touched")),
            (Some(true), LockState::Present) => {
                ModuleResult::changed(format!("{unit}: locked for {owner}"))
            }
            (Some(true), LockState::Absent) => {
                ModuleResult::changed(format!("{unit}: the lock of {owner} was given back"))
            }
            (Some(false), _) => ModuleResult::ok(format!("{unit}: {owner} holds no lock here")),
        };
        Ok(r.with("owner", &owner))
    })
}
