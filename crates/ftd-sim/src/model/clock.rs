//! Device time. The model runs in device seconds; the clock maps real time to them by the
//! time scale (real duration = device duration × scale), so a 30-minute install takes 3.6 s
//! at scale 0.002.

use std::time::{Duration, Instant, SystemTime};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    started: Instant,
    wall_start: SystemTime,
    scale: f64,
}

impl Clock {
    pub fn new(scale: f64) -> Self {
        Clock {
            started: Instant::now(),
            wall_start: SystemTime::now(),
            scale: scale.max(1e-6),
        }
    }

    /// Device seconds since the sim started.
    pub fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64() / self.scale
    }

    /// Real time that `device_seconds` take.
    pub fn real(&self, device_seconds: f64) -> Duration {
        Duration::from_secs_f64((device_seconds * self.scale).max(0.0))
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The device's wall clock at device time `t` (for log timestamps).
    pub fn wall(&self, t: f64) -> time::OffsetDateTime {
        // Negative times are before the sim started (old log files left by earlier runs).
        time::OffsetDateTime::from(self.wall_start) + time::Duration::seconds_f64(t)
    }
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `2024-07-18 02:43:05`, as GNU wget prints it.
pub fn wget_stamp(t: time::OffsetDateTime) -> String {
    t.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second]"
    ))
    .unwrap_or_default()
}

/// `Thu Jul 18 02:43:05 UTC 2024`, as in the status files.
pub fn status_timestamp(t: time::OffsetDateTime) -> String {
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        DAYS[t.weekday().number_days_from_monday() as usize],
        MONTHS[t.month() as usize - 1],
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

/// `[240718 02:48:16:990]`, as in `main_upgrade_script.log`.
pub fn main_log_stamp(t: time::OffsetDateTime) -> String {
    format!(
        "[{:02}{:02}{:02} {:02}:{:02}:{:02}:{:03}]",
        t.year() % 100,
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `Jul 18 02:36`, as in `ls -l`.
pub fn ls_stamp(t: time::OffsetDateTime) -> String {
    format!(
        "{} {:02} {:02}:{:02}",
        MONTHS[t.month() as usize - 1],
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `13:24:46 UTC Jul 18 2024`, as in a failover reason's date.
pub fn failover_stamp(t: time::OffsetDateTime) -> String {
    format!(
        "{:02}:{:02}:{:02} UTC {} {} {}",
        t.hour(),
        t.minute(),
        t.second(),
        MONTHS[t.month() as usize - 1],
        t.day(),
        t.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_seed() {
        let t = time::macros::datetime!(2024-07-18 02:43:05.990 UTC);
        assert_eq!(status_timestamp(t), "Thu Jul 18 02:43:05 UTC 2024");
        assert_eq!(main_log_stamp(t), "[240718 02:43:05:990]");
        assert_eq!(ls_stamp(t), "Jul 18 02:43");
        assert_eq!(failover_stamp(t), "02:43:05 UTC Jul 18 2024");
    }
}
