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
