//! The `ftd.ha_upgrade.verify` module: options, documentation and behaviour live in
//! `ftd_stages::verify`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(&ftd_stages::verify::INFO, ftd_stages::verify::run)
}
