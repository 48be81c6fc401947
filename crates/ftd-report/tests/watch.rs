//! `watch` in plain mode over a journal that grows while it reads.

use ftd_report::watch::{WatchOptions, watch};
use std::io::Write;
use std::time::Duration;

fn line(unit: &str, stage: &str, percent: &str, message: &str) -> String {
    format!(
        "{{\"time\":\"2026-11-24T00:00:00Z\",\"unit\":\"{unit}\",\"stage\":\"{stage}\",\"percent\":{percent},\"message\":\"{message}\"}}\n"
    )
}

#[test]
fn follows_a_growing_journal_until_every_unit_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::File::create(&writer_path).unwrap();
        for l in [
            line(
                "pair1/fw-1-b",
                "install",
                "7",
                "Running script 200_pre/202_disable_syncd.sh...",
            ),
            line(
                "pair1/fw-1-b",
                "wait_reboot",
                "null",
                "unit is down (rebooting)",
            ),
            line(
                "pair2/fw-2-b",
                "install",
                "null",
                "FAILED: fw-2-b [install]: upgrade FAILED at x",
            ),
            line(
                "pair1/fw-1-b",
                "verify",
                "100",
                "verified: fw-1-b: all 6 checks passed",
            ),
        ] {
            std::thread::sleep(Duration::from_millis(60));
            // Half a line first: watch must wait for the rest.
            let (a, b) = l.split_at(l.len() / 2);
            f.write_all(a.as_bytes()).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(20));
            f.write_all(b.as_bytes()).unwrap();
        }
        std::thread::sleep(Duration::from_millis(60));
        f.write_all(line("pair1/fw-1-a", "verify", "100", "verified: fw-1-a").as_bytes())
            .unwrap();
    });
    let mut out = Vec::new();
    let opts = WatchOptions {
        interval: Duration::from_millis(10),
        timeout: Duration::from_secs(10),
        force_plain: true,
    };
    let ok = watch(&path, &opts, &mut out).unwrap();
    writer.join().unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(!ok, "a unit failed");
    assert_eq!(text.lines().count(), 6, "{text}");
    assert!(
        text.contains("pair1/fw-1-b install 7% Running script 200_pre/202_disable_syncd.sh...")
    );
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("watch: 2 unit(s) verified, 1 failed: fw-2-b"),
        "{text}"
    );
}

#[test]
fn gives_up_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never-written.jsonl");
    let mut out = Vec::new();
    let opts = WatchOptions {
        interval: Duration::from_millis(10),
        timeout: Duration::from_millis(100),
        force_plain: true,
    };
    assert!(!watch(&path, &opts, &mut out).unwrap());
    assert!(String::from_utf8(out).unwrap().contains("gave up"));
}
