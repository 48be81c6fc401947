//! FTD versions (`7.2.7-500`, `7.2.5.1-29`) and upgrade package names
//! (`Cisco_FTD_SSP_FP2K_Upgrade-7.2.7-500.sh.REL.tar`).

use once_cell::sync::Lazy;
use regex::Regex;
use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// `X.Y.Z[.P]` with an optional `-BUILD`. Without a build it matches any build of that release.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    pub parts: Vec<u32>,
    pub build: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not an FTD version: expected X.Y.Z[.P]-BUILD, for example 7.2.7-500 or 7.2.5.1-29"
)]
pub struct VersionError(pub String);

static VERSION: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^(\d{1,3}(?:\.\d{1,4}){2,3})(?:-(\d{1,6}))?$").unwrap());

impl Version {
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let t = text.trim();
        let c = VERSION
            .captures(t)
            .ok_or_else(|| VersionError(text.to_string()))?;
        let parts = c[1]
            .split('.')
            .map(|p| p.parse().map_err(|_| VersionError(text.to_string())))
            .collect::<Result<_, _>>()?;
        let build = c
            .get(2)
            .map(|b| {
                b.as_str()
                    .parse()
                    .map_err(|_| VersionError(text.to_string()))
            })
            .transpose()?;
        Ok(Version { parts, build })
    }

    /// Same release, and same build when both name one.
    pub fn matches(&self, other: &Version) -> bool {
        self.release_key() == other.release_key()
            && (self.build.is_none() || other.build.is_none() || self.build == other.build)
    }

    /// `7.2.7` as `[7,2,7,0]` so that `7.2.7` and `7.2.7.0` compare equal.
    fn release_key(&self) -> [u32; 4] {
        let mut key = [0; 4];
        for (k, p) in key.iter_mut().zip(&self.parts) {
            *k = *p;
        }
        key
    }

    /// `7.2.7` (the release without the build).
    pub fn release(&self) -> String {
        self.parts
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.release_key()
            .cmp(&other.release_key())
            .then(self.build.unwrap_or(0).cmp(&other.build.unwrap_or(0)))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.release())?;
        if let Some(b) = self.build {
            write!(f, "-{b}")?;
        }
        Ok(())
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageKind {
    Upgrade,
    Patch,
    Hotfix,
}

/// What a package's file name says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    pub file_name: String,
    /// `Cisco_FTD_SSP_FP2K_Upgrade`
    pub prefix: String,
    pub platform: String,
    pub kind: PackageKind,
    pub version: Version,
}

/// Package prefixes per platform (domain §5), without the `_Upgrade`/`_Patch` suffix.
const PLATFORMS: [(&str, &str); 7] = [
    ("Cisco_FTD_SSP_FP1K", "Firepower 1000"),
    ("Cisco_FTD_SSP_FP2K", "Firepower 2100"),
    ("Cisco_FTD_SSP_FP3K", "Secure Firewall 3100"),
    ("Cisco_FTD_SSP", "Firepower 4100/9300"),
    ("Cisco_Secure_FW_TD_4200", "Secure Firewall 4200"),
    ("Cisco_Secure_FW_TD_1200", "Secure Firewall 1200"),
    ("Cisco_FTD", "FTDv, ISA 3000, ASA 5500-X"),
];

static PACKAGE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^([A-Za-z0-9_]+)-(\d+(?:\.\d+){2,3})-(\d+)\.sh\.REL\.tar$").unwrap());
static SUFFIX: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"_(Upgrade|Patch|Hotfix_[A-Za-z0-9]+)$").unwrap());

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not an FTD upgrade package name: expected <prefix>-<version>-<build>.sh.REL.tar, for example Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar"
)]
pub struct PackageNameError(pub String);

impl Package {
    /// Accepts a bare file name or a path; only the file name is read.
    pub fn parse(name_or_path: &str) -> Result<Self, PackageNameError> {
        let file_name = name_or_path.trim().rsplit('/').next().unwrap_or_default();
        let c = PACKAGE
            .captures(file_name)
            .ok_or_else(|| PackageNameError(name_or_path.to_string()))?;
        let prefix = c[1].to_string();
        let kind = match SUFFIX.captures(&prefix).map(|s| s[1].to_string()) {
            Some(s) if s.starts_with("Hotfix") => PackageKind::Hotfix,
            Some(s) if s == "Patch" => PackageKind::Patch,
            _ => PackageKind::Upgrade,
        };
        let base = SUFFIX.replace(&prefix, "");
        let platform = PLATFORMS
            .iter()
            .find(|(p, _)| base == *p)
            .map(|(_, name)| name.to_string())
            .ok_or_else(|| PackageNameError(name_or_path.to_string()))?;
        let version = Version::parse(&format!("{}-{}", &c[2], &c[3]))
            .map_err(|_| PackageNameError(name_or_path.to_string()))?;
        Ok(Package {
            file_name: file_name.to_string(),
            prefix,
            platform,
            kind,
            version,
        })
    }

    /// The log folder under `/ngfw/var/log/sf/`: the name cut before the build.
    pub fn log_folder(&self) -> String {
        format!("{}-{}", self.prefix, self.version.release())
    }
}

/// The package prefix a model string calls for (`show version`'s `Model` line).
pub fn package_prefix_for_model(model: &str) -> &'static str {
    let m = model.to_lowercase();
    if m.contains("firepower 1") {
        "Cisco_FTD_SSP_FP1K_Upgrade"
    } else if m.contains("firepower 21") {
        "Cisco_FTD_SSP_FP2K_Upgrade"
    } else if m.contains("firewall 31") {
        "Cisco_FTD_SSP_FP3K_Upgrade"
    } else if m.contains("firepower 41") || m.contains("firepower 93") {
        "Cisco_FTD_SSP_Upgrade"
    } else if m.contains("42") && (m.contains("firewall") || m.contains("firepower")) {
        "Cisco_Secure_FW_TD_4200"
    } else if m.contains("firewall 12") {
        "Cisco_Secure_FW_TD_1200"
    } else {
        "Cisco_FTD_Upgrade"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_versions() {
        let a = Version::parse("7.2.7-500").unwrap();
        let b = Version::parse("7.2.5.1-29").unwrap();
        let c = Version::parse("7.4.1-172").unwrap();
        assert!(b < a && a < c);
        assert_eq!(b.to_string(), "7.2.5.1-29");
        assert!(Version::parse("7.2.7").unwrap().matches(&a));
        assert!(!Version::parse("7.2.7-501").unwrap().matches(&a));
        assert_eq!(
            Version::parse("7.2.7.0-500").unwrap().cmp(&a),
            Ordering::Equal
        );
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        for bad in [
            "",
            "7",
            "7.2",
            "seven",
            "7.2.7-",
            "7.2.7-abc",
            "7.2.7.1.2-1",
            "latest",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn package_names_per_platform() {
        let p =
            Package::parse("/ngfw/var/sf/updates/Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar").unwrap();
        assert_eq!(
            (p.kind, p.version.to_string(), p.log_folder()),
            (
                PackageKind::Upgrade,
                "7.2.7-500".into(),
                "Cisco_FTD_Upgrade-7.2.7".into()
            )
        );
        let p = Package::parse("Cisco_FTD_SSP_FP2K_Patch-7.2.5.1-29.sh.REL.tar").unwrap();
        assert_eq!(
            (p.kind, p.platform.as_str()),
            (PackageKind::Patch, "Firepower 2100")
        );
        let p = Package::parse("Cisco_FTD_Hotfix_AB-7.2.5.1-3.sh.REL.tar").unwrap();
        assert_eq!(p.kind, PackageKind::Hotfix);
        let p = Package::parse("Cisco_Secure_FW_TD_4200-7.4.1-172.sh.REL.tar").unwrap();
        assert_eq!(
            (p.platform.as_str(), p.log_folder().as_str()),
            ("Secure Firewall 4200", "Cisco_Secure_FW_TD_4200-7.4.1")
        );
        assert!(Package::parse("Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar.METADATA").is_err());
        assert!(Package::parse("Random_Vendor_Upgrade-7.2.7-500.sh.REL.tar").is_err());
    }

    #[test]
    fn prefix_follows_the_model() {
        assert_eq!(
            package_prefix_for_model("Cisco Firepower Threat Defense for VMware (75)"),
            "Cisco_FTD_Upgrade"
        );
        assert_eq!(
            package_prefix_for_model("Cisco Firepower 2130 Threat Defense (77)"),
            "Cisco_FTD_SSP_FP2K_Upgrade"
        );
        assert_eq!(
            package_prefix_for_model("Cisco Secure Firewall 3120 Threat Defense (80)"),
            "Cisco_FTD_SSP_FP3K_Upgrade"
        );
        assert_eq!(
            package_prefix_for_model("Cisco Firepower 4215 Threat Defense (79)"),
            "Cisco_Secure_FW_TD_4200"
        );
    }
}
