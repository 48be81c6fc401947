//! `ls -l` of the updates directory and `df -h`.

use super::normalize;
use crate::version::Package;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageFile {
    pub name: String,
    pub size: u64,
    /// From the name; None for files that are not upgrade packages (`.METADATA`).
    pub version: Option<String>,
}

/// Lines like `-rw-r--r-- 1 root root 1123706880 Jul 18 02:36 Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar`.
pub fn ls_long(text: &str) -> Vec<PackageFile> {
    normalize(text)
        .lines()
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            let name = fields.get(8..)?.join(" ");
            let size = fields.get(4)?.parse().ok()?;
            let version = Package::parse(&name).ok().map(|p| p.version.to_string());
            Some(PackageFile {
                name,
                size,
                version,
            })
        })
        .collect()
}

/// `Avail` of the last filesystem line of `df -h` (the one asked about).
pub fn df_available(text: &str) -> Option<String> {
    let text = normalize(text);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next()?;
    let col = header
        .split_whitespace()
        .position(|h| h.starts_with("Avail"))?;
    lines
        .next_back()?
        .split_whitespace()
        .nth(col)
        .map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn df() {
        let t = "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda7        36G  9.1G   25G  27% /ngfw\n";
        assert_eq!(df_available(t).as_deref(), Some("25G"));
    }
}
