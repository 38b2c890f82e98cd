//! The scorecard (评估) that closes the loop: delivery and reviews of this period rank
//! organizations when the League buys and communities order next.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::parse::local_date;

/// The prior of the Bayesian average: a neutral 3 of 5, worth ten reviews. So three
/// five-star reviews (3.46) do not beat three hundred four-star ones (3.97).
pub const PRIOR_MEAN: f64 = 3.0;
pub const PRIOR_WEIGHT: f64 = 10.0;

/// The facts a scorecard is computed from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    pub sessions_delivered: u64,
    pub sessions_on_time: u64,
    pub attended: u64,
    pub no_show: u64,
    pub review_count: u64,
    /// The sum of each review's mean rating.
    pub rating_sum: f64,
}

impl Facts {
    /// Counts one finished session. It is on time when it starts no later than the last
    /// day of its order's window, in the platform's local days; one without an order
    /// (the organization's own) is on time.
    pub fn count_session(
        &mut self,
        starts_at: OffsetDateTime,
        window_end: Option<Date>,
        attended: u64,
        no_show: u64,
    ) {
        self.sessions_delivered += 1;
        if window_end.is_none_or(|end| local_date(starts_at) <= end) {
            self.sessions_on_time += 1;
        }
        self.attended += attended;
        self.no_show += no_show;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    pub on_time_rate: f64,
    pub attendance_rate: f64,
    pub satisfaction: f64,
    /// 0–100: satisfaction 40 %, on time 30 %, attendance 30 %.
    pub score: f64,
}

pub fn bayesian_average(count: u64, sum: f64) -> f64 {
    (PRIOR_MEAN * PRIOR_WEIGHT + sum) / (PRIOR_WEIGHT + count as f64)
}

fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

pub fn score(f: &Facts) -> Scores {
    let on_time_rate = rate(f.sessions_on_time, f.sessions_delivered);
    let attendance_rate = rate(f.attended, f.attended + f.no_show);
    let satisfaction = bayesian_average(f.review_count, f.rating_sum);
    let score = 40.0 * satisfaction / 5.0 + 30.0 * on_time_rate + 30.0 * attendance_rate;
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    Scores {
        on_time_rate: round2(on_time_rate),
        attendance_rate: round2(attendance_rate),
        satisfaction: round2(satisfaction),
        score: round2(score),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_perfect_reviews_do_not_beat_many_good_ones() {
        let few = bayesian_average(3, 15.0);
        let many = bayesian_average(300, 1200.0);
        assert!(many > few, "{many} vs {few}");
        assert!((bayesian_average(0, 0.0) - PRIOR_MEAN).abs() < 1e-9);
    }

    #[test]
    fn on_time_is_counted_in_local_days() {
        use time::macros::{date, datetime};
        let mut facts = Facts::default();
        // 23:30 UTC on the 31st is 07:30 on 1 June in Beijing: a day late.
        facts.count_session(
            datetime!(2026-05-31 23:30 UTC),
            Some(date!(2026 - 05 - 31)),
            3,
            1,
        );
        // 15:59 UTC is 23:59 the same day in Beijing: on time.
        facts.count_session(
            datetime!(2026-05-31 15:59 UTC),
            Some(date!(2026 - 05 - 31)),
            2,
            0,
        );
        // Without an order, nothing to be late for.
        facts.count_session(datetime!(2026-07-01 02:00 UTC), None, 0, 0);
        assert_eq!(facts.sessions_delivered, 3);
        assert_eq!(facts.sessions_on_time, 2);
        assert_eq!((facts.attended, facts.no_show), (5, 1));
    }

    #[test]
    fn scores_combine_the_rates() {
        let s = score(&Facts {
            sessions_delivered: 4,
            sessions_on_time: 3,
            attended: 9,
            no_show: 1,
            review_count: 0,
            rating_sum: 0.0,
        });
        assert_eq!(s.on_time_rate, 0.75);
        assert_eq!(s.attendance_rate, 0.9);
        assert_eq!(s.satisfaction, 3.0);
        assert_eq!(s.score, 24.0 + 22.5 + 27.0);
        assert_eq!(score(&Facts::default()).attendance_rate, 0.0);
    }
}
