//! Each module against ftd-sim: happy path, every refusal, idempotence, check mode, and the
//! faults that concern it, with the messages a user needs.

mod common;

use common::*;
use serde_json::json;

fn readiness_ok(h: &Harness, unit: usize) {
    let r = Call::readiness().fast().package(PACKAGE).on(h, unit);
    assert_eq!(r["passed"], true, "{r}");
}

#[test]
fn facts_reads_both_units() {
    let h = Harness::new(&[]);
    let a = Call::facts().on(&h, 0);
    assert_eq!(a["failed"], false, "{a}");
    let ftd = &a["ansible_facts"]["ftd"];
    assert_eq!(
        (
            ftd["role"].as_str(),
            ftd["state"].as_str(),
            ftd["version"].as_str()
        ),
        (Some("Primary"), Some("Active"), Some("7.2.2-54"))
    );
    assert_eq!(ftd["peer_state"], "Standby Ready");
    assert_eq!(ftd["failover_details"]["lina_version_ours"], "9.18(2)54");
    assert!(
        ftd["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == PACKAGE && p["version"] == TARGET)
    );
    assert_eq!(ftd["disk_available"], "25G");
    assert_eq!(a["changed"], false);
    let b = Call::facts().check_mode().on(&h, 1);
    assert_eq!(b["unit"]["state"], "Standby Ready");
    // The identity is a host fact too: the playbook's next step reads it without a gather.
    assert_eq!(b["ansible_facts"]["ftd_unit"], b["unit"]);
}

#[test]
fn the_unit_fact_says_active_standby_ready_and_on_target_by_one_rule() {
    let h = Harness::new(&[]);
    let on = |unit: usize, target: &str| {
        let r = Call::facts()
            .args(json!({"target_version": target}))
            .on(&h, unit);
        assert_eq!(r["failed"], false, "{r}");
        r["ansible_facts"]["ftd_unit"].clone()
    };
    // The units run 7.2.2-54: a target written without its build is the same version.
    let active = on(0, "7.2.2");
    assert_eq!(
        (
            &active["active"],
            &active["standby_ready"],
            &active["on_target"]
        ),
        (&json!(true), &json!(false), &json!(true))
    );
    let standby = on(1, "7.2.2-54");
    assert_eq!(
        (
            &standby["active"],
            &standby["standby_ready"],
            &standby["on_target"]
        ),
        (&json!(false), &json!(true), &json!(true))
    );
    assert_eq!(on(1, TARGET)["on_target"], false);
    assert_eq!(on(1, "7.2.2-55")["on_target"], false);
    // Without a target the fact does not guess.
    assert!(
        Call::facts().on(&h, 1)["ansible_facts"]["ftd_unit"]
            .get("on_target")
            .is_none()
    );
    // A target that is not a version is refused before any login.
    let logins = h.events("login").len();
    let r = Call::facts()
        .args(json!({"target_version": "7.4"}))
        .on(&h, 1);
    assert_eq!(r["failed"], true, "{r}");
    assert!(
        msg(&r).contains("'7.4' is not an FTD version"),
        "{}",
        msg(&r)
    );
    assert_eq!(h.events("login").len(), logins);
}

#[test]
fn facts_refuses_a_pair_that_is_not_one_active_and_one_standby_ready_unit() {
    let healthy = Harness::new(&[]);
    let r = Call::facts()
        .args(json!({"require_healthy_pair": true}))
        .on(&healthy, 1);
    assert_eq!(r["failed"], false, "{r}");
    // The Secondary took over by itself: both units say Active / Cold Standby, seen from here.
    let h = Harness::new(&[
        "1:primary:initial-state=Cold Standby",
        "1:secondary:initial-state=Active",
    ]);
    let r = Call::facts()
        .args(json!({"require_healthy_pair": true}))
        .on(&h, 1);
    assert_eq!(r["failed"], true, "{r}");
    assert!(
        msg(&r).starts_with("fw-1-b [facts]: refused: pair")
            && msg(&r).contains(
                "this unit (Secondary) is Active, the other unit (Primary) is Cold Standby"
            ),
        "{}",
        msg(&r)
    );
    // Without the requirement the same unit is only read.
    assert_eq!(Call::facts().on(&h, 1)["failed"], false);
}

#[test]
fn readiness_runs_once_and_check_mode_touches_nothing() {
    let h = Harness::new(&[]);
    let check = Call::readiness()
        .fast()
        .package(PACKAGE)
        .check_mode()
        .on(&h, 1);
    assert_eq!(
        (check["changed"].as_bool(), check["failed"].as_bool()),
        (Some(true), Some(false)),
        "{check}"
    );
    assert!(
        h.events("readiness_start").is_empty(),
        "check mode started a readiness check"
    );

    let first = Call::readiness().fast().package(PACKAGE).on(&h, 1);
    assert_eq!(
        (first["changed"].as_bool(), first["passed"].as_bool()),
        (Some(true), Some(true)),
        "{first}"
    );
    let scripts: Vec<_> = first["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["script"].as_str())
        .collect();
    assert_eq!(
        scripts.first(),
        Some(&"000_start/000_00_run_cli_kick_start.sh")
    );
    assert_eq!(scripts.last(), Some(&"200_pre/015_verify_rpm.sh"));

    let again = Call::readiness().fast().package(PACKAGE).on(&h, 1);
    assert_eq!(
        (again["changed"].as_bool(), again["passed"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(h.events("readiness_start").len(), 1);
    let forced = Call::readiness()
        .fast()
        .package(PACKAGE)
        .args(json!({"force": true}))
        .on(&h, 1);
    assert_eq!(forced["changed"], true);
    assert_eq!(h.events("readiness_start").len(), 2);

    let journal = std::fs::read_to_string(h.journal.path()).unwrap();
    assert!(
        journal
            .lines()
            .any(|l| l.contains("\"stage\":\"readiness\"") && l.contains("fw-1-b"))
    );
}

#[test]
fn readiness_failure_names_script_and_message() {
    let h = Harness::new(&["1:secondary:readiness-fail=000_start/107_version_check.sh"]);
    let r = Call::readiness().fast().package(PACKAGE).on(&h, 1);
    assert_eq!(r["failed"], true);
    assert_eq!(r["failed_script"], "000_start/107_version_check.sh");
    assert!(msg(&r).starts_with("fw-1-b [readiness]: readiness check FAILED at 000_start/107_version_check.sh: This install requires a minimum FXOS version"), "{}", msg(&r));
}

#[test]
fn bad_input_is_refused_before_connecting() {
    let h = Harness::new(&[]);
    for (extra, expected) in [
        (
            json!({"package": "not-a-package.tar"}),
            "is not an FTD upgrade package name",
        ),
        (
            json!({"package": PACKAGE, "target_version": "7.x"}),
            "'7.x' is not an FTD version",
        ),
        (
            json!({"package": PACKAGE, "checksum": "md5:123"}),
            "is not one",
        ),
        (
            json!({"package": PACKAGE, "target_version": "7.4.1-172"}),
            "not the target",
        ),
    ] {
        let r = Call::install().args(extra).on(&h, 1);
        assert_eq!(r["failed"], true);
        assert!(msg(&r).contains(expected), "{}", msg(&r));
    }
    let r = Call::install().on(&h, 1);
    assert_eq!(msg(&r), "missing required arguments: package");
    assert!(
        h.events("login").is_empty(),
        "nothing may touch the device before the input is valid"
    );
}

#[test]
fn install_refuses_the_active_unit_and_unsafe_states() {
    let h = Harness::new(&[]);
    readiness_ok(&h, 0);
    let r = Call::install().fast().package(PACKAGE).on(&h, 0);
    assert_eq!(r["failed"], true);
    assert!(
        msg(&r).contains("fw-1-a [install]: refused: this unit (Primary) is Active"),
        "{}",
        msg(&r)
    );
    assert!(msg(&r).contains("Nothing was changed"));
    let r = Call::install().fast().package(PACKAGE).on(&h, 1);
    assert!(
        msg(&r).contains("no readiness check has run"),
        "{}",
        msg(&r)
    );
    let r = Call::install()
        .fast()
        .package(PACKAGE)
        .args(json!({"require_readiness": false, "checksum": format!("md5:{}", "0".repeat(32))}))
        .on(&h, 1);
    assert!(msg(&r).contains("the package is corrupt"), "{}", msg(&r));
    assert!(h.events("install_start").is_empty());
}

#[test]
fn install_refuses_when_the_peer_is_not_active_or_the_package_is_missing() {
    let h = Harness::new(&[
        "1:primary:initial-state=Cold Standby",
        "1:secondary:initial-state=Standby Ready",
    ]);
    let r = Call::install()
        .fast()
        .package(PACKAGE)
        .args(json!({"require_readiness": false}))
        .on(&h, 1);
    assert!(
        msg(&r).contains("the peer (Primary) is Cold Standby, not Active"),
        "{}",
        msg(&r)
    );
    let h = Harness::new(&["1:secondary:package-missing"]);
    let r = Call::install()
        .fast()
        .package(PACKAGE)
        .args(json!({"require_readiness": false}))
        .on(&h, 1);
    assert!(
        msg(&r).contains("is not on the unit; copy the package"),
        "{}",
        msg(&r)
    );
    assert!(h.events("install_start").is_empty());
}

#[test]
fn install_check_mode_reports_and_touches_nothing() {
    let h = Harness::new(&[]);
    readiness_ok(&h, 1);
    let r = Call::install()
        .fast()
        .package(PACKAGE)
        .check_mode()
        .args(json!({"_ansible_diff": true}))
        .on(&h, 1);
    assert_eq!(
        (r["changed"].as_bool(), r["failed"].as_bool()),
        (Some(true), Some(false)),
        "{r}"
    );
    assert_eq!(r["diff"]["before"]["version"], "7.2.2-54");
    assert_eq!(r["diff"]["after"]["version"], TARGET);
    assert!(h.events("install_start").is_empty());
    let changing: Vec<_> = h
        .events("command")
        .into_iter()
        .filter(|e| {
            e["command"]
                .as_str()
                .unwrap_or("")
                .contains("install_update.pl --detach /")
        })
        .collect();
    assert!(changing.is_empty(), "{changing:?}");
}

#[test]
fn install_failure_names_the_script() {
    let h = Harness::new(&["1:secondary:install-fail=200_pre/200_enable_maintenance_mode.pl"]);
    readiness_ok(&h, 1);
    let r = Call::install().fast().package(PACKAGE).on(&h, 1);
    assert_eq!(r["failed"], true);
    assert!(
        msg(&r)
            .contains("fw-1-b [install]: upgrade FAILED at 200_pre/200_enable_maintenance_mode.pl"),
        "{}",
        msg(&r)
    );
    assert_eq!(h.sim_state(1).0, "7.2.2-54");
}

#[test]
fn an_upgrade_already_running_is_followed_not_restarted() {
    // Still unpacking (5000 device seconds here) when it is looked at: the status file is an
    // earlier attempt's FAILED one; only the installer's process says an upgrade runs.
    let h = Harness::new(&[
        "1:secondary:upgrade-running",
        "1:secondary:slow-unpack=5000",
    ]);
    // facts says so, for a playbook that resumes a stopped run.
    let seen = Call::facts().on(&h, 1);
    assert_eq!(
        seen["ansible_facts"]["ftd"]["upgrade_running"], true,
        "{seen}"
    );
    assert_eq!(
        Call::facts().on(&h, 0)["ansible_facts"]["ftd"]["upgrade_running"],
        false
    );
    let r = Call::install()
        .fast()
        .package(PACKAGE)
        .args(json!({"require_readiness": false}))
        .on(&h, 1);
    assert_eq!(r["plan"], "attach", "{r}");
    assert_eq!(r["rebooting"], true, "{r}");
    assert_eq!(
        h.events("install_start").len(),
        1,
        "only the upgrade that was already running"
    );
}

#[test]
fn a_dropped_session_during_install_is_reopened_and_followed() {
    let h = Harness::new(&["1:secondary:drop-mid-command=3"]);
    readiness_ok(&h, 1);
    let r = Call::install().fast().package(PACKAGE).on(&h, 1);
    assert_eq!(
        (r["failed"].as_bool(), r["rebooting"].as_bool()),
        (Some(false), Some(true)),
        "{r}"
    );
    assert_eq!(h.events("install_start").len(), 1, "never started twice");
    assert!(
        r["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["message"].as_str().unwrap().contains("reconnecting"))
    );
}

#[test]
fn wait_reboot_tells_rollback_and_hang_apart() {
    let h = Harness::new(&["1:secondary:rollback"]);
    readiness_ok(&h, 1);
    Call::install().fast().package(PACKAGE).on(&h, 1);
    let r = Call::wait_reboot()
        .fast()
        .package(PACKAGE)
        .args(json!({"target_version": TARGET, "already_down": true}))
        .on(&h, 1);
    assert_eq!(r["failed"], true);
    assert!(
        msg(&r).contains("came back on 7.2.2-54, not 7.2.7-500: the upgrade was rolled back"),
        "{}",
        msg(&r)
    );

    let h = Harness::new(&["1:secondary:reboot-hang"]);
    readiness_ok(&h, 1);
    Call::install().fast().package(PACKAGE).on(&h, 1);
    let r = Call::wait_reboot()
        .fast()
        .args(json!({"target_version": TARGET, "timeout": 3}))
        .on(&h, 1);
    assert_eq!(r["failed"], true);
    assert!(
        msg(&r).contains("did not come back as expected within 3s; last seen: unit not answering"),
        "{}",
        msg(&r)
    );
    assert_eq!(h.sim_state(0).1, "Active", "the active unit is untouched");
}

#[test]
fn wait_reboot_reports_a_unit_back_in_the_wrong_state() {
    let h = Harness::new(&["1:secondary:comes-back=Cold Standby"]);
    readiness_ok(&h, 1);
    Call::install().fast().package(PACKAGE).on(&h, 1);
    let r = Call::wait_reboot()
        .fast()
        .package(PACKAGE)
        .args(json!({"target_version": TARGET, "timeout": 6}))
        .on(&h, 1);
    assert_eq!(r["failed"], true);
    assert!(
        msg(&r).contains("back on 7.2.7-500 but Cold Standby, not Standby Ready"),
        "{}",
        msg(&r)
    );
}

#[test]
fn failover_swap_refusals() {
    let h = Harness::new(&["1:secondary:initial-state=Cold Standby"]);
    let r = Call::failover_swap().fast().on(&h, 1);
    assert!(
        msg(&r).contains(
            "fw-1-b [failover_swap]: refused: this unit is Cold Standby, not Standby Ready"
        ),
        "{}",
        msg(&r)
    );
    let r = Call::failover_swap().fast().on(&h, 0);
    assert_eq!(
        (r["changed"].as_bool(), r["failed"].as_bool()),
        (Some(false), Some(false)),
        "already Active"
    );

    let h = Harness::new(&["1:secondary:failover-refused"]);
    let r = Call::failover_swap()
        .fast()
        .args(json!({"require_version": "7.2.7-500"}))
        .on(&h, 1);
    assert!(
        msg(&r).contains("runs 7.2.2-54, not the required 7.2.7-500"),
        "{}",
        msg(&r)
    );
    let r = Call::failover_swap().fast().on(&h, 1);
    assert!(
        msg(&r).contains("the device refused `failover active`"),
        "{}",
        msg(&r)
    );
    assert!(h.events("failover").is_empty());
}

#[test]
fn verify_lists_every_failed_check() {
    let h = Harness::new(&[]);
    let r = Call::verify()
        .args(json!({"target_version": TARGET, "expected_active": "secondary"}))
        .on(&h, 0);
    assert_eq!(r["failed"], true);
    let failed: Vec<_> = r["failed_checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(failed, vec!["version", "active_unit"]);
    let r = Call::verify()
        .args(json!({"target_version": "7.2.2-54", "expected_active": "primary"}))
        .on(&h, 0);
    assert_eq!(r["failed"], false, "{r}");
    let r = Call::verify()
        .args(json!({"target_version": "7.2.2-54", "expected_active": "tertiary"}))
        .on(&h, 0);
    assert_eq!(
        msg(&r),
        "value of expected_active must be one of: primary, secondary, any, got: tertiary"
    );
}

#[test]
fn wrong_credentials_fail_cleanly_without_leaking() {
    let h = Harness::new(&["1:secondary:sudo-password=something-else"]);
    let mut conn = h.conn(0);
    conn.insert("password".into(), json!("Wrong-Pass-42"));
    let r = Call::facts().with_conn(conn);
    assert!(
        msg(&r).contains("authentication failed for user admin"),
        "{}",
        msg(&r)
    );
    assert!(!r.to_string().contains("Wrong-Pass-42"));
    assert_eq!(
        r["invocation"]["module_args"]["password"],
        "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    );
    let r = Call::readiness().fast().package(PACKAGE).on(&h, 1);
    assert!(
        msg(&r).contains("sudo password was rejected"),
        "{}",
        msg(&r)
    );
    assert_eq!(r["error_kind"], "auth");
}

#[test]
fn a_cli_slower_than_the_command_timeout_fails_naming_the_wait() {
    // The secondary's CLISH answers every command 1.5 s late (real time).
    let h = Harness::new(&["1:secondary:slow-cli=1500"]);
    let mut conn = h.conn(1);
    conn.insert("command_timeout".into(), json!(0.5));
    let r = Call::facts().with_conn(conn);
    assert_eq!(r["failed"], true, "{r}");
    assert!(
        msg(&r).starts_with("fw-1-b [facts]: timed out after 0.5s waiting for"),
        "{}",
        msg(&r)
    );
    assert!(
        msg(&r).ends_with("raise command_timeout if it is slow"),
        "{}",
        msg(&r)
    );
    // The same unit within a command timeout that allows for it.
    let mut conn = h.conn(1);
    conn.insert("command_timeout".into(), json!(5));
    let r = Call::facts().with_conn(conn);
    assert_eq!(r["failed"], false, "{}", msg(&r));
}

#[test]
fn readiness_steps_aside_for_a_running_upgrade() {
    let h = Harness::new(&["1:secondary:upgrade-running"]);
    let r = Call::readiness().fast().package(PACKAGE).on(&h, 1);
    assert_eq!(
        (
            r["failed"].as_bool(),
            r["changed"].as_bool(),
            r["upgrade_running"].as_bool()
        ),
        (Some(false), Some(false), Some(true)),
        "{r}"
    );
    assert!(h.events("readiness_start").is_empty());
}

#[test]
fn a_slow_chunking_network_and_a_dropped_session_during_install() {
    let h = Harness::slow(&["1:secondary:drop-mid-command=5"]);
    readiness_ok(&h, 1);
    let r = Call::install().fast().package(PACKAGE).on(&h, 1);
    assert_eq!(
        (r["failed"].as_bool(), r["rebooting"].as_bool()),
        (Some(false), Some(true)),
        "{r}"
    );
    assert_eq!(
        h.events("install_start").len(),
        1,
        "the install is never repeated"
    );
}

#[test]
fn a_second_controller_is_refused_until_the_lock_expires_or_is_released() {
    let h = Harness::new(&[]);
    let mut a = h.conn(1);
    a.insert("lock_owner".into(), json!("controller-a"));
    let mut b = h.conn(1);
    b.insert("lock_owner".into(), json!("controller-b"));
    let r = Call::readiness()
        .fast()
        .package(PACKAGE)
        .with_conn(a.clone());
    assert_eq!(r["passed"], true, "{r}");
    let r = Call::install().fast().package(PACKAGE).with_conn(b.clone());
    assert!(
        msg(&r).contains("refused: another run (controller-a) has been changing this unit"),
        "{}",
        msg(&r)
    );
    assert!(h.events("install_start").is_empty());
    // A lock older than its time to live belongs to a run that died: taken over. (Its time
    // to live has a floor: 0 would take over any lock.)
    let r = Call::install()
        .fast()
        .package(PACKAGE)
        .args(json!({"lock_ttl": 0}))
        .with_conn(b.clone());
    assert_eq!(
        msg(&r),
        "value of lock_ttl must be between 1800 and 2592000, got: 0.0",
        "{r}"
    );
    h.lock_stamped_at(1, "controller-a", 3 * 3600);
    let r = Call::install().fast().package(PACKAGE).with_conn(b.clone());
    assert_eq!(r["rebooting"], true, "{r}");
    let r = Call::wait_reboot()
        .fast()
        .args(json!({"target_version": TARGET, "already_down": true}))
        .with_conn(b.clone());
    assert_eq!(r["failed"], false, "{r}");
    let r = Call::failover_swap().fast().with_conn(a.clone());
    assert!(
        msg(&r).contains("another run (controller-b)"),
        "{}",
        msg(&r)
    );
    assert!(h.events("failover").is_empty());
}

/// An install outlasts its lock's time to live (here unpacking alone takes 6000 device
/// seconds and the lock lives 1800): the lock is stamped again while the install runs, so
/// a second controller is refused all along, not handed the unit mid-upgrade.
#[test]
fn the_lock_is_kept_while_a_long_install_runs() {
    let h = Harness::new(&["1:secondary:slow-unpack=6000"]);
    let owned = |owner: &str| {
        let mut c = h.conn(1);
        c.insert("lock_owner".into(), json!(owner));
        c.insert("lock_ttl".into(), json!(1800));
        c
    };
    let (installed, second) = std::thread::scope(|scope| {
        let install = scope.spawn(|| {
            Call::install()
                .fast()
                .package(PACKAGE)
                .args(json!({"require_readiness": false}))
                .with_conn(owned("controller-a"))
        });
        // Two time-to-lives after the installer started, on the device's clock.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let started = loop {
            if let Some(e) = h.events("install_start").first() {
                break e["t"].as_f64().unwrap();
            }
            assert!(std::time::Instant::now() < deadline, "no install started");
            std::thread::yield_now();
        };
        while h.device_now() < started + 3600.0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the sim's clock stopped"
            );
            std::thread::yield_now();
        }
        let second = Call::lock()
            .args(json!({"state": "present"}))
            .with_conn(owned("controller-b"));
        (install.join().unwrap(), second)
    });
    assert_eq!(second["failed"], true, "{second}");
    assert!(
        msg(&second).contains("another run (controller-a) has been changing this unit"),
        "{}",
        msg(&second)
    );
    assert_eq!(installed["failed"], false, "{installed}");
    assert_eq!(installed["rebooting"], true, "{installed}");
}

/// Two controllers take over one expired lock at once, over a slow network: the second has
/// just stamped it fresh when this one moves it away. This one reads back what it moved,
/// gives the fresh lock back and refuses: never two winners.
#[test]
fn an_expired_lock_taken_over_at_the_same_moment_has_one_winner() {
    let h = Harness::slow(&["1:secondary:lock-race=controller-c"]);
    h.lock_stamped_at(1, "controller-dead", 3 * 3600);
    let mut b = h.conn(1);
    b.insert("lock_owner".into(), json!("controller-b"));
    let r = Call::lock().args(json!({"state": "present"})).with_conn(b);
    assert_eq!(h.events("lock_race").len(), 1, "the race was not run");
    assert_eq!(r["failed"], true, "{r}");
    assert!(
        msg(&r).contains("another controller (controller-c) took the expired lock"),
        "{}",
        msg(&r)
    );
    let owner = h.lock_owner(1).unwrap_or_default();
    assert!(owner.starts_with("owner=controller-c "), "{owner:?}");
    // Nothing of the takeover is left beside the lock.
    let left: Vec<String> = h
        .files_under(1, "/ngfw/var/log")
        .into_iter()
        .filter(|f| f.contains("takeover") || f.contains("expired"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_passing_verification_gives_the_lock_back() {
    let h = Harness::new(&[]);
    let mut a = h.conn(1);
    a.insert("lock_owner".into(), json!("controller-a"));
    let mut b = h.conn(1);
    b.insert("lock_owner".into(), json!("controller-b"));
    Call::readiness()
        .fast()
        .package(PACKAGE)
        .with_conn(a.clone());
    let r = Call::readiness()
        .fast()
        .package(PACKAGE)
        .args(json!({"force": true}))
        .with_conn(b.clone());
    assert!(
        msg(&r).contains("another run (controller-a)"),
        "{}",
        msg(&r)
    );
    let r = Call::verify()
        .args(json!({"target_version": "7.2.2-54", "expected_active": "primary"}))
        .with_conn(a);
    assert_eq!(r["failed"], false, "{r}");
    let r = Call::readiness()
        .fast()
        .package(PACKAGE)
        .args(json!({"force": true}))
        .with_conn(b);
    assert_eq!(
        (r["failed"].as_bool(), r["passed"].as_bool()),
        (Some(false), Some(true)),
        "{r}"
    );
}
