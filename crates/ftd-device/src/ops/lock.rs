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

/// The shortest time to live a lock may have (30 minutes of the device's clock): four times
/// the longest interval between two refreshes by a stage that holds it ([`Hold`]), and longer
/// than a unit's reboot, during which nobody can refresh it (nor reach the unit).
pub const MIN_TTL: Duration = Duration::from_secs(1800);

/// Takes (or refreshes) the lock for `owner`, or refuses naming the holder.
pub async fn acquire(s: &mut CliSession, owner: &str, ttl: Duration) -> Result<(), OpError> {
    if !valid_owner(owner) {
        return Err(OpError::Refused(format!(
            "lock owner '{owner}' may only hold letters, digits and @._:-"
        )));
    }
    let ttl = ttl.max(MIN_TTL);
    for _ in 0..3 {
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
        if age < ttl.as_secs() {
            if h.owner == owner {
                // Fresh and ours: nobody else takes a fresh lock, so stamping it is safe.
                return stamp(s, owner, now).await;
            }
            return Err(OpError::Refused(format!(
                "another run ({}) has been changing this unit for {age}s (lock {LOCK_DIR}); wait for it to \
                 finish. If that run is dead: resume it with -e ftd_lock_owner={} (lock_owner), or wait {}s until \
                 the lock expires",
                h.owner,
                h.owner,
                ttl.as_secs().saturating_sub(age)
            )));
        }
        // Expired (ours too: a run resumed after a long pause takes it over like anyone):
        // move exactly this lock away under a name of this run's own (a rename: of two takers
        // only one moves it), read back what was moved, and give back a lock that another
        // controller took over and stamped in the meantime.
        let aside = format!("{LOCK_DIR}.takeover-{owner}-{now}");
        let (_, moved) = s
            .root(&format!("mv {LOCK_DIR} {aside} 2>/dev/null"))
            .await?;
        if moved != 0 {
            continue; // another taker moved it first: look again
        }
        let back = s
            .read_file(&format!("{aside}/owner"))
            .await?
            .as_deref()
            .and_then(parse);
        if back.as_ref() == Some(&h) {
            s.root(&format!("rm -rf {aside}")).await?;
            continue; // the expired lock is gone: make ours
        }
        s.root(&format!(
            "[ -e {LOCK_DIR} ] || mv {aside} {LOCK_DIR}; rm -rf {aside}"
        ))
        .await?;
        return Err(OpError::Refused(format!(
            "another controller ({}) took the expired lock {LOCK_DIR} over at the same moment; its lock was \
             left to it. Wait for that run, or run again",
            back.map(|b| b.owner).unwrap_or_else(|| "unknown".into())
        )));
    }
    Err(OpError::Refused(format!(
        "another controller took the lock {LOCK_DIR} at the same moment; run again"
    )))
}

/// The lock a stage holds while it follows a long run (an install, a readiness check): it is
/// stamped again once a quarter of its time to live has passed on the device's clock, so it
/// never expires under a run that is alive, however long the install takes.
pub struct Hold {
    owner: String,
    ttl: Duration,
    stamped: Option<u64>,
}

impl Hold {
    /// A lock `owner` has just taken.
    pub fn new(owner: &str, ttl: Duration) -> Hold {
        Hold {
            owner: owner.to_string(),
            ttl: ttl.max(MIN_TTL),
            stamped: None,
        }
    }

    /// Called at each poll: reads the device's clock, and refreshes the lock when due. A
    /// lock that another run holds now (it expired and was taken over) is an error: this run
    /// is no longer the one changing the unit.
    pub async fn keep(&mut self, s: &mut CliSession) -> Result<(), OpError> {
        let now = device_now(s).await?;
        let due = self
            .stamped
            .is_none_or(|t| now.saturating_sub(t) >= self.ttl.as_secs() / 4);
        if due {
            acquire(s, &self.owner, self.ttl).await?;
            self.stamped = Some(now);
        }
        Ok(())
    }
}

/// Stamps the lock again if `owner` holds it, and leaves it alone otherwise (absent, or
/// another run's): for a stage that finds its unit back after a reboot.
pub async fn refresh_if_held(
    s: &mut CliSession,
    owner: &str,
    ttl: Duration,
) -> Result<bool, OpError> {
    let held = s.read_file(&owner_file()).await?.as_deref().and_then(parse);
    if held.is_none_or(|h| h.owner != owner) {
        return Ok(false);
    }
    acquire(s, owner, ttl).await?;
    Ok(true)
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
