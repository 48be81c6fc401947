//! Ansible's binary-module protocol, independent of any device.
//!
//! A module declares its options once, as a struct deriving `Deserialize` and `JsonSchema`
//! with `///` doc comments. From that one declaration this crate derives:
//! - the argument spec ([`spec::ArgSpec`]): types, defaults, choices, aliases, `no_log`;
//! - validation with the messages of Python's `AnsibleModule` ([`validate`]);
//! - the `invocation.module_args` Ansible shows at `-vvv`, with secrets masked;
//! - the documentation file `plugins/modules/NAME.py` ([`docs`]).
//!
//! Layout: [`args`] reads the args file, [`spec`] turns the schema into an argument spec,
//! [`validate`] checks and converts, [`result`] builds the JSON answer, [`mask`] removes
//! secrets from it, [`run`] ties them together and guarantees JSON on stdout even on panic.

pub mod args;
pub mod docs;
pub mod mask;
pub mod result;
pub mod run;
pub mod spec;
pub mod validate;

pub use args::{AnsibleContext, RawArgs};
pub use mask::Masker;
pub use result::ModuleResult;
pub use run::{ModuleInfo, RunContext, run_module};
pub use spec::{ArgSpec, OptionSpec, OptionType};
