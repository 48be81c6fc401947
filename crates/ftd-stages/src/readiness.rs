//! `readiness`: checksum the package on the unit, run the readiness check and follow it.

use crate::connection::{Connection, secs};
use crate::defaults;
use crate::frame::{Timed, run_stage};
use crate::{inputs, report};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::OpError;
use ftd_device::ops::readiness::{self, Found};
use ftd_device::parse::status_files::Outcome;
use schemars::JsonSchema;
use serde::Deserialize;
use std::iter::empty;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    pub conn: Connection,
    /// Upgrade package, as a file name in C(/ngfw/var/sf/updates) or a path there, for example
    /// C(Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar).
    pub package: String,
    /// Published checksum of the package, C(md5:<hex>) or C(sha512:<hex>), verified on the unit
    /// before anything runs.
    pub checksum: Option<String>,
    /// Run the check again even if it already passed for this package.
    #[serde(default)]
    pub force: bool,
    /// Give the unit's lock back once the check is over (a precheck the day before a window
    /// changes nothing and must not hold the units). The upgrade playbook keeps it.
    #[serde(default)]
    pub release_lock: bool,
    /// Seconds to wait for the check to finish (real devices take 1 to 15 minutes).
    #[serde(default = "defaults::seconds::<1800>")]
    #[schemars(range(min = 0.0, max = defaults::MAX_SECONDS))]
    pub timeout: f64,
    /// Seconds between two reads of the status file.
    #[serde(default = "defaults::seconds::<15>")]
    #[schemars(range(min = 0.05, max = 3600.0))]
    pub poll_interval: f64,
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "readiness",
    short_description: "Run the FTD upgrade readiness check on a unit and wait for its result",
    description: &[
        "Verifies the package's checksum on the unit (when given), then runs C(install_update.pl --detach --readiness-check) as root and follows C(upgrade_readiness_status) until the check passes or fails.",
        "A check that already passed for this package is not run again unless O(force=true).",
        "Does not change the running software: safe before the maintenance window.",
    ],
    supports_check_mode: true,
    examples: r#"- name: Readiness check on both units
  ftd.ha_upgrade.readiness:
    package: Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar
    checksum: "md5:{{ ftd_package_md5 }}"
    timeout: 1800
"#,
    returns: r#"passed:
  description: Whether the readiness check passed; null when an upgrade with the package is already running.
  returned: always
  type: bool
upgrade_running:
  description: An upgrade with this package was already running, so no check was run.
  returned: when true
  type: bool
failed_script:
  description: The script that failed, for example C(000_start/410_check_disk_space.sh).
  returned: when the check failed
  type: str
failure_message:
  description: The failure text of the failed script.
  returned: when the check failed
  type: str
percent:
  description: The last percent reported.
  returned: always
  type: int
timeline:
  description: Every status line seen, with seconds since the start, percent and script.
  returned: always
  type: list
  elements: dict
duration:
  description: Seconds this module waited.
  returned: always
  type: float
"#,
    notes: &["The device writes the result to C(/ngfw/var/log/sf/<package>/upgrade_readiness/)."],
};

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let unit = args.conn.unit_name();
    let fail = |e: OpError| report::fail(&unit, "readiness", &e);
    let parsed = inputs::package(&args.package)
        .and_then(|p| Ok((p, inputs::checksum(args.checksum.as_deref())?)));
    let (package, checksum) = match parsed {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    run_stage(
        "readiness",
        &args.conn,
        ctx,
        empty(),
        Timed::Yes,
        async |f| {
            let owner = args.conn.owner();
            let request = readiness::Request {
                package: &package,
                checksum: checksum.as_ref(),
                force: args.force,
                release_lock: args.release_lock,
                check_mode: f.check_mode,
                limit: secs(args.timeout),
                poll: secs(args.poll_interval),
                lock: (&owner, secs(args.conn.lock_ttl)),
            };
            let found = f
                .session(async |s, f| {
                    readiness::run(s, &f.login, &request, &mut f.journal, &mut f.timeline).await
                })
                .await;
            let (id, progress, changed, disk) = match found? {
                Found::Checked {
                    id,
                    progress,
                    changed,
                    disk,
                } => (id, progress, changed, disk),
                Found::UpgradeRunning => {
                    let mut r = ModuleResult::ok(format!(
                        "{unit}: an upgrade with this package is already running on the unit: no readiness \
                     check now; install follows the running upgrade"
                    ));
                    r.set("passed", serde_json::Value::Null);
                    r.set("upgrade_running", true);
                    return Ok(r);
                }
            };
            let mut r = match (&progress.outcome, f.check_mode && changed) {
                (_, true) => ModuleResult::changed(format!(
                    "{unit}: would run the readiness check for {}: the package is on the unit{}, {}",
                    package.file_name,
                    if checksum.is_some() {
                        " with the published checksum"
                    } else {
                        ""
                    },
                    disk.describe()
                )),
                (Outcome::Passed, _) if !changed => ModuleResult::ok(format!(
                    "{unit}: readiness check already passed for {}",
                    package.file_name
                )),
                (Outcome::Passed, _) => ModuleResult::changed(format!(
                    "{unit}: readiness check passed for {}",
                    package.file_name
                )),
                (Outcome::Failed { script, message }, _) => {
                    let mut r = ModuleResult::fail(format!(
                        "{}: readiness check FAILED at {}: {message}. Fix the cause on the unit, then run readiness again (force: true).",
                        report::prefix(&unit, "readiness"),
                        script.as_deref().unwrap_or("an unknown script"),
                    ));
                    r.changed = true;
                    r.set("failed_script", script);
                    r.set("failure_message", message);
                    r
                }
                (Outcome::Running, _) => ModuleResult::fail(format!(
                    "{}: the check did not finish",
                    report::prefix(&unit, "readiness")
                )),
            };
            r.set("disk", disk);
            if !disk.enough() {
                r.warn(format!(
                    "{unit}: {}; the readiness check's own disk test decides",
                    disk.describe()
                ));
            }
            r.set("passed", progress.outcome == Outcome::Passed);
            r.set("percent", progress.percent);
            report::identity(&mut r, &id, Some(&package.version));
            Ok(r)
        },
    )
}
