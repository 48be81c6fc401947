//! Units whose SSH servers allow only some algorithms: a FIPS / Common Criteria / CNSA site
//! (NIST-curve key exchange only, AES-CTR/GCM, SHA-2 MACs, an ECDSA host key) is reached and
//! upgraded as any other; a unit the client shares no algorithm with is named a configuration
//! mismatch, never "it may be rebooting".

mod common;

use common::*;
use ftd_sim::server::SshPolicy;
use serde_json::json;

#[test]
fn a_unit_in_fips_mode_is_read_checked_and_installed() {
    let h = Harness::with_ssh_policy(SshPolicy::Fips);
    let known = std::fs::read_to_string(&h.sim.known_hosts).unwrap();
    assert!(known.contains("ecdsa-sha2-nistp256"), "{known}");
    let r = Call::facts().on(&h, 1);
    assert_eq!(r["failed"], false, "{r}");
    assert_eq!(r["unit"]["state"], "Standby Ready");
    // The whole standby stage goes through sessions of that kind: the readiness check, the
    // install in its own session, the follow to the reboot, the wait for the return.
    let r = Call::readiness().fast().package(PACKAGE).on(&h, 1);
    assert_eq!(r["passed"], true, "{r}");
    let r = Call::install().fast().package(PACKAGE).on(&h, 1);
    assert_eq!(r["rebooting"], true, "{r}");
    let r = Call::wait_reboot()
        .fast()
        .args(json!({"target_version": TARGET, "already_down": true}))
        .on(&h, 1);
    assert_eq!(r["failed"], false, "{r}");
    assert_eq!(r["unit"]["version"], TARGET);
}

#[test]
fn no_common_algorithm_is_a_configuration_mismatch_not_a_reboot() {
    let h = Harness::with_ssh_policy(SshPolicy::Legacy);
    let r = Call::facts().on(&h, 1);
    assert_eq!(r["failed"], true, "{r}");
    assert_eq!(r["error_kind"], "ssh_algorithms", "{r}");
    let m = msg(&r);
    assert!(
        m.starts_with("fw-1-b [facts]: the SSH server of 127.0.0.1:"),
        "{m}"
    );
    assert!(
        m.contains("share no kex algorithm: a configuration mismatch"),
        "{m}"
    );
    assert!(
        m.contains("The unit offers diffie-hellman-group14-sha1, diffie-hellman-group1-sha1"),
        "{m}"
    );
    assert!(
        m.contains("this client offers") && m.contains("ecdh-sha2-nistp256"),
        "{m}"
    );
    assert!(
        !m.contains("wait_reboot"),
        "sends the operator the wrong way: {m}"
    );
    // Permanent: wait_reboot does not poll it until its timeout.
    let started = std::time::Instant::now();
    let r = Call::wait_reboot()
        .args(json!({"target_version": TARGET, "timeout": 600, "poll_interval": 1}))
        .on(&h, 1);
    assert_eq!(r["failed"], true, "{r}");
    assert!(msg(&r).contains("configuration mismatch"), "{}", msg(&r));
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}
