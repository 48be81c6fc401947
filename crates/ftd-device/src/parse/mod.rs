//! Pure parsers of the device's output. Each accepts the quotes of `shared/domain/ftd-cli.md`
//! and the variants a real console adds (`\r\n`, tabs, trailing spaces, banners, another
//! hostname). What they cannot read is an error quoting the first lines, never a default.

pub mod evidence;
pub mod failover_state;
pub mod listing;
pub mod show_failover;
pub mod show_version;
pub mod state;
pub mod status_files;

/// Output that a parser could not read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("could not read {what} from the device output; it began: {excerpt:?}")]
pub struct ParseError {
    pub what: &'static str,
    pub excerpt: String,
}

impl ParseError {
    pub fn new(what: &'static str, text: &str) -> Self {
        let excerpt: String = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(3)
            .collect::<Vec<_>>()
            .join(" | ");
        ParseError {
            what,
            excerpt: excerpt.chars().take(240).collect(),
        }
    }
}

/// `\r\n`, `\r\r\n` (a CRLF file through a PTY) and lone `\r` to `\n`, so that every
/// parser sees plain lines.
pub fn normalize(text: &str) -> String {
    text.replace("\r\r\n", "\n")
        .replace("\r\n", "\n")
        .replace('\r', "\n")
}
