//! The unit's files: logs the sim writes line by line; upgrade packages present from the
//! start, too large to hold, kept as a size and the checksums of their (imagined) content; and
//! files that really arrived over the network (`wget`, `scp`, SFTP), kept byte for byte.

use md5::{Digest, Md5};
use sha2::Sha512;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq)]
pub enum File {
    Text(String),
    Package {
        size: u64,
        md5: String,
        sha512: String,
        signed: bool,
    },
    /// Bytes that came over the network. A package file is signed when its bytes are the
    /// ones [`package_content`] makes for its name and size (what Cisco would have built).
    Bytes(Vec<u8>),
}

impl File {
    pub fn size(&self) -> u64 {
        match self {
            File::Text(t) => t.len() as u64,
            File::Package { size, .. } => *size,
            File::Bytes(b) => b.len() as u64,
        }
    }

    /// An upgrade bundle whose signature would not verify.
    pub fn damaged_package(&self, name: &str) -> bool {
        match self {
            File::Package { signed, .. } => !signed,
            File::Bytes(b) => *b != package_content(name, b.len() as u64),
            File::Text(_) => true,
        }
    }
}

/// The content of a signed package of this name and size, as the sim's package server
/// serves it (`ftd-sim package`): a header naming it, then a fixed byte pattern.
pub fn package_content(name: &str, size: u64) -> Vec<u8> {
    let mut bytes = format!("ftd-sim signed package {name}\n").into_bytes();
    bytes.truncate(size as usize);
    let start = bytes.len();
    bytes.extend((start as u64..size).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    bytes
}

#[derive(Debug, Clone, Default)]
pub struct Fs {
    files: BTreeMap<String, File>,
    /// Modification labels for `ls -l` (`Jul 18 02:36`).
    mtimes: BTreeMap<String, String>,
    /// Directories made with `mkdir` (others exist because files are in them).
    dirs: BTreeSet<String>,
}

/// The checksums Cisco would publish for a package: derived from its name and size, so that
/// the sim and its inventory agree without holding a gigabyte.
pub fn published_checksums(name: &str, size: u64) -> (String, String) {
    let seed = format!("ftd-sim package {name} {size}");
    (
        hex(&Md5::digest(seed.as_bytes())),
        hex(&Sha512::digest(seed.as_bytes())),
    )
}

/// Where the admin user (not root) may write: its home and the temporary folders. UNVERIFIED
/// for the device (standard Linux permissions assumed).
pub fn writable_by_admin(path: &str) -> bool {
    path.starts_with("/home/admin/") || path.starts_with("/tmp/") || path.starts_with("/var/tmp/")
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Fs {
    pub fn add_package(&mut self, path: &str, size: u64, corrupt: bool, mtime: &str) {
        let name = path.rsplit('/').next().unwrap_or(path);
        let (mut md5, mut sha512) = published_checksums(name, size);
        if corrupt {
            // A damaged copy: other bytes, other checksums, no valid signature.
            (md5, sha512) = published_checksums(&format!("{name} damaged"), size);
        }
        self.files.insert(
            path.into(),
            File::Package {
                size,
                md5,
                sha512,
                signed: !corrupt,
            },
        );
        self.mtimes.insert(path.into(), mtime.into());
    }

    /// A package another system is copying in (the FMC's "Copy Upgrade Package"): `written`
    /// of `total` bytes so far; only the whole file has the published checksums and signature.
    pub fn add_package_copy(&mut self, path: &str, written: u64, total: u64, mtime: &str) {
        if written == total {
            self.add_package(path, total, false, mtime);
            return;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let (md5, sha512) = published_checksums(&format!("{name} first {written} bytes"), written);
        self.files.insert(
            path.into(),
            File::Package {
                size: written,
                md5,
                sha512,
                signed: false,
            },
        );
        self.mtimes.insert(path.into(), mtime.into());
    }

    pub fn write(&mut self, path: &str, text: &str, mtime: &str) {
        self.files.insert(path.into(), File::Text(text.into()));
        self.mtimes.insert(path.into(), mtime.into());
    }

    pub fn append(&mut self, path: &str, text: &str, mtime: &str) {
        match self.files.get_mut(path) {
            Some(File::Text(t)) => t.push_str(text),
            _ => {
                self.files.insert(path.into(), File::Text(text.into()));
            }
        }
        self.mtimes.insert(path.into(), mtime.into());
    }

    /// Bytes written at `offset` of a network file (created empty when absent): what
    /// `wget -c`, `scp` and an SFTP write do, chunk by chunk.
    pub fn write_at(&mut self, path: &str, offset: u64, data: &[u8], mtime: &str) {
        let file = self
            .files
            .entry(path.to_string())
            .or_insert_with(|| File::Bytes(Vec::new()));
        if !matches!(file, File::Bytes(_)) {
            *file = File::Bytes(Vec::new());
        }
        if let File::Bytes(b) = file {
            let at = offset as usize;
            if b.len() < at + data.len() {
                b.resize(at + data.len(), 0);
            }
            b[at..at + data.len()].copy_from_slice(data);
        }
        self.mtimes.insert(path.into(), mtime.into());
    }

    /// Cuts a file to `len` bytes (`-O` without `-c` starts it over).
    pub fn truncate(&mut self, path: &str, len: u64) {
        if let Some(File::Bytes(b)) = self.files.get_mut(path) {
            b.truncate(len as usize);
        } else if len == 0 {
            self.files.insert(path.into(), File::Bytes(Vec::new()));
        }
    }

    pub fn get(&self, path: &str) -> Option<&File> {
        self.files.get(path)
    }

    pub fn text(&self, path: &str) -> Option<&str> {
        match self.files.get(path) {
            Some(File::Text(t)) => Some(t),
            _ => None,
        }
    }

    pub fn remove(&mut self, path: &str) {
        self.files.remove(path);
    }

    /// Bytes of every file (packages at their full size).
    pub fn total_bytes(&self) -> u64 {
        self.files.values().map(File::size).sum()
    }

    /// `rm -r`: the path and everything under it.
    pub fn remove_tree(&mut self, path: &str) {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        self.files
            .retain(|k, _| k != path && !k.starts_with(&prefix));
        self.dirs.retain(|k| k != path && !k.starts_with(&prefix));
    }

    /// `mkdir`: false when something is already there.
    pub fn make_dir(&mut self, path: &str) -> bool {
        if self.is_dir(path) || self.files.contains_key(path) {
            return false;
        }
        self.dirs.insert(path.trim_end_matches('/').to_string());
        true
    }

    /// `mv`: renames a file or a whole directory; false when `from` does not exist.
    pub fn rename(&mut self, from: &str, to: &str) -> bool {
        let prefix = format!("{}/", from.trim_end_matches('/'));
        let moved: Vec<String> = self
            .files
            .keys()
            .filter(|k| *k == from || k.starts_with(&prefix))
            .cloned()
            .collect();
        let dirs: Vec<String> = self
            .dirs
            .iter()
            .filter(|k| *k == from || k.starts_with(&prefix))
            .cloned()
            .collect();
        if moved.is_empty() && dirs.is_empty() {
            return false;
        }
        for old in moved {
            let new = format!("{to}{}", &old[from.len()..]);
            if let Some(f) = self.files.remove(&old) {
                self.files.insert(new.clone(), f);
            }
            if let Some(m) = self.mtimes.remove(&old) {
                self.mtimes.insert(new, m);
            }
        }
        for old in dirs {
            self.dirs.remove(&old);
            self.dirs.insert(format!("{to}{}", &old[from.len()..]));
        }
        true
    }

    pub fn is_dir(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        let prefix = format!("{path}/");
        path.is_empty()
            || self.dirs.contains(path)
            || self.dirs.iter().any(|k| k.starts_with(&prefix))
            || self.files.keys().any(|k| k.starts_with(&prefix))
    }

    /// Entries directly under `dir`: (name, is_dir, size, mtime).
    pub fn list(&self, dir: &str) -> Vec<(String, bool, u64, String)> {
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{}/", dir.trim_end_matches('/'))
        };
        let mut out: BTreeMap<String, (bool, u64, String)> = BTreeMap::new();
        for (path, file) in &self.files {
            let Some(rest) = path.strip_prefix(&prefix) else {
                continue;
            };
            let mtime = self.mtimes.get(path).cloned().unwrap_or_default();
            match rest.split_once('/') {
                Some((sub, _)) => {
                    out.entry(sub.to_string()).or_insert((true, 4096, mtime));
                }
                None => {
                    out.insert(rest.to_string(), (false, file.size(), mtime));
                }
            }
        }
        for d in &self.dirs {
            if let Some(rest) = d.strip_prefix(&prefix) {
                let sub = rest.split('/').next().unwrap_or(rest);
                out.entry(sub.to_string())
                    .or_insert((true, 4096, String::new()));
            }
        }
        out.into_iter()
            .map(|(name, (d, s, m))| (name, d, s, m))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_keep_published_checksums_unless_corrupt() {
        let mut fs = Fs::default();
        fs.add_package("/u/A-7.2.7-500.sh.REL.tar", 10, false, "Jul 18 02:36");
        fs.add_package("/u/B-7.2.7-500.sh.REL.tar", 10, true, "Jul 18 02:36");
        let (md5, _) = published_checksums("A-7.2.7-500.sh.REL.tar", 10);
        assert!(
            matches!(fs.get("/u/A-7.2.7-500.sh.REL.tar"), Some(File::Package { md5: m, signed: true, .. }) if *m == md5)
        );
        let (md5b, _) = published_checksums("B-7.2.7-500.sh.REL.tar", 10);
        assert!(
            matches!(fs.get("/u/B-7.2.7-500.sh.REL.tar"), Some(File::Package { md5: m, signed: false, .. }) if *m != md5b)
        );
    }

    #[test]
    fn network_files_are_signed_only_with_the_package_content() {
        let mut fs = Fs::default();
        let name = "Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar";
        let good = package_content(name, 5000);
        fs.write_at("/u/a", 0, &good[..3000], "");
        fs.write_at("/u/a", 3000, &good[3000..], "");
        assert!(!fs.get("/u/a").unwrap().damaged_package(name));
        let mut bad = good.clone();
        bad[4000] ^= 1;
        fs.write_at("/u/b", 0, &bad, "");
        assert!(fs.get("/u/b").unwrap().damaged_package(name));
        fs.truncate("/u/a", 10);
        assert_eq!(fs.get("/u/a").unwrap().size(), 10);
    }

    #[test]
    fn directories_are_implied_by_files() {
        let mut fs = Fs::default();
        fs.write("/a/b/c.log", "x\n", "");
        assert!(fs.is_dir("/a") && fs.is_dir("/a/b") && !fs.is_dir("/a/b/c.log"));
        assert_eq!(fs.list("/a")[0].0, "b");
        assert!(fs.list("/a")[0].1);
    }
}
