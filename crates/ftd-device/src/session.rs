//! The CLI session of one unit: knows which mode it is in and moves between modes by the
//! device's own commands, reading to the device's own prompts (domain §1):
//!
//! ```text
//! CLISH ">" --expert--> admin "$" --sudo su--> root "#"
//!   \--system support diagnostic-cli--> LINA "firepower>" --enable--> LINA "firepower#"
//! ```

use crate::error::{DeviceError, tail};
use crate::prompt::{Prompt, after_echo, detect, hostname_of, prompt_line};
use crate::transport::{ConnectOptions, Shell};
use once_cell::sync::Lazy;
use regex::Regex;
use std::time::Duration;
use zeroize::Zeroizing;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Clish,
    Expert,
    Root,
    LinaExec,
    LinaEnable,
}

impl Mode {
    fn prompt(self) -> Prompt {
        match self {
            Mode::Clish => Prompt::Clish,
            Mode::Expert => Prompt::Expert,
            Mode::Root => Prompt::Root,
            Mode::LinaExec => Prompt::LinaExec,
            Mode::LinaEnable => Prompt::LinaEnable,
        }
    }
}

pub struct CliSession {
    shell: Shell,
    mode: Mode,
    hostname: String,
    sudo_password: Zeroizing<String>,
    enable_password: Zeroizing<String>,
    command_timeout: Duration,
    /// Numbers the frames of root commands.
    frames: u64,
    /// What the last mode step showed, for an error message.
    last_seen: String,
    last_prompt_line: String,
    /// The login banner, as printed before the first prompt.
    pub banner: String,
}

/// Secrets the session needs beyond the SSH login.
#[derive(Clone)]
pub struct Escalation {
    pub sudo_password: Zeroizing<String>,
    pub enable_password: Zeroizing<String>,
}

/// One login value: how to reach the unit (its jump host included) and the secrets of
/// `sudo su` and `enable`. Built once at the module's edge and passed down by reference;
/// every session and every reconnection opens from it.
#[derive(Clone)]
pub struct Login {
    pub options: ConnectOptions,
    pub escalation: Escalation,
}

impl Login {
    /// A new session on the unit.
    pub async fn open(&self) -> Result<CliSession, DeviceError> {
        CliSession::login(&self.options, self.escalation.clone()).await
    }
}

/// Frames every root command: `echo __FTD''B<n>` before it and `echo __FTD''E<n>_$?` after.
/// The shell prints `__FTDB<n>` on a line of its own and `__FTDE<n>_<status>` after the
/// command's output (on the same line when the output does not end in a newline, as a
/// half-written file does); the echo of the command line (showing the quotes and `$?`) never
/// matches either. Whatever else reaches the terminal before, between or after (an
/// installer's chatter, a wall message) is outside the frame.
static FRAME_BEGIN: Lazy<Regex> = Lazy::new(|| Regex::new(r"(?m)^\r*__FTDB(\d+)\r*$").unwrap());
static FRAME_END: Lazy<Regex> = Lazy::new(|| Regex::new(r"__FTDE(\d+)_(\d+)").unwrap());

impl CliSession {
    /// Logs in and reads the banner up to the first CLISH prompt.
    pub async fn login(
        opts: &ConnectOptions,
        escalation: Escalation,
    ) -> Result<CliSession, DeviceError> {
        let secrets = [
            ("login password", opts.password.as_ref().map(|p| p.as_str())),
            ("sudo password", Some(escalation.sudo_password.as_str())),
            ("enable password", Some(escalation.enable_password.as_str())),
        ];
        for (what, secret) in secrets {
            if secret.is_some_and(|p| crate::typed::first_control(p).is_some()) {
                return Err(DeviceError::ControlCharacterInSecret { what });
            }
        }
        let mut shell = Shell::open(opts).await?;
        let banner = shell
            .read_until(
                "the first CLISH prompt after login",
                opts.connect_timeout.max(Duration::from_secs(5)),
                |t| {
                    matches!(
                        detect(t),
                        Some(Prompt::Clish) | Some(Prompt::PasswordChange)
                    )
                },
            )
            .await?;
        if detect(&banner) == Some(Prompt::PasswordChange) {
            shell.close().await;
            return Err(DeviceError::PasswordChangeRequired {
                user: opts.username.clone(),
            });
        }
        Ok(CliSession {
            shell,
            mode: Mode::Clish,
            hostname: String::new(),
            sudo_password: escalation.sudo_password,
            enable_password: escalation.enable_password,
            command_timeout: opts.command_timeout,
            frames: 0,
            last_seen: String::new(),
            last_prompt_line: String::new(),
            banner,
        })
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The hostname from the last expert/root/LINA prompt seen (empty before one was seen).
    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    pub fn bytes_read(&self) -> u64 {
        self.shell.bytes_read
    }

    pub fn host_key_warning(&self) -> Option<&str> {
        self.shell.host_key_warning.as_deref()
    }

    /// A command at the CLISH `>` prompt; returns its output without echo and prompt.
    pub async fn clish(&mut self, command: &str) -> Result<String, DeviceError> {
        self.goto(Mode::Clish).await?;
        self.run_in_mode(command, self.command_timeout).await
    }

    /// A command in LINA privileged mode (`failover active` needs it).
    pub async fn lina(&mut self, command: &str) -> Result<String, DeviceError> {
        self.goto(Mode::LinaEnable).await?;
        self.run_in_mode(command, self.command_timeout).await
    }

    /// Types `command` in the root shell between the markers of a new frame; its number.
    async fn send_framed(&mut self, command: &str) -> Result<u64, DeviceError> {
        self.goto(Mode::Root).await?;
        self.frames += 1;
        let n = self.frames;
        let line = format!("echo __FTD''B{n}; {command}; echo __FTD''E{n}_$?");
        self.shell.discard_unsolicited().await;
        self.shell.send(&format!("{line}\n")).await?;
        Ok(n)
    }

    /// A command in the root shell; returns its output and exit status, cut from the stream
    /// between the frame markers (see [`FRAME_BEGIN`]).
    pub async fn root(&mut self, command: &str) -> Result<(String, i32), DeviceError> {
        let n = self.send_framed(command).await?;
        // The end marker's line is the end: the prompt that follows may be split by text
        // another process writes to the terminal (a detached installer), and whatever
        // arrives after the frame is discarded, or ignored by the next command's frame.
        let text = self
            .shell
            .read_until(
                &format!("the end of {command:?}"),
                self.command_timeout,
                |t| frame(t, n).is_some(),
            )
            .await?;
        let f = frame(&text, n).expect("read_until returned once the frame was complete");
        if let Some((_, at)) = prompt_line(&text, f.end, |p| *p == Prompt::Root) {
            self.remember_hostname(&text[at..]);
        }
        Ok((f.body, f.status))
    }

    /// A long root command that may ask for a password (`wget --ask-password`, `scp`):
    /// each prompt ending in `password:` (any case) after the command's start is answered
    /// with `secret`, at most three times; waits up to `limit` for the end. The secret is
    /// typed where the unit does not echo it.
    pub async fn root_answering(
        &mut self,
        command: &str,
        secret: Option<&str>,
        limit: Duration,
    ) -> Result<(String, i32), DeviceError> {
        let n = self.send_framed(command).await?;
        let deadline = tokio::time::Instant::now() + limit;
        let waiting_for = format!("the end of {command:?}");
        let mut text = String::new();
        let mut answered = 0;
        let mut answered_at = 0;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let chunk = self
                .shell
                .read_until(&waiting_for, left, |t| {
                    let all = format!("{text}{t}");
                    frame(&all, n).is_some()
                        || (secret.is_some() && answered < 3 && asks_password(&all[answered_at..]))
                })
                .await?;
            text.push_str(&chunk);
            if let Some(f) = frame(&text, n) {
                return Ok((f.body, f.status));
            }
            if let Some(secret) = secret {
                self.shell.send(&format!("{secret}\n")).await?;
                answered += 1;
                answered_at = text.len();
            }
        }
    }

    /// A file's content read as root, or None when it does not exist (or cannot be read).
    pub async fn read_file(&mut self, path: &str) -> Result<Option<String>, DeviceError> {
        let (text, status) = self.root(&format!("cat {path} 2>/dev/null")).await?;
        Ok((status == 0).then_some(text))
    }

    /// A root command that must succeed.
    pub async fn root_ok(&mut self, command: &str) -> Result<String, DeviceError> {
        let (out, status) = self.root(command).await?;
        if status != 0 {
            return Err(DeviceError::CommandFailed {
                command: command.into(),
                status,
                output: tail(&out, 300),
            });
        }
        Ok(out)
    }

    /// Sends a line and reads to this mode's prompt, paging through `<--- More --->`. The
    /// answer is what lies between the echo of the command and the prompt's line: text before
    /// the echo or after the prompt (LINA prints some after it) is not part of it.
    async fn run_in_mode(&mut self, command: &str, limit: Duration) -> Result<String, DeviceError> {
        let want = self.mode.prompt();
        let waiting_for = format!("the prompt after {command:?}");
        let (_, text, body, prompt_at) = self
            .exchange(command, Some(command), &waiting_for, limit, |p| *p == want)
            .await?;
        self.remember_hostname(&text[prompt_at..]);
        Ok(text[body..prompt_at].replace("\r\n", "\n"))
    }

    /// Types `line` and reads until a prompt `accept` takes shows on a line of its own after
    /// the echo of `echo` (no echo: a password). Pages through `<--- More --->`. Returns the
    /// prompt, the text, where the answer starts and where the prompt's line starts.
    async fn exchange(
        &mut self,
        line: &str,
        echo: Option<&str>,
        waiting_for: &str,
        limit: Duration,
        accept: impl Fn(&Prompt) -> bool,
    ) -> Result<(Prompt, String, usize, usize), DeviceError> {
        self.shell.discard_unsolicited().await;
        self.shell.send(&format!("{line}\n")).await?;
        let start = |t: &str| match echo {
            Some(e) => after_echo(t, e),
            None => Some(0),
        };
        let find = |t: &str| {
            let from = start(t)?;
            prompt_line(t, from, |p| accept(p) || *p == Prompt::More).map(|(p, at)| (p, from, at))
        };
        let mut text = String::new();
        loop {
            let chunk = self
                .shell
                .read_until(waiting_for, limit, |t| {
                    let all = format!("{text}{t}");
                    find(&all).is_some()
                })
                .await?;
            text.push_str(&chunk);
            let (p, from, at) = find(&text).expect("read_until returned once a prompt showed");
            if p != Prompt::More {
                return Ok((p, text, from, at));
            }
            // Drop the marker line and ask for the next page.
            text.truncate(at.max(from));
            self.shell.send(" ").await?;
        }
    }

    /// The hostname of the prompt line that starts `prompt_line`.
    fn remember_hostname(&mut self, prompt_line: &str) {
        let line = prompt_line.lines().next().unwrap_or_default();
        let line = line.rsplit('\r').next().unwrap_or(line);
        if self.mode != Mode::Clish
            && let Some(h) = hostname_of(line)
        {
            self.hostname = h;
        }
    }

    /// Moves to `target` one step at a time, through CLISH when changing branch.
    pub async fn goto(&mut self, target: Mode) -> Result<(), DeviceError> {
        while self.mode != target {
            let step = match (self.mode, target) {
                (Mode::Clish, Mode::Expert | Mode::Root) => Step::Expert,
                (Mode::Clish, Mode::LinaExec | Mode::LinaEnable) => Step::DiagnosticCli,
                (Mode::Expert, Mode::Root) => Step::SudoSu,
                (Mode::LinaExec, Mode::LinaEnable) => Step::Enable,
                (Mode::Root, _) => Step::Exit(Mode::Expert),
                (Mode::Expert, _) => Step::Exit(Mode::Clish),
                (Mode::LinaEnable, _) => Step::Exit(Mode::LinaExec),
                (Mode::LinaExec, _) => Step::Exit(Mode::Clish),
                (Mode::Clish, Mode::Clish) => unreachable!("loop ends when modes are equal"),
            };
            self.take(step).await?;
        }
        Ok(())
    }

    async fn take(&mut self, step: Step) -> Result<(), DeviceError> {
        let limit = self.command_timeout;
        match step {
            Step::Expert => self.enter("expert", Mode::Expert).await,
            Step::DiagnosticCli => {
                self.enter("system support diagnostic-cli", Mode::LinaExec)
                    .await
            }
            Step::Exit(to) => self.enter("exit", to).await,
            Step::SudoSu => {
                let seen = self
                    .step_prompt("sudo su", "sudo's Password: prompt")
                    .await?;
                if seen == Prompt::Root {
                    self.mode = Mode::Root; // sudo did not ask (cached credentials)
                    return Ok(());
                }
                self.expect(seen, Prompt::Password, "sudo's Password: prompt")?;
                let password = self.sudo_password.clone();
                self.answer_password(&password, Mode::Root, "sudo").await
            }
            Step::Enable => {
                let seen = self
                    .step_prompt("enable", "enable's Password: prompt")
                    .await?;
                if seen == Prompt::LinaEnable {
                    self.mode = Mode::LinaEnable;
                } else {
                    self.expect(seen, Prompt::Password, "enable's Password: prompt")?;
                    let password = self.enable_password.clone();
                    self.answer_password(&password, Mode::LinaEnable, "enable")
                        .await?;
                }
                // Without this LINA pages long output with <--- More --->.
                self.run_in_mode("terminal pager 0", limit)
                    .await
                    .map(|_| ())
            }
        }
    }

    /// Types a command that changes mode; returns the first prompt shown after its echo.
    async fn step_prompt(
        &mut self,
        command: &str,
        waiting_for: &str,
    ) -> Result<Prompt, DeviceError> {
        let limit = self.command_timeout;
        let (p, text, _, at) = self
            .exchange(command, Some(command), waiting_for, limit, |_| true)
            .await?;
        self.last_seen = tail(&text, 200);
        self.last_prompt_line = text[at..].to_string();
        Ok(p)
    }

    /// Types a password; a second `Password:` means it was rejected: cancel, never retry.
    async fn answer_password(
        &mut self,
        password: &str,
        to: Mode,
        what: &'static str,
    ) -> Result<(), DeviceError> {
        let waiting_for = format!("the prompt after the {what} password");
        let (seen, text, _, at) = self
            .exchange(password, None, &waiting_for, self.command_timeout, |_| true)
            .await?;
        let rejected = || DeviceError::PasswordRejected {
            what,
            seen: tail(text.trim(), 80),
        };
        match seen {
            p if p == to.prompt() => {
                self.mode = to;
                self.remember_hostname(&text[at..]);
                Ok(())
            }
            Prompt::Password => {
                let error = rejected();
                self.shell.send("\x03").await?;
                let _ = self
                    .shell
                    .read_until("the prompt after cancelling", self.command_timeout, |t| {
                        prompt_line(t, 0, |p| *p != Prompt::Password).is_some()
                    })
                    .await;
                Err(error)
            }
            other => {
                let error = rejected();
                self.resync(other);
                Err(error)
            }
        }
    }

    async fn enter(&mut self, command: &str, to: Mode) -> Result<(), DeviceError> {
        let seen = self
            .step_prompt(command, &format!("the prompt after {command:?}"))
            .await?;
        self.expect(
            seen,
            to.prompt(),
            &format!("{to:?} prompt after {command:?}"),
        )?;
        self.mode = to;
        let line = std::mem::take(&mut self.last_prompt_line);
        self.remember_hostname(&line);
        Ok(())
    }

    fn expect(&mut self, seen: Prompt, want: Prompt, expected: &str) -> Result<(), DeviceError> {
        if seen == want {
            return Ok(());
        }
        self.resync(seen);
        Err(DeviceError::UnexpectedPrompt {
            expected: expected.into(),
            seen: std::mem::take(&mut self.last_seen),
        })
    }

    /// After a surprise, believe the prompt the device shows.
    fn resync(&mut self, seen: Prompt) {
        self.mode = match seen {
            Prompt::Clish => Mode::Clish,
            Prompt::Expert => Mode::Expert,
            Prompt::Root => Mode::Root,
            Prompt::LinaExec => Mode::LinaExec,
            Prompt::LinaEnable => Mode::LinaEnable,
            _ => self.mode,
        };
    }

    pub async fn close(mut self) {
        // Leave the unit the way an operator would: back at CLISH, then log out.
        let _ = tokio::time::timeout(Duration::from_secs(3), self.goto(Mode::Clish)).await;
        self.shell.close().await;
    }
}

enum Step {
    Expert,
    DiagnosticCli,
    SudoSu,
    Enable,
    Exit(Mode),
}

/// The text ends with a password prompt (`user@host's password: `, `Password for user 'u': `).
fn asks_password(text: &str) -> bool {
    let last = text.rsplit(['\n', '\r']).next().unwrap_or_default();
    let last = last.trim().to_ascii_lowercase();
    last.ends_with("password:") || (last.starts_with("password for user ") && last.ends_with(':'))
}

/// A root command's frame in the text read: its output, exit status, and where it ends.
#[derive(Debug, PartialEq)]
struct Frame {
    body: String,
    status: i32,
    end: usize,
}

/// Finds the frame of command `n` (see [`FRAME_BEGIN`]); None until its end marker's line
/// arrived whole.
fn frame(text: &str, n: u64) -> Option<Frame> {
    let number = |c: &regex::Captures| c[1].parse::<u64>().ok() == Some(n);
    let begin = FRAME_BEGIN.captures_iter(text).find(number)?.get(0)?.end();
    let from = text[begin..]
        .find('\n')
        .map_or(text.len(), |i| begin + i + 1);
    let end = FRAME_END.captures_iter(&text[from..]).find(number)?;
    let marker = end.get(0)?;
    let after = from + marker.end();
    // Complete once the marker's line ended (the status digits are all there).
    let line_end = after + text[after..].find('\n')? + 1;
    Some(Frame {
        body: text[from..from + marker.start()].to_string(),
        status: end[2].parse().unwrap_or(-1),
        end: line_end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_ignores_what_surrounds_it() {
        let text = "echo __FTD''B3; cat x; echo __FTD''E3_$?\r\n\r__FTDB3\r\n{\"a\": 1}\r\n__FTDE3_0\r\nroot@fw:~# \r\nBroadcast message from root@fw\r\n";
        let f = frame(text, 3).unwrap();
        assert_eq!((f.body.as_str(), f.status), ("{\"a\": 1}\r\n", 0));
        assert!(text[f.end..].starts_with("root@fw:~# "));
        assert_eq!(frame(text, 2), None, "another command's frame");
        assert_eq!(
            frame("echo __FTD''B1; x; echo __FTD''E1_$?\r\n__FTDB1\r\n", 1),
            None
        );
    }

    #[test]
    fn output_without_a_final_newline() {
        let text = "__FTDB4\r\n{\"upgradeStatus\": {\"st__FTDE4_0\r\nroot@fw:~# ";
        let f = frame(text, 4).unwrap();
        assert_eq!(
            (f.body.as_str(), f.status),
            ("{\"upgradeStatus\": {\"st", 0)
        );
        assert_eq!(
            frame("__FTDB1\r\nx\r\n__FTDE1_12", 1),
            None,
            "status digits may follow"
        );
    }

    #[test]
    fn password_prompts_are_seen_at_the_end_only() {
        assert!(asks_password("Password for user 'pkg': "));
        assert!(asks_password("\r\nftp@10.0.0.5's password: "));
        assert!(!asks_password(
            "wget --ask-password --user=pkg http://x/a.tar\r\n"
        ));
        assert!(!asks_password("Password: ok\r\nsaved"));
    }

    #[test]
    fn chatter_between_frames_is_outside() {
        let text = "Verifying archive integrity... All good.\r\n__FTDB9\r\n4096\r\n__FTDE9_0\r\nDevice is FMC Managed\r\nroot@fw:/# ";
        let f = frame(text, 9).unwrap();
        assert_eq!(f.body, "4096\r\n");
    }
}
