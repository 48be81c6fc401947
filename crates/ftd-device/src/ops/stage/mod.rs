//! Getting an upgrade package onto a unit (domain §11): the unit pulls it itself from its
//! root shell (`wget` for http/https, `scp` for scp://), or the controller pushes it with
//! SFTP (UNVERIFIED on FTD). Bytes go to a partial file in a folder of this tool's
//! ([`STAGE_DIR`]), which only becomes the package in `/ngfw/var/sf/updates` once its size
//! and checksum are right: the readiness check and the installer never see half a package.
//! The commands are here; what to do with what they find is in [`plan`], the transfer with
//! its progress and retries in [`transfer`].

pub mod plan;
pub mod transfer;

use super::OpError;
use super::checksum::Checksum;
use crate::paths::UPDATES_DIR;
use crate::session::{CliSession, Login};
use crate::version::Package;
use std::time::Duration;
use tokio::time::Instant;

/// This tool's folder beside the packages: partial files, the CA and known_hosts it writes.
pub const STAGE_DIR: &str = "/ngfw/var/sf/updates/.ftd_stage";

/// The files of one package's staging.
#[derive(Debug, Clone)]
pub struct Paths {
    pub package: String,
    pub part: String,
    pub ca: String,
    pub known_hosts: String,
}

impl Paths {
    pub fn of(package: &Package) -> Paths {
        Paths {
            package: format!("{UPDATES_DIR}/{}", package.file_name),
            part: format!("{STAGE_DIR}/{}.part", package.file_name),
            ca: format!("{STAGE_DIR}/ca.pem"),
            known_hosts: format!("{STAGE_DIR}/known_hosts"),
        }
    }
}

/// Where the unit pulls the package from.
#[derive(Clone)]
pub enum Pull {
    Http {
        url: String,
        username: Option<String>,
        /// The CA's PEM, written to the unit for `--ca-certificate`.
        ca_pem: Option<String>,
        check_certificate: bool,
    },
    Scp {
        /// `scp://user@host[:port]/path`
        url: String,
        /// The server's known_hosts line; None with host key checking off.
        host_key: Option<String>,
    },
}

/// How a pull ended, when it did not.
#[derive(Debug, Clone, PartialEq)]
pub enum PullFailure {
    /// The connection broke off (wget status 4 after bytes came): worth continuing.
    Interrupted(String),
    /// Anything else: status and the tool's last words.
    Failed(String),
}

/// A size in a message: `1.1 GiB`, `512.0 MiB`.
pub fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= (1u64 << 30) as f64 {
        format!("{:.1} GiB", b / (1u64 << 30) as f64)
    } else if b >= (1u64 << 20) as f64 {
        format!("{:.1} MiB", b / (1u64 << 20) as f64)
    } else {
        format!("{bytes} bytes")
    }
}

/// Single quotes for the unit's shell; refuses text that holds one (URLs, keys and PEM
/// never need it) or a control character (the stage refused those before connecting; this
/// is the last line of defence before the terminal).
pub fn quoted(text: &str) -> Result<String, OpError> {
    if text.contains('\'') {
        return Err(OpError::Refused(format!(
            "{text:?} contains a quote; it cannot be passed to the unit's shell"
        )));
    }
    crate::typed::typed_text("a value for the unit's shell", text).map_err(OpError::Refused)?;
    Ok(format!("'{text}'"))
}

/// Bytes of a file on the unit, None when it is not there.
pub async fn size_of(s: &mut CliSession, path: &str) -> Result<Option<u64>, OpError> {
    let (out, status) = s.root(&format!("stat -c %s {path} 2>/dev/null")).await?;
    Ok((status == 0).then(|| out.trim().parse().ok()).flatten())
}

/// Free bytes on `/ngfw`.
pub async fn free_bytes(s: &mut CliSession) -> Result<u64, OpError> {
    let df = s.root_ok("df -k /ngfw").await?;
    crate::parse::listing::df_available(&df)
        .and_then(|a| a.parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .ok_or_else(|| {
            OpError::Failed(format!(
                "could not read the free space from {:?}",
                df.trim()
            ))
        })
}

/// The checksum of a file on the unit, lower-case hex.
pub async fn checksum_of(
    s: &mut CliSession,
    path: &str,
    algorithm: &str,
) -> Result<String, OpError> {
    let out = s.root_ok(&format!("{algorithm}sum {path}")).await?;
    Ok(out
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase())
}

/// Does the file at `path` match? None without a checksum to compare with.
pub async fn matches(
    s: &mut CliSession,
    path: &str,
    expected: Option<&Checksum>,
) -> Result<Option<bool>, OpError> {
    match expected {
        None => Ok(None),
        Some(sum) => Ok(Some(checksum_of(s, path, sum.algorithm).await? == sum.hex)),
    }
}

/// Writes the files a pull needs (CA, known_hosts) into [`STAGE_DIR`].
pub async fn prepare(s: &mut CliSession, pull: &Pull, paths: &Paths) -> Result<(), OpError> {
    s.root_ok(&format!("mkdir -p {STAGE_DIR}")).await?;
    let lines = match pull {
        Pull::Http {
            ca_pem: Some(pem), ..
        } => Some((pem.as_str(), &paths.ca)),
        Pull::Scp {
            host_key: Some(line),
            ..
        } => Some((line.as_str(), &paths.known_hosts)),
        _ => None,
    };
    if let Some((text, file)) = lines {
        let args: Vec<String> = text
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .map(quoted)
            .collect::<Result<_, _>>()?;
        s.root_ok(&format!("printf '%s\\n' {} > {file}", args.join(" ")))
            .await?;
    }
    Ok(())
}

/// The unit's command that pulls the package into the partial file (continuing it).
pub fn pull_command(
    pull: &Pull,
    paths: &Paths,
    rate_limit: Option<u64>,
) -> Result<String, OpError> {
    Ok(match pull {
        Pull::Http {
            url,
            username,
            ca_pem,
            check_certificate,
        } => {
            let mut c = String::from("wget -c --progress=dot:giga --tries=1");
            if let Some(r) = rate_limit {
                c.push_str(&format!(" --limit-rate={r}"));
            }
            if ca_pem.is_some() {
                c.push_str(&format!(" --ca-certificate={}", paths.ca));
            }
            if !check_certificate {
                c.push_str(" --no-check-certificate");
            }
            if let Some(u) = username {
                c.push_str(&format!(" --user={} --ask-password", quoted(u)?));
            }
            format!("{c} -O {} {}", paths.part, quoted(url)?)
        }
        Pull::Scp { url, host_key } => {
            let keys = match host_key {
                Some(_) => format!(
                    "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes",
                    paths.known_hosts
                ),
                None => "-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no".to_string(),
            };
            // scp's -l is Kbit/s.
            let limit = rate_limit
                .map(|r| format!(" -l {}", (r * 8 / 1000).max(1)))
                .unwrap_or_default();
            format!("scp {keys}{limit} {} {}", quoted(url)?, paths.part)
        }
    })
}

/// The size the server announces for an http(s) URL (`wget --spider`), asked from the unit:
/// the unit, not the controller, is the one that must reach the server.
pub async fn announced_size(
    s: &mut CliSession,
    pull: &Pull,
    paths: &Paths,
    password: Option<&str>,
) -> Result<Option<u64>, OpError> {
    let Pull::Http { .. } = pull else {
        return Ok(None);
    };
    let command = pull_command(pull, paths, None)?
        .replace("wget -c --progress=dot:giga", "wget --spider")
        .replace(&format!(" -O {}", paths.part), "");
    let (out, status) = s
        .root_answering(&command, password, Duration::from_secs(120))
        .await?;
    if status != 0 {
        return Err(OpError::Refused(format!(
            "the unit could not reach the package (wget --spider, status {status}: {})",
            last_words(&out)
        )));
    }
    Ok(out.lines().find_map(|l| {
        l.trim()
            .strip_prefix("Length: ")
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    }))
}

/// Runs the pull in a session of its own (it holds the terminal for as long as the
/// transfer runs) while `watch` is called every `poll` with nothing to do but report
/// progress; ends with the pull.
pub async fn pull(
    login: &Login,
    command: &str,
    password: Option<&str>,
    limit: Duration,
    poll: Duration,
    mut watch: impl AsyncFnMut(),
) -> Result<(), PullFailure> {
    let run = async {
        let mut s = login
            .open()
            .await
            .map_err(|e| PullFailure::Failed(format!("cannot open the transfer session: {e}")))?;
        let result = s.root_answering(command, password, limit).await;
        s.close().await;
        match result {
            Ok((_, 0)) => Ok(()),
            Ok((out, 4)) if command.starts_with("wget") => {
                Err(PullFailure::Interrupted(last_words(&out)))
            }
            Ok((out, status)) => Err(PullFailure::Failed(format!(
                "status {status}: {}",
                last_words(&out)
            ))),
            Err(e) if e.is_unreachable() => Err(PullFailure::Interrupted(e.to_string())),
            Err(e) => Err(PullFailure::Failed(e.to_string())),
        }
    };
    tokio::pin!(run);
    let mut next = Instant::now() + poll;
    loop {
        tokio::select! {
            result = &mut run => return result,
            _ = tokio::time::sleep_until(next) => {
                watch().await;
                next = Instant::now() + poll;
            }
        }
    }
}

/// The lines that say what went wrong: the last three non-empty ones.
fn last_words(out: &str) -> String {
    let lines: Vec<&str> = out
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}

/// Whether a download into the partial file runs on the unit (`pgrep -f` on its path).
pub async fn downloading(s: &mut CliSession, paths: &Paths) -> Result<bool, OpError> {
    let (out, status) = s.root(&format!("pgrep -f {}", paths.part)).await?;
    Ok(status == 0 && !out.trim().is_empty())
}

/// Waits until no download into the partial file runs any more, reporting its size; a
/// download still running at `deadline` is a timeout.
pub async fn wait_download(
    s: &mut CliSession,
    paths: &Paths,
    deadline: std::time::Instant,
    poll: Duration,
    mut progress: impl FnMut(u64),
) -> Result<(), OpError> {
    while downloading(s, paths).await? {
        if let Some(at) = size_of(s, &paths.part).await? {
            progress(at);
        }
        if std::time::Instant::now() >= deadline {
            return Err(OpError::TimedOut(format!(
                "a download into {} was still running at the end of the transfer's time",
                paths.part
            )));
        }
        super::pause(poll, deadline).await;
    }
    Ok(())
}

/// Moves a verified partial file into place as the package.
pub async fn place(s: &mut CliSession, paths: &Paths) -> Result<(), OpError> {
    s.root_ok(&format!("mv {} {}", paths.part, paths.package))
        .await?;
    Ok(())
}

/// Removes the staging folder's helpers (CA, known_hosts) once done.
pub async fn tidy(s: &mut CliSession, paths: &Paths) -> Result<(), OpError> {
    s.root(&format!("rm -f {} {}", paths.ca, paths.known_hosts))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paths of one package, for these tests and [`super::plan`]'s.
    pub(super) fn paths() -> Paths {
        Paths::of(&Package::parse("Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar").unwrap())
    }

    #[test]
    fn wget_continues_into_the_partial_file_and_asks_for_the_password() {
        let pull = Pull::Http {
            url: "https://pkgs.example/ftd/Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar".into(),
            username: Some("fetch".into()),
            ca_pem: Some("-----BEGIN CERTIFICATE-----".into()),
            check_certificate: true,
        };
        let c = pull_command(&pull, &paths(), Some(1_000_000)).unwrap();
        assert_eq!(
            c,
            "wget -c --progress=dot:giga --tries=1 --limit-rate=1000000 --ca-certificate=/ngfw/var/sf/updates/.ftd_stage/ca.pem --user='fetch' --ask-password -O /ngfw/var/sf/updates/.ftd_stage/Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar.part 'https://pkgs.example/ftd/Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar'"
        );
    }

    #[test]
    fn scp_pins_the_host_key_unless_told_not_to() {
        let pinned = Pull::Scp {
            url: "scp://pkg@10.0.0.5:2222/ftd/x.tar".into(),
            host_key: Some("[10.0.0.5]:2222 ssh-ed25519 AAAA".into()),
        };
        let c = pull_command(&pinned, &paths(), Some(125_000)).unwrap();
        assert!(c.contains("StrictHostKeyChecking=yes") && c.contains(" -l 1000 "));
        let open = Pull::Scp {
            url: "scp://pkg@10.0.0.5/x.tar".into(),
            host_key: None,
        };
        assert!(
            pull_command(&open, &paths(), None)
                .unwrap()
                .contains("StrictHostKeyChecking=no")
        );
    }

    #[test]
    fn quotes_are_refused_not_escaped() {
        assert!(quoted("http://x/a'b").is_err());
        assert_eq!(quoted("http://x/a b").unwrap(), "'http://x/a b'");
    }
}
