//! `ftd-upgrade`: the operator's view of an upgrade run.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "ftd-upgrade",
    about = "Follow and summarise FTD HA upgrades run by the ftd.ha_upgrade modules"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the upgrade report (self-contained HTML with an SVG timeline, and Markdown).
    Report {
        #[arg(long)]
        journal: PathBuf,
        /// ftd-sim's events file, for versions and traffic gaps in a rehearsal.
        #[arg(long)]
        events: Option<PathBuf>,
        /// Only entries at or after this RFC 3339 time (one run of a shared journal).
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        html: Option<PathBuf>,
        #[arg(long)]
        markdown: Option<PathBuf>,
    },
    /// Follow the modules' journal live: one progress bar per unit (plain lines when not on a
    /// terminal); ends when every unit is verified, failed, or stopped with its failed pair.
    Watch {
        /// The modules' journal (JSON lines); it may not exist yet.
        #[arg(long, default_value = "~/.ftd_upgrade/journal.jsonl")]
        journal: String,
        /// Seconds between two reads of the journal.
        #[arg(long, default_value_t = 0.5)]
        interval: f64,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 6.0 * 3600.0)]
        timeout: f64,
        /// Plain lines even on a terminal.
        #[arg(long)]
        plain: bool,
    },
    /// Print a summary of a finished run from the modules' journal (and ftd-sim's events).
    Summary {
        /// The modules' journal (JSON lines).
        #[arg(long)]
        journal: PathBuf,
        /// ftd-sim's events file, for versions and traffic gaps in a rehearsal.
        #[arg(long)]
        events: Option<PathBuf>,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Report {
            journal,
            events,
            since,
            html,
            markdown,
        } => {
            let text = std::fs::read_to_string(&journal)
                .with_context(|| format!("reading {}", journal.display()))?;
            let entries =
                ftd_report::report::since(ftd_report::journal::read(&text), since.as_deref());
            let events = read_events(events.as_deref())?;
            let report = ftd_report::report::build(&entries, &events);
            if let Some(p) = html {
                ftd_report::private_file::write(&p, &ftd_report::html::render(&report))
                    .with_context(|| format!("writing {}", p.display()))?;
                println!("report: {}", p.display());
            }
            if let Some(p) = markdown {
                ftd_report::private_file::write(&p, &ftd_report::report::markdown(&report))
                    .with_context(|| format!("writing {}", p.display()))?;
                println!("report: {}", p.display());
            }
        }
        Command::Watch {
            journal,
            interval,
            timeout,
            plain,
        } => {
            let path = match journal.strip_prefix("~/") {
                Some(rest) => PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(rest),
                None => PathBuf::from(journal),
            };
            let opts = ftd_report::watch::WatchOptions {
                interval: std::time::Duration::from_secs_f64(interval.max(0.05)),
                timeout: std::time::Duration::from_secs_f64(timeout.max(1.0)),
                force_plain: plain,
            };
            let ok = ftd_report::watch::watch(&path, &opts, &mut std::io::stdout())?;
            std::process::exit(if ok { 0 } else { 1 });
        }
        Command::Summary { journal, events } => {
            let text = std::fs::read_to_string(&journal)
                .with_context(|| format!("reading {}", journal.display()))?;
            let spans = ftd_report::journal::spans(&ftd_report::journal::read(&text));
            let summaries: Vec<serde_json::Value> = read_events(events.as_deref())?
                .into_iter()
                .filter(|e| e["event"] == "summary")
                .collect();
            print!("{}", ftd_report::summary::render(&spans, &summaries));
        }
    }
    Ok(())
}

fn read_events(path: Option<&std::path::Path>) -> Result<Vec<serde_json::Value>> {
    let Some(p) = path else { return Ok(vec![]) };
    let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}
