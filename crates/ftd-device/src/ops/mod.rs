//! Device operations: what each upgrade stage does on one unit, and what it refuses to do.
//! They take a [`CliSession`](crate::session::CliSession) (or connection options, where the
//! unit reboots) and know nothing of Ansible.

pub mod attempt;
pub mod checksum;
pub mod evidence;
pub mod facts;
pub mod failover;
pub mod follow;
pub mod install;
pub mod installer;
pub mod lock;
pub mod readiness;
pub mod reboot;
pub mod stage;
pub mod verify;

use crate::error::DeviceError;
use serde::Serialize;
use std::time::{Duration, Instant};

/// Why an operation stopped without doing its work.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpError {
    /// The device could not be driven (connection, auth, prompt, parse).
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// A safety rule forbids the step; nothing was changed.
    #[error("refused: {0}")]
    Refused(String),
    /// The device ran the step and it failed.
    #[error("{0}")]
    Failed(String),
    /// The step did not finish in time.
    #[error("{0}")]
    TimedOut(String),
}

/// One thing seen while following a long step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// Seconds since the stage began.
    pub at: f64,
    pub time: String,
    pub percent: Option<u8>,
    pub message: String,
    pub script: Option<String>,
}

/// The timeline of a stage, with its clock.
#[derive(Debug, Clone)]
pub struct Timeline {
    started: Instant,
    pub entries: Vec<TimelineEntry>,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            started: Instant::now(),
            entries: Vec::new(),
        }
    }
}

impl Timeline {
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn push(
        &mut self,
        journal: &mut crate::journal::Journal,
        percent: Option<u8>,
        message: &str,
        script: Option<String>,
    ) {
        let entry = journal.record(percent, message);
        self.entries.push(TimelineEntry {
            at: (self.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            time: entry.time,
            percent,
            message: entry.message,
            script,
        });
    }
}

/// Waits `poll` but never past `deadline`.
pub async fn pause(poll: Duration, deadline: Instant) {
    let left = deadline.saturating_duration_since(Instant::now());
    tokio::time::sleep(poll.min(left)).await;
}
