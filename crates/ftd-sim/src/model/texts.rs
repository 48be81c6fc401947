//! What the device prints, following the quotes of `shared/domain/ftd-cli.md` word for word;
//! the few texts with no public quote are marked UNVERIFIED where they are made.

use crate::device::Version;

/// A hardware model the sim can play (`--model`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    pub key: &'static str,
    /// As on the `Model` line of `show version`.
    pub name: &'static str,
    /// As in the login banner.
    pub banner_name: &'static str,
    pub package_prefix: &'static str,
    /// Package size in bytes at the seed's scale.
    pub package_size: u64,
}

pub const MODELS: [Model; 6] = [
    Model {
        key: "ftdv",
        name: "Cisco Firepower Threat Defense for VMware (75)",
        banner_name: "Cisco Firepower Threat Defense for VMware",
        package_prefix: "Cisco_FTD_Upgrade",
        package_size: 1123706880,
    },
    Model {
        key: "fp1000",
        name: "Cisco Firepower 1120 Threat Defense (78)",
        banner_name: "Cisco Firepower 1120 Threat Defense",
        package_prefix: "Cisco_FTD_SSP_FP1K_Upgrade",
        package_size: 1040587776,
    },
    Model {
        key: "fp2100",
        name: "Cisco Firepower 2130 Threat Defense (77)",
        banner_name: "Cisco Firepower 2130 Threat Defense",
        package_prefix: "Cisco_FTD_SSP_FP2K_Upgrade",
        package_size: 1271234560,
    },
    Model {
        key: "fp3100",
        name: "Cisco Secure Firewall 3120 Threat Defense (80)",
        banner_name: "Cisco Secure Firewall 3120 Threat Defense",
        package_prefix: "Cisco_FTD_SSP_FP3K_Upgrade",
        package_size: 1498767360,
    },
    Model {
        key: "fp4100",
        name: "Cisco Firepower 4112 Threat Defense (76)",
        banner_name: "Cisco Firepower 4112 Threat Defense",
        package_prefix: "Cisco_FTD_SSP_Upgrade",
        package_size: 1612697600,
    },
    Model {
        key: "fp4200",
        name: "Cisco Firepower 4215 Threat Defense (79)",
        banner_name: "Cisco Firepower 4215 Threat Defense",
        package_prefix: "Cisco_Secure_FW_TD_4200",
        package_size: 1734082560,
    },
];

pub fn model(key: &str) -> Option<Model> {
    MODELS.iter().copied().find(|m| m.key == key)
}

pub fn package_name(model: &Model, version: &Version) -> String {
    format!("{}-{}.sh.REL.tar", model.package_prefix, version)
}

/// The LINA engine version an FTD release runs (7.2.x runs 9.18, 7.4.x 9.20). The
/// parenthesised part is synthetic: no public table maps every build.
pub fn lina_version(v: &Version) -> String {
    let major = match (v.parts[0], v.parts[1]) {
        (6, 6) => 14,
        (6, 7) => 15,
        (7, 0) => 16,
        (7, 1) => 17,
        (7, 2) => 18,
        (7, 3) => 19,
        (7, 4) => 20,
        (7, 6) => 22,
        (7, 7) => 23,
        (a, b) => 10 + a * 2 + b,
    };
    format!("9.{major}({}){}", v.parts[2], v.build)
}

fn fxos_version(v: &Version) -> &'static str {
    match (v.parts[0], v.parts[1]) {
        (7, 0) => "v2.10.1 (build 159)",
        (7, 1) => "v2.11.1 (build 154)",
        (7, 2) => "v2.12.0 (build 1104)",
        (7, 3) => "v2.13.0 (build 198)",
        (7, 4) => "v2.14.1 (build 131)",
        _ => "v2.16.0 (build 128)",
    }
}

/// The login banner (seed, FTDv 7.2.2), up to but without the first prompt.
pub fn banner(model: &Model, v: &Version, fxos: Option<&str>) -> String {
    format!(
        "Copyright 2004-2022, Cisco and/or its affiliates. All rights reserved.\n\
         Cisco is a registered trademark of Cisco Systems, Inc.\n\
         All other trademarks are property of their respective owners.\n\
         \n\
         Cisco Firepower Extensible Operating System (FX-OS) {}\n\
         {} v{} (build {})\n\n",
        fxos.map(|f| format!("v{f}"))
            .unwrap_or_else(|| fxos_version(v).to_string()),
        model.banner_name,
        v.release(),
        v.build
    )
}

pub struct VersionInfo<'a> {
    pub hostname: &'a str,
    pub model: &'a Model,
    pub version: &'a Version,
    pub uuid: &'a str,
}

/// `show version` at CLISH (seed, FTDv 7.2.7).
pub fn show_version(i: &VersionInfo) -> String {
    format!(
        "-------------------[ {} ]--------------------\n\
         Model                     : {} Version {} (Build {})\n\
         UUID                      : {}\n\
         LSP version               : lsp-rel-20240306-2015\n\
         VDB version               : 353\n\
         ----------------------------------------------------\n",
        i.hostname,
        i.model.name,
        i.version.release(),
        i.version.build,
        i.uuid
    )
}

/// `show version` in the diagnostic CLI: the same block, then LINA's (Cisco forensic guide).
pub fn show_version_lina(i: &VersionInfo) -> String {
    format!(
        "{}Cisco Adaptive Security Appliance Software Version {}\n\
         SSP Operating System Version 2.12(1.1104)\n\
         Compiled on Mon 23-Jun-25 22:00 GMT by builders\n\
         System image file is \"disk0:/os.img\"\n\
         Config file at boot was \"startup-config\"\n",
        show_version(i),
        lina_version(i.version)
    )
}

pub struct HostLine<'a> {
    pub role: &'a str,
    pub state: &'a str,
    pub reason: &'a str,
}

/// `show failover state` (LINA column layout; section lines indented with a tab as on the
/// Firepower 4215 capture).
pub fn failover_state(this: &HostLine, other: &HostLine, config_sync: &str) -> String {
    let host = |label: &str, h: &HostLine| {
        format!(
            "{label}-   {}\n               {:<14} {}\n",
            h.role, h.state, h.reason
        )
    };
    format!(
        "               State          Last Failure Reason      Date/Time\n{}{}\n====Configuration State===\n\t{}\n====Communication State===\n\tMac set\n",
        host("This host  ", this),
        host("Other host ", other),
        config_sync
    )
}

pub struct FailoverDetail<'a> {
    pub unit: &'a str,
    pub this: (&'a str, &'a str, &'a Version),
    pub other: (&'a str, &'a str, &'a Version),
    pub other_up: bool,
    pub snort_up: bool,
}

/// `show failover` (Cisco TAC 225852 layout; interface lines synthetic for a sim unit).
pub fn show_failover(d: &FailoverDetail) -> String {
    let slots = |v: &Version, up: bool, ip: &str, snort_up: bool| {
        if !up {
            return "\t\tslot 0: empty\n".to_string();
        }
        format!(
            "\t\tslot 0: FTDv hw/sw rev (/{lina}) status (Up Sys)\n\
             \t\t  Interface management (192.0.2.1{ip}): Normal (Monitored)\n\
             \t\t  Interface inside (198.51.100.{ip}): Normal (Monitored)\n\
             \t\t  Interface outside (203.0.113.{ip}): Normal (Monitored)\n\
             \t\tslot 1: snort rev (1.0)  status ({snort})\n\
             \t\tslot 2: diskstatus rev (1.0)  status (up)\n",
            lina = lina_version(v),
            snort = if snort_up { "up" } else { "down" },
        )
    };
    format!(
        "Failover On \n\
         Failover unit {}\n\
         Failover LAN Interface: FailOver GigabitEthernet0/2 (up)\n\
         Reconnect timeout 0:00:00\n\
         Unit Poll frequency 1 seconds, holdtime 15 seconds\n\
         Interface Poll frequency 5 seconds, holdtime 25 seconds\n\
         Interface Policy 1\n\
         Monitored Interfaces 3 of 1291 maximum\n\
         MAC Address Move Notification Interval not set\n\
         failover replication http\n\
         Version: Ours {}, Mate {}\n\
         Serial Number: Ours 9AB1CD2EF3G, Mate 9AB1CD2EF4H\n\
         Last Failover at: 02:10:11 UTC Jul 18 2024\n\
         \tThis host: {} - {} \n\
         \t\tActive time: 184688 (sec)\n{}\
         \tOther host: {} - {} \n\
         \t\tActive time: 0 (sec)\n{}",
        d.unit,
        lina_version(d.this.2),
        if d.other_up {
            lina_version(d.other.2)
        } else {
            "Unknown".into()
        },
        d.this.0,
        d.this.1,
        slots(d.this.2, true, "1", d.snort_up),
        d.other.0,
        d.other.1,
        slots(d.other.2, d.other_up, "2", true),
    )
}

/// `show running-config failover` (synthetic addresses, documentation ranges).
pub fn running_config_failover(unit: &str) -> String {
    format!(
        "failover\nfailover lan unit {}\nfailover lan interface FailOver GigabitEthernet0/2\nfailover replication http\n\
         failover link FailOver GigabitEthernet0/2\nfailover interface ip FailOver 192.0.2.1 255.255.255.252 standby 192.0.2.2\n",
        unit.to_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn banner_matches_the_seed() {
        let m = model("ftdv").unwrap();
        let b = banner(&m, &v("7.2.2-54"), None);
        assert!(b.contains(
            "Cisco Firepower Extensible Operating System (FX-OS) v2.12.0 (build 1104)\n"
        ));
        assert!(b.contains("Cisco Firepower Threat Defense for VMware v7.2.2 (build 54)\n"));
    }
}
