//! `show failover state`.
//!
//! Health is read from the State column only: a healthy pair can carry an old failure reason
//! with a date (Cisco TAC 226003). The seed's public copy lost its column layout, so a host's
//! role, state and reason are read as a token stream from `This host -` / `Other host -`, which
//! reads the column layout and the flattened copy alike.

use super::state::{self, FailoverState};
use super::{ParseError, normalize};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostState {
    /// Configured role: `Primary` or `Secondary`; never changes.
    pub role: String,
    /// Current state, from the State column.
    pub state: FailoverState,
    /// Last failure reason and its date, informational only.
    pub last_failure: String,
}

impl HostState {
    pub fn is_active(&self) -> bool {
        self.state.is_active()
    }
    pub fn is_standby_ready(&self) -> bool {
        self.state.is_standby_ready()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowFailoverState {
    pub this_host: HostState,
    pub other_host: HostState,
    /// Every line of the Configuration State section (`Sync Done`, `Sync Skipped - STANDBY`).
    pub configuration: Vec<String>,
    pub communication: Vec<String>,
}

impl ShowFailoverState {
    /// `Sync Skipped` is expected while the two units run different versions.
    pub fn sync_skipped(&self) -> bool {
        self.configuration
            .iter()
            .any(|l| l.starts_with("Sync Skipped"))
    }
    /// A pair that can fail over safely: one Active, one Standby Ready.
    pub fn pair_healthy(&self) -> bool {
        state::one_active_one_standby(&self.this_host.state, &self.other_host.state)
    }
}

pub fn parse(text: &str) -> Result<ShowFailoverState, ParseError> {
    let text = normalize(text);
    let err = || ParseError::new("show failover state", &text);
    let this_at = text.find("This host").ok_or_else(err)?;
    let other_at = text.find("Other host").ok_or_else(err)?;
    let sections_at = text.find("====").unwrap_or(text.len());
    if !(this_at < other_at && other_at < sections_at) {
        return Err(err());
    }
    let this_host = host(&text[this_at + "This host".len()..other_at]).ok_or_else(err)?;
    let other_host = host(&text[other_at + "Other host".len()..sections_at]).ok_or_else(err)?;
    Ok(ShowFailoverState {
        this_host,
        other_host,
        configuration: section(&text, "Configuration State"),
        communication: section(&text, "Communication State"),
    })
}

fn host(segment: &str) -> Option<HostState> {
    let flat = segment.split_whitespace().collect::<Vec<_>>().join(" ");
    let rest = flat.trim_start().strip_prefix('-')?.trim_start();
    let (role, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if role != "Primary" && role != "Secondary" {
        return None;
    }
    let rest = rest.trim();
    let known = state::KNOWN
        .iter()
        .find(|(_, text)| starts_with_word(rest, text));
    let (state, reason) = match known {
        Some((s, text)) => (s.clone(), rest[text.len()..].trim().to_string()),
        None => {
            // An unknown state: keep the State column's text, whatever it is, so that it reads
            // as unhealthy rather than being guessed.
            let line = segment
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .nth(1)
                .unwrap_or(rest);
            let state = line
                .split("  ")
                .next()
                .unwrap_or(line)
                .split('\t')
                .next()
                .unwrap_or(line)
                .trim();
            if state.is_empty() {
                return None;
            }
            (
                FailoverState::from_text(state),
                line[state.len()..].trim().to_string(),
            )
        }
    };
    Some(HostState {
        role: role.to_string(),
        state,
        last_failure: reason,
    })
}

fn starts_with_word(text: &str, word: &str) -> bool {
    text.starts_with(word)
        && text[word.len()..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace)
}

/// Lines after a `====Name===` header up to the next header; a flattened copy keeps its
/// sentence on the header's line.
fn section(text: &str, name: &str) -> Vec<String> {
    let Some(at) = text.find(&format!("===={name}")) else {
        return vec![];
    };
    let after = &text[at..];
    let after = after
        .trim_start_matches('=')
        .trim_start_matches(name)
        .trim_start_matches('=');
    let end = after.find("====").unwrap_or(after.len());
    after[..end]
        .lines()
        .map(|l| {
            // A flattened copy runs on into the next prompt: stop at a word that is one.
            l.split_whitespace()
                .take_while(|w| !w.ends_with('#') && !w.ends_with('>'))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|l| !l.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_state_is_kept_verbatim() {
        let text = "               State          Last Failure Reason      Date/Time\nThis host  -   Primary\n               Weird State    None\nOther host -   Secondary\n               Active         None\n";
        let s = parse(text).unwrap();
        assert_eq!(s.this_host.state, "Weird State");
        assert!(!s.pair_healthy());
    }

    #[test]
    fn garbage_is_an_error_quoting_it() {
        let e = parse("% Invalid input detected at '^' marker.\n").unwrap_err();
        assert!(e.excerpt.contains("Invalid input"));
    }

    #[test]
    fn role_must_be_primary_or_secondary() {
        assert!(
            parse("This host - Tertiary\n Active None\nOther host - Primary\n Active None\n")
                .is_err()
        );
    }
}
