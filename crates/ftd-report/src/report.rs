//! The report model: lanes (one per unit) and a table per pair, built from the modules'
//! journal and, in a rehearsal, ftd-sim's events. Rendered by [`crate::html`] and
//! [`markdown`].

use crate::journal::{self, Entry, StageSpan};
use ftd_device::ops::evidence::Evidence;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const STAGES: [&str; 6] = [
    "stage",
    "readiness",
    "install",
    "wait_reboot",
    "failover_swap",
    "verify",
];

pub struct Lane {
    /// `pair1/fw-1-a`
    pub unit: String,
    pub spans: Vec<StageSpan>,
    /// (down, back up) moments.
    pub reboots: Vec<(OffsetDateTime, Option<OffsetDateTime>)>,
    pub failures: Vec<(OffsetDateTime, String)>,
}

pub struct UnitReport {
    pub unit: String,
    pub version_before: String,
    pub version_after: String,
    pub state: String,
    pub spans: Vec<StageSpan>,
    pub failure: Option<String>,
    pub verified: bool,
    /// The unit's evidence before and after the change, and what differed beyond tolerance.
    pub evidence: Option<EvidencePair>,
    /// Each install this run started on the unit (one per hop of an upgrade path), in order.
    pub upgrades: Vec<UnitUpgrade>,
}

/// One install: its package, when it started and when the unit was back on it.
pub struct UnitUpgrade {
    pub package: String,
    pub started: OffsetDateTime,
    pub back: Option<OffsetDateTime>,
}

/// The unit's installs, from `upgrade started: ... <package>` to `wait_reboot`'s 100 %.
fn upgrades_of(mine: &[&Entry]) -> Vec<UnitUpgrade> {
    let mut out: Vec<UnitUpgrade> = Vec::new();
    for e in mine {
        let Some(t) = when(&e.time) else { continue };
        if e.stage == "install"
            && let Some(rest) = e.message.strip_prefix("upgrade started: ")
        {
            out.push(UnitUpgrade {
                package: rest.rsplit(' ').next().unwrap_or(rest).to_string(),
                started: t,
                back: None,
            });
        } else if e.stage == "wait_reboot"
            && e.percent == Some(100)
            && let Some(u) = out.last_mut().filter(|u| u.back.is_none())
        {
            u.back = Some(t);
        }
    }
    out
}

/// `HH:MM:SS` (UTC) of a journal time.
pub fn clock(t: OffsetDateTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

pub struct EvidencePair {
    pub before: Option<Evidence>,
    pub after: Option<Evidence>,
    pub differences: Vec<String>,
}

/// The last evidence of `phase` in the unit's journal lines.
fn evidence_of(mine: &[&Entry], phase: &str) -> Option<(Evidence, Vec<String>)> {
    mine.iter().rev().find_map(|e| {
        let d = e.data.as_ref()?;
        (d["phase"] == phase).then_some(())?;
        let ev: Evidence = serde_json::from_value(d["evidence"].clone()).ok()?;
        let diff = d["differences"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        Some((ev, diff))
    })
}

pub struct PairReport {
    pub pair: String,
    pub units: Vec<UnitReport>,
    pub traffic: String,
}

pub struct Report {
    pub start: Option<OffsetDateTime>,
    pub end: Option<OffsetDateTime>,
    pub lanes: Vec<Lane>,
    pub pairs: Vec<PairReport>,
    /// Moments the traffic was interrupted (swaps, takeovers), when the simulator says.
    pub traffic_gaps: Vec<(OffsetDateTime, String)>,
}

fn when(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// `... runs 7.2.2-54 (...` or `... on 7.2.7-500` → the version.
fn version_in(message: &str, marker: &str) -> Option<String> {
    let rest = &message[message.find(marker)? + marker.len()..];
    let v: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    (!v.is_empty()).then_some(v)
}

pub fn build(entries: &[Entry], sim_events: &[Value]) -> Report {
    let spans = journal::spans(entries);
    let times: Vec<OffsetDateTime> = entries.iter().filter_map(|e| when(&e.time)).collect();
    let summaries: BTreeMap<String, &Value> = sim_events
        .iter()
        .filter(|e| e["event"] == "summary")
        .map(|e| (format!("pair{}", e["pair"]), e))
        .collect();
    let mut lanes = Vec::new();
    let mut pairs: BTreeMap<String, PairReport> = BTreeMap::new();
    for (unit, unit_spans) in &spans {
        let mine: Vec<&Entry> = entries.iter().filter(|e| &e.unit == unit).collect();
        let mut reboots: Vec<(OffsetDateTime, Option<OffsetDateTime>)> = Vec::new();
        let mut failures = Vec::new();
        for e in &mine {
            let Some(t) = when(&e.time) else { continue };
            let m = e.message.as_str();
            if m.contains("it is rebooting") || m.starts_with("unit is down") {
                if reboots.last().is_none_or(|r| r.1.is_some()) {
                    reboots.push((t, None));
                }
            } else if m.starts_with("unit is back") {
                if let Some(r) = reboots.last_mut().filter(|r| r.1.is_none()) {
                    r.1 = Some(t);
                }
            } else if let Some(f) = m.strip_prefix("FAILED: ") {
                failures.push((t, f.to_string()));
            }
        }
        let (pair, name) = unit
            .split_once('/')
            .unwrap_or((unit.as_str(), unit.as_str()));
        let summary = summaries.get(pair);
        let from_sim = |key: &str| {
            summary
                .and_then(|s| s[key][name].as_str())
                .map(String::from)
        };
        let before = from_sim("versions_before")
            .or_else(|| mine.iter().find_map(|e| version_in(&e.message, " runs ")))
            .unwrap_or_else(|| "?".into());
        let after = from_sim("versions")
            .or_else(|| {
                mine.iter()
                    .rev()
                    .find_map(|e| version_in(&e.message, " on "))
            })
            .unwrap_or_else(|| before.clone());
        let report = UnitReport {
            unit: name.to_string(),
            version_before: before,
            version_after: after,
            state: from_sim("states").unwrap_or_else(|| "-".into()),
            spans: unit_spans.clone(),
            failure: failures.last().map(|f| f.1.clone()),
            verified: mine.iter().any(|e| e.message.starts_with("verified:")),
            upgrades: upgrades_of(&mine),
            evidence: {
                let before = evidence_of(&mine, "before").map(|b| b.0);
                let after = evidence_of(&mine, "after");
                (before.is_some() || after.is_some()).then(|| EvidencePair {
                    before,
                    differences: after.as_ref().map(|a| a.1.clone()).unwrap_or_default(),
                    after: after.map(|a| a.0),
                })
            },
        };
        let traffic = match summary {
            Some(s) => format!(
                "unplanned outage {} ms; {} deliberate swap(s), {} ms in all; installs on an Active unit: {}",
                s["outage_ms"], s["failovers"], s["swap_gap_ms"], s["installs_on_active"]
            ),
            None => traffic_from_events(sim_events, pair),
        };
        pairs
            .entry(pair.to_string())
            .or_insert_with(|| PairReport {
                pair: pair.to_string(),
                units: vec![],
                traffic,
            })
            .units
            .push(report);
        lanes.push(Lane {
            unit: unit.clone(),
            spans: unit_spans.clone(),
            reboots,
            failures,
        });
    }
    let traffic_gaps = sim_events
        .iter()
        .filter(|e| e["event"] == "failover" || e["event"] == "takeover")
        .filter_map(|e| {
            Some((
                when(e["time"].as_str()?)?,
                format!("{} on {}", e["event"].as_str()?, e["unit"].as_str()?),
            ))
        })
        .collect();
    Report {
        start: times.iter().min().copied(),
        end: times.iter().max().copied(),
        lanes,
        pairs: pairs.into_values().collect(),
        traffic_gaps,
    }
}

/// While the simulator runs (no summary yet), its events still tell the traffic story.
fn traffic_from_events(events: &[Value], pair: &str) -> String {
    let mine: Vec<&Value> = events
        .iter()
        .filter(|e| format!("pair{}", e["pair"]) == pair)
        .collect();
    if mine.is_empty() {
        return "not measured here (real devices: see the swap durations)".into();
    }
    let swaps: Vec<f64> = mine
        .iter()
        .filter(|e| e["event"] == "failover")
        .filter_map(|e| e["gap_ms"].as_f64())
        .collect();
    let takeovers = mine.iter().filter(|e| e["event"] == "takeover").count();
    let on_active = mine
        .iter()
        .filter(|e| e["event"] == "install_start" && e["state"] == "Active")
        .count();
    format!(
        "{} deliberate swap(s), {} ms in all; {takeovers} unplanned takeover(s); installs on an Active unit: {on_active}",
        swaps.len(),
        swaps.iter().sum::<f64>()
    )
}

/// `[unit, package, started, back]` of every install of the pair, in time order.
pub fn upgrade_rows(p: &PairReport) -> Vec<[String; 4]> {
    let mut rows: Vec<(OffsetDateTime, [String; 4])> = p
        .units
        .iter()
        .flat_map(|u| {
            u.upgrades.iter().map(|g| {
                (
                    g.started,
                    [
                        u.unit.clone(),
                        g.package.clone(),
                        clock(g.started),
                        g.back.map(clock).unwrap_or_else(|| "-".into()),
                    ],
                )
            })
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    rows.into_iter().map(|r| r.1).collect()
}

pub fn markdown(r: &Report) -> String {
    let mut s = String::from("# FTD HA upgrade report\n\n");
    for p in &r.pairs {
        let _ = writeln!(s, "## {}\n", p.pair);
        let _ = writeln!(
            s,
            "| unit | before | after | state | {} | outcome |",
            STAGES.map(|x| format!("{x} s")).join(" | ")
        );
        let _ = writeln!(s, "|{}", "---|".repeat(STAGES.len() + 5));
        for u in &p.units {
            let durations: Vec<String> = STAGES
                .iter()
                .map(|st| {
                    let d: f64 = u
                        .spans
                        .iter()
                        .filter(|x| x.stage == *st)
                        .map(StageSpan::seconds)
                        .sum();
                    if d > 0.0 {
                        format!("{d:.1}")
                    } else {
                        "-".into()
                    }
                })
                .collect();
            let outcome = u
                .failure
                .clone()
                .map(|f| format!("**FAILED**: {}", f.replace('|', "/")))
                .unwrap_or_else(|| {
                    if u.verified {
                        "verified".into()
                    } else {
                        "not verified".into()
                    }
                });
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                u.unit,
                u.version_before,
                u.version_after,
                u.state,
                durations.join(" | "),
                outcome
            );
        }
        let _ = writeln!(s, "\nTraffic: {}\n", p.traffic);
        let upgrades = upgrade_rows(p);
        if !upgrades.is_empty() {
            s.push_str("### Upgrades, one per hop (UTC)\n\n| unit | package | started | back on it |\n|---|---|---|---|\n");
            for [unit, package, started, back] in upgrades {
                let _ = writeln!(s, "| {unit} | {package} | {started} | {back} |");
            }
            s.push('\n');
        }
        let rows = crate::evidence::rows(p);
        if !rows.is_empty() {
            s.push_str("### Evidence before and after\n\n| unit | measure | before | after |\n|---|---|---|---|\n");
            for r in rows {
                let mark = if r.broken { " **(broken)**" } else { "" };
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {}{mark} |",
                    r.unit, r.measure, r.before, r.after
                );
            }
            for (unit, phase, command, text) in crate::evidence::raw(p) {
                let _ = writeln!(
                    s,
                    "\n<details><summary>{unit} {phase}: {command}</summary>\n\n```\n{}\n```\n</details>",
                    text.trim_end()
                );
            }
            s.push('\n');
        }
    }
    s
}

/// Entries of one run: at or after `since` (RFC 3339), all when None.
pub fn since(entries: Vec<Entry>, since: Option<&str>) -> Vec<Entry> {
    let Some(from) = since.and_then(when) else {
        return entries;
    };
    entries
        .into_iter()
        .filter(|e| when(&e.time).is_some_and(|t| t >= from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(time: &str, unit: &str, stage: &str, percent: Option<u8>, message: &str) -> Entry {
        Entry {
            time: time.into(),
            unit: unit.into(),
            stage: stage.into(),
            percent,
            message: message.into(),
            data: None,
        }
    }

    #[test]
    fn each_hop_of_a_path_is_an_upgrade_row_with_its_times() {
        let b = "pair1/fw-1-b";
        let entries = [
            entry(
                "2026-12-07T02:00:00Z",
                b,
                "install",
                Some(0),
                "upgrade started: install_update.pl --detach Cisco_FTD_Upgrade-7.0.6-236.sh.REL.tar",
            ),
            entry(
                "2026-12-07T02:40:00Z",
                b,
                "wait_reboot",
                Some(100),
                "unit is back on 7.0.6-236",
            ),
            entry(
                "2026-12-07T03:30:00Z",
                b,
                "install",
                Some(0),
                "upgrade started: install_update.pl --detach Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar",
            ),
        ];
        let report = build(&entries, &[]);
        let rows = upgrade_rows(&report.pairs[0]);
        assert_eq!(
            rows,
            [
                [
                    "fw-1-b".to_string(),
                    "Cisco_FTD_Upgrade-7.0.6-236.sh.REL.tar".into(),
                    "02:00:00".into(),
                    "02:40:00".into()
                ],
                [
                    "fw-1-b".to_string(),
                    "Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar".into(),
                    "03:30:00".into(),
                    "-".into()
                ],
            ]
        );
        assert!(
            markdown(&report)
                .contains("| fw-1-b | Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar | 03:30:00 | - |")
        );
    }
}
