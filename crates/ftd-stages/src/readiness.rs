//! `readiness`: checksum the package on the unit, run the readiness check and follow it.

use crate::connection::{Connection, secs};
use crate::defaults;
use crate::frame::{Timed, run_stage};
use crate::{inputs, report};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::attempt::{self, Run};
use ftd_device::ops::checksum;
use ftd_device::ops::installer::{self, Guard};
use ftd_device::ops::{OpError, facts, lock, readiness};
use ftd_device::parse::status_files::{Outcome, ReadinessProgress};
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

/// What the stage found: a check it ran or followed, or an upgrade already running (not an
/// error: install follows it).
#[allow(clippy::large_enum_variant)] // one value per module run: boxing would buy nothing
enum Found {
    Checked {
        id: facts::Identity,
        progress: ReadinessProgress,
        changed: bool,
    },
    UpgradeRunning,
}

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let unit = args.conn.unit_name();
    let fail = |e: OpError| report::fail(&unit, "readiness", &e);
    let parsed = inputs::package(&args.package)
        .and_then(|p| Ok((p, inputs::checksum(args.checksum.as_deref())?)));
    let (package, checksum) = match parsed {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let mut disk = None;
    run_stage(
        "readiness",
        &args.conn,
        ctx,
        empty(),
        Timed::Yes,
        async |f| {
            let found = f
            .session(&args.conn, async |s, f| {
                let id = facts::identity(s).await?;
                checksum::package_ready(s, &package, checksum.as_ref()).await?;
                if let Some(sum) = &checksum {
                    f.step(
                        None,
                        &format!(
                            "{} checksum of {} verified",
                            sum.algorithm, package.file_name
                        ),
                    );
                }
                let room = checksum::space(s, &package).await?;
                disk = Some(room);
                if !room.enough() && f.check_mode {
                    // The device's own check (410_check_disk_space) would stop here; in check
                    // mode it cannot run, so this is the would-stop condition.
                    return Err(OpError::Refused(format!(
                        "not enough disk space: {}; remove old packages from /ngfw/var/sf/updates first",
                        room.describe()
                    )));
                }
                // The installer runs already: our own check (a re-run after the controller
                // died) is followed; an upgrade (from the FMC, or an earlier run) is left to
                // install; anything else is waited for. Old files are never a running check.
                let running = attempt::installer_running(s).await?;
                let recorded = readiness::recorded(s, &package).await?;
                let ours_running = running
                    && attempt::ours(s, &package, Run::Readiness).await?
                    && recorded
                        .as_ref()
                        .is_none_or(|p| p.outcome == Outcome::Running);
                if running && !ours_running {
                    // An upgrade's installer (not a check's), whatever its files say yet.
                    if attempt::upgrade_running(s).await? {
                        return Ok(Found::UpgradeRunning);
                    }
                    return Err(OpError::Refused(
                        "install_update.pl is already running on the unit (a readiness check or upgrade started \
                         elsewhere); wait for it to finish, then run readiness again"
                            .into(),
                    ));
                }
                let already = recorded
                    .as_ref()
                    .is_some_and(|p| p.outcome == Outcome::Passed);
                if already && !args.force {
                    if args.release_lock && !f.check_mode {
                        lock::release(s, &args.conn.owner()).await?;
                    }
                    return Ok(Found::Checked {
                        id,
                        progress: recorded.unwrap(),
                        changed: false,
                    });
                }
                if f.check_mode {
                    let progress = recorded.unwrap_or(ReadinessProgress {
                        steps: vec![],
                        percent: 0,
                        current_script: None,
                        outcome: Outcome::Running,
                    });
                    return Ok(Found::Checked {
                        id,
                        progress,
                        changed: true,
                    });
                }
                if !ours_running {
                    lock::acquire(s, &args.conn.owner(), secs(args.conn.lock_ttl)).await?;
                    let stamp = attempt::stamp_now();
                    let note = format!("started={stamp}");
                    if let Some(aside) =
                        attempt::set_aside(s, &package, Run::Readiness, &stamp, &note).await?
                    {
                        f.step(
                            None,
                            &format!("an earlier readiness check's files were moved to {aside}"),
                        );
                    }
                    installer::start_detached(
                        &args.conn.options(),
                        args.conn.escalation(),
                        &package,
                        true,
                        Guard::None,
                    )
                    .await?;
                    f.step(
                        Some(0),
                        &format!("readiness check started for {}", package.file_name),
                    );
                }
                let mut hold = lock::Hold::new(&args.conn.owner(), secs(args.conn.lock_ttl));
                let progress = readiness::follow(
                    s,
                    &package,
                    secs(args.timeout),
                    secs(args.poll_interval),
                    &mut f.journal,
                    &mut f.timeline,
                    Some(&mut hold),
                )
                .await?;
                if args.release_lock {
                    lock::release(s, &args.conn.owner()).await?;
                }
                Ok(Found::Checked {
                    id,
                    progress,
                    changed: true,
                })
            })
            .await?;
            let (id, progress, changed) = match found {
                Found::Checked {
                    id,
                    progress,
                    changed,
                } => (id, progress, changed),
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
                    disk.map(|d| d.describe()).unwrap_or_default()
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
            if let Some(d) = disk {
                r.set("disk", d);
                if !d.enough() {
                    r.warn(format!(
                        "{unit}: {}; the readiness check's own disk test decides",
                        d.describe()
                    ));
                }
            }
            r.set("passed", progress.outcome == Outcome::Passed);
            r.set("percent", progress.percent);
            report::identity(&mut r, &id, Some(&package.version));
            Ok(r)
        },
    )
}
