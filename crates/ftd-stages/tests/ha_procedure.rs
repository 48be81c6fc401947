//! The whole HA upgrade, module by module, as the seed procedure does it by hand: standby
//! first, swap, then the former active, swap back, verify. The sim must record no outage
//! beyond the deliberate swaps and no install on an Active unit.

mod common;

use common::*;
use serde_json::json;

fn upgrade_unit(h: &Harness, unit: usize) {
    let r = Call::readiness().fast().package(PACKAGE).on(h, unit);
    assert_eq!(r["passed"], true, "readiness: {r}");
    let r = Call::install()
        .fast()
        .package(PACKAGE)
        .args(json!({"target_version": TARGET}))
        .on(h, unit);
    assert_eq!(
        (r["plan"].as_str(), r["rebooting"].as_bool()),
        (Some("start"), Some(true)),
        "install: {r}"
    );
    let r = Call::wait_reboot()
        .fast()
        .package(PACKAGE)
        .args(json!({"target_version": TARGET, "already_down": true}))
        .on(h, unit);
    assert_eq!(r["failed"], false, "wait_reboot: {r}");
    assert_eq!(
        (r["unit"]["version"].as_str(), r["unit"]["state"].as_str()),
        (Some(TARGET), Some("Standby Ready"))
    );
    assert!(r["downtime"].as_f64().unwrap() > 0.0);
}

fn swap_to(h: &Harness, unit: usize) {
    let r = Call::failover_swap()
        .fast()
        .args(json!({"require_version": TARGET}))
        .on(h, unit);
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
        let r = Call::verify()
            .package(PACKAGE)
            .args(json!({"target_version": TARGET, "expected_active": "primary"}))
            .on(&h, unit);
        assert_eq!(r["failed"], false, "verify: {r}");
    }
    // Idempotence: a second pass changes nothing.
    for unit in [0, 1] {
        let r = Call::install().fast().package(PACKAGE).on(&h, unit);
        assert_eq!(
            (r["changed"].as_bool(), r["plan"].as_str()),
            (Some(false), Some("already_on_target")),
            "{r}"
        );
    }
    let r = Call::failover_swap().fast().on(&h, 0);
    assert_eq!(r["changed"], false);

    let sim = h.sim.running.sim.lock().unwrap();
    let summary = &sim.summary()[0];
    assert_eq!(summary["installs_on_active"], 0);
    assert_eq!(summary["installs"], 2);
    assert_eq!(summary["outage_ms"], 0.0, "{summary}");
    assert_eq!(summary["failovers"], 2);
}
