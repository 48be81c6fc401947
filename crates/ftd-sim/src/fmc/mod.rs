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
use view::{Device, View, pair_id};

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
}

pub const FMC_FAULTS: &str = "pending-deploy=PAIR, deploying=PAIR, rate-limit=N, token-ttl=SECONDS, stale-version=SECONDS, switch-fails, wrong-members=PAIR, next-elsewhere=ORIGIN, redirect=ORIGIN";

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
        for task in self.tasks.values_mut() {
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
    use super::view::device_id;
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
