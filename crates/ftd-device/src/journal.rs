//! The progress journal: JSON lines on the controller (time, unit, stage, percent, message),
//! so that a long run can be followed with `tail -f` while Ansible prints nothing.

use once_cell::sync::Lazy;
use secret_mask::Masker;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One journal line. The modules write it; `ftd-upgrade` reads it: this is the one definition
/// of the format.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub time: String,
    pub unit: String,
    pub stage: String,
    pub percent: Option<u8>,
    pub message: String,
    /// Structured content for the report (the before/after evidence); absent on progress lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// Appends entries for one unit and stage. Writing is best effort: a full disk on the
/// controller must not abort an upgrade half way; the failure is reported once as a warning.
#[derive(Debug, Clone)]
pub struct Journal {
    path: Option<PathBuf>,
    unit: String,
    stage: String,
    pub write_error: Option<String>,
    /// Secrets that must never reach the file (the same masker as the module's results).
    masker: Masker,
}

/// Set to `1` by the collection's action plugin: every journal line is then also written to
/// stderr as `FTD_PROGRESS <json>`, which the plugin shows on Ansible's output while the module
/// runs (AWX shows nothing else for the hour an install takes, and keeps no file of the job).
pub const PROGRESS_ENV: &str = "FTD_HA_UPGRADE_PROGRESS";
/// What starts a progress line on stderr.
pub const PROGRESS_PREFIX: &str = "FTD_PROGRESS ";

static PROGRESS_ON_STDERR: Lazy<bool> =
    Lazy::new(|| std::env::var_os(PROGRESS_ENV).is_some_and(|v| v == "1"));

pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

impl Journal {
    pub fn new(path: Option<&Path>, unit: &str, stage: &str, secrets: Vec<String>) -> Self {
        Journal {
            path: path.map(Path::to_path_buf),
            unit: unit.into(),
            stage: stage.into(),
            write_error: None,
            masker: Masker::new(secrets),
        }
    }

    pub fn disabled() -> Self {
        Self::new(None, "", "", vec![])
    }

    pub fn record(&mut self, percent: Option<u8>, message: &str) -> Entry {
        self.record_data(percent, message, None)
    }

    /// A line with structured content (masked like the message).
    pub fn record_data(
        &mut self,
        percent: Option<u8>,
        message: &str,
        data: Option<serde_json::Value>,
    ) -> Entry {
        let data = data.map(|d| self.masker.value(&d));
        let entry = Entry {
            time: now_rfc3339(),
            unit: self.unit.clone(),
            stage: self.stage.clone(),
            percent,
            message: self.masker.text(message),
            data,
        };
        if *PROGRESS_ON_STDERR && !self.unit.is_empty() {
            progress_line(&entry);
        }
        if let Some(path) = &self.path
            && let Err(e) = append(path, &entry)
        {
            self.write_error
                .get_or_insert(format!("cannot write the journal {}: {e}", path.display()));
        }
        entry
    }
}

/// One write per line (stderr is unbuffered: a formatted print may take several writes, and
/// the plugin reads lines).
fn progress_line(entry: &Entry) {
    let brief = Entry {
        data: None,
        ..entry.clone()
    };
    if let Ok(json) = serde_json::to_string(&brief) {
        let _ = std::io::stderr().write_all(format!("{PROGRESS_PREFIX}{json}\n").as_bytes());
    }
}

fn append(path: &Path, entry: &Entry) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // 0600: the journal names units, addresses and what was done to them.
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
    // One write per line, so that concurrent modules writing one journal do not interleave.
    file.write_all(format!("{line}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_secret_inside_another_is_masked_whole_and_the_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut j = Journal::new(
            Some(&path),
            "fw-1-a",
            "install",
            vec!["abc".into(), "xxabcyy".into()],
        );
        let e = j.record(None, "sudo xxabcyy and abc");
        assert_eq!(e.message, "sudo ******** and ********");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
