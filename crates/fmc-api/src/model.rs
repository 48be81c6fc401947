//! The FMC's objects, read leniently: the fields the domain file names, absent ones empty.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceRecord {
    pub id: String,
    pub name: String,
    /// The management address.
    pub host_name: String,
    pub sw_version: String,
    /// The HA pair (container) the device is in, when it is.
    pub container_id: Option<String>,
}

impl DeviceRecord {
    pub fn from_json(v: &Value) -> DeviceRecord {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        DeviceRecord {
            id: s(&v["id"]),
            name: s(&v["name"]),
            host_name: s(&v["hostName"]),
            sw_version: s(&v["sw_version"]),
            container_id: v["metadata"]["containerDetails"]["id"]
                .as_str()
                .map(String::from),
        }
    }
}

/// One member of an HA pair with the FMC's view of its status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    pub id: String,
    pub name: String,
    /// `Active`, `Standby`, ...
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HaPair {
    pub id: String,
    pub name: String,
    pub primary: Member,
    pub secondary: Member,
}

impl HaPair {
    pub fn from_json(v: &Value) -> HaPair {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let member = |key: &str, status: &str| Member {
            id: s(&v[key]["id"]),
            name: s(&v[key]["name"]),
            status: s(&v["metadata"][status]["currentStatus"]),
        };
        HaPair {
            id: s(&v["id"]),
            name: s(&v["name"]),
            primary: member("primary", "primaryStatus"),
            secondary: member("secondary", "secondaryStatus"),
        }
    }

    pub fn members(&self) -> [&Member; 2] {
        [&self.primary, &self.secondary]
    }

    pub fn has(&self, device_id: &str) -> bool {
        self.primary.id == device_id || self.secondary.id == device_id
    }
}

/// An upgrade package uploaded to the FMC (`updates/upgradepackages`, upgrade-paths.md §3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpgradePackage {
    pub id: String,
    /// As the FMC names it: `Cisco_FTD_Upgrade-7.2.7-500.sh`.
    pub name: String,
    /// `metadata.upgradeFileName` when given, else the name.
    pub file_name: String,
    /// `metadata.updateVersion`, `6.3.0-10716 IMS 10716`.
    pub version: String,
    /// `metadata.fileSize` (a number or a numeric string; UNVERIFIED which).
    pub size: Option<u64>,
}

impl UpgradePackage {
    pub fn from_json(v: &Value) -> UpgradePackage {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let name = s(&v["name"]);
        let file_name = v["metadata"]["upgradeFileName"]
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| name.clone());
        let size = &v["metadata"]["fileSize"];
        UpgradePackage {
            id: s(&v["id"]),
            file_name,
            version: s(&v["metadata"]["updateVersion"]),
            size: size
                .as_u64()
                .or_else(|| size.as_str().and_then(|t| t.trim().parse().ok())),
            name,
        }
    }

    /// `<prefix>-<version>-<build>`: what the FMC's `...sh` name and the unit's `...sh.REL.tar`
    /// file share (upgrade-paths.md §2, INFERRED).
    pub fn stem(name: &str) -> &str {
        let name = name.rsplit('/').next().unwrap_or(name);
        [".sh.REL.tar", ".sh.DEV.tar", ".sh"]
            .iter()
            .find_map(|end| name.strip_suffix(end))
            .unwrap_or(name)
    }

    /// Whether this is the package a unit knows as `unit_file`.
    pub fn is(&self, unit_file: &str) -> bool {
        let wanted = Self::stem(unit_file);
        Self::stem(&self.name) == wanted || Self::stem(&self.file_name) == wanted
    }
}

/// Whether a task status is final, and then whether it succeeded (the words seen in public
/// clients: `Success`, `SUCCESS`, `COMPLETED`, `Deployed`, `FAILED`, `Failed`).
pub fn task_finished(status: &str) -> Option<bool> {
    match status.to_ascii_uppercase().as_str() {
        "SUCCESS" | "COMPLETED" | "DEPLOYED" => Some(true),
        "FAILED" | "FAILURE" | "ERROR" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_pair_and_a_device_leniently() {
        let p = HaPair::from_json(&json!({
            "id": "ha1", "name": "pair1",
            "primary": {"id": "d1", "name": "fw-1-a"}, "secondary": {"id": "d2", "name": "fw-1-b"},
            "metadata": {"primaryStatus": {"currentStatus": "Active"}, "secondaryStatus": {"currentStatus": "Standby"}}
        }));
        assert_eq!(
            (p.primary.status.as_str(), p.secondary.name.as_str()),
            ("Active", "fw-1-b")
        );
        assert!(p.has("d2") && !p.has("d3"));
        let d =
            DeviceRecord::from_json(&json!({"id": "d1", "name": "fw-1-a", "sw_version": "7.2.7"}));
        assert_eq!((d.sw_version.as_str(), d.container_id), ("7.2.7", None));
    }

    #[test]
    fn task_words() {
        for s in ["Success", "SUCCESS", "COMPLETED", "Deployed"] {
            assert_eq!(task_finished(s), Some(true), "{s}");
        }
        for s in ["FAILED", "Failed"] {
            assert_eq!(task_finished(s), Some(false), "{s}");
        }
        for s in ["PENDING", "RUNNING", "IN_PROGRESS", "DEPLOYING", "UNKNOWN"] {
            assert_eq!(task_finished(s), None, "{s}");
        }
    }
}
