//! The modules against a sim that behaves as the field does (every realism behaviour on):
//! the races and leftovers that stopped the first release, one test each.

mod common;

use common::*;
use ftd_sim::model::fs::published_checksums;
use ftd_sim::model::realism::{Realism, StaleLogs};
use serde_json::{Value, json};

const LOG_DIR: &str = "/ngfw/var/log/sf/Cisco_FTD_Upgrade-7.2.7";

fn md5() -> String {
    format!("md5:{}", published_checksums(PACKAGE, 1123706880).0)
}

fn readiness(h: &Harness, unit: usize) -> Value {
    Call::readiness().fast().package(PACKAGE).on(h, unit)
}

fn install(h: &Harness, unit: usize, extra: Value) -> Value {
    Call::install()
        .fast()
        .args(with(json!({"package": PACKAGE}), extra))
        .on(h, unit)
}

/// wait_reboot for the target with the package (and `extra` options).
fn wait_back(h: &Harness, unit: usize, extra: Value) -> Value {
    Call::wait_reboot()
        .fast()
        .args(with(
            json!({"target_version": TARGET, "package": PACKAGE}),
            extra,
        ))
        .on(h, unit)
}

/// The standby is never installed on once its peer failed: whether the takeover comes while
/// the package is checksummed or while the lock is taken, the state read right before the
/// installer sees it.
#[test]
fn a_takeover_at_the_checksum_or_at_the_lock_is_refused() {
    for trigger in ["md5sum", "mkdir /ngfw/var/log/ftd_ha_upgrade.lock"] {
        let fault = format!("1:secondary:takeover-on={trigger}");
        let h = Harness::new(&[fault.as_str()]);
        let r = install(
            &h,
            1,
            json!({"checksum": md5(), "require_readiness": false}),
        );
        assert_eq!(r["failed"], true, "{trigger}: {r}");
        assert!(
            msg(&r).contains("fw-1-b [install]: refused: the unit's state changed since the checks: it is now Active"),
            "{trigger}: {}",
            msg(&r)
        );
        assert!(h.events("install_start").is_empty(), "{trigger}: installed");
        assert_eq!(h.events("takeover").len(), 1, "{trigger}: the fault fired");
        assert_eq!(h.sim_state(1), ("7.2.2-54".into(), "Active".into()));
    }
}

/// The secondary starts with an earlier attempt's failed readiness check and failed install
/// in its log folder: readiness runs a check of its own, and the old files are kept aside.
#[test]
fn an_earlier_failed_attempt_is_not_this_runs_result() {
    let h = Harness::new(&[]);
    let r = readiness(&h, 1);
    assert_eq!(
        (r["passed"].clone(), r["changed"].clone()),
        (json!(true), json!(true)),
        "{r}"
    );
    assert_eq!(h.events("readiness_start").len(), 1);
    let aside: Vec<String> = h
        .files_under(1, LOG_DIR)
        .into_iter()
        .filter(|f| f.starts_with("previous-"))
        .collect();
    assert_eq!(aside.len(), 1, "{:?}", h.files_under(1, LOG_DIR));
    let kept = h.files_under(1, &format!("{LOG_DIR}/{}", aside[0]));
    assert_eq!(kept, ["upgrade_readiness"]);
    // Run again: this tool's own pass counts, nothing runs twice.
    let again = readiness(&h, 1);
    assert_eq!(
        (again["passed"].clone(), again["changed"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(h.events("readiness_start").len(), 1);
}

/// An earlier readiness check that passed is not a pass of this run, and an old
/// `IN_PROGRESS` upgrade status with no installer running is not an upgrade to attach to.
#[test]
fn an_earlier_pass_and_a_dead_in_progress_are_not_trusted() {
    let realism = Realism {
        stale_logs: Some(StaleLogs::Pass),
        ..Realism::default()
    };
    let h = Harness::with_realism(&[], realism);
    let r = readiness(&h, 1);
    assert_eq!(r["changed"], true, "the check ran again: {r}");
    assert_eq!(h.events("readiness_start").len(), 1);
    let r = install(&h, 1, json!({}));
    assert_eq!(r["plan"], "start", "{r}");
    assert_eq!(r["rebooting"], true, "{r}");
    assert_eq!(h.events("install_start").len(), 1);
    let boot_id = r["boot_id"].as_str().unwrap().to_string();
    let w = wait_back(&h, 1, json!({"boot_id": boot_id}));
    assert_eq!(w["failed"], false, "{w}");
}

/// After `System will now reboot` the unit stays up on its old version for a while; it may
/// reboot twice; LINA answers nothing for minutes after the boot; the status JSON is torn on
/// every other read. None of it is a failure.
#[test]
fn a_slow_double_reboot_with_late_lina_and_torn_status_is_waited_for() {
    let h = Harness::new(&[
        "1:secondary:double-reboot",
        "1:secondary:torn-json",
        "1:secondary:lina-late=400",
        // Up on the old version for 3 s of real time after `System will now reboot`:
        // wait_reboot's first looks see the same boot id.
        "1:secondary:reboot-delay=1500",
    ]);
    assert_eq!(readiness(&h, 1)["passed"], true);
    let r = install(&h, 1, json!({}));
    assert_eq!(
        (r["failed"].clone(), r["rebooting"].clone()),
        (json!(false), json!(true)),
        "{r}"
    );
    let w = wait_back(&h, 1, json!({"timeout": 60}));
    assert_eq!(w["failed"], false, "{w}");
    assert_eq!(w["unit"]["state"], "Standby Ready");
    assert_eq!(h.events("reboot").len(), 2, "two reboots");
    let journal = std::fs::read_to_string(h.journal.path()).unwrap();
    assert!(
        journal.contains("not rebooted yet (same boot id)"),
        "{journal}"
    );
    assert!(
        journal.contains("answers SSH but not yet the checks"),
        "{journal}"
    );
}

/// The swap reads the unit twice right before `failover active` and waits for the peer.
#[test]
fn the_swap_waits_for_the_peer_to_become_standby_ready() {
    let h = Harness::new(&[]);
    let r = Call::failover_swap()
        .fast()
        .args(json!({"peer_timeout": 30}))
        .on(&h, 1);
    assert_eq!(r["changed"], true, "{r}");
    let lina_reads: Vec<Value> = h
        .events("command")
        .into_iter()
        .filter(|e| e["unit"] == "fw-1-b" && e["mode"] == "LinaEnable")
        .collect();
    let commands: Vec<&str> = lina_reads
        .iter()
        .filter_map(|e| e["command"].as_str())
        .collect();
    let at = commands
        .iter()
        .position(|c| *c == "failover active")
        .unwrap();
    assert_eq!(
        &commands[at - 2..at],
        ["show failover", "show failover"],
        "{commands:?}"
    );
}

/// Limits are checked before anything reaches the unit.
#[test]
fn absurd_numbers_and_control_characters_touch_nothing() {
    let h = Harness::new(&[]);
    let r = install(&h, 1, json!({"timeout": 1e300}));
    assert_eq!(r["failed"], true);
    assert!(msg(&r).contains("timeout"), "{}", msg(&r));
    let r = install(&h, 1, json!({"poll_interval": 0}));
    assert_eq!(r["failed"], true);
    let mut conn = h.conn(1);
    conn.insert("sudo_password".into(), json!("secret\nrm -rf /"));
    let r = Call::install().fast().package(PACKAGE).with_conn(conn);
    assert_eq!(r["failed"], true);
    assert!(msg(&r).contains("control character"), "{}", msg(&r));
    assert!(h.events("login").is_empty(), "nothing reached the unit");
}

/// Before/after evidence: an interface that stays down after the upgrade fails verify with
/// the interface named; the evidence is in the journal for the report.
#[test]
fn an_interface_down_after_the_upgrade_fails_verify() {
    let h = Harness::new(&["1:secondary:interface-down=inside"]);
    let before = Call::evidence().args(json!({"phase": "before"})).on(&h, 1);
    assert_eq!(before["failed"], false, "{before}");
    assert!(
        msg(&before).contains("4 interfaces up of 4, 15 routes"),
        "{}",
        msg(&before)
    );
    assert_eq!(readiness(&h, 1)["passed"], true);
    assert_eq!(install(&h, 1, json!({}))["rebooting"], true);
    let w = wait_back(&h, 1, json!({}));
    assert_eq!(w["failed"], false, "{w}");
    let v = run(
        &ftd_stages::verify::INFO,
        ftd_stages::verify::run,
        h.conn(1),
        json!({"target_version": TARGET, "evidence_before": before["evidence"]}),
    );
    assert_eq!(v["failed"], true);
    assert!(
        msg(&v).contains("evidence (interface GigabitEthernet0/1 went from up/up to down/down; the route count fell from 15 to 7"),
        "{}",
        msg(&v)
    );
    let journal = std::fs::read_to_string(h.journal.path()).unwrap();
    assert!(journal.contains(r#""phase":"after""#) && journal.contains(r#""phase":"before""#));
}

/// A second `install` in the first seconds of an upgrade (a retried task, a second
/// controller with the same owner): the installer runs but is still unpacking, so no status
/// file says so yet. The second call attaches to it; `install_update.pl` is typed once.
#[test]
fn a_second_install_in_the_first_seconds_attaches_and_never_starts_again() {
    // Unpacking takes 2500 device seconds here (5 s real): the window is wide open.
    let h = Harness::new(&["1:secondary:slow-unpack=2500"]);
    let call = || {
        install(
            &h,
            1,
            json!({"checksum": md5(), "require_readiness": false}),
        )
    };
    let (first, second, files_then) = std::thread::scope(|scope| {
        let first = scope.spawn(call);
        // The first call's installer has started (bounded wait on the sim's own record).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while h.events("install_start").is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "the first install never started"
            );
            std::thread::yield_now();
        }
        let files_then = h.files_under(1, LOG_DIR);
        let second = call();
        (first.join().unwrap(), second, files_then)
    });
    // The second call came while no status file existed: the window the old check missed.
    assert!(
        !files_then
            .iter()
            .any(|f| f.ends_with("upgrade_status.json")),
        "not in the unpacking window: {files_then:?}"
    );
    assert_eq!(first["failed"], false, "{first}");
    assert_eq!(second["failed"], false, "{second}");
    assert_eq!(second["plan"], "attach", "{second}");
    assert_eq!(
        h.events("install_start").len(),
        1,
        "a second installer started"
    );
    let typed = h
        .events("command")
        .iter()
        .filter(|e| {
            let c = e["command"].as_str().unwrap_or_default();
            c.contains("install_update.pl --detach") && !c.contains("--readiness-check")
        })
        .count();
    assert_eq!(typed, 1, "install_update.pl typed {typed} times");
}
