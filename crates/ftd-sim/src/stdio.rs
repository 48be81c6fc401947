//! One unit's CLI on standard input and output, for a real SSH server's login shell: OpenSSH
//! runs `ftd-sim --stdio` for the user, and the project's client meets the real server FTDs
//! run ("the CiscoSSH stack, which is based on OpenSSH") with the simulator's CLI behind it.
//! The terminal is put in raw mode: the CLI echoes and ends lines itself, as over ftd-sim's
//! own SSH front.

use crate::cli::keys::LineEditor;
use crate::cli::{Output, Terminal};
use crate::model::Sim;
use std::io::{Read, Write};

/// Raw mode on a terminal for as long as it lives; restores the settings on drop.
struct RawMode {
    saved: Option<libc::termios>,
}

impl RawMode {
    fn enter() -> RawMode {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a termios we own; failure (not a tty)
        // leaves the settings alone.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return RawMode { saved: None };
            }
            let saved = t;
            libc::cfmakeraw(&mut t);
            libc::tcsetattr(0, libc::TCSANOW, &t);
            RawMode { saved: Some(saved) }
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(t) = self.saved {
            // SAFETY: restores the settings read in `enter`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &t);
            }
        }
    }
}

pub fn serve(mut sim: Sim, unit: usize) -> std::io::Result<()> {
    let _raw = RawMode::enter();
    let mut terminal = Terminal::new(0, unit);
    let mut out = std::io::stdout().lock();
    let write = |out: &mut std::io::StdoutLock, text: &str| -> std::io::Result<()> {
        out.write_all(text.replace('\n', "\r\n").as_bytes())?;
        out.flush()
    };
    write(&mut out, &terminal.greeting(&sim))?;
    let mut editor = LineEditor::default();
    let mut byte = [0u8; 1];
    while std::io::stdin().read(&mut byte)? == 1 {
        let now = sim.now();
        sim.advance_to(now);
        let (mut outputs, _) = editor.feed(&mut terminal, &mut sim, byte[0]);
        if terminal.take_started_job().is_some() {
            // No network here: a transfer fails as one to an unreachable server does.
            outputs.push(Output::Text("failed: Network is unreachable.\n".into()));
            outputs.extend(terminal.finish_job(&mut sim, 4));
        }
        for o in outputs {
            match o {
                Output::Text(t) => write(&mut out, &t)?,
                Output::Pause(pause) => std::thread::sleep(pause),
                Output::Disconnect => return Ok(()),
            }
        }
    }
    Ok(())
}
