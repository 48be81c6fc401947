//! Everything about one FTD unit that is not Ansible: the SSH transport, the CLI session and
//! its modes, parsers of the device's output, and the upgrade operations the stages need.
//!
//! Layers, each knowing only the ones below it:
//! - [`transport`]: russh client, authentication, host keys, timeouts. Knows nothing of FTD.
//! - [`prompt`] and [`session`]: the CLI modes (CLISH, expert, root, LINA) and moving between
//!   them by the device's real commands and prompts.
//! - [`parse`] and [`version`]: pure functions over text.
//! - [`ops`]: the device operations (facts, readiness, install, reboot wait, failover, verify),
//!   which decide what is safe. They know nothing of Ansible.

pub mod error;
pub mod journal;
pub mod ops;
pub mod parse;
pub mod paths;
pub mod prompt;
pub mod session;
pub mod sftp;
pub mod terminal;
pub mod transport;
pub mod typed;
pub mod upgrade_path;
pub mod version;

pub use error::DeviceError;
