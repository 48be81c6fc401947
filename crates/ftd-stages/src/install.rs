//! `install`: the upgrade on one unit, after every safety check, followed to its reboot.

use crate::connection::{Connection, secs};
use crate::defaults;
use crate::frame::{Timed, run_stage};
use crate::{inputs, report, window};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::checksum::Checksum;
use ftd_device::ops::install::{self, InstallRequest, Plan};
use ftd_device::ops::{OpError, facts};
use ftd_device::version::{Package, Version};
use schemars::JsonSchema;
use serde::Deserialize;
use std::iter::empty;
use std::time::Instant;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    pub conn: Connection,
    /// Upgrade package in C(/ngfw/var/sf/updates), as a file name or a path there.
    pub package: String,
    /// Version the unit must end on, C(X.Y.Z[.P]-BUILD); derived from O(package) when omitted.
    pub target_version: Option<String>,
    /// Published checksum, C(md5:<hex>) or C(sha512:<hex>), verified on the unit first.
    pub checksum: Option<String>,
    /// Install even though this unit is Active. It reboots the unit carrying the traffic:
    /// the peer takes over only after the failover holdtime, and traffic is lost meanwhile.
    #[serde(default)]
    pub allow_active: bool,
    /// Refuse unless the readiness check passed for this package on this unit.
    #[serde(default = "defaults::yes")]
    pub require_readiness: bool,
    /// Follow the upgrade until the unit goes down for its reboot. With V(false), return once
    /// the upgrade has started.
    #[serde(default = "defaults::yes")]
    pub wait: bool,
    /// Seconds to follow the upgrade up to the reboot (real devices: 20 to 45 minutes).
    #[serde(default = "defaults::seconds::<3600>")]
    #[schemars(range(min = 0.0, max = defaults::MAX_SECONDS))]
    pub timeout: f64,
    /// End of the maintenance window, RFC 3339 (C(2026-11-24T06:00:00Z)) or Unix seconds. An
    /// upgrade that could not finish before it (see O(duration_estimate)) is not started.
    pub window_end: Option<String>,
    /// Seconds an upgrade of this unit takes, install to return, for O(window_end). Default:
    /// the longest one in the journal, else 4500 (45 min install, 30 min reboot).
    #[schemars(range(min = 0.0, max = defaults::MAX_SECONDS))]
    pub duration_estimate: Option<f64>,
    /// Seconds between two reads of the upgrade status.
    #[serde(default = "defaults::seconds::<15>")]
    #[schemars(range(min = 0.05, max = 3600.0))]
    pub poll_interval: f64,
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "install",
    short_description: "Upgrade one FTD unit (never the Active one) and follow the upgrade to its reboot",
    description: &[
        "Checks, before touching anything, that the unit is not Active (unless O(allow_active)), that its peer is Active, that the package is on the unit with the published checksum and that the readiness check passed.",
        "Then runs C(install_update.pl --detach) as root, confirms it started, and follows C(upgrade_status.log) and C(upgrade_status.json) until the unit goes down for its reboot.",
        "A unit already on the target version is left alone (changed=false). An upgrade to this package already running is followed, never started twice.",
        "Follow with M(ftd.ha_upgrade.wait_reboot) to wait for the unit's return.",
    ],
    supports_check_mode: true,
    examples: r#"- name: Upgrade the standby unit
  ftd.ha_upgrade.install:
    package: Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar
    target_version: 7.2.7-500
    checksum: "md5:{{ ftd_package_md5 }}"
  when: ansible_facts.ftd.state == 'Standby Ready'
"#,
    returns: r#"plan:
  description: What the module decided, C(start), C(attach) (an upgrade was already running) or C(already_on_target).
  returned: success
  type: str
rebooting:
  description: Whether the unit went down for its reboot while the module followed it.
  returned: success
  type: bool
boot_id:
  description: The unit's boot id before the upgrade; pass it to M(ftd.ha_upgrade.wait_reboot) as O(ftd.ha_upgrade.wait_reboot#module:boot_id).
  returned: when an upgrade was started or attached to
  type: str
percent:
  description: The last percent reported by the upgrade.
  returned: success
  type: int
timeline:
  description: Steps seen (seconds since start, percent, message, script).
  returned: always
  type: list
  elements: dict
duration:
  description: Seconds this module ran.
  returned: always
  type: float
unit:
  description: The unit's identity before the upgrade.
  returned: success
  type: dict
"#,
    notes: &[
        "The safety checks hold whatever the playbook or inventory says: a wrong inventory cannot make this module upgrade the Active unit.",
    ],
};

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let unit = args.conn.unit_name();
    let fail = |e: OpError| report::fail(&unit, "install", &e);
    let (package, target, checksum) = match inputs_of(&args) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let window_end = match args
        .window_end
        .as_deref()
        .map(window::parse_end)
        .transpose()
    {
        Ok(end) => end,
        Err(e) => return fail(e),
    };
    let request = InstallRequest {
        package: package.clone(),
        target: target.clone(),
        allow_active: args.allow_active,
        // In check mode the readiness task before this one did not run the check either: its
        // record cannot be required here (the playbook's dry run would stop at every install).
        require_readiness: args.require_readiness && !ctx.ansible.check_mode,
        checksum,
    };
    run_stage("install", &args.conn, ctx, empty(), Timed::Yes, async |f| {
        let mut s = f.open().await?;
        // The session goes on into the upgrade's follow, or is closed here: every other way
        // out of the stage (a refusal, already on the target, check mode) ends with it.
        let id = match facts::identity(&mut s).await {
            Ok(id) => id,
            Err(e) => {
                s.close().await;
                return Err(e);
            }
        };
        let plan = match install::plan(&mut s, &request, &id).await {
            Ok(plan) => window_end
                .map(|end| fits_window(end, &args, &plan))
                .transpose()
                .map(|_| plan),
            Err(e) => Err(e),
        };
        let before = id.version.to_string();
        if plan.is_ok() {
            f.step(
                None,
                &format!(
                    "{unit} runs {before} ({}, {}); target {target}",
                    id.role, id.state
                ),
            );
        }
        let mut r = match (plan, f.check_mode) {
            (Err(e), _) => {
                s.close().await;
                fail(e)
            }
            (Ok(plan), check_mode) if check_mode || plan == Plan::AlreadyOnTarget => {
                s.close().await;
                not_run(&unit, &plan, &before, &target, args.require_readiness)
            }
            (Ok(plan), _) => {
                let plan_name = if plan == Plan::Start {
                    "start"
                } else {
                    "attach"
                };
                let owner = args.conn.owner();
                let how = install::Run {
                    package: &package,
                    plan: &plan,
                    allow_active: args.allow_active,
                    lock: (&owner, secs(args.conn.lock_ttl)),
                    wait: args.wait,
                    deadline: Instant::now() + secs(args.timeout),
                    poll: secs(args.poll_interval),
                };
                match install::run(s, &f.login, &how, &mut f.journal, &mut f.timeline).await {
                    Ok(install::Followed {
                        rebooting,
                        percent,
                        boot_id,
                    }) => {
                        let msg = if rebooting {
                            format!(
                                "{unit}: upgrade to {target} finished its pre-reboot part; the unit is rebooting"
                            )
                        } else {
                            format!("{unit}: upgrade to {target} started")
                        };
                        report::version_diff(
                            ModuleResult::changed(msg),
                            &before,
                            &target.to_string(),
                        )
                        .with("plan", plan_name)
                        .with("rebooting", rebooting)
                        .with("percent", percent)
                        .with("boot_id", boot_id)
                    }
                    Err(e) => {
                        let mut r = fail(e);
                        r.changed = plan == Plan::Start;
                        r.set("plan", plan_name);
                        r
                    }
                }
            }
        };
        report::identity(&mut r, &id, Some(&target));
        Ok(r)
    })
}

/// An upgrade to start must fit before the window's end (the journal's earlier upgrades give
/// the estimate when there is one); attaching to a running one always may.
fn fits_window(end: time::OffsetDateTime, args: &Args, plan: &Plan) -> Result<(), OpError> {
    if *plan != Plan::Start {
        return Ok(());
    }
    let journal_text = std::fs::read_to_string(&args.conn.journal).ok();
    let now = time::OffsetDateTime::now_utc();
    window::check(end, now, args.duration_estimate, journal_text.as_deref()).map(|_| ())
}

/// The result when nothing is run: the unit is on the target, or check mode says what would
/// happen.
fn not_run(
    unit: &str,
    plan: &Plan,
    before: &str,
    target: &Version,
    require_readiness: bool,
) -> ModuleResult {
    match plan {
        Plan::AlreadyOnTarget => ModuleResult::ok(format!("{unit} already runs {before}"))
            .with("plan", "already_on_target"),
        Plan::Start => report::version_diff(
            ModuleResult::changed(format!(
                "{unit} would be upgraded from {before} to {target}{}",
                if require_readiness {
                    " once this run's readiness check passed"
                } else {
                    ""
                }
            )),
            before,
            &target.to_string(),
        )
        .with("plan", "start"),
        Plan::Attach => ModuleResult::changed(format!(
            "{unit}: an upgrade to {target} is running; would follow it"
        ))
        .with("plan", "attach"),
    }
}

/// The package, the target (from the package when not given, and it must match) and the
/// checksum.
fn inputs_of(args: &Args) -> Result<(Package, Version, Option<Checksum>), OpError> {
    let package = inputs::package(&args.package)?;
    let target = inputs::optional_version(args.target_version.as_deref())?
        .unwrap_or_else(|| package.version.clone());
    if !target.matches(&package.version) {
        return Err(OpError::Refused(format!(
            "package {} is version {}, not the target {target}",
            package.file_name, package.version
        )));
    }
    Ok((package, target, inputs::checksum(args.checksum.as_deref())?))
}
