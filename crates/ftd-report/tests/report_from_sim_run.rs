//! The report from the journal and events of a real ftd-sim run of the upgrade playbook
//! (golden data in tests/fixtures, recorded by `make demo`).

use ftd_report::{html, journal, report};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn model() -> report::Report {
    let entries = journal::read(&fixture("journal-sim-run.jsonl"));
    let events: Vec<serde_json::Value> = fixture("events-sim-run.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    report::build(&entries, &events)
}

#[test]
fn lanes_stages_reboots_and_swaps() {
    let r = model();
    assert_eq!(r.lanes.len(), 2);
    for lane in &r.lanes {
        let stages: Vec<&str> = lane.spans.iter().map(|s| s.stage.as_str()).collect();
        for s in report::STAGES {
            assert!(stages.contains(&s), "{} lacks {s}: {stages:?}", lane.unit);
        }
        assert_eq!(lane.reboots.len(), 1, "{}", lane.unit);
        assert!(lane.reboots[0].1.is_some(), "the unit came back");
        assert!(lane.failures.is_empty());
    }
    assert_eq!(r.traffic_gaps.len(), 2, "two deliberate swaps");
    let pair = &r.pairs[0];
    assert_eq!(
        pair.units
            .iter()
            .map(|u| (
                u.version_before.as_str(),
                u.version_after.as_str(),
                u.verified
            ))
            .collect::<Vec<_>>(),
        vec![
            ("7.2.2-54", "7.2.7-500", true),
            ("7.2.2-54", "7.2.7-500", true)
        ]
    );
    assert!(
        pair.traffic.contains("installs on an Active unit: 0"),
        "{}",
        pair.traffic
    );
}

#[test]
fn html_is_self_contained_with_the_timeline() {
    let page = html::render(&model());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("class=\"lane\"").count(), 2);
    assert!(page.matches("class=\"bar\"").count() >= 10);
    assert_eq!(page.matches("class=\"reboot\"").count(), 2);
    assert_eq!(page.matches("class=\"gap\"").count(), 2);
    for external in ["http://", "https://", "<script", "<link"] {
        let outside_svg_ns = page.replace("http://www.w3.org/2000/svg", "");
        assert!(
            !outside_svg_ns.contains(external),
            "external asset: {external}"
        );
    }
    let md = report::markdown(&model());
    assert!(md.contains("| fw-1-a | 7.2.2-54 | 7.2.7-500 |"), "{md}");
}
