//! The frame every stage of a unit runs in. A stage is its decision only: it gets a [`Frame`]
//! (the unit's name, check mode, the journal and the timeline) and returns its result or an
//! [`OpError`]; [`run_stage`] does the rest the same way for every stage: the failure message
//! naming unit and stage, the timeline in the result, the host-key and journal warnings, and
//! the journal's last word.

use crate::connection::{Connection, block_on};
use crate::report;
use ansible_module::{ModuleResult, RunContext};
use ftd_device::journal::Journal;
use ftd_device::ops::{OpError, Timeline};
use ftd_device::session::{CliSession, Login};

pub struct Frame {
    pub stage: &'static str,
    /// The unit's name in messages (`fw-1-b`).
    pub unit: String,
    pub check_mode: bool,
    /// How to log into the unit, built once from the options: every session of the stage,
    /// and every session an operation opens on its own, opens from it.
    pub login: Login,
    pub journal: Journal,
    pub timeline: Timeline,
    warnings: Vec<String>,
}

impl Frame {
    /// A step seen on the device: into the journal and the timeline.
    pub fn step(&mut self, percent: Option<u8>, message: &str) {
        self.timeline
            .push(&mut self.journal, percent, message, None);
    }

    /// The host-key warning of a session (host key checking off), for the result.
    pub fn host_key(&mut self, warning: Option<String>) {
        self.warnings.extend(warning);
    }

    /// A warning for the result, whatever the outcome (a certificate not verified).
    pub fn warn(&mut self, warning: String) {
        self.warnings.push(warning);
    }

    /// Logs into the unit; the session's host-key warning goes to the result. For a stage
    /// that hands its session on (install's follow) or closes it itself.
    pub async fn open(&mut self) -> Result<CliSession, OpError> {
        let s = self.login.open().await?;
        self.host_key(s.host_key_warning().map(String::from));
        Ok(s)
    }

    /// Logs into the unit, runs `body` with the session and this frame, logs out.
    pub async fn session<T>(
        &mut self,
        body: impl AsyncFnOnce(&mut CliSession, &mut Frame) -> Result<T, OpError>,
    ) -> Result<T, OpError> {
        let mut s = self.open().await?;
        let outcome = body(&mut s, self).await;
        s.close().await;
        outcome
    }

    pub fn fail(&self, error: &OpError) -> ModuleResult {
        report::fail(&self.unit, self.stage, error)
    }
}

/// Whether the result carries the stage's `timeline` and `duration` (the stages that follow
/// the device over time).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Timed {
    Yes,
    No,
}

/// Runs `body` for the unit of `conn` and closes its result. `secrets` are the stage's own
/// secrets (a download password) that the journal must mask besides the login's.
pub fn run_stage(
    stage: &'static str,
    conn: &Connection,
    ctx: &RunContext,
    secrets: impl Iterator<Item = String>,
    timed: Timed,
    body: impl AsyncFnOnce(&mut Frame) -> Result<ModuleResult, OpError>,
) -> ModuleResult {
    let mut frame = Frame {
        stage,
        unit: conn.unit_name(),
        check_mode: ctx.ansible.check_mode,
        login: conn.login(),
        journal: conn.journal_with(stage, secrets),
        timeline: Timeline::default(),
        warnings: Vec::new(),
    };
    let outcome = block_on(body(&mut frame));
    let mut r = outcome.unwrap_or_else(|e| frame.fail(&e));
    if timed == Timed::Yes {
        report::timeline(&mut r, &frame.timeline);
    }
    for warning in frame.warnings.drain(..) {
        r.warn(warning);
    }
    report::journal_warning(&mut r, &frame.journal);
    report::close(&mut frame.journal, r)
}
