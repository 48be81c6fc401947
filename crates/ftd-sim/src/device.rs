//! The device's own facts, as `shared/domain/ftd-cli.md` states them: where files live, how
//! packages and their log folders are named, how a version is written. The simulator keeps
//! its own copy on purpose: it stands in for the device, so where the client's reading of the
//! domain file is wrong, the two must be able to disagree (a contract test in `ftd-stages`
//! shows where they agree).

use std::fmt;

/// §5: packages live here (the same directory as `/var/sf/updates`).
pub const UPDATES_DIR: &str = "/ngfw/var/sf/updates";
/// §6: logs go to `/ngfw/var/log/sf/<package name cut before the build>/`.
pub const LOG_ROOT: &str = "/ngfw/var/log/sf";
/// The kernel's id of the current boot (changes at every boot; standard Linux).
pub const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";
/// Not the device's: where ftd-ha-upgrade keeps a unit's lock, for the faults that play
/// another controller (`stale-lock`, `lock-race`).
pub const LOCK_DIR: &str = "/ngfw/var/log/ftd_ha_upgrade.lock";

/// `X.Y.Z[.P]-BUILD` (§4: "the version as operators and package names write it").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub parts: Vec<u32>,
    pub build: u32,
}

impl Version {
    /// Reads `7.2.7-500` or `7.2.5.1-29`; the sim always names a build.
    pub fn parse(text: &str) -> Option<Version> {
        let (release, build) = text.trim().split_once('-')?;
        let parts: Vec<u32> = release
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        if !(3..=4).contains(&parts.len()) {
            return None;
        }
        Some(Version {
            parts,
            build: build.parse().ok()?,
        })
    }

    /// `7.2.7`: the release without the build, as the `Model` line and the banner show it.
    pub fn release(&self) -> String {
        self.parts
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.release(), self.build)
    }
}

/// An upgrade package as the installer sees it: `<prefix>-<version>-<build>.sh.REL.tar`.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub file_name: String,
    pub version: Version,
    /// The file name cut before the build: the log folder's name.
    pub log_folder: String,
}

impl Package {
    /// From a path or a file name; None for anything that is not an upgrade bundle.
    pub fn parse(path: &str) -> Option<Package> {
        let file_name = path.rsplit('/').next()?.to_string();
        let stem = file_name.strip_suffix(".sh.REL.tar")?;
        let (head, build) = stem.rsplit_once('-')?;
        let (prefix, release) = head.rsplit_once('-')?;
        if prefix.is_empty() {
            return None;
        }
        let version = Version::parse(&format!("{release}-{build}"))?;
        Some(Package {
            log_folder: head.to_string(),
            file_name,
            version,
        })
    }

    pub fn path(&self) -> String {
        format!("{UPDATES_DIR}/{}", self.file_name)
    }

    pub fn log_dir(&self) -> String {
        format!("{LOG_ROOT}/{}", self.log_folder)
    }

    pub fn readiness_dir(&self) -> String {
        format!("{}/upgrade_readiness", self.log_dir())
    }

    pub fn readiness_status(&self) -> String {
        format!("{}/upgrade_readiness_status", self.readiness_dir())
    }

    pub fn readiness_json(&self) -> String {
        format!("{}/upgrade_readiness_status.json", self.readiness_dir())
    }

    pub fn readiness_main_log(&self) -> String {
        format!("{}/main_upgrade_script.log", self.readiness_dir())
    }

    pub fn upgrade_status_log(&self) -> String {
        format!("{}/upgrade_status.log", self.log_dir())
    }

    pub fn upgrade_status_json(&self) -> String {
        format!("{}/upgrade_status.json", self.log_dir())
    }

    pub fn status_log(&self) -> String {
        format!("{}/status.log", self.log_dir())
    }

    pub fn main_upgrade_log(&self) -> String {
        format!("{}/main_upgrade_script.log", self.log_dir())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_and_log_folders_of_the_domain_file() {
        let p =
            Package::parse("/ngfw/var/sf/updates/Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar").unwrap();
        assert_eq!(p.log_folder, "Cisco_FTD_Upgrade-7.2.7");
        assert_eq!(p.version.to_string(), "7.2.7-500");
        assert_eq!(
            p.upgrade_status_log(),
            "/ngfw/var/log/sf/Cisco_FTD_Upgrade-7.2.7/upgrade_status.log"
        );
        let fp = Package::parse("Cisco_Secure_FW_TD_4200-7.4.2.4-9.sh.REL.tar").unwrap();
        assert_eq!(fp.log_folder, "Cisco_Secure_FW_TD_4200-7.4.2.4");
        assert!(Package::parse("notes.txt").is_none());
        assert!(Package::parse("Cisco_FTD_Upgrade-7.2-500.sh.REL.tar").is_none());
    }
}
