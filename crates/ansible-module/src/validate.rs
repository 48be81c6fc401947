//! Checking and converting a task's options the way Python's `AnsibleModule` does, with its
//! messages word for word, so that a user sees the same error from our binaries as from any
//! module they know. Order of checks as in `ArgumentSpecValidator.validate`: unsupported
//! parameters, required arguments, types, choices. The first error is the one reported.

use crate::spec::{ArgSpec, OptionSpec, OptionType};
use serde_json::{Map, Number, Value};

/// The validated options: every option of the spec present, defaults filled in, aliases
/// resolved to their option's name, values converted to the declared type.
pub type Validated = Map<String, Value>;

/// Ansible's boolean words (`ansible.module_utils.parsing.convert_bool`).
const TRUE_WORDS: [&str; 6] = ["y", "yes", "on", "1", "true", "t"];
const FALSE_WORDS: [&str; 6] = ["n", "no", "off", "0", "false", "f"];

pub fn parse_bool(text: &str) -> Option<bool> {
    let t = text.trim().to_lowercase();
    if TRUE_WORDS.contains(&t.as_str()) {
        Some(true)
    } else if FALSE_WORDS.contains(&t.as_str()) {
        Some(false)
    } else {
        None
    }
}

pub fn validate(
    spec: &ArgSpec,
    module_name: &str,
    options: &Map<String, Value>,
) -> Result<Validated, String> {
    let mut by_name = Map::new();
    let mut unsupported: Vec<&str> = Vec::new();
    for (key, value) in options {
        match spec.resolve(key) {
            Some(option) => {
                by_name.insert(option.name.clone(), value.clone());
            }
            None => unsupported.push(key),
        }
    }
    if !unsupported.is_empty() {
        unsupported.sort();
        return Err(format!(
            "Unsupported parameters for ({module_name}) module: {}. Supported parameters include: {}.",
            unsupported.join(", "),
            supported_string(spec)
        ));
    }

    let mut missing: Vec<&str> = spec
        .options
        .iter()
        .filter(|o| o.required && by_name.get(&o.name).is_none_or(Value::is_null))
        .map(|o| o.name.as_str())
        .collect();
    if !missing.is_empty() {
        missing.sort();
        return Err(format!(
            "missing required arguments: {}",
            missing.join(", ")
        ));
    }

    let mut validated = Map::new();
    for option in &spec.options {
        let value = match by_name.remove(&option.name) {
            // Defaults are converted like given values, as AnsibleModule does: a `path`
            // default such as `~/.ssh/known_hosts` is expanded too.
            Some(Value::Null) | None => match option.default.clone() {
                Some(d) => convert(option, d)?,
                None => Value::Null,
            },
            Some(v) => convert(option, v)?,
        };
        validated.insert(option.name.clone(), value);
    }

    for option in spec.options.iter().filter(|o| !o.choices.is_empty()) {
        let value = &validated[&option.name];
        if !value.is_null() && !option.choices.contains(value) {
            let choices: Vec<String> = option.choices.iter().map(display).collect();
            return Err(format!(
                "value of {} must be one of: {}, got: {}",
                option.name,
                choices.join(", "),
                display(value)
            ));
        }
    }
    Ok(validated)
}

fn supported_string(spec: &ArgSpec) -> String {
    let mut names: Vec<&str> = spec.options.iter().map(|o| o.name.as_str()).collect();
    names.sort();
    let mut aliases: Vec<&str> = spec
        .options
        .iter()
        .flat_map(|o| o.aliases.iter().map(String::as_str))
        .collect();
    aliases.sort();
    let mut out = names.join(", ");
    if !aliases.is_empty() {
        out.push_str(&format!(" ({})", aliases.join(", ")));
    }
    out
}

fn convert(option: &OptionSpec, value: Value) -> Result<Value, String> {
    let converted =
        convert_to(option.kind, &value).and_then(|v| match (option.kind, option.elements) {
            (OptionType::List, Some(element)) => convert_elements(element, v),
            _ => Ok(v),
        });
    let converted = converted.map_err(|reason| {
        format!(
            "argument '{}' is of type {} and we were unable to convert to {}: {}",
            option.name,
            python_type_name(&value),
            option.kind.ansible_name(),
            reason
        )
    })?;
    check_range(option, &converted)?;
    Ok(converted)
}

fn convert_elements(element: OptionType, list: Value) -> Result<Value, String> {
    let Value::Array(items) = list else {
        return Ok(list);
    };
    items
        .iter()
        .map(|i| convert_to(element, i))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

fn check_range(option: &OptionSpec, value: &Value) -> Result<(), String> {
    let Some(n) = value.as_f64() else {
        return Ok(());
    };
    let below = option.minimum.is_some_and(|m| n < m);
    let above = option.maximum.is_some_and(|m| n > m);
    if below || above {
        return Err(format!(
            "value of {} must be between {} and {}, got: {}",
            option.name,
            option.minimum.map_or("-inf".into(), |m| m.to_string()),
            option.maximum.map_or("inf".into(), |m| m.to_string()),
            display(value)
        ));
    }
    Ok(())
}

fn convert_to(kind: OptionType, value: &Value) -> Result<Value, String> {
    match kind {
        OptionType::Str => to_str(value),
        OptionType::Path => {
            to_str(value).map(|v| Value::String(expand_user(v.as_str().unwrap_or_default())))
        }
        OptionType::Int => to_int(value),
        OptionType::Float => to_float(value),
        OptionType::Bool => to_bool(value),
        OptionType::List => Ok(to_list(value)),
        OptionType::Dict => match value {
            Value::Object(_) => Ok(value.clone()),
            Value::String(s) => serde_json::from_str::<Map<String, Value>>(s)
                .map(Value::Object)
                .map_err(|_| "dictionary requested, could not parse JSON or key=value".to_string()),
            _ => Err(format!(
                "{} cannot be converted to a dict",
                python_class(value)
            )),
        },
        OptionType::Raw => Ok(value.clone()),
    }
}

fn to_str(value: &Value) -> Result<Value, String> {
    match value {
        Value::String(_) => Ok(value.clone()),
        Value::Number(n) => Ok(Value::String(n.to_string())),
        Value::Bool(b) => Ok(Value::String(if *b { "True" } else { "False" }.into())),
        _ => Err(format!(
            "'{}' is not a string and conversion is not allowed",
            display(value)
        )),
    }
}

fn to_int(value: &Value) -> Result<Value, String> {
    let fail = || format!("\"{}\" cannot be converted to an int", python_repr(value));
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.fract() == 0.0)
            .map(|f| Value::Number(Number::from(f as i64)))
            .ok_or_else(fail),
        Value::String(s) => {
            let t = s.trim();
            if let Ok(i) = t.parse::<i64>() {
                Ok(Value::Number(i.into()))
            } else {
                t.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && f.fract() == 0.0)
                    .map(|f| Value::Number(Number::from(f as i64)))
                    .ok_or_else(fail)
            }
        }
        _ => Err(fail()),
    }
}

fn to_float(value: &Value) -> Result<Value, String> {
    let parsed = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    parsed
        .and_then(Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| format!("{} cannot be converted to a float", python_class(value)))
}

fn to_bool(value: &Value) -> Result<Value, String> {
    let parsed = match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => parse_bool(s),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => Some(true),
            Some(0.0) => Some(false),
            _ => None,
        },
        _ => {
            return Err(format!(
                "{} cannot be converted to a bool",
                python_class(value)
            ));
        }
    };
    parsed.map(Value::Bool).ok_or_else(|| {
        let words: Vec<String> = TRUE_WORDS
            .iter()
            .chain(FALSE_WORDS.iter())
            .map(|w| format!("'{w}'"))
            .collect();
        format!(
            "The value '{}' is not a valid boolean. Valid booleans include: {}, 1, 0",
            display(value),
            words.join(", ")
        )
    })
}

fn to_list(value: &Value) -> Value {
    match value {
        Value::Array(_) => value.clone(),
        Value::String(s) => {
            Value::Array(s.split(',').map(|p| Value::String(p.to_string())).collect())
        }
        other => Value::Array(vec![other.clone()]),
    }
}

/// Python's `os.path.expanduser(os.path.expandvars(path))`, as Ansible's `path` type does:
/// `$VAR` and `${VAR}` of the environment (unknown ones stay as written), then `~`.
fn expand_user(path: &str) -> String {
    static VAR: once_cell::sync::Lazy<regex::Regex> = once_cell::sync::Lazy::new(|| {
        regex::Regex::new(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))").unwrap()
    });
    let path = VAR.replace_all(path, |c: &regex::Captures| {
        let name = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
        std::env::var(name).unwrap_or_else(|_| c[0].to_string())
    });
    let path = path.as_ref();
    match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ if path == "~" => std::env::var("HOME").unwrap_or_else(|_| path.to_string()),
        _ => path.to_string(),
    }
}

/// How Python's `str()` shows a JSON value.
fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

/// How Python's `repr()` shows a JSON value.
fn python_repr(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{s}'"),
        other => display(other),
    }
}

fn python_type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "str",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
        Value::Null => "NoneType",
    }
}

fn python_class(value: &Value) -> String {
    format!("<class '{}'>", python_type_name(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> ArgSpec {
        ArgSpec::from_schema(&json!({
            "type": "object",
            "required": ["host"],
            "properties": {
                "host": {"type": "string"},
                "port": {"type": "integer", "default": 22, "minimum": 0, "maximum": 65535},
                "force": {"type": "boolean", "default": false},
                "timeout": {"type": ["number", "null"]},
                "role": {"type": "string", "enum": ["primary", "secondary", "any"], "default": "any"},
                "password": {"type": ["string", "null"], "x-no_log": true, "x-aliases": ["pass"]}
            }
        }))
    }

    fn check(options: serde_json::Value) -> Result<Validated, String> {
        validate(&spec(), "install", options.as_object().unwrap())
    }

    #[test]
    fn unknown_option_gets_ansibles_message() {
        let err = check(json!({"host": "a", "bogus": 1})).unwrap_err();
        assert_eq!(
            err,
            "Unsupported parameters for (install) module: bogus. Supported parameters include: \
             force, host, password, port, role, timeout (pass)."
        );
    }

    #[test]
    fn missing_required_argument() {
        assert_eq!(
            check(json!({"port": 2})).unwrap_err(),
            "missing required arguments: host"
        );
    }

    #[test]
    fn strings_from_key_value_syntax_are_converted() {
        let v = check(
            json!({"host": "a", "port": "2201", "force": "yes", "timeout": "1.5", "pass": "x"}),
        )
        .unwrap();
        assert_eq!(v["port"], json!(2201));
        assert_eq!(v["force"], json!(true));
        assert_eq!(v["timeout"], json!(1.5));
        assert_eq!(v["password"], json!("x"));
        assert_eq!(v["role"], json!("any"), "default filled in");
    }

    #[test]
    fn wrong_type_gets_ansibles_message() {
        assert_eq!(
            check(json!({"host": "a", "port": "abc"})).unwrap_err(),
            "argument 'port' is of type str and we were unable to convert to int: \"'abc'\" cannot be converted to an int"
        );
        let err = check(json!({"host": "a", "force": "maybe"})).unwrap_err();
        assert!(err.starts_with("argument 'force' is of type str and we were unable to convert to bool: The value 'maybe' is not a valid boolean."), "{err}");
    }

    #[test]
    fn choices_are_enforced() {
        assert_eq!(
            check(json!({"host": "a", "role": "tertiary"})).unwrap_err(),
            "value of role must be one of: primary, secondary, any, got: tertiary"
        );
    }

    #[test]
    fn range_is_enforced() {
        assert!(
            check(json!({"host": "a", "port": 70000}))
                .unwrap_err()
                .contains("must be between")
        );
    }

    #[test]
    fn numbers_become_strings_for_str_options() {
        assert_eq!(check(json!({"host": 10})).unwrap()["host"], json!("10"));
    }

    #[test]
    fn path_defaults_and_variables_are_expanded() {
        let spec = ArgSpec::from_schema(&json!({
            "type": "object",
            "properties": {
                "known_hosts": {"type": "string", "default": "~/.ssh/known_hosts", "x-type": "path"},
                "journal": {"type": ["string", "null"], "x-type": "path"}
            }
        }));
        let home = std::env::var("HOME").unwrap();
        let given = json!({"journal": "$HOME/j/${HOME}x/$NO_SUCH_VAR_FTD"});
        let out = validate(&spec, "facts", given.as_object().unwrap()).unwrap();
        assert_eq!(
            out["known_hosts"],
            json!(format!("{home}/.ssh/known_hosts"))
        );
        assert_eq!(
            out["journal"],
            json!(format!("{home}/j/{home}x/$NO_SUCH_VAR_FTD"))
        );
    }
}
