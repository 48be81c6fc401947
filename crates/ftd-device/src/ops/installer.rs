//! Starting `install_update.pl --detach` (a readiness check or an upgrade) in a session of
//! its own: the detached installer keeps printing into the terminal it was started from
//! (domain §10), so that terminal is closed once the installer has detached, and the
//! session that follows the run never sees its chatter.
//!
//! For an upgrade, the unit's failover state is read again in that session immediately
//! before the installer is typed: a takeover since the checks (the peer failed while the
//! package was checksummed) is refused here, not discovered after the reboot. Nor is an
//! installer typed while one runs (`pgrep`), whatever its status files say yet.

use super::{OpError, attempt, facts};
use crate::paths;
use crate::session::{CliSession, Login};
use crate::version::Package;

/// Which state the unit must show right before the installer starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Readiness: the check disturbs nothing; any state.
    None,
    /// Upgrade: Standby Ready with an Active peer.
    StandbyWithActivePeer,
}

/// What starting a run left for the caller to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Begun {
    /// The kernel's boot id before an upgrade (wait_reboot's evidence of the reboot); `None`
    /// for a readiness check.
    pub boot_id: Option<String>,
    /// Where an earlier attempt's files were moved, if there were any.
    pub set_aside: Option<String>,
}

/// The one way a readiness check or an upgrade starts (invariants 4 and 9): this run's lock
/// on the unit, an upgrade's boot id, the earlier attempt's files set aside under this run's
/// marker, then the installer in a session of its own ([`start_detached`], which reads the
/// state again for an upgrade and never types it while an installer runs).
pub async fn begin(
    s: &mut CliSession,
    login: &Login,
    package: &Package,
    run: attempt::Run,
    lock: (&str, std::time::Duration),
    guard: Guard,
) -> Result<Begun, OpError> {
    super::lock::acquire(s, lock.0, lock.1).await?;
    let boot_id = match run {
        attempt::Run::Upgrade => Some(attempt::boot_id(s).await?),
        attempt::Run::Readiness => None,
    };
    let stamp = attempt::stamp_now();
    let note = match &boot_id {
        Some(id) => format!("boot_id={id} started={stamp}"),
        None => format!("started={stamp}"),
    };
    let set_aside = attempt::set_aside(s, package, run, &stamp, &note).await?;
    start_detached(login, package, run == attempt::Run::Readiness, guard).await?;
    Ok(Begun { boot_id, set_aside })
}

/// Runs the installer in a new session and closes it; returns the installer's start-up
/// lines. `readiness` adds `--readiness-check`.
pub async fn start_detached(
    login: &Login,
    package: &Package,
    readiness: bool,
    guard: Guard,
) -> Result<String, OpError> {
    let mut s = login.open().await?;
    let result = run(&mut s, package, readiness, guard).await;
    s.close().await;
    result
}

async fn run(
    s: &mut CliSession,
    package: &Package,
    readiness: bool,
    guard: Guard,
) -> Result<String, OpError> {
    if guard == Guard::StandbyWithActivePeer {
        let state = facts::failover_state(s).await?;
        let (me, peer) = (&state.this_host, &state.other_host);
        if !me.is_standby_ready() || !peer.is_active() {
            return Err(OpError::Refused(format!(
                "the unit's state changed since the checks: it is now {} and its peer {} (read again right \
                 before starting the installer); not installing. Find out why the pair failed over before anything else",
                me.state, peer.state
            )));
        }
    }
    // An installer that runs is never started again, whoever started it and whatever its
    // files say yet (it writes none while it unpacks): read in this session, right before.
    if attempt::installer_running(s).await? {
        return Err(OpError::Refused(
            "an installer (install_update.pl) already runs on the unit, started since the checks by \
             another run or a retried task; not starting a second one. Run install again: it \
             attaches to a running upgrade"
                .into(),
        ));
    }
    let flag = if readiness { " --readiness-check" } else { "" };
    let command = format!(
        "{} --detach{flag} {}",
        paths::INSTALLER,
        paths::package_path(package)
    );
    let (out, status) = s.root(&command).await?;
    if status != 0 || !out.contains("install_update.pl begins") {
        let what = if readiness {
            "readiness check"
        } else {
            "upgrade"
        };
        return Err(OpError::Failed(format!(
            "the {what} did not start (status {status}): {}",
            out.trim()
        )));
    }
    Ok(out)
}
