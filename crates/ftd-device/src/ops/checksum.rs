//! Checking a package on the device against the checksum Cisco publishes.

use super::OpError;
use crate::session::CliSession;

/// `md5:<hex>` or `sha512:<hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    pub algorithm: &'static str,
    pub hex: String,
}

impl Checksum {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (algo, hex) = text.trim().split_once(':').ok_or_else(|| bad(text))?;
        let (algorithm, len) = match algo.to_lowercase().as_str() {
            "md5" => ("md5", 32),
            "sha512" => ("sha512", 128),
            _ => return Err(bad(text)),
        };
        let hex = hex.trim().to_lowercase();
        if hex.len() != len || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad(text));
        }
        Ok(Checksum { algorithm, hex })
    }
}

fn bad(text: &str) -> String {
    format!("checksum '{text}' is not one: expected md5:<32 hex digits> or sha512:<128 hex digits>")
}

/// Runs `md5sum`/`sha512sum` on the device and compares.
pub async fn verify(s: &mut CliSession, path: &str, expected: &Checksum) -> Result<(), OpError> {
    let out = s
        .root_ok(&format!("{}sum {path}", expected.algorithm))
        .await?;
    let actual = out
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    if actual != expected.hex {
        return Err(OpError::Refused(format!(
            "{path} has {} {actual}, not the expected {}: the package is corrupt or not the one published; copy it again",
            expected.algorithm, expected.hex
        )));
    }
    Ok(())
}

/// The package must be on the unit and, when a checksum is given, match it. Returns its path.
pub async fn package_ready(
    s: &mut CliSession,
    package: &crate::version::Package,
    expected: Option<&Checksum>,
) -> Result<String, OpError> {
    let path = crate::paths::package_path(package);
    let (_, present) = s.root(&format!("test -f {path}")).await?;
    if present != 0 {
        return Err(OpError::Refused(format!(
            "{path} is not on the unit; copy the package to both units first"
        )));
    }
    if let Some(sum) = expected {
        verify(s, &path, sum).await?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_kinds() {
        assert_eq!(
            Checksum::parse("md5:D41D8CD98F00B204E9800998ECF8427E")
                .unwrap()
                .hex,
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert!(Checksum::parse(&format!("sha512:{}", "a".repeat(128))).is_ok());
        assert!(Checksum::parse("md5:123").is_err());
        assert!(Checksum::parse("crc32:00000000").is_err());
        assert!(Checksum::parse("d41d8cd98f00b204e9800998ecf8427e").is_err());
    }
}
