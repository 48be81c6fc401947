//! Moving the bytes into the partial file, with progress lines in the journal: the unit's own
//! download (continued after an interruption, never two at once into one file) or the
//! controller's SFTP upload. What to do before and after is [`super::plan`]'s.

use super::plan::{Before, hint};
use super::{Paths, Pull, PullFailure, STAGE_DIR, human};
use crate::journal::Journal;
use crate::ops::OpError;
use crate::session::{CliSession, Login};
use crate::sftp::{SftpError, SftpLink};
use std::path::Path;
use std::time::{Duration, Instant};

/// How a transfer may run.
pub struct Limits {
    /// The whole transfer's time, retries included.
    pub time: Duration,
    /// How often progress is reported (and a running download looked at).
    pub poll: Duration,
    /// Bytes per second, when limited.
    pub rate: Option<u64>,
    /// How many times an interrupted download is continued.
    pub retries: u32,
}

/// What a transfer did.
#[derive(Debug)]
pub struct Done {
    pub attempts: u32,
    /// Bytes already on the unit from an earlier transfer when this one started.
    pub resumed_from: u64,
}

/// How long a transfer of `total` bytes may take at `rate` bytes per second (1 MiB/s when not
/// limited): a quarter more than the rate allows, and ten minutes; two hours when the size is
/// not known.
pub fn time_for(total: Option<u64>, rate: Option<u64>) -> Duration {
    match total {
        Some(total) => {
            let rate = rate.unwrap_or(1 << 20) as f64;
            Duration::from_secs_f64(total as f64 / rate * 1.25 + 600.0)
        }
        None => Duration::from_secs(7200),
    }
}

/// A progress line: bytes, percent, rate, time left.
struct Progress {
    started: Instant,
    from: u64,
    total: Option<u64>,
}

impl Progress {
    fn record(&self, journal: &mut Journal, at: u64) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = (at.saturating_sub(self.from)) as f64 / secs;
        let percent = self.total.map(|t| (at * 100 / t.max(1)).min(99) as u8);
        let eta = match (self.total, rate > 0.0) {
            (Some(t), true) => format!(", {:.0}s left", t.saturating_sub(at) as f64 / rate),
            _ => String::new(),
        };
        let of = self
            .total
            .map(|t| format!(" of {}", human(t)))
            .unwrap_or_default();
        journal.record_data(
            percent,
            &format!("staging: {}{of}, {}/s{eta}", human(at), human(rate as u64)),
            Some(serde_json::json!({"bytes": at, "total": self.total, "rate": rate.round()})),
        );
    }
}

/// The unit downloads from `shown` (the URL as messages show it); an interrupted download is
/// continued up to `limits.retries` times.
#[allow(clippy::too_many_arguments)]
pub async fn download(
    s: &mut CliSession,
    login: &Login,
    pull: &Pull,
    password: Option<&str>,
    shown: &str,
    paths: &Paths,
    before: &Before,
    limits: &Limits,
    journal: &mut Journal,
) -> Result<Done, OpError> {
    super::prepare(s, pull, paths).await?;
    let command = super::pull_command(pull, paths, limits.rate)?;
    let deadline = Instant::now() + limits.time;
    let progress = Progress {
        started: Instant::now(),
        from: before.partial,
        total: before.total,
    };
    let mut attempts = 0;
    loop {
        // Never two downloads into one file: one that outlived its session (GNU wget goes on
        // after a hangup), this run's or an earlier one's, is waited for first.
        if super::downloading(s, paths).await? {
            journal.record(
                None,
                "a download of this package is still running on the unit: waiting for it",
            );
            super::wait_download(s, paths, deadline, limits.poll, |at| {
                progress.record(journal, at)
            })
            .await?;
            let at = super::size_of(s, &paths.part).await?.unwrap_or(0);
            if before.total == Some(at) {
                return Ok(Done {
                    attempts,
                    resumed_from: before.partial,
                });
            }
        }
        attempts += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        let watch = async || {
            if let Ok(Some(at)) = super::size_of(s, &paths.part).await {
                progress.record(journal, at);
            }
        };
        let outcome = super::pull(login, &command, password, left, limits.poll, watch).await;
        match outcome {
            Ok(()) => {
                return Ok(Done {
                    attempts,
                    resumed_from: before.partial,
                });
            }
            Err(PullFailure::Interrupted(why))
                if attempts <= limits.retries && Instant::now() < deadline =>
            {
                let at = super::size_of(s, &paths.part).await?.unwrap_or(0);
                journal.record(
                    None,
                    &format!("download interrupted at byte {at} ({why}); continuing"),
                );
            }
            Err(PullFailure::Interrupted(why)) | Err(PullFailure::Failed(why)) => {
                return Err(OpError::Failed(format!(
                    "the unit's download from {shown} failed after {attempts} attempt(s): {why}{}",
                    hint(&why)
                )));
            }
        }
    }
}

/// The controller uploads `path` with SFTP into the admin's home (continuing an earlier
/// upload's file there), then root moves it beside the packages.
pub async fn upload(
    s: &mut CliSession,
    login: &Login,
    path: &Path,
    paths: &Paths,
    before: &Before,
    limits: &Limits,
    journal: &mut Journal,
) -> Result<Done, OpError> {
    let name = paths.part.rsplit('/').next().unwrap_or("package.part");
    let remote = format!("/home/admin/{name}");
    let link = match SftpLink::open(&login.options).await {
        Ok(l) => l,
        Err(SftpError::Refused(why)) => {
            return Err(OpError::Refused(format!(
                "the unit refused SFTP over its management SSH ({why}); the public record does not show FTD accepting uploads. Stage with url instead: the unit downloads the package itself with wget or scp"
            )));
        }
        Err(SftpError::Device(e)) => return Err(e.into()),
        Err(e) => return Err(OpError::Failed(e.to_string())),
    };
    let from = match link.size(&remote).await {
        Some(n) if n <= before.total.unwrap_or(u64::MAX) => n,
        _ => 0,
    };
    let progress = Progress {
        started: Instant::now(),
        from,
        total: before.total,
    };
    let mut last = Instant::now();
    let uploaded = tokio::time::timeout(
        limits.time,
        link.upload(path, &remote, from, limits.rate, |at| {
            if last.elapsed() >= limits.poll {
                progress.record(journal, at);
                last = Instant::now();
            }
        }),
    )
    .await;
    link.close().await;
    match uploaded {
        Err(_) => {
            return Err(OpError::TimedOut(format!(
                "the upload did not finish in time; {remote} is kept, run again to continue"
            )));
        }
        Ok(Err(e)) => {
            return Err(OpError::Failed(format!(
                "{e}; {remote} is kept, run again to continue"
            )));
        }
        Ok(Ok(_)) => {}
    }
    s.root_ok(&format!(
        "mkdir -p {STAGE_DIR} && mv {remote} {}",
        paths.part
    ))
    .await?;
    Ok(Done {
        attempts: 1,
        resumed_from: from,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_gets_a_quarter_more_than_its_rate_allows_and_ten_minutes() {
        const GIB: u64 = 1 << 30;
        // 1 GiB at the default 1 MiB/s: 1024 s × 1.25 + 600 s.
        assert_eq!(time_for(Some(GIB), None), Duration::from_secs(1880));
        assert_eq!(time_for(Some(GIB), Some(4 << 20)), Duration::from_secs(920));
        assert_eq!(time_for(None, Some(4 << 20)), Duration::from_secs(7200));
    }
}
