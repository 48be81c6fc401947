//! Running the modules in-process, through the whole binary-module protocol, against a sim.

#![allow(dead_code)]

use ansible_module::{ModuleInfo, ModuleResult, RawArgs, RunContext};
use ftd_sim::testing::{PASSWORD, TestSim};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// 30 device minutes of install take 3.6 s.
pub const SCALE: f64 = 0.002;
pub const LOCK_DIR: &str = ftd_device::paths::LOCK_DIR;
pub const PACKAGE: &str = "Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar";
pub const TARGET: &str = "7.2.7-500";

pub struct Harness {
    pub sim: TestSim,
    pub journal: tempfile::NamedTempFile,
    rt: tokio::runtime::Runtime,
}

impl Harness {
    pub fn new(faults: &[&str]) -> Self {
        Self::started(TestSim::start(1, SCALE, faults))
    }

    /// A sim of `pairs` pairs (the connection options still name pair 1's units).
    pub fn pairs(pairs: usize) -> Self {
        Self::started(TestSim::start(pairs, SCALE, &[]))
    }

    /// A sim with the field behaviours set as given.
    pub fn with_realism(faults: &[&str], realism: ftd_sim::model::realism::Realism) -> Self {
        Self::started(TestSim::start_realism(1, SCALE, faults, realism))
    }

    /// Units whose SSH servers offer only the algorithms of `policy`.
    pub fn with_ssh_policy(policy: ftd_sim::server::SshPolicy) -> Self {
        Self::started(TestSim::start_policy(1, SCALE, policy))
    }

    /// A harness around the sim `start` brings up, on a runtime of its own.
    fn started(start: impl std::future::Future<Output = TestSim>) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sim = rt.block_on(start);
        Harness {
            sim,
            journal: tempfile::NamedTempFile::new().unwrap(),
            rt,
        }
    }

    /// Runs a future on the harness's runtime (servers a test starts live there).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Files under `dir` on a unit of the sim.
    pub fn files_under(&self, unit: usize, dir: &str) -> Vec<String> {
        let sim = self.sim.running.sim.lock().unwrap();
        sim.pairs[0].units[unit]
            .fs
            .list(dir)
            .into_iter()
            .map(|e| e.0)
            .collect()
    }

    /// The sim's output trickles out in small pieces with small delays.
    pub fn slow(faults: &[&str]) -> Self {
        Self::started(TestSim::start_slow(1, SCALE, faults))
    }

    /// Makes the unit's lock `owner`'s, stamped `age` device seconds ago (a run that died).
    pub fn lock_stamped_at(&self, unit: usize, owner: &str, age: u64) {
        let mut sim = self.sim.running.sim.lock().unwrap();
        let wall = sim.clock.wall(sim.now());
        let since = wall.unix_timestamp() as u64 - age;
        let fs = &mut sim.pairs[0].units[unit].fs;
        fs.make_dir(LOCK_DIR);
        fs.write(
            &format!("{LOCK_DIR}/owner"),
            &format!("owner={owner} since={since}\n"),
            "Jan  1 00:00",
        );
    }

    /// The sim's device clock (seconds since it started), as its events' `t`.
    pub fn device_now(&self) -> f64 {
        self.sim.running.sim.lock().unwrap().now()
    }

    /// The owner file of the unit's lock, when there is one.
    pub fn lock_owner(&self, unit: usize) -> Option<String> {
        let sim = self.sim.running.sim.lock().unwrap();
        sim.pairs[0].units[unit]
            .fs
            .text(&format!("{LOCK_DIR}/owner"))
            .map(String::from)
    }

    /// Connection options of unit 0 (primary) or 1 (secondary) of pair 1.
    pub fn conn(&self, unit: usize) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("host".into(), json!("127.0.0.1"));
        m.insert("port".into(), json!(self.sim.port(0, unit)));
        m.insert("username".into(), json!("admin"));
        m.insert("password".into(), json!(PASSWORD));
        m.insert(
            "known_hosts".into(),
            json!(self.sim.known_hosts.display().to_string()),
        );
        m.insert(
            "unit".into(),
            json!(if unit == 0 { "fw-1-a" } else { "fw-1-b" }),
        );
        m.insert(
            "journal".into(),
            json!(self.journal.path().display().to_string()),
        );
        m.insert("connect_timeout".into(), json!(5));
        m.insert("command_timeout".into(), json!(10));
        m
    }

    pub fn events(&self, kind: &str) -> Vec<Value> {
        self.sim
            .events()
            .into_iter()
            .filter(|e| e["event"] == kind)
            .collect()
    }

    pub fn sim_state(&self, unit: usize) -> (String, String) {
        let sim = self.sim.running.sim.lock().unwrap();
        let u = &sim.pairs[0].units[unit];
        (u.version.to_string(), u.ha_state.clone())
    }
}

/// Runs a module the way Ansible does: options plus `_ansible_*` keys, validated, masked.
pub fn run<A, F>(info: &ModuleInfo, body: F, conn: Map<String, Value>, extra: Value) -> Value
where
    A: DeserializeOwned + JsonSchema,
    F: FnOnce(A, &RunContext) -> ModuleResult,
{
    let mut args = conn;
    if let Value::Object(e) = extra {
        args.extend(e);
    }
    args.insert(
        "_ansible_module_name".into(),
        json!(format!("ftd.ha_upgrade.{}", info.name)),
    );
    let out = ansible_module::run::run_with_args(info, RawArgs::from_map(args), body);
    assert!(
        !out.to_string().contains(PASSWORD),
        "password leaked: {out}"
    );
    out
}

pub fn msg(v: &Value) -> &str {
    v["msg"].as_str().unwrap_or_default()
}

pub fn fast() -> Value {
    json!({"poll_interval": 0.05, "timeout": 30})
}

pub fn with(base: Value, extra: Value) -> Value {
    let mut b = base;
    if let (Value::Object(b), Value::Object(e)) = (&mut b, extra) {
        b.extend(e);
    }
    b
}

/// One module call as a test states it: `Call::readiness().fast().package(PACKAGE).on(&h, 1)`.
pub struct Call {
    runner: Box<dyn Fn(Map<String, Value>, Value) -> Value>,
    extra: Value,
}

impl Call {
    fn of<A, F>(info: &'static ModuleInfo, body: F) -> Call
    where
        A: DeserializeOwned + JsonSchema + 'static,
        F: Fn(A, &RunContext) -> ModuleResult + Copy + 'static,
    {
        Call {
            runner: Box::new(move |conn, extra| run(info, body, conn, extra)),
            extra: json!({}),
        }
    }

    pub fn facts() -> Call {
        Call::of(&ftd_stages::facts::INFO, ftd_stages::facts::run)
    }
    pub fn readiness() -> Call {
        Call::of(&ftd_stages::readiness::INFO, ftd_stages::readiness::run)
    }
    pub fn install() -> Call {
        Call::of(&ftd_stages::install::INFO, ftd_stages::install::run)
    }
    pub fn wait_reboot() -> Call {
        Call::of(&ftd_stages::wait_reboot::INFO, ftd_stages::wait_reboot::run)
    }
    pub fn failover_swap() -> Call {
        Call::of(
            &ftd_stages::failover_swap::INFO,
            ftd_stages::failover_swap::run,
        )
    }
    pub fn verify() -> Call {
        Call::of(&ftd_stages::verify::INFO, ftd_stages::verify::run)
    }
    pub fn evidence() -> Call {
        Call::of(&ftd_stages::evidence::INFO, ftd_stages::evidence::run)
    }
    pub fn lock() -> Call {
        Call::of(&ftd_stages::lock::INFO, ftd_stages::lock::run)
    }
    pub fn stage() -> Call {
        Call::of(&ftd_stages::stage::INFO, ftd_stages::stage::run)
    }

    /// More options (merged over those given so far).
    pub fn args(mut self, extra: Value) -> Call {
        self.extra = with(self.extra, extra);
        self
    }
    /// Short polls and timeouts, for the sim's fast clock.
    pub fn fast(self) -> Call {
        self.args(fast())
    }
    pub fn package(self, package: &str) -> Call {
        self.args(json!({ "package": package }))
    }
    pub fn check_mode(self) -> Call {
        self.args(json!({"_ansible_check_mode": true}))
    }

    /// Runs the call against unit 0 or 1 of the harness's pair.
    pub fn on(&self, h: &Harness, unit: usize) -> Value {
        (self.runner)(h.conn(unit), self.extra.clone())
    }
    /// Runs the call with connection options a test changed.
    pub fn with_conn(&self, conn: Map<String, Value>) -> Value {
        (self.runner)(conn, self.extra.clone())
    }
}
