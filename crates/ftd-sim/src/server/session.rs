//! One SSH session on a unit: authentication, the PTY shell driven by [`Terminal`], and the
//! event log of what was typed.

use super::{Sessions, UnitKey};
use crate::cli::keys::LineEditor;
use crate::cli::{Output, Terminal};
use crate::events::EventLog;
use crate::model::Sim;
use crate::model::faults::Fault;
use russh::server::{Auth, Msg, Response, Session};
use russh::{Channel, ChannelId};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(super) struct UnitSession {
    pub(super) key: UnitKey,
    pub(super) sim: Arc<Mutex<Sim>>,
    pub(super) sessions: Sessions,
    pub(super) events: EventLog,
    /// Shared with a foreground transfer, which ends its line and prints the prompt.
    pub(super) terminal: Arc<Mutex<Terminal>>,
    pub(super) editor: LineEditor,
    pub(super) channel: Option<ChannelId>,
    /// The session channel until it asks for a shell (dropped) or SFTP (served).
    pub(super) pending_channel: Option<Channel<Msg>>,
    pub(super) terminal_id: u64,
    /// The session serves SFTP: its bytes belong to the SFTP server, not to the terminal.
    pub(super) sftp: bool,
    pub(super) peer: SocketAddr,
    pub(super) slow_network: bool,
    /// With a slow network, output goes through this queue to a task that trickles it out;
    /// with a slow CLI, to one that waits where the answer is late. In order either way.
    pub(super) slow_queue: Option<tokio::sync::mpsc::UnboundedSender<Output>>,
    pub(super) authorized_keys: Arc<Vec<russh::keys::PublicKey>>,
}

/// How a queue writes text: as it comes, or as a slow, lossy network delivers it (pieces of 1
/// to 48 bytes, 1 to 15 ms apart).
#[derive(Clone, Copy, PartialEq)]
enum Pace {
    Whole,
    Trickle,
}

/// Sends queued output in order at `pace`; a pause holds what follows, a disconnect hangs up
/// with `reason`.
fn queue(
    handle: russh::server::Handle,
    channel: ChannelId,
    pace: Pace,
    reason: &'static str,
) -> tokio::sync::mpsc::UnboundedSender<Output> {
    use rand::RngExt;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Output>();
    tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            match out {
                Output::Text(text) => {
                    let mut bytes = text.replace('\n', "\r\n").into_bytes();
                    while !bytes.is_empty() {
                        let (n, pause) = match pace {
                            Pace::Whole => (bytes.len(), 0),
                            Pace::Trickle => {
                                let mut rng = rand::rng();
                                (
                                    rng.random_range(1..=48).min(bytes.len()),
                                    rng.random_range(1..=15),
                                )
                            }
                        };
                        let piece: Vec<u8> = bytes.drain(..n).collect();
                        if handle.data(channel, piece).await.is_err() {
                            return;
                        }
                        if pause > 0 {
                            tokio::time::sleep(Duration::from_millis(pause)).await;
                        }
                    }
                }
                Output::Pause(pause) => tokio::time::sleep(pause).await,
                Output::Disconnect => {
                    super::hang_up(&handle, reason).await;
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
        self.admit(user, "password", |sim| password == sim.password.as_bytes())
    }

    /// One login attempt: counted, refused by the unit's auth faults, written to the events.
    fn admit(&self, user: &str, method: &str, secret_ok: impl FnOnce(&Sim) -> bool) -> Auth {
        let mut sim = self.sim.lock().unwrap();
        let secret_ok = secret_ok(&sim);
        let unit = &mut sim.pairs[self.key.0].units[self.key.1];
        unit.logins += 1;
        let cut_off = unit
            .faults
            .iter()
            .any(|f| matches!(f, Fault::AuthFailFrom(n) if unit.logins >= *n));
        let unit_refuses = unit.faults.contains(&Fault::AuthFail) || cut_off;
        let ok = user == sim.username && secret_ok && !unit_refuses;
        self.event(
            &sim,
            "login",
            json!({"user": user, "method": method, "accepted": ok, "from": self.peer.to_string()}),
        );
        if ok { Auth::Accept } else { Auth::reject() }
    }

    fn is_authorized(&self, key: &russh::keys::PublicKey) -> bool {
        self.authorized_keys
            .iter()
            .any(|k| k.key_data() == key.key_data())
    }

    /// Where a transfer's output goes: through the slow queue, or straight to the channel,
    /// in order, after what the session itself already sent.
    fn printer(
        &self,
        session: &Session,
        channel: ChannelId,
    ) -> tokio::sync::mpsc::UnboundedSender<Output> {
        if let Some(queue) = &self.slow_queue {
            return queue.clone();
        }
        // The `session-drop` fault: the connection goes, the transfer may not.
        queue(session.handle(), channel, Pace::Whole, "connection lost")
    }

    /// Runs the transfer the last line started, if any, linked to this terminal.
    fn start_job(&self, session: &Session, channel: ChannelId) {
        let mut terminal = self.terminal.lock().unwrap();
        let Some(job) = terminal.take_started_job() else {
            return;
        };
        let (rx, cancel) = super::jobs::link(&mut terminal, &job);
        let env = super::jobs::JobEnv {
            sim: self.sim.clone(),
            terminal: self.terminal.clone(),
            key: self.key,
            print: self.printer(session, channel),
            answers: rx,
            cancel,
        };
        tokio::spawn(super::jobs::run(job, env));
    }

    /// What the terminal prints, as a PTY shows it (`\r\n`).
    fn send(
        &mut self,
        session: &mut Session,
        channel: ChannelId,
        outputs: Vec<Output>,
    ) -> Result<(), russh::Error> {
        if self.slow_queue.is_none() && outputs.iter().any(|o| matches!(o, Output::Pause(_))) {
            // A slow CLI: from its first late answer on, everything goes out in order after it.
            self.slow_queue = Some(queue(session.handle(), channel, Pace::Whole, "logout"));
        }
        if self.slow_network || self.slow_queue.is_some() {
            let queue = self
                .slow_queue
                .get_or_insert_with(|| queue(session.handle(), channel, Pace::Trickle, "logout"));
            for out in outputs {
                let _ = queue.send(out);
            }
            return Ok(());
        }
        for out in outputs {
            match out {
                Output::Text(text) => {
                    session.data(channel, text.replace('\n', "\r\n").into_bytes())?
                }
                Output::Disconnect => {
                    let handle = session.handle();
                    tokio::spawn(async move {
                        super::hang_up(&handle, "logout").await;
                    });
                }
                // A pause sent this output through the queue above.
                Output::Pause(_) => {}
            }
        }
        Ok(())
    }
}

impl Drop for UnitSession {
    fn drop(&mut self) {
        if let Ok(mut terminal) = self.terminal.lock() {
            terminal.hang_up();
        }
        if let Ok(mut sessions) = self.sessions.lock()
            && let Some(open) = sessions.get_mut(&self.key)
        {
            open.retain(|o| o.terminal != self.terminal_id);
        }
    }
}

impl russh::server::Handler for UnitSession {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        Ok(self.check_login(user, password.as_bytes()))
    }

    /// Only the key's offer: russh checks the signature before [`Self::auth_publickey`].
    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        offer: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(if self.is_authorized(offer.public_key) {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let authorized = self.is_authorized(key.public_key);
        Ok(self.admit(user, "publickey", |_| authorized))
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
        self.terminal_id = self.terminal.lock().unwrap().id;
        if self.slow_network {
            self.slow_queue = Some(queue(
                session.handle(),
                channel.id(),
                Pace::Trickle,
                "logout",
            ));
        }
        self.sessions
            .lock()
            .unwrap()
            .entry(self.key)
            .or_default()
            .push(super::OpenSession {
                terminal: self.terminal_id,
                channel: channel.id(),
                handle: session.handle(),
                queue: self.slow_queue.clone(),
            });
        self.pending_channel = Some(channel);
        reply.accept().await;
        Ok(())
    }

    /// The SFTP client is done (OpenSSH's scp sends EOF): exit status 0 and close, as
    /// sshd does for its sftp-server.
    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.sftp {
            session.exit_status_request(channel, 0)?;
            session.eof(channel)?;
            session.close(channel)?;
        }
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let refused = self.sim.lock().unwrap().pairs[self.key.0].units[self.key.1]
            .faults
            .contains(&Fault::NoSftp);
        let open = self.pending_channel.take().filter(|c| c.id() == channel);
        match open {
            Some(open) if name == "sftp" && !refused => {
                session.channel_success(channel)?;
                self.sftp = true;
                let handler = super::sftp::SftpSession::new(self.sim.clone(), self.key);
                tokio::spawn(russh_sftp::server::run(open.into_stream(), handler));
            }
            _ => session.channel_failure(channel)?,
        }
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

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        // The shell's input arrives through `data`; nothing reads the channel object.
        self.pending_channel = None;
        let greeting = self
            .terminal
            .lock()
            .unwrap()
            .greeting(&self.sim.lock().unwrap());
        self.send(session, channel, vec![Output::Text(greeting)])
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Whether the device runs SSH exec requests is unverified: refuse, as the modules
        // must not depend on it.
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.sftp {
            return Ok(());
        }
        let mut sim = self.sim.lock().unwrap();
        let mut terminal = self.terminal.lock().unwrap();
        let mut outputs = Vec::new();
        for &byte in data {
            let (out, typed) = self.editor.feed(&mut terminal, &mut sim, byte);
            outputs.extend(out);
            if let Some(t) = typed {
                let mode = format!("{:?}", t.mode);
                match t.command {
                    Some(command) => self.event(
                        &sim,
                        "command",
                        json!({"mode": mode, "command": command, "bytes_out": t.bytes_out}),
                    ),
                    None => self.event(&sim, "password_entered", json!({"mode": mode})),
                }
            }
        }
        drop(terminal);
        drop(sim);
        self.send(session, channel, merge(outputs))?;
        self.start_job(session, channel);
        Ok(())
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
