//! The `ftd.ha_upgrade.failover_swap` module: options, documentation and behaviour live in
//! `ftd_stages::failover_swap`; this binary only speaks Ansible's binary-module protocol.

fn main() {
    ansible_module::run_module(
        &ftd_stages::failover_swap::INFO,
        ftd_stages::failover_swap::run,
    )
}
