//! The scripts the readiness check and the upgrade run, in order, with their share of the
//! stage's time. Readiness names, order, percents and timings follow the seed (Cisco TAC,
//! FTDv 7.2.2 → 7.2.7); the upgrade's early scripts follow the seed's `upgrade_status.log`
//! excerpt and Cisco TAC 223163; later stages' script names are synthetic (no public list).

/// (script, seconds after the start in the seed, percent)
pub const READINESS: [(&str, f64, u8); 21] = [
    ("000_start/000_00_run_cli_kick_start.sh", 0.0, 0),
    ("000_start/000_check_platform_support.sh", 0.0, 5),
    ("000_start/100_start_messages.sh", 1.0, 10),
    ("000_start/101_run_pruning.pl", 1.0, 14),
    ("000_start/105_check_model_number.sh", 36.0, 19),
    ("000_start/106_check_HA_state.pl", 37.0, 24),
    ("000_start/107_version_check.sh", 37.0, 29),
    ("000_start/108_clean_user_stale_entries.sh", 37.0, 33),
    ("000_start/110_DB_integrity_check.sh", 38.0, 38),
    ("000_start/113_EO_integrity_check.pl", 42.0, 43),
    ("000_start/250_check_system_files.sh", 45.0, 48),
    ("000_start/410_check_disk_space.sh", 45.0, 52),
    ("200_pre/001_check_reg.pl", 50.0, 57),
    ("200_pre/002_check_mounts.sh", 50.0, 62),
    ("200_pre/004_check_deploy_package.pl", 51.0, 67),
    ("200_pre/005_check_manager.pl", 51.0, 71),
    ("200_pre/006_check_snort.sh", 51.0, 76),
    ("200_pre/007_check_sru_install.sh", 52.0, 81),
    ("200_pre/009_check_snort_preproc.sh", 52.0, 86),
    ("200_pre/011_check_self.sh", 53.0, 90),
    ("200_pre/015_verify_rpm.sh", 53.0, 95),
];

/// The readiness check's last line comes this long after its start.
pub const READINESS_SECONDS: f64 = 55.0;

/// The failure text a readiness script gives (domain §6), for injected failures.
pub fn readiness_failure_text(script: &str) -> &'static str {
    if script.contains("107_version_check") {
        "This install requires a minimum FXOS version"
    } else if script.contains("410_check_disk_space") {
        "Not enough disk space available"
    } else if script.contains("check_reg") {
        "Process Manager is not up. Cannot continue."
    } else if script.contains("check_manager") {
        "upgrade version is higher than FMC"
    } else {
        "Error running script"
    }
}

/// (script, relative weight of its run time)
pub const UPGRADE: [(&str, f64); 34] = [
    ("000_start/000_00_run_cli_kick_start.sh", 1.0),
    ("000_start/000_00_run_troubleshoot.sh", 4.0),
    ("000_start/000_check_platform_support.sh", 1.0),
    ("000_start/100_start_messages.sh", 1.0),
    ("000_start/105_check_model_number.sh", 1.0),
    ("000_start/106_check_HA_state.pl", 1.0),
    ("000_start/107_version_check.sh", 1.0),
    ("000_start/110_DB_integrity_check.sh", 3.0),
    ("000_start/410_check_disk_space.sh", 2.0),
    ("200_pre/001_check_reg.pl", 1.0),
    ("200_pre/002_check_mounts.sh", 1.0),
    ("200_pre/005_check_manager.pl", 1.0),
    ("200_pre/006_check_snort.sh", 1.0),
    ("200_pre/200_enable_maintenance_mode.pl", 6.0),
    ("200_pre/202_disable_syncd.sh", 1.0),
    ("200_pre/400_restrict_rpc.sh", 1.0),
    ("200_pre/500_stop_system.sh", 27.0),
    ("200_pre/501_recovery.sh", 1.0),
    ("200_pre/505_revert_prep.sh", 53.0),
    ("200_pre/999_enable_sync.sh", 1.0),
    ("300_os/001_verify_bundle.sh", 1.0),
    ("300_os/002_set_auto_neg.pl", 1.0),
    ("300_os/060_fix_fstab.sh", 1.0),
    ("300_os/100_install_Fire_Linux_OS_aquila.sh", 300.0),
    ("475_schema_downgrade/100_schema_downgrade.sh", 20.0),
    ("500_rpms/100_install_rpms.sh", 500.0),
    ("500_rpms/400_install_snort.sh", 200.0),
    ("600_schema/100_update_database.sh", 200.0),
    ("600_schema/500_update_rules.sh", 150.0),
    ("800_post/100_ftd_onbox_data_import.sh", 120.0),
    ("800_post/500_install_lsp.sh", 100.0),
    ("800_post/900_save_config.sh", 20.0),
    ("999_finish/000_finish.sh", 10.0),
    ("999_finish/999_zz_install_bundle.sh", 71.0),
];

/// The script a signature failure is reported by.
pub const VERIFY_BUNDLE: &str = "300_os/001_verify_bundle.sh";

/// Start offset (seconds) and percent of every upgrade script for a stage of `total` seconds.
pub fn upgrade_schedule(total: f64) -> Vec<(&'static str, f64, u8)> {
    let weight: f64 = UPGRADE.iter().map(|(_, w)| w).sum();
    let mut at = 0.0;
    UPGRADE
        .iter()
        .map(|(script, w)| {
            let start = at;
            at += total * w / weight;
            (*script, start, (start / total * 100.0).floor() as u8)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_ordered_and_within_the_stage() {
        let s = upgrade_schedule(1800.0);
        assert!(s.windows(2).all(|w| w[0].1 <= w[1].1 && w[0].2 <= w[1].2));
        assert!(s.last().unwrap().1 < 1800.0);
        assert!(
            READINESS
                .windows(2)
                .all(|w| w[0].1 <= w[1].1 && w[0].2 < w[1].2)
        );
    }
}
