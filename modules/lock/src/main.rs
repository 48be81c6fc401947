//! The `ftd.ha_upgrade.lock` module: options, documentation and behaviour live in
//! `ftd_stages::lock`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(&ftd_stages::lock::INFO, ftd_stages::lock::run)
}
