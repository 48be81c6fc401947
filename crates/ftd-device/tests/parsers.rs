//! Parsers against device output quoted in shared/domain/ftd-cli.md and the seed (fixtures
//! without "synthetic" in their name), plus variants a real console adds.

use ftd_device::parse::status_files::{self, Outcome, StatusLog};
use ftd_device::parse::{failover_state, listing, show_failover, show_version};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// What a PTY and a different console do to the same text.
fn console_variants(text: &str) -> Vec<String> {
    vec![
        text.to_string(),
        text.replace('\n', "\r\n"),
        text.replace("        ", "\t")
            .replace("               ", "\t\t"),
        text.lines()
            .map(|l| format!("{l}  "))
            .collect::<Vec<_>>()
            .join("\n"),
        format!("\n\n{text}\n"),
    ]
}

#[test]
fn failover_state_seed_standby_before_upgrade() {
    for text in console_variants(&fixture("failover_state_seed_standby.txt")) {
        let s = failover_state::parse(&text).unwrap();
        assert_eq!(
            (s.this_host.role.as_str(), s.this_host.state.text()),
            ("Secondary", "Standby Ready")
        );
        assert_eq!(
            (s.other_host.role.as_str(), s.other_host.state.text()),
            ("Primary", "Active")
        );
        assert_eq!(s.configuration, vec!["Sync Done - STANDBY"]);
        assert_eq!(s.communication, vec!["Mac set"]);
        assert!(s.pair_healthy() && !s.sync_skipped());
    }
}

#[test]
fn failover_state_health_is_read_from_the_state_column_not_the_reason() {
    let s = failover_state::parse(&fixture("failover_state_tac226003_active.txt")).unwrap();
    assert_eq!(s.other_host.state, "Standby Ready");
    assert!(s.other_host.last_failure.starts_with("Comm Failure"));
    assert!(s.pair_healthy());
    let s = failover_state::parse(&fixture("failover_state_seed_after_return.txt")).unwrap();
    assert_eq!(s.other_host.state, "Standby Ready");
    assert_eq!(
        s.other_host.last_failure,
        "Comm Failure 13:24:46 UTC Jul 18 2024"
    );
}

#[test]
fn failover_state_fp4215_with_blank_first_line_and_tabs() {
    let s = failover_state::parse(&fixture("failover_state_fp4215_7.4.2.4.txt")).unwrap();
    assert_eq!(s.this_host.state, "Active");
    assert_eq!(
        s.other_host.last_failure,
        "Ifc Failure 11:48:35 UTC Aug 6 2026"
    );
    assert_eq!(s.configuration, vec!["Sync Done"]);
}

#[test]
fn failover_state_flattened_public_copies_of_the_seed() {
    let s = failover_state::parse(&fixture("failover_state_seed_flattened.txt")).unwrap();
    assert_eq!(
        (s.this_host.role.as_str(), s.this_host.state.text()),
        ("Secondary", "Standby Ready")
    );
    assert_eq!(s.other_host.state, "Active");
    assert_eq!(s.configuration, vec!["Sync Done - STANDBY"]);
    assert_eq!(s.communication, vec!["Mac set"]);
    let s = failover_state::parse(&fixture("failover_active_seed_flattened.txt")).unwrap();
    assert_eq!(
        (s.this_host.state.text(), s.other_host.state.text()),
        ("Active", "Standby Ready")
    );
    assert!(s.sync_skipped());
}

#[test]
fn failover_state_extra_interface_lines_and_multi_line_sections_synthetic() {
    let text = fixture("failover_state_interfaces.synthetic.txt");
    let s = failover_state::parse(&text).unwrap();
    assert_eq!(s.this_host.state, "Failed");
    assert_eq!(s.other_host.state, "Active");
    assert_eq!(s.configuration, vec!["Sync Done", "Sync Done - STANDBY"]);
    assert!(!s.pair_healthy());
}

#[test]
fn every_lina_state_is_read_whole() {
    for (known, state) in ftd_device::parse::state::KNOWN {
        let text = format!(
            "               State          Last Failure Reason      Date/Time\nThis host  -   Primary\n               {state:<14} None\nOther host -   Secondary\n               Active         None\n"
        );
        assert_eq!(failover_state::parse(&text).unwrap().this_host.state, known);
    }
}

#[test]
fn show_failover_tac225852() {
    for text in console_variants(&fixture("show_failover_tac225852.txt")) {
        let f = show_failover::parse(&text).unwrap();
        assert!(f.enabled);
        assert_eq!(f.unit, "Primary");
        assert_eq!(f.lina_version_ours.as_deref(), Some("9.20(2)121"));
        assert_eq!(f.lina_version_mate.as_deref(), Some("9.20(2)121"));
        assert_eq!(f.holdtime_seconds, Some(15));
        assert_eq!(
            (f.this_host.role.as_str(), f.this_host.state.text()),
            ("Primary", "Failed")
        );
        assert_eq!(
            (f.other_host.role.as_str(), f.other_host.state.text()),
            ("Secondary", "Active")
        );
        assert!(f.this_host.ftd_slots_up());
        assert!(
            !f.other_host.ftd_slots_up(),
            "no slots listed for the other host"
        );
    }
}

#[test]
fn show_version_seed_clish() {
    for text in console_variants(&fixture("show_version_seed_7.2.7.txt")) {
        let v = show_version::parse(&text).unwrap();
        assert_eq!(v.hostname, "firepower");
        assert_eq!(v.model, "Cisco Firepower Threat Defense for VMware (75)");
        assert_eq!(v.version.to_string(), "7.2.7-500");
        assert_eq!(
            v.uuid.as_deref(),
            Some("0edf9f22-78e6-11ea-8ed0-e0e5abf334e2")
        );
        assert_eq!(v.rules_version.as_deref(), Some("lsp-rel-20240306-2015"));
        assert_eq!(v.vdb_version.as_deref(), Some("353"));
    }
}

#[test]
fn show_version_lina_block_and_other_models() {
    let v = show_version::parse(&fixture("show_version_lina_asa5516.txt")).unwrap();
    assert_eq!(v.version.to_string(), "7.0.8-174");
    assert_eq!(v.lina_version.as_deref(), Some("9.16(4)125"));
    let fp4215 = "Model                     : Cisco Firepower 4215 Threat Defense (79) Version 7.4.2.4 (Build 9)\n";
    let v = show_version::parse(fp4215).unwrap();
    assert_eq!(
        (v.model.as_str(), v.version.to_string().as_str()),
        ("Cisco Firepower 4215 Threat Defense (79)", "7.4.2.4-9")
    );
    let ftdv65 = "---[ fw-6 ]---\nModel : Cisco Firepower Threat Defense for VMWare (75) Version 6.5.0 (Build 115)\nRules update version : 2019-10-01-001-vrt\n";
    let v = show_version::parse(ftdv65).unwrap();
    assert_eq!(v.hostname, "fw-6");
    assert_eq!(v.rules_version.as_deref(), Some("2019-10-01-001-vrt"));
    assert!(show_version::parse("% Invalid input detected").is_err());
}

#[test]
fn readiness_status_seed_wrapped_copy() {
    let p = status_files::readiness_progress(
        &fixture("upgrade_readiness_status_seed_wrapped.txt"),
        None,
    )
    .unwrap();
    assert_eq!(p.steps.len(), 22);
    assert_eq!(
        p.steps[0].script.as_deref(),
        Some("000_start/000_00_run_cli_kic")
    );
    assert_eq!(
        p.steps[20].script.as_deref(),
        Some("200_pre/015_verify_rpm.sh")
    );
    assert_eq!(p.steps[4].percent, 19);
    assert_eq!(p.percent, 100);
    assert_eq!(p.outcome, Outcome::Passed);
}

#[test]
fn readiness_status_domain_excerpt() {
    let p = status_files::readiness_progress(
        &fixture("upgrade_readiness_status_seed_excerpt.txt"),
        None,
    )
    .unwrap();
    assert_eq!(
        p.steps.iter().map(|s| s.percent).collect::<Vec<_>>(),
        vec![0, 5, 95, 100]
    );
    assert_eq!(p.outcome, Outcome::Passed);
}

#[test]
fn readiness_failure_from_the_json_synthetic() {
    let status = fixture("upgrade_readiness_status_failed.synthetic.txt");
    let json = fixture("upgrade_readiness_status_failed.synthetic.json");
    let p = status_files::readiness_progress(&status, Some(&json)).unwrap();
    match p.outcome {
        Outcome::Failed { script, message } => {
            assert_eq!(script.as_deref(), Some("000_start/410_check_disk_space.sh"));
            assert!(message.contains("Not enough disk space"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn upgrade_status_json_and_status_log_synthetic() {
    let st = status_files::upgrade_status_json(&fixture("upgrade_status_failed.synthetic.json"))
        .unwrap();
    assert!(st.failed());
    assert_eq!(
        st.failed_script.as_deref(),
        Some("200_pre/200_enable_maintenance_mode.pl")
    );
    let log = "Running script 200_pre/200_enable_maintenance_mode.pl...\nFatal error:  Error running script 200_pre/200_enable_maintenance_mode.pl.\n";
    assert_eq!(
        status_files::status_log(log),
        StatusLog::Fatal {
            script: Some("200_pre/200_enable_maintenance_mode.pl".into()),
            line: "Fatal error:  Error running script 200_pre/200_enable_maintenance_mode.pl."
                .into()
        }
    );
    assert_eq!(
        status_files::status_log("x\nSystem will now reboot.\n"),
        StatusLog::Rebooting
    );
    assert!(status_files::upgrade_status_json("{}").is_err());
}

#[test]
fn upgrade_status_log_seed_line() {
    let steps = status_files::parse_steps(
        "TIMESTAMP:Thu Jul 18 02:50:25 UTC 2024 PERCENT: 7% MESSAGE:Running script 200_pre/202_disable_syncd.sh...\n",
    )
    .unwrap();
    assert_eq!(
        steps[0].script.as_deref(),
        Some("200_pre/202_disable_syncd.sh")
    );
    assert_eq!(steps[0].timestamp, "Thu Jul 18 02:50:25 UTC 2024");
}

#[test]
fn main_upgrade_script_log_markers() {
    let m = status_files::main_script_log(
        "[240718 02:48:16:990] MAIN_UPGRADE_SCRIPT_START\n[240718 02:48:17:007] # UPGRADE STARTING\n",
    );
    assert!(m.started && !m.ended);
}

#[test]
fn ls_of_the_updates_directory_seed() {
    let files = listing::ls_long(&fixture("ls_updates_seed.txt"));
    assert_eq!(files.len(), 4);
    assert_eq!(files[2].name, "Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar");
    assert_eq!(files[2].size, 1123706880);
    assert_eq!(files[2].version.as_deref(), Some("7.2.7-500"));
    assert_eq!(files[3].version, None);
}
