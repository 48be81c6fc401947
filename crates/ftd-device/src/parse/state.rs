//! A unit's failover state as LINA prints it (`show failover`, `show failover state`). The
//! device's texts live here and nowhere else in the client; decisions match on the variants.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FailoverState {
    Active,
    StandbyReady,
    ActiveApplyingConfig,
    ActiveConfigApplied,
    ColdStandby,
    ActiveDrain,
    JustActive,
    SyncConfig,
    Negotiation,
    BulkSync,
    AppSync,
    Disabled,
    Failed,
    /// A text this tool does not know (another release, a garbled column), kept as printed:
    /// it reads as unhealthy, never as a guess.
    Other(String),
}

use FailoverState::*;

/// Every known state and its text, longest text first so that `Active Drain` is never read as
/// `Active` followed by a reason.
pub const KNOWN: [(FailoverState, &str); 13] = [
    (ActiveApplyingConfig, "Active Applying Config"),
    (ActiveConfigApplied, "Active Config Applied"),
    (StandbyReady, "Standby Ready"),
    (ColdStandby, "Cold Standby"),
    (ActiveDrain, "Active Drain"),
    (JustActive, "Just Active"),
    (SyncConfig, "Sync Config"),
    (Negotiation, "Negotiation"),
    (BulkSync, "Bulk Sync"),
    (AppSync, "App Sync"),
    (Disabled, "Disabled"),
    (Active, "Active"),
    (Failed, "Failed"),
];

impl FailoverState {
    /// The state a text names (surrounding blanks ignored); an unknown text is [`Other`].
    pub fn from_text(text: &str) -> FailoverState {
        let text = text.trim();
        KNOWN
            .iter()
            .find(|(_, t)| *t == text)
            .map(|(s, _)| s.clone())
            .unwrap_or_else(|| Other(text.to_string()))
    }

    /// The device's text.
    pub fn text(&self) -> &str {
        match self {
            Other(text) => text,
            known => KNOWN
                .iter()
                .find(|(s, _)| s == known)
                .map(|(_, t)| *t)
                .unwrap_or_default(),
        }
    }

    pub fn is_active(&self) -> bool {
        *self == Active
    }

    pub fn is_standby_ready(&self) -> bool {
        *self == StandbyReady
    }
}

/// Not read (a section of the output that was absent).
impl Default for FailoverState {
    fn default() -> Self {
        Other(String::new())
    }
}

/// A pair that can fail over safely: one unit Active, the other Standby Ready.
pub fn one_active_one_standby(a: &FailoverState, b: &FailoverState) -> bool {
    matches!((a, b), (Active, StandbyReady) | (StandbyReady, Active))
}

impl fmt::Display for FailoverState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// Results and facts carry the device's text (`"Standby Ready"`), as they always have.
impl Serialize for FailoverState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.text())
    }
}

impl<'de> Deserialize<'de> for FailoverState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(FailoverState::from_text(&String::deserialize(d)?))
    }
}

/// Tests and messages compare with the device's text directly.
impl PartialEq<&str> for FailoverState {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_reads_back_as_its_state() {
        for (state, text) in KNOWN {
            assert_eq!(FailoverState::from_text(text), state);
            assert_eq!(state.text(), text);
            assert_eq!(serde_json::to_value(&state).unwrap(), text);
        }
        assert_eq!(
            FailoverState::from_text(" Weird State "),
            Other("Weird State".into())
        );
        assert_eq!(Other("Weird State".into()).to_string(), "Weird State");
    }

    #[test]
    fn longest_first() {
        for (i, (_, a)) in KNOWN.iter().enumerate() {
            for (_, b) in &KNOWN[i + 1..] {
                assert!(!b.starts_with(a), "{b} comes after its prefix {a}");
            }
        }
    }
}
