//! The text summary an upgrade ends with: per unit, versions before and after and how long
//! each stage took; per pair, the traffic gaps the simulator measured.

use crate::journal::StageSpan;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn render(spans: &BTreeMap<String, Vec<StageSpan>>, sim_summaries: &[Value]) -> String {
    let mut out = String::from("Upgrade summary\n===============\n");
    for pair in sim_summaries {
        let _ = writeln!(out, "\npair{}", pair["pair"]);
        if let Some(after) = pair["versions"].as_object() {
            for (unit, version) in after {
                let before = pair["versions_before"][unit].as_str().unwrap_or("?");
                let state = pair["states"][unit].as_str().unwrap_or("?");
                let _ = writeln!(
                    out,
                    "  {unit:<10} {before} -> {} ({state})",
                    version.as_str().unwrap_or("?")
                );
                let key = format!("pair{}/{unit}", pair["pair"]);
                for span in spans.get(&key).into_iter().flatten() {
                    span_line(&mut out, span);
                }
            }
        }
        let _ = writeln!(
            out,
            "  traffic: unplanned outage {:.0} ms, deliberate swaps {} ({:.0} ms in all); installs on an Active unit: {}",
            pair["outage_ms"].as_f64().unwrap_or(0.0),
            pair["failovers"],
            pair["swap_gap_ms"].as_f64().unwrap_or(0.0),
            pair["installs_on_active"]
        );
    }
    if sim_summaries.is_empty() {
        for (unit, spans) in spans {
            let _ = writeln!(out, "\n{unit}");
            for span in spans {
                span_line(&mut out, span);
            }
        }
    }
    out
}

fn span_line(out: &mut String, span: &StageSpan) {
    let _ = writeln!(
        out,
        "      {:<14} {:>8.1}s  {}",
        span.stage,
        span.seconds(),
        span.last_message
    );
}
