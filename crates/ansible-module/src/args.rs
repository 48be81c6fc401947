//! Reading the args file Ansible hands a binary module (`<binary> <args-file>`).

use serde_json::{Map, Value};
use std::path::Path;

/// The `_ansible_*` keys that steer a module run. Unknown `_ansible_*` keys are tolerated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnsibleContext {
    pub check_mode: bool,
    pub diff: bool,
    pub no_log: bool,
    pub verbosity: u64,
    /// `_ansible_module_name`: the FQCN when the task called the module by FQCN.
    pub module_name: Option<String>,
    pub version: Option<String>,
    pub tmpdir: Option<String>,
}

/// The args file split into the task's options and Ansible's internal keys.
#[derive(Debug, Clone, Default)]
pub struct RawArgs {
    pub options: Map<String, Value>,
    pub context: AnsibleContext,
}

#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    #[error("unable to read the args file {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the args file {path} is not a JSON object: {reason}")]
    NotJson { path: String, reason: String },
    #[error("usage: {program} <args-file> | --docs")]
    Usage { program: String },
}

impl RawArgs {
    pub fn from_file(path: &Path) -> Result<Self, ArgsError> {
        let text = std::fs::read_to_string(path).map_err(|e| ArgsError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_json_text(&text).map_err(|reason| ArgsError::NotJson {
            path: path.display().to_string(),
            reason,
        })
    }

    pub fn from_json_text(text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let Value::Object(all) = value else {
            return Err("expected a JSON object".into());
        };
        Ok(Self::from_map(all))
    }

    pub fn from_map(all: Map<String, Value>) -> Self {
        let mut options = Map::new();
        let mut context = AnsibleContext::default();
        for (key, value) in all {
            match key.as_str() {
                "_ansible_check_mode" => context.check_mode = truthy(&value),
                "_ansible_diff" => context.diff = truthy(&value),
                "_ansible_no_log" => context.no_log = truthy(&value),
                "_ansible_verbosity" => context.verbosity = value.as_u64().unwrap_or(0),
                "_ansible_module_name" => context.module_name = value.as_str().map(String::from),
                "_ansible_version" => context.version = value.as_str().map(String::from),
                "_ansible_tmpdir" => context.tmpdir = value.as_str().map(String::from),
                k if k.starts_with("_ansible_") => {}
                _ => {
                    options.insert(key, value);
                }
            }
        }
        RawArgs { options, context }
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => crate::validate::parse_bool(s).unwrap_or(false),
        Value::Number(n) => n.as_f64() == Some(1.0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_internal_keys_and_tolerates_unknown_ones() {
        let raw = RawArgs::from_json_text(
            r#"{"host":"h","_ansible_check_mode":true,"_ansible_diff":"yes",
                "_ansible_module_name":"ftd.ha_upgrade.install","_ansible_brand_new_key":1}"#,
        )
        .unwrap();
        assert_eq!(raw.options.len(), 1);
        assert!(raw.context.check_mode);
        assert!(raw.context.diff);
        assert_eq!(
            raw.context.module_name.as_deref(),
            Some("ftd.ha_upgrade.install")
        );
    }

    #[test]
    fn rejects_non_objects() {
        assert!(RawArgs::from_json_text("[1,2]").is_err());
        assert!(RawArgs::from_json_text("{not json").is_err());
    }

    #[test]
    fn unreadable_file_is_an_error_naming_the_path() {
        let err = RawArgs::from_file(Path::new("/nonexistent/args")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/args"));
    }
}
