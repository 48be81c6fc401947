//! Where things live on the device (domain §5 and §6).

use crate::version::Package;

pub const UPDATES_DIR: &str = "/ngfw/var/sf/updates";
pub const LOG_ROOT: &str = "/ngfw/var/log/sf";
pub const INSTALLER: &str = "install_update.pl";

pub fn package_path(package: &Package) -> String {
    format!("{UPDATES_DIR}/{}", package.file_name)
}

pub fn log_dir(package: &Package) -> String {
    format!("{LOG_ROOT}/{}", package.log_folder())
}

pub fn readiness_dir(package: &Package) -> String {
    format!("{}/upgrade_readiness", log_dir(package))
}

pub fn readiness_status(package: &Package) -> String {
    format!("{}/upgrade_readiness_status", readiness_dir(package))
}

pub fn readiness_json(package: &Package) -> String {
    format!("{}/upgrade_readiness_status.json", readiness_dir(package))
}

pub fn upgrade_status_log(package: &Package) -> String {
    format!("{}/upgrade_status.log", log_dir(package))
}

pub fn upgrade_status_json(package: &Package) -> String {
    format!("{}/upgrade_status.json", log_dir(package))
}

pub fn status_log(package: &Package) -> String {
    format!("{}/status.log", log_dir(package))
}

pub fn main_upgrade_log(package: &Package) -> String {
    format!("{}/main_upgrade_script.log", log_dir(package))
}

/// The directory one controller holds while it changes a unit (see `ops::lock`): made with
/// `mkdir` (atomic) under `/ngfw/var/log`, which only root writes and which survives the
/// upgrade's reboot (the upgrade's own logs live beside it). UNVERIFIED: the folder's mode on
/// a real unit is not in the public record; a world-writable place such as /var/tmp is not
/// used on purpose.
pub const LOCK_DIR: &str = "/ngfw/var/log/ftd_ha_upgrade.lock";

/// The kernel's id of the current boot: it changes at every boot, so it tells a reboot
/// from a unit that only said it would reboot.
pub const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// Written by this tool into the package's log folder when it starts a readiness check or
/// an upgrade there (after setting the earlier attempt's files aside): files in the folder
/// without it are not this tool's run.
pub fn run_marker(package: &Package, upgrade: bool) -> String {
    let kind = if upgrade { "upgrade" } else { "readiness" };
    format!("{}/.ftd_ha_upgrade_{kind}", log_dir(package))
}
