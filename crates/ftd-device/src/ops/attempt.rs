//! This run's files versus an earlier attempt's (domain §10 "Old log files stay"): the
//! installer does not empty the package's log folder when it starts, so before a readiness
//! check or an upgrade the earlier files are set aside (kept, in a dated folder, for the
//! operator) and a marker says the folder's files are now this tool's. A record without the
//! marker is never taken as this run's result, and an upgrade is attached to only when the
//! installer really runs (`pgrep`), never because an old file says `IN_PROGRESS`.

use super::OpError;
use crate::paths;
use crate::session::CliSession;
use crate::version::Package;

/// What a run writes to the package's log folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    Readiness,
    Upgrade,
}

impl Run {
    /// The files (or folder) of this kind of run, relative to the log folder.
    fn files(self) -> &'static [&'static str] {
        match self {
            Run::Readiness => &["upgrade_readiness"],
            Run::Upgrade => &[
                "upgrade_status.log",
                "status.log",
                "upgrade_status.json",
                "main_upgrade_script.log",
            ],
        }
    }

    fn marker(self, package: &Package) -> String {
        paths::run_marker(package, self == Run::Upgrade)
    }
}

/// Whether `install_update.pl` runs on the unit (a readiness check or an upgrade).
/// UNVERIFIED: `pgrep` on FTD (procps is part of every Linux it is built on).
pub async fn installer_running(s: &mut CliSession) -> Result<bool, OpError> {
    let (_, status) = s.root("pgrep -f install_update.pl >/dev/null").await?;
    Ok(status == 0)
}

/// Whether an upgrade (an installer without `--readiness-check`) runs on the unit.
pub async fn upgrade_running(s: &mut CliSession) -> Result<bool, OpError> {
    let (pids, status) = s.root("pgrep -f install_update.pl").await?;
    if status != 0 {
        return Ok(false);
    }
    let (checks, _) = s.root("pgrep -f readiness-check").await?;
    Ok(pids.lines().filter(|l| !l.trim().is_empty()).count()
        > checks.lines().filter(|l| !l.trim().is_empty()).count())
}

/// Whether the log folder's files of `run` were started by this tool (its marker is there).
pub async fn ours(s: &mut CliSession, package: &Package, run: Run) -> Result<bool, OpError> {
    let (_, status) = s.root(&format!("test -f {}", run.marker(package))).await?;
    Ok(status == 0)
}

/// The marker's `key=value` lines, if this tool started `run`.
pub async fn marker(
    s: &mut CliSession,
    package: &Package,
    run: Run,
) -> Result<Option<String>, OpError> {
    Ok(s.read_file(&run.marker(package)).await?)
}

/// Moves an earlier attempt's files of `run` into `<log folder>/previous-<stamp>/` and writes
/// this run's marker (with `note`, one line of `key=value` words, e.g. the boot id). Returns the folder when something was
/// moved. `stamp` is the controller's time (`YYYYmmddTHHMMSS`).
pub async fn set_aside(
    s: &mut CliSession,
    package: &Package,
    run: Run,
    stamp: &str,
    note: &str,
) -> Result<Option<String>, OpError> {
    let dir = paths::log_dir(package);
    let (listing, _) = s.root(&format!("ls -1a {dir} 2>/dev/null")).await?;
    let present: Vec<&str> = listing
        .lines()
        .map(str::trim)
        .filter(|name| run.files().contains(name))
        .collect();
    let mut moved = None;
    if !present.is_empty() {
        let aside = format!("{dir}/previous-{stamp}");
        let sources: Vec<String> = present.iter().map(|f| format!("{dir}/{f}")).collect();
        s.root_ok(&format!(
            "mkdir -p {aside} && mv {} {aside}/",
            sources.join(" ")
        ))
        .await?;
        moved = Some(aside);
    }
    let note = note.replace(['\n', '\r', '\''], " ");
    s.root_ok(&format!(
        "mkdir -p {dir} && echo '{note}' > {}",
        run.marker(package)
    ))
    .await?;
    Ok(moved)
}

/// The unit's boot id (see [`paths::BOOT_ID`]).
pub async fn boot_id(s: &mut CliSession) -> Result<String, OpError> {
    let out = s.root_ok(&format!("cat {}", paths::BOOT_ID)).await?;
    let id = out.trim().to_string();
    if id.len() < 8 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(OpError::Failed(format!(
            "{} read as {id:?}, not a boot id",
            paths::BOOT_ID
        )));
    }
    Ok(id)
}

/// `boot_id=<id>` from an upgrade marker's text.
pub fn boot_id_in(marker: &str) -> Option<String> {
    marker
        .split_whitespace()
        .find_map(|w| w.strip_prefix("boot_id="))
        .map(String::from)
}

/// The controller's time as `YYYYmmddTHHMMSSZ`, for the name of a folder of set-aside files.
pub fn stamp_now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
