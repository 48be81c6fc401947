//! `evidence`: the unit's before (or after) evidence of a change, read-only LINA captures
//! (`show version`, `show failover`, `show interface ip brief`, `show route summary`,
//! `show conn count`, `show xlate count`), returned and kept in the journal for the report.

use crate::connection::Connection;
use crate::frame::{Timed, run_stage};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::evidence;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::iter::empty;

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Before,
    After,
}

fn default_phase() -> Phase {
    Phase::Before
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    pub conn: Connection,
    /// Which side of the change this capture is, for the journal and the report.
    #[serde(default = "default_phase")]
    pub phase: Phase,
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "evidence",
    short_description: "Capture an FTD unit's before/after evidence of a change (read-only LINA commands)",
    description: &[
        "Runs show version, show failover, show interface ip brief, show route summary, show conn count and show xlate count in the diagnostic CLI and returns their output with what was read from it (interfaces and their status, route, connection and translation counts).",
        "Reads only; runs in check mode too. Pass the result to M(ftd.ha_upgrade.verify) as O(ftd.ha_upgrade.verify#module:evidence_before) to compare after the change.",
    ],
    supports_check_mode: true,
    examples: r#"- name: Evidence before the change
  ftd.ha_upgrade.evidence:
    phase: before
  register: ftd_evidence
"#,
    returns: r#"evidence:
  description: Raw output per command, interfaces, routes, connections, translations.
  returned: success
  type: dict
"#,
    notes: &[
        "The layouts of these commands are not in the public FTD record (ASA layouts are read); what cannot be read is kept raw.",
    ],
};

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let phase = if args.phase == Phase::Before {
        "before"
    } else {
        "after"
    };
    run_stage("evidence", &args.conn, ctx, empty(), Timed::No, async |f| {
        let ev = f.session(async |s, _| evidence::capture(s).await).await?;
        f.journal.record_data(
            None,
            &format!("{phase}: {}", ev.summary()),
            Some(json!({"phase": phase, "evidence": &ev})),
        );
        Ok(
            ModuleResult::ok(format!("{} {phase} the change: {}", f.unit, ev.summary()))
                .with("evidence", ev),
        )
    })
}
