//! What the device does in the field that a polite simulator leaves out (domain §10): old log
//! files from earlier attempts, text printed outside a command's answer, terminal codes,
//! slow reboots and returns, torn files. Every behaviour is on by default; `--realism-off`
//! turns single ones off for a test that needs them off, never to make a module pass.

use super::clock::{Clock, ls_stamp, main_log_stamp, status_timestamp};
use super::fs::Fs;
use super::scripts::{READINESS, readiness_failure_text, upgrade_schedule};
use crate::device::Package;
use serde_json::json;
use std::str::FromStr;

/// What an earlier attempt left in the target's log folder (§10 "Old log files stay").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleLogs {
    /// An earlier readiness check that passed and an install that died half way (its JSON
    /// still says `IN_PROGRESS`, no installer runs).
    Pass,
    /// An earlier readiness check and install that both failed.
    Fail,
}

impl FromStr for StaleLogs {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pass" => Ok(StaleLogs::Pass),
            "fail" => Ok(StaleLogs::Fail),
            _ => Err(format!("stale logs '{s}' is not pass or fail")),
        }
    }
}

/// Switches for the behaviours that are not durations (those live in `Timing`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Realism {
    /// Old files on the secondary unit of every pair (the first one a tool touches).
    pub stale_logs: Option<StaleLogs>,
    /// bash ≥ 5.1: `ESC[?2004h` before each expert/root prompt, `ESC[?2004l\r` after each line.
    pub bracketed_paste: bool,
    /// Colour codes in `ls` output, as with `ls --color=auto` on a terminal.
    pub ansi: bool,
    /// `status.log` lines end in CRLF.
    pub crlf: bool,
    /// The detached installer prints into the terminal it was started from.
    pub chatter: bool,
    /// LINA prints `***WARNING*** Mate version ...` while the two units differ.
    pub mate_warning: bool,
}

impl Default for Realism {
    fn default() -> Self {
        Realism {
            stale_logs: Some(StaleLogs::Fail),
            bracketed_paste: true,
            ansi: true,
            crlf: true,
            chatter: true,
            mate_warning: true,
        }
    }
}

/// The names `--realism-off` takes (durations are turned off by setting them to 0).
pub const SWITCHES: &str = "stale-logs, bracketed-paste, ansi, crlf, chatter, mate-warning, \
reboot-delay, lina-late, unpack, config-sync, ha-suspend, torn-json";

/// An old readiness check and install of `package`, a day before the sim started.
pub fn write_stale_logs(fs: &mut Fs, package: &Package, kind: StaleLogs, clock: &Clock, eol: &str) {
    let t0 = -86_400.0;
    let stamp = ls_stamp(clock.wall(t0));
    let line = |t: f64, percent: u8, message: &str| {
        format!(
            "TIMESTAMP:{} PERCENT: {percent}% MESSAGE:{message}\n",
            status_timestamp(clock.wall(t))
        )
    };
    let log = |t: f64, text: &str| format!("{} {text}\n", main_log_stamp(clock.wall(t)));

    // The readiness check: every script up to the failing one (or all of them).
    let fail_at = (kind == StaleLogs::Fail).then_some("000_start/410_check_disk_space.sh");
    let (mut status, mut main) = (String::new(), String::new());
    let mut failure = None;
    for (script, offset, percent) in READINESS {
        status.push_str(&line(
            t0 + offset,
            percent,
            &format!("Running script {script}..."),
        ));
        main.push_str(&log(t0 + offset, &format!("BEGIN {script}")));
        if Some(script) == fail_at {
            let text = readiness_failure_text(script);
            status.push_str(&line(
                t0 + offset + 2.0,
                percent,
                &format!("Readiness Check failed. Error running script {script}."),
            ));
            main.push_str(&log(t0 + offset + 2.0, text));
            main.push_str(&log(
                t0 + offset + 2.0,
                "UPGRADE READINESS CHECK COMPLETE - FAIL",
            ));
            failure = Some((script, text, percent));
            break;
        }
    }
    let readiness_json = match failure {
        Some((script, text, percent)) => json!({"upgradeReadinessStatus": {
            "status": "FAILED", "percent": percent,
            "detailedFailure": [{"name": script, "message": text}],
            "targetVersion": package.version.to_string(), "upgradePackageFilename": package.file_name}}),
        None => {
            status.push_str(&line(
                t0 + 55.0,
                100,
                "Readiness Check completed successfully.",
            ));
            main.push_str(&log(t0 + 55.0, "UPGRADE READINESS CHECK COMPLETE - PASS"));
            json!({"upgradeReadinessStatus": {
                "status": "COMPLETED", "percent": 100, "detailedFailure": [],
                "targetVersion": package.version.to_string(), "upgradePackageFilename": package.file_name}})
        }
    };
    fs.write(&package.readiness_status(), &status, &stamp);
    fs.write(&package.readiness_main_log(), &main, &stamp);
    fs.write(
        &package.readiness_json(),
        &format!("{readiness_json}\n"),
        &stamp,
    );

    // The install: a few steps, then a failure (Fail) or nothing more (Pass: it died).
    let t1 = t0 + 600.0;
    let (mut steps, mut status_log) = (String::new(), String::new());
    let mut main = log(t1, "MAIN_UPGRADE_SCRIPT_START");
    let schedule = upgrade_schedule(1800.0);
    let mut last = (schedule[0].0, 0);
    for (script, offset, percent) in schedule.iter().take(6) {
        steps.push_str(&line(
            t1 + offset,
            *percent,
            &format!("Running script {script}..."),
        ));
        status_log.push_str(&format!(
            "ui:Upgrade in progress: ({percent}% done.) Running script {script}...{eol}"
        ));
        main.push_str(&log(t1 + offset, &format!("BEGIN {script}")));
        last = (script, *percent);
    }
    let (state, failed) = if kind == StaleLogs::Fail {
        let fatal = format!("Fatal error:  Error running script {}.", last.0);
        status_log.push_str(&format!("{fatal}{eol}"));
        main.push_str(&log(t1 + 60.0, &fatal));
        ("FAILED", vec![last.0])
    } else {
        ("IN_PROGRESS", vec![])
    };
    let json = json!({"upgradeStatus": {
        "status": state, "subState": "", "failedScript": failed,
        "uiMessage": if state == "FAILED" { "Upgrade failed" } else { "Upgrade in progress" },
        "currentState": if state == "FAILED" { "UPGRADE_FAILED" } else { "UPGRADE_IN_PROGRESS" },
        "percent": last.1, "taskUuid": "stale-0000",
        "baseVersion": "", "targetVersion": package.version.to_string(),
        "upgradePackageFilename": package.file_name}});
    fs.write(&package.upgrade_status_log(), &steps, &stamp);
    fs.write(&package.status_log(), &status_log, &stamp);
    fs.write(&package.main_upgrade_log(), &main, &stamp);
    fs.write(&package.upgrade_status_json(), &format!("{json}\n"), &stamp);
}

/// The wall broadcast of `shutdown -r now` (domain §10, the seed's last line).
pub fn wall_message(host: &str, clock: &Clock, t: f64) -> String {
    let w = clock.wall(t);
    let stamp = status_timestamp(w).replace(" UTC", "");
    format!(
        "\n\nBroadcast message from root@{host} (console) ({stamp}):\n\nThe system is going down for reboot NOW!\n"
    )
}

/// What the detached installer prints into its terminal after the prompt came back, with
/// the device-time offset of each line (the seed's transcript, lines cut where it cuts them).
pub fn installer_chatter(package: &Package, clock: &Clock, start: f64) -> Vec<(f64, String)> {
    let stem = package.file_name.trim_end_matches(".REL.tar");
    let stamp = |t: f64| main_log_stamp(clock.wall(start + t));
    let uninit = "Use of uninitialized value in string at /usr/local/sf/lib/perl/5.24.4/SF/Update/StatusProc.pm line 196.";
    vec![
        (
            0.3,
            format!(
                "Makeself GetUpdate Info params FILEPATH : /var/tmp/upgrade-patch/{stem} at /usr"
            ),
        ),
        (0.5, uninit.into()),
        (0.6, uninit.into()),
        (0.7, uninit.into()),
        (2.0, "Verifying archive integrity... All good.".into()),
        (
            4.0,
            format!(
                "Uncompressing Cisco FTD Upgrade / {}.....",
                status_timestamp(clock.wall(start + 4.0))
            ),
        ),
        (6.0, "Entering is_fmc_managed".into()),
        (6.1, "Device is FMC Managed".into()),
        (
            6.5,
            format!(
                "{} Found original ftd upgrade file /var/sf/updates/{}",
                stamp(6.5),
                package.file_name
            ),
        ),
        (9.0, format!("{} MAIN_UPGRADE_SCRIPT_START", stamp(9.0))),
        (9.1, format!("{} # UPGRADE STARTING", stamp(9.1))),
        (
            9.5,
            format!(
                "{} BEGIN 000_start/000_00_run_cli_kick_start.sh",
                stamp(9.5)
            ),
        ),
        (
            10.5,
            format!("{} END 000_start/000_00_run_cli_kick_start.sh", stamp(10.5)),
        ),
    ]
}
