//! Removing secrets from everything a module prints. Ansible does no scrubbing for binary
//! modules, so this is the only guard between a password and a job log.

use serde_json::Value;

/// Shown in `invocation.module_args` for a `no_log` option, as Python modules do.
pub const NO_LOG_PLACEHOLDER: &str = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER";
/// Replaces a secret's value anywhere else.
pub const MASK: &str = "********";

/// The secret values of one run. Cloneable so that journals and logs can use the same guard.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    secrets: Vec<String>,
}

impl Masker {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        // Longest first, so that a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Masker { secrets }
    }

    pub fn add(&mut self, secret: &str) {
        if !secret.is_empty() && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    /// A module result: like [`Masker::value`], except that the protocol's own keys stay as
    /// they are, so that a secret such as `changed` or `e` cannot hide `changed` or `failed`.
    pub fn result(&self, result: &Value) -> Value {
        const PROTOCOL_KEYS: [&str; 10] = [
            "changed",
            "failed",
            "msg",
            "skipped",
            "warnings",
            "deprecations",
            "diff",
            "ansible_facts",
            "invocation",
            "rc",
        ];
        match result {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let key = if PROTOCOL_KEYS.contains(&k.as_str()) {
                            k.clone()
                        } else {
                            self.text(k)
                        };
                        (key, self.value(v))
                    })
                    .collect(),
            ),
            other => self.value(other),
        }
    }

    pub fn value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.text(k), self.value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_everywhere_in_nested_values() {
        let m = Masker::new(["s3cret".to_string(), String::new()]);
        let v = m.value(
            &json!({"msg": "auth s3cret failed", "lines": ["x s3cret"], "s3cret": 1, "n": 5}),
        );
        assert_eq!(
            v,
            json!({"msg": "auth ******** failed", "lines": ["x ********"], "********": 1, "n": 5})
        );
    }

    #[test]
    fn longer_secret_masked_whole() {
        let m = Masker::new(["abc".to_string(), "abcdef".to_string()]);
        assert_eq!(m.text("abcdef"), "********");
    }

    #[test]
    fn protocol_keys_survive_any_secret() {
        let m = Masker::new(["e".to_string(), "changed".to_string()]);
        let v = m.result(&json!({"changed": false, "failed": true, "msg": "secret e", "extra": 1}));
        assert_eq!(v["changed"], json!(false));
        assert_eq!(v["failed"], json!(true));
        assert_eq!(v["msg"], json!("s********cr********t ********"));
        assert!(v.get("extra").is_none(), "other keys are masked");
    }

    #[test]
    fn empty_secret_masks_nothing() {
        assert_eq!(Masker::new([String::new()]).text("hello"), "hello");
    }
}
