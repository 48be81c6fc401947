//! The before/after evidence of a pair in the report: one row per measure and unit, with the
//! values before and after and whether the change broke it; the raw captures kept for the
//! reader. Shared by the HTML and Markdown renderers.

use crate::report::{PairReport, UnitReport};
use ftd_device::ops::evidence::Evidence;

pub struct Row {
    pub unit: String,
    pub measure: String,
    pub before: String,
    pub after: String,
    /// The difference is beyond tolerance (named by verify).
    pub broken: bool,
}

fn interface_state(e: &Evidence, name: &str) -> String {
    e.interfaces
        .iter()
        .find(|i| i.name == name)
        .map(|i| format!("{}/{}", i.status, i.protocol))
        .unwrap_or_else(|| "-".into())
}

fn count(v: Option<u64>) -> String {
    v.map_or("-".into(), |n| n.to_string())
}

fn unit_rows(u: &UnitReport) -> Vec<Row> {
    let Some(ev) = &u.evidence else { return vec![] };
    let empty = Evidence::from_raw(Default::default());
    let (b, a) = (
        ev.before.as_ref().unwrap_or(&empty),
        ev.after.as_ref().unwrap_or(&empty),
    );
    let named = |what: &str| ev.differences.iter().any(|d| d.contains(what));
    let mut names: Vec<&str> = b.interfaces.iter().map(|i| i.name.as_str()).collect();
    for i in &a.interfaces {
        if !names.contains(&i.name.as_str()) {
            names.push(&i.name);
        }
    }
    let mut rows: Vec<Row> = names
        .into_iter()
        .map(|n| Row {
            unit: u.unit.clone(),
            measure: format!("interface {n}"),
            before: interface_state(b, n),
            after: interface_state(a, n),
            broken: named(&format!("interface {n} ")),
        })
        .collect();
    for (measure, before, after, broken) in [
        ("routes", b.routes, a.routes, named("route count")),
        ("connections", b.connections, a.connections, false),
        ("translations", b.translations, a.translations, false),
    ] {
        rows.push(Row {
            unit: u.unit.clone(),
            measure: measure.into(),
            before: count(before),
            after: count(after),
            broken,
        });
    }
    rows
}

pub fn rows(p: &PairReport) -> Vec<Row> {
    p.units.iter().flat_map(unit_rows).collect()
}

/// (unit, phase, command, output) of every raw capture of the pair.
pub fn raw(p: &PairReport) -> Vec<(String, &'static str, String, String)> {
    let mut out = Vec::new();
    for u in &p.units {
        let Some(ev) = &u.evidence else { continue };
        for (phase, e) in [("before", &ev.before), ("after", &ev.after)] {
            for (command, text) in e.iter().flat_map(|e| e.raw.iter()) {
                out.push((u.unit.clone(), phase, command.clone(), text.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::journal::Entry;
    use serde_json::json;

    fn entry(time: &str, stage: &str, message: &str, data: serde_json::Value) -> Entry {
        Entry {
            time: time.into(),
            unit: "pair1/fw-1-b".into(),
            stage: stage.into(),
            percent: None,
            message: message.into(),
            data: Some(data),
        }
    }

    #[test]
    fn the_report_shows_before_after_and_the_broken_measure() {
        let brief = |status: &str| {
            format!("GigabitEthernet0/1 198.51.100.2 YES CONFIG {status} {status}\n")
        };
        let ev = |status: &str, total: &str| {
            json!({"raw": {"show interface ip brief": brief(status), "show route summary": format!("Total {total} 0\n")},
                   "interfaces": [{"name": "GigabitEthernet0/1", "address": "198.51.100.2", "status": status, "protocol": status}],
                   "routes": null, "connections": 1534, "translations": 212})
        };
        let entries = vec![
            entry(
                "2026-11-24T05:00:00Z",
                "evidence",
                "before",
                json!({"phase": "before", "evidence": ev("up", "3 12")}),
            ),
            entry(
                "2026-11-24T05:30:00Z",
                "verify",
                "after",
                json!({"phase": "after", "evidence": ev("down", "3 4"),
                "differences": ["interface GigabitEthernet0/1 went from up/up to down/down"]}),
            ),
        ];
        let model = crate::report::build(&entries, &[]);
        let md = crate::report::markdown(&model);
        assert!(
            md.contains(
                "| fw-1-b | interface GigabitEthernet0/1 | up/up | down/down **(broken)** |"
            ),
            "{md}"
        );
        assert!(
            md.contains("| fw-1-b | connections | 1534 | 1534 |"),
            "{md}"
        );
        assert!(
            md.contains("<summary>fw-1-b after: show interface ip brief</summary>"),
            "{md}"
        );
        let html = crate::html::render(&model);
        assert!(html.contains("<td class=\"failed\">down/down</td>"));
        assert!(html.contains("<details><summary>fw-1-b before: show route summary</summary><pre>Total 3 12 0</pre></details>"));
    }
}
