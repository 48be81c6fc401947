//! The readiness and upgrade status files of domain §6: `upgrade_readiness_status` (and its
//! JSON), `upgrade_status.log`, `upgrade_status.json`, `main_upgrade_script.log`, `status.log`.
//!
//! Only the seed's lines and the JSON field names are public, so the line parsers are lenient
//! (the seed's copy wraps messages onto the next line and varies the spaces after `PERCENT:`),
//! and `upgradeStatus.subState` / `status` from the JSON are preferred where both exist.

use super::{ParseError, normalize};
use once_cell::sync::Lazy;
use regex::Regex;
use serde::Serialize;
use serde_json::Value;

/// One `TIMESTAMP:... PERCENT: n% MESSAGE:...` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub timestamp: String,
    pub percent: u8,
    pub message: String,
    /// `000_start/410_check_disk_space.sh` when the message runs a script.
    pub script: Option<String>,
}

static STEP: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?s)^\s*(.*?)\s*PERCENT:\s*(\d{1,3})\s*%\s*MESSAGE:\s*(.*)$").unwrap()
});
static SCRIPT: Lazy<Regex> = Lazy::new(|| Regex::new(r"Running script\s+(\S+)").unwrap());
static FATAL: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"Fatal error:\s+Error running script\s+(\S+?)\.?(?:\s|$)").unwrap());

/// Every step of a status file, in order. Text before the first `TIMESTAMP:` is skipped (a
/// command echo, a prompt); a chunk that does not read as a step is an error.
pub fn parse_steps(text: &str) -> Result<Vec<Step>, ParseError> {
    let text = normalize(text);
    let mut steps = Vec::new();
    for chunk in text.split("TIMESTAMP:").skip(1) {
        // A trailing prompt line belongs to the terminal, not to the file.
        let chunk: String = chunk
            .lines()
            .filter(|l| !is_prompt(l))
            .collect::<Vec<_>>()
            .join(" ");
        let c = STEP
            .captures(&chunk)
            .ok_or_else(|| ParseError::new("a status line", &chunk))?;
        let message = c[3].split_whitespace().collect::<Vec<_>>().join(" ");
        steps.push(Step {
            timestamp: c[1].split_whitespace().collect::<Vec<_>>().join(" "),
            percent: c[2].parse::<u16>().unwrap_or(0).min(100) as u8,
            script: SCRIPT
                .captures(&message)
                .map(|s| s[1].trim_end_matches('.').to_string()),
            message,
        });
    }
    if steps.is_empty() && !text.trim().is_empty() && !text.lines().all(is_prompt) {
        return Err(ParseError::new("a status file", &text));
    }
    Ok(steps)
}

fn is_prompt(line: &str) -> bool {
    let l = line.trim_end();
    (l.ends_with('#') || l.ends_with('$')) && l.contains('@')
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum Outcome {
    Running,
    Passed,
    Failed {
        script: Option<String>,
        message: String,
    },
}

/// Where a readiness check stands, from its status file and, when present, its JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadinessProgress {
    pub steps: Vec<Step>,
    pub percent: u8,
    pub current_script: Option<String>,
    pub outcome: Outcome,
}

pub fn readiness_progress(
    status_text: &str,
    json_text: Option<&str>,
) -> Result<ReadinessProgress, ParseError> {
    let steps = parse_steps(status_text)?;
    let last = steps.last();
    let mut outcome = match last {
        Some(s) if s.message.contains("completed successfully") => Outcome::Passed,
        Some(s) if s.message.to_lowercase().contains("fail") => Outcome::Failed {
            script: s.script.clone().or_else(|| last_script(&steps)),
            message: s.message.clone(),
        },
        _ => Outcome::Running,
    };
    if let Some(json) = json_text.filter(|t| !t.trim().is_empty()) {
        let v: Value = serde_json::from_str(json)
            .map_err(|_| ParseError::new("upgrade_readiness_status.json", json))?;
        let status = &v["upgradeReadinessStatus"];
        if let Some(first) = status["detailedFailure"].as_array().and_then(|a| a.first()) {
            outcome = Outcome::Failed {
                script: first["name"].as_str().map(String::from),
                message: first["message"]
                    .as_str()
                    .or(first["description"].as_str())
                    .unwrap_or("readiness check failed")
                    .to_string(),
            };
        } else if outcome == Outcome::Running
            && status["status"].as_str().is_some_and(|s| {
                ["SUCCESS", "COMPLETED"]
                    .iter()
                    .any(|w| s.eq_ignore_ascii_case(w))
            })
        {
            outcome = Outcome::Passed;
        }
    }
    Ok(ReadinessProgress {
        percent: last.map_or(0, |s| s.percent),
        current_script: last_script(&steps),
        steps,
        outcome,
    })
}

fn last_script(steps: &[Step]) -> Option<String> {
    steps.iter().rev().find_map(|s| s.script.clone())
}

/// `upgrade_status.json`, the machine-readable upgrade state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct UpgradeStatus {
    pub status: String,
    pub sub_state: String,
    pub failed_script: Option<String>,
    pub ui_message: String,
    pub current_state: String,
    pub base_version: String,
    pub target_version: String,
    pub package: String,
    pub percent: Option<u8>,
}

impl UpgradeStatus {
    pub fn failed(&self) -> bool {
        self.status.eq_ignore_ascii_case("FAILED")
    }
    /// The unit is back after the reboot and validated.
    pub fn validated(&self) -> bool {
        self.sub_state == "POST_UPGRADE_VALIDATION_COMPLETED"
    }

    /// The upgrade ended well: validated, or `COMPLETED` (the public FDM schema's word;
    /// `SUCCESS` is read too, although no public source shows it for an install).
    pub fn finished(&self) -> bool {
        self.validated()
            || self.status.eq_ignore_ascii_case("COMPLETED")
            || self.status.eq_ignore_ascii_case("SUCCESS")
    }
}

pub fn upgrade_status_json(text: &str) -> Result<UpgradeStatus, ParseError> {
    let v: Value = serde_json::from_str(text.trim())
        .map_err(|_| ParseError::new("upgrade_status.json", text))?;
    let s = v
        .get("upgradeStatus")
        .ok_or_else(|| ParseError::new("upgrade_status.json", text))?;
    let string = |k: &str| match &s[k] {
        Value::String(x) => x.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let failed_script = match &s["failedScript"] {
        Value::Array(a) => a.first().and_then(Value::as_str).map(String::from),
        Value::String(x) if !x.is_empty() => Some(x.clone()),
        _ => None,
    };
    Ok(UpgradeStatus {
        status: string("status"),
        sub_state: string("subState"),
        failed_script,
        ui_message: string("uiMessage"),
        current_state: string("currentState"),
        base_version: string("baseVersion"),
        target_version: string("targetVersion"),
        package: string("upgradePackageFilename"),
        percent: s["percent"].as_u64().map(|p| p.min(100) as u8),
    })
}

/// What `status.log` says about the pre-reboot part of an upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum StatusLog {
    Running,
    /// `System will now reboot`: the pre-reboot part finished.
    Rebooting,
    /// `Fatal error:  Error running script <stage>/<script>.`
    Fatal {
        script: Option<String>,
        line: String,
    },
}

pub fn status_log(text: &str) -> StatusLog {
    let text = normalize(text);
    if let Some(line) = text.lines().find(|l| l.contains("Fatal error")) {
        return StatusLog::Fatal {
            script: FATAL.captures(line).map(|c| c[1].to_string()),
            line: line.trim().to_string(),
        };
    }
    if text.contains("System will now reboot") {
        StatusLog::Rebooting
    } else {
        StatusLog::Running
    }
}

/// `main_upgrade_script.log` markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MainScriptLog {
    pub started: bool,
    pub ended: bool,
    /// Readiness: `UPGRADE READINESS CHECK COMPLETE` with PASS (Some(true)) or not.
    pub readiness_pass: Option<bool>,
}

pub fn main_script_log(text: &str) -> MainScriptLog {
    let readiness_pass = normalize(text)
        .lines()
        .rev()
        .find(|l| l.contains("UPGRADE READINESS CHECK COMPLETE"))
        .map(|l| l.contains("PASS"));
    MainScriptLog {
        started: text.contains("MAIN_UPGRADE_SCRIPT_START"),
        ended: text.contains("MAIN_UPGRADE_SCRIPT_END"),
        readiness_pass,
    }
}
