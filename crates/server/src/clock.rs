//! The one source of the time in the server. A real installation reads the system
//! clock; a test server (`serve --test-clock`, in a build with the `test-clock` feature
//! and on loopback only) lets its tests move it forward over HTTP instead of sleeping,
//! so that "after the activity ended" is reached in a moment.

use std::sync::atomic::{AtomicI64, Ordering};

use time::{Date, Duration, OffsetDateTime};

#[derive(Debug, Default)]
pub struct Clock {
    /// Seconds added to the system clock; only a movable clock moves.
    offset_seconds: AtomicI64,
    movable: bool,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock tests may move forward; never on a real installation.
    pub fn movable() -> Self {
        Self {
            offset_seconds: AtomicI64::new(0),
            movable: true,
        }
    }

    /// The clock of a server: the system's, or one tests may move (`serve --test-clock`).
    pub fn new(movable: bool) -> Self {
        if movable {
            Self::movable()
        } else {
            Self::system()
        }
    }

    pub fn is_movable(&self) -> bool {
        self.movable
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// Today in Asia/Shanghai, where the platform's days are counted.
    pub fn today(&self) -> Date {
        youthloop_domain::parse::local_date(self.now())
    }

    /// Moves a movable clock forward by `seconds` (never back: time does not run
    /// backwards for anything the server recorded); returns the new time.
    pub fn advance(&self, seconds: i64) -> Option<OffsetDateTime> {
        const TEN_YEARS: i64 = 10 * 366 * 24 * 3600;
        if !self.movable || !(0..=TEN_YEARS).contains(&seconds) {
            return None;
        }
        self.offset_seconds.fetch_add(seconds, Ordering::Relaxed);
        Some(self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_movable_clock_moves_and_only_forward() {
        let fixed = Clock::system();
        assert!(fixed.advance(60).is_none());
        let clock = Clock::movable();
        let before = clock.now();
        assert!(clock.advance(-1).is_none());
        assert!(clock.advance(i64::MAX).is_none(), "no overflow");
        let after = clock.advance(3600).unwrap();
        assert!(after - before >= Duration::seconds(3600));
    }
}
