//! The SSH front: one listener per unit on 127.0.0.1, closed while the unit reboots (so a
//! client sees "connection refused", as with a real unit), a PTY shell per session driven by
//! [`Terminal`], and the event log.

mod jobs;
mod session;
mod sftp;
mod ssh_policy;

pub use ssh_policy::SshPolicy;

use crate::cli::Terminal;
use crate::cli::keys::LineEditor;
pub use crate::events::EventLog;
use session::UnitSession;
use std::net::SocketAddr;

use crate::model::{Notice, Sim};
use russh::{ChannelId, MethodKind, MethodSet};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

type UnitKey = (usize, usize);

/// One open session, as the tick reaches it: unprompted text and a reboot.
#[derive(Clone)]
struct OpenSession {
    terminal: u64,
    channel: ChannelId,
    handle: russh::server::Handle,
    /// With a slow network, the session's own output queue: unprompted text joins it, so
    /// that it reaches the client between two writes of the session, never inside one (as
    /// one TCP stream carries them in order).
    queue: Option<tokio::sync::mpsc::UnboundedSender<crate::cli::Output>>,
}

/// Ends an SSH connection from the unit's side (logout, reboot, a dropped link).
async fn hang_up(handle: &russh::server::Handle, reason: &str) {
    let _ = handle
        .disconnect(russh::Disconnect::ByApplication, reason.into(), "en".into())
        .await;
}

/// Open sessions per unit.
type Sessions = Arc<Mutex<HashMap<UnitKey, Vec<OpenSession>>>>;

pub struct ServerOptions {
    pub keys: HashMap<UnitKey, russh::keys::PrivateKey>,
    pub keyboard_interactive_only: bool,
    pub auth_rejection: Duration,
    /// Send output in small random pieces with small random delays, as a slow or lossy
    /// management network does.
    pub slow_network: bool,
    /// Public keys the admin user may log in with (authorized_keys); none: passwords only.
    pub authorized_keys: Vec<russh::keys::PublicKey>,
    /// The SSH algorithms the units offer (their host keys are made to match).
    pub ssh_policy: SshPolicy,
}

/// A running sim: its ports, and the handle to stop it.
pub struct RunningSim {
    pub sim: Arc<Mutex<Sim>>,
    pub ports: HashMap<UnitKey, u16>,
    pub events: EventLog,
    stop: watch::Sender<bool>,
}

impl RunningSim {
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

pub async fn start(
    sim: Sim,
    base_port: u16,
    opts: ServerOptions,
    events: EventLog,
) -> std::io::Result<RunningSim> {
    let units: Vec<UnitKey> = (0..sim.pairs.len())
        .flat_map(|p| [(p, 0), (p, 1)])
        .collect();
    let sim = Arc::new(Mutex::new(sim));
    let sessions: Sessions = Arc::default();
    let (stop, stop_rx) = watch::channel(false);
    let mut ports = HashMap::new();
    let mut up_senders = HashMap::new();
    for (n, key) in units.iter().enumerate() {
        let port = if base_port == 0 {
            0
        } else {
            base_port + n as u16
        };
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        ports.insert(*key, port);
        let (up_tx, up_rx) = watch::channel(true);
        up_senders.insert(*key, up_tx);
        let mut methods = vec![MethodKind::KeyboardInteractive];
        if !opts.keyboard_interactive_only {
            methods.insert(0, MethodKind::Password);
        }
        if !opts.authorized_keys.is_empty() {
            methods.insert(0, MethodKind::PublicKey);
        }
        let config = Arc::new(russh::server::Config {
            methods: MethodSet::from(&methods[..]),
            keys: vec![opts.keys[key].clone()],
            auth_rejection_time: opts.auth_rejection,
            auth_rejection_time_initial: Some(Duration::ZERO),
            inactivity_timeout: Some(Duration::from_secs(3600)),
            nodelay: true,
            preferred: opts.ssh_policy.preferred(),
            ..Default::default()
        });
        let unit = UnitFront {
            key: *key,
            sim: sim.clone(),
            sessions: sessions.clone(),
            events: events.clone(),
            config,
            slow_network: opts.slow_network,
            authorized_keys: Arc::new(opts.authorized_keys.clone()),
        };
        tokio::spawn(unit.serve(listener, port, up_rx, stop_rx.clone()));
    }
    tokio::spawn(tick(
        sim.clone(),
        sessions,
        up_senders,
        events.clone(),
        stop_rx,
    ));
    Ok(RunningSim {
        sim,
        ports,
        events,
        stop,
    })
}

/// Advances the model and acts on what happened: reboot messages, closing and reopening
/// listeners, events.
async fn tick(
    sim: Arc<Mutex<Sim>>,
    sessions: Sessions,
    up: HashMap<UnitKey, watch::Sender<bool>>,
    events: EventLog,
    mut stop: watch::Receiver<bool>,
) {
    let mut interval = tokio::time::interval(Duration::from_millis(5));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stop.changed() => return,
        }
        let (notices, new_events, prints) = {
            let mut s = sim.lock().unwrap();
            let now = s.now();
            let notices = s.advance_to(now);
            (notices, s.drain_events(), s.drain_prints(now))
        };
        for e in &new_events {
            events.write(e);
        }
        // Unprompted text goes out before a reboot closes the sessions it is meant for.
        for (pair, unit, terminal, text) in prints {
            let open = sessions.lock().unwrap().get(&(pair, unit)).cloned();
            for o in open.unwrap_or_default() {
                if terminal.is_some_and(|t| t != o.terminal) {
                    continue;
                }
                match &o.queue {
                    Some(q) => {
                        let _ = q.send(crate::cli::Output::Text(text.clone()));
                    }
                    None => {
                        let bytes = text.replace('\n', "\r\n").into_bytes();
                        let _ = o.handle.data(o.channel, bytes).await;
                    }
                }
            }
        }
        for notice in notices {
            match notice {
                Notice::GoingDown { pair, unit } => {
                    let key = (pair - 1, unit);
                    let _ = up[&key].send(false);
                    let open = sessions.lock().unwrap().remove(&key).unwrap_or_default();
                    for OpenSession { handle, .. } in open {
                        tokio::spawn(async move { hang_up(&handle, "reboot").await });
                    }
                }
                Notice::Up { pair, unit } => {
                    let _ = up[&(pair - 1, unit)].send(true);
                }
            }
        }
    }
}

struct UnitFront {
    key: UnitKey,
    sim: Arc<Mutex<Sim>>,
    sessions: Sessions,
    events: EventLog,
    config: Arc<russh::server::Config>,
    slow_network: bool,
    authorized_keys: Arc<Vec<russh::keys::PublicKey>>,
}

impl UnitFront {
    async fn serve(
        self,
        first: TcpListener,
        port: u16,
        mut up: watch::Receiver<bool>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut listener = Some(first);
        loop {
            if let Some(l) = &listener {
                tokio::select! {
                    accepted = l.accept() => {
                        if let Ok((stream, peer)) = accepted {
                            let _ = stream.set_nodelay(true);
                            let handler = self.handler(peer);
                            let config = self.config.clone();
                            tokio::spawn(async move {
                                if let Ok(running) = russh::server::run_stream(config, stream, handler).await {
                                    let _ = running.await;
                                }
                            });
                        }
                    }
                    _ = up.changed() => {
                        if !*up.borrow() {
                            listener = None; // rebooting: connections are refused
                        }
                    }
                    _ = stop.changed() => return,
                }
            } else {
                tokio::select! {
                    _ = up.changed() => {}
                    _ = stop.changed() => return,
                }
                if *up.borrow() {
                    // The port was ours a moment ago; retry briefly if the OS holds it.
                    for _ in 0..50 {
                        match TcpListener::bind(("127.0.0.1", port)).await {
                            Ok(l) => {
                                listener = Some(l);
                                break;
                            }
                            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                        }
                    }
                }
            }
        }
    }

    fn handler(&self, peer: SocketAddr) -> UnitSession {
        UnitSession {
            key: self.key,
            sim: self.sim.clone(),
            sessions: self.sessions.clone(),
            events: self.events.clone(),
            terminal: Arc::new(Mutex::new(Terminal::new(self.key.0, self.key.1))),
            editor: LineEditor::default(),
            channel: None,
            pending_channel: None,
            terminal_id: 0,
            sftp: false,
            peer,
            slow_network: self.slow_network,
            slow_queue: None,
            authorized_keys: self.authorized_keys.clone(),
        }
    }
}
