//! The `ftd.ha_upgrade.wait_reboot` module: options, documentation and behaviour live in
//! `ftd_stages::wait_reboot`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(&ftd_stages::wait_reboot::INFO, ftd_stages::wait_reboot::run)
}
