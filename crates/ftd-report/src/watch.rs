//! `ftd-upgrade watch`: follow the journal while Ansible is silent. One progress bar per unit
//! on a terminal, plain lines otherwise; ends when every unit is done or failed.

use crate::journal;
use crate::progress::Fleet;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

pub struct WatchOptions {
    pub interval: Duration,
    /// Give up after this long without the run finishing.
    pub timeout: Duration,
    pub force_plain: bool,
}

/// Returns whether every unit finished (verified) without failure.
pub fn watch(path: &Path, opts: &WatchOptions, out: &mut dyn Write) -> std::io::Result<bool> {
    let started = Instant::now();
    let mut offset = 0u64;
    let mut partial = String::new();
    let mut fleet = Fleet::default();
    let tty = !opts.force_plain && std::io::stdout().is_terminal();
    let bars = MultiProgress::with_draw_target(if tty {
        ProgressDrawTarget::stdout()
    } else {
        ProgressDrawTarget::hidden()
    });
    let style = ProgressStyle::with_template(
        "{prefix:<24} {bar:30.cyan/blue} {pos:>3}% {elapsed:>5} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    let mut by_unit: HashMap<String, ProgressBar> = HashMap::new();
    loop {
        if let Ok(mut f) = std::fs::File::open(path) {
            f.seek(SeekFrom::Start(offset))?;
            let mut chunk = String::new();
            offset += f.read_to_string(&mut chunk)? as u64;
            partial.push_str(&chunk);
            // Only whole lines: a module may be writing the next one right now.
            let complete = partial.rfind('\n').map(|i| i + 1).unwrap_or(0);
            let lines: String = partial.drain(..complete).collect();
            for e in journal::read(&lines) {
                let u = fleet.apply(&e).clone();
                if tty {
                    let bar = by_unit.entry(e.unit.clone()).or_insert_with(|| {
                        let b = bars.add(ProgressBar::new(100));
                        b.set_style(style.clone());
                        // Redraw on a clock: a burst of updates is otherwise only partly drawn.
                        b.enable_steady_tick(Duration::from_millis(250));
                        b
                    });
                    bar.set_prefix(format!("{} {}", e.unit, u.stage));
                    bar.set_position(u.percent.unwrap_or(0) as u64);
                    let shown = if u.failed {
                        u.message.clone()
                    } else {
                        u.script.clone().unwrap_or(u.message.clone())
                    };
                    bar.set_message(shown);
                    if u.failed {
                        bar.abandon(); // keeps the bar where it stopped
                    } else if u.verified {
                        bar.finish();
                    }
                } else {
                    writeln!(
                        out,
                        "{} {} {} {} {}",
                        e.time,
                        e.unit,
                        e.stage,
                        e.percent
                            .map(|p| format!("{p}%"))
                            .unwrap_or_else(|| "-".into()),
                        e.message
                    )?;
                }
            }
        }
        if fleet.all_done() {
            break;
        }
        if started.elapsed() >= opts.timeout {
            writeln!(
                out,
                "watch: gave up after {:.0}s; the run is not finished",
                opts.timeout.as_secs_f64()
            )?;
            return Ok(false);
        }
        std::thread::sleep(opts.interval);
    }
    let failed: Vec<_> = fleet
        .units
        .values()
        .filter(|u| u.failed)
        .map(|u| format!("{} ({})", u.unit, u.message))
        .collect();
    let ok = fleet.units.values().filter(|u| u.verified).count();
    writeln!(
        out,
        "watch: {} unit(s) verified, {} failed{}",
        ok,
        failed.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(": {}", failed.join("; "))
        }
    )?;
    Ok(failed.is_empty())
}
