//! The JSON object a module prints: `changed` and `failed` always, the rest when set.

use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModuleResult {
    pub changed: bool,
    pub failed: bool,
    pub skipped: bool,
    pub msg: String,
    pub warnings: Vec<String>,
    pub diff: Option<(Value, Value)>,
    pub ansible_facts: Option<Value>,
    /// Module-specific return values, flattened into the top level.
    pub values: Map<String, Value>,
}

impl ModuleResult {
    pub fn ok(msg: impl Into<String>) -> Self {
        ModuleResult {
            msg: msg.into(),
            ..Default::default()
        }
    }

    pub fn changed(msg: impl Into<String>) -> Self {
        ModuleResult {
            changed: true,
            msg: msg.into(),
            ..Default::default()
        }
    }

    pub fn fail(msg: impl Into<String>) -> Self {
        ModuleResult {
            failed: true,
            msg: msg.into(),
            ..Default::default()
        }
    }

    pub fn with(mut self, key: &str, value: impl serde::Serialize) -> Self {
        self.set(key, value);
        self
    }

    pub fn set(&mut self, key: &str, value: impl serde::Serialize) {
        self.values.insert(
            key.to_string(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
    }

    pub fn warn(&mut self, warning: impl Into<String>) {
        self.warnings.push(warning.into());
    }

    pub fn with_diff(mut self, before: Value, after: Value) -> Self {
        self.diff = Some((before, after));
        self
    }

    pub fn to_json(&self) -> Value {
        let mut out = self.values.clone();
        out.insert("changed".into(), json!(self.changed));
        out.insert("failed".into(), json!(self.failed));
        out.insert("msg".into(), json!(self.msg));
        if self.skipped {
            out.insert("skipped".into(), json!(true));
        }
        if !self.warnings.is_empty() {
            out.insert("warnings".into(), json!(self.warnings));
        }
        if let Some((before, after)) = &self.diff {
            out.insert("diff".into(), json!({"before": before, "after": after}));
        }
        if let Some(facts) = &self.ansible_facts {
            out.insert("ansible_facts".into(), facts.clone());
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_carries_changed_and_failed() {
        let v = ModuleResult::ok("fine").to_json();
        assert_eq!(v["changed"], json!(false));
        assert_eq!(v["failed"], json!(false));
        assert!(v.get("diff").is_none());
    }

    #[test]
    fn diff_facts_and_values() {
        let mut r = ModuleResult::changed("did")
            .with("version", "7.2.7-500")
            .with_diff(json!("a"), json!("b"));
        r.ansible_facts = Some(json!({"ftd": {}}));
        r.warn("careful");
        let v = r.to_json();
        assert_eq!(v["diff"], json!({"before": "a", "after": "b"}));
        assert_eq!(v["version"], json!("7.2.7-500"));
        assert_eq!(v["warnings"], json!(["careful"]));
        assert!(v["ansible_facts"]["ftd"].is_object());
    }
}
