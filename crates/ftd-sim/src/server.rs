//! The SSH front: one listener per unit on 127.0.0.1, closed while the unit reboots (so a
//! client sees "connection refused", as with a real unit), a PTY shell per session driven by
//! [`Terminal`], and the event log.

use crate::cli::{Output, Terminal};
use crate::model::faults::Fault;
use crate::model::{Notice, Sim};
use russh::server::{Auth, Msg, Response, Session};
use russh::{Channel, ChannelId, MethodKind, MethodSet};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Appends JSON lines to the events file (and keeps nothing in memory).
#[derive(Clone)]
pub struct EventLog {
    file: Option<Arc<Mutex<std::fs::File>>>,
}

impl EventLog {
    pub fn open(path: Option<&std::path::Path>) -> std::io::Result<Self> {
        let file = match path {
            Some(p) => Some(Arc::new(Mutex::new(std::fs::OpenOptions::new().create(true).append(true).open(p)?))),
            None => None,
        };
        Ok(EventLog { file })
    }

    pub fn write(&self, event: &Value) {
        use std::io::Write;
        if let Some(f) = &self.file {
            let mut e = event.clone();
            e["time"] = json!(ftd_device::journal::now_rfc3339());
            let _ = writeln!(f.lock().unwrap(), "{e}");
        }
    }
}

type UnitKey = (usize, usize);

/// Open sessions per unit, so that a reboot can reach them.
type Sessions = Arc<Mutex<HashMap<UnitKey, Vec<(ChannelId, russh::server::Handle)>>>>;

pub struct ServerOptions {
    pub keys: HashMap<UnitKey, russh::keys::PrivateKey>,
    pub keyboard_interactive_only: bool,
    pub auth_rejection: Duration,
    /// Send output in small random pieces with small random delays, as a slow or lossy
    /// management network does.
    pub slow_network: bool,
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

pub async fn start(sim: Sim, base_port: u16, opts: ServerOptions, events: EventLog) -> std::io::Result<RunningSim> {
    let units: Vec<UnitKey> = (0..sim.pairs.len()).flat_map(|p| [(p, 0), (p, 1)]).collect();
    let sim = Arc::new(Mutex::new(sim));
    let sessions: Sessions = Arc::default();
    let (stop, stop_rx) = watch::channel(false);
    let mut ports = HashMap::new();
    let mut up_senders = HashMap::new();
    for (n, key) in units.iter().enumerate() {
        let port = if base_port == 0 { 0 } else { base_port + n as u16 };
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        ports.insert(*key, port);
        let (up_tx, up_rx) = watch::channel(true);
        up_senders.insert(*key, up_tx);
        let mut methods = vec![MethodKind::KeyboardInteractive];
        if !opts.keyboard_interactive_only {
            methods.insert(0, MethodKind::Password);
        }
        let config = Arc::new(russh::server::Config {
            methods: MethodSet::from(&methods[..]),
            keys: vec![opts.keys[key].clone()],
            auth_rejection_time: opts.auth_rejection,
            auth_rejection_time_initial: Some(Duration::ZERO),
            inactivity_timeout: Some(Duration::from_secs(3600)),
            nodelay: true,
            ..Default::default()
        });
        let unit = UnitFront {
            key: *key,
            sim: sim.clone(),
            sessions: sessions.clone(),
            events: events.clone(),
            config,
            slow_network: opts.slow_network,
        };
        tokio::spawn(unit.serve(listener, port, up_rx, stop_rx.clone()));
    }
    tokio::spawn(tick(sim.clone(), sessions, up_senders, events.clone(), stop_rx));
    Ok(RunningSim { sim, ports, events, stop })
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
        let (notices, new_events) = {
            let mut s = sim.lock().unwrap();
            let now = s.now();
            let notices = s.advance_to(now);
            (notices, s.drain_events())
        };
        for e in &new_events {
            events.write(e);
        }
        for notice in notices {
            match notice {
                Notice::GoingDown { pair, unit } => {
                    let key = (pair - 1, unit);
                    let _ = up[&key].send(false);
                    let open = sessions.lock().unwrap().remove(&key).unwrap_or_default();
                    for (channel, handle) in open {
                        tokio::spawn(async move {
                            let text = "\r\n\r\nBroadcast message from root@firepower (console):\r\n\r\nThe system is going down for reboot NOW!\r\n";
                            let _ = handle.data(channel, text.as_bytes().to_vec()).await;
                            let _ = handle.disconnect(russh::Disconnect::ByApplication, "reboot".into(), "en".into()).await;
                        });
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
}

impl UnitFront {
    async fn serve(self, first: TcpListener, port: u16, mut up: watch::Receiver<bool>, mut stop: watch::Receiver<bool>) {
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
            terminal: Terminal::new(self.key.0, self.key.1),
            line: Vec::new(),
            last_cr: false,
            channel: None,
            peer,
            slow_network: self.slow_network,
            slow_queue: None,
        }
    }
}

struct UnitSession {
    key: UnitKey,
    sim: Arc<Mutex<Sim>>,
    sessions: Sessions,
    events: EventLog,
    terminal: Terminal,
    line: Vec<u8>,
    last_cr: bool,
    channel: Option<ChannelId>,
    peer: SocketAddr,
    slow_network: bool,
    /// With a slow network, output goes through this queue to a task that trickles it out.
    slow_queue: Option<tokio::sync::mpsc::UnboundedSender<Output>>,
}

/// Sends queued output in pieces of 1 to 48 bytes, 1 to 15 ms apart, in order.
fn trickle(handle: russh::server::Handle, channel: ChannelId) -> tokio::sync::mpsc::UnboundedSender<Output> {
    use rand::RngExt;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Output>();
    tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            match out {
                Output::Text(text) => {
                    let mut bytes = text.replace('\n', "\r\n").into_bytes();
                    while !bytes.is_empty() {
                        let (n, pause) = {
                            let mut rng = rand::rng();
                            (rng.random_range(1..=48).min(bytes.len()), rng.random_range(1..=15))
                        };
                        let piece: Vec<u8> = bytes.drain(..n).collect();
                        if handle.data(channel, piece).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(pause)).await;
                    }
                }
                Output::Disconnect => {
                    let _ = handle.disconnect(russh::Disconnect::ByApplication, "logout".into(), "en".into()).await;
                    return;
                }
            }
        }
    });
    tx
}

impl UnitSession {
    fn event(&self, sim: &Sim, kind: &str, fields: Value) {
        let unit = &sim.pairs[self.key.0].units[self.key.1];
        let mut e = json!({"t": (sim.now() * 1000.0).round() / 1000.0, "pair": self.key.0 + 1, "unit": unit.hostname, "event": kind});
        if let (Value::Object(e), Value::Object(f)) = (&mut e, fields) {
            e.extend(f);
        }
        self.events.write(&e);
    }

    fn check_login(&self, user: &str, password: &[u8]) -> Auth {
        let sim = self.sim.lock().unwrap();
        let unit = &sim.pairs[self.key.0].units[self.key.1];
        let ok = user == sim.username && password == sim.password.as_bytes() && !unit.faults.contains(&Fault::AuthFail);
        self.event(&sim, "login", json!({"user": user, "accepted": ok, "from": self.peer.to_string()}));
        if ok { Auth::Accept } else { Auth::reject() }
    }

    /// What the terminal prints, as a PTY shows it (`\r\n`).
    fn send(&mut self, session: &mut Session, channel: ChannelId, outputs: Vec<Output>) -> Result<(), russh::Error> {
        if self.slow_network {
            let queue = self.slow_queue.get_or_insert_with(|| trickle(session.handle(), channel));
            for out in outputs {
                let _ = queue.send(out);
            }
            return Ok(());
        }
        for out in outputs {
            match out {
                Output::Text(text) => session.data(channel, text.replace('\n', "\r\n").into_bytes())?,
                Output::Disconnect => {
                    let handle = session.handle();
                    tokio::spawn(async move {
                        let _ = handle.disconnect(russh::Disconnect::ByApplication, "logout".into(), "en".into()).await;
                    });
                }
            }
        }
        Ok(())
    }
}

impl russh::server::Handler for UnitSession {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        Ok(self.check_login(user, password.as_bytes()))
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        match response.and_then(|mut r| r.next()) {
            None => Ok(Auth::Partial {
                name: "".into(),
                instructions: "".into(),
                prompts: vec![("Password: ".into(), false)].into(),
            }),
            Some(answer) => Ok(self.check_login(user, &answer)),
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channel = Some(channel.id());
        self.sessions.lock().unwrap().entry(self.key).or_default().push((channel.id(), session.handle()));
        reply.accept().await;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _cols: u32,
        _rows: u32,
        _pw: u32,
        _ph: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        Ok(())
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let greeting = self.terminal.greeting(&self.sim.lock().unwrap());
        self.send(session, channel, vec![Output::Text(greeting)])
    }

    async fn exec_request(&mut self, channel: ChannelId, _data: &[u8], session: &mut Session) -> Result<(), Self::Error> {
        // Whether the device runs SSH exec requests is unverified: refuse, as the modules
        // must not depend on it.
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn data(&mut self, channel: ChannelId, data: &[u8], session: &mut Session) -> Result<(), Self::Error> {
        let mut sim = self.sim.lock().unwrap();
        let mut outputs = Vec::new();
        for &byte in data {
            if self.terminal.wants_key() {
                outputs.extend(self.terminal.key(&sim, byte));
                continue;
            }
            match byte {
                b'\n' if self.last_cr => {}
                b'\r' | b'\n' => {
                    let line = String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
                    outputs.push(Output::Text("\n".into()));
                    let secret = self.terminal.secret_input();
                    let mode = format!("{:?}", self.terminal.mode());
                    let answer = self.terminal.line(&mut sim, &line);
                    // What the unit sent back, so that benchmarks can see what a poll costs.
                    let bytes: usize = answer.iter().map(|o| if let Output::Text(t) = o { t.len() } else { 0 }).sum();
                    if secret {
                        self.event(&sim, "password_entered", json!({"mode": mode}));
                    } else {
                        self.event(&sim, "command", json!({"mode": mode, "command": line, "bytes_out": bytes}));
                    }
                    outputs.extend(answer);
                }
                3 => {
                    self.line.clear();
                    outputs.extend(self.terminal.interrupt(&sim));
                }
                0x7f | 0x08 => {
                    if self.line.pop().is_some() && !self.terminal.secret_input() {
                        outputs.push(Output::Text("\u{8} \u{8}".into()));
                    }
                }
                _ => {
                    self.line.push(byte);
                    if !self.terminal.secret_input() {
                        outputs.push(Output::Text(String::from_utf8_lossy(&[byte]).into_owned()));
                    }
                }
            }
            self.last_cr = byte == b'\r';
        }
        drop(sim);
        self.send(session, channel, merge(outputs))
    }
}

/// Adjacent text outputs as one write, so a command's echo and answer travel together.
fn merge(outputs: Vec<Output>) -> Vec<Output> {
    let mut merged: Vec<Output> = Vec::new();
    for o in outputs {
        match (merged.last_mut(), o) {
            (Some(Output::Text(a)), Output::Text(b)) => a.push_str(&b),
            (_, o) => merged.push(o),
        }
    }
    merged
}
