//! `show version`, at CLISH or in the diagnostic CLI (which appends the LINA block).
//! The stable token is `Version X.Y.Z[.P] (Build N)` on the `Model` line.

use super::{ParseError, normalize};
use crate::version::Version;
use once_cell::sync::Lazy;
use regex::Regex;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowVersion {
    pub hostname: String,
    pub model: String,
    pub version: Version,
    pub uuid: Option<String>,
    /// `LSP version` on 7.x, `Rules update version` on 6.x.
    pub rules_version: Option<String>,
    pub vdb_version: Option<String>,
    /// `Cisco Adaptive Security Appliance Software Version 9.16(4)125`, diagnostic CLI only.
    pub lina_version: Option<String>,
}

static HEADER: Lazy<Regex> = Lazy::new(|| Regex::new(r"(?m)^-+\[\s*(.*?)\s*\]-+\s*$").unwrap());
static MODEL: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?m)^\s*Model\s*:\s*(.+?)\s+Version\s+(\d+(?:\.\d+){2,3})\s*\(Build\s+(\d+)\)")
        .unwrap()
});
static FIELD: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?m)^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(\S.*?)\s*$").unwrap());
static LINA: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?m)Adaptive Security Appliance Software Version\s+(\S+)").unwrap());

pub fn parse(text: &str) -> Result<ShowVersion, ParseError> {
    let text = normalize(text);
    let err = || ParseError::new("show version", &text);
    let model = MODEL.captures(&text).ok_or_else(err)?;
    let version = Version::parse(&format!("{}-{}", &model[2], &model[3])).map_err(|_| err())?;
    let field = |name: &str| {
        FIELD
            .captures_iter(&text)
            .find(|c| c[1].eq_ignore_ascii_case(name))
            .map(|c| c[2].to_string())
    };
    Ok(ShowVersion {
        hostname: HEADER
            .captures(&text)
            .map(|c| c[1].to_string())
            .unwrap_or_default(),
        model: model[1].trim().to_string(),
        version,
        uuid: field("UUID"),
        rules_version: field("LSP version").or_else(|| field("Rules update version")),
        vdb_version: field("VDB version"),
        lina_version: LINA.captures(&text).map(|c| c[1].to_string()),
    })
}
