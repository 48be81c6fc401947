//! `facts`: what a unit is and where it stands, under `ansible_facts.ftd`. Read-only.

use crate::connection::Connection;
use crate::frame::{Timed, run_stage};
use crate::report;
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::facts;
use schemars::JsonSchema;
use serde::Deserialize;
use std::iter::empty;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    pub conn: Connection,
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
      description: hostname, model, version, role (Primary/Secondary), state, peer_role, peer_state, configuration_sync, uuid, lsp_version, vdb_version, failover (parsed show failover state), failover_details (parsed show failover, LINA versions and slots), packages (name, size, version), upgrade (last upgrade status), disk_available.
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
    run_stage("facts", &args.conn, ctx, empty(), Timed::No, async |f| {
        let facts = f
            .session(&args.conn, async |s, _| facts::gather(s).await)
            .await?;
        let mut r = ModuleResult::ok(format!(
            "{} ({}) is {} on {}",
            f.unit, facts.identity.role, facts.identity.state, facts.identity.version
        ));
        report::identity(&mut r, &facts.identity);
        r.ansible_facts = Some(serde_json::json!({ "ftd": facts }));
        Ok(r)
    })
}
