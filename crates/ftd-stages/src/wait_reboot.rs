//! `wait_reboot`: wait for a unit to go down and come back validated on the target version.

use crate::connection::{Connection, secs};
use crate::defaults;
use crate::frame::{Timed, run_stage};
use crate::{inputs, report};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::facts;
use ftd_device::ops::reboot::{self, WaitRequest};
use ftd_device::parse::state::FailoverState;
use schemars::JsonSchema;
use serde::Deserialize;
use std::iter::empty;

fn default_state() -> String {
    FailoverState::StandbyReady.text().into()
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    pub conn: Connection,
    /// Version the unit must come back on, C(X.Y.Z[.P]-BUILD).
    pub target_version: String,
    /// The upgrade package, to read the upgrade's status (post-reboot validation, failure,
    /// roll-back) from its log folder.
    pub package: Option<String>,
    /// Failover state the unit must reach, as C(show failover state) words it.
    #[serde(default = "default_state")]
    pub expected_state: String,
    /// The unit already went down (for example M(ftd.ha_upgrade.install) saw it reboot).
    #[serde(default)]
    pub already_down: bool,
    /// The unit's boot id before the upgrade (M(ftd.ha_upgrade.install) returns it as
    /// C(boot_id)): the unit has rebooted when its boot id differs. Without it, the id the
    /// install recorded on the unit is read.
    pub boot_id: Option<String>,
    /// Seconds to wait for the unit to come back validated (real devices: 10 to 30 minutes,
    /// longer on 4100/9300).
    #[serde(default = "defaults::seconds::<3600>")]
    #[schemars(range(min = 0.0, max = defaults::MAX_SECONDS))]
    pub timeout: f64,
    /// Seconds between two looks; the return is seen within one interval.
    #[serde(default = "defaults::seconds::<15>")]
    #[schemars(range(min = 0.05, max = 3600.0))]
    pub poll_interval: f64,
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "wait_reboot",
    short_description: "Wait for an FTD unit to reboot and return validated on the target version",
    description: &[
        "Polls the unit, one fresh SSH login per look, until it answers, runs the target version, has finished post-upgrade validation and shows the expected failover state.",
        "Tells apart a unit still booting, one that came back on its old version (the upgrade was rolled back, which fails at once) and one that came back in another failover state (reported when the timeout runs out).",
    ],
    supports_check_mode: true,
    examples: r#"- name: Wait for the standby to return
  ftd.ha_upgrade.wait_reboot:
    target_version: 7.2.7-500
    package: Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar
    timeout: 3600
    poll_interval: 15
"#,
    returns: r#"downtime:
  description: Seconds from the first refused connection to the first successful login, when the module saw the unit down.
  returned: success
  type: float
waited:
  description: Seconds the module waited in all.
  returned: always
  type: float
timeline:
  description: What each look showed (down, back, validating, state).
  returned: always
  type: list
  elements: dict
unit:
  description: The unit's identity once back.
  returned: success
  type: dict
"#,
    notes: &[
        "Only reads: each look logs in, reads C(show version), C(show failover state) and the upgrade status, and logs out.",
    ],
};

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let unit = args.conn.unit_name();
    let (target, package) = match inputs::target_and_package(
        "wait_reboot",
        &unit,
        &args.target_version,
        args.package.as_deref(),
    ) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    let request = WaitRequest {
        package,
        target: target.clone(),
        expected_state: FailoverState::from_text(&args.expected_state),
        timeout: secs(args.timeout),
        poll: secs(args.poll_interval),
        already_down: args.already_down,
        boot_id_before: args.boot_id.clone(),
        lock: Some((args.conn.owner(), secs(args.conn.lock_ttl))),
    };
    run_stage(
        "wait_reboot",
        &args.conn,
        ctx,
        empty(),
        Timed::Yes,
        async |f| {
            if f.check_mode {
                // One look, no waiting: report where the unit stands.
                let mut s = match f.open().await {
                    Ok(s) => s,
                    Err(e) => {
                        return Ok(ModuleResult::ok(format!(
                            "{unit} does not answer ({e}); check mode does not wait"
                        )));
                    }
                };
                let id = facts::identity(&mut s).await;
                s.close().await;
                let id = id?;
                let mut r = ModuleResult::ok(format!(
                    "{unit} is up on {} ({}); check mode does not wait",
                    id.version, id.state
                ));
                report::identity(&mut r, &id, Some(&target));
                return Ok(r);
            }
            let back = reboot::wait_for_return(&f.login, &request, &mut f.journal, &mut f.timeline)
                .await?;
            let mut r = ModuleResult::ok(format!(
                "{unit} is back: {} on {}{}",
                back.identity.state,
                back.identity.version,
                back.downtime
                    .map(|d| format!(" after {:.1}s down", d.as_secs_f64()))
                    .unwrap_or_default()
            ));
            r.set(
                "downtime",
                back.downtime
                    .map(|d| (d.as_secs_f64() * 1000.0).round() / 1000.0),
            );
            r.set(
                "waited",
                (back.waited.as_secs_f64() * 1000.0).round() / 1000.0,
            );
            report::identity(&mut r, &back.identity, Some(&target));
            Ok(r)
        },
    )
}
