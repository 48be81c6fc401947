//! The `ftd.ha_upgrade.report` module: options, documentation and behaviour live in
//! `ftd_report::module`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(&ftd_report::module::INFO, ftd_report::module::run)
}
