//! The FMC REST API as an FTD HA upgrade needs it (`shared/domain/fmc-rest.md`): one login
//! (`generatetoken`, HTTP 204, tokens in headers), the token refreshed up to three times and
//! then a new login, HTTP 429 waited out (`Retry-After`, 30 s when absent), lists read whole
//! (`limit=1000`, `paging.next` followed), certificates checked (a private CA accepted).
//! Blocking (ureq over rustls): a module makes one request at a time, so it holds one
//! connection, far below the FMC's ten per address. Tokens and the password never appear in
//! `Debug`, errors or results.

mod model;

pub use model::{DeviceRecord, HaPair, Member, UpgradePackage, task_finished};

use serde_json::Value;
use std::time::{Duration, Instant};
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use zeroize::Zeroizing;

/// How to reach the FMC.
#[derive(Clone)]
pub struct Settings {
    /// `fmc.example.net` or `10.0.0.10:8443`.
    pub host: String,
    pub username: String,
    pub password: Zeroizing<String>,
    /// PEM of the CA that signed the FMC's certificate (a fresh FMC's is self-signed).
    pub ca_pem: Option<String>,
    pub validate_certs: bool,
    /// Domain by name; default the one the login names (`DOMAIN_UUID`).
    pub domain: Option<String>,
    /// Per request.
    pub timeout: Duration,
    /// How long 429s are waited out in all.
    pub rate_limit_patience: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("host", &self.host)
            .field("username", &self.username)
            .field("password", &"********")
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FmcError {
    #[error("cannot reach the FMC at {host}: {reason}")]
    Unreachable { host: String, reason: String },
    #[error("the FMC refused the login of {user}: {reason}")]
    Login { user: String, reason: String },
    #[error("the FMC answered {status} to {method} {path}: {message}")]
    Http {
        status: u16,
        method: String,
        path: String,
        message: String,
    },
    #[error("the FMC kept answering 429 (too many requests) for {0:.0}s")]
    RateLimited(f64),
    #[error("the FMC's answer to {path} is not what its API documents: {what}")]
    Unexpected { path: String, what: String },
}

/// A response header's text.
fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

/// A logged-in FMC session.
pub struct Fmc {
    agent: ureq::Agent,
    settings: Settings,
    access: Zeroizing<String>,
    refresh: Zeroizing<String>,
    refreshes: u8,
    domain: String,
    /// Logins made by this session (the first included).
    pub logins: u32,
    /// Requests sent, for the journal.
    pub requests: u32,
}

const GENERATE: &str = "/api/fmc_platform/v1/auth/generatetoken";
const REFRESH: &str = "/api/fmc_platform/v1/auth/refreshtoken";
const UPGRADE_PACKAGES: &str = "/api/fmc_platform/v1/updates/upgradepackages";
const UPGRADES: &str = "/api/fmc_platform/v1/updates/upgrades";

impl Fmc {
    pub fn login(settings: Settings) -> Result<Fmc, FmcError> {
        let mut tls = TlsConfig::builder().disable_verification(!settings.validate_certs);
        if let Some(pem) = &settings.ca_pem {
            let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(pem.as_bytes())
                .filter_map(|i| match i {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(FmcError::Unreachable {
                    host: settings.host.clone(),
                    reason: "the CA file holds no PEM certificate".into(),
                });
            }
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Never followed: a redirect would carry X-auth-access-token (ureq strips only
            // Authorization and Cookie) to wherever it points. A 3xx is an answer to report.
            .max_redirects(0)
            .timeout_global(Some(settings.timeout))
            .max_idle_connections_per_host(1)
            .tls_config(tls.build())
            .build()
            .into();
        let mut fmc = Fmc {
            agent,
            settings,
            access: Zeroizing::new(String::new()),
            refresh: Zeroizing::new(String::new()),
            refreshes: 0,
            domain: String::new(),
            logins: 0,
            requests: 0,
        };
        fmc.generate()?;
        Ok(fmc)
    }

    /// The FMC's own origin, `https://host[:port]`: the only place a token is sent.
    fn origin(&self) -> String {
        format!("https://{}", self.settings.host)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    fn unreachable(&self, e: &ureq::Error) -> FmcError {
        FmcError::Unreachable {
            host: self.settings.host.clone(),
            reason: e.to_string(),
        }
    }

    /// Sends a request, waiting out HTTP 429 (`Retry-After`, 30 s when absent) for at most
    /// `rate_limit_patience` in all.
    fn send(
        &mut self,
        request: impl Fn(&ureq::Agent) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<ureq::http::Response<ureq::Body>, FmcError> {
        let started = Instant::now();
        loop {
            self.requests += 1;
            let response = request(&self.agent).map_err(|e| self.unreachable(&e))?;
            if response.status().as_u16() != 429 {
                return Ok(response);
            }
            let wait = response
                .headers()
                .get("Retry-After")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(30);
            if started.elapsed() + Duration::from_secs(wait) > self.settings.rate_limit_patience {
                return Err(FmcError::RateLimited(started.elapsed().as_secs_f64()));
            }
            std::thread::sleep(Duration::from_secs(wait));
        }
    }

    /// `generatetoken`: the tokens and the domain from the answer's headers.
    fn generate(&mut self) -> Result<(), FmcError> {
        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.settings.username,
            self.settings.password.as_str()
        ));
        self.logins += 1;
        let url = self.url(GENERATE);
        let authorization = format!("Basic {basic}");
        let response = self.send(|a| {
            a.post(&url)
                .header("Authorization", &authorization)
                .send_empty()
        })?;
        let status = response.status().as_u16();
        if status != 204 {
            return Err(FmcError::Login {
                user: self.settings.username.clone(),
                reason: format!("HTTP {status}"),
            });
        }
        let header = |n: &str| header(&response, n);
        let (Some(access), Some(refresh)) = (
            header("X-auth-access-token"),
            header("X-auth-refresh-token"),
        ) else {
            return Err(FmcError::Unexpected {
                path: GENERATE.into(),
                what: "no X-auth-access-token / X-auth-refresh-token header".into(),
            });
        };
        self.access = Zeroizing::new(access);
        self.refresh = Zeroizing::new(refresh);
        self.refreshes = 0;
        self.domain = match &self.settings.domain {
            None => header("DOMAIN_UUID").ok_or_else(|| FmcError::Unexpected {
                path: GENERATE.into(),
                what: "no DOMAIN_UUID header".into(),
            })?,
            Some(name) => {
                let domains: Vec<Value> = header("DOMAINS")
                    .and_then(|d| serde_json::from_str(&d).ok())
                    .unwrap_or_default();
                domains
                    .iter()
                    .find(|d| {
                        d["name"]
                            .as_str()
                            .is_some_and(|n| n == name || n.ends_with(&format!("/{name}")))
                    })
                    .and_then(|d| d["uuid"].as_str())
                    .map(String::from)
                    .ok_or_else(|| FmcError::Unexpected {
                        path: GENERATE.into(),
                        what: format!(
                            "no domain named {name} among {}",
                            serde_json::to_string(&domains).unwrap_or_default()
                        ),
                    })?
            }
        };
        Ok(())
    }

    /// `refreshtoken` (three times per login), else a new login.
    fn renew(&mut self) -> Result<(), FmcError> {
        if self.refreshes < 3 {
            let url = self.url(REFRESH);
            let (access, refresh) = (self.access.clone(), self.refresh.clone());
            let response = self.send(|a| {
                a.post(&url)
                    .header("X-auth-access-token", access.as_str())
                    .header("X-auth-refresh-token", refresh.as_str())
                    .send_empty()
            })?;
            let header = |n: &str| header(&response, n);
            if response.status().as_u16() == 204
                && let (Some(a), Some(r)) = (
                    header("X-auth-access-token"),
                    header("X-auth-refresh-token"),
                )
            {
                self.access = Zeroizing::new(a);
                self.refresh = Zeroizing::new(r);
                self.refreshes += 1;
                return Ok(());
            }
        }
        self.generate()
    }

    /// One API call under `/api/fmc_config/v1/domain/{domain}/`, or at an absolute API path
    /// (`/api/fmc_platform/...`, not domain-scoped), or a full URL from `paging.next`: 401
    /// renews the token once, 429 waits.
    fn call(&mut self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, FmcError> {
        let url = if path.contains("://") {
            // A full URL (paging.next) is followed only on this FMC's origin, over https: the
            // token never goes to another host, port or scheme.
            let own = format!("{}/", self.origin());
            if !path.starts_with(&own) {
                return Err(FmcError::Unexpected {
                    path: path.split('?').next().unwrap_or_default().to_string(),
                    what: format!(
                        "a link that leaves the FMC ({own}); not followed, the token goes to the FMC only"
                    ),
                });
            }
            path.to_string()
        } else if path.starts_with("/api/") {
            self.url(path)
        } else {
            self.url(&format!("/api/fmc_config/v1/domain/{}/{path}", self.domain))
        };
        let mut renewed = false;
        loop {
            let access = self.access.clone();
            let payload = body.map(Value::to_string).unwrap_or_default();
            let mut response = self.send(|a| match method {
                "PUT" => a
                    .put(&url)
                    .header("X-auth-access-token", access.as_str())
                    .header("Content-Type", "application/json")
                    .send(payload.as_str()),
                "POST" => a
                    .post(&url)
                    .header("X-auth-access-token", access.as_str())
                    .header("Content-Type", "application/json")
                    .send(payload.as_str()),
                _ => a
                    .get(&url)
                    .header("X-auth-access-token", access.as_str())
                    .call(),
            })?;
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().unwrap_or_default();
            match status {
                200..=299 => {
                    return serde_json::from_str(&text).map_err(|e| FmcError::Unexpected {
                        path: path.to_string(),
                        what: format!("not JSON ({e})"),
                    });
                }
                401 if !renewed => {
                    renewed = true;
                    self.renew()?;
                }
                _ => {
                    let message = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| {
                            v["error"]["messages"][0]["description"]
                                .as_str()
                                .map(String::from)
                        })
                        .unwrap_or_else(|| text.chars().take(200).collect());
                    return Err(FmcError::Http {
                        status,
                        method: method.into(),
                        path: path.to_string(),
                        message,
                    });
                }
            }
        }
    }

    /// Every item of a list, page after page.
    pub fn list(&mut self, path: &str) -> Result<Vec<Value>, FmcError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}expanded=true&limit=1000"));
        let mut items = Vec::new();
        let mut pages = 0;
        while let Some(page) = next.take() {
            pages += 1;
            if pages > 1000 {
                return Err(FmcError::Unexpected {
                    path: path.into(),
                    what: "more than 1000 pages".into(),
                });
            }
            let body = self.call("GET", &page, None)?;
            if let Some(list) = body["items"].as_array() {
                items.extend(list.iter().cloned());
            }
            next = body["paging"]["next"][0].as_str().map(String::from);
        }
        Ok(items)
    }

    pub fn devices(&mut self) -> Result<Vec<DeviceRecord>, FmcError> {
        Ok(self
            .list("devices/devicerecords")?
            .iter()
            .map(DeviceRecord::from_json)
            .collect())
    }

    pub fn ha_pairs(&mut self) -> Result<Vec<HaPair>, FmcError> {
        Ok(self
            .list("devicehapairs/ftddevicehapairs")?
            .iter()
            .map(HaPair::from_json)
            .collect())
    }

    pub fn deployable(&mut self) -> Result<Vec<Value>, FmcError> {
        self.list("deployment/deployabledevices")
    }

    pub fn deploying(&mut self) -> Result<Vec<Value>, FmcError> {
        self.list("deployment/jobhistories?filter=jobType:DEPLOYMENT;status:DEPLOYING")
    }

    /// `PUT ftddevicehapairs/{id}` with `SWITCH`: the task's id.
    pub fn switch(&mut self, ha_id: &str) -> Result<String, FmcError> {
        let path = format!("devicehapairs/ftddevicehapairs/{ha_id}");
        let body = serde_json::json!({"id": ha_id, "action": "SWITCH"});
        let answer = self.call("PUT", &path, Some(&body))?;
        answer["metadata"]["task"]["id"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| FmcError::Unexpected {
                path,
                what: "no metadata.task.id in the answer".into(),
            })
    }

    /// The upgrade packages uploaded to the FMC.
    pub fn upgrade_packages(&mut self) -> Result<Vec<UpgradePackage>, FmcError> {
        Ok(self
            .list(UPGRADE_PACKAGES)?
            .iter()
            .map(UpgradePackage::from_json)
            .collect())
    }

    /// The ids of the devices the FMC says a package applies to.
    pub fn applicable_devices(&mut self, package_id: &str) -> Result<Vec<String>, FmcError> {
        Ok(self
            .list(&format!(
                "{UPGRADE_PACKAGES}/{package_id}/applicabledevices"
            ))?
            .iter()
            .filter_map(|d| d["id"].as_str().map(String::from))
            .collect())
    }

    /// "Copy Upgrade Package": `POST updates/upgrades` with `pushUpgradeFileOnly` (the package
    /// is copied, nothing is installed); the task's id.
    pub fn push_package(
        &mut self,
        package_id: &str,
        targets: &[&DeviceRecord],
    ) -> Result<String, FmcError> {
        let body = serde_json::json!({
            "upgradePackage": {"id": package_id, "type": "UpgradePackage"},
            "targets": targets
                .iter()
                .map(|d| serde_json::json!({"id": d.id, "type": "Device", "name": d.name}))
                .collect::<Vec<_>>(),
            "pushUpgradeFileOnly": true,
        });
        let answer = self.call("POST", UPGRADES, Some(&body))?;
        answer["metadata"]["task"]["id"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| FmcError::Unexpected {
                path: UPGRADES.into(),
                what: "no metadata.task.id in the answer".into(),
            })
    }

    /// A task's status and message.
    pub fn task(&mut self, id: &str) -> Result<(String, String), FmcError> {
        let t = self.call("GET", &format!("job/taskstatuses/{id}"), None)?;
        Ok((
            t["status"].as_str().unwrap_or("UNKNOWN").to_string(),
            t["message"].as_str().unwrap_or_default().to_string(),
        ))
    }
}
