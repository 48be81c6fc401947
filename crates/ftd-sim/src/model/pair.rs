//! An HA pair: the two units' failover states as each sees them, failover on command, the
//! standby taking over after the holdtime when the active unit goes down, and the record of
//! every gap in traffic.

use super::Timing;
use super::clock::{Clock, failover_stamp};
use super::faults::Fault;
use super::unit::{Power, Unit, UnitChange};
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PairStats {
    /// Device milliseconds with no Active unit, deliberate swaps excluded.
    pub outage_ms: f64,
    /// Device milliseconds of deliberate `failover active` swaps.
    pub swap_gap_ms: f64,
    pub installs: u32,
    pub installs_on_active: u32,
    pub readiness_runs: u32,
    pub failovers: u32,
    /// Failovers the pair made by itself because the active unit went down.
    pub unplanned_failovers: u32,
}

#[derive(Debug, Clone)]
pub struct Pair {
    pub id: usize,
    pub units: [Unit; 2],
    pub stats: PairStats,
    /// Device time the traffic stopped (the active unit went down), if it is stopped.
    outage_since: Option<f64>,
    /// (unit index, device time) the standby takes over.
    takeover: Option<(usize, f64)>,
    pub events: Vec<Value>,
    versions_before: [String; 2],
}

/// A change the SSH front must act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    GoingDown { pair: usize, unit: usize },
    Up { pair: usize, unit: usize },
}

impl Pair {
    pub fn new(id: usize, units: [Unit; 2]) -> Self {
        let versions_before = [units[0].version.to_string(), units[1].version.to_string()];
        Pair {
            id,
            units,
            stats: PairStats::default(),
            outage_since: None,
            takeover: None,
            events: Vec::new(),
            versions_before,
        }
    }

    pub fn peer(i: usize) -> usize {
        1 - i
    }

    pub(crate) fn event(&mut self, now: f64, unit: usize, kind: &str, fields: Value) {
        let mut e = json!({"t": (now * 1000.0).round() / 1000.0, "pair": self.id, "unit": self.units[unit].hostname, "event": kind});
        if let (Value::Object(e), Value::Object(f)) = (&mut e, fields) {
            e.extend(f);
        }
        self.events.push(e);
    }

    pub fn advance(&mut self, now: f64, clock: &Clock, timing: &Timing) -> Vec<Notice> {
        let mut notices = Vec::new();
        // Whether a unit carried the traffic is read before it goes down and shows Failed.
        let was_active = [
            self.units[0].ha_state == "Active",
            self.units[1].ha_state == "Active",
        ];
        #[allow(clippy::needless_range_loop)] // i names the unit in the events too
        for i in 0..2 {
            for change in self.units[i].advance(now, clock, timing) {
                match change {
                    UnitChange::GoingDown => {
                        self.unit_went_down(i, was_active[i], now, clock, timing);
                        notices.push(Notice::GoingDown {
                            pair: self.id,
                            unit: i,
                        });
                    }
                    UnitChange::Up => {
                        let v = self.units[i].version.to_string();
                        self.event(now, i, "up", json!({"version": v}));
                        notices.push(Notice::Up {
                            pair: self.id,
                            unit: i,
                        });
                    }
                    UnitChange::Validated => {
                        let peer_active = self.units[Self::peer(i)].ha_state == "Active"
                            && self.units[Self::peer(i)].is_up();
                        let state = self.units[i].settled_state(peer_active);
                        if state == "Active" {
                            self.end_outage(now);
                        }
                        self.units[i].ha_state = state.clone();
                        let v = self.units[i].version.to_string();
                        self.event(now, i, "validated", json!({"version": v, "state": state}));
                    }
                    UnitChange::ReadinessDone => {
                        let passed = self.units[i]
                            .readiness
                            .as_ref()
                            .map(|r| format!("{:?}", r.state))
                            .unwrap_or_default();
                        self.event(now, i, "readiness_done", json!({"result": passed}));
                    }
                    UnitChange::UpgradeFailed => self.event(now, i, "upgrade_failed", json!({})),
                    UnitChange::RebootAnnounced => {
                        self.event(now, i, "reboot_announced", json!({}))
                    }
                }
            }
        }
        if let Some((unit, at)) = self.takeover
            && now >= at
        {
            self.takeover = None;
            self.units[unit].ha_state = "Active".into();
            self.stats.unplanned_failovers += 1;
            self.end_outage(at);
            self.event(
                at,
                unit,
                "takeover",
                json!({"reason": "peer down, holdtime expired"}),
            );
        }
        notices
    }

    fn unit_went_down(
        &mut self,
        i: usize,
        was_active: bool,
        now: f64,
        clock: &Clock,
        timing: &Timing,
    ) {
        self.units[i].last_failure = format!(
            "Comm Failure             {}",
            failover_stamp(clock.wall(now))
        );
        self.event(now, i, "reboot", json!({"was_active": was_active}));
        if was_active {
            self.outage_since.get_or_insert(now);
            let peer = Self::peer(i);
            if self.units[peer].is_up() && self.units[peer].ha_state == "Standby Ready" {
                self.takeover = Some((peer, now + timing.holdtime));
            }
        }
    }

    fn end_outage(&mut self, at: f64) {
        if let Some(since) = self.outage_since.take() {
            self.stats.outage_ms += (at - since).max(0.0) * 1000.0;
        }
    }

    /// A line typed on unit `i`: the `takeover-on` fault fails the Active peer at once, so
    /// that `i` becomes Active between the client's last read and its next command.
    pub fn typed(&mut self, i: usize, line: &str, now: f64) {
        let peer = Self::peer(i);
        let unit = &self.units[i];
        let fires = !unit.takeover_spent
            && unit.has(|f| matches!(f, Fault::TakeoverOn(c) if line.contains(c.as_str())))
            && unit.ha_state == "Standby Ready"
            && self.units[peer].ha_state == "Active";
        if !fires {
            return;
        }
        self.units[i].takeover_spent = true;
        self.units[peer].ha_state = "Failed".into();
        self.units[peer].last_failure = "Ifc Failure".into();
        self.units[i].ha_state = "Active".into();
        self.stats.unplanned_failovers += 1;
        self.event(
            now,
            i,
            "takeover",
            json!({"reason": format!("peer failed while this unit ran {line:?}")}),
        );
    }

    /// `failover active` typed on unit `i`.
    pub fn failover_active(&mut self, i: usize, now: f64, timing: &Timing) -> Result<(), String> {
        let peer = Self::peer(i);
        if self.units[i].has(|f| *f == Fault::FailoverRefused) {
            // UNVERIFIED wording.
            return Err(
                "ERROR: Failover active request rejected: failover is not allowed at this time"
                    .into(),
            );
        }
        if self.units[i].ha_state == "Active" {
            return Ok(());
        }
        if self.units[i].ha_state != "Standby Ready"
            || self.units[peer].ha_state != "Active"
            || !self.units[peer].is_up()
        {
            // UNVERIFIED wording: LINA refuses to become active from a state that is not ready.
            return Err(format!(
                "ERROR: This unit is in {} state; failover active is not allowed",
                self.units[i].ha_state
            ));
        }
        self.units[i].ha_state = "Active".into();
        self.units[peer].ha_state = "Standby Ready".into();
        self.stats.failovers += 1;
        self.stats.swap_gap_ms += timing.swap_gap * 1000.0;
        self.event(
            now,
            i,
            "failover",
            json!({"new_active": self.units[i].hostname, "gap_ms": timing.swap_gap * 1000.0}),
        );
        Ok(())
    }

    /// `no failover active` typed on unit `i`: make the peer active.
    pub fn no_failover_active(
        &mut self,
        i: usize,
        now: f64,
        timing: &Timing,
    ) -> Result<(), String> {
        if self.units[i].ha_state != "Active" {
            return Ok(());
        }
        self.failover_active(Self::peer(i), now, timing)
    }

    /// Called when a unit starts an upgrade: remembers whether it carried the traffic.
    pub fn upgrade_started(&mut self, i: usize, now: f64) {
        let active = self.units[i].ha_state == "Active";
        self.stats.installs += 1;
        if active {
            self.stats.installs_on_active += 1;
        }
        let (role, state) = (self.units[i].role, self.units[i].ha_state.clone());
        let package = self.units[i]
            .upgrade
            .as_ref()
            .map(|r| r.package.file_name.clone());
        self.event(
            now,
            i,
            "install_start",
            json!({"role": role, "state": state, "package": package}),
        );
    }

    pub fn readiness_started(&mut self, i: usize, now: f64) {
        self.stats.readiness_runs += 1;
        let (role, state) = (self.units[i].role, self.units[i].ha_state.clone());
        self.event(
            now,
            i,
            "readiness_start",
            json!({"role": role, "state": state}),
        );
    }

    /// `Sync Done` / `Sync Skipped` (versions differ), with ` - STANDBY` on the standby.
    pub fn config_sync(&self, i: usize) -> String {
        let same = self.units[0].version == self.units[1].version;
        let base = if same { "Sync Done" } else { "Sync Skipped" };
        if self.units[i].ha_state == "Active" {
            base.into()
        } else {
            format!("{base} - STANDBY")
        }
    }

    /// How unit `i` sees its peer's state (a down peer reads as Failed).
    pub fn peer_state_seen(&self, i: usize) -> String {
        let peer = &self.units[Self::peer(i)];
        match peer.power {
            Power::Up => peer.ha_state.clone(),
            Power::Down { .. } => "Failed".into(),
        }
    }

    pub fn summary(&self) -> Value {
        json!({
            "pair": self.id,
            "versions_before": {
                self.units[0].hostname.clone(): self.versions_before[0],
                self.units[1].hostname.clone(): self.versions_before[1],
            },
            "versions": {
                self.units[0].hostname.clone(): self.units[0].version.to_string(),
                self.units[1].hostname.clone(): self.units[1].version.to_string(),
            },
            "up": {
                self.units[0].hostname.clone(): self.units[0].is_up() && self.units[0].validating_until.is_none(),
                self.units[1].hostname.clone(): self.units[1].is_up() && self.units[1].validating_until.is_none(),
            },
            // Up, validated, and no installer running or about to reboot the unit: what an
            // operator waits for before running again after a run was killed.
            "settled": {
                self.units[0].hostname.clone(): self.units[0].is_up() && self.units[0].validating_until.is_none() && !self.units[0].installer_running(),
                self.units[1].hostname.clone(): self.units[1].is_up() && self.units[1].validating_until.is_none() && !self.units[1].installer_running(),
            },
            "states": {
                self.units[0].hostname.clone(): self.units[0].ha_state,
                self.units[1].hostname.clone(): self.units[1].ha_state,
            },
            "outage_ms": self.stats.outage_ms.round(),
            "swap_gap_ms": self.stats.swap_gap_ms.round(),
            "installs": self.stats.installs,
            "installs_on_active": self.stats.installs_on_active,
            "readiness_runs": self.stats.readiness_runs,
            "failovers": self.stats.failovers,
            "unplanned_failovers": self.stats.unplanned_failovers,
        })
    }
}
