//! The device's prompts (domain §1), all in one place. Matching is anchored to the last line
//! of what was read, never a substring anywhere: `firepower#` inside output is not a prompt.

use once_cell::sync::Lazy;
use regex::Regex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// `> ` — the admin login shell.
    Clish,
    /// `admin@firepower:~$ ` — any path.
    Expert,
    /// `root@firepower:/home/admin# ` — any path.
    Root,
    /// `firepower> ` — LINA diagnostic CLI, unprivileged.
    LinaExec,
    /// `firepower# ` — LINA privileged.
    LinaEnable,
    /// `Password:` (sudo, enable).
    Password,
    /// `<--- More --->` — LINA's pager.
    More,
    /// First login of a new user: `Enter new password:`.
    PasswordChange,
}

static EXPERT: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+:[^\s]*\$\s?$").unwrap());
static ROOT: Lazy<Regex> = Lazy::new(|| Regex::new(r"^root@[A-Za-z0-9._-]+:[^\s]*#\s?$").unwrap());
static LINA_EXEC: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^[A-Za-z0-9._-]+(\([a-z-]+\))?>\s?$").unwrap());
static LINA_ENABLE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^[A-Za-z0-9._-]+(\([a-z-]+\))?#\s?$").unwrap());

/// The last line of `buffer`, without the line ending a PTY adds.
pub fn last_line(buffer: &str) -> &str {
    let trimmed = buffer.trim_end_matches(['\r', '\n']);
    // A buffer that ends in a newline has no prompt on its last line.
    if trimmed.len() != buffer.len() {
        return "";
    }
    buffer.rsplit(['\n', '\r']).next().unwrap_or(buffer)
}

/// Which prompt, if any, the buffer ends with.
pub fn detect(buffer: &str) -> Option<Prompt> {
    let line = last_line(buffer);
    let bare = line.trim_end_matches(' ');
    if bare.is_empty() {
        return None;
    }
    if bare == ">" {
        return Some(Prompt::Clish);
    }
    if bare.ends_with("<--- More --->") {
        return Some(Prompt::More);
    }
    if bare.ends_with("Enter new password:") || bare.ends_with("New password:") {
        return Some(Prompt::PasswordChange);
    }
    if bare.ends_with("Password:") || bare.ends_with("password:") {
        return Some(Prompt::Password);
    }
    if ROOT.is_match(line) {
        return Some(Prompt::Root);
    }
    if EXPERT.is_match(line) {
        return Some(Prompt::Expert);
    }
    if LINA_ENABLE.is_match(line) {
        return Some(Prompt::LinaEnable);
    }
    if LINA_EXEC.is_match(line) {
        return Some(Prompt::LinaExec);
    }
    None
}

/// Lines of `text` from byte `from`: (start, end without the line ending, whether complete).
fn lines_from(text: &str, from: usize) -> impl Iterator<Item = (usize, &str, bool)> {
    let mut at = from.min(text.len());
    std::iter::from_fn(move || {
        if at >= text.len() {
            return None;
        }
        let rest = &text[at..];
        let (line, complete) = match rest.find('\n') {
            Some(i) => (&rest[..i], true),
            None => (rest, false),
        };
        let start = at;
        at += line.len() + usize::from(complete);
        Some((start, line.trim_end_matches('\r'), complete))
    })
}

/// Where the echo of `command` ends in `text`: after the first line that ends with it.
pub fn after_echo(text: &str, command: &str) -> Option<usize> {
    let command = command.trim();
    lines_from(text, 0)
        .find(|(_, line, complete)| *complete && line.trim_end().ends_with(command))
        .map(|(start, line, _)| {
            let end = start + line.len();
            text[end..].find('\n').map_or(text.len(), |i| end + i + 1)
        })
}

/// The first line at or after byte `from` that shows a prompt `accept` takes, complete or
/// not: text may follow a prompt (LINA's `Switching to Active`, a warning), and a prompt
/// line is matched as a whole line, never as a substring. Returns the prompt and the byte
/// where its line starts.
pub fn prompt_line(
    text: &str,
    from: usize,
    accept: impl Fn(&Prompt) -> bool,
) -> Option<(Prompt, usize)> {
    lines_from(text, from).find_map(|(start, line, _)| {
        let p = detect(line)?;
        accept(&p).then_some((p, start))
    })
}

/// The hostname shown in a prompt (`root@fw-a:~#` → `fw-a`), when it shows one.
pub fn hostname_of(line: &str) -> Option<String> {
    let line = line.trim();
    if let Some((_, rest)) = line.split_once('@') {
        return rest.split(':').next().map(String::from);
    }
    let name = line.trim_end_matches(['#', '>', ' ']);
    (!name.is_empty()).then(|| name.split('(').next().unwrap_or(name).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prompt_of_the_domain_file() {
        assert_eq!(detect("banner\r\n\r\n> "), Some(Prompt::Clish));
        assert_eq!(detect("admin@firepower:~$ "), Some(Prompt::Expert));
        assert_eq!(
            detect("x\r\nroot@firepower:/home/admin# "),
            Some(Prompt::Root)
        );
        assert_eq!(
            detect("root@firepower:/ngfw/var/sf/updates# "),
            Some(Prompt::Root)
        );
        assert_eq!(detect("root@firepower:cores# "), Some(Prompt::Root));
        assert_eq!(
            detect("admin@fw-site7.example:/mnt/boot$ "),
            Some(Prompt::Expert)
        );
        assert_eq!(detect("Type help\r\nfirepower> "), Some(Prompt::LinaExec));
        assert_eq!(detect("firepower# "), Some(Prompt::LinaEnable));
        assert_eq!(detect("lecture\r\nPassword: "), Some(Prompt::Password));
        assert_eq!(detect("line 24\r\n<--- More --->"), Some(Prompt::More));
        assert_eq!(
            detect("Hello testuser. You must change your password.\r\nEnter new password: "),
            Some(Prompt::PasswordChange)
        );
    }

    #[test]
    fn anchored_to_the_end() {
        assert_eq!(detect("firepower# show failover\r\nFailover On\r\n"), None);
        assert_eq!(detect("> expert\r\n"), None);
        assert_eq!(detect("Sync Done"), None);
    }

    #[test]
    fn a_prompt_line_with_text_after_it() {
        let text = "failover active\r\nfw-1-b# \r\n        Switching to Active\r\n";
        let from = after_echo(text, "failover active").unwrap();
        assert_eq!(&text[from..from + 8], "fw-1-b# ");
        assert_eq!(
            prompt_line(text, from, |p| *p == Prompt::LinaEnable),
            Some((Prompt::LinaEnable, from))
        );
        assert_eq!(prompt_line("Failover On\r\n", 0, |_| true), None);
    }

    #[test]
    fn hostnames() {
        assert_eq!(hostname_of("root@fw-a:~# ").as_deref(), Some("fw-a"));
        assert_eq!(hostname_of("fw-b# ").as_deref(), Some("fw-b"));
    }
}
