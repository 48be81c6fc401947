//! Typed device errors, so that a module can tell "the unit is rebooting" from "wrong
//! password" from "the device said something we do not understand".

use crate::parse::ParseError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeviceError {
    #[error("cannot reach {host}:{port}: {reason}")]
    Unreachable {
        host: String,
        port: u16,
        reason: String,
    },
    #[error(
        "host key of {host}:{port} is not in {known_hosts} ({fingerprint}); add it (ssh-keyscan -p {port} {host} >> {known_hosts}) or set host_key_checking: false"
    )]
    HostKeyUnknown {
        host: String,
        port: u16,
        fingerprint: String,
        known_hosts: String,
    },
    #[error(
        "HOST KEY CHANGED for {host}:{port}: the device offered {fingerprint}, which differs from line {line} of {known_hosts}; this can be a man-in-the-middle attack or a replaced unit: check it before removing the old entry"
    )]
    HostKeyChanged {
        host: String,
        port: u16,
        fingerprint: String,
        line: usize,
        known_hosts: String,
    },
    #[error("authentication failed for user {user} on {host}:{port} (tried: {tried})")]
    AuthFailed {
        user: String,
        host: String,
        port: u16,
        tried: String,
    },
    #[error(
        "the device asks user {user} to change the password before any command can run; log in by hand once and change it"
    )]
    PasswordChangeRequired { user: String },
    #[error(
        "{what} password was rejected by the device ({seen:?}); not retried, to avoid locking the account"
    )]
    PasswordRejected { what: &'static str, seen: String },
    #[error(
        "timed out after {}s waiting for {waiting_for}; last output seen: {last_seen:?}",
        shown_seconds(*.seconds)
    )]
    Timeout {
        waiting_for: String,
        seconds: f64,
        last_seen: String,
    },
    /// The SSH handshake or login did not finish: the unit is not answering, as when it
    /// reboots.
    #[error("timed out after {}s waiting for SSH {during}", shown_seconds(*.seconds))]
    SshTimeout { during: &'static str, seconds: f64 },
    #[error(
        "the SSH connection dropped while waiting for {waiting_for}; last output seen: {last_seen:?}"
    )]
    Dropped {
        waiting_for: String,
        last_seen: String,
    },
    #[error(
        "more than {bytes} bytes arrived while waiting for {waiting_for}, with no end in sight; last output seen: {last_seen:?}"
    )]
    OutputTooLong {
        waiting_for: String,
        bytes: usize,
        last_seen: String,
    },
    #[error("unexpected prompt: wanted {expected}, the device showed {seen:?}")]
    UnexpectedPrompt { expected: String, seen: String },
    #[error("command {command:?} failed with status {status}: {output}")]
    CommandFailed {
        command: String,
        status: i32,
        output: String,
    },
    #[error("{0}")]
    Parse(#[from] ParseError),
    #[error("SSH error: {0}")]
    Ssh(String),
    #[error(
        "the {what} holds a control character (a newline, a tab, Ctrl-C...): typed into the terminal it would act as a key, not as part of the password; refused before connecting"
    )]
    ControlCharacterInSecret { what: &'static str },
    #[error(
        "the SSH server of {host}:{port} and this client share no {kind} algorithm: a configuration mismatch \
         (a FIPS, Common Criteria or hardened SSH policy on the unit, or a very old image), not a unit that is \
         down. The unit offers {theirs}; this client offers {ours}"
    )]
    AlgorithmMismatch {
        host: String,
        port: u16,
        kind: String,
        ours: String,
        theirs: String,
    },
}

/// A timeout as its option was written: `30` for 30 s, `0.5` for half a second, never `0` for
/// a timeout under a second.
fn shown_seconds(seconds: f64) -> String {
    let text = format!("{seconds:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "0" && seconds > 0.0 {
        seconds.to_string()
    } else {
        text.into()
    }
}

impl DeviceError {
    /// The unit is not answering at all: what a reboot looks like from outside.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            DeviceError::Unreachable { .. }
                | DeviceError::Dropped { .. }
                | DeviceError::SshTimeout { .. }
        )
    }

    /// Errors that no retry can fix: credentials, host keys, SSH algorithms.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            DeviceError::HostKeyUnknown { .. }
                | DeviceError::HostKeyChanged { .. }
                | DeviceError::AuthFailed { .. }
                | DeviceError::PasswordChangeRequired { .. }
                | DeviceError::PasswordRejected { .. }
                | DeviceError::ControlCharacterInSecret { .. }
                | DeviceError::AlgorithmMismatch { .. }
        )
    }
}

/// The last `n` bytes of what the device printed, for error messages.
pub fn tail(text: &str, n: usize) -> String {
    let start = text.len().saturating_sub(n);
    let start = (start..=text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    text[start..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_reads_as_it_was_set() {
        let waited = |seconds| {
            DeviceError::Timeout {
                waiting_for: "the prompt".into(),
                seconds,
                last_seen: String::new(),
            }
            .to_string()
        };
        assert!(waited(30.0).starts_with("timed out after 30s waiting for the prompt"));
        assert!(waited(0.5).starts_with("timed out after 0.5s waiting"));
        assert!(waited(1.25).starts_with("timed out after 1.25s waiting"));
        assert!(waited(0.000001).starts_with("timed out after 0.000001s waiting"));
    }
}
