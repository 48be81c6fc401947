//! What a PTY does with typed bytes: echo (not for passwords), backspace, Ctrl-C, and a line
//! on Enter. Shared by the SSH front and the stdio mode.

use super::{Mode, Output, Terminal};
use crate::model::Sim;

/// A line the user entered, for the event log (passwords are never kept).
#[derive(Debug, Clone, PartialEq)]
pub struct Typed {
    pub mode: Mode,
    /// None for a password.
    pub command: Option<String>,
    /// Bytes the unit answered with.
    pub bytes_out: usize,
}

#[derive(Debug, Default)]
pub struct LineEditor {
    line: Vec<u8>,
    last_cr: bool,
}

impl LineEditor {
    pub fn feed(
        &mut self,
        terminal: &mut Terminal,
        sim: &mut Sim,
        byte: u8,
    ) -> (Vec<Output>, Option<Typed>) {
        if terminal.wants_key() {
            return (terminal.key(sim, byte), None);
        }
        let last_cr = std::mem::replace(&mut self.last_cr, byte == b'\r');
        match byte {
            b'\n' if last_cr => (vec![], None),
            b'\r' | b'\n' => {
                let text = String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
                let secret = terminal.secret_input();
                let mode = terminal.mode();
                let answer = terminal.line(sim, &text);
                let bytes_out = answer
                    .iter()
                    .map(|o| if let Output::Text(t) = o { t.len() } else { 0 })
                    .sum();
                let mut out = vec![Output::Text("\n".into())];
                out.extend(answer);
                (
                    out,
                    Some(Typed {
                        mode,
                        command: (!secret).then_some(text),
                        bytes_out,
                    }),
                )
            }
            3 => {
                self.line.clear();
                (terminal.interrupt(sim), None)
            }
            0x7f | 0x08 => {
                let erased = self.line.pop().is_some() && !terminal.secret_input();
                (
                    if erased {
                        vec![Output::Text("\u{8} \u{8}".into())]
                    } else {
                        vec![]
                    },
                    None,
                )
            }
            _ => {
                self.line.push(byte);
                let echo = !terminal.secret_input();
                (
                    if echo {
                        vec![Output::Text(String::from_utf8_lossy(&[byte]).into_owned())]
                    } else {
                        vec![]
                    },
                    None,
                )
            }
        }
    }
}
