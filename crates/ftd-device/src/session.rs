//! The CLI session of one unit: knows which mode it is in and moves between modes by the
//! device's own commands, reading to the device's own prompts (domain §1):
//!
//! ```text
//! CLISH ">" --expert--> admin "$" --sudo su--> root "#"
//!   \--system support diagnostic-cli--> LINA "firepower>" --enable--> LINA "firepower#"
//! ```

use crate::error::{DeviceError, tail};
use crate::prompt::{Prompt, detect, hostname_of, last_line};
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
    /// The login banner, as printed before the first prompt.
    pub banner: String,
}

/// Secrets the session needs beyond the SSH login.
pub struct Escalation {
    pub sudo_password: Zeroizing<String>,
    pub enable_password: Zeroizing<String>,
}

/// Appended to every root command; the echo of the command line shows `$?`, never digits.
static RC_MARKER: Lazy<Regex> = Lazy::new(|| Regex::new(r"__FTD_RC=(\d+)").unwrap());

impl CliSession {
    /// Logs in and reads the banner up to the first CLISH prompt.
    pub async fn login(
        opts: &ConnectOptions,
        escalation: Escalation,
    ) -> Result<CliSession, DeviceError> {
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

    /// A command in the root shell; returns its output and exit status.
    pub async fn root(&mut self, command: &str) -> Result<(String, i32), DeviceError> {
        self.goto(Mode::Root).await?;
        let line = format!("{command}; echo __FTD_RC=$?");
        let out = self.run_in_mode(&line, self.command_timeout).await?;
        let marker =
            RC_MARKER
                .captures_iter(&out)
                .last()
                .ok_or_else(|| DeviceError::UnexpectedPrompt {
                    expected: "the exit status marker".into(),
                    seen: tail(&out, 200),
                })?;
        let status = marker[1].parse().unwrap_or(-1);
        // Everything before the marker, byte for byte: followers count offsets in it.
        let body = out[..marker.get(0).unwrap().start()].to_string();
        Ok((body, status))
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

    /// Sends a line and reads to this mode's prompt, paging through `<--- More --->`.
    async fn run_in_mode(&mut self, command: &str, limit: Duration) -> Result<String, DeviceError> {
        self.shell.send(&format!("{command}\n")).await?;
        let want = self.mode.prompt();
        let mut collected = String::new();
        loop {
            let chunk = self
                .shell
                .read_until(
                    &format!("the prompt after {command:?}"),
                    limit,
                    |t| matches!(detect(t), Some(p) if p == want || p == Prompt::More),
                )
                .await?;
            if detect(&chunk) == Some(Prompt::More) {
                collected.push_str(chunk.trim_end().trim_end_matches("<--- More --->"));
                self.shell.send(" ").await?;
                continue;
            }
            collected.push_str(&chunk);
            break;
        }
        self.remember_hostname(&collected);
        Ok(strip_echo_and_prompt(&collected, command))
    }

    fn remember_hostname(&mut self, text: &str) {
        if self.mode != Mode::Clish
            && let Some(h) = hostname_of(last_line(text))
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
                self.shell.send("sudo su\n").await?;
                let seen = self.read_prompt("sudo's Password: prompt", limit).await?;
                if detect(&seen) == Some(Prompt::Root) {
                    self.mode = Mode::Root; // sudo did not ask (cached credentials)
                    return Ok(());
                }
                self.expect(&seen, Prompt::Password, "sudo's Password: prompt")?;
                let password = self.sudo_password.clone();
                self.answer_password(&password, Mode::Root, "sudo").await
            }
            Step::Enable => {
                self.shell.send("enable\n").await?;
                let seen = self.read_prompt("enable's Password: prompt", limit).await?;
                if detect(&seen) == Some(Prompt::LinaEnable) {
                    self.mode = Mode::LinaEnable;
                } else {
                    self.expect(&seen, Prompt::Password, "enable's Password: prompt")?;
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

    /// Types a password; a second `Password:` means it was rejected: cancel, never retry.
    async fn answer_password(
        &mut self,
        password: &str,
        to: Mode,
        what: &'static str,
    ) -> Result<(), DeviceError> {
        self.shell.send(&format!("{password}\n")).await?;
        let seen = self
            .read_prompt(
                &format!("the prompt after the {what} password"),
                self.command_timeout,
            )
            .await?;
        match detect(&seen) {
            Some(p) if p == to.prompt() => {
                self.mode = to;
                self.remember_hostname(&seen);
                Ok(())
            }
            Some(Prompt::Password) => {
                self.shell.send("\x03").await?;
                let _ = self
                    .read_prompt("the prompt after cancelling", self.command_timeout)
                    .await;
                Err(DeviceError::PasswordRejected {
                    what,
                    seen: tail(seen.trim(), 80),
                })
            }
            _ => {
                let error = DeviceError::PasswordRejected {
                    what,
                    seen: tail(seen.trim(), 80),
                };
                self.resync(&seen);
                Err(error)
            }
        }
    }

    async fn enter(&mut self, command: &str, to: Mode) -> Result<(), DeviceError> {
        self.shell.send(&format!("{command}\n")).await?;
        let seen = self
            .read_prompt(
                &format!("the prompt after {command:?}"),
                self.command_timeout,
            )
            .await?;
        self.expect(
            &seen,
            to.prompt(),
            &format!("{to:?} prompt after {command:?}"),
        )?;
        self.mode = to;
        self.remember_hostname(&seen);
        Ok(())
    }

    async fn read_prompt(
        &mut self,
        waiting_for: &str,
        limit: Duration,
    ) -> Result<String, DeviceError> {
        self.shell
            .read_until(waiting_for, limit, |t| detect(t).is_some())
            .await
    }

    fn expect(&mut self, seen: &str, want: Prompt, expected: &str) -> Result<(), DeviceError> {
        if detect(seen) == Some(want) {
            return Ok(());
        }
        self.resync(seen);
        Err(DeviceError::UnexpectedPrompt {
            expected: expected.into(),
            seen: tail(seen, 200),
        })
    }

    /// After a surprise, believe the prompt the device shows.
    fn resync(&mut self, seen: &str) {
        self.mode = match detect(seen) {
            Some(Prompt::Clish) => Mode::Clish,
            Some(Prompt::Expert) => Mode::Expert,
            Some(Prompt::Root) => Mode::Root,
            Some(Prompt::LinaExec) => Mode::LinaExec,
            Some(Prompt::LinaEnable) => Mode::LinaEnable,
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

/// Drops the echoed command line (first line) and the prompt (last line).
pub fn strip_echo_and_prompt(text: &str, command: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "");
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last().is_some_and(|l| detect(l).is_some()) {
        lines.pop();
    }
    if lines
        .first()
        .is_some_and(|l| l.trim_end().ends_with(command.trim()) || l.trim().is_empty())
    {
        lines.remove(0);
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_echo_and_prompt() {
        let raw = "show version\r\n-----[ fw ]-----\r\nModel : x\r\n> ";
        assert_eq!(
            strip_echo_and_prompt(raw, "show version"),
            "-----[ fw ]-----\nModel : x"
        );
    }
}
