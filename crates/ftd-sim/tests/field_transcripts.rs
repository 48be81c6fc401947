//! Transcripts of the field behaviours (domain §10) that the simulator shows by default: what
//! a terminal receives, byte for byte where the record quotes it.

use ftd_sim::model::realism::Realism;
use ftd_sim::testing::{Console, PASSWORD, model};

const PASTE_ON: &str = "\u{1b}[?2004h";
const PASTE_OFF: &str = "\u{1b}[?2004l\r";

fn root_console(faults: &[&str], unit: usize) -> Console {
    let mut c = Console::new(model(faults, Realism::default()), unit);
    c.type_line("expert");
    c.type_line("sudo su");
    c.type_line(PASSWORD);
    c
}

#[test]
fn bash_prompts_carry_bracketed_paste_codes() {
    let mut c = Console::new(model(&[], Realism::default()), 1);
    assert!(c.greeting().ends_with("\r\n\r\n> "), "CLISH has no codes");
    assert_eq!(
        c.type_line("expert"),
        format!("expert\r\n{PASTE_ON}admin@fw-1-b:~$ ")
    );
    let sudo = c.type_line("sudo su");
    assert!(sudo.starts_with(&format!(
        "sudo su\r\n{PASTE_OFF}\r\nWe trust you have received"
    )));
    assert!(sudo.ends_with("Password: "));
    assert_eq!(
        c.type_line(PASSWORD),
        format!("\r\n{PASTE_ON}root@fw-1-b:/home/admin# ")
    );
    assert_eq!(
        c.type_line("echo hi"),
        format!("echo hi\r\n{PASTE_OFF}hi\r\n{PASTE_ON}root@fw-1-b:/home/admin# ")
    );

    let mut polite = Console::new(
        model(
            &[],
            Realism {
                bracketed_paste: false,
                ..Realism::default()
            },
        ),
        1,
    );
    assert_eq!(polite.type_line("expert"), "expert\r\nadmin@fw-1-b:~$ ");
}

#[test]
fn ls_colours_archives_and_directories() {
    let mut c = root_console(&[], 0);
    let out = c.type_line("ls /ngfw/var/sf/updates");
    assert!(out.contains("\u{1b}[01;31mCisco_FTD_Upgrade-7.2.7-500.sh.REL.tar\u{1b}[0m\r\n"));
    assert!(out.contains("Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar.METADATA\r\n"));
    let out = c.type_line("ls /ngfw/var");
    assert!(out.contains("\u{1b}[01;34msf\u{1b}[0m"));
}

#[test]
fn the_secondary_keeps_an_earlier_attempts_logs() {
    let mut c = root_console(&[], 1);
    let dir = "/ngfw/var/log/sf/Cisco_FTD_Upgrade-7.2.7";
    let out = c.type_line(&format!(
        "tail -n 1 {dir}/upgrade_readiness/main_upgrade_script.log"
    ));
    assert!(
        out.contains("UPGRADE READINESS CHECK COMPLETE - FAIL\r\n"),
        "{out}"
    );
    let out = c.type_line(&format!("cat {dir}/status.log"));
    assert!(
        out.contains("Fatal error:  Error running script"),
        "an earlier failed install: {out}"
    );
    assert!(
        out.contains(".\r\r\n"),
        "CRLF lines come out of a PTY as CR CR LF: {out:?}"
    );
    let mut primary = root_console(&[], 0);
    assert!(
        primary
            .type_line(&format!("ls {dir}"))
            .contains("No such file or directory")
    );
}

#[test]
fn files_are_moved_aside_and_measured_in_bytes() {
    let mut c = root_console(&[], 1);
    let dir = "/ngfw/var/log/sf/Cisco_FTD_Upgrade-7.2.7";
    let out = c.type_line(&format!(
        "mkdir -p {dir}/previous-1 && mv {dir}/upgrade_readiness {dir}/status.log {dir}/previous-1/; echo rc=$?"
    ));
    assert!(out.contains("rc=0\r\n"), "{out}");
    let out = c.type_line(&format!("ls {dir}/previous-1"));
    assert!(out.contains("status.log") && out.contains("upgrade_readiness"));
    assert!(
        c.type_line(&format!("stat -c %s {dir}/status.log"))
            .contains("cannot statx")
    );
    let size = c.type_line(&format!("stat -c %s {dir}/previous-1/status.log"));
    let bytes: usize = size
        .lines()
        .nth(1)
        .unwrap()
        .trim_start_matches(PASTE_OFF)
        .trim()
        .parse()
        .unwrap();
    let tail = c.type_line(&format!(
        "tail -c +{} {dir}/previous-1/status.log | head -c 5",
        bytes - 4
    ));
    assert!(
        tail.contains(&format!("{PASTE_OFF}pl.\r\r\n")),
        "the last 5 bytes: {tail:?}"
    );
    assert!(
        c.type_line("mkdir /ngfw/var/log/lock-x; echo rc=$?")
            .contains("rc=0")
    );
    let again = c.type_line("mkdir /ngfw/var/log/lock-x; echo rc=$?");
    assert!(
        again
            .contains("mkdir: cannot create directory '/ngfw/var/log/lock-x': File exists\r\nrc=1")
    );
}

#[test]
fn the_detached_installer_keeps_printing_into_its_terminal() {
    let mut c = root_console(&[], 0);
    let out = c.type_line(
        "install_update.pl --detach /ngfw/var/sf/updates/Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar",
    );
    assert!(out.contains("install_update.pl begins. bundle_filepath: /var/sf/updates/Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar\r\n"));
    assert!(
        out.ends_with("root@fw-1-a:/home/admin# "),
        "the prompt is back: {out}"
    );
    let later = c.sim.drain_prints(1e6);
    let id = c.terminal.id;
    assert!(
        later.iter().all(|p| p.2 == Some(id)),
        "only into the installer's terminal"
    );
    let text: String = later.iter().map(|p| p.3.as_str()).collect();
    assert!(text.contains("Use of uninitialized value in string at /usr/local/sf/lib/perl/5.24.4/SF/Update/StatusProc.pm line 196.\n"));
    assert!(text.contains("Verifying archive integrity... All good.\n"));
    assert!(text.contains("] MAIN_UPGRADE_SCRIPT_START\n"));
    assert!(
        c.type_line("pgrep -f install_update.pl; echo rc=$?")
            .contains("rc=0")
    );
}

#[test]
fn lina_prints_after_its_prompt() {
    let mut c = Console::new(model(&[], Realism::default()), 1);
    c.type_line("system support diagnostic-cli");
    c.type_line("enable");
    c.type_line("");
    assert_eq!(
        c.type_line("failover active"),
        "failover active\r\nfw-1-b# \r\n        Switching to Active\r\n"
    );
    // Once the units run different versions LINA warns, unprompted, after the prompt.
    c.sim.pairs[0].units[0].version = ftd_sim::device::Version::parse("7.2.7-500").unwrap();
    let out = c.type_line("show failover state");
    assert!(out.ends_with(
        "fw-1-b# \r\n***WARNING*** Mate version 9.18(7)500 is not identical with ours 9.18(2)54\r\n"
    ));
}

#[test]
fn lina_answers_nothing_before_it_is_up() {
    let mut c = Console::new(model(&[], Realism::default()), 1);
    c.sim.pairs[0].units[1].lina_ready_at = 1e9;
    assert_eq!(
        c.type_line("show failover state"),
        "show failover state\r\n> "
    );
    assert!(
        c.type_line("show version")
            .contains("Version 7.2.2 (Build 54)")
    );
}

#[test]
fn a_takeover_between_two_commands() {
    let mut c = root_console(&["1:secondary:takeover-on=md5sum"], 1);
    c.type_line("md5sum /ngfw/var/sf/updates/Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar");
    c.type_line("exit");
    c.type_line("exit");
    let state = c.type_line("show failover state");
    assert!(
        state.contains("This host  -   Secondary\r\n               Active"),
        "{state}"
    );
}

#[test]
fn pgrep_tells_a_readiness_check_from_an_upgrade() {
    let mut c = root_console(&[], 0);
    let bundle = "/ngfw/var/sf/updates/Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar";
    c.type_line(&format!(
        "install_update.pl --detach --readiness-check {bundle}"
    ));
    assert!(
        c.type_line("pgrep -f install_update.pl; echo rc=$?")
            .contains("rc=0")
    );
    assert!(
        c.type_line("pgrep -f readiness-check; echo rc=$?")
            .contains("rc=0")
    );
    assert!(
        c.type_line("pgrep -f 'install_update.pl --detach /'; echo rc=$?")
            .contains("rc=1"),
        "no upgrade runs"
    );
}
