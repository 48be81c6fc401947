//! One controller at a time on a unit: a directory made with `mkdir` (atomic: of two
//! controllers only one creates it) in a place only root writes, with an `owner` file naming
//! the run and the device's time it took the lock. Another owner is refused while the lock is
//! younger than its time to live; an older one (a run that died) is taken over; a lock whose
//! owner cannot be read is held, never ignored.

use super::OpError;
use crate::paths::LOCK_DIR;
use crate::session::CliSession;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub owner: String,
    pub since: u64,
}

/// `owner=<owner> since=<unix seconds>`; None for anything else.
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

fn owner_file() -> String {
    format!("{LOCK_DIR}/owner")
}

/// The device's clock, in Unix seconds: the lock's age never depends on the controllers'
/// clocks agreeing.
async fn device_now(s: &mut CliSession) -> Result<u64, OpError> {
    let out = s.root_ok("date +%s").await?;
    out.trim()
        .parse()
        .map_err(|_| OpError::Failed(format!("the unit's clock read as {:?}", out.trim())))
}

/// Takes (or refreshes) the lock for `owner`, or refuses naming the holder.
pub async fn acquire(s: &mut CliSession, owner: &str, ttl: Duration) -> Result<(), OpError> {
    if !valid_owner(owner) {
        return Err(OpError::Refused(format!(
            "lock owner '{owner}' may only hold letters, digits and @._:-"
        )));
    }
    for _ in 0..2 {
        let now = device_now(s).await?;
        let (_, made) = s.root(&format!("mkdir {LOCK_DIR} 2>/dev/null")).await?;
        if made == 0 {
            return stamp(s, owner, now).await;
        }
        let holder = s.read_file(&owner_file()).await?;
        let Some(h) = holder.as_deref().and_then(parse) else {
            return Err(OpError::Refused(format!(
                "the unit is locked ({LOCK_DIR}) and the lock's owner cannot be read; \
                 if no other run is changing this unit, remove that directory by hand"
            )));
        };
        let age = now.saturating_sub(h.since);
        if h.owner == owner {
            return stamp(s, owner, now).await;
        }
        if age < ttl.as_secs() {
            return Err(OpError::Refused(format!(
                "another run ({}) has been changing this unit for {age}s (lock {LOCK_DIR}); wait for it to \
                 finish. If that run is dead: resume it with -e ftd_lock_owner={} (lock_owner), or wait {}s until \
                 the lock expires",
                h.owner,
                h.owner,
                ttl.as_secs().saturating_sub(age)
            )));
        }
        // Expired: move it away atomically (one taker wins the rename), then try again.
        let _ = s
            .root(&format!(
                "mv {LOCK_DIR} {LOCK_DIR}.expired-{now} 2>/dev/null && rm -rf {LOCK_DIR}.expired-{now}"
            ))
            .await?;
    }
    Err(OpError::Refused(format!(
        "another controller took the lock {LOCK_DIR} at the same moment; run again"
    )))
}

async fn stamp(s: &mut CliSession, owner: &str, now: u64) -> Result<(), OpError> {
    s.root_ok(&format!(
        "echo 'owner={owner} since={now}' > {}",
        owner_file()
    ))
    .await?;
    Ok(())
}

/// Removes the lock if `owner` holds it.
pub async fn release(s: &mut CliSession, owner: &str) -> Result<bool, OpError> {
    let held = s.read_file(&owner_file()).await?.as_deref().and_then(parse);
    if held.is_some_and(|h| h.owner == owner) {
        s.root_ok(&format!("rm -rf {LOCK_DIR}")).await?;
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
