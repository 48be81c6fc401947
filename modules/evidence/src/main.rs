//! The `ftd.ha_upgrade.evidence` module: options, documentation and behaviour live in
//! `ftd_stages::evidence`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(&ftd_stages::evidence::INFO, ftd_stages::evidence::run)
}
