//! `facts`: what a unit is and where it stands, under `ansible_facts.ftd`. Read-only.

use crate::connection::Connection;
use crate::frame::{Timed, run_stage};
use crate::{inputs, report};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::{OpError, facts};
use ftd_device::parse::state::one_active_one_standby;
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
      description: hostname, model, version, role (Primary/Secondary), state, peer_role, peer_state, configuration_sync, uuid, lsp_version, vdb_version, failover (parsed show failover state), failover_details (parsed show failover, LINA versions and slots), packages (name, size, version), upgrade (last upgrade status), upgrade_running (an upgrade runs on the unit now, e.g. left by a run that was stopped), disk_available.
      type: dict
      returned: success
    ftd_unit:
      description: The unit's identity (hostname, model, version, role, state, peer_role, peer_state, configuration_sync), with C(active) and C(standby_ready) (booleans of the state) and, when O(target_version) is given, C(on_target). Every module that reads the unit returns it, so the playbook's next step reads the live state without another gather.
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
    let target = match inputs::optional_version(args.target_version.as_deref()) {
        Ok(t) => t,
        Err(e) => return report::fail(&args.conn.unit_name(), "facts", &e),
    };
    run_stage("facts", &args.conn, ctx, empty(), Timed::No, async |f| {
        let facts = f
            .session(&args.conn, async |s, _| facts::gather(s).await)
            .await?;
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
        let mut r = ModuleResult::ok(format!(
            "{} ({}) is {} on {}",
            f.unit,
            id.role,
            id.state.text(),
            id.version
        ));
        r.ansible_facts = Some(serde_json::json!({ "ftd": facts }));
        report::identity(&mut r, &facts.identity, target.as_ref());
        Ok(r)
    })
}
