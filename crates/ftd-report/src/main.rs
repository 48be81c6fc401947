//! `ftd-upgrade`: the operator's view of an upgrade run.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "ftd-upgrade", about = "Follow and summarise FTD HA upgrades run by the ftd.ha_upgrade modules")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
        Command::Watch { journal, interval, timeout, plain } => {
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
            let text = std::fs::read_to_string(&journal).with_context(|| format!("reading {}", journal.display()))?;
            let spans = ftd_report::journal::spans(&ftd_report::journal::read(&text));
            let summaries: Vec<serde_json::Value> = match events {
                Some(p) => std::fs::read_to_string(&p)
                    .with_context(|| format!("reading {}", p.display()))?
                    .lines()
                    .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                    .filter(|e| e["event"] == "summary")
                    .collect(),
                None => vec![],
            };
            print!("{}", ftd_report::summary::render(&spans, &summaries));
        }
    }
    Ok(())
}
