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

/// Free space on `/ngfw` against what the upgrade needs there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Space {
    pub free_bytes: u64,
    pub package_bytes: u64,
    /// Twice the package: the package plus its unpacked content (domain §11, inferred: the
    /// per-platform numbers are in Cisco's "Time and Disk Space" tables, not public here).
    pub needed_bytes: u64,
}

impl Space {
    pub fn enough(&self) -> bool {
        self.free_bytes >= self.needed_bytes
    }

    pub fn describe(&self) -> String {
        let gib = |b: u64| format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64);
        format!(
            "{} free on /ngfw, {} needed (twice the {} package)",
            gib(self.free_bytes),
            gib(self.needed_bytes),
            gib(self.package_bytes)
        )
    }
}

/// Reads the package's size and `/ngfw`'s free space (`stat -c %s`, `df -k`).
pub async fn space(
    s: &mut CliSession,
    package: &crate::version::Package,
) -> Result<Space, OpError> {
    let path = crate::paths::package_path(package);
    let size = s.root_ok(&format!("stat -c %s {path}")).await?;
    let df = s.root_ok("df -k /ngfw").await?;
    let unreadable = |what: &str, text: &str| {
        OpError::Failed(format!("could not read {what} from {:?}", text.trim()))
    };
    let package_bytes: u64 = size
        .trim()
        .parse()
        .map_err(|_| unreadable("the package size", &size))?;
    let free_kib: u64 = crate::parse::listing::df_available(&df)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| unreadable("the free space", &df))?;
    Ok(Space {
        free_bytes: free_kib * 1024,
        package_bytes,
        needed_bytes: package_bytes * 2,
    })
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
