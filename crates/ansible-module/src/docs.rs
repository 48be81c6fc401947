//! The module's documentation file (`plugins/modules/NAME.py`: DOCUMENTATION, EXAMPLES and
//! RETURN, no code), generated from the options struct and the module's [`ModuleInfo`]:
//! documentation never drifts from the code. Galaxy's importer, `ansible-doc` and
//! `ansible-test sanity` read it; the collection's action plugin runs the binary itself.

use crate::run::ModuleInfo;
use crate::spec::{ArgSpec, OptionType};
use schemars::JsonSchema;
use serde_json::{Map, Value, json};

/// Who the modules' documentation names (ansible-test wants `Name (@github-handle)`).
pub const AUTHOR: &str = "ftd-ha-upgrade developers (@ftd-ha-upgrade)";

/// The documentation-only Python file of a module.
pub fn python_doc_file<A: JsonSchema>(info: &ModuleInfo) -> String {
    let spec = ArgSpec::of::<A>();
    let documentation = yaml(&documentation(info, &spec));
    let returns = yaml(&parse_yaml(info.returns));
    format!(
        "#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ftd-ha-upgrade developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0.txt)
#
# Documentation only, generated from the module's Rust code: the module is the binary
# ftd-ha-upgrade-{name} (Python package ftd-ha-upgrade), run on the controller by this
# collection's action plugin.

from __future__ import annotations

DOCUMENTATION = r\"\"\"
{documentation}\"\"\"

EXAMPLES = r\"\"\"
{examples}\"\"\"

RETURN = r\"\"\"
{returns}\"\"\"
",
        name = info.name,
        examples = info.examples.trim_start_matches('\n'),
    )
}

fn yaml(value: &Value) -> String {
    let text = serde_norway::to_string(value).unwrap_or_default();
    let folded = fold_long_lines(&text, MAX_LINE);
    // Folding must not change what the YAML says (checked here, so a surprising scalar stays
    // on one long line rather than being changed).
    match serde_norway::from_str::<Value>(&folded) {
        Ok(back) if back == *value => folded,
        _ => text,
    }
}

/// Lines of a Python file ansible-test's pep8 accepts are at most 160 characters.
const MAX_LINE: usize = 150;

/// Folds long scalar lines (`key: words`, `- words`, plain or quoted) at single spaces onto
/// more indented continuation lines, which YAML reads back as one line.
fn fold_long_lines(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.len() <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let body = &line[indent..];
        let lead = if body.starts_with("- ") {
            2
        } else {
            body.find(": ").map(|i| i + 2).unwrap_or(0)
        };
        let plain = !body[lead..].starts_with(['\'', '"']);
        let continuation = " ".repeat(indent + 2);
        let mut current = line[..indent + lead].to_string();
        let mut first = true;
        for word in body[lead..].split(' ') {
            let fits = current.len() + 1 + word.len() <= width;
            // A plain scalar's line must not start with what YAML reads as syntax.
            let syntax = plain && word.starts_with(|c: char| "#-*&!|>'\"%@`?:{}[],".contains(c));
            let breakable = !word.is_empty() && !syntax;
            if first {
                current.push_str(word);
                first = false;
            } else if fits || !breakable || current.trim().is_empty() {
                current.push(' ');
                current.push_str(word);
            } else {
                out.push_str(&current);
                out.push('\n');
                current = format!("{continuation}{word}");
            }
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

fn documentation(info: &ModuleInfo, spec: &ArgSpec) -> Value {
    let mut options = Map::new();
    for option in &spec.options {
        let mut entry = Map::new();
        entry.insert("description".into(), json!(option.description));
        entry.insert("type".into(), json!(option.kind.ansible_name()));
        if option.kind == OptionType::List
            && let Some(e) = option.elements
        {
            entry.insert("elements".into(), json!(e.ansible_name()));
        }
        entry.insert("required".into(), json!(option.required));
        if let Some(default) = &option.default {
            entry.insert("default".into(), default.clone());
        }
        if !option.choices.is_empty() {
            entry.insert("choices".into(), json!(option.choices));
        }
        if !option.aliases.is_empty() {
            entry.insert("aliases".into(), json!(option.aliases));
        }
        options.insert(option.name.clone(), Value::Object(entry));
    }
    let check_mode = if info.supports_check_mode {
        "full"
    } else {
        "none"
    };
    json!({
        "module": info.name,
        "short_description": info.short_description,
        "description": info.description,
        "version_added": "0.1.0",
        "author": [AUTHOR],
        "options": options,
        "attributes": {
            "check_mode": {"support": check_mode, "description": "Can run in check_mode and return changed status prediction without modifying target."},
            "diff_mode": {"support": "full", "description": "Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode."},
        },
        "notes": info.notes,
    })
}

fn parse_yaml(text: &str) -> Value {
    serde_norway::from_str(text)
        .unwrap_or_else(|e| json!({"_error": format!("RETURN is not valid YAML: {e}")}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[allow(dead_code)]
    #[derive(Deserialize, JsonSchema)]
    struct Opts {
        /// Where the unit listens.
        host: String,
        /// Seconds to wait.
        #[serde(default = "ten")]
        timeout: u64,
    }
    fn ten() -> u64 {
        10
    }

    #[test]
    fn long_lines_fold_and_read_back_the_same() {
        let long = "word ".repeat(60) + "end: with a colon, #hash and 'quotes'";
        let value =
            json!({"description": [long.clone()], "notes": [format!("x: {long}")], "key": long});
        let text = yaml(&value);
        assert!(text.lines().all(|l| l.len() <= MAX_LINE), "{text}");
        assert_eq!(serde_norway::from_str::<Value>(&text).unwrap(), value);
    }

    #[test]
    fn doc_file_has_options_examples_and_returns() {
        let info = ModuleInfo {
            name: "probe",
            short_description: "Probe a unit",
            description: &["Probes."],
            supports_check_mode: true,
            examples: "- name: Probe\n  ftd.ha_upgrade.probe:\n    host: fw1\n",
            returns: "version:\n  description: The version.\n  returned: always\n  type: str\n",
            notes: &[],
        };
        let file = python_doc_file::<Opts>(&info);
        let block = |name: &str| -> Value {
            let start = file.find(&format!("{name} = r\"\"\"\n")).unwrap() + name.len() + 8;
            let end = start + file[start..].find("\"\"\"").unwrap();
            let text = &file[start..end];
            if name == "EXAMPLES" {
                Value::String(text.into())
            } else {
                serde_norway::from_str(text).unwrap()
            }
        };
        assert!(file.starts_with("#!/usr/bin/python\n"));
        let back = json!({"DOCUMENTATION": block("DOCUMENTATION"), "RETURN": block("RETURN"), "EXAMPLES": block("EXAMPLES")});
        let doc = &back["DOCUMENTATION"];
        assert_eq!(doc["module"], "probe");
        assert_eq!(doc["options"]["host"]["required"], true);
        assert_eq!(
            doc["options"]["host"]["description"],
            json!(["Where the unit listens."])
        );
        assert_eq!(doc["options"]["timeout"]["default"], 10);
        assert_eq!(doc["options"]["timeout"]["type"], "int");
        assert_eq!(back["RETURN"]["version"]["type"], "str");
        assert!(
            back["EXAMPLES"]
                .as_str()
                .unwrap()
                .contains("ftd.ha_upgrade.probe")
        );
    }
}
