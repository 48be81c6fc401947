//! What may be typed into a unit's terminal. Every value the modules type there (a password at
//! a prompt, a URL, a user name, a known_hosts or PEM line in a command) is checked here, once,
//! before any connection: a control character in it would act as a key, not as text. Ctrl-U
//! erases the line typed so far, so `url: "https://x/p.tar\x15touch /tmp/x #"` would run
//! `touch` as root; ESC starts a sequence the line editor acts on; Ctrl-C, Ctrl-D, a newline
//! end the command early.

/// The first control character of `value` (C0 such as Ctrl-U, ESC, NUL or a newline; DEL; C1),
/// with its position, if any.
pub fn first_control(value: &str) -> Option<(usize, char)> {
    value.char_indices().find(|(_, c)| c.is_control())
}

/// Refuses a value that holds a control character, naming the option (`what`) and the
/// character, never the value itself (it may be a password).
pub fn typed_text(what: &str, value: &str) -> Result<(), String> {
    match first_control(value) {
        None => Ok(()),
        Some((at, c)) => Err(format!(
            "{what} holds a control character (U+{:04X} at character {}): typed into the unit's \
             terminal it would act as a key, not as text; refused before connecting",
            c as u32,
            value[..at].chars().count() + 1
        )),
    }
}

/// Each line of a multi-line value (PEM text, known_hosts lines) typed on its own: line
/// breaks (`\n`, `\r\n`) separate lines, any other control character is refused.
pub fn typed_lines(what: &str, value: &str) -> Result<(), String> {
    value.lines().try_for_each(|line| typed_text(what, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every C0 character, DEL, every C1 character, and an ESC sequence.
    fn every_control() -> Vec<String> {
        (0u32..0x20)
            .chain([0x7f])
            .chain(0x80..0xa0)
            .map(|c| char::from_u32(c).unwrap().to_string())
            .chain(["\x1b[200~".to_string(), "\x1b]0;x\x07".to_string()])
            .collect()
    }

    #[test]
    fn every_control_character_is_refused_and_named_not_shown() {
        for c in every_control() {
            let value = format!("https://pkgs.example/p.tar{c}touch /tmp/PWNED #");
            let e = typed_text("url", &value).unwrap_err();
            assert!(e.starts_with("url holds a control character (U+"), "{e}");
            assert!(
                !e.contains("PWNED"),
                "the value is never in the message: {e}"
            );
        }
        assert!(typed_text("url", "https://pkgs.example/a b?x=1&y=é").is_ok());
    }

    #[test]
    fn lines_may_be_separated_by_line_breaks_only() {
        let pem = "-----BEGIN CERTIFICATE-----\r\nMIIB\nabc==\n-----END CERTIFICATE-----\n";
        assert!(typed_lines("url_ca", pem).is_ok());
        for c in every_control().into_iter().filter(|c| c != "\n") {
            let value = format!("-----BEGIN CERTIFICATE-----\nMI{c}IB\n");
            // A lone CR at a line's end is part of a CRLF break; inside a line it is refused.
            assert!(typed_lines("url_ca", &value).is_err(), "{c:?}");
        }
    }
}
