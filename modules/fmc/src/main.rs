//! The `ftd.ha_upgrade.fmc` module: options, documentation and behaviour live in
//! `ftd_stages::fmc`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(&ftd_stages::fmc::INFO, ftd_stages::fmc::run)
}
