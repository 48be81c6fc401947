//! Where each unit stands, from the journal entries seen so far. Pure: `watch` feeds it lines
//! and draws what it says.

use crate::journal::Entry;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct UnitProgress {
    pub pair: String,
    pub unit: String,
    pub stage: String,
    pub percent: Option<u8>,
    pub message: String,
    pub script: Option<String>,
    pub verified: bool,
    pub failed: bool,
}

#[derive(Debug, Default)]
pub struct Fleet {
    pub units: BTreeMap<String, UnitProgress>,
}

/// `pair1/fw-1-a` → (`pair1`, `fw-1-a`); a unit without a pair is its own pair.
fn split(key: &str) -> (String, String) {
    match key.split_once('/') {
        Some((p, u)) => (p.to_string(), u.to_string()),
        None => (key.to_string(), key.to_string()),
    }
}

impl Fleet {
    pub fn apply(&mut self, e: &Entry) -> &UnitProgress {
        let (pair, unit) = split(&e.unit);
        let u = self
            .units
            .entry(e.unit.clone())
            .or_insert_with(|| UnitProgress {
                pair,
                unit,
                stage: String::new(),
                percent: None,
                message: String::new(),
                script: None,
                verified: false,
                failed: false,
            });
        if u.stage != e.stage {
            u.percent = None;
            u.script = None;
        }
        u.stage = e.stage.clone();
        u.percent = e.percent.or(u.percent);
        if let Some(s) = e.message.strip_prefix("Running script ") {
            u.script = Some(s.trim_end_matches('.').to_string());
        }
        u.message = e.message.clone();
        u.failed = e.message.starts_with("FAILED:");
        u.verified = e.stage == "verify" && e.message.starts_with("verified:");
        u
    }

    /// A unit is done when verified, failed, or its pair partner failed (the playbook
    /// leaves it alone then).
    pub fn done(&self, key: &str) -> bool {
        let Some(u) = self.units.get(key) else {
            return false;
        };
        u.verified || u.failed || self.units.values().any(|o| o.pair == u.pair && o.failed)
    }

    /// Every unit done, and every pair that has not failed seen with both its units (a pair's
    /// second unit may not have written anything yet).
    pub fn all_done(&self) -> bool {
        let whole = self.units.values().all(|u| {
            let mates = self.units.values().filter(|o| o.pair == u.pair).count();
            u.pair == u.unit
                || mates >= 2
                || self.units.values().any(|o| o.pair == u.pair && o.failed)
        });
        whole && !self.units.is_empty() && self.units.keys().all(|k| self.done(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(unit: &str, stage: &str, percent: Option<u8>, message: &str) -> Entry {
        Entry {
            time: "2026-11-24T00:00:00Z".into(),
            unit: unit.into(),
            stage: stage.into(),
            percent,
            message: message.into(),
            data: None,
        }
    }

    #[test]
    fn follows_stages_and_knows_when_all_are_done() {
        let mut f = Fleet::default();
        f.apply(&entry(
            "pair1/a",
            "install",
            Some(7),
            "Running script 200_pre/202_disable_syncd.sh...",
        ));
        assert_eq!(
            f.units["pair1/a"].script.as_deref(),
            Some("200_pre/202_disable_syncd.sh")
        );
        f.apply(&entry(
            "pair1/b",
            "readiness",
            Some(100),
            "Readiness Check completed successfully.",
        ));
        assert!(!f.all_done());
        f.apply(&entry(
            "pair1/a",
            "verify",
            Some(100),
            "verified: a: all 6 checks passed",
        ));
        assert!(f.done("pair1/a") && !f.done("pair1/b"));
        f.apply(&entry(
            "pair2/c",
            "install",
            None,
            "FAILED: c [install]: upgrade FAILED at x",
        ));
        f.apply(&entry("pair2/d", "readiness", Some(100), "ok"));
        assert!(
            f.done("pair2/d"),
            "the partner of a failed unit is left alone"
        );
        f.apply(&entry("pair1/b", "verify", Some(100), "verified: b"));
        assert!(f.all_done());
        f.apply(&entry("pair3/e", "verify", Some(100), "verified: e"));
        assert!(!f.all_done(), "pair3's other unit has not shown up yet");
    }
}
