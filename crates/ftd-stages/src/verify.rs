//! `verify`: every post-upgrade check on a unit, each reported; fails listing all failures.

use crate::connection::Connection;
use crate::defaults;
use crate::frame::{Timed, run_stage};
use crate::{inputs, report};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::{OpError, evidence, lock, verify};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::iter::empty;

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum ExpectedActive {
    Primary,
    Secondary,
    Any,
}

fn default_active() -> ExpectedActive {
    ExpectedActive::Any
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    pub conn: Connection,
    /// Version the unit must run, C(X.Y.Z[.P]-BUILD).
    pub target_version: String,
    /// Which configured role must be Active.
    #[serde(default = "default_active")]
    pub expected_active: ExpectedActive,
    /// The upgrade package, to check that its upgrade status says completed.
    pub package: Option<String>,
    /// This unit's evidence before the change (the C(evidence) that
    /// M(ftd.ha_upgrade.evidence) returned): the unit's evidence is captured again and compared.
    pub evidence_before: Option<serde_json::Value>,
    /// Percent by which the route count may fall before the comparison fails.
    #[serde(default = "defaults::seconds::<10>")]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub evidence_tolerance: f64,
    /// When every check passes, the unit's line in the playbook's summary is returned as the
    /// host fact C(ftd_outcome): C(upgraded: <version_before> -> <version>, <state>), read
    /// here rather than composed by a task of its own (every task costs the controller CPU
    /// per unit).
    pub outcome: Option<Outcome>,
}

/// What the summary line of a verified unit is made of, besides what verify reads.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// The version the unit ran before this upgrade.
    pub version_before: String,
    /// Which hop this was (C(1 of 2)), for an upgrade of several hops: the line then says it,
    /// with the time it was verified.
    pub hop: Option<String>,
    /// The line of the hops before, kept in front (C(; ) between).
    pub earlier: Option<String>,
}

impl Outcome {
    fn line(&self, id: &ftd_device::ops::facts::Identity) -> String {
        let earlier = self
            .earlier
            .as_deref()
            .filter(|e| e.starts_with("upgraded:"))
            .map(|e| format!("{e}; "))
            .unwrap_or_default();
        let hop = self
            .hop
            .as_deref()
            .map(|h| {
                let now = time::OffsetDateTime::now_utc();
                format!(
                    " (hop {h}, verified {:02}:{:02}:{:02} UTC)",
                    now.hour(),
                    now.minute(),
                    now.second()
                )
            })
            .unwrap_or_default();
        format!(
            "{earlier}upgraded: {} -> {}, {}{hop}",
            self.version_before,
            id.version,
            id.state.text()
        )
    }
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "verify",
    short_description: "Check an upgraded FTD unit and its pair: version, failover health, LINA versions, slots",
    description: &[
        "Checks this unit's version, that the pair is one Active and one Standby Ready unit, which role is Active, that the LINA versions of both units match, that the snort and diskstatus slots are up, and (with O(package)) that the upgrade status says completed.",
        "Runs every check and fails listing all that failed. Reads only, except that when every check passes it removes the lock file this run's owner left on the unit (see O(lock_owner)).",
    ],
    supports_check_mode: true,
    examples: r#"- name: Verify both units
  ftd.ha_upgrade.verify:
    target_version: 7.2.7-500
    expected_active: primary
"#,
    returns: r#"checks:
  description: Every check with C(name), C(passed) and C(detail).
  returned: success
  type: list
  elements: dict
failed_checks:
  description: Names of the checks that failed.
  returned: always
  type: list
  elements: str
unit:
  description: The unit's identity.
  returned: success
  type: dict
ansible_facts:
  description: C(ftd_unit), the unit's identity; C(ftd_outcome), O(outcome) when every check passed.
  returned: success
  type: dict
"#,
    notes: &[],
};

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let unit = args.conn.unit_name();
    let (target, package) = match inputs::target_and_package(
        "verify",
        &unit,
        &args.target_version,
        args.package.as_deref(),
    ) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    let expected = match args.expected_active {
        ExpectedActive::Primary => "primary",
        ExpectedActive::Secondary => "secondary",
        ExpectedActive::Any => "any",
    };
    let before: Option<evidence::Evidence> = match args
        .evidence_before
        .clone()
        .map(serde_json::from_value)
        .transpose()
    {
        Ok(b) => b,
        Err(e) => {
            return report::fail(
                &unit,
                "verify",
                &OpError::Refused(format!(
                    "evidence_before is not what ftd.ha_upgrade.evidence returned: {e}"
                )),
            );
        }
    };
    run_stage("verify", &args.conn, ctx, empty(), Timed::No, async |f| {
        let (id, checks) = f
            .session(async |s, f| {
                let (id, mut checks) = verify::run(s, &target, expected, package.as_ref()).await?;
                if let Some(before) = &before {
                    let after = evidence::capture(s).await?;
                    let diff = evidence::differences(before, &after, args.evidence_tolerance);
                    f.journal.record_data(
                        None,
                        &format!("after: {}", after.summary()),
                        Some(serde_json::json!({"phase": "after", "evidence": &after, "differences": &diff})),
                    );
                    checks.push(verify::Check {
                        name: "evidence".into(),
                        passed: diff.is_empty(),
                        detail: if diff.is_empty() {
                            format!("as before the change: {}", after.summary())
                        } else {
                            diff.join("; ")
                        },
                    });
                }
                // The run is over for this unit: give back the lock it took, if this owner
                // holds it.
                if checks.iter().all(|c| c.passed) && !f.check_mode {
                    lock::release(s, &args.conn.owner()).await?;
                }
                Ok((id, checks))
            })
            .await?;
        let failed: Vec<String> = checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| format!("{} ({})", c.name, c.detail))
            .collect();
        let mut r = if failed.is_empty() {
            ModuleResult::ok(format!(
                "{unit}: all {} checks passed on {}",
                checks.len(),
                id.version
            ))
        } else {
            ModuleResult::fail(format!(
                "{}: {} check(s) failed: {}",
                report::prefix(&unit, "verify"),
                failed.len(),
                failed.join("; ")
            ))
        };
        r.set(
            "failed_checks",
            checks
                .iter()
                .filter(|c| !c.passed)
                .map(|c| c.name.clone())
                .collect::<Vec<_>>(),
        );
        r.set("checks", &checks);
        report::identity(&mut r, &id, Some(&target));
        if !r.failed {
            f.journal.record(Some(100), &format!("verified: {}", r.msg));
            if let (Some(outcome), Some(facts)) = (&args.outcome, r.ansible_facts.as_mut()) {
                facts["ftd_outcome"] = outcome.line(&id).into();
            }
        }
        Ok(r)
    })
}
