//! The model without sockets: explicit device times, real file contents read back with the
//! modules' own parsers.

use super::*;
use ftd_device::parse::status_files::{self, Outcome, StatusLog};

fn sim(faults: &[&str]) -> Sim {
    let config = SimConfig {
        pairs: 1,
        from: Version::parse("7.2.2-54").unwrap(),
        to: Version::parse("7.2.7-500").unwrap(),
        model: texts::model("ftdv").unwrap(),
        faults: faults.iter().map(|f| f.parse().unwrap()).collect(),
        username: "admin".into(),
        password: "pw".into(),
        enable_password: String::new(),
        timing: Timing::default(),
    };
    Sim::new(config, Clock::new(1.0))
}

fn start(sim: &mut Sim, unit: usize, readiness: bool, now: f64) -> i32 {
    let mut args = vec!["--detach".to_string()];
    if readiness {
        args.push("--readiness-check".into());
    }
    args.push(format!("/ngfw/var/sf/updates/{}", sim.target_package));
    let clock = sim.clock;
    let (_, rc) = sim.pairs[0].units[unit].install_update(now, &clock, &args, "/");
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
fn readiness_writes_the_seed_scripts_line_by_line() {
    let mut s = sim(&[]);
    let p = s.target_package();
    assert_eq!(start(&mut s, 1, true, 0.0), 0);
    s.advance_to(40.0);
    let partial =
        status_files::readiness_progress(&file(&s, 1, &paths::readiness_status(&p)), None).unwrap();
    assert_eq!(partial.outcome, Outcome::Running);
    assert_eq!(
        partial.current_script.as_deref(),
        Some("000_start/110_DB_integrity_check.sh")
    );
    s.advance_to(60.0);
    let json = file(&s, 1, &paths::readiness_json(&p));
    let done =
        status_files::readiness_progress(&file(&s, 1, &paths::readiness_status(&p)), Some(&json))
            .unwrap();
    assert_eq!(done.outcome, Outcome::Passed);
    let scripts: Vec<_> = done
        .steps
        .iter()
        .filter_map(|s| s.script.as_deref())
        .collect();
    let expected: Vec<_> = scripts::READINESS.iter().map(|r| r.0).collect();
    assert_eq!(scripts, expected);
    assert!(
        file(
            &s,
            1,
            &format!("{}/main_upgrade_script.log", paths::readiness_dir(&p))
        )
        .contains("UPGRADE READINESS CHECK COMPLETE - PASS")
    );
}

#[test]
fn readiness_failure_names_the_script() {
    let mut s = sim(&["1:secondary:readiness-fail"]);
    let p = s.target_package();
    start(&mut s, 1, true, 0.0);
    s.advance_to(120.0);
    let json = file(&s, 1, &paths::readiness_json(&p));
    let r =
        status_files::readiness_progress(&file(&s, 1, &paths::readiness_status(&p)), Some(&json))
            .unwrap();
    assert_eq!(
        r.outcome,
        Outcome::Failed {
            script: Some("000_start/410_check_disk_space.sh".into()),
            message: "Not enough disk space available".into()
        }
    );
}

#[test]
fn install_reboot_return_and_validation_on_the_standby() {
    let mut s = sim(&[]);
    let p = s.target_package();
    assert_eq!(start(&mut s, 1, false, 0.0), 0);
    assert_eq!(
        start(&mut s, 1, false, 1.0),
        1,
        "a second install is refused while one runs"
    );
    s.advance_to(900.0);
    let steps = status_files::parse_steps(&file(&s, 1, &paths::upgrade_status_log(&p))).unwrap();
    assert!(steps.len() > 10 && steps.windows(2).all(|w| w[0].percent <= w[1].percent));
    assert_eq!(
        steps[0].script.as_deref(),
        Some("000_start/000_00_run_cli_kick_start.sh")
    );
    assert_eq!(
        status_files::status_log(&file(&s, 1, &paths::status_log(&p))),
        StatusLog::Running
    );

    let notices = s.advance_to(1800.0);
    assert_eq!(notices, vec![Notice::GoingDown { pair: 1, unit: 1 }]);
    assert_eq!(
        status_files::status_log(&file(&s, 1, &paths::status_log(&p))),
        StatusLog::Rebooting
    );
    assert!(file(&s, 1, &paths::main_upgrade_log(&p)).contains("MAIN_UPGRADE_SCRIPT_END"));
    assert_eq!(s.pairs[0].peer_state_seen(0), "Failed");

    assert_eq!(s.advance_to(2400.0), vec![Notice::Up { pair: 1, unit: 1 }]);
    assert_eq!(s.pairs[0].units[1].version.to_string(), "7.2.7-500");
    let st =
        status_files::upgrade_status_json(&file(&s, 1, &paths::upgrade_status_json(&p))).unwrap();
    assert!(!st.validated(), "validation runs after the boot");
    assert_ne!(s.pairs[0].units[1].ha_state, "Standby Ready");

    s.advance_to(2700.0);
    let st =
        status_files::upgrade_status_json(&file(&s, 1, &paths::upgrade_status_json(&p))).unwrap();
    assert!(st.validated());
    assert_eq!(s.pairs[0].units[1].ha_state, "Standby Ready");
    assert_eq!(s.pairs[0].config_sync(1), "Sync Skipped - STANDBY");
    assert_eq!(s.pairs[0].config_sync(0), "Sync Skipped");
    let stats = &s.pairs[0].stats;
    assert_eq!((stats.outage_ms, stats.installs_on_active), (0.0, 0));
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
    s.advance_to(1800.0);
    assert_eq!(
        s.pairs[0].units[1].ha_state, "Standby Ready",
        "not before the holdtime"
    );
    s.advance_to(1816.0);
    assert_eq!(s.pairs[0].units[1].ha_state, "Active");
    assert_eq!(s.pairs[0].stats.outage_ms, 15000.0);
    assert_eq!(s.pairs[0].stats.unplanned_failovers, 1);
    s.advance_to(2800.0);
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
    let st =
        status_files::upgrade_status_json(&file(&s, 1, &paths::upgrade_status_json(&p))).unwrap();
    assert!(st.failed());
    assert_eq!(
        st.failed_script.as_deref(),
        Some("200_pre/200_enable_maintenance_mode.pl")
    );
    assert!(matches!(
        status_files::status_log(&file(&s, 1, &paths::status_log(&p))),
        StatusLog::Fatal { .. }
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
    let st =
        status_files::upgrade_status_json(&file(&s, 1, &paths::upgrade_status_json(&p))).unwrap();
    assert_eq!(st.failed_script.as_deref(), Some(scripts::VERIFY_BUNDLE));
    assert!(file(&s, 1, &paths::main_upgrade_log(&p)).contains("not a signed"));
}

#[test]
fn rollback_comes_back_on_the_old_version_and_hang_never_returns() {
    let mut s = sim(&["1:secondary:rollback", "1:primary:reboot-hang"]);
    let p = s.target_package();
    start(&mut s, 1, false, 0.0);
    s.advance_to(3000.0);
    assert_eq!(s.pairs[0].units[1].version.to_string(), "7.2.2-54");
    let st =
        status_files::upgrade_status_json(&file(&s, 1, &paths::upgrade_status_json(&p))).unwrap();
    assert!(st.failed());
    start(&mut s, 0, false, 3000.0);
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
    s.advance_to(5000.0);
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
    let path = format!("{}/{}", paths::UPDATES_DIR, s.target_package);
    assert!(matches!(
        s.pairs[0].units[0].fs.get(&path),
        Some(fs::File::Package { signed: true, .. })
    ));
}
