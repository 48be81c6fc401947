//! The maintenance window: an upgrade that could not finish before the window ends is not
//! started. The estimate is the longest upgrade of a unit (install start to its return) the
//! journal recorded, else the domain file's typical durations (install up to 45 minutes,
//! reboot and validation up to 30). Computed before the device is touched.

use ftd_device::journal::Entry;
use ftd_device::ops::OpError;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Install (45 min) plus reboot and validation (30 min), domain §7.
pub const TYPICAL_SECONDS: f64 = 4500.0;

/// `window_end` as given: RFC 3339 (`2026-11-24T06:00:00Z`) or Unix seconds.
pub fn parse_end(text: &str) -> Result<OffsetDateTime, OpError> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp(secs)
            .map_err(|_| OpError::Refused(format!("window_end {t} is out of range")));
    }
    OffsetDateTime::parse(t, &Rfc3339).map_err(|_| {
        OpError::Refused(format!(
            "window_end '{t}' is not a time: give RFC 3339 with a zone (2026-11-24T06:00:00Z) or Unix seconds"
        ))
    })
}

/// The longest (install start → back on the target) span any unit has in the journal.
pub fn measured(journal: &str) -> Option<f64> {
    let when = |e: &Entry| OffsetDateTime::parse(&e.time, &Rfc3339).ok();
    let mut started: std::collections::HashMap<String, OffsetDateTime> = Default::default();
    let mut longest: Option<f64> = None;
    for e in journal
        .lines()
        .filter_map(|l| serde_json::from_str::<Entry>(l).ok())
    {
        let Some(t) = when(&e) else { continue };
        if e.stage == "install" && e.message.starts_with("upgrade started") {
            started.insert(e.unit.clone(), t);
        } else if e.stage == "wait_reboot"
            && e.percent == Some(100)
            && let Some(s) = started.remove(&e.unit)
        {
            let span = (t - s).as_seconds_f64();
            longest = Some(longest.map_or(span, |l: f64| l.max(span)));
        }
    }
    longest
}

/// Refuses when `now + estimate` passes the window's end. Returns the estimate and its
/// source for the result.
pub fn check(
    end: OffsetDateTime,
    now: OffsetDateTime,
    given: Option<f64>,
    journal: Option<&str>,
) -> Result<(f64, &'static str), OpError> {
    let (estimate, source) = match (given, journal.and_then(measured)) {
        (Some(g), _) => (g, "duration_estimate"),
        (None, Some(m)) => (m, "the longest upgrade in the journal"),
        (None, None) => (
            TYPICAL_SECONDS,
            "the typical durations (45 min install, 30 min reboot)",
        ),
    };
    let left = (end - now).as_seconds_f64();
    if left < estimate {
        return Err(OpError::Refused(format!(
            "the maintenance window ends at {} ({:.0} min from now) and an upgrade of this unit takes about \
             {:.0} min ({source}); not started. The pair stays as it is: upgrade this unit in the next window",
            end.format(&Rfc3339).unwrap_or_default(),
            (left / 60.0).max(0.0),
            estimate / 60.0
        )));
    }
    Ok((estimate, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_are_rfc3339_or_unix_seconds() {
        assert_eq!(
            parse_end("1700000000").unwrap().unix_timestamp(),
            1700000000
        );
        assert_eq!(
            parse_end("2026-11-24T06:00:00Z").unwrap().unix_timestamp(),
            1795500000
        );
        assert!(parse_end("tomorrow").is_err());
    }

    #[test]
    fn the_journal_gives_the_longest_upgrade() {
        let j = r#"{"time":"2026-11-24T05:00:00Z","unit":"1/fw-1-b","stage":"install","percent":0,"message":"upgrade started: install_update.pl --detach x"}
{"time":"2026-11-24T05:40:00Z","unit":"1/fw-1-b","stage":"wait_reboot","percent":100,"message":"unit is Standby Ready on 7.2.7-500"}
{"time":"2026-11-24T06:00:00Z","unit":"1/fw-1-a","stage":"install","percent":0,"message":"upgrade started: install_update.pl --detach x"}
{"time":"2026-11-24T07:00:00Z","unit":"1/fw-1-a","stage":"wait_reboot","percent":100,"message":"unit is Standby Ready on 7.2.7-500"}"#;
        assert_eq!(measured(j), Some(3600.0));
        assert_eq!(measured(""), None);
    }

    #[test]
    fn a_short_window_refuses() {
        let now = parse_end("1700000000").unwrap();
        let end = parse_end("1700001800").unwrap();
        assert!(
            check(end, now, None, None)
                .unwrap_err()
                .to_string()
                .contains("30 min from now")
        );
        assert_eq!(check(end, now, Some(600.0), None).unwrap().0, 600.0);
    }
}
