//! `plan`: what the upgrade of one pair will do, step by step, from the units' live state:
//! which unit is upgraded first, which swaps happen, which roles and versions each unit ends
//! with. Touches no device: it is computed from what `facts` read. The playbook runs it
//! before the first change (and in check mode, where it is the change ticket's dry run);
//! `--diff` shows each unit's version and role before and after.

use crate::defaults;
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::parse::state::FailoverState;
use ftd_device::upgrade_path::{self, Verdict};
use ftd_device::version::Version;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// One unit as `facts` read it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitState {
    /// Inventory name.
    pub name: String,
    /// Configured role, C(Primary) or C(Secondary).
    pub role: String,
    /// Failover state, C(Active) or C(Standby Ready).
    pub state: String,
    /// Version it runs, C(X.Y.Z[.P]-BUILD).
    pub version: String,
    /// C(show version)'s model, for the upgrade-path check of O(later_hops).
    pub model: Option<String>,
    /// The unit's FXOS version (M(ftd.ha_upgrade.facts)' C(fxos_version)), for the same.
    pub fxos_version: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Name of the pair, for messages.
    pub pair: String,
    /// The two units of the pair.
    pub units: Vec<UnitState>,
    /// Version both units must end on.
    pub target_version: String,
    /// The unit that must carry the traffic at the end. Defaults to the unit Active now when
    /// both units still run the same version below the target (a fresh upgrade); a run that
    /// resumes cannot see which unit was Active before it, and picks the C(Primary) unless this
    /// names the unit (the dry run's plan shows the choice).
    pub original_active: Option<String>,
    /// The versions of the hops after this one (an upgrade of several hops), in order. Each
    /// is planned as a whole HA upgrade of its own, and checked against the upgrade paths
    /// from the version the pair will run by then; a hop that cannot follow is refused now,
    /// before anything changes.
    #[serde(default)]
    pub later_hops: Vec<String>,
    /// Seconds one unit's upgrade takes (install to its return), for the estimate of what
    /// remains; default the domain file's typical 75 minutes.
    #[schemars(range(min = 0.0, max = defaults::MAX_SECONDS))]
    pub duration_estimate: Option<f64>,
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "plan",
    short_description: "Plan the upgrade of one FTD HA pair from its live state (no device is touched)",
    description: &[
        "Computes the procedure's steps for one pair from the units' state as M(ftd.ha_upgrade.facts) read it: the standby is upgraded first, then it takes over, then the other unit is upgraded, then the original roles are restored and both units verified.",
        "A pair already part way (a resumed run) gets only the steps still to do.",
        "Returns the steps and, with C(--diff), each unit's version and role before and after. In check mode the playbook's output then reads as the plan of the change.",
    ],
    supports_check_mode: true,
    examples: r#"- name: Plan the pair's upgrade
  ftd.ha_upgrade.plan:
    pair: "{{ ftd_pair }}"
    target_version: 7.2.7-500
    units:
      - {name: fw-1-a, role: Primary, state: Active, version: 7.2.2-54}
      - {name: fw-1-b, role: Secondary, state: Standby Ready, version: 7.2.2-54}
"#,
    returns: r#"original_active:
  description: The unit that carries the traffic at the end (given, or chosen as O(original_active) says).
  returned: success
  type: str
before:
  description: Each unit's version, role and state now, by name.
  returned: success
  type: dict
steps:
  description: The steps still to do, in order (action, unit, detail).
  returned: success
  type: list
  elements: dict
lines:
  description: The same steps as numbered sentences, for the output (and those of every later hop).
  returned: success
  type: list
  elements: str
installs_left:
  description: The unit upgrades still to do, in this hop and every later one.
  returned: success
  type: int
estimate_minutes:
  description: The time those upgrades take at O(duration_estimate) each (swaps and checks not counted), for the window.
  returned: success
  type: int
hops:
  description: With O(later_hops), each later hop (version, from, steps, warning when the public record has no row for it).
  returned: success
  type: list
  elements: dict
"#,
    notes: &["Pure computation on the controller; the safety rules stay in the modules that act."],
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub action: &'static str,
    pub unit: String,
    pub detail: String,
}

/// The unit to make Active at the end: O(original_active) when given (it must be a unit of
/// the pair), else the unit Active now when the upgrade has not begun, else the Primary.
pub fn original_active(args: &Args) -> Result<String, String> {
    let names: Vec<&str> = args.units.iter().map(|u| u.name.as_str()).collect();
    if let Some(name) = &args.original_active {
        return if names.contains(&name.as_str()) {
            Ok(name.clone())
        } else {
            Err(format!(
                "original_active {name} is not a unit of pair {} ({})",
                args.pair,
                names.join(", ")
            ))
        };
    }
    let fresh = match args.units.as_slice() {
        [a, b] => same_version(&a.version, &b.version) && !on_target(a, args),
        _ => false,
    };
    let pick = |u: &&UnitState| {
        if fresh {
            FailoverState::from_text(&u.state).is_active()
        } else {
            u.role == "Primary"
        }
    };
    args.units
        .iter()
        .find(pick)
        .map(|u| u.name.clone())
        .ok_or_else(|| format!("pair {} has no unit to make Active at the end", args.pair))
}

/// The steps from the live state. Errors name what makes a plan impossible.
pub fn steps(args: &Args, original_active: &str) -> Result<Vec<Step>, String> {
    let [a, b] = args.units.as_slice() else {
        return Err(format!(
            "pair {} has {} units, not 2",
            args.pair,
            args.units.len()
        ));
    };
    let (mut active, mut standby) = match (
        FailoverState::from_text(&a.state),
        FailoverState::from_text(&b.state),
    ) {
        (FailoverState::Active, FailoverState::StandbyReady) => (a.clone(), b.clone()),
        (FailoverState::StandbyReady, FailoverState::Active) => (b.clone(), a.clone()),
        (x, y) => {
            return Err(format!(
                "pair {} is {} / {}, not one Active and one Standby Ready unit",
                args.pair, x, y
            ));
        }
    };
    let on_target = |u: &UnitState| on_target(u, args);
    let mut out = Vec::new();
    loop {
        if !on_target(&standby) {
            out.push(Step {
                action: "install",
                unit: standby.name.clone(),
                detail: format!(
                    "readiness check, install {} -> {}, reboot, back Standby Ready",
                    standby.version, args.target_version
                ),
            });
            standby.version = args.target_version.clone();
        } else if !on_target(&active) {
            out.push(swap(&standby, &active));
            std::mem::swap(&mut active, &mut standby);
        } else {
            break;
        }
    }
    if active.name != original_active {
        out.push(swap(&standby, &active));
    }
    out.push(Step {
        action: "verify",
        unit: format!("{} and {}", a.name, b.name),
        detail: format!(
            "both on {}, {} Active",
            args.target_version, original_active
        ),
    });
    Ok(out)
}

/// One rule for "the same version" in every module: [`Version::matches`] (`7.4.1` is
/// `7.4.1-172`). The versions were checked by [`versions_of`] before any plan is made.
fn same_version(a: &str, b: &str) -> bool {
    match (Version::parse(a), Version::parse(b)) {
        (Ok(a), Ok(b)) => a.matches(&b),
        _ => a == b,
    }
}

fn on_target(u: &UnitState, args: &Args) -> bool {
    same_version(&u.version, &args.target_version)
}

/// Every version the plan reads is one: a target or a unit version that is not is refused
/// with the option that holds it.
fn versions_of(args: &Args) -> Result<(), String> {
    Version::parse(&args.target_version).map_err(|e| format!("target_version: {e}"))?;
    for u in &args.units {
        Version::parse(&u.version).map_err(|e| format!("units ({}): version: {e}", u.name))?;
    }
    for h in &args.later_hops {
        Version::parse(h).map_err(|e| format!("later_hops: {e}"))?;
    }
    Ok(())
}

/// One hop after the first: a whole HA upgrade of its own.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub hop: usize,
    pub from: Version,
    pub version: Version,
    pub steps: Vec<Step>,
    /// The public record has no row for this target (the device's readiness check decides).
    pub warning: Option<String>,
}

/// Each later hop: a whole HA upgrade from the version the hop before it leaves, checked
/// against the upgrade paths with the units' model and FXOS. A refusal names the hop.
fn later_hops(args: &Args, original_active: &str) -> Result<Vec<Hop>, String> {
    let mut from = Version::parse(&args.target_version).map_err(|e| e.to_string())?;
    let unit = args.units.first();
    let model = unit.and_then(|u| u.model.as_deref()).unwrap_or_default();
    let fxos = unit
        .and_then(|u| u.fxos_version.as_deref())
        .and_then(upgrade_path::Fxos::parse);
    let mut hops = Vec::new();
    for (i, hop) in args.later_hops.iter().enumerate() {
        let to = Version::parse(hop).map_err(|e| e.to_string())?;
        let number = i + 2;
        let running = upgrade_path::Running {
            version: &from,
            model,
            fxos,
        };
        let warning = match upgrade_path::check(running, &to, None) {
            Verdict::Refused(why) => {
                return Err(format!(
                    "hop {number} ({from} -> {to}) cannot follow: {why}. Nothing was changed"
                ));
            }
            Verdict::Unknown(w) => Some(w),
            Verdict::Direct => None,
        };
        let units: Vec<UnitState> = args
            .units
            .iter()
            .map(|u| UnitState {
                version: from.to_string(),
                state: if u.name == original_active {
                    "Active".into()
                } else {
                    "Standby Ready".into()
                },
                ..u.clone()
            })
            .collect();
        let hop_args = Args {
            pair: args.pair.clone(),
            units,
            target_version: to.to_string(),
            original_active: Some(original_active.to_string()),
            later_hops: Vec::new(),
            duration_estimate: None,
        };
        let steps = steps(&hop_args, original_active)?;
        hops.push(Hop {
            hop: number,
            from: from.clone(),
            version: to.clone(),
            steps,
            warning,
        });
        from = to;
    }
    Ok(hops)
}

fn swap(to: &UnitState, from: &UnitState) -> Step {
    Step {
        action: "failover_active",
        unit: to.name.clone(),
        detail: format!(
            "{} becomes Active, {} Standby Ready (traffic blips once)",
            to.name, from.name
        ),
    }
}

pub fn run(args: Args, _ctx: &RunContext) -> ModuleResult {
    let planned = versions_of(&args)
        .and_then(|()| original_active(&args))
        .and_then(|o| Ok((steps(&args, &o)?, o)));
    let planned = planned.and_then(|(p, o)| Ok((p, later_hops(&args, &o)?, o)));
    let (plan, hops, original_active) = match planned {
        Ok(p) => p,
        Err(e) => return ModuleResult::fail(format!("pair {} [plan]: {e}", args.pair)),
    };
    let work = plan.iter().any(|s| s.action != "verify") || !hops.is_empty();
    let numbered = |steps: &[Step]| -> Vec<String> {
        steps
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {} {}: {}", i + 1, s.action, s.unit, s.detail))
            .collect()
    };
    let mut text = numbered(&plan);
    if !hops.is_empty() {
        text.insert(0, format!("hop to {}:", args.target_version));
    }
    for hop in &hops {
        text.push(format!(
            "hop {} ({} -> {}):",
            hop.hop, hop.from, hop.version
        ));
        text.extend(numbered(&hop.steps));
    }
    let installs_left = plan
        .iter()
        .chain(hops.iter().flat_map(|h| &h.steps))
        .filter(|s| s.action == "install")
        .count();
    let estimate_minutes = (installs_left as f64
        * args
            .duration_estimate
            .unwrap_or(crate::window::TYPICAL_SECONDS)
        / 60.0)
        .round() as u64;
    if installs_left > 0 {
        text.push(format!(
            "{installs_left} unit upgrade(s) left, about {estimate_minutes} minutes of window (installs and reboots; swaps and checks apart)"
        ));
    }
    let target_after = hops
        .last()
        .map(|h| h.version.to_string())
        .unwrap_or_else(|| args.target_version.clone());
    let mut before = Map::new();
    let mut after = Map::new();
    for u in &args.units {
        let role_after = if u.name == original_active {
            FailoverState::Active
        } else {
            FailoverState::StandbyReady
        };
        before.insert(
            u.name.clone(),
            json!({"version": u.version, "role": u.role, "state": u.state}),
        );
        after.insert(
            u.name.clone(),
            json!({"version": target_after, "state": role_after}),
        );
    }
    let msg = format!("pair {}: {}", args.pair, text.join("; "));
    let r = if work {
        ModuleResult::changed(msg).with_diff(Value::Object(before.clone()), Value::Object(after))
    } else {
        ModuleResult::ok(msg)
    };
    let mut r = r;
    for warning in hops.iter().filter_map(|h| h.warning.as_deref()) {
        r.warn(warning);
    }
    r.with("steps", plan)
        .with("hops", hops)
        .with("installs_left", installs_left)
        .with("estimate_minutes", estimate_minutes)
        .with("lines", text)
        .with("original_active", original_active)
        .with("before", before)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str, role: &str, state: &str, version: &str) -> UnitState {
        UnitState {
            name: name.into(),
            role: role.into(),
            state: state.into(),
            version: version.into(),
            model: Some("Cisco Firepower Threat Defense for VMware (75)".into()),
            fxos_version: None,
        }
    }

    /// Pair 1 of units `a` and `b` to `target`, nothing else given.
    fn pair(a: UnitState, b: UnitState, target: &str) -> Args {
        Args {
            pair: "1".into(),
            units: vec![a, b],
            target_version: target.into(),
            original_active: None,
            later_hops: Vec::new(),
            duration_estimate: None,
        }
    }

    fn plan(a: UnitState, b: UnitState, original: &str) -> Vec<(&'static str, String)> {
        let args = Args {
            original_active: Some(original.into()),
            ..pair(a, b, "7.2.7-500")
        };
        steps(&args, original)
            .unwrap()
            .into_iter()
            .map(|s| (s.action, s.unit))
            .collect()
    }

    #[test]
    fn a_fresh_pair_follows_the_procedure() {
        let p = plan(
            unit("fw-1-a", "Primary", "Active", "7.2.2-54"),
            unit("fw-1-b", "Secondary", "Standby Ready", "7.2.2-54"),
            "fw-1-a",
        );
        let names: Vec<(&str, &str)> = p.iter().map(|(a, u)| (*a, u.as_str())).collect();
        assert_eq!(
            names,
            [
                ("install", "fw-1-b"),
                ("failover_active", "fw-1-b"),
                ("install", "fw-1-a"),
                ("failover_active", "fw-1-a"),
                ("verify", "fw-1-a and fw-1-b"),
            ]
        );
    }

    #[test]
    fn a_resumed_pair_gets_what_is_left() {
        let p = plan(
            unit("fw-1-a", "Primary", "Standby Ready", "7.2.2-54"),
            unit("fw-1-b", "Secondary", "Active", "7.2.7-500"),
            "fw-1-a",
        );
        assert_eq!(p[0], ("install", "fw-1-a".to_string()));
        assert_eq!(p[1], ("failover_active", "fw-1-a".to_string()));
        let done = plan(
            unit("fw-1-a", "Primary", "Active", "7.2.7-500"),
            unit("fw-1-b", "Secondary", "Standby Ready", "7.2.7-500"),
            "fw-1-a",
        );
        assert_eq!(done, [("verify", "fw-1-a and fw-1-b".to_string())]);
    }

    #[test]
    fn a_target_written_without_its_build_is_the_same_version() {
        // The standby already runs 7.4.1-172: a target of 7.4.1 makes the swap next, not a
        // second install (and never a stop between the two units).
        let args = Args {
            original_active: Some("fw-1-a".into()),
            ..pair(
                unit("fw-1-a", "Primary", "Active", "7.2.5-208"),
                unit("fw-1-b", "Secondary", "Standby Ready", "7.4.1-172"),
                "7.4.1",
            )
        };
        let actions: Vec<_> = steps(&args, "fw-1-a")
            .unwrap()
            .into_iter()
            .map(|s| (s.action, s.unit))
            .collect();
        assert_eq!(actions[0], ("failover_active", "fw-1-b".to_string()));
        assert_eq!(actions[1], ("install", "fw-1-a".to_string()));
        // Both on 7.4.1-172: nothing left but verify.
        let mut done = args;
        done.units[0].version = "7.4.1-172".into();
        let left = steps(&done, "fw-1-a").unwrap();
        assert_eq!(left.len(), 1, "{left:?}");
    }

    #[test]
    fn a_version_that_is_not_one_is_refused_naming_the_option() {
        let args = pair(
            unit("fw-1-a", "Primary", "Active", "7.2.5-208"),
            unit("fw-1-b", "Secondary", "Standby Ready", "7.2.5-208"),
            "latest",
        );
        let e = versions_of(&args).unwrap_err();
        assert!(
            e.starts_with("target_version: 'latest' is not an FTD version"),
            "{e}"
        );
    }

    #[test]
    fn an_unhealthy_pair_has_no_plan() {
        let args = Args {
            pair: "3".into(),
            ..pair(
                unit("a", "Primary", "Active", "7.2.2-54"),
                unit("b", "Secondary", "Cold Standby", "7.2.2-54"),
                "7.2.7-500",
            )
        };
        assert!(
            steps(&args, "a")
                .unwrap_err()
                .contains("Active / Cold Standby")
        );
    }

    fn choose(a: UnitState, b: UnitState, given: Option<&str>) -> Result<String, String> {
        original_active(&Args {
            original_active: given.map(String::from),
            ..pair(a, b, "7.2.7-500")
        })
    }

    #[test]
    fn the_unit_to_restore_is_the_active_one_before_the_upgrade_else_the_primary() {
        // Fresh: the Secondary carries the traffic today, and will again at the end.
        let fresh = choose(
            unit("fw-1-a", "Primary", "Standby Ready", "7.2.2-54"),
            unit("fw-1-b", "Secondary", "Active", "7.2.2-54"),
            None,
        );
        assert_eq!(fresh.unwrap(), "fw-1-b");
        // Resumed (versions differ): who was Active before cannot be seen; the Primary.
        let resumed = choose(
            unit("fw-1-a", "Primary", "Standby Ready", "7.2.2-54"),
            unit("fw-1-b", "Secondary", "Active", "7.2.7-500"),
            None,
        );
        assert_eq!(resumed.unwrap(), "fw-1-a");
        // Both on target (a second window): the Primary too, unless named.
        let named = choose(
            unit("fw-1-a", "Primary", "Active", "7.2.7-500"),
            unit("fw-1-b", "Secondary", "Standby Ready", "7.2.7-500"),
            Some("fw-1-b"),
        );
        assert_eq!(named.unwrap(), "fw-1-b");
        let typo = choose(
            unit("fw-1-a", "Primary", "Active", "7.2.2-54"),
            unit("fw-1-b", "Secondary", "Standby Ready", "7.2.2-54"),
            Some("fw-1-c"),
        );
        assert!(typo.unwrap_err().contains("fw-1-c is not a unit of pair 1"));
    }

    fn ctx() -> RunContext {
        RunContext {
            ansible: Default::default(),
            masker: Default::default(),
        }
    }

    #[test]
    fn every_later_hop_is_planned_and_checked_from_the_version_before_it() {
        let args = Args {
            later_hops: vec!["7.3.1-19".into()],
            ..pair(
                unit("fw-1-a", "Primary", "Active", "6.6.5-81"),
                unit("fw-1-b", "Secondary", "Standby Ready", "6.6.5-81"),
                "7.0.6-236",
            )
        };
        let hops = later_hops(&args, "fw-1-a").unwrap();
        assert_eq!(hops.len(), 1);
        assert_eq!(hops[0].from.to_string(), "7.0.6-236");
        let actions: Vec<&str> = hops[0].steps.iter().map(|s| s.action).collect();
        assert_eq!(
            actions,
            [
                "install",
                "failover_active",
                "install",
                "failover_active",
                "verify"
            ]
        );
        let r = run(args, &ctx());
        assert!(!r.failed, "{}", r.msg);
        assert!(r.changed);
        // Two units per hop, 75 minutes each: the window the rest of the path needs.
        assert_eq!(r.values.get("installs_left"), Some(&json!(4)));
        assert_eq!(r.values.get("estimate_minutes"), Some(&json!(300)));
        // A patch of another maintenance release cannot follow 7.0.6: refused before anything.
        let refused = Args {
            later_hops: vec!["7.2.7.1-3".into()],
            ..pair(
                unit("fw-1-a", "Primary", "Active", "6.6.5-81"),
                unit("fw-1-b", "Secondary", "Standby Ready", "6.6.5-81"),
                "7.0.6-236",
            )
        };
        let r = run(refused, &ctx());
        assert!(r.failed);
        assert!(
            r.msg
                .contains("hop 2 (7.0.6-236 -> 7.2.7.1-3) cannot follow"),
            "{}",
            r.msg
        );
        assert!(r.msg.contains("upgrade to 7.2.7 first"), "{}", r.msg);
    }
}
