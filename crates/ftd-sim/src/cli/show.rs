//! The show commands, accepted at CLISH and in the diagnostic CLI, rendered from the model.

use crate::model::texts::{self, FailoverDetail, HostLine, VersionInfo};
use crate::model::{Sim, evidence, pair::Pair};

/// Expands abbreviations the way the device's parser does (`sh fail state`).
pub fn expand(line: &str) -> String {
    const WORDS: [&str; 22] = [
        "show",
        "failover",
        "state",
        "version",
        "running-config",
        "active",
        "terminal",
        "pager",
        "configure",
        "high-availability",
        "suspend",
        "resume",
        "enable",
        "exit",
        "history",
        "interface",
        "ip",
        "brief",
        "route",
        "summary",
        "conn",
        "count",
    ];
    line.split_whitespace()
        .map(|w| {
            let matches: Vec<&&str> = WORDS.iter().filter(|full| full.starts_with(w)).collect();
            if matches.len() == 1 && w.len() >= 2 {
                matches[0].to_string()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn show(sim: &Sim, pair: usize, unit: usize, command: &str, lina: bool) -> Option<String> {
    let p = &sim.pairs[pair];
    let u = &p.units[unit];
    let info = VersionInfo {
        hostname: &u.hostname,
        model: &u.model,
        version: &u.version,
        uuid: &u.uuid,
    };
    // Before LINA is up after a boot, what goes to LINA answers nothing (§10, inferred).
    let lina_ready = u.lina_ready(sim.now());
    // The fault shows once the unit runs the version its upgrade installed.
    let upgraded = u
        .upgrade
        .as_ref()
        .is_some_and(|r| r.package.version == u.version);
    let down = u.faults.iter().find_map(|f| match f {
        crate::model::faults::Fault::InterfaceDown(name) if upgraded => Some(name.as_str()),
        _ => None,
    });
    let active = u.ha_state == "Active";
    // Stateful failover replicates connections and translations to the standby.
    let conns = 1534 - 17 * p.stats.failovers as u64;
    Some(match command {
        "show failover state" | "show failover" if !lina_ready => String::new(),
        "show interface ip brief" => evidence::interface_ip_brief(down, active),
        "show route summary" => evidence::route_summary(down.is_some()),
        "show conn count" => evidence::count(conns, 4210),
        "show xlate count" => evidence::count(212, 640),
        "show version" if lina => texts::show_version_lina(&info),
        "show version" => texts::show_version(&info),
        "show failover state" => failover_state(p, unit),
        "show failover" => failover(p, unit),
        "show running-config failover" => texts::running_config_failover(u.role),
        _ => return None,
    })
}

fn failover_state(p: &Pair, unit: usize) -> String {
    let me = &p.units[unit];
    let peer = &p.units[Pair::peer(unit)];
    let peer_state = p.peer_state_seen(unit);
    texts::failover_state(
        &HostLine {
            role: me.role,
            state: &me.ha_state,
            reason: "None",
        },
        &HostLine {
            role: peer.role,
            state: &peer_state,
            reason: &peer.last_failure,
        },
        &p.config_sync(unit),
    )
}

fn failover(p: &Pair, unit: usize) -> String {
    let me = &p.units[unit];
    let peer = &p.units[Pair::peer(unit)];
    let peer_state = p.peer_state_seen(unit);
    texts::show_failover(&FailoverDetail {
        unit: me.role,
        this: (me.role, &me.ha_state, &me.version),
        other: (peer.role, &peer_state, &peer.version),
        other_up: peer.is_up(),
        snort_up: me.validating_until.is_none(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations() {
        assert_eq!(expand("sh fail state"), "show failover state");
        assert_eq!(expand("sh ver"), "show version");
        assert_eq!(expand("fail act"), "failover active");
        assert_eq!(expand("no fail act"), "no failover active");
        assert_eq!(expand("term pager 0"), "terminal pager 0");
    }
}
