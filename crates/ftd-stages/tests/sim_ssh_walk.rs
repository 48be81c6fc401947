//! The project's SSH client logs into the sim and walks every mode, as the modules will.

use ftd_device::DeviceError;
use ftd_device::session::{CliSession, Escalation, Mode};
use ftd_device::transport::ConnectOptions;
use ftd_sim::testing::{PASSWORD, TestSim};
use std::time::Duration;
use zeroize::Zeroizing;

fn options(sim: &TestSim, pair: usize, unit: usize, password: &str) -> ConnectOptions {
    ConnectOptions {
        host: "127.0.0.1".into(),
        port: sim.port(pair, unit),
        username: "admin".into(),
        password: Some(Zeroizing::new(password.into())),
        private_key: None,
        ssh_agent: None,
        known_hosts: sim.known_hosts.clone(),
        known_hosts_content: None,
        host_key_checking: true,
        connect_timeout: Duration::from_secs(5),
        command_timeout: Duration::from_secs(5),
        jump: None,
    }
}

fn escalation(sudo: &str) -> Escalation {
    Escalation {
        sudo_password: Zeroizing::new(sudo.into()),
        enable_password: Zeroizing::new(String::new()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walks_clish_expert_root_and_lina() {
    let sim = TestSim::start(1, 1.0, &[]).await;
    let mut s = CliSession::login(&options(&sim, 0, 1, PASSWORD), escalation(PASSWORD))
        .await
        .unwrap();
    assert!(
        s.banner
            .contains("Cisco Firepower Threat Defense for VMware v7.2.2 (build 54)")
    );

    let version = s.clish("show version").await.unwrap();
    assert!(version.contains("Version 7.2.2 (Build 54)"), "{version}");

    let (out, status) = s.root("ls -l /ngfw/var/sf/updates").await.unwrap();
    assert_eq!(status, 0);
    assert!(
        out.contains("Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar"),
        "{out}"
    );
    assert_eq!(s.mode(), Mode::Root);
    assert_eq!(s.hostname(), "fw-1-b");
    let (_, status) = s.root("test -f /nonexistent").await.unwrap();
    assert_eq!(status, 1);
    let (out, status) = s.root("bogus-command").await.unwrap();
    assert_eq!(status, 127);
    assert!(out.contains("command not found"));

    let state = s.lina("show failover state").await.unwrap();
    assert_eq!(s.mode(), Mode::LinaEnable);
    let parsed = ftd_device::parse::failover_state::parse(&state).unwrap();
    assert_eq!(parsed.this_host.state, "Standby Ready");
    // The long form pages unless `terminal pager 0` was sent on entering enable mode.
    let long = s.lina("show failover").await.unwrap();
    assert!(!long.contains("More"));
    assert!(
        ftd_device::parse::show_failover::parse(&long)
            .unwrap()
            .this_host
            .ftd_slots_up()
    );

    let (out, _) = s.root("echo back in root").await.unwrap();
    assert!(out.contains("back in root"));
    s.goto(Mode::Clish).await.unwrap();
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_interactive_only_devices() {
    let sim = TestSim::start_with(1, 1.0, &[], true).await;
    let mut s = CliSession::login(&options(&sim, 0, 0, PASSWORD), escalation(PASSWORD))
        .await
        .unwrap();
    assert!(
        s.clish("show failover state")
            .await
            .unwrap()
            .contains("Active")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_login_password_is_an_auth_error_and_never_echoed() {
    let sim = TestSim::start(1, 1.0, &[]).await;
    let err = CliSession::login(&options(&sim, 0, 0, "wrong-pass"), escalation("wrong-pass"))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, DeviceError::AuthFailed { .. }), "{err}");
    assert!(!err.to_string().contains("wrong-pass"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_sudo_password_is_not_retried() {
    let sim = TestSim::start(1, 1.0, &["1:secondary:sudo-password=other"]).await;
    let mut s = CliSession::login(&options(&sim, 0, 1, PASSWORD), escalation(PASSWORD))
        .await
        .unwrap();
    let err = s.root("true").await.unwrap_err();
    assert!(
        matches!(err, DeviceError::PasswordRejected { what: "sudo", .. }),
        "{err}"
    );
    let attempts = sim
        .events()
        .iter()
        .filter(|e| e["event"] == "password_entered")
        .count();
    assert_eq!(attempts, 1, "one try only: three lock the account");
    // The session is usable afterwards, back at the admin prompt.
    assert!(s.clish("show version").await.unwrap().contains("Model"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_changed_host_keys_are_refused() {
    let sim = TestSim::start(1, 1.0, &[]).await;
    let mut opts = options(&sim, 0, 0, PASSWORD);
    let empty = tempfile::NamedTempFile::new().unwrap();
    opts.known_hosts = empty.path().to_path_buf();
    let err = CliSession::login(&opts, escalation(PASSWORD))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, DeviceError::HostKeyUnknown { .. }), "{err}");
    assert!(err.to_string().contains("SHA256:"));

    // The other unit's key recorded for this port: a changed key.
    let other = std::fs::read_to_string(&sim.known_hosts).unwrap();
    let other_key = other
        .lines()
        .find(|l| l.contains(&format!(":{} ", sim.port(0, 1))))
        .unwrap()
        .split_once(' ')
        .unwrap()
        .1;
    std::fs::write(
        empty.path(),
        format!("[127.0.0.1]:{} {other_key}\n", sim.port(0, 0)),
    )
    .unwrap();
    let err = CliSession::login(&opts, escalation(PASSWORD))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, DeviceError::HostKeyChanged { .. }), "{err}");

    opts.host_key_checking = false;
    let s = CliSession::login(&opts, escalation(PASSWORD))
        .await
        .unwrap();
    assert!(s.host_key_warning().is_some());
}

/// `ssh-keygen -H` style entry: `|1|base64(salt)|base64(HMAC-SHA1(salt, "[host]:port"))`.
fn hashed_entry(host_port: &str, key: &str) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let salt = [7u8; 20];
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&salt).unwrap();
    mac.update(host_port.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD;
    format!(
        "|1|{}|{} {key}\n",
        b64.encode(salt),
        b64.encode(mac.finalize().into_bytes())
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_known_hosts_entries_are_read() {
    let sim = TestSim::start(1, 1.0, &[]).await;
    let port = sim.port(0, 0);
    let recorded = std::fs::read_to_string(&sim.known_hosts).unwrap();
    let key = recorded
        .lines()
        .find(|l| l.starts_with(&format!("[127.0.0.1]:{port} ")))
        .unwrap()
        .split_once(' ')
        .unwrap()
        .1
        .to_string();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        format!(
            "# hashed, as ssh-keygen -H writes them\n{}",
            hashed_entry(&format!("[127.0.0.1]:{port}"), &key)
        ),
    )
    .unwrap();
    let mut opts = options(&sim, 0, 0, PASSWORD);
    opts.known_hosts = file.path().to_path_buf();
    let mut s = CliSession::login(&opts, escalation(PASSWORD))
        .await
        .unwrap();
    assert!(s.clish("show version").await.unwrap().contains("Model"));
    assert!(s.host_key_warning().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_network_chunking_the_output_changes_nothing() {
    let sim = TestSim::start_slow(1, 1.0, &[]).await;
    let mut s = CliSession::login(&options(&sim, 0, 1, PASSWORD), escalation(PASSWORD))
        .await
        .unwrap();
    let version =
        ftd_device::parse::show_version::parse(&s.clish("show version").await.unwrap()).unwrap();
    assert_eq!(version.version.to_string(), "7.2.2-54");
    let (out, status) = s.root("ls -l /ngfw/var/sf/updates").await.unwrap();
    assert_eq!(status, 0);
    assert_eq!(ftd_device::parse::listing::ls_long(&out).len(), 4);
    let state =
        ftd_device::parse::failover_state::parse(&s.lina("show failover state").await.unwrap())
            .unwrap();
    assert_eq!(state.this_host.state, "Standby Ready");
}
