//! The `ftd.ha_upgrade.stage` module: options, documentation and behaviour live in
//! `ftd_stages::stage`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(&ftd_stages::stage::INFO, ftd_stages::stage::run)
}
