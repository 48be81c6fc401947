//! Removing secrets from everything a module prints. Ansible does no scrubbing for binary
//! modules, so this is the only guard between a password and a job log.

pub use secret_mask::{MASK, Masker};
use serde_json::Value;

/// Shown in `invocation.module_args` for a `no_log` option, as Python modules do.
pub const NO_LOG_PLACEHOLDER: &str = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER";
/// A module result: like [`Masker::value`], except that the protocol's own keys stay as they
/// are, so that a secret such as `changed` or `e` cannot hide `changed` or `failed`.
pub fn result(masker: &Masker, result: &Value) -> Value {
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
                        masker.text(k)
                    };
                    (key, masker.value(v))
                })
                .collect(),
        ),
        other => masker.value(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn protocol_keys_survive_any_secret() {
        let m = Masker::new(["e".to_string(), "changed".to_string()]);
        let v = result(
            &m,
            &json!({"changed": false, "failed": true, "msg": "secret e", "extra": 1}),
        );
        assert_eq!(v["changed"], json!(false));
        assert_eq!(v["failed"], json!(true));
        assert_eq!(v["msg"], json!("s********cr********t ********"));
        assert!(v.get("extra").is_none(), "other keys are masked");
    }
}
