//! The FMC managing the simulated pairs, as far as its REST API goes for an HA upgrade
//! (`shared/domain/fmc-rest.md`): tokens (30-minute life, three refreshes), device records and
//! HA pairs derived from the units with a lag, pending deployments and running ones, the
//! SWITCH action and its task, paging, HTTP 429 over a rate. HTTPS with a CA of its own.

pub mod view;

use crate::events::EventLog;
use crate::http1::{self, Request};
use crate::model::Sim;
use anyhow::Result;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use view::{Device, View, device_id, pair_id};

/// The Global domain's UUID (domain file).
pub const GLOBAL_DOMAIN: &str = "e276abec-e0f2-11e3-8169-6d9ed49b625f";

#[derive(Debug, Clone, PartialEq)]
pub enum FmcFault {
    /// The pair (1-based) has configuration changes not deployed.
    PendingDeploy(usize),
    /// A deployment to the pair is running.
    Deploying(usize),
    /// More than N requests in a minute get HTTP 429.
    RateLimit(usize),
    /// Access tokens last this many (real) seconds instead of 1800.
    TokenTtl(f64),
    /// The FMC learns a new software version this many device seconds late.
    StaleVersion(f64),
    /// The SWITCH task fails.
    SwitchFails,
    /// The FMC's HA pair has another device as secondary than the pair's second unit.
    WrongMembers(usize),
    /// `paging.next` links point to this origin (`http://host:port`), not to the FMC: a
    /// misconfigured or hostile proxy in front of it.
    NextElsewhere(String),
    /// Every list answers `302 Found` to the same path on this origin.
    Redirect(String),
    /// No upgrade package was uploaded to the FMC.
    PackageMissing,
    /// The FMC does not list the pair's devices among the package's applicable devices.
    NotApplicable(usize),
    /// The copy task fails when half the package is on the units.
    PushFails,
    /// The copy task stays RUNNING at a tenth of the package, forever.
    PushStuck,
}

pub const FMC_FAULTS: &str = "pending-deploy=PAIR, deploying=PAIR, rate-limit=N, token-ttl=SECONDS, stale-version=SECONDS, switch-fails, wrong-members=PAIR, next-elsewhere=ORIGIN, redirect=ORIGIN, package-missing, not-applicable=PAIR, push-fails, push-stuck";

impl FromStr for FmcFault {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, String> {
        let usage = || format!("FMC fault '{spec}' is not one of {FMC_FAULTS}");
        let (name, arg) = spec.split_once('=').unwrap_or((spec, ""));
        let num = |a: &str| a.parse::<f64>().map_err(|_| usage());
        let pair = |a: &str| {
            a.parse::<usize>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(usage)
        };
        Ok(match name {
            "pending-deploy" => FmcFault::PendingDeploy(pair(arg)?),
            "deploying" => FmcFault::Deploying(pair(arg)?),
            "rate-limit" => FmcFault::RateLimit(pair(arg)?),
            "token-ttl" => FmcFault::TokenTtl(num(arg)?),
            "stale-version" => FmcFault::StaleVersion(num(arg)?),
            "switch-fails" => FmcFault::SwitchFails,
            "wrong-members" => FmcFault::WrongMembers(pair(arg)?),
            "next-elsewhere" if arg.contains("://") => FmcFault::NextElsewhere(arg.into()),
            "redirect" if arg.contains("://") => FmcFault::Redirect(arg.into()),
            "package-missing" => FmcFault::PackageMissing,
            "not-applicable" => FmcFault::NotApplicable(pair(arg)?),
            "push-fails" => FmcFault::PushFails,
            "push-stuck" => FmcFault::PushStuck,
            _ => return Err(usage()),
        })
    }
}

#[derive(Debug, Clone)]
pub struct FmcOptions {
    pub port: u16,
    pub username: String,
    pub password: String,
    /// Device seconds before the FMC shows a failover.
    pub state_lag: f64,
    /// Device seconds before it shows a new version (more with `stale-version`).
    pub version_lag: f64,
    /// Device seconds a SWITCH task takes before the failover happens.
    pub switch_delay: f64,
    /// The largest page (the FMC's is 1000).
    pub page_max: usize,
    /// The window `rate-limit` counts requests in (the FMC's: a minute).
    pub rate_window: Duration,
    pub faults: Vec<FmcFault>,
    /// The units' upgrade packages were uploaded to the FMC (every hop's and the target's):
    /// "Copy Upgrade Package" puts them on the units.
    pub holds_packages: bool,
    /// Bytes per device second the FMC copies to each unit.
    pub push_rate: f64,
}

impl Default for FmcOptions {
    fn default() -> Self {
        FmcOptions {
            port: 0,
            username: "api-upgrade".into(),
            password: "Fmc-Api-Pass-1".into(),
            state_lag: 5.0,
            version_lag: 30.0,
            switch_delay: 10.0,
            page_max: 1000,
            rate_window: Duration::from_secs(60),
            faults: Vec::new(),
            holds_packages: false,
            push_rate: 20e6,
        }
    }
}

struct Token {
    refresh: String,
    created: Instant,
    refreshes: u8,
}

struct Task {
    pair: usize,
    at: f64,
    status: &'static str,
    /// A copy of a package (`pushUpgradeFileOnly`) rather than a SWITCH.
    push: Option<Push>,
}

/// "Copy Upgrade Package" under way: the units' files grow at `push_rate`.
struct Push {
    /// (pair, unit) of each target.
    targets: Vec<(usize, usize)>,
    /// The unit's file name (`...sh.REL.tar`).
    file: String,
    size: u64,
    started: f64,
    written: u64,
}

struct State {
    sim: Arc<Mutex<Sim>>,
    options: FmcOptions,
    port: u16,
    view: View,
    tokens: HashMap<String, Token>,
    requests: VecDeque<Instant>,
    tasks: HashMap<String, Task>,
    events: EventLog,
    next_id: u64,
}

pub struct FmcServer {
    pub port: u16,
    pub ca_pem: String,
    task: tokio::task::JoinHandle<()>,
    ticker: tokio::task::JoinHandle<()>,
}

impl Drop for FmcServer {
    fn drop(&mut self) {
        self.task.abort();
        self.ticker.abort();
    }
}

impl FmcServer {
    pub async fn start(
        sim: Arc<Mutex<Sim>>,
        options: FmcOptions,
        events: EventLog,
    ) -> Result<FmcServer> {
        let listener = TcpListener::bind(("127.0.0.1", options.port)).await?;
        let port = listener.local_addr()?.port();
        let (acceptor, ca_pem) = http1::tls_acceptor()?;
        let state = Arc::new(Mutex::new(State {
            sim,
            options,
            port,
            view: View::default(),
            tokens: HashMap::new(),
            requests: VecDeque::new(),
            tasks: HashMap::new(),
            events,
            next_id: 0,
        }));
        // SWITCH tasks run on the FMC's clock whether or not anyone polls them.
        let ticking = state.clone();
        let ticker = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(20)).await;
                ticking.lock().unwrap().run_tasks();
            }
        });
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (state, acceptor) = (state.clone(), acceptor.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        let _ = serve(tls, state).await;
                    }
                });
            }
        });
        Ok(FmcServer {
            port,
            ca_pem,
            task,
            ticker,
        })
    }
}

/// Requests on one connection until the client closes it.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    state: Arc<Mutex<State>>,
) -> Result<()> {
    while let Some(req) = http1::read_request(&mut stream).await? {
        let (status, headers, body) = state.lock().unwrap().answer(&req);
        let body = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let mut head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.flush().await?;
    }
    Ok(())
}

type Answer = (&'static str, Vec<(String, String)>, Value);

fn error(status: &'static str, description: &str) -> Answer {
    (
        status,
        vec![],
        json!({"error": {"category": "FRAMEWORK", "messages": [{"description": description}], "severity": "ERROR"}}),
    )
}

impl State {
    fn fault<T>(&self, f: impl Fn(&FmcFault) -> Option<T>) -> Option<T> {
        self.options.faults.iter().find_map(f)
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        format!(
            "{:08x}-7a5c-4b1e-a000-{:012x}",
            self.next_id,
            self.next_id * 7919
        )
    }

    fn answer(&mut self, req: &Request) -> Answer {
        let answer = self.route(req);
        self.events.write(&json!({"event": "fmc_request", "method": req.method, "path": req.path, "status": answer.0}));
        answer
    }

    fn route(&mut self, req: &Request) -> Answer {
        if let Some(limit) = self.fault(|f| {
            if let FmcFault::RateLimit(n) = f {
                Some(*n)
            } else {
                None
            }
        }) {
            let now = Instant::now();
            while self
                .requests
                .front()
                .is_some_and(|t| now.duration_since(*t) > self.options.rate_window)
            {
                self.requests.pop_front();
            }
            if self.requests.len() >= limit {
                let mut a = error("429 Too Many Requests", "Too Many Writes");
                a.1.push(("Retry-After".into(), "1".into()));
                return a;
            }
            self.requests.push_back(now);
        }
        if let Some(origin) = self.fault(|f| match f {
            FmcFault::Redirect(o) => Some(o.clone()),
            _ => None,
        }) && req.method == "GET"
        {
            return (
                "302 Found",
                vec![("Location".into(), format!("{origin}{}", req.path))],
                json!({}),
            );
        }
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/api/fmc_platform/v1/auth/generatetoken") => self.generate(req),
            ("POST", "/api/fmc_platform/v1/auth/refreshtoken") => self.refresh(req),
            _ => {
                if let Err(a) = self.authorized(req) {
                    return a;
                }
                if let Some(rest) = req.path.strip_prefix("/api/fmc_platform/v1/updates/") {
                    return self.updates(req, rest);
                }
                let prefix = format!("/api/fmc_config/v1/domain/{GLOBAL_DOMAIN}/");
                let Some(rest) = req.path.strip_prefix(&prefix) else {
                    return error(
                        "404 Not Found",
                        "The requested resource was not found (domain).",
                    );
                };
                self.config(req, rest)
            }
        }
    }

    fn generate(&mut self, req: &Request) -> Answer {
        let expected = crate::package_server::basic_auth(&format!(
            "{}:{}",
            self.options.username, self.options.password
        ));
        if req.header("authorization") != Some(expected.as_str()) {
            return error("401 Unauthorized", "Invalid username or password.");
        }
        let (access, refresh) = (self.id(), self.id());
        self.tokens.insert(
            access.clone(),
            Token {
                refresh: refresh.clone(),
                created: Instant::now(),
                refreshes: 0,
            },
        );
        self.events
            .write(&json!({"event": "fmc_login", "user": self.options.username}));
        (
            "204 No Content",
            vec![
                ("X-auth-access-token".into(), access),
                ("X-auth-refresh-token".into(), refresh),
                ("DOMAIN_UUID".into(), GLOBAL_DOMAIN.into()),
                (
                    "DOMAINS".into(),
                    json!([{"name": "Global", "uuid": GLOBAL_DOMAIN}]).to_string(),
                ),
            ],
            Value::Null,
        )
    }

    fn refresh(&mut self, req: &Request) -> Answer {
        let access = req
            .header("x-auth-access-token")
            .unwrap_or_default()
            .to_string();
        let refresh = req.header("x-auth-refresh-token").unwrap_or_default();
        let Some(old) = self
            .tokens
            .remove(&access)
            .filter(|t| t.refresh == refresh && t.refreshes < 3)
        else {
            return error("401 Unauthorized", "Invalid refresh token");
        };
        let (new_access, new_refresh) = (self.id(), self.id());
        self.tokens.insert(
            new_access.clone(),
            Token {
                refresh: new_refresh.clone(),
                created: Instant::now(),
                refreshes: old.refreshes + 1,
            },
        );
        (
            "204 No Content",
            vec![
                ("X-auth-access-token".into(), new_access),
                ("X-auth-refresh-token".into(), new_refresh),
                ("DOMAIN_UUID".into(), GLOBAL_DOMAIN.into()),
            ],
            Value::Null,
        )
    }

    fn authorized(&self, req: &Request) -> Result<(), Answer> {
        let ttl = self
            .fault(|f| {
                if let FmcFault::TokenTtl(s) = f {
                    Some(*s)
                } else {
                    None
                }
            })
            .unwrap_or(1800.0);
        match req
            .header("x-auth-access-token")
            .and_then(|t| self.tokens.get(t))
        {
            Some(t) if t.created.elapsed().as_secs_f64() < ttl => Ok(()),
            _ => Err(error("401 Unauthorized", "Invalid Session")),
        }
    }

    fn devices(&mut self) -> Vec<Device> {
        let version_lag = self.options.version_lag
            + self
                .fault(|f| {
                    if let FmcFault::StaleVersion(s) = f {
                        Some(*s)
                    } else {
                        None
                    }
                })
                .unwrap_or(0.0);
        let sim = self.sim.clone();
        let sim = sim.lock().unwrap();
        self.view.devices(&sim, self.options.state_lag, version_lag)
    }

    fn config(&mut self, req: &Request, rest: &str) -> Answer {
        let parts: Vec<&str> = rest.split('/').collect();
        match (req.method.as_str(), parts.as_slice()) {
            ("GET", ["devices", "devicerecords"]) => {
                let items: Vec<Value> = self.devices().iter().map(device_json).collect();
                self.page(req, items)
            }
            ("GET", ["devicehapairs", "ftddevicehapairs"]) => {
                let devices = self.devices();
                let pairs = devices.len() / 2;
                let items: Vec<Value> = (0..pairs).map(|p| self.pair_json(p, &devices)).collect();
                self.page(req, items)
            }
            ("PUT", ["devicehapairs", "ftddevicehapairs", id]) => self.switch(req, id),
            ("GET", ["deployment", "deployabledevices"]) => {
                let devices = self.devices();
                let items: Vec<Value> = self
                    .options
                    .faults
                    .iter()
                    .filter_map(|f| if let FmcFault::PendingDeploy(p) = f { Some(*p - 1) } else { None })
                    .filter(|p| p * 2 + 1 < devices.len())
                    .map(|p| {
                        json!({
                            "type": "DeployableDevice",
                            "name": format!("pair{}", p + 1),
                            "version": "1700000000000",
                            "device": {"id": pair_id(p), "type": "DeviceHAPair", "name": format!("pair{}", p + 1)},
                            "deviceMembers": [
                                {"id": devices[p * 2].id, "type": "Device", "name": devices[p * 2].name},
                                {"id": devices[p * 2 + 1].id, "type": "Device", "name": devices[p * 2 + 1].name}
                            ],
                            "canBeDeployed": true, "upToDate": false, "isDeploying": false,
                            "trafficInterruption": "NO_RISK",
                            "policyStatusList": [{"upToDate": false, "policy": {"type": "AccessPolicy", "name": "Site ACP"}}]
                        })
                    })
                    .collect();
                self.page(req, items)
            }
            ("GET", ["deployment", "jobhistories"]) => {
                let devices = self.devices();
                let items: Vec<Value> = self
                    .options
                    .faults
                    .iter()
                    .filter_map(|f| if let FmcFault::Deploying(p) = f { Some(*p - 1) } else { None })
                    .filter(|p| p * 2 + 1 < devices.len())
                    .map(|p| {
                        // UNVERIFIED: the item's fields beyond jobType and status are not in
                        // the domain file; deviceList names the pair as the deployment target.
                        json!({"type": "DeploymentJobHistory", "jobType": "DEPLOYMENT", "status": "DEPLOYING",
                               "deviceList": [{"deviceUUID": pair_id(p), "deviceName": format!("pair{}", p + 1)}]})
                    })
                    .collect();
                self.page(req, items)
            }
            ("GET", ["job", "taskstatuses", id]) => match self.tasks.get(*id) {
                Some(Task {
                    push: Some(push),
                    status,
                    ..
                }) => (
                    "200 OK",
                    vec![],
                    // UNVERIFIED: the push task's type and messages are not in the record.
                    json!({"id": id, "type": "TaskStatus", "taskType": "DEVICE_UPGRADE", "status": status,
                           "message": format!("Copy of {} to {} device(s): {}% ({status})", push.file, push.targets.len(),
                                              push.written * 100 / push.size.max(1)),
                           "description": "Push upgrade package", "subTasks": []}),
                ),
                Some(t) => (
                    "200 OK",
                    vec![],
                    json!({"id": id, "type": "TaskStatus", "taskType": "NGFWHA_OPERATIONS", "status": t.status,
                           "message": format!("FTD HA Master Switch {}", t.status), "description": "FTD HA Master Switch", "subTasks": []}),
                ),
                None => error("404 Not Found", "Task not found."),
            },
            _ => error("404 Not Found", "The requested resource was not found."),
        }
    }

    fn pair_json(&self, p: usize, devices: &[Device]) -> Value {
        let primary = &devices[p * 2];
        let wrong = self.fault(|f| {
            if let FmcFault::WrongMembers(w) = f {
                Some(*w - 1)
            } else {
                None
            }
        }) == Some(p);
        // A wrong registration: the FMC's pair names a device of another pair as secondary.
        let secondary = if wrong {
            &devices[(p * 2 + 3) % devices.len()]
        } else {
            &devices[p * 2 + 1]
        };
        json!({
            "id": pair_id(p),
            "type": "DeviceHAPair",
            "name": format!("pair{}", p + 1),
            "primary": {"id": primary.id, "type": "Device", "name": primary.name},
            "secondary": {"id": secondary.id, "type": "Device", "name": secondary.name},
            "metadata": {
                "primaryStatus": {"currentStatus": primary.status, "device": {"id": primary.id, "name": primary.name}},
                "secondaryStatus": {"currentStatus": secondary.status, "device": {"id": secondary.id, "name": secondary.name}}
            }
        })
    }

    fn switch(&mut self, req: &Request, id: &str) -> Answer {
        let pairs = self.sim.lock().unwrap().pairs.len();
        let Some(p) = (0..pairs).find(|p| pair_id(*p) == id) else {
            return error("404 Not Found", "HA pair not found.");
        };
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        if body["action"] != "SWITCH" {
            return error(
                "422 Unprocessable Entity",
                "The action can be either HABREAK/SWITCH",
            );
        }
        let task = self.id();
        let at = self.sim.lock().unwrap().now() + self.options.switch_delay;
        self.tasks.insert(
            task.clone(),
            Task {
                pair: p,
                at,
                status: "PENDING",
                push: None,
            },
        );
        self.events
            .write(&json!({"event": "fmc_switch", "pair": p + 1}));
        (
            "200 OK",
            vec![],
            json!({"id": id, "type": "DeviceHAPair", "action": "SWITCH", "ftdHABootstrap": {},
                   "metadata": {"task": {"name": "FTD HA Master Switch", "id": task, "type": "Task"}}}),
        )
    }

    /// Runs the SWITCH tasks that are due: the standby unit is made active, as the FMC does
    /// through the devices; the task fails when the devices refuse.
    fn run_tasks(&mut self) {
        let fails = self
            .fault(|f| (*f == FmcFault::SwitchFails).then_some(()))
            .is_some();
        let sim = self.sim.clone();
        let mut sim = sim.lock().unwrap();
        let now = sim.now();
        let timing = sim.timing;
        let push_fails = self.options.faults.contains(&FmcFault::PushFails);
        let push_stuck = self.options.faults.contains(&FmcFault::PushStuck);
        for task in self.tasks.values_mut() {
            if let Some(push) = task.push.as_mut() {
                if task.status != "RUNNING" {
                    continue;
                }
                let mut written = (((now - push.started).max(0.0)) * self.options.push_rate) as u64;
                if push_stuck {
                    written = written.min(push.size / 10);
                }
                if push_fails && written >= push.size / 2 {
                    written = push.size / 2;
                    task.status = "FAILED";
                }
                push.written = written.min(push.size);
                let mtime = crate::model::clock::ls_stamp(sim.clock.wall(now));
                for (p, u) in &push.targets {
                    sim.pairs[*p].units[*u].fs.add_package_copy(
                        &format!("{}/{}", crate::device::UPDATES_DIR, push.file),
                        push.written,
                        push.size,
                        &mtime,
                    );
                }
                if push.written == push.size && task.status == "RUNNING" {
                    task.status = "COMPLETED";
                }
                continue;
            }
            match task.status {
                "PENDING" => task.status = "RUNNING",
                "RUNNING" if now >= task.at => {
                    let pair = &mut sim.pairs[task.pair];
                    let standby = (0..2).find(|u| pair.units[*u].ha_state == "Standby Ready");
                    task.status = match standby {
                        Some(u) if !fails && pair.failover_active(u, now, &timing).is_ok() => {
                            "Success"
                        }
                        _ => "FAILED",
                    };
                }
                _ => {}
            }
        }
    }

    /// The packages uploaded to the FMC: the units' target and hops, named as the FMC does
    /// (`...-7.2.7-500.sh`, upgrade-paths.md §2).
    fn packages(&self) -> Vec<(String, String, u64)> {
        if !self.options.holds_packages || self.options.faults.contains(&FmcFault::PackageMissing) {
            return Vec::new();
        }
        let sim = self.sim.lock().unwrap();
        let size = sim
            .pairs
            .first()
            .map_or(0, |p| p.units[0].model.package_size);
        sim.hop_packages
            .iter()
            .chain([&sim.target_package])
            .enumerate()
            .map(|(i, file)| {
                let id = format!(
                    "{:08x}-0a0a-4c4c-b000-{:012x}",
                    0x9e00_0000u32 + i as u32,
                    i + 1
                );
                (id, file.clone(), size)
            })
            .collect()
    }

    /// `/api/fmc_platform/v1/updates/...`: packages, applicable devices, the copy.
    fn updates(&mut self, req: &Request, rest: &str) -> Answer {
        let parts: Vec<&str> = rest.split('/').collect();
        let packages = self.packages();
        let fmc_name = |file: &str| file.trim_end_matches(".REL.tar").to_string();
        match (req.method.as_str(), parts.as_slice()) {
            ("GET", ["upgradepackages"]) => {
                let items = packages
                    .iter()
                    .map(|(id, file, size)| {
                        let version = crate::device::Package::parse(file).map(|p| p.version.to_string()).unwrap_or_default();
                        let build = version.rsplit('-').next().unwrap_or_default().to_string();
                        json!({"id": id, "type": "UpgradePackage", "name": fmc_name(file),
                               "metadata": {"upgradeFileName": fmc_name(file), "updateVersion": format!("{version} IMS {build}"),
                                            "upgradeFrom": "6.6.0", "fileSize": size.to_string(), "rebootRequired": true}})
                    })
                    .collect();
                self.page(req, items)
            }
            ("GET", ["upgradepackages", id, "applicabledevices"]) => {
                let Some((_, file, _)) = packages.iter().find(|(p, _, _)| p == id) else {
                    return error("404 Not Found", "Upgrade package not found.");
                };
                let target = crate::device::Package::parse(file).map(|p| p.version);
                let refused: Vec<usize> = self
                    .options
                    .faults
                    .iter()
                    .filter_map(|f| {
                        if let FmcFault::NotApplicable(p) = f {
                            Some(*p - 1)
                        } else {
                            None
                        }
                    })
                    .collect();
                let items = self
                    .devices()
                    .iter()
                    .filter(|d| !refused.contains(&d.pair))
                    .filter(|d| {
                        let sim = self.sim.lock().unwrap();
                        let running = &sim.pairs[d.pair].units[d.unit].version;
                        target
                            .as_ref()
                            .is_some_and(|t| (&running.parts, running.build) < (&t.parts, t.build))
                    })
                    .map(|d| {
                        json!({"id": d.id, "type": "Device", "name": d.name, "sw_version": d.sw_version,
                               "isPartOfContainer": true, "containerType": "DeviceHAPair",
                               "role": if d.unit == 0 { "PRIMARY" } else { "SECONDARY" }, "status": d.status})
                    })
                    .collect();
                self.page(req, items)
            }
            ("POST", ["upgrades"]) => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let Some((_, file, size)) = packages
                    .iter()
                    .find(|(id, _, _)| body["upgradePackage"]["id"] == id.as_str())
                    .cloned()
                else {
                    return error("404 Not Found", "Upgrade package not found.");
                };
                if body["pushUpgradeFileOnly"] != true || body["readinessCheckOnly"] == true {
                    // This tool never asks the FMC to install or check: the sim does not play it.
                    return error(
                        "422 Unprocessable Entity",
                        "ftd-sim's FMC plays pushUpgradeFileOnly only",
                    );
                }
                let devices = self.devices();
                let mut targets = Vec::new();
                for t in body["targets"].as_array().into_iter().flatten() {
                    let Some(d) = devices.iter().find(|d| t["id"] == d.id.as_str()) else {
                        return error("422 Unprocessable Entity", "Invalid target device.");
                    };
                    targets.push((d.pair, d.unit));
                }
                if targets.is_empty() {
                    return error("422 Unprocessable Entity", "No target devices.");
                }
                let task = self.id();
                let now = self.sim.lock().unwrap().now();
                self.events.write(&json!({"event": "fmc_push", "file": file, "targets": targets.iter().map(|(p, u)| device_id(*p, *u)).collect::<Vec<_>>()}));
                self.tasks.insert(
                    task.clone(),
                    Task {
                        pair: targets[0].0,
                        at: now,
                        status: "RUNNING",
                        push: Some(Push {
                            targets,
                            file,
                            size,
                            started: now,
                            written: 0,
                        }),
                    },
                );
                (
                    "201 Created",
                    vec![],
                    json!({"upgradePackage": body["upgradePackage"], "targets": body["targets"], "pushUpgradeFileOnly": true,
                           "metadata": {"task": {"id": task, "type": "TaskStatus", "status": "RUNNING",
                                                 "message": "Triggered all Push Upgrades successfully"}}}),
                )
            }
            _ => error("404 Not Found", "The requested resource was not found."),
        }
    }

    /// One page of a list (`offset`, `limit`; the FMC's default 25), with `paging.next`.
    fn page(&self, req: &Request, items: Vec<Value>) -> Answer {
        let limit = req
            .param("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(25)
            .clamp(1, self.options.page_max);
        let offset: usize = req
            .param("offset")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        let count = items.len();
        let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
        let mut paging = json!({"offset": offset, "limit": limit, "count": count, "pages": count.div_ceil(limit)});
        if offset + limit < count {
            let origin = self
                .fault(|f| match f {
                    FmcFault::NextElsewhere(o) => Some(o.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| format!("https://127.0.0.1:{}", self.port));
            paging["next"] = json!([format!(
                "{origin}{}?offset={}&limit={limit}&expanded=true",
                req.path,
                offset + limit
            )]);
        }
        let mut body = json!({"links": {"self": format!("https://127.0.0.1:{}{}", self.port, req.path)}, "paging": paging});
        if !page.is_empty() {
            body["items"] = Value::Array(page);
        }
        ("200 OK", vec![], body)
    }
}

fn device_json(d: &Device) -> Value {
    json!({
        "id": d.id,
        "type": "Device",
        "name": d.name,
        "hostName": "127.0.0.1",
        "model": "Cisco Firepower Threat Defense for VMware",
        "sw_version": d.sw_version,
        "healthStatus": "green",
        "metadata": {
            "isPartOfContainer": true,
            "containerDetails": {
                "id": pair_id(d.pair), "type": "DeviceHAPair", "name": format!("pair{}", d.pair + 1),
                "role": if d.unit == 0 { "PRIMARY" } else { "SECONDARY" },
                "status": d.status.to_uppercase()
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse() {
        assert_eq!(
            "pending-deploy=2".parse::<FmcFault>(),
            Ok(FmcFault::PendingDeploy(2))
        );
        assert_eq!(
            "switch-fails".parse::<FmcFault>(),
            Ok(FmcFault::SwitchFails)
        );
        assert!("pending-deploy=0".parse::<FmcFault>().is_err());
        assert!("explode".parse::<FmcFault>().is_err());
        assert_eq!(device_id(0, 1), device_id(0, 1));
        assert_ne!(device_id(0, 1), device_id(1, 0));
    }
}
