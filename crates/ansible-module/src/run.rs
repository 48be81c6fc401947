//! The module entry point: args file in, one JSON object out, whatever happens.

use crate::args::{AnsibleContext, RawArgs};
use crate::mask::{Masker, NO_LOG_PLACEHOLDER};
use crate::result::ModuleResult;
use crate::spec::ArgSpec;
use crate::validate::validate;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// What a module says about itself; with the options struct, this is all `ansible-doc` shows.
#[derive(Debug, Clone)]
pub struct ModuleInfo {
    /// Short name (`install`); the collection adds its namespace.
    pub name: &'static str,
    pub short_description: &'static str,
    pub description: &'static [&'static str],
    pub supports_check_mode: bool,
    /// YAML text of the EXAMPLES block.
    pub examples: &'static str,
    /// YAML text of the RETURN block.
    pub returns: &'static str,
    pub notes: &'static [&'static str],
}

/// What the module body gets besides its options.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub ansible: AnsibleContext,
    /// Masks this run's secrets; give it to anything that writes text outside the result.
    pub masker: Masker,
}

/// Runs a module from the process arguments and exits. `--docs` prints its documentation file
/// (`plugins/modules/NAME.py`).
pub fn run_module<A, F>(info: &ModuleInfo, body: F) -> !
where
    A: DeserializeOwned + JsonSchema,
    F: FnOnce(A, &RunContext) -> ModuleResult,
{
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--docs") {
        print!("{}", crate::docs::python_doc_file::<A>(info));
        std::process::exit(0);
    }
    let output = match argv.get(1) {
        Some(path) if argv.len() == 2 => run_from_file::<A, F>(info, Path::new(path), body),
        _ => failure_json(
            &format!("usage: {} <args-file> | --docs", info.name),
            &Masker::default(),
        ),
    };
    println!("{output}");
    let failed = output
        .get("failed")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    std::process::exit(if failed { 1 } else { 0 })
}

/// The whole protocol minus process I/O, so that it can be tested.
pub fn run_from_file<A, F>(info: &ModuleInfo, path: &Path, body: F) -> Value
where
    A: DeserializeOwned + JsonSchema,
    F: FnOnce(A, &RunContext) -> ModuleResult,
{
    match RawArgs::from_file(path) {
        Ok(raw) => run_with_args(info, raw, body),
        Err(e) => failure_json(&e.to_string(), &Masker::default()),
    }
}

pub fn run_with_args<A, F>(info: &ModuleInfo, raw: RawArgs, body: F) -> Value
where
    A: DeserializeOwned + JsonSchema,
    F: FnOnce(A, &RunContext) -> ModuleResult,
{
    let spec = ArgSpec::of::<A>();
    let masker = secrets_of(&spec, &raw.options);
    let module_name = raw
        .context
        .module_name
        .clone()
        .unwrap_or_else(|| info.name.to_string());

    let validated = match validate(&spec, &module_name, &raw.options) {
        Ok(v) => v,
        Err(msg) => return failure_json(&msg, &masker),
    };
    let invocation = json!({"module_args": invocation_args(&spec, &validated)});

    if raw.context.check_mode && !info.supports_check_mode {
        let mut skipped = ModuleResult::ok(format!(
            "remote module ({module_name}) does not support check mode"
        ));
        skipped.skipped = true;
        return finish(skipped, invocation, &masker);
    }

    let options: A = match serde_json::from_value(Value::Object(without_nulls(validated))) {
        Ok(o) => o,
        Err(e) => {
            return failure_json(&format!("internal error reading the options: {e}"), &masker);
        }
    };
    let ctx = RunContext {
        ansible: raw.context,
        masker: masker.clone(),
    };
    // A panic must still end in JSON on stdout: keep the default hook from printing it.
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = catch_unwind(AssertUnwindSafe(|| body(options, &ctx)));
    let _ = std::panic::take_hook();
    let result = outcome.unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        ModuleResult::fail(format!(
            "module {} crashed (a bug, please report it): {what}",
            info.name
        ))
    });
    finish(result, invocation, &masker)
}

fn finish(result: ModuleResult, invocation: Value, masker: &Masker) -> Value {
    let mut out = crate::mask::result(masker, &result.to_json());
    // As Ansible does: a secret is masked in the invocation too, wherever it appears (a URL's
    // query in the url option itself).
    out["invocation"] = masker.value(&invocation);
    out
}

fn failure_json(msg: &str, masker: &Masker) -> Value {
    crate::mask::result(masker, &ModuleResult::fail(msg).to_json())
}

/// Secret values come from the raw options (aliases included), so that even a validation
/// error that quotes a value cannot leak one: the no_log options, and the query string of any
/// URL an option holds (a presigned URL's signature, a token).
fn secrets_of(spec: &ArgSpec, options: &Map<String, Value>) -> Masker {
    let no_log = options.iter().filter_map(|(key, value)| {
        let option = spec.resolve(key)?;
        if !option.no_log {
            return None;
        }
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    });
    let queries = options
        .values()
        .filter_map(Value::as_str)
        .filter_map(secret_mask::url_query)
        .map(String::from);
    Masker::new(no_log.chain(queries))
}

fn invocation_args(spec: &ArgSpec, validated: &Map<String, Value>) -> Value {
    let mut args = validated.clone();
    for name in spec.no_log_names() {
        if args.get(name).is_some_and(|v| !v.is_null()) {
            args.insert(name.to_string(), Value::String(NO_LOG_PLACEHOLDER.into()));
        }
    }
    Value::Object(args)
}

fn without_nulls(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter().filter(|(_, v)| !v.is_null()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Opts {
        host: String,
        #[schemars(extend("x-no_log" = true))]
        password: Option<String>,
        #[serde(default)]
        explode: bool,
    }

    const INFO: ModuleInfo = ModuleInfo {
        name: "probe",
        short_description: "test",
        description: &[],
        supports_check_mode: false,
        examples: "",
        returns: "",
        notes: &[],
    };

    fn run(json_text: &str) -> Value {
        let raw = RawArgs::from_json_text(json_text).unwrap();
        run_with_args(&INFO, raw, |o: Opts, _ctx| {
            if o.explode {
                panic!("boom");
            }
            ModuleResult::ok(format!(
                "logged into {} with {}",
                o.host,
                o.password.unwrap_or_default()
            ))
        })
    }

    #[test]
    fn secrets_masked_in_msg_and_invocation() {
        let v = run(r#"{"host":"fw1","password":"hunter2"}"#);
        assert_eq!(v["msg"], "logged into fw1 with ********");
        assert_eq!(
            v["invocation"]["module_args"]["password"],
            NO_LOG_PLACEHOLDER
        );
        assert!(!v.to_string().contains("hunter2"));
    }

    #[test]
    fn validation_error_never_quotes_a_secret() {
        let v = run(r#"{"host":"fw1","password":"hunter2","hunter2":1}"#);
        assert_eq!(v["failed"], true);
        assert!(
            v["msg"]
                .as_str()
                .unwrap()
                .starts_with("Unsupported parameters for (probe) module: ********.")
        );
        assert!(!v.to_string().contains("hunter2"));
    }

    #[test]
    fn panic_becomes_failure_json() {
        let v = run(r#"{"host":"fw1","explode":true}"#);
        assert_eq!(v["failed"], true);
        assert!(v["msg"].as_str().unwrap().contains("boom"));
    }

    #[test]
    fn check_mode_unsupported_is_skipped() {
        let v =
            run(r#"{"host":"fw1","_ansible_check_mode":true,"_ansible_module_name":"ns.c.probe"}"#);
        assert_eq!(v["skipped"], true);
        assert_eq!(v["changed"], false);
        assert_eq!(
            v["msg"],
            "remote module (ns.c.probe) does not support check mode"
        );
    }

    #[test]
    fn unreadable_args_file_is_failure_json() {
        let v = run_from_file::<Opts, _>(&INFO, Path::new("/no/such/args"), |_, _| {
            ModuleResult::ok("no")
        });
        assert_eq!(v["failed"], true);
        assert!(v["msg"].as_str().unwrap().contains("/no/such/args"));
    }
}
