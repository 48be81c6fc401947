//! `ftd.ha_upgrade.report`: the module that writes the upgrade report from the journal, so
//! that the playbook can leave it behind at the end of a run. Runs on the controller only.

use crate::{html, journal, report};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use schemars::JsonSchema;
use serde::Deserialize;

fn default_journal() -> String {
    "~/.ftd_upgrade/journal.jsonl".into()
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The modules' journal to report on.
    #[serde(default = "default_journal")]
    #[schemars(extend("x-type" = "path"))]
    pub journal: String,
    /// Only entries at or after this time (RFC 3339), to report one run of a shared journal.
    pub since: Option<String>,
    /// Where to write the self-contained HTML report (SVG timeline, table per pair).
    #[schemars(extend("x-type" = "path"))]
    pub html: Option<String>,
    /// Where to write the Markdown report.
    #[schemars(extend("x-type" = "path"))]
    pub markdown: Option<String>,
    /// ftd-sim's events file, for versions and traffic gaps in a rehearsal.
    #[schemars(extend("x-type" = "path"))]
    pub events: Option<String>,
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "report",
    short_description: "Write the HTML and Markdown report of an FTD HA upgrade from the modules' journal",
    description: &[
        "Reads the journal the other modules of the collection append to, and writes a self-contained HTML file (no external assets) with a timeline per unit (stages as bars, reboots, failures, traffic gaps) and a table per pair, and its Markdown twin.",
        "Touches no device.",
    ],
    supports_check_mode: true,
    examples: r#"- name: Leave the report behind
  ftd.ha_upgrade.report:
    journal: "{{ ftd_journal }}"
    since: "{{ ftd_run_started }}"
    html: /var/tmp/ftd-upgrade-report.html
    markdown: /var/tmp/ftd-upgrade-report.md
  delegate_to: localhost
  run_once: true
"#,
    returns: r#"units:
  description: Number of units in the report.
  returned: success
  type: int
html:
  description: Path of the HTML report.
  returned: when written
  type: str
report_markdown:
  description: The report as Markdown text, for C(set_stats) (an AWX job's artifacts outlive its
    pod, files in the pod do not).
  returned: success
  type: str
"#,
    notes: &[],
};

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let text = match std::fs::read_to_string(&args.journal) {
        Ok(t) => t,
        Err(e) => {
            return ModuleResult::fail(format!(
                "report: cannot read the journal {}: {e}",
                args.journal
            ));
        }
    };
    let entries = report::since(journal::read(&text), args.since.as_deref());
    let events: Vec<serde_json::Value> = args
        .events
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|t| {
            t.lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect()
        })
        .unwrap_or_default();
    let model = report::build(&entries, &events);
    let units = model.lanes.len();
    let markdown = report::markdown(&model);
    if ctx.ansible.check_mode {
        return ModuleResult::ok(format!("would write the report of {units} unit(s)"))
            .with("units", units)
            .with("report_markdown", &markdown);
    }
    let mut written = false;
    for (path, content) in [
        (&args.html, html::render(&model)),
        (&args.markdown, markdown.clone()),
    ] {
        let Some(p) = path else { continue };
        // Changed only when a file's content changed.
        if std::fs::read_to_string(p).is_ok_and(|old| old == content) {
            continue;
        }
        if let Some(dir) = std::path::Path::new(p)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            return ModuleResult::fail(format!("report: cannot create {}: {e}", dir.display()));
        }
        if let Err(e) = crate::private_file::write(std::path::Path::new(p), &content) {
            return ModuleResult::fail(format!("report: cannot write {p}: {e}"));
        }
        written = true;
    }
    let mut r = if written {
        ModuleResult::changed(format!(
            "report of {units} unit(s) written{}",
            args.html
                .as_ref()
                .map(|p| format!(": {p}"))
                .unwrap_or_default()
        ))
    } else {
        ModuleResult::ok(format!("report of {units} unit(s) unchanged"))
    }
    .with("units", units)
    .with("report_markdown", markdown);
    if let Some(p) = &args.html {
        r.set("html", p);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_report_files_are_readable_by_their_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).display().to_string();
        std::fs::write(path("journal.jsonl"), "").unwrap();
        // An older report, written 0644 by an earlier release, is made private too.
        std::fs::write(path("report.md"), "old").unwrap();
        std::fs::set_permissions(path("report.md"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let args = Args {
            journal: path("journal.jsonl"),
            since: None,
            html: Some(path("report.html")),
            markdown: Some(path("report.md")),
            events: None,
        };
        let ctx = RunContext {
            ansible: Default::default(),
            masker: Default::default(),
        };
        let r = run(args, &ctx);
        assert!(!r.failed, "{}", r.msg);
        for name in ["report.html", "report.md"] {
            let mode = std::fs::metadata(path(name)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name}");
        }
    }
}
