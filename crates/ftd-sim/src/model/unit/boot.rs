//! Going down and coming back: the reboot, the boot, LINA late, the post-upgrade validation,
//! the state the unit settles in, and the status file as a reader catches it.

use super::*;

impl Unit {
    pub(super) fn go_down(&mut self, at: f64, timing: &Timing) {
        let factor = self
            .fault(|f| match f {
                Fault::SlowBoot(x) => Some(*x),
                _ => None,
            })
            .unwrap_or(1.0);
        let hang = self.faults.contains(&Fault::RebootHang);
        // The second boot of a double reboot is a short one (firmware, then the system).
        let boot = if self.extra_reboots == 0 && self.has(|f| *f == Fault::DoubleReboot) {
            timing.boot / 3.0
        } else {
            timing.boot * factor
        };
        self.power = Power::Down {
            since: at,
            until: (!hang).then_some(at + boot),
        };
        self.ha_state = "Failed".into();
        self.prints.retain(|p| p.terminal.is_none() && p.due <= at);
    }

    pub(super) fn boot(&mut self, at: f64, clock: &Clock, timing: &Timing) {
        self.power = Power::Up;
        self.ha_state = "Negotiation".into();
        self.lina_ready_at = at + self.lina_late(timing);
        self.fs.write(
            device::BOOT_ID,
            &format!("{}\n", new_boot_id()),
            &ls_stamp(clock.wall(at)),
        );
        let rollback = self.faults.contains(&Fault::Rollback);
        if let Some(run) = &self.upgrade
            && !rollback
        {
            self.version = run.package.version.clone();
        }
        if self.extra_reboots > 0 {
            // §6: "Devices may reboot multiple times during the upgrade."
            self.extra_reboots -= 1;
            self.shutdown_at = Some(at + timing.lina_late / 2.0 + 5.0);
            return;
        }
        // Validation cannot end before LINA is up and the config is synced.
        let floor = self.lina_late(timing) + self.config_sync(timing) + 10.0;
        self.validating_until = Some(at + timing.validation.max(floor));
        self.write_upgrade_json(
            "IN_PROGRESS",
            "POST_UPGRADE_VALIDATION_IN_PROGRESS",
            None,
            "Post-upgrade validation in progress",
            "POST_REBOOT",
            100,
            at,
            clock,
        );
    }

    pub(super) fn finish_validation(&mut self, at: f64, clock: &Clock, timing: &Timing) {
        // FDM 7.4: "high availability is briefly suspended" after the post-upgrade reboot.
        self.ha_state = "Disabled".into();
        self.settle_at = Some(at + timing.ha_suspend);
        let Some(run) = &self.upgrade else { return };
        if self.faults.contains(&Fault::Rollback) {
            // UNVERIFIED wording: no public copy of a rolled-back upgrade's status.
            let message = format!(
                "Upgrade failed and the unit was rolled back to {}.",
                run.base
            );
            self.upgrade.as_mut().unwrap().state = RunState::RolledBack;
            self.write_upgrade_json(
                "FAILED",
                "ROLLBACK_COMPLETED",
                Some("999_finish/999_zz_install_bundle.sh"),
                &message,
                "ROLLED_BACK",
                100,
                at,
                clock,
            );
        } else {
            self.upgrade.as_mut().unwrap().state = RunState::Completed;
            // The public FDM schema's words: IN_PROGRESS, FAILED, COMPLETED (§10).
            self.write_upgrade_json(
                "COMPLETED",
                "POST_UPGRADE_VALIDATION_COMPLETED",
                None,
                "Upgrade completed successfully.",
                "UPGRADE_COMPLETED",
                100,
                at,
                clock,
            );
        }
    }

    /// `upgrade_status.json` as a reader sees it: torn (half written) when read right after
    /// the installer rewrote it, or every other read with the `torn-json` fault.
    pub fn read_status_json(&mut self, text: &str, now: f64, timing: &Timing) -> String {
        self.json_reads += 1;
        let torn = now - self.json_rewritten_at < timing.torn_json
            || (self.has(|f| *f == Fault::TornJson) && self.json_reads.is_multiple_of(2));
        if torn && text.len() > 2 {
            let mut cut = text.len() / 2;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            return text[..cut].to_string();
        }
        text.to_string()
    }

    /// The state this unit settles in once validated, given its peer's state.
    pub fn settled_state(&self, peer_active: bool) -> String {
        if let Some(state) = self.faults.iter().find_map(|f| {
            if let Fault::ComesBack(s) = f {
                Some(s.clone())
            } else {
                None
            }
        }) {
            return state;
        }
        if peer_active {
            "Standby Ready".into()
        } else {
            "Active".into()
        }
    }
}
