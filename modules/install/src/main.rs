//! The `ftd.ha_upgrade.install` module: options, documentation and behaviour live in
//! `ftd_stages::install`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(&ftd_stages::install::INFO, ftd_stages::install::run)
}
