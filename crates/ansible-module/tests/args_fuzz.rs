//! No args file makes the protocol panic or print anything but one JSON object with `failed`
//! and `changed`: random text, and random values for known and unknown keys.

use ansible_module::run::run_with_args;
use ansible_module::{ModuleInfo, ModuleResult, RawArgs};
use proptest::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Opts {
    host: String,
    #[serde(default)]
    port: u16,
    #[schemars(extend("x-no_log" = true))]
    password: Option<String>,
    #[serde(default)]
    force: bool,
    timeout: Option<f64>,
    tags: Option<Vec<String>>,
}

const INFO: ModuleInfo = ModuleInfo {
    name: "fuzz",
    short_description: "",
    description: &[],
    supports_check_mode: true,
    examples: "",
    returns: "",
    notes: &[],
};

fn check(text: &str) {
    let Ok(raw) = RawArgs::from_json_text(text) else {
        return;
    };
    let out = run_with_args(&INFO, raw, |_: Opts, _| ModuleResult::ok("ran"));
    assert!(out.is_object());
    assert!(out["failed"].is_boolean() && out["changed"].is_boolean());
    assert!(out["msg"].is_string());
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(serde_json::Value::Number)
            .unwrap_or_default()),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(serde_json::Value::from)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_text(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn random_values_for_known_and_unknown_keys(
        keys in prop::collection::vec(prop_oneof![
            Just("host".to_string()), Just("port".to_string()), Just("password".to_string()),
            Just("force".to_string()), Just("timeout".to_string()), Just("tags".to_string()),
            Just("_ansible_check_mode".to_string()), "[a-z_]{1,8}"], 0..7),
        values in prop::collection::vec(json_value(), 7),
    ) {
        let map: serde_json::Map<String, serde_json::Value> = keys.into_iter().zip(values).collect();
        check(&serde_json::Value::Object(map).to_string());
    }
}
