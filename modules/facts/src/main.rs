//! The `ftd.ha_upgrade.facts` module: options, documentation and behaviour live in
//! `ftd_stages::facts`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(&ftd_stages::facts::INFO, ftd_stages::facts::run)
}
