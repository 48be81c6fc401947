//! Reading a unit: who it is, its failover state, its packages, its upgrade status.

use super::OpError;
use crate::parse::failover_state::{self, ShowFailoverState};
use crate::parse::listing::{self, PackageFile};
use crate::parse::show_failover::{self, ShowFailover};
use crate::parse::show_version::{self, ShowVersion};
use crate::parse::state::FailoverState;
use crate::parse::status_files::{self, UpgradeStatus};
use crate::paths;
use crate::session::CliSession;
use crate::upgrade_path::Fxos;
use crate::version::{Package, Version};
use serde::Serialize;

/// What every module reports about the unit it touched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identity {
    pub hostname: String,
    pub model: String,
    pub version: Version,
    /// Configured role, `Primary` or `Secondary`.
    pub role: String,
    /// `Active`, `Standby Ready`, ...
    pub state: FailoverState,
    pub peer_role: String,
    pub peer_state: FailoverState,
    pub configuration_sync: Vec<String>,
}

impl Identity {
    pub fn from_parts(version: &ShowVersion, failover: &ShowFailoverState) -> Self {
        Identity {
            hostname: version.hostname.clone(),
            model: version.model.clone(),
            version: version.version.clone(),
            role: failover.this_host.role.clone(),
            state: failover.this_host.state.clone(),
            peer_role: failover.other_host.role.clone(),
            peer_state: failover.other_host.state.clone(),
            configuration_sync: failover.configuration.clone(),
        }
    }
}

pub async fn show_version(s: &mut CliSession) -> Result<ShowVersion, OpError> {
    Ok(show_version::parse(&s.clish("show version").await?).map_err(crate::DeviceError::from)?)
}

pub async fn failover_state(s: &mut CliSession) -> Result<ShowFailoverState, OpError> {
    Ok(
        failover_state::parse(&s.clish("show failover state").await?)
            .map_err(crate::DeviceError::from)?,
    )
}

pub async fn show_failover(s: &mut CliSession) -> Result<ShowFailover, OpError> {
    Ok(show_failover::parse(&s.clish("show failover").await?).map_err(crate::DeviceError::from)?)
}

/// `show version` and `show failover state`: the cheap look every module starts with.
pub async fn identity(s: &mut CliSession) -> Result<Identity, OpError> {
    let version = show_version(s).await?;
    let failover = failover_state(s).await?;
    Ok(Identity::from_parts(&version, &failover))
}

pub async fn packages(s: &mut CliSession) -> Result<Vec<PackageFile>, OpError> {
    let (out, status) = s.root(&format!("ls -l {}", paths::UPDATES_DIR)).await?;
    Ok(if status == 0 {
        listing::ls_long(&out)
    } else {
        vec![]
    })
}

/// The upgrade status file of `package`, if an upgrade with it ever ran on this unit. The
/// installer rewrites the file whole, so a read can catch it half written: a torn read is
/// read again (up to three times, a second apart) before it counts as unreadable.
pub async fn upgrade_status(
    s: &mut CliSession,
    package: &Package,
) -> Result<Option<UpgradeStatus>, OpError> {
    let mut tries = 0;
    loop {
        let Some(out) = s.read_file(&paths::upgrade_status_json(package)).await? else {
            return Ok(None);
        };
        if out.trim().is_empty() {
            return Ok(None);
        }
        match status_files::upgrade_status_json(&out) {
            Ok(status) => return Ok(Some(status)),
            Err(e) if tries >= 2 => return Err(crate::DeviceError::from(e).into()),
            Err(_) => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}

/// Everything `facts` returns.
#[derive(Debug, Clone, Serialize)]
pub struct UnitFacts {
    #[serde(flatten)]
    pub identity: Identity,
    pub uuid: Option<String>,
    pub lsp_version: Option<String>,
    pub vdb_version: Option<String>,
    pub failover: ShowFailoverState,
    pub failover_details: ShowFailover,
    pub packages: Vec<PackageFile>,
    /// The newest upgrade status found for a package on the unit.
    pub upgrade: Option<UpgradeStatus>,
    /// An upgrade runs on the unit now (an installer that is not a readiness check, whatever
    /// its status files say yet): a run that was stopped left it going.
    pub upgrade_running: bool,
    pub disk_available: Option<String>,
    /// FXOS as the login banner names it (`2.12.0.1104`); on a Firepower 4100/9300 the
    /// chassis', which the upgrade path checks.
    pub fxos_version: Option<String>,
}

pub async fn gather(s: &mut CliSession) -> Result<UnitFacts, OpError> {
    let version = show_version(s).await?;
    let failover = failover_state(s).await?;
    let failover_details = show_failover(s).await?;
    let packages = packages(s).await?;
    let mut upgrade = None;
    let mut newest: Option<Version> = None;
    for file in &packages {
        if let Ok(package) = Package::parse(&file.name)
            && let Some(status) = upgrade_status(s, &package).await?
            && newest.as_ref().is_none_or(|v| package.version > *v)
        {
            newest = Some(package.version.clone());
            upgrade = Some(status);
        }
    }
    // By the installer's process alone, as install decides: while it unpacks, the status file
    // is still an earlier attempt's (FAILED, COMPLETED) or not there at all.
    let upgrade_running = super::attempt::upgrade_running(s).await?;
    let (df, _) = s.root("df -h /ngfw").await?;
    Ok(UnitFacts {
        identity: Identity::from_parts(&version, &failover),
        uuid: version.uuid.clone(),
        lsp_version: version.rules_version.clone(),
        vdb_version: version.vdb_version.clone(),
        failover,
        failover_details,
        packages,
        upgrade,
        upgrade_running,
        disk_available: listing::df_available(&df),
        fxos_version: Fxos::from_device_text(&s.banner).map(|f| f.to_string()),
    })
}
