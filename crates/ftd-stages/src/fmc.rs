//! `fmc`: the FMC's side of the procedure (the seed upgrades an FMC-managed pair): before any
//! change, the pair is the inventory's pair in the FMC with nothing to deploy and no
//! deployment running; after verify, the FMC reports the new version; at the end, the roles
//! are switched back by the FMC, as the seed does, and confirmed on the unit.

use crate::connection::{Connection, secs};
use crate::defaults;
use crate::frame::{Frame, Timed, run_stage};
use crate::inputs;
use crate::report;
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use fmc_api::{DeviceRecord, Fmc, FmcError, HaPair, Settings, UpgradePackage, task_finished};
use ftd_device::journal::Journal;
use ftd_device::ops::{OpError, facts, failover};
use ftd_device::parse::state::FailoverState;
use ftd_device::version::{Package, Version};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Before any change: members, pending and running deployments, the active unit.
    Check,
    /// After verify: wait until the FMC reports O(target_version) for both members.
    Sync,
    /// Switch the pair's roles through the FMC so that this unit ends Active.
    Switch,
    /// The seed's "Copy Upgrade Package": the FMC copies O(package) to the members that do
    /// not have it yet.
    Copy,
}

/// A unit of the pair as the inventory and the devices know it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PairMember {
    /// Inventory name.
    pub name: String,
    /// The device's name in the FMC; default O(members[].name).
    pub fmc_name: Option<String>,
    /// Failover state the unit itself reports (C(Active), C(Standby Ready)), to compare with
    /// the FMC's view.
    pub state: Option<String>,
    /// For O(action=copy): the size of O(package) on the unit now (M(ftd.ha_upgrade.facts)'
    /// C(packages)); absent when the unit does not have it. A member whose file has the FMC's
    /// size is not copied to again.
    pub package_size: Option<u64>,
}

impl PairMember {
    fn fmc_name(&self) -> &str {
        self.fmc_name.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    pub conn: Connection,
    pub action: Action,
    /// The FMC: a name or address, with an optional C(:port).
    pub fmc_host: String,
    /// A dedicated API user (the FMC logs a user out of the UI when the same account uses the
    /// API).
    pub fmc_username: String,
    #[schemars(extend("x-no_log" = true))]
    pub fmc_password: String,
    /// PEM file of the CA that signed the FMC's certificate (a fresh FMC's is self-signed).
    #[schemars(extend("x-type" = "path"))]
    pub fmc_ca_path: Option<String>,
    /// Check the FMC's certificate. Turning it off is reported as a warning.
    #[serde(default = "defaults::yes")]
    pub fmc_validate_certs: bool,
    /// FMC domain by name (C(Global), C(Global/Site-A)); default the login's domain.
    pub fmc_domain: Option<String>,
    /// The pair's two units.
    pub members: Vec<PairMember>,
    /// For O(action=sync): the version both members must show, C(X.Y.Z[.P]-BUILD).
    pub target_version: Option<String>,
    /// For O(action=copy): the package's file name on the units
    /// (C(Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar)); the FMC lists it as C(...-7.2.7-500.sh).
    pub package: Option<String>,
    /// For O(action=sync): fail, rather than warn, when the FMC does not report the version
    /// in time.
    #[serde(default)]
    pub require_sync: bool,
    /// Seconds to wait for the FMC to report the version (O(action=sync)), for the switch
    /// and its confirmation on the unit (O(action=switch)), or for the copy (O(action=copy)).
    #[serde(default = "defaults::seconds::<900>")]
    #[schemars(range(min = 0.0, max = defaults::MAX_SECONDS))]
    pub timeout: f64,
    /// Seconds between two reads.
    #[serde(default = "defaults::seconds::<10>")]
    #[schemars(range(min = 0.05, max = 3600.0))]
    pub poll_interval: f64,
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "fmc",
    short_description: "The FMC's side of an FTD HA upgrade: deployment gate, version sync, switching peers",
    description: &[
        "O(action=check), before any change: the pair is an HA pair in the FMC whose members are the inventory's two units, no deployment is pending for the pair or either member, and none is running; otherwise it fails (nothing was changed). A disagreement between the FMC and the devices about the active unit is a warning.",
        "O(action=sync), after verify: polls the FMC until it reports O(target_version) for both members; not seen in time is a warning, or a failure with O(require_sync).",
        "O(action=copy), before the readiness check: the seed's \"Copy Upgrade Package\". Finds O(package) among the packages uploaded to the FMC (matched on the C(<prefix>-<version>-<build>) stem: the FMC lists C(.sh), the unit holds C(.sh.REL.tar)), checks that the members lacking it are among the devices it applies to, has the FMC copy it to them (C(pushUpgradeFileOnly): nothing is installed) and follows the FMC's task to its end. A member whose C(package_size) is the FMC's size is not copied to again; when both have it nothing is sent. M(ftd.ha_upgrade.stage) with O(ftd.ha_upgrade.stage#module:confirm_only) then confirms the file on each unit.",
        "O(action=switch): the seed's \"switch peers\" from the FMC, run for the unit that must end Active. It checks on the unit that it is Standby Ready with its slots up and its peer Active (two reads), sends the FMC's C(SWITCH), follows the FMC's task to its end, then confirms on the unit that it is Active and its peer Standby Ready.",
        "One login per module run, tokens refreshed as the FMC allows, HTTP 429 waited out; tokens and the password appear in no output.",
    ],
    supports_check_mode: true,
    examples: r#"- name: The FMC's view of the pair before anything changes
  ftd.ha_upgrade.fmc:
    action: check
    fmc_host: fmc.example.net
    fmc_username: api-upgrade
    fmc_password: "{{ vault_fmc_password }}"
    fmc_ca_path: files/fmc-ca.pem
    members:
      - {name: fw-1-a, state: Active}
      - {name: fw-1-b, state: Standby Ready}
"#,
    returns: r#"fmc_pair:
  description: The HA pair in the FMC (id, name, primary, secondary with the FMC's status of each).
  returned: success
  type: dict
fmc_view:
  description: Per member, the FMC's status and software version.
  returned: success
  type: dict
agrees:
  description: For O(action=check), whether the FMC and the devices agree on the active unit.
  returned: success
  type: bool
synced:
  description: For O(action=sync), whether the FMC reported the target version for both members in time.
  returned: success
  type: bool
task:
  description: For O(action=switch) and O(action=copy), the FMC task's id and final status.
  returned: when a switch or a copy was sent
  type: dict
copied_to:
  description: For O(action=copy), the members the FMC copied the package to (empty when both had it).
  returned: success
  type: list
  elements: str
package_size:
  description: For O(action=copy), the package's size as the FMC reports it, for the confirmation on the units.
  returned: when the FMC reports it
  type: int
fmc_package:
  description: For O(action=copy), the package's name in the FMC.
  returned: success
  type: str
"#,
    notes: &[
        "Uses a dedicated API user: the FMC logs a user out of its web interface when the same account uses the API.",
    ],
};

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let unit = args.conn.unit_name();
    let stage = "fmc";
    let fail = |e: OpError| report::fail(&unit, stage, &e);
    let checked = inputs::optional_version(args.target_version.as_deref())
        .and_then(|t| Ok((t, inputs::optional_package(args.package.as_deref())?)));
    let (target, package) = match checked {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    if args.action == Action::Sync && target.is_none() {
        return ModuleResult::fail("missing required arguments: target_version (action is sync)");
    }
    if args.action == Action::Copy && package.is_none() {
        return ModuleResult::fail("missing required arguments: package (action is copy)");
    }
    if args.members.len() != 2 {
        return fail(OpError::Refused(format!(
            "members must name the pair's two units, not {}",
            args.members.len()
        )));
    }
    let ca_pem = match args
        .fmc_ca_path
        .as_deref()
        .map(std::fs::read_to_string)
        .transpose()
    {
        Ok(p) => p,
        Err(e) => return fail(OpError::Refused(format!("fmc_ca_path: {e}"))),
    };
    let settings = Settings {
        host: args.fmc_host.clone(),
        username: args.fmc_username.clone(),
        password: Zeroizing::new(args.fmc_password.clone()),
        ca_pem,
        validate_certs: args.fmc_validate_certs,
        domain: args.fmc_domain.clone(),
        timeout: secs(args.conn.command_timeout.max(5.0)),
        rate_limit_patience: secs(args.timeout.max(60.0)),
    };
    let secrets = [args.fmc_password.clone()].into_iter();
    run_stage(stage, &args.conn, ctx, secrets, Timed::No, async |f| {
        if !args.fmc_validate_certs {
            f.warn(format!(
                "fmc_validate_certs is off: the identity of the FMC {} was not verified",
                args.fmc_host
            ));
        }
        // The FMC's client blocks (one request at a time, as the FMC's rate limit wants):
        // it runs inside the stage's task; only the unit's reads in `switch` are async.
        let mut fmc = match Fmc::login(settings) {
            Ok(fmc) => fmc,
            Err(e) => return Ok(fmc_fail(&unit, &args, e)),
        };
        let outcome = match args.action {
            Action::Check => check(&args, &mut fmc, &mut f.journal),
            Action::Sync => sync(
                &args,
                &mut fmc,
                &mut f.journal,
                target.as_ref().expect("checked above"),
            ),
            Action::Switch => switch(&args, &mut fmc, f, target.as_ref()).await,
            Action::Copy => copy(
                &args,
                &mut fmc,
                &mut f.journal,
                f.check_mode,
                package.as_ref().expect("checked above"),
            ),
        };
        match outcome {
            Ok(r) => Ok(r
                .with("fmc_requests", fmc.requests)
                .with("fmc_logins", fmc.logins)),
            Err(Failure::Fmc(e)) => Ok(fmc_fail(&unit, &args, e)),
            Err(Failure::Op(e)) => Err(e),
        }
    })
}

enum Failure {
    Fmc(FmcError),
    Op(OpError),
}

impl From<FmcError> for Failure {
    fn from(e: FmcError) -> Self {
        Failure::Fmc(e)
    }
}

impl From<OpError> for Failure {
    fn from(e: OpError) -> Self {
        Failure::Op(e)
    }
}

fn fmc_fail(unit: &str, args: &Args, e: FmcError) -> ModuleResult {
    let hint = match (&e, args.action) {
        (FmcError::Unreachable { .. } | FmcError::Login { .. }, Action::Check) => {
            ". Nothing was changed: the pair is not upgraded while the FMC cannot be asked (unset ftd_fmc_host to upgrade without it)"
        }
        (FmcError::Login { .. }, _) => ". Check fmc_username / fmc_password",
        (FmcError::Unreachable { reason, .. }, _) if reason.contains("ertificate") => {
            ". Give the FMC's CA in fmc_ca_path"
        }
        _ => "",
    };
    let mut r = ModuleResult::fail(format!("{} {e}{hint}", report::prefix(unit, "fmc")));
    r.set("stage", "fmc");
    r.set("error_kind", "fmc");
    r
}

/// The FMC's HA pair of the two members, refused when it is not the inventory's pair.
fn pair_of(args: &Args, fmc: &mut Fmc) -> Result<(HaPair, Vec<DeviceRecord>), Failure> {
    let devices = fmc.devices()?;
    let find = |m: &PairMember| devices.iter().find(|d| d.name == m.fmc_name()).cloned();
    let (Some(a), Some(b)) = (find(&args.members[0]), find(&args.members[1])) else {
        let missing: Vec<&str> = args
            .members
            .iter()
            .filter(|m| find(m).is_none())
            .map(PairMember::fmc_name)
            .collect();
        return Err(OpError::Refused(format!(
            "the FMC has no device named {} (set ftd_fmc_device_name when the FMC names the unit otherwise)",
            missing.join(", ")
        ))
        .into());
    };
    let pairs = fmc.ha_pairs()?;
    let Some(pair) = pairs.into_iter().find(|p| p.has(&a.id)) else {
        return Err(OpError::Refused(format!("{} is not in an HA pair in the FMC", a.name)).into());
    };
    if !pair.has(&b.id) {
        return Err(OpError::Refused(format!(
            "the FMC's HA pair {} has the members {} and {}, not the inventory's {} and {}: the inventory and the FMC disagree about the pair",
            pair.name, pair.primary.name, pair.secondary.name, a.name, b.name
        ))
        .into());
    }
    Ok((pair, vec![a, b]))
}

/// `{member: {status, sw_version}}` and a line for the journal.
fn view(pair: &HaPair, devices: &[DeviceRecord]) -> (Value, String) {
    let mut v = serde_json::Map::new();
    let mut line = Vec::new();
    for m in pair.members() {
        let version = devices
            .iter()
            .find(|d| d.id == m.id)
            .map(|d| d.sw_version.clone())
            .unwrap_or_default();
        line.push(format!("{} {} {}", m.name, m.status, version));
        v.insert(
            m.name.clone(),
            json!({"status": m.status, "sw_version": version}),
        );
    }
    (Value::Object(v), line.join(", "))
}

fn check(args: &Args, fmc: &mut Fmc, journal: &mut Journal) -> Result<ModuleResult, Failure> {
    let (pair, devices) = pair_of(args, fmc)?;
    let ids = [
        pair.id.as_str(),
        devices[0].id.as_str(),
        devices[1].id.as_str(),
    ];
    let names = |v: &Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["id"].as_str().map(String::from))
            .collect()
    };
    let pending = fmc.deployable()?.into_iter().any(|item| {
        let mut touched = names(&item, "deviceMembers");
        touched.extend(item["device"]["id"].as_str().map(String::from));
        touched.iter().any(|t| ids.contains(&t.as_str()))
    });
    if pending {
        return Err(OpError::Refused(format!(
            "the FMC has configuration changes not deployed to {}: deploy or discard them in the FMC first, then run again",
            pair.name
        ))
        .into());
    }
    let running = fmc
        .deploying()?
        .into_iter()
        .any(|job| match job["deviceList"].as_array() {
            // UNVERIFIED layout: a running deployment that names no device counts as touching the pair.
            None => true,
            Some(list) => list.iter().any(|d| {
                ["deviceUUID", "id"]
                    .iter()
                    .any(|k| d[k].as_str().is_some_and(|id| ids.contains(&id)))
            }),
        });
    if running {
        return Err(OpError::Refused(format!(
            "a deployment to {} is running in the FMC: wait for it to finish, then run again",
            pair.name
        ))
        .into());
    }
    let (fmc_view, line) = view(&pair, &devices);
    journal.record_data(
        None,
        &format!("FMC view before: {line}"),
        Some(json!({"fmc_view": fmc_view, "phase": "before"})),
    );
    let disagree: Vec<String> = args
        .members
        .iter()
        .filter_map(|m| {
            let device_active = FailoverState::from_text(m.state.as_deref()?).is_active();
            let member = pair
                .members()
                .into_iter()
                .find(|p| p.name == m.fmc_name())?;
            let fmc_active = member.status.eq_ignore_ascii_case("Active");
            (device_active != fmc_active).then(|| {
                format!(
                    "{} is {} on the device, {} in the FMC",
                    m.name,
                    m.state.as_deref().unwrap_or("?"),
                    member.status
                )
            })
        })
        .collect();
    let mut r = ModuleResult::ok(format!(
        "{}: pair {} in the FMC, nothing to deploy, no deployment running ({line})",
        args.members[0].name, pair.name
    ))
    .with("fmc_pair", &pair)
    .with("fmc_view", &fmc_view)
    .with("agrees", disagree.is_empty());
    if !disagree.is_empty() {
        let warning = format!(
            "the FMC and the devices disagree about the active unit: {} (the FMC may lag; the devices decide)",
            disagree.join("; ")
        );
        journal.record(None, &format!("warning: {warning}"));
        r.warn(warning);
    }
    Ok(r)
}

fn sync(
    args: &Args,
    fmc: &mut Fmc,
    journal: &mut Journal,
    target: &Version,
) -> Result<ModuleResult, Failure> {
    let deadline = Instant::now() + secs(args.timeout);
    loop {
        let (pair, devices) = pair_of(args, fmc)?;
        let on_target =
            |d: &DeviceRecord| Version::parse(&d.sw_version).is_ok_and(|v| v.matches(target));
        let (fmc_view, line) = view(&pair, &devices);
        if devices.iter().all(on_target) {
            journal.record_data(
                None,
                &format!("FMC view after: {line}"),
                Some(json!({"fmc_view": fmc_view, "phase": "after"})),
            );
            return Ok(
                ModuleResult::ok(format!("the FMC reports {target} for {line}"))
                    .with("synced", true)
                    .with("fmc_pair", &pair)
                    .with("fmc_view", &fmc_view),
            );
        }
        if Instant::now() >= deadline {
            journal.record_data(
                None,
                &format!("FMC view after: {line}"),
                Some(json!({"fmc_view": fmc_view, "phase": "after"})),
            );
            let msg = format!(
                "the FMC did not report {target} for both members within {:.0}s: {line}",
                args.timeout
            );
            if args.require_sync {
                return Err(OpError::TimedOut(msg).into());
            }
            let mut r = ModuleResult::ok(msg.clone())
                .with("synced", false)
                .with("fmc_pair", &pair)
                .with("fmc_view", &fmc_view);
            r.warn(format!("{msg}; the devices were verified, the FMC lags (require_sync: true makes this a failure)"));
            return Ok(r);
        }
        std::thread::sleep(
            secs(args.poll_interval).min(deadline.saturating_duration_since(Instant::now())),
        );
    }
}

/// "Copy Upgrade Package": the package from the FMC to the members that lack it, the FMC's
/// task followed to its end.
fn copy(
    args: &Args,
    fmc: &mut Fmc,
    journal: &mut Journal,
    check_mode: bool,
    package: &Package,
) -> Result<ModuleResult, Failure> {
    let (pair, devices) = pair_of(args, fmc)?;
    let uploaded = fmc.upgrade_packages()?;
    let Some(found) = uploaded.iter().find(|p| p.is(&package.file_name)) else {
        let names: Vec<&str> = uploaded.iter().map(|p| p.name.as_str()).collect();
        return Err(OpError::Refused(format!(
            "the FMC has no upgrade package {}.sh (it has: {}): upload it to the FMC (System > Updates) first; nothing was copied",
            UpgradePackage::stem(&package.file_name),
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        ))
        .into());
    };
    let lacking: Vec<(&PairMember, &DeviceRecord)> = args
        .members
        .iter()
        .zip(&devices)
        .filter(|(m, _)| found.size.is_none() || m.package_size != found.size)
        .collect();
    let names = |list: &[(&PairMember, &DeviceRecord)]| -> Vec<String> {
        list.iter().map(|(m, _)| m.name.clone()).collect()
    };
    let base = |r: ModuleResult| {
        r.with("fmc_pair", &pair)
            .with("fmc_package", &found.name)
            .with("package_size", found.size)
    };
    if lacking.is_empty() {
        return Ok(base(ModuleResult::ok(format!(
            "{} and {} have {} already; the FMC copies nothing",
            args.members[0].name, args.members[1].name, package.file_name
        )))
        .with("copied_to", Vec::<String>::new()));
    }
    let applicable = fmc.applicable_devices(&found.id)?;
    if let Some((m, _)) = lacking.iter().find(|(_, d)| !applicable.contains(&d.id)) {
        return Err(OpError::Refused(format!(
            "the FMC does not list {} ({}) among the devices {} applies to: a package for another model or version, or the unit already runs it; nothing was copied",
            m.name,
            m.fmc_name(),
            found.name
        ))
        .into());
    }
    let to = names(&lacking);
    if check_mode {
        return Ok(base(ModuleResult::changed(format!(
            "the FMC would copy {} to {}",
            found.name,
            to.join(" and ")
        )))
        .with("copied_to", &to));
    }
    let targets: Vec<&DeviceRecord> = lacking.iter().map(|(_, d)| *d).collect();
    let task = fmc.push_package(&found.id, &targets)?;
    journal.record(
        None,
        &format!(
            "FMC copy of {} to {} sent (task {task})",
            found.name,
            to.join(", ")
        ),
    );
    let started = Instant::now();
    let deadline = started + secs(args.timeout);
    let mut said = String::new();
    let status = loop {
        let (status, message) = fmc.task(&task)?;
        let line = format!("FMC copy to {}: {status} {message}", to.join(", "));
        if line != said {
            journal.record(
                None,
                &format!("{line} ({:.0}s)", started.elapsed().as_secs_f64()),
            );
            said = line;
        }
        match task_finished(&status) {
            Some(true) => break status,
            Some(false) => {
                return Err(OpError::Failed(format!(
                    "the FMC's copy of {} to {} ended {status}: {message}; run again to copy what is missing (a unit that has the whole package is not copied to again)",
                    found.name,
                    to.join(" and ")
                ))
                .into());
            }
            None if Instant::now() >= deadline => {
                return Err(OpError::TimedOut(format!(
                    "the FMC's copy of {} to {} was still {status} after {:.0}s ({message}); the task may still run in the FMC: look at its task list, then run again",
                    found.name,
                    to.join(" and "),
                    args.timeout
                ))
                .into());
            }
            None => std::thread::sleep(
                secs(args.poll_interval).min(deadline.saturating_duration_since(Instant::now())),
            ),
        }
    };
    Ok(base(ModuleResult::changed(format!(
        "the FMC copied {} to {} ({status} in {:.0}s)",
        found.name,
        to.join(" and "),
        started.elapsed().as_secs_f64()
    )))
    .with("copied_to", &to)
    .with("task", json!({"id": task, "status": status})))
}

async fn switch(
    args: &Args,
    fmc: &mut Fmc,
    f: &mut Frame,
    target: Option<&Version>,
) -> Result<ModuleResult, Failure> {
    let (pair, _) = pair_of(args, fmc)?;
    let poll = secs(args.poll_interval);
    let deadline = Instant::now() + secs(args.timeout);
    let check_mode = f.check_mode;
    f.session(async |s, f| {
        let id = facts::identity(s).await?;
        if !failover::check(&id, None)? {
            return Ok(ModuleResult::ok(format!("{} is Active already", f.unit)).with("fmc_pair", &pair));
        }
        if check_mode {
            return Ok(ModuleResult::changed(format!(
                "{} would be made Active by the FMC's switch of {}",
                f.unit, pair.name
            )));
        }
        // The same rule as the CLI swap: two reads of Standby Ready, slots up, peer Active.
        failover::ready_twice(s, poll.min(Duration::from_secs(2))).await?;
        let task = fmc.switch(&pair.id).map_err(|e| OpError::Failed(e.to_string()))?;
        f.journal.record(None, &format!("FMC switch of {} sent (task {task})", pair.name));
        let status = loop {
            let (status, message) = fmc.task(&task).map_err(|e| OpError::Failed(e.to_string()))?;
            match task_finished(&status) {
                Some(true) => break status,
                Some(false) => {
                    return Err(OpError::Failed(format!(
                        "the FMC's switch of {} ended {status}: {message}; the roles were not switched",
                        pair.name
                    )));
                }
                None if Instant::now() >= deadline => {
                    return Err(OpError::TimedOut(format!(
                        "the FMC's switch task of {} was still {status} after {:.0}s",
                        pair.name, args.timeout
                    )));
                }
                None => tokio::time::sleep(poll).await,
            }
        };
        let left = deadline.saturating_duration_since(Instant::now());
        let after = failover::confirm_active(s, left, left, poll).await?;
        f.journal.record(None, &format!("switched by the FMC: {} is Active, its peer {}", after.hostname, after.peer_state));
        let mut r = ModuleResult::changed(format!(
            "{}: the FMC switched {}; the unit is Active and its peer {}",
            f.unit, pair.name, after.peer_state
        ))
        .with("fmc_pair", &pair)
        .with("task", json!({"id": task, "status": status}));
        report::identity(&mut r, &after, target);
        Ok(r)
    })
    .await
    .map_err(Failure::Op)
}
