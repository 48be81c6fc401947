//! What a terminal shows of the bytes a PTY sends: escape sequences (colours, bracketed paste
//! `ESC[?2004h`/`ESC[?2004l`, titles) removed, backspaces applied (LINA erases
//! `<--- More --->` with them), text decoded as UTF-8 with invalid bytes dropped (offsets into files
//! are byte counts taken on the device, never counted here). Prompts and
//! markers are matched on this text, never on the raw bytes (domain §10: bash ≥ 5.1 wraps its
//! prompts in bracketed-paste codes). The escape parser is `anstyle-parse` (the VT state
//! machine clap uses), so a sequence split across two SSH packets is still recognised.

use anstyle_parse::{DefaultCharAccumulator, Parser, Perform};

/// Text the terminal shows, built up packet by packet.
#[derive(Default)]
pub struct Screen {
    parser: Parser<DefaultCharAccumulator>,
    text: Collector,
}

#[derive(Default)]
struct Collector(String);

impl Perform for Collector {
    fn print(&mut self, c: char) {
        self.0.push(c);
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\n' | b'\r' | b'\t' => self.0.push(byte as char),
            // Backspace moves left; what follows overwrites. Within the current line only.
            0x08 if self.0.ends_with(|c| c != '\n' && c != '\r') => {
                self.0.pop();
            }
            _ => {}
        }
    }
}

impl Screen {
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.parser.advance(&mut self.text, b);
        }
    }

    pub fn text(&self) -> &str {
        &self.text.0
    }

    pub fn len(&self) -> usize {
        self.text.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.0.is_empty()
    }

    /// Everything shown so far, consumed.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.text.0)
    }
}

/// The clean text of one complete byte string.
pub fn clean(bytes: &[u8]) -> String {
    let mut s = Screen::default();
    s.feed(bytes);
    s.take()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracketed_paste_and_colours_are_removed() {
        let raw = b"ls\r\n\x1b[?2004l\r\x1b[01;31mCisco_FTD_Upgrade-7.2.7-500.sh.REL.tar\x1b[0m\r\n\x1b[?2004hroot@fw:~# ";
        assert_eq!(
            clean(raw),
            "ls\r\n\rCisco_FTD_Upgrade-7.2.7-500.sh.REL.tar\r\nroot@fw:~# "
        );
    }

    #[test]
    fn a_sequence_split_across_packets() {
        let mut s = Screen::default();
        s.feed(b"a\x1b[?20");
        s.feed(b"04hb");
        assert_eq!(s.text(), "ab");
    }

    #[test]
    fn the_pager_erases_its_marker_with_backspaces() {
        let erase = [vec![8u8; 14], vec![b' '; 14], vec![8u8; 14]].concat();
        let raw = [
            b"line 23\r\n<--- More --->".to_vec(),
            erase,
            b"line 24\r\n".to_vec(),
        ]
        .concat();
        assert_eq!(clean(&raw), "line 23\r\nline 24\r\n");
    }

    #[test]
    fn invalid_utf8_is_dropped_not_fatal() {
        assert_eq!(clean(b"a\xffb\r\n"), "ab\r\n");
    }
}
