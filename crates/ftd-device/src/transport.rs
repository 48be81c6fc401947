//! The SSH transport: connect, verify the host key, authenticate, open an interactive PTY
//! shell, read and write bytes with a timeout on every wait. Knows nothing of FTD.

use crate::error::{DeviceError, tail};
use crate::terminal::Screen;
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, client};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::{Instant, timeout};
use zeroize::Zeroizing;

/// How to reach one unit. Secrets are zeroed when dropped.
#[derive(Clone)]
pub struct ConnectOptions {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: Option<Zeroizing<String>>,
    pub private_key: Option<PathBuf>,
    /// The SSH agent's socket (`SSH_AUTH_SOCK`): its keys are offered when no private key is
    /// given.
    pub ssh_agent: Option<PathBuf>,
    pub known_hosts: PathBuf,
    /// The known_hosts lines themselves (an AWX credential's field); used instead of the file.
    pub known_hosts_content: Option<Arc<str>>,
    pub host_key_checking: bool,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
    /// The jump host (bastion) the unit is reached through, as OpenSSH's `ProxyJump`: its own
    /// address, login and key, its host key checked against the same known_hosts; the unit's
    /// session runs in a `direct-tcpip` channel of the jump host's.
    pub jump: Option<Box<ConnectOptions>>,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "********"))
            .field("jump", &self.jump)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
enum HostKeyVerdict {
    Unknown(String),
    Changed(String, usize),
    Failed(String),
}

pub(crate) struct HostKeyCheck {
    host: String,
    port: u16,
    known_hosts: PathBuf,
    enabled: bool,
    verdict: Arc<Mutex<Option<HostKeyVerdict>>>,
}

impl client::Handler for HostKeyCheck {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        offered: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        if !self.enabled {
            return Ok(true);
        }
        let PublicKeyOrCertificate::PublicKey { key, .. } = offered else {
            *self.verdict.lock().unwrap() = Some(HostKeyVerdict::Failed(
                "certificate host keys are not supported".into(),
            ));
            return Ok(false);
        };
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        let verdict = match russh::keys::check_known_hosts_path(
            &self.host,
            self.port,
            key,
            &self.known_hosts,
        ) {
            Ok(true) => return Ok(true),
            Ok(false) => HostKeyVerdict::Unknown(fingerprint),
            Err(russh::keys::Error::KeyChanged { line }) => {
                HostKeyVerdict::Changed(fingerprint, line)
            }
            Err(e) => HostKeyVerdict::Failed(e.to_string()),
        };
        *self.verdict.lock().unwrap() = Some(verdict);
        Ok(false)
    }
}

/// The most text one command may print before its end is seen (16 MiB); the biggest file
/// the modules read is a status log of some kilobytes.
pub const MAX_OUTPUT: usize = 16 << 20;

/// An interactive shell on one unit: a PTY, what it printed, and the way to type into it.
pub struct Shell {
    handle: Connected,
    channel: russh::Channel<client::Msg>,
    /// What the terminal shows of the bytes received and not yet consumed by a reader.
    screen: Screen,
    pub host_key_warning: Option<String>,
    pub bytes_read: u64,
}

/// An authenticated SSH connection to a unit, its host key checked (see [`Shell`]; the
/// SFTP upload uses one too), and the jump host's connection it runs through, held open as
/// long as it.
pub(crate) struct Connected {
    handle: client::Handle<HostKeyCheck>,
    jump: Option<Box<Connected>>,
}

impl std::ops::Deref for Connected {
    type Target = client::Handle<HostKeyCheck>;
    fn deref(&self) -> &Self::Target {
        &self.handle
    }
}

impl Connected {
    /// Ends the unit's session, then the jump host's.
    pub(crate) async fn close(&self) {
        let _ = self
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
        if let Some(jump) = &self.jump {
            Box::pin(jump.close()).await;
        }
    }
}

/// Connects (through the jump host when there is one), checks the host key, authenticates.
pub(crate) async fn connect(opts: &ConnectOptions) -> Result<Connected, DeviceError> {
    let Some(jump_opts) = &opts.jump else {
        return Ok(Connected {
            handle: connect_one(opts, None).await?,
            jump: None,
        });
    };
    // The jump host first, as the unit is: its key checked, its own login.
    let jump = Box::pin(connect(jump_opts)).await?;
    let through = format!(
        "{}@{}:{}",
        jump_opts.username, jump_opts.host, jump_opts.port
    );
    let channel = timeout(
        opts.connect_timeout,
        jump.channel_open_direct_tcpip(opts.host.as_str(), opts.port.into(), "127.0.0.1", 0),
    )
    .await;
    let channel = match channel {
        Ok(Ok(channel)) => channel,
        Ok(Err(e)) => {
            jump.close().await;
            return Err(DeviceError::Unreachable {
                host: opts.host.clone(),
                port: opts.port,
                reason: format!(
                    "the jump host {through} did not open a connection to it ({e}); check that \
                     the jump host can reach the unit and allows TCP forwarding"
                ),
            });
        }
        Err(_) => {
            jump.close().await;
            return Err(DeviceError::Unreachable {
                host: opts.host.clone(),
                port: opts.port,
                reason: format!(
                    "the jump host {through} opened no connection to it within {}s",
                    opts.connect_timeout.as_secs_f64()
                ),
            });
        }
    };
    match connect_one(opts, Some(channel.into_stream())).await {
        Ok(handle) => Ok(Connected {
            handle,
            jump: Some(Box::new(jump)),
        }),
        Err(e) => {
            jump.close().await;
            Err(e)
        }
    }
}

/// One SSH connection: over TCP to the address, or over `stream` (a jump host's channel).
async fn connect_one(
    opts: &ConnectOptions,
    stream: Option<russh::ChannelStream<client::Msg>>,
) -> Result<client::Handle<HostKeyCheck>, DeviceError> {
    let verdict = Arc::new(Mutex::new(None));
    // russh reads known_hosts from a file: given content goes to a private temporary one that
    // lives as long as the handshake.
    let content_file = match &opts.known_hosts_content {
        Some(content) => Some(
            known_hosts_file(content).map_err(|e| DeviceError::Unreachable {
                host: opts.host.clone(),
                port: opts.port,
                reason: format!("cannot write known_hosts_content to a temporary file: {e}"),
            })?,
        ),
        None => None,
    };
    let known_hosts_name = match &content_file {
        Some(_) => "the known_hosts_content option".to_string(),
        None => opts.known_hosts.display().to_string(),
    };
    let handler = HostKeyCheck {
        host: opts.host.clone(),
        port: opts.port,
        known_hosts: content_file
            .as_ref()
            .map(|f| f.path().to_path_buf())
            .unwrap_or_else(|| opts.known_hosts.clone()),
        enabled: opts.host_key_checking,
        verdict: verdict.clone(),
    };
    let config = Arc::new(client::Config {
        preferred: preferred(),
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(15)),
        keepalive_max: 4,
        nodelay: true,
        ..Default::default()
    });
    let unreachable = |reason: String| DeviceError::Unreachable {
        host: opts.host.clone(),
        port: opts.port,
        reason,
    };
    let addr = (opts.host.as_str(), opts.port);
    let connected = match stream {
        Some(stream) => {
            timeout(
                opts.connect_timeout,
                client::connect_stream(config, stream, handler),
            )
            .await
        }
        None => timeout(opts.connect_timeout, client::connect(config, addr, handler)).await,
    };
    let mut handle = match connected {
        Err(_) => {
            return Err(unreachable(format!(
                "no SSH answer within {}s",
                opts.connect_timeout.as_secs_f64()
            )));
        }
        Ok(Ok(h)) => h,
        Ok(Err(russh::Error::NoCommonAlgo { kind, ours, theirs })) => {
            return Err(DeviceError::AlgorithmMismatch {
                host: opts.host.clone(),
                port: opts.port,
                kind: format!("{kind:?}").to_lowercase(),
                ours: ours.join(", "),
                theirs: theirs.join(", "),
            });
        }
        Ok(Err(e)) => {
            return Err(match verdict.lock().unwrap().take() {
                Some(HostKeyVerdict::Unknown(fingerprint)) => DeviceError::HostKeyUnknown {
                    host: opts.host.clone(),
                    port: opts.port,
                    fingerprint,
                    known_hosts: known_hosts_name,
                },
                Some(HostKeyVerdict::Changed(fingerprint, line)) => DeviceError::HostKeyChanged {
                    host: opts.host.clone(),
                    port: opts.port,
                    fingerprint,
                    line,
                    known_hosts: known_hosts_name,
                },
                Some(HostKeyVerdict::Failed(why)) => {
                    unreachable(format!("cannot read known_hosts {known_hosts_name}: {why}"))
                }
                None => unreachable(e.to_string()),
            });
        }
    };
    timeout(opts.connect_timeout, authenticate(&mut handle, opts))
        .await
        .map_err(|_| DeviceError::SshTimeout {
            during: "authentication",
            seconds: opts.connect_timeout.as_secs_f64(),
        })??;
    Ok(handle)
}

impl Shell {
    pub async fn open(opts: &ConnectOptions) -> Result<Shell, DeviceError> {
        let handle = connect(opts).await?;
        let unreachable = |reason: String| DeviceError::Unreachable {
            host: opts.host.clone(),
            port: opts.port,
            reason,
        };
        let channel = timeout(opts.connect_timeout, async {
            let channel = handle.channel_open_session().await?;
            // Wide: bash wraps the echo of a long command line at the terminal's width.
            channel
                .request_pty(true, "vt100", 512, 48, 0, 0, &[])
                .await?;
            channel.request_shell(true).await?;
            Ok::<_, russh::Error>(channel)
        })
        .await
        .map_err(|_| unreachable("the shell did not open in time".into()))?
        .map_err(|e| unreachable(format!("opening the shell: {e}")))?;
        let host_key_warning = (!opts.host_key_checking).then(|| {
            format!(
                "host key checking is off for {}:{}: the device's identity was not verified",
                opts.host, opts.port
            )
        });
        Ok(Shell {
            handle,
            channel,
            screen: Screen::default(),
            host_key_warning,
            bytes_read: 0,
        })
    }

    pub async fn send(&mut self, text: &str) -> Result<(), DeviceError> {
        self.channel
            .data(text.as_bytes())
            .await
            .map_err(|e| DeviceError::Dropped {
                waiting_for: format!("sending a command ({e})"),
                last_seen: String::new(),
            })
    }

    /// Reads until `done` says the text so far is complete, or the time runs out, or more
    /// than [`MAX_OUTPUT`] arrives without `done` (a stream with no prompt never grows the
    /// buffer without limit). Returns the text read (terminal codes removed), consumed.
    pub async fn read_until(
        &mut self,
        waiting_for: &str,
        limit: Duration,
        mut done: impl FnMut(&str) -> bool,
    ) -> Result<String, DeviceError> {
        let deadline = Instant::now() + limit;
        loop {
            if done(self.screen.text()) {
                return Ok(self.screen.take());
            }
            if self.screen.len() > MAX_OUTPUT {
                return Err(DeviceError::OutputTooLong {
                    waiting_for: waiting_for.to_string(),
                    bytes: self.screen.len(),
                    last_seen: tail(self.screen.text(), 200),
                });
            }
            let msg = match tokio::time::timeout_at(deadline, self.channel.wait()).await {
                Err(_) => {
                    return Err(DeviceError::Timeout {
                        waiting_for: waiting_for.to_string(),
                        seconds: limit.as_secs_f64(),
                        last_seen: tail(self.screen.text(), 200),
                    });
                }
                Ok(msg) => msg,
            };
            match msg {
                Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                    self.bytes_read += data.len() as u64;
                    self.screen.feed(&data);
                }
                Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) | None => {
                    return Err(DeviceError::Dropped {
                        waiting_for: waiting_for.to_string(),
                        last_seen: tail(self.screen.text(), 200),
                    });
                }
                Some(_) => {}
            }
        }
    }

    /// Drops what the unit printed unasked since the last read (a late `Switching to
    /// Active`, a warning), without waiting for more.
    pub async fn discard_unsolicited(&mut self) {
        while let Ok(Some(msg)) = timeout(Duration::ZERO, self.channel.wait()).await {
            if let ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. } = msg {
                self.bytes_read += data.len() as u64;
                self.screen.feed(&data);
            }
        }
        self.screen.take();
    }

    pub async fn close(self) {
        let _ = self.channel.close().await;
        self.handle.close().await;
    }
}

fn known_hosts_file(content: &str) -> std::io::Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let mut file = tempfile::Builder::new()
        .prefix("ftd-known-hosts.")
        .tempfile()?;
    file.write_all(content.as_bytes())?;
    file.write_all(b"\n")?;
    file.flush()?;
    Ok(file)
}

/// russh's default algorithms, plus every one a FIPS / Common Criteria / CNSA SSH server may
/// insist on that russh has: the NIST-curve key exchanges (`ecdh-sha2-nistp256/384/521`, not
/// in russh's default list) and AES-128-GCM. The defaults come first: a server that offers
/// both negotiates what it did before.
fn preferred() -> russh::Preferred {
    use russh::{cipher, kex};
    let default = russh::Preferred::default();
    let mut kexes: Vec<kex::Name> = default.kex.iter().copied().collect();
    // Before the pseudo-algorithms (ext-info, strict kex) that end russh's list.
    let at = kexes
        .iter()
        .position(|k| k.as_ref().starts_with("ext-info") || k.as_ref().starts_with("kex-strict"))
        .unwrap_or(kexes.len());
    kexes.splice(
        at..at,
        [
            kex::ECDH_SHA2_NISTP256,
            kex::ECDH_SHA2_NISTP384,
            kex::ECDH_SHA2_NISTP521,
        ],
    );
    let mut ciphers: Vec<cipher::Name> = default.cipher.iter().copied().collect();
    if !ciphers.contains(&cipher::AES_128_GCM) {
        ciphers.push(cipher::AES_128_GCM);
    }
    russh::Preferred {
        kex: kexes.into(),
        cipher: ciphers.into(),
        ..default
    }
}

/// Key (when given) or else the agent's keys, then password, then keyboard-interactive
/// answering with the password. Each method is tried once: the device locks users out after
/// three failed passwords.
async fn authenticate(
    handle: &mut client::Handle<HostKeyCheck>,
    opts: &ConnectOptions,
) -> Result<(), DeviceError> {
    let ssh = |e: russh::Error| DeviceError::Ssh(e.to_string());
    let mut tried = Vec::new();
    if let Some(path) = &opts.private_key {
        let key = russh::keys::load_secret_key(path, None).map_err(|e| {
            DeviceError::Ssh(format!("cannot load private key {}: {e}", path.display()))
        })?;
        let hash = handle
            .best_supported_rsa_hash()
            .await
            .map_err(ssh)?
            .flatten();
        tried.push("publickey");
        let result = handle
            .authenticate_publickey(
                &opts.username,
                PrivateKeyWithHashAlg::new(Arc::new(key), hash),
            )
            .await
            .map_err(ssh)?;
        if result.success() {
            return Ok(());
        }
    } else if let Some(socket) = &opts.ssh_agent {
        tried.push("publickey (agent)");
        if agent_login(handle, &opts.username, socket).await? {
            return Ok(());
        }
    }
    if let Some(password) = &opts.password {
        tried.push("password");
        let result = handle
            .authenticate_password(&opts.username, password.as_str())
            .await
            .map_err(ssh)?;
        let offers_kbd = match &result {
            russh::client::AuthResult::Success => return Ok(()),
            russh::client::AuthResult::Failure {
                remaining_methods, ..
            } => remaining_methods.contains(&russh::MethodKind::KeyboardInteractive),
        };
        if offers_kbd {
            tried.push("keyboard-interactive");
            if keyboard_interactive(handle, &opts.username, password).await? {
                return Ok(());
            }
        }
    }
    Err(DeviceError::AuthFailed {
        user: opts.username.clone(),
        host: opts.host.clone(),
        port: opts.port,
        tried: if tried.is_empty() {
            "no password or key given".into()
        } else {
            tried.join(", ")
        },
    })
}

/// Offers each of the agent's keys in turn, as OpenSSH does; the agent signs, the key never
/// leaves it.
async fn agent_login(
    handle: &mut client::Handle<HostKeyCheck>,
    user: &str,
    socket: &std::path::Path,
) -> Result<bool, DeviceError> {
    let agent_error = |e: russh::keys::Error| {
        DeviceError::Ssh(format!(
            "SSH agent at {} (SSH_AUTH_SOCK): {e}",
            socket.display()
        ))
    };
    let mut agent = russh::keys::agent::client::AgentClient::connect_uds(socket)
        .await
        .map_err(agent_error)?;
    let identities = agent.request_identities().await.map_err(agent_error)?;
    let hash = handle
        .best_supported_rsa_hash()
        .await
        .map_err(|e| DeviceError::Ssh(e.to_string()))?
        .flatten();
    for identity in identities {
        let key = identity.public_key().into_owned();
        let result = handle
            .authenticate_publickey_with(user, key, hash, &mut agent)
            .await
            .map_err(|e| DeviceError::Ssh(format!("SSH agent signing failed: {e}")))?;
        if result.success() {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn keyboard_interactive(
    handle: &mut client::Handle<HostKeyCheck>,
    user: &str,
    password: &str,
) -> Result<bool, DeviceError> {
    use russh::client::KeyboardInteractiveAuthResponse as Reply;
    let ssh = |e: russh::Error| DeviceError::Ssh(e.to_string());
    let mut reply = handle
        .authenticate_keyboard_interactive_start(user, None)
        .await
        .map_err(ssh)?;
    // A server may send empty info requests; a handful of rounds is plenty.
    for _ in 0..4 {
        match reply {
            Reply::Success => return Ok(true),
            Reply::Failure { .. } => return Ok(false),
            Reply::InfoRequest { prompts, .. } => {
                let answers = prompts
                    .iter()
                    .map(|p| {
                        if p.prompt.to_lowercase().contains("password") {
                            password.to_string()
                        } else {
                            String::new()
                        }
                    })
                    .collect();
                reply = handle
                    .authenticate_keyboard_interactive_respond(answers)
                    .await
                    .map_err(ssh)?;
            }
        }
    }
    Ok(false)
}
