//! The readiness check's phase: `install_update.pl --readiness-check` running its scripts,
//! writing `upgrade_readiness_status`/`.json` line by line, passing or failing.

use super::*;

impl Unit {
    pub(super) fn readiness_fault(&self) -> Option<String> {
        if self.has(|f| matches!(f, Fault::DiskFull(_))) {
            return Some("000_start/410_check_disk_space.sh".into());
        }
        self.faults.iter().find_map(|f| {
            if let Fault::ReadinessFail(s) = f {
                Some(s.clone())
            } else {
                None
            }
        })
    }

    pub(super) fn write_readiness_json(
        &mut self,
        package: &Package,
        status: &str,
        percent: u8,
        failure: Option<(&str, &str)>,
        now: f64,
        clock: &Clock,
    ) {
        let failures: Vec<_> = failure
            .iter()
            .map(|(name, message)| json!({"name": name, "message": message}))
            .collect();
        let doc = json!({"upgradeReadinessStatus": {
            "status": status, "percent": percent, "detailedFailure": failures,
            "targetVersion": package.version.to_string(), "upgradePackageFilename": package.file_name,
        }});
        self.fs.write(
            &package.readiness_json(),
            &format!("{doc}\n"),
            &ls_stamp(clock.wall(now)),
        );
    }

    /// Returns true when the check finished during this advance.
    pub(super) fn advance_readiness(&mut self, now: f64, clock: &Clock) -> bool {
        let fail_at = self.readiness_fault();
        let Some(run) = self
            .readiness
            .as_mut()
            .filter(|r| r.state == RunState::Running)
        else {
            return false;
        };
        let package = run.package.clone();
        let status = package.readiness_status();
        let main_log = package.readiness_main_log();
        if !run.unpacked {
            if now < run.origin {
                return false;
            }
            // Unpacked: the check's files start anew (until now an old check's stayed).
            run.unpacked = true;
            let stamp = ls_stamp(clock.wall(run.origin));
            for path in [&status, &main_log] {
                self.fs.write(path, "", &stamp);
            }
            let origin = run.origin;
            self.write_readiness_json(&package, "IN_PROGRESS", 0, None, origin, clock);
            return self.advance_readiness(now, clock);
        }
        let mut lines = String::new();
        let mut log = String::new();
        let mut outcome = None;
        while run.written < READINESS.len() {
            let (script, offset, percent) = READINESS[run.written];
            let at = run.origin + offset;
            if at > now {
                break;
            }
            if let Some(since) = run.failing_since {
                if now < since + 2.0 {
                    break;
                }
                let text = scripts::readiness_failure_text(script);
                lines.push_str(&Self::status_line(
                    clock,
                    since + 2.0,
                    percent,
                    &format!("Readiness Check failed. Error running script {script}."),
                ));
                log.push_str(&format!(
                    "{} {text}\n{} UPGRADE READINESS CHECK COMPLETE - FAIL\n",
                    main_log_stamp(clock.wall(since + 2.0)),
                    main_log_stamp(clock.wall(since + 2.0))
                ));
                outcome = Some((RunState::Failed, Some((script, text)), percent));
                break;
            }
            lines.push_str(&Self::status_line(
                clock,
                at,
                percent,
                &format!("Running script {script}..."),
            ));
            log.push_str(&format!(
                "{} BEGIN {script}\n",
                main_log_stamp(clock.wall(at))
            ));
            if fail_at.as_deref() == Some(script) {
                run.failing_since = Some(at);
                continue;
            }
            run.written += 1;
        }
        if outcome.is_none()
            && run.written == READINESS.len()
            && now >= run.origin + READINESS_SECONDS
        {
            let at = run.origin + READINESS_SECONDS;
            lines.push_str(&Self::status_line(
                clock,
                at,
                100,
                "Readiness Check completed successfully.",
            ));
            log.push_str(&format!(
                "{} UPGRADE READINESS CHECK COMPLETE - PASS\n",
                main_log_stamp(clock.wall(at))
            ));
            outcome = Some((RunState::Passed, None, 100));
        }
        let stamp = ls_stamp(clock.wall(now));
        self.fs.append(&status, &lines, &stamp);
        self.fs.append(&main_log, &log, &stamp);
        let Some((state, failure, percent)) = outcome else {
            return false;
        };
        self.readiness.as_mut().unwrap().state = state;
        let status_word = if state == RunState::Passed {
            "COMPLETED"
        } else {
            "FAILED"
        };
        self.write_readiness_json(&package, status_word, percent, failure, now, clock);
        true
    }
}
