//! Which running version can go to which target directly: the public rows of
//! `shared/domain/upgrade-paths.md` §1 in one table, and the rules quoted beside it (patches,
//! 6.6.5+ → 6.7.0, FXOS on 4100/9300, the package's platform). The device's own readiness
//! check refuses a wrong path too, but only after the package was copied and minutes were
//! spent; this refuses before anything changes. A target with no public row is never guessed:
//! it passes with a warning that the device's readiness check decides.

use crate::version::{Package, PackageKind, Version};
use once_cell::sync::Lazy;
use regex::Regex;
use std::fmt;

/// One quoted row: to reach `target` (major.minor), a unit runs at least `minimum`, and a
/// Firepower 4100/9300 chassis at least FXOS `fxos`.
struct Row {
    target: (u32, u32),
    minimum: &'static str,
    /// Threat defense virtual on GCP, where the source names another minimum.
    minimum_gcp: Option<&'static str>,
    fxos: &'static str,
    source: &'static str,
}

const ROWS: [Row; 5] = [
    Row {
        target: (6, 6),
        minimum: "6.2.3",
        minimum_gcp: None,
        fxos: "2.8.1.15",
        source: "Cisco 6.6 release notes, \"Minimum Version to Upgrade\"",
    },
    Row {
        target: (6, 7),
        minimum: "6.3.0",
        minimum_gcp: None,
        fxos: "2.9.1.131",
        source: "Cisco 6.7 release notes",
    },
    Row {
        target: (7, 1),
        minimum: "6.5.0",
        minimum_gcp: None,
        fxos: "2.11.1.154",
        source: "Cisco 7.1 release notes",
    },
    Row {
        target: (7, 2),
        minimum: "6.6.0",
        minimum_gcp: None,
        fxos: "2.12.0.31",
        source: "Cisco FDM 7.2 upgrade guidelines; the seed's FMC table says \"Required Minimum Version 6.6.0\"",
    },
    Row {
        target: (7, 3),
        minimum: "7.0.0",
        minimum_gcp: Some("7.2.0"),
        fxos: "2.13.0.198",
        source: "Cisco 7.3 upgrade guidelines",
    },
];

/// An FXOS version, `2.12.0.31`: the banner's `v2.12.0 (build 1104)`, the diagnostic CLI's
/// `2.10(1.4003)` and the dotted form all read as four numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fxos(pub [u32; 4]);

/// `2.12.0.31`, `2.12(0.31)`, `v2.12.0 (build 1104)`: three or four numbers in one of those shapes.
static FXOS_TEXT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"^v?\d+\.\d+(?:\.\d+(?:\.\d+|[ \t]*\(build[ \t]*\d+\))?|\(\d+\.\d+\))$").unwrap()
});
static NUMBER: Lazy<Regex> = Lazy::new(|| Regex::new(r"\d+").unwrap());
/// The FX-OS line of the login banner (domain §1): `... (FX-OS) v2.12.0 (build 1104)`.
static FXOS_BANNER: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"\(FX-OS\)[ \t]+(v?\d+\.\d+\.\d+[ \t]*\(build[ \t]*\d+\))").unwrap());
/// The diagnostic CLI's `show version` (domain §4): `SSP Operating System Version 2.10(1.4003)`.
static FXOS_SSP: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"SSP Operating System Version[ \t]+(\d+\.\d+\(\d+\.\d+\))").unwrap());

impl Fxos {
    pub fn parse(text: &str) -> Option<Fxos> {
        let text = text.trim();
        if !FXOS_TEXT.is_match(text) {
            return None;
        }
        let mut n = [0; 4];
        for (slot, m) in n.iter_mut().zip(NUMBER.find_iter(text)) {
            *slot = m.as_str().parse().ok()?;
        }
        Some(Fxos(n))
    }

    /// From the login banner or the diagnostic CLI's `show version`, whichever it holds.
    pub fn from_device_text(text: &str) -> Option<Fxos> {
        [&FXOS_BANNER, &FXOS_SSP]
            .iter()
            .find_map(|re| re.captures(text))
            .and_then(|c| Fxos::parse(&c[1]))
    }
}

impl fmt::Display for Fxos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

/// What the gate knows of the unit.
#[derive(Debug, Clone, Copy)]
pub struct Running<'a> {
    pub version: &'a Version,
    /// `show version`'s `Model` line.
    pub model: &'a str,
    /// Read from the banner; `None` when the unit printed none.
    pub fxos: Option<Fxos>,
}

/// Where the target is: a refusal names the rule, its source and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A public row or rule allows it.
    Direct,
    /// The public record has no row for this target: the device's readiness check decides.
    Unknown(String),
    Refused(String),
}

/// A Firepower 4100/9300 runs FXOS apart from threat defense (every other model carries it
/// inside the package).
pub fn separate_fxos(model: &str) -> bool {
    let m = model.to_lowercase();
    m.contains("firepower 41") || m.contains("firepower 93")
}

/// The package prefix (without `_Upgrade`/`_Patch`/`_Hotfix_*`) a model takes, when the
/// model is one the record names (domain upgrade-paths §2); `None` for one it does not.
fn platform_prefix(model: &str) -> Option<&'static str> {
    let m = model.to_lowercase();
    let rules: [(&[&str], &str); 8] = [
        (&["firepower 1"], "Cisco_FTD_SSP_FP1K"),
        (&["firepower 21"], "Cisco_FTD_SSP_FP2K"),
        (&["firewall 31"], "Cisco_FTD_SSP_FP3K"),
        (&["firepower 41", "firepower 93"], "Cisco_FTD_SSP"),
        (&["firepower 42", "firewall 42"], "Cisco_Secure_FW_TD_4200"),
        (&["firewall 12"], "Cisco_Secure_FW_TD_1200"),
        (
            &[
                "for vmware",
                "for kvm",
                "virtual",
                "asa55",
                "isa 3000",
                "isa3000",
            ],
            "Cisco_FTD",
        ),
        (&["for azure", "for aws", "for gcp", "for oci"], "Cisco_FTD"),
    ];
    rules
        .iter()
        .find(|(keys, _)| keys.iter().any(|k| m.contains(k)))
        .map(|(_, prefix)| *prefix)
}

fn v(text: &str) -> Version {
    Version::parse(text).expect("the table's versions are versions")
}

/// Whether `running` can go to `target` (with `package`, when known) in one upgrade.
pub fn check(running: Running, target: &Version, package: Option<&Package>) -> Verdict {
    let from = running.version;
    let refuse = |rule: &str, what: String| Verdict::Refused(format!("{what}. Rule: {rule}"));
    if let Some(p) = package {
        let base = p
            .prefix
            .trim_end_matches("_Upgrade")
            .split("_Patch")
            .next()
            .unwrap_or_default()
            .split("_Hotfix")
            .next()
            .unwrap_or_default();
        if let Some(wanted) = platform_prefix(running.model)
            && wanted != base
        {
            return refuse(
                "the package's platform",
                format!(
                    "{} is a package for {}, and this unit is a {}: use the {}-... package",
                    p.file_name, p.platform, running.model, wanted
                ),
            );
        }
        if !p.version.matches(target) {
            return refuse(
                "the package's version",
                format!(
                    "{} holds {}, not the target {target}",
                    p.file_name, p.version
                ),
            );
        }
    }
    if from.matches(target) {
        return Verdict::Direct;
    }
    if target < from {
        return refuse(
            "no downgrade",
            format!(
                "the unit runs {from}, newer than the target {target}; an upgrade cannot go back"
            ),
        );
    }
    let maintenance = |x: &Version| [x.parts[0], x.parts[1], x.parts[2]];
    let patch = target.parts.get(3).is_some_and(|p| *p > 0)
        || package.is_some_and(|p| p.kind != PackageKind::Upgrade);
    if patch {
        return if maintenance(from) == maintenance(target) {
            Verdict::Direct
        } else {
            refuse(
                "\"Patches change the fourth digit only. You cannot upgrade directly to a patch from a previous major or maintenance release.\", Cisco release notes",
                format!(
                    "{target} is a patch or hotfix of {}; the unit runs {from}: upgrade to {} first, then apply it",
                    maintenance(target).map(|n| n.to_string()).join("."),
                    maintenance(target).map(|n| n.to_string()).join("."),
                ),
            )
        };
    }
    if maintenance(target) == [6, 7, 0] && from.parts[0..2] == [6, 6] && from.parts[2] >= 5 {
        return refuse(
            "\"You cannot upgrade to Version 6.7.0 from Version 6.6.5 or later maintenance release\", Cisco 6.7 release notes",
            format!(
                "the unit runs {from}, whose data store is newer than 6.7.0's: choose 6.7.x above 6.7.0, or 7.0 or later"
            ),
        );
    }
    let Some(row) = ROWS
        .iter()
        .find(|r| (target.parts[0], target.parts[1]) == r.target)
    else {
        return Verdict::Unknown(format!(
            "the public record has no minimum version for {}.{} targets: the device's readiness check decides whether {from} can go to {target} directly",
            target.parts[0], target.parts[1]
        ));
    };
    let model = running.model.to_lowercase();
    let minimum = match row.minimum_gcp {
        Some(m) if model.contains("gcp") || model.contains("google") => m,
        _ => row.minimum,
    };
    if *from < v(minimum) {
        return refuse(
            row.source,
            format!(
                "{target} needs at least {minimum} running, and the unit runs {from}: upgrade to {minimum} or later first (a hop of ftd_upgrade_path)"
            ),
        );
    }
    if separate_fxos(running.model) {
        let wanted = Fxos::parse(row.fxos).expect("the table's FXOS versions are versions");
        match running.fxos {
            Some(have) if have < wanted => {
                return refuse(
                    row.source,
                    format!(
                        "{target} needs FXOS {wanted} or later on a Firepower 4100/9300, and the chassis runs FXOS {have}: upgrade FXOS first (Cisco's FXOS compatibility guide: FXOS to the highest version that supports the running logical device, then the logical device)"
                    ),
                );
            }
            None => {
                return Verdict::Unknown(format!(
                    "the unit printed no FXOS version: the device's readiness check decides whether the chassis meets {target}'s FXOS {wanted}"
                ));
            }
            Some(_) => {}
        }
    }
    Verdict::Direct
}

#[cfg(test)]
mod tests {
    use super::*;

    const FTDV: &str = "Cisco Firepower Threat Defense for VMware (75)";
    const FP4112: &str = "Cisco Firepower 4112 Threat Defense (76)";

    fn gate(from: &str, model: &str, fxos: Option<&str>, to: &str, pkg: Option<&str>) -> Verdict {
        let from = v(from);
        let package = pkg.map(|p| Package::parse(p).unwrap());
        check(
            Running {
                version: &from,
                model,
                fxos: fxos.and_then(Fxos::parse),
            },
            &v(to),
            package.as_ref(),
        )
    }

    fn refused(verdict: Verdict) -> String {
        match verdict {
            Verdict::Refused(why) => why,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn the_minimum_of_each_public_row_is_enforced() {
        assert_eq!(
            gate("6.6.5-81", FTDV, None, "7.2.7-500", None),
            Verdict::Direct
        );
        assert_eq!(
            gate("6.6.0-90", FTDV, None, "7.2.7-500", None),
            Verdict::Direct
        );
        let why = refused(gate("6.5.0-115", FTDV, None, "7.2.7-500", None));
        assert!(why.contains("needs at least 6.6.0"), "{why}");
        assert!(why.contains("FDM 7.2 upgrade guidelines"), "{why}");
        assert!(refused(gate("6.7.0-65", FTDV, None, "7.3.1-19", None)).contains("7.0.0"));
        assert!(refused(gate("6.4.0-102", FTDV, None, "7.1.0-90", None)).contains("6.5.0"));
        let gcp = "Cisco Firepower Threat Defense for GCP (75)";
        assert!(refused(gate("7.1.0-90", gcp, None, "7.3.1-19", None)).contains("7.2.0"));
        assert_eq!(
            gate("7.1.0-90", FTDV, None, "7.3.1-19", None),
            Verdict::Direct
        );
    }

    #[test]
    fn a_target_without_a_public_row_is_left_to_the_device() {
        let Verdict::Unknown(why) = gate("7.2.5-208", FTDV, None, "7.4.1-172", None) else {
            panic!()
        };
        assert!(why.contains("no minimum version for 7.4"), "{why}");
    }

    #[test]
    fn patches_go_only_onto_their_own_maintenance_release() {
        let patch = "Cisco_FTD_Patch-7.2.5.1-29.sh.REL.tar";
        assert_eq!(
            gate("7.2.5-208", FTDV, None, "7.2.5.1-29", Some(patch)),
            Verdict::Direct
        );
        let why = refused(gate("7.2.4-165", FTDV, None, "7.2.5.1-29", Some(patch)));
        assert!(why.contains("upgrade to 7.2.5 first"), "{why}");
        assert!(why.contains("fourth digit only"), "{why}");
        let hotfix = "Cisco_FTD_SSP_FP3K_Hotfix_HM-7.2.11.1-2.sh.REL.tar";
        let fp3k = "Cisco Secure Firewall 3120 Threat Defense (80)";
        assert_eq!(
            gate("7.2.11-7", fp3k, None, "7.2.11.1-2", Some(hotfix)),
            Verdict::Direct
        );
        assert!(
            refused(gate("7.2.10-3", fp3k, None, "7.2.11.1-2", Some(hotfix))).contains("7.2.11")
        );
    }

    #[test]
    fn six_six_five_and_later_cannot_go_to_six_seven_zero() {
        let why = refused(gate("6.6.5-81", FTDV, None, "6.7.0-65", None));
        assert!(why.contains("6.6.5 or later"), "{why}");
        assert_eq!(
            gate("6.6.4-59", FTDV, None, "6.7.0-65", None),
            Verdict::Direct
        );
    }

    #[test]
    fn fxos_is_checked_on_4100_and_9300_only() {
        let why = refused(gate(
            "7.0.6-236",
            FP4112,
            Some("2.11.1.154"),
            "7.2.7-500",
            None,
        ));
        assert!(why.contains("FXOS 2.12.0.31"), "{why}");
        assert!(why.contains("runs FXOS 2.11.1.154"), "{why}");
        assert_eq!(
            gate("7.0.6-236", FP4112, Some("2.12.0.31"), "7.2.7-500", None),
            Verdict::Direct
        );
        assert!(matches!(
            gate("7.0.6-236", FP4112, None, "7.2.7-500", None),
            Verdict::Unknown(_)
        ));
        // Another model carries FXOS in its package: an old FXOS line is not a refusal.
        assert_eq!(
            gate("7.0.6-236", FTDV, Some("2.10.1.159"), "7.2.7-500", None),
            Verdict::Direct
        );
    }

    #[test]
    fn a_package_for_another_platform_or_version_is_refused() {
        let fp3k_pkg = "Cisco_FTD_SSP_FP3K_Upgrade-7.2.7-500.sh.REL.tar";
        let why = refused(gate(
            "7.2.2-54",
            FP4112,
            Some("2.12.0.31"),
            "7.2.7-500",
            Some(fp3k_pkg),
        ));
        assert!(why.contains("Secure Firewall 3100"), "{why}");
        assert!(why.contains("Cisco_FTD_SSP-"), "{why}");
        let ok = "Cisco_FTD_SSP_Upgrade-7.2.7-500.sh.REL.tar";
        assert_eq!(
            gate("7.2.2-54", FP4112, Some("2.12.0.31"), "7.2.7-500", Some(ok)),
            Verdict::Direct
        );
        let other = "Cisco_FTD_Upgrade-7.2.8-25.sh.REL.tar";
        assert!(
            refused(gate("7.2.2-54", FTDV, None, "7.2.7-500", Some(other)))
                .contains("not the target")
        );
        // A model the record does not name is not refused for its package.
        assert_eq!(
            gate(
                "7.2.2-54",
                "Cisco Secure Firewall 9999 Threat Defense",
                None,
                "7.2.7-500",
                Some(other.replace("7.2.8-25", "7.2.7-500").as_str())
            ),
            Verdict::Direct
        );
    }

    #[test]
    fn a_downgrade_is_refused_and_the_running_version_passes() {
        assert!(refused(gate("7.2.7-500", FTDV, None, "7.2.5-208", None)).contains("newer than"));
        assert_eq!(
            gate("7.2.7-500", FTDV, None, "7.2.7", None),
            Verdict::Direct
        );
    }

    #[test]
    fn fxos_versions_read_in_every_written_form() {
        let banner = "Cisco Firepower Extensible Operating System (FX-OS) v2.12.0 (build 1104)\r\n";
        assert_eq!(Fxos::from_device_text(banner), Some(Fxos([2, 12, 0, 1104])));
        let ssp = "Cisco Adaptive Security Appliance Software Version 9.16(4)125\nSSP Operating System Version 2.10(1.4003)\n";
        assert_eq!(Fxos::from_device_text(ssp), Some(Fxos([2, 10, 1, 4003])));
        assert_eq!(Fxos::parse("2.12.0.31"), Some(Fxos([2, 12, 0, 31])));
        assert_eq!(Fxos::from_device_text("no FXOS here"), None);
        assert!(Fxos([2, 12, 0, 1104]) > Fxos::parse("2.12.0.31").unwrap());
    }
}
