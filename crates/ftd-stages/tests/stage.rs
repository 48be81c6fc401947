//! The `stage` module against ftd-sim's units, which download with their own `wget` and
//! `scp` from real servers (the sim's package server over HTTP and HTTPS, another sim unit's
//! SSH/SFTP server), and accept SFTP uploads: each source, resume, space, checksum,
//! idempotence, check mode, both units at once, and the refusals.

mod common;

use common::*;
use ftd_sim::model::fs::{File, package_content};
use ftd_sim::package_server::{PackageServer, ServeOptions};
use ftd_stages::stage;
use serde_json::{Value, json};

const SIZE: u64 = 3 << 20;
const URL_PASSWORD: &str = "Pkg-Server-Secret-7";

/// A unit without the target package, and a package server holding it.
struct Site {
    h: Harness,
    dir: tempfile::TempDir,
    server: PackageServer,
    md5: String,
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Site {
    fn new(faults: &[&str], serve: ServeOptions) -> Site {
        let mut all = vec!["1:a:package-missing", "1:b:package-missing"];
        all.extend_from_slice(faults);
        let h = Harness::new(&all);
        let dir = tempfile::tempdir().unwrap();
        let content = package_content(PACKAGE, SIZE);
        std::fs::write(dir.path().join(PACKAGE), &content).unwrap();
        let server = h.block_on(PackageServer::start(dir.path(), serve)).unwrap();
        Site {
            h,
            dir,
            server,
            md5: md5_hex(&content),
        }
    }

    fn url(&self) -> String {
        let scheme = if self.server.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}/{PACKAGE}", self.server.port)
    }

    fn stage(&self, unit: usize, options: Value) -> Value {
        run(
            &stage::INFO,
            stage::run,
            self.h.conn(unit),
            with(
                json!({"poll_interval": 0.2, "checksum": format!("md5:{}", self.md5)}),
                options,
            ),
        )
    }

    /// The package file on the unit, when it is there.
    fn package_on(&self, unit: usize) -> Option<File> {
        let sim = self.h.sim.running.sim.lock().unwrap();
        sim.pairs[0].units[unit]
            .fs
            .get(&format!("/ngfw/var/sf/updates/{PACKAGE}"))
            .cloned()
    }

    fn typed(&self, text: &str) -> usize {
        self.h
            .events("command")
            .iter()
            .filter(|e| e["command"].as_str().unwrap_or_default().contains(text))
            .count()
    }

    fn journal(&self) -> String {
        std::fs::read_to_string(self.h.journal.path()).unwrap_or_default()
    }
}

fn signed(file: Option<File>) -> bool {
    file.is_some_and(|f| !f.damaged_package(PACKAGE) && f.size() == SIZE)
}

#[test]
fn http_download_lands_verified_and_a_second_run_changes_nothing() {
    let site = Site::new(&[], ServeOptions::default());
    let first = site.stage(1, json!({"url": site.url()}));
    assert_eq!(
        (first["failed"].as_bool(), first["changed"].as_bool()),
        (Some(false), Some(true)),
        "{first}"
    );
    assert_eq!(first["size"], SIZE);
    assert_eq!(first["transferred"], SIZE);
    assert_eq!(first["checksum_verified"], true);
    assert!(
        signed(site.package_on(1)),
        "the unit does not hold the signed package"
    );
    assert!(site.package_on(0).is_none(), "the other unit was touched");
    // Progress reached the journal with bytes and a rate.
    assert!(
        site.journal().contains("\"stage\":\"stage\""),
        "{}",
        site.journal()
    );
    assert!(site.journal().contains("staged "), "{}", site.journal());

    let again = site.stage(1, json!({"url": site.url()}));
    assert_eq!(
        (again["failed"].as_bool(), again["changed"].as_bool()),
        (Some(false), Some(false)),
        "{again}"
    );
    assert_eq!(again["transferred"], 0);
    assert_eq!(site.typed("wget -c"), 1, "the second run downloaded again");
    assert_eq!(
        site.typed("wget --spider"),
        1,
        "the second run asked the server again"
    );
}

#[test]
fn https_with_a_private_ca_and_a_password_typed_at_the_prompt() {
    let site = Site::new(
        &[],
        ServeOptions {
            tls: true,
            auth: Some(format!("fetch:{URL_PASSWORD}")),
            ..Default::default()
        },
    );
    let ca = site.server.ca_pem.clone().unwrap();
    let without_ca = site.stage(
        1,
        json!({"url": site.url(), "url_username": "fetch", "url_password": URL_PASSWORD}),
    );
    assert_eq!(without_ca["failed"], true, "{without_ca}");
    assert!(msg(&without_ca).contains("url_ca"), "{without_ca}");

    let wrong = site.stage(
        1,
        json!({"url": site.url(), "url_ca": ca, "url_username": "fetch", "url_password": "not-it"}),
    );
    assert_eq!(wrong["failed"], true, "{wrong}");
    assert!(msg(&wrong).contains("url_password"), "{wrong}");

    let ok = site.stage(
        1,
        json!({"url": site.url(), "url_ca": ca, "url_username": "fetch", "url_password": URL_PASSWORD}),
    );
    assert_eq!(
        (ok["failed"].as_bool(), ok["changed"].as_bool()),
        (Some(false), Some(true)),
        "{ok}"
    );
    assert!(signed(site.package_on(1)));
    for text in [ok.to_string(), wrong.to_string(), site.journal()] {
        assert!(
            !text.contains(URL_PASSWORD),
            "the download password leaked: {text}"
        );
    }
    // The password never travelled on a command line.
    assert_eq!(site.typed(URL_PASSWORD), 0);
}

#[test]
fn an_interrupted_download_continues_where_it_stopped() {
    let site = Site::new(&["1:b:download-drop=1048576"], ServeOptions::default());
    let first = site.stage(1, json!({"url": site.url(), "retries": 0}));
    assert_eq!(first["failed"], true, "{first}");
    assert!(msg(&first).contains("run again to continue"), "{first}");
    assert!(
        site.package_on(1).is_none(),
        "half a package was put in place"
    );

    let second = site.stage(1, json!({"url": site.url()}));
    assert_eq!(
        (second["failed"].as_bool(), second["changed"].as_bool()),
        (Some(false), Some(true)),
        "{second}"
    );
    assert_eq!(second["resumed_from"], 1_048_576, "{second}");
    assert_eq!(second["transferred"], SIZE - 1_048_576);
    assert!(signed(site.package_on(1)));
}

#[test]
fn a_drop_mid_download_is_continued_within_the_same_run() {
    let site = Site::new(&["1:b:download-drop=2000000"], ServeOptions::default());
    let r = site.stage(1, json!({"url": site.url()}));
    assert_eq!(
        (r["failed"].as_bool(), r["attempts"].as_u64()),
        (Some(false), Some(2)),
        "{r}"
    );
    assert!(
        site.journal()
            .contains("download interrupted at byte 2000000"),
        "{}",
        site.journal()
    );
    assert!(signed(site.package_on(1)));
}

#[test]
fn a_full_disk_is_refused_before_any_byte_moves() {
    let site = Site::new(&["1:b:disk-full"], ServeOptions::default());
    let r = site.stage(1, json!({"url": site.url(), "size": 700u64 << 20}));
    assert_eq!(r["failed"], true, "{r}");
    let m = msg(&r);
    assert!(
        m.contains("not enough space on /ngfw: 1.0 GiB free, 1.4 GiB needed"),
        "{m}"
    );
    assert!(
        m.contains("Cisco_FTD_Upgrade-7.2.2-54.sh.REL.tar"),
        "the largest file is not named: {m}"
    );
    assert!(m.contains("remove_old"), "{m}");
    assert_eq!(site.typed("wget -c"), 0, "a download started");
}

#[test]
fn a_checksum_mismatch_deletes_what_came_and_fails() {
    let site = Site::new(&[], ServeOptions::default());
    let mut damaged = package_content(PACKAGE, SIZE);
    damaged[100_000] ^= 0xff;
    std::fs::write(site.dir.path().join(PACKAGE), damaged).unwrap();
    let r = site.stage(1, json!({"url": site.url()}));
    assert_eq!(r["failed"], true, "{r}");
    assert!(msg(&r).contains("it was deleted"), "{r}");
    assert!(site.package_on(1).is_none());
    assert!(
        site.h
            .files_under(1, "/ngfw/var/sf/updates/.ftd_stage")
            .iter()
            .all(|f| !f.ends_with(".part")),
        "the damaged partial file was kept"
    );
}

#[test]
fn check_mode_reports_and_moves_nothing() {
    let site = Site::new(&[], ServeOptions::default());
    let r = site.stage(1, json!({"url": site.url(), "_ansible_check_mode": true}));
    assert_eq!(
        (r["failed"].as_bool(), r["changed"].as_bool()),
        (Some(false), Some(true)),
        "{r}"
    );
    assert_eq!(r["size"], SIZE, "{r}");
    assert!(r["free_before"].as_u64().unwrap() > SIZE);
    assert!(msg(&r).contains("would transfer 3.0 MiB"), "{r}");
    assert_eq!(site.typed("wget -c"), 0);
    assert!(site.package_on(1).is_none());
}

#[test]
fn both_units_download_at_the_same_time() {
    let site = Site::new(&[], ServeOptions::default());
    let (a, b) = std::thread::scope(|t| {
        let a = t.spawn(|| site.stage(0, json!({"url": site.url(), "rate_limit": 4_000_000})));
        let b = t.spawn(|| site.stage(1, json!({"url": site.url(), "rate_limit": 4_000_000})));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(
        (a["changed"].as_bool(), b["changed"].as_bool()),
        (Some(true), Some(true)),
        "{a}\n{b}"
    );
    assert!(signed(site.package_on(0)) && signed(site.package_on(1)));
    // The unit's wget does the limiting; the transfer's progress reached the journal with a
    // percent, a rate and the time left, for `ftd-upgrade watch`.
    assert_eq!(site.typed("--limit-rate=4000000"), 2);
    let journal = site.journal();
    let progress: Vec<&str> = journal
        .lines()
        .filter(|l| l.contains("\"message\":\"staging: "))
        .collect();
    assert!(!progress.is_empty(), "no progress line: {journal}");
    assert!(
        progress
            .iter()
            .all(|l| l.contains("\"percent\":") && l.contains("/s") && l.contains("\"bytes\":")),
        "{progress:?}"
    );
}

#[test]
fn old_packages_are_removed_only_below_the_running_version() {
    let site = Site::new(&[], ServeOptions::default());
    {
        let mut sim = site.h.sim.running.sim.lock().unwrap();
        sim.pairs[0].units[1].fs.add_package(
            "/ngfw/var/sf/updates/Cisco_FTD_Upgrade-7.0.1-84.sh.REL.tar",
            900 << 20,
            false,
            "Jan  1 00:00",
        );
    }
    let r = site.stage(1, json!({"url": site.url(), "remove_old": true}));
    assert_eq!(r["failed"], false, "{r}");
    assert_eq!(
        r["removed"],
        json!(["Cisco_FTD_Upgrade-7.0.1-84.sh.REL.tar"])
    );
    let left = site.h.files_under(1, "/ngfw/var/sf/updates");
    assert!(
        left.contains(&"Cisco_FTD_Upgrade-7.2.2-54.sh.REL.tar".to_string()),
        "{left:?}"
    );
    assert!(!left.iter().any(|f| f.contains("7.0.1")), "{left:?}");
}

#[test]
fn src_is_uploaded_with_sftp_and_an_interrupted_upload_continues() {
    let site = Site::new(&["1:b:download-drop=1048576"], ServeOptions::default());
    let src = site.dir.path().join(PACKAGE).display().to_string();
    let first = site.stage(1, json!({"src": src}));
    assert_eq!(first["failed"], true, "{first}");
    assert!(msg(&first).contains("run again to continue"), "{first}");
    let second = site.stage(1, json!({"src": src}));
    assert_eq!(
        (second["failed"].as_bool(), second["changed"].as_bool()),
        (Some(false), Some(true)),
        "{second}"
    );
    assert!(
        second["resumed_from"].as_u64().unwrap() >= 1_048_576,
        "{second}"
    );
    assert!(signed(site.package_on(1)));
}

#[test]
fn a_unit_that_refuses_sftp_is_told_to_use_url() {
    let site = Site::new(&["1:b:no-sftp"], ServeOptions::default());
    let src = site.dir.path().join(PACKAGE).display().to_string();
    let r = site.stage(1, json!({"src": src}));
    assert_eq!(r["failed"], true, "{r}");
    assert!(
        msg(&r).contains("refused SFTP") && msg(&r).contains("url instead"),
        "{r}"
    );
}

#[test]
fn scp_from_an_ssh_server_with_its_host_key_pinned() {
    // The file server: another simulated unit's SSH server, which serves SFTP (as OpenSSH 9's
    // scp uses it). Its admin home holds the package.
    let site = Site::new(&[], ServeOptions::default());
    let server = Harness::new(&[]);
    let src = site.dir.path().join(PACKAGE).display().to_string();
    let up = run(
        &stage::INFO,
        stage::run,
        server.conn(0),
        json!({"src": src, "package": PACKAGE, "poll_interval": 0.2}),
    );
    assert_eq!(up["failed"], false, "{up}");
    let port = server.sim.port(0, 0);
    let key_line = std::fs::read_to_string(&server.sim.known_hosts)
        .unwrap()
        .lines()
        .find(|l| l.starts_with(&format!("[127.0.0.1]:{port} ")))
        .unwrap()
        .to_string();
    // As with OpenSSH, the path after the host is relative to the home: `//` for an absolute one.
    let url = format!("scp://admin@127.0.0.1:{port}//ngfw/var/sf/updates/{PACKAGE}");

    let unpinned = site.stage(
        1,
        json!({"url": url, "url_password": ftd_sim::testing::PASSWORD}),
    );
    assert_eq!(unpinned["failed"], true);
    assert!(
        msg(&unpinned).contains("url_host_key is required"),
        "{unpinned}"
    );

    let wrong_key = key_line.replace(&format!("[127.0.0.1]:{port}"), "[127.0.0.1]:1");
    let unknown = site.stage(1, json!({"url": url, "url_password": ftd_sim::testing::PASSWORD, "url_host_key": wrong_key, "size": SIZE}));
    assert_eq!(unknown["failed"], true, "{unknown}");
    assert!(
        msg(&unknown).contains("Host key verification failed"),
        "{unknown}"
    );

    let ok = site.stage(1, json!({"url": url, "url_password": ftd_sim::testing::PASSWORD, "url_host_key": key_line, "size": SIZE}));
    assert_eq!(
        (ok["failed"].as_bool(), ok["changed"].as_bool()),
        (Some(false), Some(true)),
        "{ok}"
    );
    assert!(signed(site.package_on(1)));
}

#[test]
fn input_is_checked_before_the_unit_is_touched() {
    let site = Site::new(&[], ServeOptions::default());
    let both = site.stage(1, json!({"url": site.url(), "src": "/etc/hostname"}));
    assert_eq!(msg(&both), "parameters are mutually exclusive: url|src");
    let neither = site.stage(1, json!({}));
    assert_eq!(msg(&neither), "one of the following is required: url, src");
    let secret_in_url = site.stage(
        1,
        json!({"url": format!("http://u:p@127.0.0.1:{}/{PACKAGE}", site.server.port)}),
    );
    assert!(
        msg(&secret_in_url).contains("url_password"),
        "{secret_in_url}"
    );
    let not_a_package = site.stage(
        1,
        json!({"url": format!("http://127.0.0.1:{}/notes.txt", site.server.port)}),
    );
    assert_eq!(not_a_package["failed"], true);
    let bad_sum = site.stage(1, json!({"url": site.url(), "checksum": "md5:123"}));
    assert!(msg(&bad_sum).contains("is not one"), "{bad_sum}");
    let ftp = site.stage(1, json!({"url": format!("ftp://127.0.0.1/{PACKAGE}")}));
    assert!(msg(&ftp).contains("not supported"), "{ftp}");
    assert!(
        site.h.events("login").is_empty(),
        "a refused input still logged in"
    );
}

#[test]
fn a_presigned_urls_query_is_shown_nowhere() {
    let site = Site::new(&[], ServeOptions::default());
    let signature = "X-Amz-Signature=5f1e0c0ffee0ddba11";
    let url = format!("{}?X-Amz-Credential=AKIAEXAMPLE&{signature}", site.url());
    let r = site.stage(1, json!({"url": url}));
    assert_eq!(r["failed"], false, "{r}");
    assert_eq!(r["changed"], true, "{r}");
    let everything = format!("{r}{}", site.journal());
    assert!(
        !everything.contains(signature),
        "the signature is shown: {everything}"
    );
    assert!(!everything.contains("AKIAEXAMPLE"), "{everything}");
    assert!(
        r["invocation"]["module_args"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("{PACKAGE}?********"))),
        "{r}"
    );
}

#[test]
fn no_option_types_a_control_character_into_the_unit() {
    // Ctrl-U erases what was typed before it: "url\x15touch /tmp/PWNED #" would run touch as
    // root. Every option that reaches the unit's terminal, with every control character (C0,
    // DEL, C1, ESC sequences), is refused before any login, naming the option, not the value.
    let site = Site::new(&[], ServeOptions::default());
    let controls: Vec<String> = (0u32..0x20)
        .chain([0x7f])
        .chain(0x80..0xa0)
        .map(|c| char::from_u32(c).unwrap().to_string())
        .chain(["\x1b[200~".to_string(), "\x1b[A".to_string()])
        .collect();
    let scp = format!("scp://fetch@127.0.0.1:22/{PACKAGE}");
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    for c in &controls {
        let hostile = |option: &str| {
            let evil = format!("x{c}touch /tmp/PWNED #");
            let options = match option {
                "url" => json!({"url": format!("{}{evil}", site.url())}),
                "url_username" => json!({"url": site.url(), "url_username": evil}),
                "url_password" => {
                    json!({"url": site.url(), "url_username": "u", "url_password": evil})
                }
                "url_host_key" => {
                    json!({"url": scp, "url_host_key": format!("[127.0.0.1]:22 ssh-ed25519 AAAA{evil}")})
                }
                "url_ca" => json!({"url": site.url(), "url_ca": format!("{pem}\nMII{evil}\n")}),
                _ => unreachable!(),
            };
            site.stage(1, options)
        };
        for option in [
            "url",
            "url_username",
            "url_password",
            "url_host_key",
            "url_ca",
        ] {
            if option == "url_ca" && (c == "\n" || c == "\r") {
                continue; // line breaks separate a PEM's lines
            }
            let r = hostile(option);
            assert_eq!(r["failed"], true, "{option} {c:?}: {r}");
            assert!(
                msg(&r).contains(&format!("{option} holds a control character")),
                "{option} {c:?}: {}",
                msg(&r)
            );
            assert!(
                !msg(&r).contains("PWNED"),
                "the value is shown: {}",
                msg(&r)
            );
        }
    }
    assert!(
        site.h.events("login").is_empty(),
        "a hostile value still logged in"
    );
    assert_eq!(site.typed("PWNED"), 0);
}

#[test]
fn a_download_that_outlives_its_session_is_waited_for_not_started_twice() {
    // The transfer's SSH session drops at 1 MiB; the unit's wget goes on without it (as GNU
    // wget does after a hangup). A second `wget -c` beside it would write the file twice.
    let site = Site::new(&["1:b:session-drop=1048576"], ServeOptions::default());
    let r = site.stage(1, json!({"url": site.url(), "rate_limit": 2_000_000}));
    assert_eq!(
        (r["failed"].as_bool(), r["changed"].as_bool()),
        (Some(false), Some(true)),
        "{r}"
    );
    assert_eq!(
        site.typed("wget -c"),
        1,
        "a second download started beside the first"
    );
    assert!(
        site.journal()
            .contains("still running on the unit: waiting for it"),
        "{}",
        site.journal()
    );
    assert!(signed(site.package_on(1)));
}
