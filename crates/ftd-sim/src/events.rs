//! The simulator's event log: JSON lines (commands typed, installs started with the unit's
//! role, reboots, returns, failovers, summaries) that tests and benchmarks read.

use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// Appends JSON lines to the events file (and keeps nothing in memory).
#[derive(Clone)]
pub struct EventLog {
    file: Option<Arc<Mutex<std::fs::File>>>,
}

impl EventLog {
    pub fn open(path: Option<&std::path::Path>) -> std::io::Result<Self> {
        let file = match path {
            Some(p) => Some(Arc::new(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)?,
            ))),
            None => None,
        };
        Ok(EventLog { file })
    }

    pub fn write(&self, event: &Value) {
        use std::io::Write;
        if let Some(f) = &self.file {
            let mut e = event.clone();
            e["time"] = json!(now_rfc3339());
            // One write per line: a reader tailing the file (the fault matrix asks for a
            // summary and reads it at once) never sees half an event.
            let line = format!("{e}\n");
            let _ = f.lock().unwrap().write_all(line.as_bytes());
        }
    }
}

/// Wall-clock time of an event, RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}
