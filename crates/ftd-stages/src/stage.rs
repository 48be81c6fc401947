//! `stage`: the upgrade package onto one unit, before anything else of the procedure. The
//! unit pulls it (`url`: http, https, scp) or the controller pushes it (`src`: SFTP), into a
//! partial file that becomes the package only once its size and checksum are right.

use crate::connection::{Connection, secs};
use crate::defaults;
use crate::frame::{Frame, Timed, run_stage};
use crate::{inputs, report};
use ansible_module::{ModuleInfo, ModuleResult, RunContext};
use ftd_device::ops::checksum::Checksum;
use ftd_device::ops::stage::plan::{self, Plan};
use ftd_device::ops::stage::{Paths, Pull, human, transfer};
use ftd_device::ops::{OpError, lock};
use ftd_device::session::CliSession;
use ftd_device::typed;
use ftd_device::version::Package;
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Instant;
use zeroize::Zeroizing;

fn default_retries() -> u32 {
    3
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    pub conn: Connection,
    /// File name of the package in C(/ngfw/var/sf/updates). Default: the last part of
    /// O(url) or O(src).
    pub package: Option<String>,
    /// Where the unit downloads the package from: C(http://), C(https://) (via the unit's
    /// C(wget)) or C(scp://user@server[:port]/path) (via the unit's C(scp); as OpenSSH reads
    /// it, the path is relative to the user's home, C(//srv/ftd/x.tar) for an absolute one).
    /// Mutually exclusive with O(src).
    pub url: Option<String>,
    /// User for O(url) (HTTP basic authentication, or the scp user when the URL names none).
    pub url_username: Option<String>,
    /// Password for O(url), typed at the unit's password prompt (never on a command line).
    #[schemars(extend("x-no_log" = true))]
    pub url_password: Option<String>,
    /// CA certificate the https server's certificate must chain to: PEM text, or a file on
    /// the controller holding it. Written to the unit for the download only.
    pub url_ca: Option<String>,
    /// The scp server's host key as a known_hosts line (C([host]:port ssh-ed25519 AAAA...)).
    /// Required for C(scp://) unless O(url_host_key_checking=false).
    pub url_host_key: Option<String>,
    /// Check the https server's certificate and the scp server's host key. Turning it off is
    /// reported as a warning.
    #[serde(default = "defaults::yes")]
    pub url_host_key_checking: bool,
    /// A package file on the controller, pushed over the unit's management SSH with SFTP.
    /// Whether FTD accepts SFTP is not publicly documented; prefer O(url). Mutually exclusive
    /// with O(url).
    #[schemars(extend("x-type" = "path"))]
    pub src: Option<String>,
    /// Published checksum, C(md5:<hex>) or C(sha512:<hex>), checked on the unit after the
    /// transfer (and on a package already there). Without it the result carries a warning.
    pub checksum: Option<String>,
    /// Package size in bytes, when the source cannot tell it before the transfer (C(scp://)),
    /// or the size O(confirm_only) expects.
    pub size: Option<u64>,
    /// Transfer nothing: confirm that O(package) is on the unit, with O(size) and O(checksum)
    /// when given, as after the FMC copied it
    /// (M(ftd.ha_upgrade.fmc) O(ftd.ha_upgrade.fmc#module:action=copy)). Fails naming what is
    /// missing or wrong. Mutually exclusive with O(url) and O(src).
    #[serde(default)]
    pub confirm_only: bool,
    /// Delete upgrade packages of versions below the running one from the unit first (never
    /// the running version's, never the target's).
    #[serde(default)]
    pub remove_old: bool,
    /// Bytes per second at most, for WAN links.
    #[schemars(range(min = 1.0))]
    pub rate_limit: Option<u64>,
    /// Seconds for the whole transfer. Default: from the size and O(rate_limit) (1 MiB/s
    /// assumed without one) plus ten minutes; two hours when the size is unknown.
    #[schemars(range(min = 0.0, max = defaults::MAX_SECONDS))]
    pub timeout: Option<f64>,
    /// Times an interrupted download is continued from where it stopped.
    #[serde(default = "default_retries")]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub retries: u32,
    /// Seconds between two progress lines in the journal.
    #[serde(default = "defaults::seconds::<10>")]
    #[schemars(range(min = 0.05, max = 3600.0))]
    pub poll_interval: f64,
}

pub const INFO: ModuleInfo = ModuleInfo {
    name: "stage",
    short_description: "Put the upgrade package on one FTD unit (download by the unit, or upload)",
    description: &[
        "Checks before any byte moves that C(/ngfw) has room for the package and its unpacking (twice the package), naming the largest files in C(/ngfw/var/sf/updates) when it has not.",
        "With O(url) the unit downloads the package from its root shell (C(wget -c), C(scp)); an interrupted download continues where it stopped. With O(src) the controller uploads it with SFTP, continuing a partial upload.",
        "The package is written to a partial file and moved into C(/ngfw/var/sf/updates) only once its size and O(checksum) are right; a checksum mismatch deletes the partial file and fails.",
        "A package already on the unit with the right checksum is left alone (changed=false).",
        "Progress (bytes, percent, rate, time left) goes to the journal, for C(ftd-upgrade watch).",
    ],
    supports_check_mode: true,
    examples: r#"- name: Stage the package from the site's file server
  ftd.ha_upgrade.stage:
    url: "https://repo.example.net/ftd/Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar"
    url_ca: "{{ lookup('file', 'files/repo-ca.pem') }}"
    checksum: "sha512:{{ ftd_package_sha512 }}"
    rate_limit: 5000000

- name: Stage it over scp, the server's key pinned
  ftd.ha_upgrade.stage:
    url: "scp://pkg@10.10.0.5//srv/ftd/Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar"
    url_password: "{{ vault_pkg_password }}"
    url_host_key: "10.10.0.5 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA..."
    size: 1123706880
    checksum: "md5:{{ ftd_package_md5 }}"
"#,
    returns: r#"path:
  description: The package on the unit.
  returned: success
  type: str
size:
  description: The package's size in bytes.
  returned: when known
  type: int
source:
  description: Where the package came from (the URL without credentials, or the controller path).
  returned: always
  type: str
transferred:
  description: Bytes moved by this run (0 when the package was already there).
  returned: success
  type: int
resumed_from:
  description: Bytes a partial file from an earlier, interrupted transfer already held.
  returned: success
  type: int
attempts:
  description: Transfers started (more than one when a download was interrupted and continued).
  returned: success
  type: int
rate:
  description: Average bytes per second of this run's transfer.
  returned: when bytes moved
  type: float
free_before:
  description: Free bytes on /ngfw before the transfer.
  returned: success
  type: int
removed:
  description: Old packages deleted with O(remove_old).
  returned: success
  type: list
  elements: str
checksum_verified:
  description: Whether the package was checked against O(checksum).
  returned: success
  type: bool
"#,
    notes: &[
        "The unit's C(wget) and C(scp) are the ones Cisco's own CLI-upgrade sample uses; C(--limit-rate), C(--ask-password) and C(--ca-certificate) assume GNU wget (not in the public record).",
        "O(src) uploads through the management SSH; the public record does not show FTD accepting SFTP. When the unit refuses it, the module says so: use O(url).",
    ],
};

/// Where the package comes from.
enum Source {
    Pull(Pull),
    Push {
        path: PathBuf,
        size: u64,
    },
    /// Somebody else put it there (the FMC's copy): only confirmed.
    Confirm,
}

/// Everything read from the options before the unit is touched.
struct Input {
    package: Package,
    source: Source,
    /// Shown in messages and results: the URL without credentials, or the controller path.
    shown: String,
    password: Option<Zeroizing<String>>,
    checksum: Option<Checksum>,
    size: Option<u64>,
}

pub fn run(args: Args, ctx: &RunContext) -> ModuleResult {
    let input = match read_input(&args) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    // The journal masks what the result masks: the password, and the URL's query string (a
    // presigned URL's signature).
    let query = args.url.as_deref().and_then(secret_mask::url_query);
    let secrets = args
        .url_password
        .iter()
        .cloned()
        .chain(query.map(String::from));
    let r = run_stage("stage", &args.conn, ctx, secrets, Timed::No, async |f| {
        f.session(async |s, f| stage(&args, &input, s, f).await)
            .await
    });
    let mut r = r.with("source", &input.shown);
    if !args.url_host_key_checking && args.url.is_some() {
        r.warn(format!(
            "url_host_key_checking is off: the identity of {} was not verified",
            input.shown
        ));
    }
    if input.checksum.is_none() && !r.failed {
        r.warn(
            "no checksum given: the package was not verified against Cisco's published checksum",
        );
    }
    r
}

/// Options Ansible's argument spec cannot check, with Ansible's own wording where it has one.
fn read_input(args: &Args) -> Result<Input, Box<ModuleResult>> {
    let fail = |msg: String| Box::new(ModuleResult::fail(msg));
    typed_into_the_unit(args).map_err(|e| {
        fail(format!(
            "{} [stage]: refused: {e}. Nothing was changed on the unit.",
            args.conn.unit_name()
        ))
    })?;
    let (source, shown, name) = match (&args.url, &args.src) {
        (Some(_), Some(_)) => {
            return Err(fail("parameters are mutually exclusive: url|src".into()));
        }
        (Some(_), None) | (None, Some(_)) if args.confirm_only => {
            return Err(fail(
                "parameters are mutually exclusive: confirm_only|url|src".into(),
            ));
        }
        (None, None) if args.confirm_only => {
            let Some(name) = &args.package else {
                return Err(fail(
                    "missing required arguments: package (confirm_only is true)".into(),
                ));
            };
            (
                Source::Confirm,
                "confirmed on the unit".to_string(),
                name.clone(),
            )
        }
        (None, None) => return Err(fail("one of the following is required: url, src".into())),
        (Some(url), None) => {
            let (pull, shown) = pull_of(args, url).map_err(fail)?;
            // The file name is the path's last segment, without a query (a presigned URL's).
            let path = url.split(['?', '#']).next().unwrap_or_default();
            let name = path.rsplit('/').next().unwrap_or_default().to_string();
            (Source::Pull(pull), shown, name)
        }
        (None, Some(src)) => {
            let path = PathBuf::from(src);
            let size = std::fs::metadata(&path)
                .map_err(|e| fail(format!("src {src}: {e}")))?
                .len();
            if let Some(declared) = args.size.filter(|d| *d != size) {
                return Err(fail(format!(
                    "src {src} has {size} bytes, not the size {declared} given"
                )));
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (Source::Push { path, size }, src.clone(), name)
        }
    };
    let unit = args.conn.unit_name();
    let refuse = |e: OpError| Box::new(report::fail(&unit, "stage", &e));
    let package = inputs::package(args.package.as_deref().unwrap_or(&name)).map_err(refuse)?;
    let checksum = inputs::checksum(args.checksum.as_deref()).map_err(refuse)?;
    let size = match &source {
        Source::Push { size, .. } => Some(*size),
        Source::Pull(_) | Source::Confirm => args.size,
    };
    Ok(Input {
        package,
        source,
        shown,
        password: args.url_password.clone().map(Zeroizing::new),
        checksum,
        size,
    })
}

/// The options this module types into the unit's terminal (a command line, or the password
/// prompt) hold no control character: one rule for all of them (`ftd_device::typed`).
fn typed_into_the_unit(args: &Args) -> Result<(), String> {
    let one_line = [
        ("url", &args.url),
        ("url_username", &args.url_username),
        ("url_password", &args.url_password),
        ("url_host_key", &args.url_host_key),
    ];
    for (option, value) in one_line {
        if let Some(v) = value {
            typed::typed_text(option, v)?;
        }
    }
    // url_ca is PEM text (typed line by line) or a controller file read later: its lines are
    // checked again once read (pull_of).
    if let Some(ca) = &args.url_ca {
        typed::typed_lines("url_ca", ca)?;
    }
    Ok(())
}

/// The pull for `url`, and the URL as it may be shown.
fn pull_of(args: &Args, url: &str) -> Result<(Pull, String), String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("url {url} is not one: expected http://, https:// or scp://"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@')
        && authority
            .split('@')
            .next()
            .unwrap_or_default()
            .contains(':')
    {
        return Err("url must not hold a password: give it in url_password".into());
    }
    match scheme {
        "http" | "https" => {
            let ca_pem = args.url_ca.as_deref().map(read_ca).transpose()?;
            if let Some(pem) = &ca_pem {
                typed::typed_lines("url_ca", pem)?;
            }
            Ok((
                Pull::Http {
                    url: url.to_string(),
                    username: args.url_username.clone(),
                    ca_pem,
                    check_certificate: args.url_host_key_checking,
                },
                url.to_string(),
            ))
        }
        "scp" => {
            let url = match (authority.contains('@'), &args.url_username) {
                (true, _) => url.to_string(),
                (false, Some(user)) => format!("scp://{user}@{rest}"),
                (false, None) => {
                    return Err("scp:// needs a user: in the url (scp://user@server/path) or in url_username".into());
                }
            };
            let host_key = match (&args.url_host_key, args.url_host_key_checking) {
                (Some(line), _) if line.split_whitespace().count() >= 3 => {
                    Some(line.trim().to_string())
                }
                (Some(line), _) => {
                    return Err(format!(
                        "url_host_key '{line}' is not a known_hosts line: expected 'HOST KEYTYPE BASE64' (ssh-keyscan prints them)"
                    ));
                }
                (None, false) => None,
                (None, true) => {
                    return Err("url_host_key is required for scp:// (the server's known_hosts line, from ssh-keyscan); url_host_key_checking: false skips the check".into());
                }
            };
            Ok((
                Pull::Scp {
                    url: url.clone(),
                    host_key,
                },
                url,
            ))
        }
        other => Err(format!(
            "url scheme {other}:// is not supported: use http://, https:// or scp://"
        )),
    }
}

/// `url_ca`: PEM text, or a controller file holding it.
fn read_ca(value: &str) -> Result<String, String> {
    let pem = if value.trim_start().starts_with("-----BEGIN") {
        value.to_string()
    } else {
        std::fs::read_to_string(value).map_err(|e| format!("url_ca {value}: {e}"))?
    };
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err("url_ca holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    Ok(pem)
}

/// The package onto the unit: what the plan finds, then (not in check mode) this run's lock,
/// the transfer and its finish.
async fn stage(
    args: &Args,
    input: &Input,
    s: &mut CliSession,
    f: &mut Frame,
) -> Result<ModuleResult, OpError> {
    let check_mode = f.check_mode;
    let unit = args.conn.unit_name();
    let paths = Paths::of(&input.package);
    let request = plan::Request {
        package: &input.package,
        paths: &paths,
        source: match &input.source {
            Source::Pull(p) => plan::Source::Pull(p),
            Source::Push { .. } => plan::Source::Push,
            Source::Confirm => plan::Source::Confirm,
        },
        checksum: input.checksum.as_ref(),
        size: input.size,
        password: input.password.as_deref().map(String::as_str),
        remove_old: args.remove_old,
        check_mode,
    };
    let journal = &mut f.journal;
    let before = match plan::decide(s, &request, |m| {
        journal.record(None, m);
    })
    .await?
    {
        Plan::Present { size, verified } => {
            return Ok(already(&unit, &paths, size, verified == Some(true)));
        }
        Plan::Transfer(before) => before,
    };
    if check_mode {
        let left = before.total.map(|t| t - before.partial);
        return Ok(ModuleResult::changed(format!(
            "{unit}: would transfer {} from {} to {}{}",
            left.map(human)
                .unwrap_or_else(|| "the package (size unknown)".into()),
            input.shown,
            paths.package,
            if before.partial > 0 {
                format!(", continuing at byte {}", before.partial)
            } else {
                String::new()
            }
        ))
        .with("path", &paths.package)
        .with("size", before.total)
        .with("free_before", before.free)
        .with("resumed_from", before.partial)
        .with("removed", &before.removed));
    }
    lock::acquire(s, &args.conn.owner(), secs(args.conn.lock_ttl)).await?;
    f.journal.record(
        Some(0),
        &format!(
            "staging {} from {}{}",
            input.package.file_name,
            input.shown,
            before
                .total
                .map(|t| format!(" ({})", human(t)))
                .unwrap_or_default()
        ),
    );
    let limits = transfer::Limits {
        time: args
            .timeout
            .map(secs)
            .unwrap_or_else(|| transfer::time_for(before.total, args.rate_limit)),
        poll: secs(args.poll_interval),
        rate: args.rate_limit,
        retries: args.retries,
    };
    let started = Instant::now();
    let (login, journal) = (&f.login, &mut f.journal);
    let done = match &input.source {
        Source::Pull(pull) => {
            let password = input.password.as_deref().map(String::as_str);
            transfer::download(
                s,
                login,
                pull,
                password,
                &input.shown,
                &paths,
                &before,
                &limits,
                journal,
            )
            .await?
        }
        Source::Push { path, .. } => {
            transfer::upload(s, login, path, &paths, &before, &limits, journal).await?
        }
        // confirm_only returned above, before any transfer.
        Source::Confirm => return Err(OpError::Refused("confirm_only transfers nothing".into())),
    };
    let size = plan::finish(s, &paths, before.total, input.checksum.as_ref()).await?;
    let seconds = started.elapsed().as_secs_f64();
    let moved = size.saturating_sub(done.resumed_from);
    let rate = moved as f64 / seconds.max(0.001);
    f.journal.record(
        Some(100),
        &format!(
            "staged {} ({}) in {seconds:.1}s, {}/s",
            input.package.file_name,
            human(size),
            human(rate as u64)
        ),
    );
    Ok(ModuleResult::changed(format!(
        "{unit}: {} staged ({}, {}/s){}",
        paths.package,
        human(size),
        human(rate as u64),
        if done.resumed_from > 0 {
            format!(", continued from byte {}", done.resumed_from)
        } else {
            String::new()
        }
    ))
    .with("path", &paths.package)
    .with("size", size)
    .with("transferred", moved)
    .with("resumed_from", done.resumed_from)
    .with("attempts", done.attempts)
    .with("rate", (rate * 10.0).round() / 10.0)
    .with("free_before", before.free)
    .with("removed", &before.removed)
    .with("checksum_verified", input.checksum.is_some()))
}

fn already(unit: &str, paths: &Paths, size: u64, verified: bool) -> ModuleResult {
    ModuleResult::ok(format!(
        "{unit}: {} is already on the unit{}",
        paths.package,
        if verified {
            " with the published checksum"
        } else {
            " (same name and size)"
        }
    ))
    .with("path", &paths.package)
    .with("size", size)
    .with("transferred", 0)
    .with("resumed_from", 0)
    .with("attempts", 0)
    .with("removed", Vec::<String>::new())
    .with("checksum_verified", verified)
}
