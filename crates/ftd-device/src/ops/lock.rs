//! One controller at a time on a unit: a marker file on the device names the run that is
//! changing it and since when. Another owner is refused while the marker is fresh; a marker
//! older than its time to live (a run that died) is taken over.

use super::OpError;
use crate::paths::LOCK_FILE;
use crate::session::CliSession;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub owner: String,
    pub since: u64,
}

/// `owner=<owner> since=<unix seconds>`; None for anything else (treated as no lock).
pub fn parse(text: &str) -> Option<Holder> {
    let mut owner = None;
    let mut since = None;
    for word in text.split_whitespace() {
        if let Some(o) = word.strip_prefix("owner=") {
            owner = Some(o.to_string());
        } else if let Some(s) = word.strip_prefix("since=") {
            since = s.parse().ok();
        }
    }
    Some(Holder {
        owner: owner?,
        since: since?,
    })
}

/// Owners are written into a shell command: keep them to a safe alphabet.
pub fn valid_owner(owner: &str) -> bool {
    !owner.is_empty()
        && owner.len() <= 96
        && owner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@._:-".contains(c))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Takes (or refreshes) the lock for `owner`, or refuses naming the holder.
pub async fn acquire(s: &mut CliSession, owner: &str, ttl: Duration) -> Result<(), OpError> {
    if !valid_owner(owner) {
        return Err(OpError::Refused(format!(
            "lock owner '{owner}' may only hold letters, digits and @._:-"
        )));
    }
    let now = now();
    if let Some(h) = s.read_file(LOCK_FILE).await?.as_deref().and_then(parse) {
        let age = now.saturating_sub(h.since);
        if h.owner != owner && age < ttl.as_secs() {
            return Err(OpError::Refused(format!(
                "another controller ({}) has been changing this unit for {age}s (lock {LOCK_FILE}); \
                 wait for it to finish, or, if that run is dead, remove the file or wait {}s until the lock expires",
                h.owner,
                ttl.as_secs().saturating_sub(age)
            )));
        }
    }
    s.root_ok(&format!("echo 'owner={owner} since={now}' > {LOCK_FILE}"))
        .await?;
    Ok(())
}

/// Removes the lock if `owner` holds it.
pub async fn release(s: &mut CliSession, owner: &str) -> Result<bool, OpError> {
    let held = s.read_file(LOCK_FILE).await?.as_deref().and_then(parse);
    if held.is_some_and(|h| h.owner == owner) {
        s.root_ok(&format!("rm -f {LOCK_FILE}")).await?;
        return Ok(true);
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        assert_eq!(
            parse("owner=ops@ctl-1 since=1700000000\n"),
            Some(Holder {
                owner: "ops@ctl-1".into(),
                since: 1700000000
            })
        );
        assert_eq!(parse("garbage"), None);
        assert!(valid_owner("awx-job-42@ee-7"));
        assert!(!valid_owner("x; rm -rf /"));
        assert!(!valid_owner(""));
    }
}
