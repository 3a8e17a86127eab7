//! The instance's notion of "now". Tests move it forward to expire tokens or age login records
//! without sleeping; everything that FusionAuth would timestamp reads this clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_millis: Arc<AtomicI64>,
}

impl Clock {
    /// Milliseconds since the epoch, as FusionAuth's `instant` fields are.
    pub fn now_millis(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        real + self.offset_millis.load(Ordering::SeqCst)
    }

    /// Seconds since the epoch, as JWT `iat`/`exp` are.
    pub fn now_secs(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// Moves the instance's time forward (or back, with a negative value).
    pub fn advance_secs(&self, secs: i64) {
        self.offset_millis.fetch_add(secs * 1000, Ordering::SeqCst);
    }

    /// `2026-11-26 03:08:16.123 PM`, the way FusionAuth's log lines start.
    pub fn log_timestamp(&self) -> String {
        let millis = self.now_millis();
        let secs = millis.div_euclid(1000);
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        let (h, min, s) = (sod / 3600, (sod % 3600) / 60, sod % 60);
        let (h12, ampm) = match h {
            0 => (12, "AM"),
            1..=11 => (h, "AM"),
            12 => (12, "PM"),
            _ => (h - 12, "PM"),
        };
        format!(
            "{y:04}-{m:02}-{d:02} {h12:02}:{min:02}:{s:02}.{:03} {ampm}",
            millis.rem_euclid(1000)
        )
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_418), (2025, 11, 26));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
