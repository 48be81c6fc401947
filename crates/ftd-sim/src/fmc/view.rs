//! What the FMC knows of the simulated pairs: device records and HA pairs derived from the
//! units, learning a change only some device seconds after it happened (the FMC hears of a
//! CLI upgrade and a failover late; how late is not published, domain fmc-rest.md).

use crate::model::Sim;
use std::collections::HashMap;

/// A value the FMC reports, and a newer one it has not learned yet.
#[derive(Debug, Clone, Default)]
struct Learned {
    reported: String,
    pending: Option<(String, f64)>,
}

impl Learned {
    /// The value the FMC shows at `now`, given what the device says.
    fn see(&mut self, device: &str, now: f64, lag: f64) -> String {
        if self.reported.is_empty() {
            self.reported = device.to_string();
        } else if self.reported != device {
            match &self.pending {
                Some((v, since)) if v == device => {
                    if now - since >= lag {
                        self.reported = device.to_string();
                        self.pending = None;
                    }
                }
                _ => self.pending = Some((device.to_string(), now)),
            }
        } else {
            self.pending = None;
        }
        self.reported.clone()
    }
}

/// The FMC's lagging view, per unit: (version, failover status).
#[derive(Debug, Default)]
pub struct View {
    version: HashMap<(usize, usize), Learned>,
    status: HashMap<(usize, usize), Learned>,
}

/// One device as the FMC lists it.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: String,
    pub name: String,
    /// The release without the build (`7.2.7`), as the FMC shows `sw_version`.
    pub sw_version: String,
    /// `Active`, `Standby`, or the unit's other state.
    pub status: String,
    pub pair: usize,
    pub unit: usize,
}

pub fn device_id(pair: usize, unit: usize) -> String {
    format!(
        "{:08x}-d00d-4e5a-8000-{:012x}",
        0xf7d0_0000u32 + (pair * 2 + unit) as u32,
        pair * 2 + unit + 1
    )
}

pub fn pair_id(pair: usize) -> String {
    format!(
        "{:08x}-ba1d-4e5a-9000-{:012x}",
        0xa4a0_0000u32 + pair as u32,
        pair + 1
    )
}

impl View {
    /// Every unit as the FMC sees it now.
    pub fn devices(&mut self, sim: &Sim, state_lag: f64, version_lag: f64) -> Vec<Device> {
        let now = sim.now();
        let mut out = Vec::new();
        for (p, pair) in sim.pairs.iter().enumerate() {
            for (u, unit) in pair.units.iter().enumerate() {
                let status = match unit.ha_state.as_str() {
                    _ if !unit.is_up() => "Failed".to_string(),
                    "Standby Ready" => "Standby".to_string(),
                    s => s.to_string(),
                };
                let version = unit.version.release();
                out.push(Device {
                    id: device_id(p, u),
                    name: unit.hostname.clone(),
                    sw_version: self.version.entry((p, u)).or_default().see(
                        &version,
                        now,
                        version_lag,
                    ),
                    status: self
                        .status
                        .entry((p, u))
                        .or_default()
                        .see(&status, now, state_lag),
                    pair: p,
                    unit: u,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_learned_after_the_lag() {
        let mut l = Learned::default();
        assert_eq!(l.see("7.2.2", 0.0, 10.0), "7.2.2");
        assert_eq!(l.see("7.2.7", 5.0, 10.0), "7.2.2");
        assert_eq!(l.see("7.2.7", 14.0, 10.0), "7.2.2");
        assert_eq!(l.see("7.2.7", 15.0, 10.0), "7.2.7");
    }
}
