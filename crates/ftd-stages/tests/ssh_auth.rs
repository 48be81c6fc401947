//! Logging in the way AWX hands credentials over: a key held by ssh-agent (`SSH_AUTH_SOCK`),
//! and the unit's known_hosts lines given as text rather than a file. Uses OpenSSH's own
//! `ssh-agent` and `ssh-add`.

use ftd_device::DeviceError;
use ftd_device::session::{CliSession, Escalation};
use ftd_device::transport::ConnectOptions;
use ftd_sim::testing::{PASSWORD, TestSim};
use russh::keys::{Algorithm, PrivateKey, ssh_key::LineEnding};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// An `ssh-agent` of its own, holding the given key; stopped when dropped.
struct Agent {
    child: Child,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Agent {
    fn holding(key: &PrivateKey) -> Agent {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&socket)
            .stdout(Stdio::null())
            .spawn()
            .expect("ssh-agent (openssh-client) is needed by this test");
        let started = Instant::now();
        while !socket.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no agent socket"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let key_file = dir.path().join("id_ed25519");
        std::fs::write(
            &key_file,
            key.to_openssh(LineEnding::LF).unwrap().as_bytes(),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let added = Command::new("ssh-add")
            .arg(&key_file)
            .env("SSH_AUTH_SOCK", &socket)
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(added.success(), "ssh-add failed");
        std::fs::remove_file(&key_file).unwrap();
        Agent {
            child,
            socket,
            _dir: dir,
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn new_key() -> PrivateKey {
    PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap()
}

fn options(
    sim: &TestSim,
    agent: Option<&Path>,
    known_hosts_content: Option<&str>,
) -> ConnectOptions {
    ConnectOptions {
        host: "127.0.0.1".into(),
        port: sim.port(0, 1),
        username: "admin".into(),
        password: None,
        private_key: None,
        ssh_agent: agent.map(Path::to_path_buf),
        known_hosts: sim.known_hosts.clone(),
        known_hosts_content: known_hosts_content.map(Into::into),
        host_key_checking: true,
        connect_timeout: Duration::from_secs(10),
        command_timeout: Duration::from_secs(10),
        jump: None,
    }
}

fn sudo() -> Escalation {
    Escalation {
        sudo_password: Zeroizing::new(PASSWORD.into()),
        enable_password: Zeroizing::new(String::new()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_held_by_the_agent_logs_in_without_a_password() {
    let key = new_key();
    let sim = TestSim::start_authorized(1, 1.0, vec![key.public_key().clone()]).await;
    let agent = Agent::holding(&key);
    let mut s = CliSession::login(&options(&sim, Some(&agent.socket), None), sudo())
        .await
        .unwrap();
    let version = s.clish("show version").await.unwrap();
    assert!(version.contains("Version 7.2.2"), "{version}");
    s.close().await;
    let logins: Vec<_> = sim
        .events()
        .into_iter()
        .filter(|e| e["event"] == "login" && e["accepted"] == true)
        .collect();
    assert_eq!(logins.len(), 1, "{logins:?}");
    assert_eq!(logins[0]["method"], "publickey");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_without_the_units_key_is_refused_and_named() {
    let sim = TestSim::start_authorized(1, 1.0, vec![new_key().public_key().clone()]).await;
    let agent = Agent::holding(&new_key());
    let err = CliSession::login(&options(&sim, Some(&agent.socket), None), sudo())
        .await
        .err()
        .expect("a key the unit does not know must not log in");
    match err {
        DeviceError::AuthFailed { tried, .. } => assert_eq!(tried, "publickey (agent)"),
        other => panic!("expected AuthFailed, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_hosts_given_as_text_is_checked_like_the_file() {
    let key = new_key();
    let sim = TestSim::start_authorized(1, 1.0, vec![key.public_key().clone()]).await;
    let agent = Agent::holding(&key);
    let lines = std::fs::read_to_string(&sim.known_hosts).unwrap();
    let mut opts = options(&sim, Some(&agent.socket), Some(&lines));
    opts.known_hosts = PathBuf::from("/nonexistent/known_hosts");
    let s = CliSession::login(&opts, sudo()).await.unwrap();
    s.close().await;

    // Another key for the unit's address: refused as a changed key, naming the option.
    let other = new_key();
    let pattern = format!("[127.0.0.1]:{}", sim.port(0, 1));
    let wrong = format!("{pattern} {}", other.public_key().to_openssh().unwrap());
    let opts = options(&sim, Some(&agent.socket), Some(&wrong));
    match CliSession::login(&opts, sudo()).await.err() {
        Some(DeviceError::HostKeyChanged { known_hosts, .. }) => {
            assert_eq!(known_hosts, "the known_hosts_content option")
        }
        other => panic!(
            "expected HostKeyChanged, got {:?}",
            other.map(|e| e.to_string())
        ),
    }
}
