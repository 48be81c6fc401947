//! Starting a sim inside a test process, with what a client needs to reach it.

use crate::device::Version;
use crate::model::clock::Clock;
use crate::model::faults::FaultSpec;
use crate::model::{Sim, SimConfig, Timing, texts};
use crate::server::{self, EventLog, RunningSim, ServerOptions, SshPolicy};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

pub const PASSWORD: &str = "Sim-Test-Pass-9";

/// One pair's model (no sockets), 7.2.2-54 → 7.2.7-500, device time = real time.
pub fn model(faults: &[&str], realism: crate::model::realism::Realism) -> Sim {
    Sim::new(config(1, faults, realism), Clock::new(1.0))
}

/// The test pairs' configuration: 7.2.2-54 → 7.2.7-500 on FTDv, the test password.
fn config(pairs: usize, faults: &[&str], realism: crate::model::realism::Realism) -> SimConfig {
    SimConfig {
        pairs,
        from: Version::parse("7.2.2-54").unwrap(),
        to: Version::parse("7.2.7-500").unwrap(),
        hops: Vec::new(),
        fxos: None,
        model: texts::model("ftdv").unwrap(),
        faults: faults
            .iter()
            .map(|f| f.parse::<FaultSpec>().unwrap())
            .collect(),
        username: "admin".into(),
        password: PASSWORD.into(),
        enable_password: String::new(),
        timing: Timing::default(),
        realism,
        target_on_units: true,
    }
}

/// A terminal on one unit of a model, typed into as over SSH: what the unit sends back,
/// byte for byte (`\r\n` line ends, echo, escape codes).
pub struct Console {
    pub sim: Sim,
    pub terminal: crate::cli::Terminal,
    editor: crate::cli::keys::LineEditor,
}

impl Console {
    pub fn new(sim: Sim, unit: usize) -> Console {
        Console {
            sim,
            terminal: crate::cli::Terminal::new(0, unit),
            editor: Default::default(),
        }
    }

    /// The login banner and first prompt.
    pub fn greeting(&self) -> String {
        self.terminal.greeting(&self.sim).replace('\n', "\r\n")
    }

    /// Types `line` and Enter; returns everything the unit printed.
    pub fn type_line(&mut self, line: &str) -> String {
        let mut out = String::new();
        for byte in line.bytes().chain([b'\r']) {
            let (outputs, _) = self.editor.feed(&mut self.terminal, &mut self.sim, byte);
            for o in outputs {
                if let crate::cli::Output::Text(t) = o {
                    out.push_str(&t.replace('\n', "\r\n"));
                }
            }
        }
        out
    }
}

pub struct TestSim {
    pub running: RunningSim,
    pub known_hosts: PathBuf,
    pub events: PathBuf,
    _dir: tempfile::TempDir,
}

/// What a test's sim differs in from the default one; each `start_*` names its part.
#[derive(Default)]
struct Setup {
    kbd_only: bool,
    slow_network: bool,
    realism: crate::model::realism::Realism,
    authorized_keys: Vec<russh::keys::PublicKey>,
    ssh_policy: SshPolicy,
}

impl TestSim {
    /// One or more pairs on OS-chosen ports, 7.2.2-54 → 7.2.7-500, at `scale`.
    pub async fn start(pairs: usize, scale: f64, faults: &[&str]) -> TestSim {
        Self::start_with(pairs, scale, faults, false).await
    }

    pub async fn start_with(pairs: usize, scale: f64, faults: &[&str], kbd_only: bool) -> TestSim {
        let setup = Setup {
            kbd_only,
            ..Setup::default()
        };
        Self::start_full(pairs, scale, faults, setup).await
    }

    /// Accepting these public keys for the admin user too (the password still works).
    pub async fn start_authorized(
        pairs: usize,
        scale: f64,
        authorized_keys: Vec<russh::keys::PublicKey>,
    ) -> TestSim {
        let setup = Setup {
            authorized_keys,
            ..Setup::default()
        };
        Self::start_full(pairs, scale, &[], setup).await
    }

    /// With the field behaviours set as given (the default is every one on).
    pub async fn start_realism(
        pairs: usize,
        scale: f64,
        faults: &[&str],
        realism: crate::model::realism::Realism,
    ) -> TestSim {
        let setup = Setup {
            realism,
            ..Setup::default()
        };
        Self::start_full(pairs, scale, faults, setup).await
    }

    /// Output trickles out in small pieces with small delays.
    pub async fn start_slow(pairs: usize, scale: f64, faults: &[&str]) -> TestSim {
        let setup = Setup {
            slow_network: true,
            ..Setup::default()
        };
        Self::start_full(pairs, scale, faults, setup).await
    }

    /// Units whose SSH servers follow `policy` (a FIPS-mode site's algorithms).
    pub async fn start_policy(pairs: usize, scale: f64, ssh_policy: SshPolicy) -> TestSim {
        let setup = Setup {
            ssh_policy,
            ..Setup::default()
        };
        Self::start_full(pairs, scale, &[], setup).await
    }

    async fn start_full(pairs: usize, scale: f64, faults: &[&str], setup: Setup) -> TestSim {
        let Setup {
            kbd_only,
            slow_network,
            realism,
            authorized_keys,
            ssh_policy,
        } = setup;
        let dir = tempfile::tempdir().unwrap();
        let sim = Sim::new(config(pairs, faults, realism), Clock::new(scale));
        let mut keys = HashMap::new();
        for p in 0..pairs {
            for u in 0..2 {
                keys.insert(
                    (p, u),
                    russh::keys::PrivateKey::random(
                        &mut rand::rng(),
                        ssh_policy.host_key_algorithm(),
                    )
                    .unwrap(),
                );
            }
        }
        let events = dir.path().join("events.jsonl");
        let log = EventLog::open(Some(&events)).unwrap();
        let opts = ServerOptions {
            keys: keys.clone(),
            keyboard_interactive_only: kbd_only,
            auth_rejection: Duration::from_millis(10),
            slow_network,
            authorized_keys,
            ssh_policy,
        };
        let running = server::start(sim, 0, opts, log).await.unwrap();
        let known_hosts = dir.path().join("known_hosts");
        std::fs::write(
            &known_hosts,
            crate::inventory::known_hosts(&keys, &running.ports),
        )
        .unwrap();
        TestSim {
            running,
            known_hosts,
            events,
            _dir: dir,
        }
    }

    pub fn port(&self, pair: usize, unit: usize) -> u16 {
        self.running.ports[&(pair, unit)]
    }

    pub fn events(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.events)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for TestSim {
    fn drop(&mut self) {
        self.running.stop();
    }
}
