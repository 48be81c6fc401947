//! The modules' journal, grouped per unit and stage.

use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use ftd_device::journal::Entry;

/// One stage on one unit: when it began and ended, and its last message.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSpan {
    pub stage: String,
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
    pub last_message: String,
}

impl StageSpan {
    pub fn seconds(&self) -> f64 {
        (self.end - self.start).as_seconds_f64()
    }
}

/// Lines that do not parse are skipped: a journal being written may end half way.
pub fn read(text: &str) -> Vec<Entry> {
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Spans per unit, in the order the stages began.
pub fn spans(entries: &[Entry]) -> BTreeMap<String, Vec<StageSpan>> {
    let mut out: BTreeMap<String, Vec<StageSpan>> = BTreeMap::new();
    for e in entries {
        let Ok(t) = OffsetDateTime::parse(&e.time, &Rfc3339) else {
            continue;
        };
        let spans = out.entry(e.unit.clone()).or_default();
        match spans.last_mut() {
            Some(span) if span.stage == e.stage => {
                span.end = t;
                span.last_message = e.message.clone();
            }
            _ => spans.push(StageSpan {
                stage: e.stage.clone(),
                start: t,
                end: t,
                last_message: e.message.clone(),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_consecutive_entries_into_spans() {
        let text = r#"{"time":"2026-11-24T00:00:00Z","unit":"p1/a","stage":"install","percent":0,"message":"start"}
{"time":"2026-11-24T00:00:30Z","unit":"p1/a","stage":"install","percent":100,"message":"rebooting"}
{"time":"2026-11-24T00:00:31Z","unit":"p1/a","stage":"wait_reboot","percent":null,"message":"down"}
not json
{"time":"2026-11-24T00:01:31Z","unit":"p1/a","stage":"wait_reboot","percent":100,"message":"back"}"#;
        let s = spans(&read(text));
        let a = &s["p1/a"];
        assert_eq!(a.len(), 2);
        assert_eq!((a[0].stage.as_str(), a[0].seconds()), ("install", 30.0));
        assert_eq!((a[1].seconds(), a[1].last_message.as_str()), (60.0, "back"));
    }
}
