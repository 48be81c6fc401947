//! ftd-sim: a simulated Cisco FTD HA pair over SSH.
//!
//! Layout: [`model`] is the device (units, pairs, files, upgrade state machine, clock) with no
//! sockets; [`cli`] is what a terminal session types into (CLISH, expert, root shell, LINA);
//! [`server`] is the russh front, one listener per unit, closed while the unit reboots;
//! [`inventory`] writes the Ansible inventory and known_hosts for a running sim; [`stdio`]
//! serves one unit's CLI on a terminal, as the login shell of a real OpenSSH server.

pub mod cli;
pub mod device;
pub mod events;
pub mod fmc;
pub mod http1;
pub mod inventory;
pub mod model;
pub mod package_server;
pub mod server;
pub mod stdio;
pub mod testing;
