//! The upgrade stages as Ansible modules. Each stage file holds the module's options (one
//! struct, the single source of validation and documentation), its [`ModuleInfo`] and a
//! `run` function; `modules/<name>` is a binary that only calls [`run_module`] with them.
//!
//! [`ModuleInfo`]: ansible_module::ModuleInfo
//! [`run_module`]: ansible_module::run_module

pub mod connection;
pub mod defaults;
pub mod evidence;
pub mod facts;
pub mod failover_swap;
pub mod fmc;
pub mod frame;
pub mod inputs;
pub mod install;
pub mod lock;
pub mod plan;
pub mod readiness;
pub mod report;
pub mod stage;
pub mod verify;
pub mod wait_reboot;
pub mod window;
