//! The connection options every module accepts (so one `module_defaults` group fills them),
//! and logging into the unit with them.

use crate::defaults;
use ftd_device::journal::Journal;
use ftd_device::session::{Escalation, Login};
use ftd_device::transport::ConnectOptions;
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;
use zeroize::Zeroizing;

fn default_port() -> u16 {
    22
}
fn default_username() -> String {
    "admin".into()
}
fn default_known_hosts() -> String {
    "~/.ssh/known_hosts".into()
}
fn default_journal() -> String {
    "~/.ftd_upgrade/journal.jsonl".into()
}

#[derive(Clone, Deserialize, JsonSchema)]
pub struct Connection {
    /// Management address of the unit (the FTD's SSH address, not the FMC's).
    pub host: String,
    /// SSH port of the unit.
    #[serde(default = "default_port")]
    pub port: u16,
    /// CLI user; it must be allowed to enter expert mode.
    #[serde(default = "default_username")]
    pub username: String,
    /// Login password; tried with the password method, then keyboard-interactive.
    #[schemars(extend("x-no_log" = true))]
    pub password: Option<String>,
    /// Private key file for public-key login, tried before the password.
    #[schemars(extend("x-type" = "path"))]
    pub private_key: Option<String>,
    /// Without O(private_key), offer the keys of the SSH agent named by C(SSH_AUTH_SOCK) (where
    /// AWX puts a machine credential's key) before the password.
    #[serde(default = "defaults::yes")]
    pub ssh_agent: bool,
    /// Password for C(sudo su) in expert mode; defaults to O(password).
    #[schemars(extend("x-no_log" = true))]
    pub sudo_password: Option<String>,
    /// Password of LINA's C(enable); empty on most devices.
    #[serde(default)]
    #[schemars(extend("x-no_log" = true))]
    pub enable_password: String,
    /// OpenSSH known_hosts file the unit's host key is checked against (hashed and
    /// C([host]:port) entries are read).
    #[serde(default = "default_known_hosts")]
    #[schemars(extend("x-type" = "path"))]
    pub known_hosts: String,
    /// The unit's known_hosts lines themselves (for example from an AWX credential field);
    /// when given, they are used instead of the file O(known_hosts).
    pub known_hosts_content: Option<String>,
    /// Verify the unit's host key. Turning it off is reported as a warning.
    #[serde(default = "defaults::yes")]
    pub host_key_checking: bool,
    /// Jump host (bastion) to reach the unit through, as OpenSSH's C(ProxyJump): the unit's
    /// session runs in a forwarding channel of the jump host's session. Its host key is checked
    /// against the same known_hosts as the unit's. The action plugin fills it from
    /// C(ftd_jump_host), else from C(-o ProxyJump=[user@]host[:port]) (or C(-J)) in
    /// C(ansible_ssh_common_args) / C(ansible_ssh_extra_args).
    pub jump_host: Option<String>,
    /// SSH port of the jump host.
    #[serde(default = "default_port")]
    pub jump_port: u16,
    /// User on the jump host; defaults to the controller's user, as OpenSSH does.
    pub jump_username: Option<String>,
    /// Password on the jump host (never the unit's password: that goes to the unit only).
    #[schemars(extend("x-no_log" = true))]
    pub jump_password: Option<String>,
    /// Private key file for the jump host; defaults to O(private_key). The SSH agent's keys
    /// are offered too, as for the unit (O(ssh_agent)).
    #[schemars(extend("x-type" = "path"))]
    pub jump_private_key: Option<String>,
    /// Seconds to wait for the TCP connection, the SSH handshake and the login.
    #[serde(default = "defaults::seconds::<30>")]
    #[schemars(range(min = 0.0, max = defaults::MAX_SECONDS))]
    pub connect_timeout: f64,
    /// Seconds to wait for a command's output and prompt.
    #[serde(default = "defaults::seconds::<120>")]
    #[schemars(range(min = 0.0, max = defaults::MAX_SECONDS))]
    pub command_timeout: f64,
    /// Name of the unit in messages and in the journal; use C({{ inventory_hostname }}).
    /// Defaults to O(host):O(port).
    pub unit: Option<String>,
    /// Pair the unit belongs to, for the journal (C({{ ftd_pair }})).
    pub pair: Option<String>,
    /// Who is changing the unit, written to a lock file on the device by the modules that change
    /// it (readiness, install, failover_swap); another owner is refused while the lock is fresh.
    /// Defaults to C(<user>@<controller hostname>); the playbooks pass one id per run.
    pub lock_owner: Option<String>,
    /// Seconds after which a lock left by a run that died is taken over; at least 1800 (a
    /// stage that holds the lock stamps it again every quarter of this while it waits, and a
    /// rebooting unit cannot be stamped).
    #[serde(default = "defaults::seconds::<7200>")]
    #[schemars(range(min = 1800.0, max = defaults::MAX_SECONDS))]
    pub lock_ttl: f64,
    /// Progress journal on the controller: JSON lines to follow with C(tail -f). Empty to
    /// disable.
    #[serde(default = "default_journal")]
    #[schemars(extend("x-type" = "path"))]
    pub journal: String,
}

/// Never shows a secret: a `{:?}` of the options in a log or a panic message is safe.
impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &Option<String>| s.as_ref().map(|_| "********");
        f.debug_struct("Connection")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &hidden(&self.password))
            .field("sudo_password", &hidden(&self.sudo_password))
            .field("enable_password", &"********")
            .field("unit", &self.unit)
            .finish_non_exhaustive()
    }
}

impl Connection {
    pub fn unit_name(&self) -> String {
        self.unit
            .clone()
            .unwrap_or_else(|| format!("{}:{}", self.host, self.port))
    }

    /// How to reach the unit: its address and login, and the jump host's when there is one.
    fn options(&self) -> ConnectOptions {
        let unit = self.unit_options();
        let jump = self.jump_host.as_ref().map(|host| {
            Box::new(ConnectOptions {
                host: host.clone(),
                port: self.jump_port,
                username: self.jump_username.clone().unwrap_or_else(controller_user),
                password: self.jump_password.clone().map(Zeroizing::new),
                private_key: self
                    .jump_private_key
                    .as_ref()
                    .or(self.private_key.as_ref())
                    .map(PathBuf::from),
                ..unit.clone()
            })
        });
        ConnectOptions { jump, ..unit }
    }

    fn unit_options(&self) -> ConnectOptions {
        ConnectOptions {
            host: self.host.clone(),
            port: self.port,
            username: self.username.clone(),
            password: self.password.clone().map(Zeroizing::new),
            private_key: self.private_key.as_ref().map(PathBuf::from),
            ssh_agent: self
                .ssh_agent
                .then(|| std::env::var_os("SSH_AUTH_SOCK").map(PathBuf::from))
                .flatten(),
            known_hosts: PathBuf::from(&self.known_hosts),
            known_hosts_content: self.known_hosts_content.as_deref().map(Into::into),
            host_key_checking: self.host_key_checking,
            connect_timeout: secs(self.connect_timeout),
            command_timeout: secs(self.command_timeout),
            jump: None,
        }
    }

    fn escalation(&self) -> Escalation {
        let sudo = self
            .sudo_password
            .clone()
            .or_else(|| self.password.clone())
            .unwrap_or_default();
        Escalation {
            sudo_password: Zeroizing::new(sudo),
            enable_password: Zeroizing::new(self.enable_password.clone()),
        }
    }

    /// The one login value of the module run: the unit's options and escalation.
    pub fn login(&self) -> Login {
        Login {
            options: self.options(),
            escalation: self.escalation(),
        }
    }

    /// The lock owner: the option, else `<user>@<controller hostname>`.
    pub fn owner(&self) -> String {
        self.lock_owner.clone().unwrap_or_else(|| {
            let user = controller_user();
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .unwrap_or_else(|_| "controller".into());
            let clean = |s: &str| {
                s.trim()
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
                    .collect::<String>()
            };
            format!("{}@{}", clean(&user), clean(&host))
        })
    }

    pub fn secrets(&self) -> Vec<String> {
        [&self.password, &self.sudo_password, &self.jump_password]
            .into_iter()
            .flatten()
            .cloned()
            .chain([self.enable_password.clone()])
            .collect()
    }

    pub fn journal(&self, stage: &str) -> Journal {
        self.journal_with(stage, std::iter::empty())
    }

    /// The journal, masking the module's own secrets too (a download password).
    pub fn journal_with(&self, stage: &str, more: impl Iterator<Item = String>) -> Journal {
        let path = (!self.journal.is_empty()).then(|| PathBuf::from(&self.journal));
        let unit = match &self.pair {
            Some(p) => format!("{p}/{}", self.unit_name()),
            None => self.unit_name(),
        };
        let secrets = self.secrets().into_iter().chain(more).collect();
        Journal::new(path.as_deref(), &unit, stage, secrets)
    }
}

/// Who runs the module on the controller (the default user on a jump host, as OpenSSH's).
fn controller_user() -> String {
    std::env::var("USER").unwrap_or_else(|_| "ansible".into())
}

/// The longest wait any option may ask for (30 days): a bigger number is a typo, and
/// `Duration` cannot hold 1e300 seconds.
pub const MAX_SECONDS: f64 = 30.0 * 86_400.0;

/// Seconds as a duration, never negative, NaN or beyond [`MAX_SECONDS`].
pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(if s.is_finite() && s > 0.0 {
        s.min(MAX_SECONDS)
    } else {
        0.0
    })
}

/// The stages are async inside; a module is one short process, so one small runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(f)
}
