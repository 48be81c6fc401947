//! Foreground transfers typed on a unit (`wget`, `scp`), run for real: HTTP(S) with ureq,
//! SCP as OpenSSH 9 does it (SSH, then the SFTP protocol) with russh and russh-sftp. Bytes
//! land in the unit's file tree as they arrive, so `stat` in another session sees the file
//! grow; `/ngfw`'s free space and the `download-drop` fault apply to every write. What they
//! print follows GNU wget 1.21 and OpenSSH 9 (their usual messages; not in the domain file).

mod http;
mod scp;

use super::UnitKey;
use crate::cli::transfer::Job;
use crate::cli::{Output, Terminal};
use crate::model::Sim;
use crate::model::clock::ls_stamp;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// What a running transfer reaches: the unit, its terminal, the session's output.
pub(super) struct JobEnv {
    pub sim: Arc<Mutex<Sim>>,
    pub terminal: Arc<Mutex<Terminal>>,
    pub key: UnitKey,
    pub print: UnboundedSender<Output>,
    pub answers: UnboundedReceiver<String>,
    pub cancel: Arc<AtomicBool>,
}

pub(super) use crate::model::unit::Received as WriteError;

impl JobEnv {
    fn say(&self, text: impl Into<String>) {
        let _ = self.print.send(Output::Text(text.into()));
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Shows a prompt and waits for the line typed at it (not echoed).
    async fn ask(&mut self, prompt: &str) -> Option<String> {
        self.terminal.lock().unwrap().job_asks();
        self.say(prompt);
        let answer = self.answers.recv().await;
        self.say("\n");
        answer
    }

    fn ask_blocking(&mut self, prompt: &str) -> Option<String> {
        self.terminal.lock().unwrap().job_asks();
        self.say(prompt);
        let answer = self.answers.blocking_recv();
        self.say("\n");
        answer
    }

    /// The device's wall clock, as wget prints it.
    fn stamp(&self) -> String {
        let sim = self.sim.lock().unwrap();
        crate::model::clock::wget_stamp(sim.clock.wall(sim.now()))
    }

    fn file_size(&self, path: &str) -> Option<u64> {
        let sim = self.sim.lock().unwrap();
        sim.pairs[self.key.0].units[self.key.1]
            .fs
            .get(path)
            .map(|f| f.size())
    }

    fn truncate(&self, path: &str) {
        let mut sim = self.sim.lock().unwrap();
        sim.pairs[self.key.0].units[self.key.1].fs.truncate(path, 0);
    }

    fn append_text(&self, path: &str, text: &str) {
        let mut sim = self.sim.lock().unwrap();
        let stamp = ls_stamp(sim.clock.wall(sim.now()));
        sim.pairs[self.key.0].units[self.key.1]
            .fs
            .append(path, text, &stamp);
    }

    /// The transfer shows in `pgrep -f` while it runs; `pkill -f` stops it.
    fn register(&self, command: &str) {
        let mut sim = self.sim.lock().unwrap();
        sim.pairs[self.key.0].units[self.key.1]
            .transfers
            .push(crate::model::unit::Transfer {
                command: command.to_string(),
                stop: self.cancel.clone(),
            });
    }

    fn unregister(&self, command: &str) {
        let mut sim = self.sim.lock().unwrap();
        let transfers = &mut sim.pairs[self.key.0].units[self.key.1].transfers;
        if let Some(i) = transfers.iter().position(|t| t.command == command) {
            transfers.remove(i);
        }
    }

    /// Writes a chunk at `offset` of `path` on the unit. With the `session-drop` fault, once
    /// the file reaches its size, the session that typed the transfer is disconnected.
    fn write(&self, path: &str, offset: u64, data: &[u8]) -> Result<(), WriteError> {
        let mut sim = self.sim.lock().unwrap();
        let stamp = ls_stamp(sim.clock.wall(sim.now()));
        let unit = &mut sim.pairs[self.key.0].units[self.key.1];
        unit.receive(path, offset, data, &stamp)?;
        let at = offset + data.len() as u64;
        let due = unit
            .faults
            .iter()
            .any(|f| matches!(f, crate::model::faults::Fault::SessionDrop(n) if at >= *n));
        if due && !unit.session_dropped {
            unit.session_dropped = true;
            let _ = self.print.send(Output::Disconnect);
        }
        Ok(())
    }
}

/// Links a transfer to the terminal that runs it: where typed answers go, and the flag that
/// stops it (Ctrl-C, `pkill`, a hangup scp does not survive).
pub(super) fn link(
    terminal: &mut Terminal,
    job: &Job,
) -> (UnboundedReceiver<String>, Arc<AtomicBool>) {
    let (answers, rx) = tokio::sync::mpsc::unbounded_channel();
    let cancel = Arc::new(AtomicBool::new(false));
    terminal.link_job(crate::cli::JobLink {
        answers,
        cancel: cancel.clone(),
        survives_hangup: matches!(job, Job::Http(_)),
    });
    (rx, cancel)
}

/// Runs a foreground transfer, then the rest of its line; prints the prompt at the end.
pub(super) async fn run(mut job: Job, mut env: JobEnv) {
    loop {
        let command = job.command().to_string();
        env.register(&command);
        let status = match job {
            Job::Http(h) => {
                let (status, back) = tokio::task::spawn_blocking(move || {
                    let status = http::run(&h, &mut env);
                    (status, env)
                })
                .await
                .expect("the wget task does not panic");
                env = back;
                status
            }
            Job::Scp(s) => scp::run(&s, &mut env).await,
        };
        env.unregister(&command);
        let status = if env.cancelled() { 130 } else { status };
        let (outputs, next) = {
            let mut sim = env.sim.lock().unwrap();
            let mut terminal = env.terminal.lock().unwrap();
            let outputs = terminal.finish_job(&mut sim, status);
            (outputs, terminal.take_started_job())
        };
        for o in outputs {
            let _ = env.print.send(o);
        }
        match next {
            Some(n) => {
                // The same line started another transfer: a fresh link for it.
                let (rx, cancel) = link(&mut env.terminal.lock().unwrap(), &n);
                env.answers = rx;
                env.cancel = cancel;
                job = n;
            }
            None => return,
        }
    }
}

/// `1.5M`, `200K`: wget's and scp's short sizes.
fn short_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1}G", b / 1024.0 / 1024.0 / 1024.0)
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.1}M", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{}K", (b / 1024.0).round())
    } else {
        format!("{bytes}")
    }
}

/// Sleeps as long as `limit` bytes/s asks after `done` bytes in `elapsed`.
/// How long to wait so that `done` bytes since `started` stay within `limit` bytes/s.
fn pause_for(
    limit: Option<u64>,
    done: u64,
    started: std::time::Instant,
) -> Option<std::time::Duration> {
    let due = std::time::Duration::from_secs_f64(done as f64 / limit? as f64);
    due.checked_sub(started.elapsed())
}

/// A rate as wget and scp show it (`12.3 MB/s`).
fn rate(bytes: u64, secs: f64) -> String {
    let r = bytes as f64 / secs.max(0.001);
    if r >= 1024.0 * 1024.0 {
        format!("{:.1} MB/s", r / 1024.0 / 1024.0)
    } else {
        format!("{:.1} KB/s", r / 1024.0)
    }
}
