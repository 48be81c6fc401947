//! The whole HA upgrade, module by module, as the seed procedure does it by hand: standby
//! first, swap, then the former active, swap back, verify. The sim must record no outage
//! beyond the deliberate swaps and no install on an Active unit.

mod common;

use common::*;
use ftd_stages::{failover_swap, install, readiness, verify, wait_reboot};
use serde_json::json;

fn upgrade_unit(h: &Harness, unit: usize) {
    let r = run(
        &readiness::INFO,
        readiness::run,
        h.conn(unit),
        with(fast(), json!({"package": PACKAGE})),
    );
    assert_eq!(r["passed"], true, "readiness: {r}");
    let r = run(
        &install::INFO,
        install::run,
        h.conn(unit),
        with(
            fast(),
            json!({"package": PACKAGE, "target_version": TARGET}),
        ),
    );
    assert_eq!(
        (r["plan"].as_str(), r["rebooting"].as_bool()),
        (Some("start"), Some(true)),
        "install: {r}"
    );
    let r = run(
        &wait_reboot::INFO,
        wait_reboot::run,
        h.conn(unit),
        with(
            fast(),
            json!({"target_version": TARGET, "package": PACKAGE, "already_down": true}),
        ),
    );
    assert_eq!(r["failed"], false, "wait_reboot: {r}");
    assert_eq!(
        (r["unit"]["version"].as_str(), r["unit"]["state"].as_str()),
        (Some(TARGET), Some("Standby Ready"))
    );
    assert!(r["downtime"].as_f64().unwrap() > 0.0);
}

fn swap_to(h: &Harness, unit: usize) {
    let r = run(
        &failover_swap::INFO,
        failover_swap::run,
        h.conn(unit),
        with(fast(), json!({"require_version": TARGET})),
    );
    assert_eq!(
        (r["changed"].as_bool(), r["unit"]["state"].as_str()),
        (Some(true), Some("Active")),
        "swap: {r}"
    );
}

#[test]
fn standby_first_swap_then_the_other_unit() {
    let h = Harness::new(&[]);
    upgrade_unit(&h, 1);
    assert_eq!(
        h.sim_state(0),
        ("7.2.2-54".into(), "Active".into()),
        "the active unit is untouched"
    );
    swap_to(&h, 1);
    upgrade_unit(&h, 0);
    swap_to(&h, 0);
    for unit in [0, 1] {
        let r = run(
            &verify::INFO,
            verify::run,
            h.conn(unit),
            json!({"target_version": TARGET, "expected_active": "primary", "package": PACKAGE}),
        );
        assert_eq!(r["failed"], false, "verify: {r}");
    }
    // Idempotence: a second pass changes nothing.
    for unit in [0, 1] {
        let r = run(
            &install::INFO,
            install::run,
            h.conn(unit),
            with(fast(), json!({"package": PACKAGE})),
        );
        assert_eq!(
            (r["changed"].as_bool(), r["plan"].as_str()),
            (Some(false), Some("already_on_target")),
            "{r}"
        );
    }
    let r = run(&failover_swap::INFO, failover_swap::run, h.conn(0), fast());
    assert_eq!(r["changed"], false);

    let sim = h.sim.running.sim.lock().unwrap();
    let summary = &sim.summary()[0];
    assert_eq!(summary["installs_on_active"], 0);
    assert_eq!(summary["installs"], 2);
    assert_eq!(summary["outage_ms"], 0.0, "{summary}");
    assert_eq!(summary["failovers"], 2);
}
