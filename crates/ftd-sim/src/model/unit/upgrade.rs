//! The upgrade's phase: `install_update.pl` started (or refused), the bundle unpacked, the
//! scripts run and logged, a failure or the announcement of the reboot.

use super::*;

impl Unit {
    /// `install_update.pl [--detach] [--readiness-check] PATH`: the start-up lines (seed),
    /// and whether it started. Nothing in the log folder changes yet: the installer replaces
    /// old files only once it has unpacked the bundle (see [`Run::origin`]). A started upgrade
    /// keeps printing into `terminal` for a while.
    pub fn install_update(
        &mut self,
        now: f64,
        clock: &Clock,
        timing: &Timing,
        args: &[String],
        cwd: &str,
        terminal: Option<u64>,
    ) -> (String, i32) {
        let mut out = String::new();
        for (i, a) in args.iter().enumerate() {
            out.push_str(&format!("ARGV[{i}] = {a}\n"));
        }
        let readiness = args.iter().any(|a| a == "--readiness-check");
        let Some(given) = args.iter().find(|a| !a.starts_with("--")) else {
            out.push_str("Usage: install_update.pl [--detach] [--readiness-check] <bundle file>\n");
            return (out, 2);
        };
        out.push_str(&format!("bundle_filepath: {given}\n"));
        let path = if given.starts_with('/') {
            given.clone()
        } else {
            format!("{}/{given}", cwd.trim_end_matches('/'))
        };
        if !given.starts_with('/') {
            out.push_str(&format!("updated absolute bundle_filepath: {path}\n"));
        }
        // UNVERIFIED: no public copy of the installer's error for a missing bundle.
        if self.fs.get(&path).is_none() {
            out.push_str(&format!("ERROR: bundle file {path} does not exist\n"));
            return (out, 1);
        }
        let Some(package) = Package::parse(&path) else {
            out.push_str(&format!("ERROR: {path} is not an upgrade bundle\n"));
            return (out, 1);
        };
        if self.installer_running() {
            // UNVERIFIED wording; the installer refuses a second concurrent run.
            out.push_str("ERROR: Another upgrade or readiness check is in progress. Exiting.\n");
            return (out, 1);
        }
        out.push_str(&format!(
            "install_update.pl begins. bundle_filepath: {}\n",
            path.replace("/ngfw/var/sf", "/var/sf")
        ));
        let run = Run {
            package: package.clone(),
            base: self.version.clone(),
            started: now,
            origin: now + self.unpack(timing),
            unpacked: false,
            written: 0,
            state: RunState::Running,
            failing_since: None,
        };
        if readiness {
            out.push_str(&format!(
                "[Readiness-Info]filename : {} at /usr/local/sf/lib\n",
                path.replace("/ngfw/var/sf", "/var/sf")
            ));
            self.readiness = Some(run);
        } else {
            if self.realism.chatter && terminal.is_some() {
                let lines = realism::installer_chatter(&package, clock, now);
                let span = timing.chatter / lines.last().map(|l| l.0).unwrap_or(1.0);
                self.prints.extend(lines.into_iter().map(|(t, text)| Print {
                    due: now + t * span,
                    terminal,
                    text: format!("{text}\n"),
                }));
            }
            self.upgrade = Some(run);
        }
        (out, 0)
    }

    pub(super) fn install_fault(&self) -> Option<String> {
        let corrupt = self.upgrade.as_ref().is_some_and(|r| {
            self.fs
                .get(&r.package.path())
                .is_some_and(|f| f.damaged_package(&r.package.file_name))
        });
        if corrupt {
            return Some(scripts::VERIFY_BUNDLE.to_string());
        }
        self.faults.iter().find_map(|f| {
            if let Fault::InstallFail(s) = f {
                Some(s.clone())
            } else {
                None
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_upgrade_json(
        &mut self,
        status: &str,
        sub_state: &str,
        failed: Option<&str>,
        message: &str,
        current: &str,
        percent: u8,
        now: f64,
        clock: &Clock,
    ) {
        let Some(run) = &self.upgrade else { return };
        let doc = json!({"upgradeStatus": {
            "status": status, "subState": sub_state,
            "failedScript": failed.map(|f| vec![f]).unwrap_or_default(),
            "uiMessage": message, "currentState": current, "percent": percent,
            "taskUuid": format!("{}-{}", self.uuid, run.started as u64),
            "baseVersion": run.base.to_string(), "targetVersion": run.package.version.to_string(),
            "upgradePackageFilename": run.package.file_name,
        }});
        let path = run.package.upgrade_status_json();
        self.fs
            .write(&path, &format!("{doc}\n"), &ls_stamp(clock.wall(now)));
        self.json_rewritten_at = now;
    }

    pub(super) fn advance_upgrade(
        &mut self,
        now: f64,
        clock: &Clock,
        timing: &Timing,
    ) -> Option<UnitChange> {
        let fail_at = self.install_fault();
        let eol = self.eol();
        let run = self
            .upgrade
            .as_mut()
            .filter(|r| r.state == RunState::Running)?;
        let package = run.package.clone();
        if !run.unpacked {
            if now < run.origin {
                return None;
            }
            // Unpacked: the upgrade's files start anew (until now an old attempt's stayed).
            run.unpacked = true;
            let origin = run.origin;
            let stamp = ls_stamp(clock.wall(origin));
            for path in [package.upgrade_status_log(), package.status_log()] {
                self.fs.write(&path, "", &stamp);
            }
            self.fs.write(
                &package.main_upgrade_log(),
                &format!(
                    "{} MAIN_UPGRADE_SCRIPT_START\n{} # UPGRADE STARTING\n",
                    main_log_stamp(clock.wall(origin)),
                    main_log_stamp(clock.wall(origin))
                ),
                &stamp,
            );
            self.write_upgrade_json(
                "IN_PROGRESS",
                "",
                None,
                "Upgrade in progress",
                "UPGRADE_IN_PROGRESS",
                0,
                origin,
                clock,
            );
            return self.advance_upgrade(now, clock, timing);
        }
        let schedule = scripts::upgrade_schedule(timing.install);
        let (mut lines, mut log, mut status) = (String::new(), String::new(), String::new());
        let mut failed = None;
        while run.written < schedule.len() {
            let (script, offset, percent) = schedule[run.written];
            let at = run.origin + offset;
            if at > now {
                break;
            }
            let stamp = main_log_stamp(clock.wall(at));
            if let Some(since) = run.failing_since {
                if now < since + 5.0 {
                    break;
                }
                let fatal = format!("Fatal error:  Error running script {script}.");
                status.push_str(&format!("{fatal}{eol}"));
                log.push_str(&format!("{stamp} {fatal}\n"));
                failed = Some((script, fatal, percent));
                break;
            }
            lines.push_str(&Self::status_line(
                clock,
                at,
                percent,
                &format!("Running script {script}..."),
            ));
            status.push_str(&format!(
                "ui:Upgrade in progress: ({percent}% done.) Running script {script}...{eol}"
            ));
            log.push_str(&format!("{stamp} BEGIN {script}\n"));
            if fail_at.as_deref() == Some(script) {
                run.failing_since = Some(at);
                if script == scripts::VERIFY_BUNDLE {
                    log.push_str(&format!(
                        "{stamp} Image {} is not a signed image or is damaged\n",
                        package.file_name
                    ));
                }
                continue;
            }
            log.push_str(&format!("{stamp} END {script}\n"));
            run.written += 1;
        }
        let mut change = None;
        if failed.is_none() && run.written == schedule.len() && now >= run.origin + timing.install {
            let at = run.origin + timing.install;
            status.push_str(&format!("System will now reboot.{eol}"));
            log.push_str(&format!(
                "{} MAIN_UPGRADE_SCRIPT_END\n",
                main_log_stamp(clock.wall(at))
            ));
            run.state = RunState::Rebooting;
            // §10: the old system keeps answering for a while before it goes down.
            let delay = self
                .faults
                .iter()
                .find_map(|f| {
                    if let Fault::RebootDelay(d) = f {
                        Some(*d)
                    } else {
                        None
                    }
                })
                .unwrap_or(timing.reboot_delay);
            self.shutdown_at = Some(at + delay);
            if self.has(|f| *f == Fault::DoubleReboot) {
                self.extra_reboots = 1;
            }
            change = Some(UnitChange::RebootAnnounced);
        }
        let stamp = ls_stamp(clock.wall(now));
        self.fs
            .append(&package.upgrade_status_log(), &lines, &stamp);
        self.fs.append(&package.status_log(), &status, &stamp);
        self.fs.append(&package.main_upgrade_log(), &log, &stamp);
        if let Some((script, fatal, percent)) = failed {
            self.upgrade.as_mut().unwrap().state = RunState::Failed;
            self.write_upgrade_json(
                "FAILED",
                "",
                Some(script),
                &fatal,
                "UPGRADE_FAILED",
                percent,
                now,
                clock,
            );
            return Some(UnitChange::UpgradeFailed);
        }
        if change.is_some() {
            self.write_upgrade_json(
                "IN_PROGRESS",
                "REBOOTING",
                None,
                "System will now reboot.",
                "REBOOTING",
                100,
                now,
                clock,
            );
        } else if !lines.is_empty() {
            let percent = schedule[self.upgrade.as_ref().unwrap().written.saturating_sub(1)].2;
            self.write_upgrade_json(
                "IN_PROGRESS",
                "",
                None,
                "Upgrade in progress",
                "UPGRADE_IN_PROGRESS",
                percent,
                now,
                clock,
            );
        }
        change
    }
}
