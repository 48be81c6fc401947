//! Writing a report as the journal is written: readable by its owner only (0600). A report
//! holds the units' addresses, interfaces and routes, the evidence captured before and after.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Writes `content` to `path`, mode 0600; a file already there (an older report, perhaps
/// 0644) is made 0600 before its new content goes in.
pub fn write(path: &Path, content: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.set_len(0)?;
    file.write_all(content.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_private_even_where_an_older_one_was_not() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("report.html");
        write(&fresh, "<html>new</html>").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&fresh), 0o600);
        let old = dir.path().join("report.md");
        std::fs::write(&old, "an older, longer report").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&old, "new").unwrap();
        assert_eq!(mode(&old), 0o600);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "new");
    }
}
