//! `facts`: what a unit is and where it stands, under `ansible_facts.ftd`. Read-only.

use crate::connection::Connection;
use crate::frame::{Timed, run_stage};
use crate::{inputs, report};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::{OpError, facts};
use ftd_device::parse::state::one_active_one_standby;
use ftd_device::upgrade_path::{self, Fxos, Verdict};
use ftd_device::version::{Package, Version};
use schemars::JsonSchema;
use serde::Deserialize;
use std::iter::empty;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    pub conn: Connection,
    /// Fail unless the unit sees its pair as one V(Active) and one V(Standby Ready) unit (its
    /// C(show failover state) names both). The playbooks read each unit this way at the start
    /// of every stage: a pair that failed over by itself, or lost a unit, is changed no more.
    #[serde(default)]
    pub require_healthy_pair: bool,
    /// The version the pair is being upgraded to, C(X.Y.Z[.P][-BUILD]). When given,
    /// C(ansible_facts.ftd_unit.on_target) says whether the unit runs it (a target without a
    /// build matches every build of that release), so that playbooks never compare version
    /// strings themselves.
    pub target_version: Option<String>,
    /// Refuse a unit whose running version cannot go to O(target_version) in one upgrade
    /// (the public upgrade paths: the minimum version per target, patches onto their own
    /// maintenance release only, 6.6.5+ to 6.7.0, FXOS on Firepower 4100/9300, the package's
    /// platform and version). A target the public record has no row for passes with a
    /// warning: the device's readiness check decides. The playbooks check this before
    /// anything changes.
    #[serde(default)]
    pub check_upgrade_path: bool,
    /// The upgrade package's file name, for O(check_upgrade_path) (its platform against the
    /// unit's model, a patch or hotfix against the running version).
    pub package: Option<String>,
    /// The versions of an upgrade of several hops, in order. C(ansible_facts.ftd_unit.hops_done)
    /// then says how many of them, from the first, the unit runs or is past, so that a
    /// playbook resumes a pair at its first hop not done by both units.
    #[serde(default)]
    pub upgrade_path: Vec<String>,
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "facts",
    short_description: "Gather the version, failover state, packages and upgrade status of an FTD unit",
    description: &[
        "Logs into one Cisco Secure Firewall Threat Defense unit over SSH and reads C(show version), C(show failover state), C(show failover), the packages in C(/ngfw/var/sf/updates), the last upgrade status and free disk.",
        "Read-only: safe in check mode and in daytime.",
    ],
    supports_check_mode: true,
    examples: r#"- name: Read both units of every pair
  ftd.ha_upgrade.facts:
    host: "{{ ansible_host }}"
    port: "{{ ansible_port | default(22) }}"
    username: "{{ ansible_user }}"
    password: "{{ ansible_password }}"
    unit: "{{ inventory_hostname }}"

- name: Show the failover state
  ansible.builtin.debug:
    msg: "{{ ansible_facts.ftd.role }} is {{ ansible_facts.ftd.state }} on {{ ansible_facts.ftd.version }}"
"#,
    returns: r#"ansible_facts:
  description: Facts about the unit, under the key C(ftd).
  returned: success
  type: dict
  contains:
    ftd:
      description: hostname, model, version, role (Primary/Secondary), state, peer_role, peer_state, configuration_sync, uuid, lsp_version, vdb_version, failover (parsed show failover state), failover_details (parsed show failover, LINA versions and slots), packages (name, size, version), upgrade (last upgrade status), upgrade_running (an upgrade runs on the unit now, e.g. left by a run that was stopped), disk_available, fxos_version (from the login banner; on a Firepower 4100/9300 the chassis' FXOS).
      type: dict
      returned: success
    ftd_unit:
      description: The unit's identity (hostname, model, version, role, state, peer_role, peer_state, configuration_sync), with C(active) and C(standby_ready) (booleans of the state), when O(target_version) is given C(on_target), and with O(upgrade_path) C(hops_done). Every module that reads the unit returns it, so the playbook's next step reads the live state without another gather.
      type: dict
      returned: success
unit:
  description: The unit's identity as the device reports it.
  returned: success
  type: dict
"#,
    notes: &[
        "Connection options can be set once for all modules with C(module_defaults) and the action group C(group/ftd.ha_upgrade.ftd).",
    ],
};

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let checked = inputs::optional_version(args.target_version.as_deref())
        .and_then(|t| Ok((t, inputs::optional_package(args.package.as_deref())?)));
    let (target, package) = match checked {
        Ok(t) => t,
        Err(e) => return report::fail(&args.conn.unit_name(), "facts", &e),
    };
    let hops = match args
        .upgrade_path
        .iter()
        .map(|h| inputs::version(h))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(h) => h,
        Err(e) => return report::fail(&args.conn.unit_name(), "facts", &e),
    };
    if args.check_upgrade_path && target.is_none() {
        return ModuleResult::fail(
            "missing required arguments: target_version (check_upgrade_path is true)",
        );
    }
    run_stage("facts", &args.conn, ctx, empty(), Timed::No, async |f| {
        let facts = f.session(async |s, _| facts::gather(s).await).await?;
        let id = &facts.identity;
        if args.require_healthy_pair && !one_active_one_standby(&id.state, &id.peer_state) {
            return Err(OpError::Refused(format!(
                "pair {} is not healthy: this unit ({}) is {}, the other unit ({}) is {} (the pair \
                 failed over by itself, or a unit failed). Nothing more is changed on this pair; \
                 find out why before running again",
                args.conn.pair.as_deref().unwrap_or("?"),
                id.role,
                id.state.text(),
                id.peer_role,
                id.peer_state.text()
            )));
        }
        let path_warning = match target.as_ref().filter(|_| args.check_upgrade_path) {
            None => None,
            Some(target) => upgrade_path_of(&facts, target, package.as_ref())?,
        };
        let mut r = ModuleResult::ok(format!(
            "{} ({}) is {} on {}",
            f.unit,
            id.role,
            id.state.text(),
            id.version
        ));
        r.ansible_facts = Some(serde_json::json!({ "ftd": facts }));
        report::identity(&mut r, &facts.identity, target.as_ref());
        if let Some(w) = path_warning {
            r.warn(w);
        }
        if !hops.is_empty() {
            let done = hops_done(&facts.identity.version, &hops);
            if let Some(unit) = r.ansible_facts.as_mut().map(|f| &mut f["ftd_unit"]) {
                unit["hops_done"] = done.into();
            }
        }
        Ok(r)
    })
}

/// How many hops, from the first, a unit running `running` has done: it runs the hop's
/// version or a later one.
fn hops_done(running: &Version, hops: &[Version]) -> usize {
    hops.iter()
        .take_while(|h| running.matches(h) || running > *h)
        .count()
}

/// The upgrade-path gate on what was read: a refusal names the rule and what to do, a target
/// without a public row is a warning.
fn upgrade_path_of(
    facts: &facts::UnitFacts,
    target: &Version,
    package: Option<&Package>,
) -> Result<Option<String>, OpError> {
    let running = upgrade_path::Running {
        version: &facts.identity.version,
        model: &facts.identity.model,
        fxos: facts.fxos_version.as_deref().and_then(Fxos::parse),
    };
    match upgrade_path::check(running, target, package) {
        Verdict::Direct => Ok(None),
        Verdict::Unknown(why) => Ok(Some(why)),
        Verdict::Refused(why) => Err(OpError::Refused(format!("the upgrade path: {why}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hops_done_counts_the_hops_a_unit_runs_or_passed() {
        let v = |t: &str| Version::parse(t).unwrap();
        let path = [v("7.0.6-236"), v("7.2.7")];
        assert_eq!(hops_done(&v("6.6.5-81"), &path), 0);
        assert_eq!(hops_done(&v("7.0.6-236"), &path), 1);
        assert_eq!(hops_done(&v("7.1.0-90"), &path), 1);
        assert_eq!(hops_done(&v("7.2.7-500"), &path), 2);
        assert_eq!(hops_done(&v("7.4.1-172"), &path), 2);
    }
}
