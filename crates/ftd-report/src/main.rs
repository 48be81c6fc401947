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
