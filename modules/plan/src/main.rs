//! The `ftd.ha_upgrade.plan` module: options, documentation and behaviour live in
//! `ftd_stages::plan`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(&ftd_stages::plan::INFO, ftd_stages::plan::run)
}
