//! Before/after evidence of a change (issue 13): read-only LINA captures of each unit, and
//! what changed between two of them beyond a tolerance: an interface that went from up to
//! down, a route count that fell by more than the tolerance.

use super::OpError;
use crate::parse::evidence::{self, InterfaceLine};
use crate::session::CliSession;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What is captured, in this order. Read-only.
pub const COMMANDS: [&str; 6] = [
    "show version",
    "show failover",
    "show interface ip brief",
    "show route summary",
    "show conn count",
    "show xlate count",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The raw output of each command.
    pub raw: BTreeMap<String, String>,
    pub interfaces: Vec<InterfaceLine>,
    pub routes: Option<u64>,
    pub connections: Option<u64>,
    pub translations: Option<u64>,
}

impl Evidence {
    pub fn from_raw(raw: BTreeMap<String, String>) -> Self {
        let get = |c: &str| raw.get(c).map(String::as_str).unwrap_or_default();
        Evidence {
            interfaces: evidence::interfaces(get("show interface ip brief")),
            routes: evidence::route_total(get("show route summary")),
            connections: evidence::in_use(get("show conn count")),
            translations: evidence::in_use(get("show xlate count")),
            raw,
        }
    }

    /// `4 interfaces up of 4, 15 routes, 1534 connections, 212 translations`.
    pub fn summary(&self) -> String {
        let up = self.interfaces.iter().filter(|i| i.is_up()).count();
        let n = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
        format!(
            "{up} interfaces up of {}, {} routes, {} connections, {} translations",
            self.interfaces.len(),
            n(self.routes),
            n(self.connections),
            n(self.translations)
        )
    }
}

pub async fn capture(s: &mut CliSession) -> Result<Evidence, OpError> {
    let mut raw = BTreeMap::new();
    for command in COMMANDS {
        raw.insert(command.to_string(), s.lina(command).await?);
    }
    Ok(Evidence::from_raw(raw))
}

/// Differences beyond tolerance, each named for the message.
pub fn differences(before: &Evidence, after: &Evidence, tolerance_percent: f64) -> Vec<String> {
    let mut out = Vec::new();
    for b in before.interfaces.iter().filter(|i| i.is_up()) {
        match after.interfaces.iter().find(|a| a.name == b.name) {
            Some(a) if a.is_up() => {}
            Some(a) => out.push(format!(
                "interface {} went from up/up to {}/{}",
                b.name, a.status, a.protocol
            )),
            None => out.push(format!("interface {} is gone", b.name)),
        }
    }
    if let (Some(b), Some(a)) = (before.routes, after.routes)
        && b > 0
        && (a as f64) < b as f64 * (1.0 - tolerance_percent / 100.0)
    {
        out.push(format!(
            "the route count fell from {b} to {a} ({:.0}%, more than the {tolerance_percent}% tolerated)",
            (b - a.min(b)) as f64 * 100.0 / b as f64
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(brief: &str, total: &str) -> Evidence {
        let mut raw = BTreeMap::new();
        raw.insert("show interface ip brief".into(), brief.into());
        raw.insert("show route summary".into(), format!("Total {total} 0\n"));
        Evidence::from_raw(raw)
    }

    #[test]
    fn an_interface_down_and_lost_routes_are_named() {
        let up = "GigabitEthernet0/0 203.0.113.1 YES CONFIG up up\nGigabitEthernet0/1 198.51.100.1 YES CONFIG up up\n";
        let one_down = "GigabitEthernet0/0 203.0.113.1 YES CONFIG up up\nGigabitEthernet0/1 198.51.100.1 YES CONFIG down down\n";
        let before = ev(up, "3 12");
        assert!(
            differences(&before, &ev(up, "3 11"), 10.0).is_empty(),
            "within tolerance"
        );
        let d = differences(&before, &ev(one_down, "3 3"), 10.0);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].contains("GigabitEthernet0/1 went from up/up to down/down"));
        assert!(d[1].contains("fell from 15 to 6 (60%"));
    }
}
