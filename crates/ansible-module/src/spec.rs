//! The argument spec, derived from the options struct's JSON schema (schemars).
//!
//! Extra facts that JSON schema has no word for travel as schema extensions on the field:
//! `#[schemars(extend("x-no_log" = true))]`, `#[schemars(extend("x-aliases" = ["a"]))]` and
//! `#[schemars(extend("x-type" = "path"))]` (Ansible's `path` type: a string, `~` expanded).

use schemars::JsonSchema;
use serde_json::{Map, Value};

/// Ansible's option types, named as `ansible-doc` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionType {
    Str,
    Path,
    Int,
    Float,
    Bool,
    List,
    Dict,
    Raw,
}

impl OptionType {
    pub fn ansible_name(self) -> &'static str {
        match self {
            OptionType::Str => "str",
            OptionType::Path => "path",
            OptionType::Int => "int",
            OptionType::Float => "float",
            OptionType::Bool => "bool",
            OptionType::List => "list",
            OptionType::Dict => "dict",
            OptionType::Raw => "raw",
        }
    }
}

/// One option, as Python's `argument_spec` would declare it.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionSpec {
    pub name: String,
    pub kind: OptionType,
    /// Element type of a list.
    pub elements: Option<OptionType>,
    pub required: bool,
    pub default: Option<Value>,
    pub choices: Vec<Value>,
    pub aliases: Vec<String>,
    pub no_log: bool,
    /// Paragraphs of the `///` doc comment.
    pub description: Vec<String>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
}

/// All options of a module, in declaration order of the schema (alphabetical in schemars).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArgSpec {
    pub options: Vec<OptionSpec>,
}

impl ArgSpec {
    pub fn of<T: JsonSchema>() -> Self {
        Self::from_schema(schemars::schema_for!(T).as_value())
    }

    pub fn from_schema(schema: &Value) -> Self {
        let defs = schema
            .get("$defs")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut options = Vec::new();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, field) in props {
                options.push(option_from_field(
                    name,
                    field,
                    &defs,
                    required.contains(&name.as_str()),
                ));
            }
        }
        ArgSpec { options }
    }

    pub fn get(&self, name: &str) -> Option<&OptionSpec> {
        self.options.iter().find(|o| o.name == name)
    }

    /// The option that `key` names, directly or by alias.
    pub fn resolve(&self, key: &str) -> Option<&OptionSpec> {
        self.get(key).or_else(|| {
            self.options
                .iter()
                .find(|o| o.aliases.iter().any(|a| a == key))
        })
    }

    /// Every name a task may use, aliases included, sorted as Ansible lists them.
    pub fn legal_inputs(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .options
            .iter()
            .flat_map(|o| std::iter::once(o.name.clone()).chain(o.aliases.iter().cloned()))
            .collect();
        names.sort();
        names
    }

    pub fn no_log_names(&self) -> impl Iterator<Item = &str> {
        self.options
            .iter()
            .filter(|o| o.no_log)
            .map(|o| o.name.as_str())
    }
}

fn option_from_field(
    name: &str,
    field: &Value,
    defs: &Map<String, Value>,
    required: bool,
) -> OptionSpec {
    let resolved = resolve_refs(field, defs);
    let (kind, nullable) = type_of(&resolved);
    let kind = match resolved.get("x-type").and_then(Value::as_str) {
        Some("path") => OptionType::Path,
        Some("raw") => OptionType::Raw,
        _ => kind,
    };
    let elements = resolved
        .get("items")
        .map(|items| type_of(&resolve_refs(items, defs)).0);
    let choices = resolved
        .get("enum")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let choices = choices.into_iter().filter(|c| !c.is_null()).collect();
    OptionSpec {
        name: name.to_string(),
        kind,
        elements,
        required: required && !nullable,
        default: field.get("default").cloned().filter(|d| !d.is_null()),
        choices,
        aliases: string_list(field.get("x-aliases")),
        no_log: field
            .get("x-no_log")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        description: paragraphs(
            field
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or(""),
        ),
        minimum: resolved.get("minimum").and_then(Value::as_f64),
        maximum: resolved.get("maximum").and_then(Value::as_f64),
    }
}

/// Inline `$ref`s and unwrap `anyOf: [X, null]` (what `Option<Enum>` becomes).
fn resolve_refs(field: &Value, defs: &Map<String, Value>) -> Value {
    let mut out = field.as_object().cloned().unwrap_or_default();
    if let Some(target) = out.get("$ref").and_then(Value::as_str).map(String::from)
        && let Some(def) = target.strip_prefix("#/$defs/").and_then(|n| defs.get(n))
    {
        for (k, v) in resolve_refs(def, defs).as_object().into_iter().flatten() {
            out.entry(k.clone()).or_insert(v.clone());
        }
    }
    if let Some(Value::Array(any)) = out.get("anyOf").cloned() {
        let non_null: Vec<&Value> = any
            .iter()
            .filter(|v| v.get("type") != Some(&Value::from("null")))
            .collect();
        if non_null.len() == 1 {
            for (k, v) in resolve_refs(non_null[0], defs)
                .as_object()
                .into_iter()
                .flatten()
            {
                out.entry(k.clone()).or_insert(v.clone());
            }
            out.insert("x-nullable".into(), Value::Bool(true));
        }
    }
    Value::Object(out)
}

fn type_of(schema: &Value) -> (OptionType, bool) {
    let mut nullable = schema.get("x-nullable").is_some();
    let names: Vec<&str> = match schema.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    nullable |= names.contains(&"null");
    let kind = match names.iter().find(|n| **n != "null").copied() {
        Some("string") => OptionType::Str,
        Some("integer") => OptionType::Int,
        Some("number") => OptionType::Float,
        Some("boolean") => OptionType::Bool,
        Some("array") => OptionType::List,
        Some("object") => OptionType::Dict,
        _ => OptionType::Raw,
    };
    (kind, nullable)
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Doc comments become description paragraphs: blank lines separate, single breaks join.
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Deserialize, Serialize, JsonSchema, Clone, Copy)]
    #[serde(rename_all = "lowercase")]
    enum Role {
        Primary,
        Any,
    }

    fn default_port() -> u16 {
        22
    }
    fn default_role() -> Role {
        Role::Any
    }

    #[allow(dead_code)]
    #[derive(Deserialize, JsonSchema)]
    struct Options {
        /// The unit's address.
        ///
        /// Second paragraph,
        /// one sentence.
        host: String,
        #[serde(default = "default_port")]
        port: u16,
        #[schemars(extend("x-no_log" = true, "x-aliases" = ["pass"]))]
        password: Option<String>,
        #[serde(default = "default_role")]
        role: Role,
        maybe_role: Option<Role>,
        #[schemars(extend("x-type" = "path"))]
        journal: Option<String>,
    }

    #[test]
    fn derives_types_defaults_choices_and_markers() {
        let spec = ArgSpec::of::<Options>();
        let host = spec.get("host").unwrap();
        assert!(host.required);
        assert_eq!(host.kind, OptionType::Str);
        assert_eq!(
            host.description,
            vec!["The unit's address.", "Second paragraph, one sentence."]
        );
        let port = spec.get("port").unwrap();
        assert_eq!(
            (port.kind, port.required, port.default.clone()),
            (OptionType::Int, false, Some(Value::from(22)))
        );
        assert_eq!(port.maximum, Some(65535.0));
        let password = spec.get("password").unwrap();
        assert!(password.no_log && !password.required);
        assert_eq!(spec.resolve("pass").unwrap().name, "password");
        let role = spec.get("role").unwrap();
        assert_eq!(
            role.choices,
            vec![Value::from("primary"), Value::from("any")]
        );
        assert_eq!(role.default, Some(Value::from("any")));
        let maybe = spec.get("maybe_role").unwrap();
        assert_eq!(
            (maybe.kind, maybe.required, maybe.choices.len()),
            (OptionType::Str, false, 2)
        );
        assert_eq!(spec.get("journal").unwrap().kind, OptionType::Path);
        assert_eq!(
            spec.legal_inputs(),
            vec![
                "host",
                "journal",
                "maybe_role",
                "pass",
                "password",
                "port",
                "role"
            ]
        );
    }
}
