//! `wget` and `scp` on the unit (domain §11): their command lines read the way GNU wget 1.21
//! and OpenSSH 9 read them, into a [`Job`] the SSH front runs for real over the network
//! (`server::jobs`). The line typed waits in the foreground until the transfer ends, as on
//! the device.

use super::shell::ShellCtx;
use crate::model::fs::File;

/// A transfer the unit runs; files named on its command line are read from the unit here.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Http(HttpJob),
    Scp(ScpJob),
}

impl Job {
    /// The command line as typed, for `pgrep -f`.
    pub fn command(&self) -> &str {
        match self {
            Job::Http(j) => &j.command,
            Job::Scp(j) => &j.command,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpJob {
    pub command: String,
    pub url: String,
    /// The unit's file the body goes to.
    pub output: String,
    /// `-c`: continue a partial file with a range request.
    pub resume: bool,
    /// `--limit-rate`, bytes per second.
    pub limit: Option<u64>,
    /// `--ca-certificate`: the PEM text of the file named.
    pub ca_pem: Option<String>,
    pub check_certificate: bool,
    pub user: Option<String>,
    /// `--ask-password`: the password is typed at `Password for user '...': `.
    pub ask_password: bool,
    /// `--spider`: ask whether the file is there, fetch nothing.
    pub spider: bool,
    /// `--tries` (wget's default 20); a dropped transfer is retried with a range request.
    pub tries: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StrictHostKeys {
    Yes,
    No,
    AcceptNew,
    /// OpenSSH's default: ask (the sim answers for the user: it cannot, so it refuses).
    Ask,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScpJob {
    pub command: String,
    pub user: String,
    pub host: String,
    pub port: u16,
    pub remote_path: String,
    pub output: String,
    /// `-o UserKnownHostsFile=`: the file's lines (empty when it does not exist).
    pub known_hosts: String,
    pub known_hosts_path: String,
    pub strict: StrictHostKeys,
    /// `-l`, Kbit/s.
    pub limit_kbit: Option<u64>,
}

const WGET_USAGE: &str =
    "Usage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n";

pub fn wget(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let mut job = HttpJob {
        command: format!("wget {}", args.join(" ")),
        url: String::new(),
        output: String::new(),
        resume: false,
        limit: None,
        ca_pem: None,
        check_certificate: true,
        user: None,
        ask_password: false,
        spider: false,
        tries: 20,
    };
    let mut args = args.iter();
    let mut output = None;
    while let Some(a) = args.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| args.next().cloned());
        match name {
            "-c" | "--continue" => job.resume = true,
            "-O" | "--output-document" => output = value(),
            "--limit-rate" => match value().as_deref().and_then(rate) {
                Some(r) => job.limit = Some(r),
                None => {
                    return (
                        format!("wget: --limit-rate: Invalid byte value\n{WGET_USAGE}"),
                        2,
                    );
                }
            },
            "--ca-certificate" => {
                let path = ctx.resolve(&value().unwrap_or_default());
                job.ca_pem = Some(
                    match ctx.sim.pairs[ctx.pair].units[ctx.unit].fs.get(&path) {
                        Some(File::Text(t)) => t.clone(),
                        _ => String::new(),
                    },
                );
            }
            "--no-check-certificate" => job.check_certificate = false,
            "--user" | "--http-user" => job.user = value(),
            "--ask-password" => job.ask_password = true,
            "--spider" => job.spider = true,
            "-t" | "--tries" => {
                job.tries = value().and_then(|v| v.parse().ok()).unwrap_or(20).max(1)
            }
            "-q" | "--quiet" | "-nv" | "--no-verbose" => {}
            "--progress" => {
                value();
            }
            n if n.starts_with("-O") => output = Some(n[2..].to_string()),
            n if n.starts_with('-') => {
                return (format!("wget: unrecognized option '{n}'\n{WGET_USAGE}"), 2);
            }
            url => job.url = url.to_string(),
        }
    }
    if job.url.is_empty() {
        return (format!("wget: missing URL\n{WGET_USAGE}"), 1);
    }
    let name = job
        .url
        .rsplit('/')
        .next()
        .unwrap_or("index.html")
        .to_string();
    job.output = ctx.resolve(&output.unwrap_or(name));
    ctx.job = Some(Job::Http(job));
    (String::new(), 0)
}

/// `--limit-rate=200k`: bytes, with `k` or `m` (powers of 1024).
fn rate(text: &str) -> Option<u64> {
    let (num, mult) = match text.chars().last()? {
        'k' | 'K' => (&text[..text.len() - 1], 1024),
        'm' | 'M' => (&text[..text.len() - 1], 1024 * 1024),
        _ => (text, 1),
    };
    num.parse::<u64>().ok().map(|n| n * mult).filter(|n| *n > 0)
}

const SCP_USAGE: &str = "usage: scp [-346ABCOpqRrsTv] [-c cipher] [-D sftp_server_path] [-F ssh_config]\n           [-i identity_file] [-J destination] [-l limit] [-o ssh_option]\n           [-P port] [-S program] [-X sftp_option] source ... target\n";

pub fn scp(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let command = format!("scp {}", args.join(" "));
    let mut known_hosts_path = format!("{}/.ssh/known_hosts", ctx.home());
    let mut strict = StrictHostKeys::Ask;
    let mut limit_kbit = None;
    let mut port = 22;
    let mut names = Vec::new();
    let mut args = args.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "-o" => {
                let Some(opt) = args.next() else {
                    return (SCP_USAGE.into(), 1);
                };
                let (key, value) = opt.split_once('=').unwrap_or((opt, ""));
                match key.to_ascii_lowercase().as_str() {
                    "userknownhostsfile" => known_hosts_path = value.to_string(),
                    "stricthostkeychecking" => {
                        strict = match value.to_ascii_lowercase().as_str() {
                            "yes" => StrictHostKeys::Yes,
                            "no" | "off" => StrictHostKeys::No,
                            "accept-new" => StrictHostKeys::AcceptNew,
                            "ask" => StrictHostKeys::Ask,
                            _ => {
                                return (
                                    format!(
                                        "command-line line 0: unsupported option \"{value}\".\n"
                                    ),
                                    255,
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            "-l" => limit_kbit = args.next().and_then(|v| v.parse().ok()),
            "-P" => port = args.next().and_then(|v| v.parse().ok()).unwrap_or(22),
            "-q" | "-p" | "-C" | "-B" => {}
            o if o.starts_with('-') => {
                return (format!("unknown option -- {}\n{SCP_USAGE}", &o[1..]), 1);
            }
            n => names.push(n.to_string()),
        }
    }
    let [source, target] = names.as_slice() else {
        return (SCP_USAGE.into(), 1);
    };
    let Some((user, host, url_port, remote_path)) = remote(source) else {
        // A local copy is not what the unit is asked to do here.
        return (format!("scp: {source}: not a remote file\n"), 1);
    };
    let target = ctx.resolve(target);
    let unit = &ctx.sim.pairs[ctx.pair].units[ctx.unit];
    let output = if unit.fs.is_dir(&target) {
        let name = remote_path.rsplit('/').next().unwrap_or(&remote_path);
        format!("{target}/{name}")
    } else {
        target
    };
    let known_hosts_path = ctx.resolve(&known_hosts_path);
    let known_hosts = match unit.fs.get(&known_hosts_path) {
        Some(File::Text(t)) => t.clone(),
        _ => String::new(),
    };
    ctx.job = Some(Job::Scp(ScpJob {
        command,
        user: user.unwrap_or_else(|| if ctx.root { "root" } else { "admin" }.into()),
        host,
        port: url_port.unwrap_or(port),
        remote_path,
        output,
        known_hosts,
        known_hosts_path,
        strict,
        limit_kbit,
    }));
    (String::new(), 0)
}

type Remote = (Option<String>, String, Option<u16>, String);

/// `scp://[user@]host[:port]/path` or `[user@]host:path`. As in OpenSSH's `parse_uri`, the
/// URI's path loses its first slash (relative to the login's home; `//abs/path` for an
/// absolute one) and `%XX` escapes are decoded.
fn remote(text: &str) -> Option<Remote> {
    if let Some(rest) = text.strip_prefix("scp://") {
        let (authority, path) = rest.split_once('/')?;
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_string()), h),
            None => (None, authority),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') || h.starts_with('[') => (h, Some(p.parse().ok()?)),
            _ => (hostport, None),
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        return Some((user, host, port, percent_decoded(path)?));
    }
    let (authority, path) = text.split_once(':')?;
    if authority.contains('/') {
        return None;
    }
    let (user, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u.to_string()), h.to_string()),
        None => (None, authority.to_string()),
    };
    Some((user, host, None, path.to_string()))
}

fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_forms() {
        assert_eq!(
            remote("scp://ftp@10.0.0.5:2222/pub/x%20y.tar"),
            Some((
                Some("ftp".into()),
                "10.0.0.5".into(),
                Some(2222),
                "pub/x y.tar".into()
            ))
        );
        assert_eq!(
            remote("scp://10.0.0.5//srv/x.tar"),
            Some((None, "10.0.0.5".into(), None, "/srv/x.tar".into()))
        );
        assert_eq!(
            remote("ftp@server:/pub/x.tar"),
            Some((
                Some("ftp".into()),
                "server".into(),
                None,
                "/pub/x.tar".into()
            ))
        );
        assert_eq!(remote("/local/x.tar"), None);
    }

    #[test]
    fn rates() {
        assert_eq!(rate("200k"), Some(204_800));
        assert_eq!(rate("1m"), Some(1_048_576));
        assert_eq!(rate("5000"), Some(5000));
        assert_eq!(rate("fast"), None);
    }
}
