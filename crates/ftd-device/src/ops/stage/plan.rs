//! What staging must do on a unit before a byte moves, and what makes a received file the
//! package: whether the package is there already, whether a file of its name is replaced, old
//! packages removed, the space rule (domain §11), the checks after the transfer. The stage
//! module asks, reports and transfers; every decision about the unit's files is here.

use super::{Paths, Pull, human};
use crate::ops::OpError;
use crate::ops::checksum::Checksum;
use crate::ops::facts;
use crate::parse::listing::PackageFile;
use crate::paths::UPDATES_DIR;
use crate::session::CliSession;
use crate::version::{Package, Version};

/// How the package reaches the unit, as far as the plan cares.
pub enum Source<'a> {
    /// The unit downloads it.
    Pull(&'a Pull),
    /// The controller uploads it (its size is known).
    Push,
    /// Somebody else put it there (the FMC's copy): only confirmed, never transferred.
    Confirm,
}

/// What is asked of the unit.
pub struct Request<'a> {
    pub package: &'a Package,
    pub paths: &'a Paths,
    pub source: Source<'a>,
    /// The published checksum, when given.
    pub checksum: Option<&'a Checksum>,
    /// The package's size when the caller knows it; asked of the server otherwise.
    pub size: Option<u64>,
    /// The pull's password, for asking the server the size.
    pub password: Option<&'a str>,
    pub remove_old: bool,
    /// Nothing is written to the unit: a private CA cannot be used to ask the size, removals
    /// and replacements are only counted.
    pub check_mode: bool,
}

/// What staging has to do.
#[derive(Debug, PartialEq)]
pub enum Plan {
    /// The package is there: with the published checksum (`verified`), or with the same name
    /// and size when there is no checksum to compare with.
    Present { size: u64, verified: Option<bool> },
    /// The package is to be transferred, into what was found and made room for.
    Transfer(Before),
}

/// The unit before the transfer.
#[derive(Debug, PartialEq)]
pub struct Before {
    /// Free bytes on `/ngfw` (after old packages were removed).
    pub free: u64,
    /// Bytes of an earlier transfer's partial file to continue from.
    pub partial: u64,
    /// The package's size, when known.
    pub total: Option<u64>,
    /// Old packages removed (in check mode: that would be removed).
    pub removed: Vec<String>,
}

/// Looks at the unit and decides; `note` hears what was done on the way (a file of the
/// package's name that is not the package, old packages removed).
pub async fn decide(
    s: &mut CliSession,
    req: &Request<'_>,
    mut note: impl FnMut(&str),
) -> Result<Plan, OpError> {
    let paths = req.paths;
    // A package already there with the published checksum: nothing to ask the source.
    let present = super::size_of(s, &paths.package).await?;
    let verified = match present {
        Some(_) => super::matches(s, &paths.package, req.checksum).await?,
        None => None,
    };
    if let Source::Confirm = req.source {
        return confirmed(paths, req.size, present, verified);
    }
    if let (Some(size), Some(true)) = (present, verified) {
        return Ok(Plan::Present {
            size,
            verified: Some(true),
        });
    }
    let total = match (req.size, &req.source) {
        (Some(size), _) => Some(size),
        // In check mode nothing is written to the unit, so a private CA cannot be used to ask.
        (
            None,
            Source::Pull(Pull::Http {
                ca_pem: Some(_), ..
            }),
        ) if req.check_mode => None,
        (None, Source::Pull(p)) => {
            if !req.check_mode {
                super::prepare(s, p, paths).await?;
            }
            super::announced_size(s, p, paths, req.password)
                .await
                .map_err(|e| match e {
                    OpError::Refused(m) => OpError::Refused(format!("{m}{}", hint(&m))),
                    e => e,
                })?
        }
        (None, _) => None,
    };
    if let Some(present) = present {
        if verified.is_none() && total.is_none_or(|t| t == present) {
            return Ok(Plan::Present {
                size: present,
                verified: None,
            });
        }
        note(&format!(
            "{} is on the unit but is not the published package: replacing it",
            paths.package
        ));
        if !req.check_mode {
            s.root_ok(&format!("rm -f {}", paths.package)).await?;
        }
    }
    let mut before = Before {
        free: super::free_bytes(s).await?,
        partial: super::size_of(s, &paths.part).await?.unwrap_or(0),
        total,
        removed: Vec::new(),
    };
    if total.is_some_and(|t| before.partial > t) {
        s.root_ok(&format!("rm -f {}", paths.part)).await?;
        before.partial = 0;
    }
    // The updates folder is read only when something needs it: old packages to remove, or
    // the largest files to name in a refusal.
    let mut files = Vec::new();
    if req.remove_old {
        files = facts::packages(s).await?;
        let running = facts::show_version(s).await?.version;
        before.removed = removable(&files, &running, req.package);
        if !before.removed.is_empty() && !req.check_mode {
            let list: Vec<String> = before
                .removed
                .iter()
                .map(|n| format!("{UPDATES_DIR}/{n}"))
                .collect();
            s.root_ok(&format!("rm -f {}", list.join(" "))).await?;
            note(&format!(
                "removed old packages: {}",
                before.removed.join(", ")
            ));
            before.free = super::free_bytes(s).await?;
        }
    }
    if let Some(total) = total {
        // Old packages that would be removed count as free in check mode.
        let freed: u64 = if req.check_mode {
            files
                .iter()
                .filter(|f| before.removed.contains(&f.name))
                .map(|f| f.size)
                .sum()
        } else {
            0
        };
        let (partial, free) = (before.partial, before.free);
        if room(total, partial, free, freed, &[], req.remove_old).is_err() {
            // The largest files are read only for the refusal.
            if files.is_empty() {
                files = facts::packages(s).await?;
            }
            room(total, partial, free, freed, &files, req.remove_old)?;
        }
    }
    Ok(Plan::Transfer(before))
}

/// O(confirm_only): the package is there with the expected size and checksum, or the failure
/// says which is not.
fn confirmed(
    paths: &Paths,
    expected: Option<u64>,
    present: Option<u64>,
    verified: Option<bool>,
) -> Result<Plan, OpError> {
    match (present, verified) {
        (None, _) => Err(OpError::Failed(format!(
            "{} is not on the unit: the copy did not reach it (run the copy again)",
            paths.package
        ))),
        (Some(size), _) if expected.is_some_and(|e| e != size) => Err(OpError::Failed(format!(
            "{} on the unit has {size} bytes, not {}: the copy is incomplete (run it again)",
            paths.package,
            expected.unwrap_or_default()
        ))),
        (Some(_), Some(false)) => Err(OpError::Failed(format!(
            "{} on the unit does not have the published checksum: delete it on the unit, then copy it again",
            paths.package
        ))),
        (Some(size), verified) => Ok(Plan::Present { size, verified }),
    }
}

/// After the transfer: the partial file has the announced size and the published checksum
/// (else it is deleted, invariant 11), then becomes the package. Returns its size.
pub async fn finish(
    s: &mut CliSession,
    paths: &Paths,
    total: Option<u64>,
    checksum: Option<&Checksum>,
) -> Result<u64, OpError> {
    let size = super::size_of(s, &paths.part).await?.unwrap_or(0);
    if let Some(total) = total.filter(|t| *t != size) {
        return Err(OpError::Failed(format!(
            "the transfer ended with {size} of {total} bytes in {}; run again to continue it",
            paths.part
        )));
    }
    if let Some(sum) = checksum {
        verify_received(s, paths, sum).await?;
    }
    super::place(s, paths).await?;
    super::tidy(s, paths).await?;
    Ok(size)
}

/// A received file that is not the published package is deleted, never kept for a later
/// resume or install (invariant 11).
pub async fn verify_received(
    s: &mut CliSession,
    paths: &Paths,
    expected: &Checksum,
) -> Result<(), OpError> {
    let actual = super::checksum_of(s, &paths.part, expected.algorithm).await?;
    if actual == expected.hex {
        return Ok(());
    }
    s.root_ok(&format!("rm -f {}", paths.part)).await?;
    Err(OpError::Failed(format!(
        "the file received has {} {actual}, not the published {}: it was deleted. The source does not hold the package Cisco published (or it was damaged on the way)",
        expected.algorithm, expected.hex
    )))
}

/// What to do about a failed download, from what the unit's wget or scp said.
pub fn hint(why: &str) -> &'static str {
    if why.contains("certificate") {
        ". Give the server's CA in url_ca"
    } else if why.contains("Host key verification failed") {
        ". Check url_host_key against the server's key (ssh-keyscan)"
    } else if why.contains("Permission denied") || why.contains("Authentication Failed") {
        ". Check url_username and url_password"
    } else if why.contains("No space left") {
        ". Free space on /ngfw (remove_old: true)"
    } else if why.contains("ERROR 404") || why.contains("No such file") {
        ". Check the path in url"
    } else {
        ". The partial file is kept: run again to continue"
    }
}

/// Upgrade packages in the updates folder of versions below `running` (never the running
/// version's own, never the target's), with their `.METADATA` files: what `remove_old`
/// deletes.
pub fn removable(files: &[PackageFile], running: &Version, target: &Package) -> Vec<String> {
    let old: Vec<&str> = files
        .iter()
        .filter(|f| f.name != target.file_name)
        .filter(|f| {
            f.version
                .as_deref()
                .and_then(|v| Version::parse(v).ok())
                .is_some_and(|v| v < *running && !v.matches(running))
        })
        .map(|f| f.name.as_str())
        .collect();
    files
        .iter()
        .filter(|f| {
            old.contains(&f.name.as_str())
                || f.name
                    .strip_suffix(".METADATA")
                    .is_some_and(|p| old.contains(&p))
        })
        .map(|f| f.name.clone())
        .collect()
}

/// The largest files in the updates folder, biggest first: what to look at when space is
/// short.
pub fn largest(files: &[PackageFile], n: usize) -> Vec<String> {
    let mut by_size: Vec<&PackageFile> = files.iter().collect();
    by_size.sort_by_key(|f| std::cmp::Reverse(f.size));
    by_size
        .into_iter()
        .take(n)
        .map(|f| format!("{} ({})", f.name, human(f.size)))
        .collect()
}

/// The space rule (domain §11): `/ngfw` must hold the package and as much again for its
/// unpacking, less what a partial file of it already holds; `freed` counts packages that
/// would be removed first (check mode). A refusal names both numbers and the largest files
/// of the updates folder, and what would free space (`remove_old`, or by hand).
pub fn room(
    total: u64,
    partial: u64,
    free: u64,
    freed: u64,
    files: &[PackageFile],
    remove_old: bool,
) -> Result<(), OpError> {
    let needed = (total - partial.min(total)) + total;
    if free + freed >= needed {
        return Ok(());
    }
    Err(OpError::Refused(format!(
        "not enough space on /ngfw: {} free, {} needed (the {} package and as much again to unpack it). Largest files in {}: {}. {}",
        human(free + freed),
        human(needed),
        human(total),
        UPDATES_DIR,
        largest(files, 3).join(", "),
        if remove_old {
            "Free space by hand"
        } else {
            "remove_old: true deletes packages older than the running version"
        }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::stage::tests::paths;

    #[test]
    fn the_package_and_as_much_again_must_fit_less_what_a_partial_file_holds() {
        const GB: u64 = 1 << 30;
        let old = PackageFile {
            name: "Cisco_FTD_Upgrade-7.2.2-54.sh.REL.tar".into(),
            size: GB,
            version: Some("7.2.2-54".into()),
        };
        assert!(room(GB, 0, 2 * GB, 0, &[], false).is_ok());
        assert!(room(GB, GB / 2, 3 * GB / 2, 0, &[], false).is_ok());
        // What remove_old would free counts (check mode).
        assert!(room(GB, 0, GB, GB, &[], true).is_ok());
        let OpError::Refused(why) =
            room(GB, 0, 2 * GB - 1, 0, std::slice::from_ref(&old), false).unwrap_err()
        else {
            panic!("not a refusal")
        };
        assert!(
            why.contains("needed (the 1.0 GiB package and as much again"),
            "{why}"
        );
        assert!(
            why.contains("Cisco_FTD_Upgrade-7.2.2-54.sh.REL.tar"),
            "{why}"
        );
        assert!(
            why.ends_with("remove_old: true deletes packages older than the running version"),
            "{why}"
        );
    }

    #[test]
    fn only_packages_below_the_running_version_are_removable() {
        let file = |name: &str, size: u64| PackageFile {
            name: name.into(),
            size,
            version: Package::parse(name).ok().map(|p| p.version.to_string()),
        };
        let files = vec![
            file("Cisco_FTD_Upgrade-7.0.1-84.sh.REL.tar", 900),
            file("Cisco_FTD_Upgrade-7.0.1-84.sh.REL.tar.METADATA", 1),
            file("Cisco_FTD_Upgrade-7.2.2-54.sh.REL.tar", 1000),
            file("Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar", 1100),
            file("notes.txt", 5),
        ];
        let running = Version::parse("7.2.2-54").unwrap();
        let target = Package::parse("Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar").unwrap();
        assert_eq!(
            removable(&files, &running, &target),
            vec![
                "Cisco_FTD_Upgrade-7.0.1-84.sh.REL.tar",
                "Cisco_FTD_Upgrade-7.0.1-84.sh.REL.tar.METADATA"
            ]
        );
        assert_eq!(
            largest(&files, 1),
            vec!["Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar (1100 bytes)"]
        );
    }

    #[test]
    fn a_confirmation_names_what_is_missing_or_wrong() {
        let p = paths();
        let failed = |r: Result<Plan, OpError>| match r {
            Err(OpError::Failed(m)) => m,
            other => panic!("not a failure: {other:?}"),
        };
        assert!(failed(confirmed(&p, Some(10), None, None)).contains("is not on the unit"));
        assert!(failed(confirmed(&p, Some(10), Some(9), None)).contains("has 9 bytes, not 10"));
        assert!(
            failed(confirmed(&p, None, Some(10), Some(false)))
                .contains("does not have the published checksum")
        );
        assert_eq!(
            confirmed(&p, Some(10), Some(10), Some(true)).unwrap(),
            Plan::Present {
                size: 10,
                verified: Some(true)
            }
        );
    }

    #[test]
    fn a_failed_download_says_what_to_check() {
        assert_eq!(
            hint("ERROR: cannot verify pkgs.example's certificate"),
            ". Give the server's CA in url_ca"
        );
        assert_eq!(
            hint("status 8: ERROR 404: Not Found."),
            ". Check the path in url"
        );
        assert_eq!(
            hint("Connection reset by peer"),
            ". The partial file is kept: run again to continue"
        );
    }
}
