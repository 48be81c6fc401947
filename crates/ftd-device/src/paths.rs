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

/// Marker file that one controller holds while it changes a unit (see `ops::lock`).
pub const LOCK_FILE: &str = "/var/tmp/ftd_ha_upgrade.lock";
