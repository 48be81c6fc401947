//! The contract between the simulator and the client: the sim's outputs (written from the
//! domain file on its own) read back with the client's parsers. Where they disagree, the
//! domain file decides which side is wrong.

use ftd_device::parse::{
    failover_state as fs_parse, show_failover as sf_parse, show_version as sv_parse,
};
use ftd_sim::device::Version;
use ftd_sim::model::texts::*;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

#[test]
fn our_outputs_read_back_with_the_modules_parsers() {
    let m = model("ftdv").unwrap();
    let ver = v("7.2.7-500");
    let info = VersionInfo {
        hostname: "fw-1-a",
        model: &m,
        version: &ver,
        uuid: "u-1",
    };
    let parsed = sv_parse::parse(&show_version_lina(&info)).unwrap();
    assert_eq!(
        (
            parsed.hostname.as_str(),
            parsed.version.to_string().as_str()
        ),
        ("fw-1-a", "7.2.7-500")
    );
    assert_eq!(parsed.lina_version.as_deref(), Some("9.18(7)500"));

    let text = failover_state(
        &HostLine {
            role: "Secondary",
            state: "Standby Ready",
            reason: "None",
        },
        &HostLine {
            role: "Primary",
            state: "Active",
            reason: "Comm Failure             13:24:46 UTC Jul 18 2024",
        },
        "Sync Skipped - STANDBY",
    );
    let s = fs_parse::parse(&text).unwrap();
    assert_eq!(s.this_host.state, "Standby Ready");
    assert!(s.sync_skipped());

    let old = v("7.2.2-54");
    let d = FailoverDetail {
        unit: "Primary",
        this: ("Primary", "Active", &ver),
        other: ("Secondary", "Standby Ready", &old),
        other_up: true,
        snort_up: true,
    };
    let f = sf_parse::parse(&show_failover(&d)).unwrap();
    assert_eq!(f.lina_version_ours.as_deref(), Some("9.18(7)500"));
    assert_eq!(f.lina_version_mate.as_deref(), Some("9.18(2)54"));
    assert!(f.this_host.ftd_slots_up() && f.other_host.ftd_slots_up());
}
