//! The upgrade report as one self-contained HTML file: an SVG timeline (one lane per unit,
//! stages as bars, reboots and swaps marked, traffic gaps from the simulator when known) and
//! a table per pair. No external assets, no script.

use crate::journal::StageSpan;
use crate::report::{PairReport, Report};
use std::fmt::Write;
use time::OffsetDateTime;

const LANE: f64 = 34.0;
const LEFT: f64 = 170.0;
const WIDTH: f64 = 1100.0;

fn color(stage: &str) -> &'static str {
    match stage {
        "readiness" => "#6c8ebf",
        "install" => "#d79b00",
        "wait_reboot" => "#b85450",
        "failover_swap" => "#9673a6",
        "verify" => "#82b366",
        _ => "#999999",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(report: &Report) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>FTD HA upgrade report</title>\n<style>\
body{{font-family:system-ui,sans-serif;margin:24px;color:#222}} table{{border-collapse:collapse;margin:8px 0 24px}}\
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}} th{{background:#f3f3f3}}\
.failed{{color:#b00020;font-weight:600}} .legend span{{display:inline-block;margin-right:14px}}\
.legend i{{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}}\
</style></head><body>\n<h1>FTD HA upgrade report</h1>\n<p>{} unit(s) in {} pair(s); {} to {} UTC.</p>\n",
        report.lanes.len(),
        report.pairs.len(),
        report.start.map(fmt_time).unwrap_or_default(),
        report.end.map(fmt_time).unwrap_or_default()
    );
    h.push_str(&timeline(report));
    h.push_str("<div class=\"legend\">");
    for s in [
        "readiness",
        "install",
        "wait_reboot",
        "failover_swap",
        "verify",
    ] {
        let _ = write!(
            h,
            "<span><i style=\"background:{}\"></i>{s}</span>",
            color(s)
        );
    }
    h.push_str("<span><i style=\"background:#000\"></i>unit down (reboot)</span><span><i style=\"background:#e00\"></i>traffic gap</span></div>\n");
    for pair in &report.pairs {
        h.push_str(&pair_table(pair));
    }
    h.push_str("</body></html>\n");
    h
}

fn fmt_time(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn timeline(report: &Report) -> String {
    let (Some(start), Some(end)) = (report.start, report.end) else {
        return "<p>No journal entries.</p>".into();
    };
    let total = (end - start).as_seconds_f64().max(1.0);
    let x = |t: OffsetDateTime| LEFT + (t - start).as_seconds_f64() / total * (WIDTH - LEFT - 10.0);
    let height = 30.0 + LANE * report.lanes.len() as f64;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"upgrade timeline\">"
    );
    for i in 0..=5 {
        let t = total * i as f64 / 5.0;
        let px = LEFT + t / total * (WIDTH - LEFT - 10.0);
        let _ = writeln!(
            s,
            "<line x1=\"{px:.1}\" y1=\"20\" x2=\"{px:.1}\" y2=\"{height}\" stroke=\"#eee\"/><text x=\"{px:.1}\" y=\"14\" font-size=\"11\" text-anchor=\"middle\">{t:.0}s</text>"
        );
    }
    for (i, lane) in report.lanes.iter().enumerate() {
        let y = 24.0 + LANE * i as f64;
        let _ = writeln!(
            s,
            "<g class=\"lane\" data-unit=\"{}\"><text x=\"4\" y=\"{:.1}\" font-size=\"13\">{}</text>",
            esc(&lane.unit),
            y + 17.0,
            esc(&lane.unit)
        );
        for span in &lane.spans {
            let (x0, x1) = (x(span.start), x(span.end).max(x(span.start) + 2.0));
            let _ = writeln!(
                s,
                "<rect class=\"bar\" data-stage=\"{stage}\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"24\" fill=\"{c}\"><title>{stage}: {d:.1}s, {m}</title></rect>",
                stage = span.stage,
                w = x1 - x0,
                c = color(&span.stage),
                d = span.seconds(),
                m = esc(&span.last_message)
            );
        }
        for (down, up) in &lane.reboots {
            let x0 = x(*down);
            let x1 = up.map(x).unwrap_or(x(end));
            let _ = writeln!(
                s,
                "<rect class=\"reboot\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"4\" fill=\"#000\"><title>unit down</title></rect>",
                y + 26.0,
                (x1 - x0).max(1.0)
            );
        }
        for failed in &lane.failures {
            let _ = writeln!(
                s,
                "<text class=\"failure\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"16\" fill=\"#b00020\">✖<title>{}</title></text>",
                x(failed.0) - 5.0,
                y + 18.0,
                esc(&failed.1)
            );
        }
        s.push_str("</g>\n");
    }
    for gap in &report.traffic_gaps {
        let _ = writeln!(
            s,
            "<line class=\"gap\" x1=\"{0:.1}\" y1=\"20\" x2=\"{0:.1}\" y2=\"{height}\" stroke=\"#e00\" stroke-width=\"2\"><title>{1}</title></line>",
            x(gap.0),
            esc(&gap.1)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn pair_table(p: &PairReport) -> String {
    let mut s = format!(
        "<h2>{}</h2>\n<table><tr><th>unit</th><th>version before</th><th>after</th><th>state</th>",
        esc(&p.pair)
    );
    for st in crate::report::STAGES {
        let _ = write!(s, "<th>{st} s</th>");
    }
    s.push_str("<th>outcome</th></tr>\n");
    for u in &p.units {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            esc(&u.unit),
            esc(&u.version_before),
            esc(&u.version_after),
            esc(&u.state)
        );
        for st in crate::report::STAGES {
            let d: f64 = u
                .spans
                .iter()
                .filter(|x: &&StageSpan| x.stage == st)
                .map(StageSpan::seconds)
                .sum();
            let _ = write!(
                s,
                "<td>{}</td>",
                if d > 0.0 {
                    format!("{d:.1}")
                } else {
                    "-".into()
                }
            );
        }
        match &u.failure {
            Some(f) => {
                let _ = writeln!(s, "<td class=\"failed\">{}</td></tr>", esc(f));
            }
            None => {
                let _ = writeln!(
                    s,
                    "<td>{}</td></tr>",
                    if u.verified {
                        "verified"
                    } else {
                        "not verified"
                    }
                );
            }
        }
    }
    let _ = write!(s, "</table>\n<p>Traffic: {}</p>\n", esc(&p.traffic));
    let upgrades = crate::report::upgrade_rows(p);
    if !upgrades.is_empty() {
        s.push_str("<h3>Upgrades, one per hop (UTC)</h3>\n<table><tr><th>unit</th><th>package</th><th>started</th><th>back on it</th></tr>\n");
        for row in upgrades {
            s.push_str("<tr>");
            for cell in row {
                let _ = write!(s, "<td>{}</td>", esc(&cell));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
    }
    let rows = crate::evidence::rows(p);
    if !rows.is_empty() {
        s.push_str("<h3>Evidence before and after</h3>\n<table><tr><th>unit</th><th>measure</th><th>before</th><th>after</th></tr>\n");
        for r in rows {
            let class = if r.broken { " class=\"failed\"" } else { "" };
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td{class}>{}</td></tr>",
                esc(&r.unit),
                esc(&r.measure),
                esc(&r.before),
                esc(&r.after)
            );
        }
        s.push_str("</table>\n");
        for (unit, phase, command, text) in crate::evidence::raw(p) {
            let _ = writeln!(
                s,
                "<details><summary>{} {phase}: {}</summary><pre>{}</pre></details>",
                esc(&unit),
                esc(&command),
                esc(text.trim_end())
            );
        }
    }
    s
}
