//! `show failover` (the long form): configured unit, LINA versions, both hosts' state and
//! the FTD slots (`snort`, `diskstatus`) whose `status (up)` matters.

use super::state::FailoverState;
use super::{ParseError, normalize};
use once_cell::sync::Lazy;
use regex::Regex;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct HostDetail {
    pub role: String,
    pub state: FailoverState,
    pub slots: Vec<Slot>,
}

impl HostDetail {
    /// The FTD slots that must be up on a healthy unit; a missing slot counts as not up.
    pub fn ftd_slots_up(&self) -> bool {
        ["snort", "diskstatus"].iter().all(|name| {
            self.slots
                .iter()
                .any(|s| s.name == *name && s.status == "up")
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowFailover {
    pub enabled: bool,
    /// `Failover unit Primary|Secondary`: the configured role.
    pub unit: String,
    pub lina_version_ours: Option<String>,
    pub lina_version_mate: Option<String>,
    pub holdtime_seconds: Option<u32>,
    pub this_host: HostDetail,
    pub other_host: HostDetail,
}

static ON_OFF: Lazy<Regex> = Lazy::new(|| Regex::new(r"(?m)^\s*Failover (On|Off)\s*$").unwrap());
static UNIT: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?m)^\s*Failover unit (Primary|Secondary)\s*$").unwrap());
static VERSION: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?m)^\s*Version:\s*Ours\s+([^,\s]+),\s*Mate\s+(\S+)").unwrap());
static HOLDTIME: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"Unit Poll frequency .*?holdtime (\d+) seconds").unwrap());
static HOST: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?m)^\s*(This|Other) host:\s*(Primary|Secondary)\s*-\s*(.+?)\s*$").unwrap()
});
static SLOT: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?m)^\s*slot \d+:\s*(\S+) .*?status \(([^)]*)\)").unwrap());

pub fn parse(text: &str) -> Result<ShowFailover, ParseError> {
    let text = normalize(text);
    let err = || ParseError::new("show failover", &text);
    let enabled = ON_OFF.captures(&text).ok_or_else(err)?[1].eq("On");
    let unit = UNIT
        .captures(&text)
        .map(|c| c[1].to_string())
        .unwrap_or_default();
    let (ours, mate) = match VERSION.captures(&text) {
        Some(c) => (Some(c[1].to_string()), Some(c[2].to_string())),
        None => (None, None),
    };
    let mut this_host = HostDetail::default();
    let mut other_host = HostDetail::default();
    let hosts: Vec<_> = HOST.captures_iter(&text).collect();
    if enabled && hosts.len() < 2 {
        return Err(err());
    }
    for (i, c) in hosts.iter().enumerate() {
        let start = c.get(0).unwrap().end();
        let end = hosts
            .get(i + 1)
            .map_or(text.len(), |n| n.get(0).unwrap().start());
        let detail = HostDetail {
            role: c[2].to_string(),
            state: FailoverState::from_text(&c[3]),
            slots: SLOT
                .captures_iter(&text[start..end])
                .map(|s| Slot {
                    name: s[1].to_string(),
                    status: s[2].trim().to_string(),
                })
                .collect(),
        };
        if &c[1] == "This" {
            this_host = detail;
        } else {
            other_host = detail;
        }
    }
    Ok(ShowFailover {
        enabled,
        unit,
        lina_version_ours: ours,
        lina_version_mate: mate,
        holdtime_seconds: HOLDTIME.captures(&text).and_then(|c| c[1].parse().ok()),
        this_host,
        other_host,
    })
}
