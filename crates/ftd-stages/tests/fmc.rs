//! The `fmc` module against ftd-sim's FMC (HTTPS with its own CA, the REST API of
//! `shared/domain/fmc-rest.md`, views derived from the simulated pairs with a lag): each gate,
//! each FMC fault, the version sync, the switch and its confirmation on the unit.

mod common;

use common::*;
use ftd_sim::fmc::{FmcOptions, FmcServer};
use ftd_stages::fmc;
use serde_json::{Value, json};

struct Managed {
    h: Harness,
    fmc: FmcServer,
    ca: tempfile::NamedTempFile,
    options: FmcOptions,
}

impl Managed {
    fn new(pairs: usize, fmc_faults: &[&str]) -> Managed {
        Self::with(pairs, fmc_faults, 1000)
    }

    /// `page_max`: the largest page the FMC serves.
    fn with(pairs: usize, fmc_faults: &[&str], page_max: usize) -> Managed {
        let h = if pairs == 1 {
            Harness::new(&[])
        } else {
            Harness::pairs(pairs)
        };
        let options = FmcOptions {
            page_max,
            ..Default::default()
        };
        Self::around(h, options, fmc_faults)
    }

    /// The package uploaded to the FMC only: neither unit has it (the unit faults given).
    fn holding_the_package(unit_faults: &[&str], fmc_faults: &[&str]) -> Managed {
        let options = FmcOptions {
            holds_packages: true,
            // The sim's package (1.1 GB) in about 2 device seconds.
            push_rate: 600e6,
            ..Default::default()
        };
        Self::around(Harness::new(unit_faults), options, fmc_faults)
    }

    fn around(h: Harness, options: FmcOptions, fmc_faults: &[&str]) -> Managed {
        let options = FmcOptions {
            faults: fmc_faults.iter().map(|f| f.parse().unwrap()).collect(),
            // `rate-limit` counts a second's requests here, not a minute's.
            rate_window: std::time::Duration::from_secs(1),
            ..options
        };
        let fmc = h
            .block_on(FmcServer::start(
                h.sim.running.sim.clone(),
                options.clone(),
                h.sim.running.events.clone(),
            ))
            .unwrap();
        let ca = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(ca.path(), &fmc.ca_pem).unwrap();
        Managed {
            h,
            fmc,
            ca,
            options,
        }
    }

    fn call(&self, unit: usize, options: Value) -> Value {
        let base = json!({
            "fmc_host": format!("127.0.0.1:{}", self.fmc.port),
            "fmc_username": self.options.username,
            "fmc_password": self.options.password,
            "fmc_ca_path": self.ca.path().display().to_string(),
            "members": [{"name": "fw-1-a", "state": "Active"}, {"name": "fw-1-b", "state": "Standby Ready"}],
            "poll_interval": 0.05,
            "timeout": 20,
        });
        let out = run(&fmc::INFO, fmc::run, self.h.conn(unit), with(base, options));
        assert!(
            !out.to_string().contains(&self.options.password),
            "the FMC password leaked: {out}"
        );
        out
    }

    fn count(&self, event: &str) -> usize {
        self.h.events(event).len()
    }
}

#[test]
fn a_healthy_pair_passes_with_one_login() {
    let m = Managed::new(1, &[]);
    let r = m.call(0, json!({"action": "check"}));
    assert_eq!(
        (r["failed"].as_bool(), r["changed"].as_bool()),
        (Some(false), Some(false)),
        "{r}"
    );
    assert_eq!(r["agrees"], true);
    assert_eq!(r["fmc_pair"]["name"], "pair1");
    assert_eq!(r["fmc_view"]["fw-1-a"]["status"], "Active");
    assert_eq!(r["fmc_view"]["fw-1-b"]["sw_version"], "7.2.2");
    assert_eq!(m.count("fmc_login"), 1);
}

#[test]
fn lists_are_read_page_by_page_and_the_domain_is_found_by_name() {
    // Pages of one item: the pair's two devices and the HA pair come over several pages.
    let m = Managed::with(3, &["pending-deploy=3"], 1);
    let r = m.call(0, json!({"action": "check", "fmc_domain": "Global"}));
    assert_eq!(r["failed"], false, "{r}");
    assert!(r["fmc_requests"].as_u64().unwrap() >= 8, "not paged: {r}");
    let other = m.call(0, json!({"action": "check", "fmc_domain": "Site-B"}));
    assert!(msg(&other).contains("no domain named Site-B"), "{other}");
}

/// A listener standing for "somewhere else": it counts the connections it gets.
fn elsewhere() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (origin, hits)
}

#[test]
fn the_token_never_leaves_the_fmc() {
    use std::sync::atomic::Ordering;
    // paging.next pointing to another origin (another port, https or plain http) is not
    // followed.
    let (origin, hits) = elsewhere();
    for elsewhere in [origin.replace("http://", "https://"), origin] {
        let m = Managed::with(3, &[&format!("next-elsewhere={elsewhere}")], 1);
        let r = m.call(0, json!({"action": "check"}));
        assert_eq!(r["failed"], true, "{r}");
        assert!(
            msg(&r).contains("a link that leaves the FMC") && msg(&r).contains("not followed"),
            "{}",
            msg(&r)
        );
    }
    // A redirect is an answer, never followed.
    let (origin2, hits2) = elsewhere();
    let m = Managed::new(1, &[&format!("redirect={origin2}")]);
    let r = m.call(0, json!({"action": "check"}));
    assert_eq!(r["failed"], true, "{r}");
    assert!(msg(&r).contains("302"), "{}", msg(&r));
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a request went elsewhere");
    assert_eq!(hits2.load(Ordering::SeqCst), 0, "a redirect was followed");
}

#[test]
fn pending_and_running_deployments_stop_the_pair() {
    let pending = Managed::new(1, &["pending-deploy=1"]);
    let r = pending.call(0, json!({"action": "check"}));
    assert_eq!(r["failed"], true);
    assert!(
        msg(&r).contains("not deployed to pair1: deploy or discard"),
        "{r}"
    );
    assert!(msg(&r).contains("Nothing was changed"), "{r}");
    let running = Managed::new(1, &["deploying=1"]);
    let r = running.call(0, json!({"action": "check"}));
    assert!(msg(&r).contains("a deployment to pair1 is running"), "{r}");
}

#[test]
fn a_pair_whose_members_differ_in_the_fmc_stops() {
    let m = Managed::new(2, &["wrong-members=1"]);
    let r = m.call(0, json!({"action": "check"}));
    assert_eq!(r["failed"], true);
    assert!(
        msg(&r).contains("the inventory and the FMC disagree about the pair"),
        "{r}"
    );
    let unknown = m.call(
        0,
        json!({"action": "check", "members": [{"name": "fw-1-a"}, {"name": "fw-9-z"}]}),
    );
    assert!(
        msg(&unknown).contains("no device named fw-9-z"),
        "{unknown}"
    );
}

#[test]
fn a_disagreement_on_the_active_unit_is_a_warning() {
    let m = Managed::new(1, &[]);
    let r = m.call(0, json!({"action": "check", "members": [{"name": "fw-1-a", "state": "Standby Ready"}, {"name": "fw-1-b", "state": "Active"}]}));
    assert_eq!(
        (r["failed"].as_bool(), r["agrees"].as_bool()),
        (Some(false), Some(false)),
        "{r}"
    );
    assert!(
        r["warnings"]
            .to_string()
            .contains("disagree about the active unit"),
        "{r}"
    );
}

#[test]
fn an_unreachable_or_untrusted_fmc_is_refused_before_any_change() {
    let m = Managed::new(1, &[]);
    let closed = m.call(0, json!({"action": "check", "fmc_host": "127.0.0.1:9"}));
    assert_eq!(closed["failed"], true);
    assert!(
        msg(&closed).contains("cannot reach the FMC")
            && msg(&closed).contains("Nothing was changed"),
        "{closed}"
    );
    let untrusted = m.call(0, json!({"action": "check", "fmc_ca_path": null}));
    assert_eq!(untrusted["failed"], true, "{untrusted}");
    let wrong = m.call(0, json!({"action": "check", "fmc_password": "not-it"}));
    assert!(msg(&wrong).contains("refused the login"), "{wrong}");
    assert!(m.h.events("login").is_empty(), "a unit was logged into");
}

#[test]
fn expired_tokens_are_refreshed_and_429_is_waited_out() {
    let m = Managed::new(1, &["token-ttl=0.2", "rate-limit=4"]);
    // Poll long enough for the token to expire and the rate limit to bite.
    let r = m.call(0, json!({"action": "sync", "target_version": "7.2.7-500", "timeout": 2.5, "poll_interval": 0.3}));
    assert_eq!(
        (r["failed"].as_bool(), r["synced"].as_bool()),
        (Some(false), Some(false)),
        "{r}"
    );
    assert_eq!(r["fmc_logins"], 1, "a refresh became a new login: {r}");
    let answers: Vec<String> =
        m.h.events("fmc_request")
            .iter()
            .map(|e| e["status"].as_str().unwrap_or("").to_string())
            .collect();
    assert!(
        answers.iter().any(|s| s.starts_with("401")),
        "the token never expired: {answers:?}"
    );
    assert!(
        answers.iter().any(|s| s.starts_with("429")),
        "the rate limit never answered: {answers:?}"
    );
    assert!(
        m.h.events("fmc_request")
            .iter()
            .any(|e| e["path"].as_str().unwrap_or("").ends_with("refreshtoken"))
    );
}

#[test]
fn the_new_version_is_awaited_and_a_stale_fmc_warns_or_fails() {
    let m = Managed::new(1, &[]);
    let target = ftd_sim::device::Version::parse("7.2.7-500").unwrap();
    {
        let mut sim = m.h.sim.running.sim.lock().unwrap();
        for u in 0..2 {
            sim.pairs[0].units[u].version = target.clone();
        }
    }
    let r = m.call(0, json!({"action": "sync", "target_version": "7.2.7-500"}));
    assert_eq!(
        (r["failed"].as_bool(), r["synced"].as_bool()),
        (Some(false), Some(true)),
        "{r}"
    );

    let stale = Managed::new(1, &["stale-version=100000"]);
    // The FMC knew the old version before the upgrade.
    assert_eq!(stale.call(0, json!({"action": "check"}))["failed"], false);
    {
        let mut sim = stale.h.sim.running.sim.lock().unwrap();
        for u in 0..2 {
            sim.pairs[0].units[u].version = target.clone();
        }
    }
    let warned = stale.call(
        0,
        json!({"action": "sync", "target_version": "7.2.7-500", "timeout": 0.5}),
    );
    assert_eq!(
        (warned["failed"].as_bool(), warned["synced"].as_bool()),
        (Some(false), Some(false)),
        "{warned}"
    );
    assert!(
        warned["warnings"].to_string().contains("the FMC lags"),
        "{warned}"
    );
    let failed = stale.call(0, json!({"action": "sync", "target_version": "7.2.7-500", "timeout": 0.5, "require_sync": true}));
    assert_eq!(failed["failed"], true, "{failed}");
}

/// The pair with its roles swapped: the Primary (unit 0) Standby Ready.
fn swapped(m: &Managed) {
    let mut sim = m.h.sim.running.sim.lock().unwrap();
    let now = sim.now();
    let timing = sim.timing;
    sim.pairs[0].failover_active(1, now, &timing).unwrap();
}

fn wait_standby_ready(m: &Managed, unit: usize) {
    for _ in 0..400 {
        if m.h.sim_state(unit).1 == "Standby Ready" {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!(
        "unit {unit} never became Standby Ready: {:?}",
        m.h.sim_state(unit)
    );
}

#[test]
fn the_fmc_switches_the_peers_back_and_the_unit_confirms_it() {
    let m = Managed::new(1, &[]);
    swapped(&m);
    wait_standby_ready(&m, 0);
    let check = m.call(0, json!({"action": "switch", "_ansible_check_mode": true}));
    assert_eq!(check["changed"], true, "{check}");
    assert_eq!(m.count("fmc_switch"), 0, "check mode switched");
    let r = m.call(0, json!({"action": "switch"}));
    assert_eq!(
        (r["failed"].as_bool(), r["changed"].as_bool()),
        (Some(false), Some(true)),
        "{r}"
    );
    assert_eq!(r["task"]["status"], "Success");
    assert_eq!(m.h.sim_state(0).1, "Active");
    let again = m.call(0, json!({"action": "switch"}));
    assert_eq!(again["changed"], false, "{again}");
    assert_eq!(m.count("fmc_switch"), 1);
}

#[test]
fn a_failed_switch_task_is_reported_and_the_roles_stay() {
    let m = Managed::new(1, &["switch-fails"]);
    swapped(&m);
    wait_standby_ready(&m, 0);
    let r = m.call(0, json!({"action": "switch"}));
    assert_eq!(r["failed"], true, "{r}");
    assert!(msg(&r).contains("ended FAILED"), "{r}");
    assert_eq!(m.h.sim_state(1).1, "Active");
}

#[test]
fn the_fmc_never_switches_to_a_unit_that_is_not_standby_ready() {
    let m = Managed::new(1, &[]);
    // Unit 1 is Standby Ready, unit 0 Active: asking unit 0's peer to take over is fine, but
    // a switch run for unit 1 while unit 0 is not Active must be refused. Make unit 0 Failed.
    {
        let mut sim = m.h.sim.running.sim.lock().unwrap();
        sim.pairs[0].units[1].ha_state = "Cold Standby".into();
    }
    let r = m.call(1, json!({"action": "switch"}));
    assert_eq!(r["failed"], true, "{r}");
    assert!(msg(&r).contains("not Standby Ready"), "{r}");
    assert_eq!(m.count("fmc_switch"), 0);
}

const NO_PACKAGE: [&str; 2] = ["1:a:package-missing", "1:b:package-missing"];
const PACKAGE: &str = "Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar";

/// The members as the playbook gives them for a copy: each with its package's size, if any.
fn members_with(sizes: [Option<u64>; 2]) -> Value {
    json!([
        {"name": "fw-1-a", "state": "Active", "package_size": sizes[0]},
        {"name": "fw-1-b", "state": "Standby Ready", "package_size": sizes[1]},
    ])
}

#[test]
fn the_fmc_copies_a_package_it_alone_holds_to_both_units() {
    let m = Managed::holding_the_package(&NO_PACKAGE, &[]);
    let copy = json!({"action": "copy", "package": PACKAGE, "members": members_with([None, None])});
    let dry = m.call(0, with(copy.clone(), json!({"_ansible_check_mode": true})));
    assert_eq!(
        (dry["failed"].as_bool(), dry["changed"].as_bool()),
        (Some(false), Some(true)),
        "{dry}"
    );
    assert!(
        msg(&dry).contains("would copy Cisco_FTD_Upgrade-7.2.7-500.sh to fw-1-a and fw-1-b"),
        "{dry}"
    );
    assert_eq!(m.count("fmc_push"), 0, "check mode sent a copy");
    let r = m.call(0, copy);
    assert_eq!(
        (r["failed"].as_bool(), r["changed"].as_bool()),
        (Some(false), Some(true)),
        "{r}"
    );
    assert_eq!(r["copied_to"], json!(["fw-1-a", "fw-1-b"]));
    let pushes = m.h.events("fmc_push");
    assert_eq!(pushes.len(), 1, "one copy for both units: {pushes:?}");
    assert_eq!(pushes[0]["targets"].as_array().unwrap().len(), 2);
    let size = r["package_size"].as_u64().unwrap();
    // Both units hold it whole now: the stage module's confirmation passes with the checksum.
    let md5 = ftd_sim::model::fs::published_checksums(PACKAGE, size).0;
    for unit in 0..2 {
        let confirm = Call::stage()
            .args(json!({"package": PACKAGE, "confirm_only": true, "size": size, "checksum": format!("md5:{md5}")}))
            .on(&m.h, unit);
        assert_eq!(
            (confirm["failed"].as_bool(), confirm["changed"].as_bool()),
            (Some(false), Some(false)),
            "{confirm}"
        );
        assert_eq!(confirm["checksum_verified"], true, "{confirm}");
    }
    // Run again with both sizes right: nothing is sent.
    let again = m.call(0, json!({"action": "copy", "package": PACKAGE, "members": members_with([Some(size), Some(size)])}));
    assert_eq!(
        (again["failed"].as_bool(), again["changed"].as_bool()),
        (Some(false), Some(false)),
        "{again}"
    );
    assert_eq!(
        m.count("fmc_push"),
        1,
        "a unit that has the package was copied to again"
    );
}

#[test]
fn a_unit_that_has_the_package_is_not_copied_to_again() {
    let m = Managed::holding_the_package(&["1:b:package-missing"], &[]);
    let size = m.h.sim.running.sim.lock().unwrap().pairs[0].units[0]
        .model
        .package_size;
    let r = m.call(
        0,
        json!({"action": "copy", "package": PACKAGE, "members": members_with([Some(size), None])}),
    );
    assert_eq!(r["copied_to"], json!(["fw-1-b"]), "{r}");
    let pushes = m.h.events("fmc_push");
    assert_eq!(
        pushes[0]["targets"].as_array().unwrap().len(),
        1,
        "{pushes:?}"
    );
}

#[test]
fn a_copy_that_cannot_or_does_not_happen_names_what_the_fmc_said() {
    let copy = json!({"action": "copy", "package": PACKAGE, "members": members_with([None, None])});
    let missing = Managed::holding_the_package(&NO_PACKAGE, &["package-missing"]);
    let r = missing.call(0, copy.clone());
    assert!(
        msg(&r).starts_with(
            "fw-1-a [fmc]: refused: the FMC has no upgrade package Cisco_FTD_Upgrade-7.2.7-500.sh"
        ),
        "{r}"
    );
    let not_applicable = Managed::holding_the_package(&NO_PACKAGE, &["not-applicable=1"]);
    let r = not_applicable.call(0, copy.clone());
    assert!(msg(&r).contains("does not list fw-1-a"), "{r}");
    assert_eq!(not_applicable.count("fmc_push"), 0);
    let fails = Managed::holding_the_package(&NO_PACKAGE, &["push-fails"]);
    let r = fails.call(0, copy.clone());
    assert!(msg(&r).contains("ended FAILED"), "{r}");
    // The half-copied file is not taken for the package.
    let confirm = Call::stage()
        .args(json!({"package": PACKAGE, "confirm_only": true, "size": 1123706880}))
        .on(&fails.h, 1);
    assert!(
        msg(&confirm).contains("the copy is incomplete"),
        "{confirm}"
    );
    let stuck = Managed::holding_the_package(&NO_PACKAGE, &["push-stuck"]);
    let r = stuck.call(0, with(copy, json!({"timeout": 1})));
    assert!(msg(&r).contains("was still RUNNING after 1s"), "{r}");
    let nothing = Call::stage()
        .args(json!({"package": "Cisco_FTD_Upgrade-7.2.8-25.sh.REL.tar", "confirm_only": true}))
        .on(&stuck.h, 0);
    assert!(msg(&nothing).contains("is not on the unit"), "{nothing}");
}
