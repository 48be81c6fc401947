//! The `ftd.ha_upgrade.readiness` module: options, documentation and behaviour live in
//! `ftd_stages::readiness`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(&ftd_stages::readiness::INFO, ftd_stages::readiness::run)
}
