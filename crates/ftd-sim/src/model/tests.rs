//! The model without sockets: explicit device times, file contents checked against the
//! domain file's quotes (the client's parsers read them in `ftd-stages`' contract test).

use super::*;

fn sim(faults: &[&str]) -> Sim {
    let config = SimConfig {
        target_on_units: true,
        pairs: 1,
        from: Version::parse("7.2.2-54").unwrap(),
        to: Version::parse("7.2.7-500").unwrap(),
        hops: Vec::new(),
        fxos: None,
        model: texts::model("ftdv").unwrap(),
        faults: faults.iter().map(|f| f.parse().unwrap()).collect(),
        username: "admin".into(),
        password: "pw".into(),
        enable_password: String::new(),
        timing: Timing::default(),
        realism: realism::Realism::default(),
    };
    Sim::new(config, Clock::new(1.0))
}

/// The percent of every `TIMESTAMP:... PERCENT: N% MESSAGE:...` line.
fn percents(text: &str) -> Vec<u8> {
    text.lines()
        .filter_map(|l| l.split("PERCENT:").nth(1))
        .filter_map(|r| r.trim_start().split('%').next()?.parse().ok())
        .collect()
}

fn json(sim: &Sim, unit: usize, path: &str) -> serde_json::Value {
    serde_json::from_str(&file(sim, unit, path)).unwrap()
}

fn start(sim: &mut Sim, unit: usize, readiness: bool, now: f64) -> i32 {
    let mut args = vec!["--detach".to_string()];
    if readiness {
        args.push("--readiness-check".into());
    }
    args.push(format!("/ngfw/var/sf/updates/{}", sim.target_package));
    let (clock, timing) = (sim.clock, sim.timing);
    let (_, rc) = sim.pairs[0].units[unit].install_update(now, &clock, &timing, &args, "/", None);
    if rc == 0 {
        if readiness {
            sim.pairs[0].readiness_started(unit, now);
        } else {
            sim.pairs[0].upgrade_started(unit, now);
        }
    }
    rc
}

fn file(sim: &Sim, unit: usize, path: &str) -> String {
    sim.pairs[0].units[unit]
        .fs
        .text(path)
        .unwrap_or_default()
        .to_string()
}

#[test]
fn readiness_keeps_the_old_files_until_unpacked_then_writes_the_seed_scripts() {
    let mut s = sim(&[]);
    let p = s.target_package();
    // The default sim left a failed check of an earlier attempt on the secondary.
    let old = file(&s, 1, &p.readiness_status());
    assert!(old.contains(
        "Readiness Check failed. Error running script 000_start/410_check_disk_space.sh."
    ));
    assert_eq!(
        json(&s, 1, &p.readiness_json())["upgradeReadinessStatus"]["status"],
        "FAILED"
    );
    assert_eq!(start(&mut s, 1, true, 0.0), 0);
    s.advance_to(10.0);
    assert_eq!(
        file(&s, 1, &p.readiness_status()),
        old,
        "not replaced before unpacking"
    );
    s.advance_to(s.timing.unpack + 40.0);
    let partial = file(&s, 1, &p.readiness_status());
    assert!(
        !partial.contains("failed"),
        "the old lines are gone: {partial}"
    );
    assert!(partial.ends_with("MESSAGE:Running script 000_start/110_DB_integrity_check.sh...\n"));
    s.advance_to(s.timing.unpack + 60.0);
    let done = file(&s, 1, &p.readiness_status());
    let scripts: Vec<&str> = done
        .lines()
        .filter_map(|l| l.split("Running script ").nth(1))
        .map(|l| l.trim_end_matches("..."))
        .collect();
    let expected: Vec<_> = scripts::READINESS.iter().map(|r| r.0).collect();
    assert_eq!(scripts, expected);
    assert!(done.ends_with("PERCENT: 100% MESSAGE:Readiness Check completed successfully.\n"));
    assert!(
        file(&s, 1, &p.readiness_main_log()).contains("UPGRADE READINESS CHECK COMPLETE - PASS")
    );
    let status = json(&s, 1, &p.readiness_json());
    assert_eq!(status["upgradeReadinessStatus"]["status"], "COMPLETED");
    assert_eq!(
        status["upgradeReadinessStatus"]["detailedFailure"],
        serde_json::json!([])
    );
}

#[test]
fn readiness_failure_names_the_script() {
    let mut s = sim(&["1:primary:readiness-fail"]);
    let p = s.target_package();
    start(&mut s, 0, true, 0.0);
    s.advance_to(120.0);
    let failure = &json(&s, 0, &p.readiness_json())["upgradeReadinessStatus"]["detailedFailure"][0];
    assert_eq!(failure["name"], "000_start/410_check_disk_space.sh");
    assert_eq!(failure["message"], "Not enough disk space available");
    assert!(
        file(&s, 0, &p.readiness_main_log()).contains("UPGRADE READINESS CHECK COMPLETE - FAIL")
    );
}

#[test]
fn install_reboots_late_announces_it_and_returns_gradually() {
    let mut s = sim(&[]);
    let t = s.timing;
    let p = s.target_package();
    assert_eq!(start(&mut s, 1, false, 0.0), 0);
    assert_eq!(
        start(&mut s, 1, false, 1.0),
        1,
        "a second install is refused while one runs"
    );
    s.advance_to(t.unpack - 1.0);
    assert!(
        file(&s, 1, &p.status_log()).contains("Fatal error:  Error running script"),
        "the earlier attempt's status.log stays until the bundle is unpacked"
    );
    s.advance_to(t.unpack + 900.0);
    let steps = percents(&file(&s, 1, &p.upgrade_status_log()));
    assert!(steps.len() > 10 && steps.windows(2).all(|w| w[0] <= w[1]));
    let status_log = file(&s, 1, &p.status_log());
    assert!(!status_log.contains("Fatal error"));
    assert!(
        status_log.ends_with("...\r\n"),
        "status.log lines end in CRLF"
    );

    let end = t.unpack + t.install;
    assert!(s.advance_to(end).is_empty(), "announced, not down");
    assert!(file(&s, 1, &p.status_log()).ends_with("System will now reboot.\r\n"));
    assert!(file(&s, 1, &p.main_upgrade_log()).contains("MAIN_UPGRADE_SCRIPT_END"));
    assert!(s.pairs[0].units[1].is_up() && s.pairs[0].units[1].installer_running());
    assert_eq!(s.pairs[0].units[1].version.to_string(), "7.2.2-54");
    let boot_before = file(&s, 1, crate::device::BOOT_ID);

    s.advance_to(end + t.reboot_delay);
    let wall = s.drain_prints(end + t.reboot_delay);
    assert_eq!(wall.len(), 1);
    assert_eq!(wall[0].2, None, "to every session");
    assert!(
        wall[0]
            .3
            .starts_with("\n\nBroadcast message from root@fw-1-b (console) (")
    );
    assert!(
        wall[0]
            .3
            .ends_with("):\n\nThe system is going down for reboot NOW!\n")
    );
    assert_eq!(
        s.advance_to(end + t.reboot_delay + 2.0),
        vec![Notice::GoingDown { pair: 1, unit: 1 }]
    );
    assert_eq!(s.pairs[0].peer_state_seen(0), "Failed");

    let up = end + t.reboot_delay + 2.0 + t.boot;
    assert_eq!(s.advance_to(up), vec![Notice::Up { pair: 1, unit: 1 }]);
    assert_eq!(s.pairs[0].units[1].version.to_string(), "7.2.7-500");
    assert_ne!(file(&s, 1, crate::device::BOOT_ID), boot_before);
    assert!(!s.pairs[0].units[1].lina_ready(up + 1.0));
    let st = json(&s, 1, &p.upgrade_status_json());
    assert_eq!(
        st["upgradeStatus"]["subState"],
        "POST_UPGRADE_VALIDATION_IN_PROGRESS"
    );
    let mut seen = vec![];
    let mut at = up;
    while s.pairs[0].units[1].ha_state != "Standby Ready" && at < up + 2000.0 {
        at += 5.0;
        s.advance_to(at);
        let state = s.pairs[0].units[1].ha_state.clone();
        if seen.last() != Some(&state) {
            seen.push(state);
        }
    }
    assert_eq!(
        seen,
        [
            "Negotiation",
            "Sync Config",
            "Bulk Sync",
            "Disabled",
            "Standby Ready"
        ],
        "the walk back, with HA briefly suspended after validation"
    );
    let st = json(&s, 1, &p.upgrade_status_json());
    assert_eq!(
        st["upgradeStatus"]["status"], "COMPLETED",
        "the FDM schema's word"
    );
    assert_eq!(
        st["upgradeStatus"]["subState"],
        "POST_UPGRADE_VALIDATION_COMPLETED"
    );
    assert_eq!(s.pairs[0].config_sync(1), "Sync Skipped - STANDBY");
    let stats = &s.pairs[0].stats;
    assert_eq!((stats.outage_ms, stats.installs_on_active), (0.0, 0));
}

#[test]
fn double_reboot_goes_down_twice() {
    let mut s = sim(&["1:secondary:double-reboot"]);
    let t = s.timing;
    start(&mut s, 1, false, 0.0);
    let mut downs = 0;
    let mut at = 0.0;
    while at < 6000.0 {
        at += 1.0;
        downs += s
            .advance_to(at)
            .iter()
            .filter(|n| matches!(n, Notice::GoingDown { .. }))
            .count();
    }
    assert_eq!(downs, 2);
    assert_eq!(s.pairs[0].units[1].ha_state, "Standby Ready");
    assert!(t.boot > 0.0);
}

#[test]
fn takeover_on_a_command_makes_the_standby_active_at_once() {
    let mut s = sim(&["1:secondary:takeover-on=md5sum"]);
    s.pairs[0].typed(1, "show failover state", 1.0);
    assert_eq!(s.pairs[0].units[1].ha_state, "Standby Ready");
    s.pairs[0].typed(1, "md5sum /ngfw/var/sf/updates/x", 2.0);
    assert_eq!(s.pairs[0].units[1].ha_state, "Active");
    assert_eq!(s.pairs[0].units[0].ha_state, "Failed");
    assert_eq!(s.pairs[0].stats.unplanned_failovers, 1);
}

#[test]
fn torn_status_json_right_after_a_rewrite() {
    let mut s = sim(&["1:primary:torn-json"]);
    let t = s.timing;
    let text = "{\"upgradeStatus\": {\"status\": \"IN_PROGRESS\"}}\n";
    let unit = &mut s.pairs[0].units[0];
    let reads: Vec<String> = (0..4)
        .map(|_| unit.read_status_json(text, 100.0, &t))
        .collect();
    assert_eq!(reads.iter().filter(|r| r.as_str() == text).count(), 2);
    assert!(
        reads
            .iter()
            .any(|r| serde_json::from_str::<serde_json::Value>(r).is_err())
    );
    let mut s = sim(&[]);
    let unit = &mut s.pairs[0].units[0];
    unit.json_rewritten_at = 50.0;
    assert_ne!(
        unit.read_status_json(text, 50.2, &t),
        text,
        "inside the write window"
    );
    assert_eq!(unit.read_status_json(text, 52.0, &t), text);
}

#[test]
fn failover_only_from_standby_ready_to_an_active_peer() {
    let mut s = sim(&[]);
    let t = s.timing;
    assert!(s.pairs[0].failover_active(1, 0.0, &t).is_ok());
    assert_eq!(
        (
            s.pairs[0].units[1].ha_state.as_str(),
            s.pairs[0].units[0].ha_state.as_str()
        ),
        ("Active", "Standby Ready")
    );
    assert_eq!(s.pairs[0].stats.failovers, 1);
    assert_eq!(s.pairs[0].stats.swap_gap_ms, 2000.0);
    s.pairs[0].units[0].ha_state = "Cold Standby".into();
    assert!(s.pairs[0].failover_active(0, 1.0, &t).is_err());
    assert_eq!(s.pairs[0].stats.failovers, 1);
}

#[test]
fn failover_refused_fault() {
    let mut s = sim(&["1:secondary:failover-refused"]);
    let t = s.timing;
    assert!(s.pairs[0].failover_active(1, 0.0, &t).is_err());
    assert_eq!(s.pairs[0].units[0].ha_state, "Active");
}

#[test]
fn active_unit_reboot_is_an_outage_until_the_holdtime() {
    let mut s = sim(&[]);
    start(&mut s, 0, false, 0.0);
    assert_eq!(s.pairs[0].stats.installs_on_active, 1);
    let t = s.timing;
    let down = t.unpack + t.install + t.reboot_delay + 2.0;
    for at in [down - 1.0, down, down + 10.0] {
        s.advance_to(at);
    }
    assert_eq!(
        s.pairs[0].units[1].ha_state, "Standby Ready",
        "not before the holdtime"
    );
    s.advance_to(down + 16.0);
    assert_eq!(s.pairs[0].units[1].ha_state, "Active");
    assert_eq!(s.pairs[0].stats.outage_ms, 15000.0);
    assert_eq!(s.pairs[0].stats.unplanned_failovers, 1);
    s.advance_to(down + 600.0);
    s.advance_to(down + 1400.0);
    assert_eq!(
        s.pairs[0].units[0].ha_state, "Standby Ready",
        "the old active returns as standby"
    );
}

#[test]
fn install_failure_at_the_named_script() {
    let mut s = sim(&["1:secondary:install-fail=200_pre/200_enable_maintenance_mode.pl"]);
    let p = s.target_package();
    start(&mut s, 1, false, 0.0);
    s.advance_to(1800.0);
    let st = json(&s, 1, &p.upgrade_status_json());
    assert_eq!(st["upgradeStatus"]["status"], "FAILED");
    assert_eq!(
        st["upgradeStatus"]["failedScript"][0],
        "200_pre/200_enable_maintenance_mode.pl"
    );
    assert!(file(&s, 1, &p.status_log()).ends_with(
        "Fatal error:  Error running script 200_pre/200_enable_maintenance_mode.pl.\r\n"
    ));
    assert!(s.pairs[0].units[1].is_up());
    assert_eq!(s.pairs[0].units[1].version.to_string(), "7.2.2-54");
}

#[test]
fn corrupt_package_fails_signature_verification() {
    let mut s = sim(&["1:secondary:package-corrupt"]);
    let p = s.target_package();
    start(&mut s, 1, false, 0.0);
    s.advance_to(1800.0);
    let st = json(&s, 1, &p.upgrade_status_json());
    assert_eq!(
        st["upgradeStatus"]["failedScript"][0],
        scripts::VERIFY_BUNDLE
    );
    assert!(file(&s, 1, &p.main_upgrade_log()).contains("not a signed"));
}

#[test]
fn rollback_comes_back_on_the_old_version_and_hang_never_returns() {
    let mut s = sim(&["1:secondary:rollback", "1:primary:reboot-hang"]);
    let p = s.target_package();
    start(&mut s, 1, false, 0.0);
    for at in [1900.0, 1900.0 + 45.0, 1900.0 + 50.0, 3000.0] {
        s.advance_to(at);
    }
    assert_eq!(s.pairs[0].units[1].version.to_string(), "7.2.2-54");
    let st = json(&s, 1, &p.upgrade_status_json());
    assert_eq!(st["upgradeStatus"]["status"], "FAILED");
    start(&mut s, 0, false, 3000.0);
    for at in [5000.0, 5100.0] {
        s.advance_to(at);
    }
    s.advance_to(100_000.0);
    assert!(!s.pairs[0].units[0].is_up());
}

#[test]
fn missing_package_and_preexisting_upgrade() {
    let mut s = sim(&["1:secondary:package-missing", "1:primary:upgrade-running"]);
    assert_eq!(start(&mut s, 1, false, 0.0), 1);
    assert!(s.pairs[0].units[0].upgrade.is_some());
}

#[test]
fn clearing_faults_lets_a_hung_unit_boot() {
    let mut s = sim(&["1:secondary:reboot-hang"]);
    start(&mut s, 1, false, 0.0);
    for at in [1900.0, 1950.0, 5000.0] {
        s.advance_to(at);
    }
    assert!(!s.pairs[0].units[1].is_up());
    s.clear_faults(5000.0);
    s.advance_to(5000.0 + 601.0);
    assert!(s.pairs[0].units[1].is_up());
    assert_eq!(s.pairs[0].units[1].version.to_string(), "7.2.7-500");
}

#[test]
fn clearing_faults_copies_a_missing_or_damaged_package_again() {
    let mut s = sim(&["1:secondary:package-missing", "1:primary:package-corrupt"]);
    s.clear_faults(10.0);
    assert_eq!(start(&mut s, 1, false, 10.0), 0);
    let path = format!("{}/{}", device::UPDATES_DIR, s.target_package);
    assert!(matches!(
        s.pairs[0].units[0].fs.get(&path),
        Some(fs::File::Package { signed: true, .. })
    ));
}
