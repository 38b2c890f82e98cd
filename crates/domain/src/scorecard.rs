//! The scorecard (评估) that closes the loop: delivery and reviews of this period rank
//! organizations when the League buys and communities order next.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};
use time::{Date, Month, OffsetDateTime, Time, UtcOffset};

use crate::error::{DomainError, DomainResult};
use crate::parse::{local_date, SHANGHAI};

/// The prior of the Bayesian average when the district has no reviews in the period:
/// a neutral 3 of 5.
pub const PRIOR_MEAN: f64 = 3.0;
/// How many reviews the prior is worth. Three five-star reviews do not beat three
/// hundred four-star ones while the district averages under about 3.9 (3.93 against
/// 3.99 at a district mean of 3.8; 3.21 against 3.92 at the neutral 3).
pub const PRIOR_WEIGHT: f64 = 25.0;

/// A standing review rated this or lower (of 5, its mean) is a complaint.
pub const COMPLAINT_RATING: f64 = 2.0;

/// Points taken off the score for each complaint, and at most in all.
const COMPLAINT_POINTS: f64 = 2.0;
const COMPLAINT_POINTS_MAX: f64 = 10.0;

/// The rule of [`score`] in plain Chinese, for the scorecard page.
pub const RULE_ZH: &str = "满意度按贝叶斯平均计算：除机构自己收到的评价外，再把本区本期的平均分当作25条评价一并计入（本区尚无评价时按3分计）。评价越少，满意度越接近本区平均分；评价越多，越接近机构自己的平均分，因此少数几条评价只会让满意度小幅变动。综合得分满分100分：满意度占40%（按5分制折算），准时率占30%，到场率占30%。每条有效差评（评分不高于2分）扣2分，合计最多扣10分，综合得分最低为0分。";

/// The rule of [`score`] in plain English, for the scorecard page.
pub const RULE_EN: &str = "Satisfaction is a Bayesian average: besides the organization's own reviews, the district's mean rating for the period is counted as twenty-five more reviews (a neutral 3 of 5 when the district has none yet). With few reviews, satisfaction stays close to the district's mean; with many, it approaches the organization's own mean, so a handful of reviews moves it only a little. The score, out of 100, weighs satisfaction (out of 5) at 40%, the on-time rate at 30% and the attendance rate at 30%. Each standing complaint (a review rated 2 of 5 or lower) takes off 2 points, at most 10 in all, and the score never falls below 0.";

/// A scorecard period: a calendar year, quarter or month, in Beijing time. Once one
/// exists, its year is within 2000–2100 and its quarter or month is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    year: i32,
    span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Year,
    /// 1..=4
    Quarter(u8),
    /// 1..=12
    Month(u8),
}

const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

impl Period {
    /// `YYYY`, `YYYY-Qn` (or `YYYY-qn`) or `YYYY-MM`, exactly, without spaces.
    pub fn parse(s: &str) -> DomainResult<Period> {
        Self::parse_bytes(s.as_bytes()).ok_or_else(|| {
            DomainError::invalid(
                "period",
                "期间应为年份、季度或月份，如 2026、2026-Q3、2026-07 / period is a year, quarter or month such as 2026, 2026-Q3 or 2026-07",
            )
        })
    }

    fn parse_bytes(b: &[u8]) -> Option<Period> {
        let digits = |part: &[u8]| -> Option<u32> {
            part.iter().try_fold(0u32, |n, d| {
                d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
            })
        };
        let year = i32::try_from(digits(b.get(..4)?)?).ok()?;
        if !YEARS.contains(&year) {
            return None;
        }
        let span = match b.get(4..)? {
            [] => Span::Year,
            [b'-', b'Q' | b'q', n @ b'1'..=b'4'] => Span::Quarter(n - b'0'),
            [b'-', m1, m2] => {
                let month = u8::try_from(digits(&[*m1, *m2])?).ok()?;
                if !(1..=12).contains(&month) {
                    return None;
                }
                Span::Month(month)
            }
            _ => return None,
        };
        Some(Period { year, span })
    }

    /// The whole calendar year `y`, kept within the years [`Period::parse`] accepts.
    pub fn year(y: i32) -> Period {
        Period {
            year: y.clamp(*YEARS.start(), *YEARS.end()),
            span: Span::Year,
        }
    }

    /// The first month (1-based) and the number of months.
    fn months(self) -> (u8, u8) {
        match self.span {
            Span::Year => (1, 12),
            Span::Quarter(q) => (3 * q - 2, 3),
            Span::Month(m) => (m, 1),
        }
    }

    /// From the first midnight of the period (inclusive) to the first midnight after it
    /// (exclusive), in Beijing time, given in UTC.
    pub fn bounds(self) -> (OffsetDateTime, OffsetDateTime) {
        let (first, len) = self.months();
        let end = first + len;
        let (end_year, end_month) = if end > 12 {
            (self.year + 1, end - 12)
        } else {
            (self.year, end)
        };
        (
            beijing_midnight(self.year, first),
            beijing_midnight(end_year, end_month),
        )
    }
}

/// The twelve months ending with the month of `today` (Beijing time), as the record a
/// new round is bought on: from the first midnight of the month eleven months earlier to
/// the first midnight of the next month.
pub fn last_twelve_months(today: Date) -> (OffsetDateTime, OffsetDateTime) {
    let (year, month) = (today.year(), u8::from(today.month()));
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    (
        beijing_midnight(next_year - 1, next_month),
        beijing_midnight(next_year, next_month),
    )
}

/// Midnight in Beijing at the start of a month, in UTC.
fn beijing_midnight(year: i32, month: u8) -> OffsetDateTime {
    // A period's year and month are valid; fall back to the minimum rather than panic.
    let day = Month::try_from(month)
        .ok()
        .and_then(|m| Date::from_calendar_date(year, m, 1).ok())
        .unwrap_or(Date::MIN);
    day.with_time(Time::MIDNIGHT)
        .assume_offset(SHANGHAI)
        .to_offset(UtcOffset::UTC)
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.span {
            Span::Year => write!(f, "{}", self.year),
            Span::Quarter(q) => write!(f, "{}-Q{q}", self.year),
            Span::Month(m) => write!(f, "{}-{m:02}", self.year),
        }
    }
}

impl FromStr for Period {
    type Err = DomainError;
    fn from_str(s: &str) -> DomainResult<Period> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

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
    /// Standing reviews of the organization rated at most 2 of 5.
    pub complaints: u64,
    /// Orders delivered in the period.
    pub orders_delivered: u64,
    /// Of the orders delivered, those the community confirmed (验收).
    pub orders_accepted: u64,
    /// What the finished sessions the League bought cost: their unit prices summed.
    pub cost_fen: u64,
    /// Who attended those bought sessions: what the cost is shared by. The
    /// organization's own sessions cost the League nothing and are left out of both.
    pub bought_attended: u64,
    /// Every standing rating in the district in the period: the prior of the
    /// Bayesian average.
    pub district_review_count: u64,
    pub district_rating_sum: f64,
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

    /// Counts what a finished session bought by an order cost, and who it reached.
    pub fn count_bought(&mut self, unit_price_fen: u64, attended: u64) {
        self.cost_fen = self.cost_fen.saturating_add(unit_price_fen);
        self.bought_attended += attended;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    pub on_time_rate: f64,
    pub attendance_rate: f64,
    /// The same as `satisfaction_adjusted`, kept for those who read it by this name.
    pub satisfaction: f64,
    /// The plain mean of the organization's ratings; none without reviews.
    pub satisfaction_raw: Option<f64>,
    /// The Bayesian average towards the district's mean.
    pub satisfaction_adjusted: f64,
    /// No-shows among those who attended or did not show.
    pub no_show_rate: f64,
    /// Confirmed orders among those delivered; none when no order was delivered.
    pub acceptance_rate: Option<f64>,
    /// Cost per attendee in whole fen; none when nobody attended.
    pub cost_per_attendee_fen: Option<u64>,
    pub complaints: u64,
    /// 0–100: satisfaction 40 %, on time 30 %, attendance 30 %, less 2 points a
    /// complaint up to 10.
    pub score: f64,
}

/// The district's mean rating in the period, or [`PRIOR_MEAN`] when it has none.
pub fn prior_mean(f: &Facts) -> f64 {
    if f.district_review_count == 0 {
        PRIOR_MEAN
    } else {
        f.district_rating_sum / f.district_review_count as f64
    }
}

/// `count` ratings summing to `sum`, with `prior_mean` counted as [`PRIOR_WEIGHT`] more.
pub fn bayesian_average(count: u64, sum: f64, prior_mean: f64) -> f64 {
    (prior_mean * PRIOR_WEIGHT + sum) / (PRIOR_WEIGHT + count as f64)
}

fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `total / n` rounded to the nearest whole, halves up; none when `n` is 0.
fn per_head(total: u64, n: u64) -> Option<u64> {
    let whole = total.checked_div(n)?;
    let rest = total % n;
    Some(if rest >= n - rest { whole + 1 } else { whole })
}

/// Scores an organization's period.
///
/// Satisfaction is the Bayesian average of the organization's ratings, pulled towards
/// the district's mean rating of the period ([`prior_mean`]) as if that mean were
/// [`PRIOR_WEIGHT`] more reviews, so that a few reviews cannot outrank many. The score,
/// 0–100, weighs that satisfaction (out of 5) at 40 %, the on-time rate at 30 % and the
/// attendance rate at 30 %, then takes off 2 points for each complaint, at most 10, and
/// never falls below 0. Rates, satisfaction and score are rounded to 2 decimals; the
/// score is computed from the unrounded values. See [`RULE_ZH`] and [`RULE_EN`].
pub fn score(f: &Facts) -> Scores {
    let on_time_rate = rate(f.sessions_on_time, f.sessions_delivered);
    let attendance_rate = rate(f.attended, f.attended + f.no_show);
    let no_show_rate = rate(f.no_show, f.attended + f.no_show);
    let satisfaction_raw = (f.review_count > 0).then(|| f.rating_sum / f.review_count as f64);
    let adjusted = bayesian_average(f.review_count, f.rating_sum, prior_mean(f));
    let acceptance_rate =
        (f.orders_delivered > 0).then(|| rate(f.orders_accepted, f.orders_delivered));
    let deduction = (COMPLAINT_POINTS * f.complaints as f64).min(COMPLAINT_POINTS_MAX);
    let score =
        (40.0 * adjusted / 5.0 + 30.0 * on_time_rate + 30.0 * attendance_rate - deduction).max(0.0);
    Scores {
        on_time_rate: round2(on_time_rate),
        attendance_rate: round2(attendance_rate),
        satisfaction: round2(adjusted),
        satisfaction_raw: satisfaction_raw.map(round2),
        satisfaction_adjusted: round2(adjusted),
        no_show_rate: round2(no_show_rate),
        acceptance_rate: acceptance_rate.map(round2),
        cost_per_attendee_fen: per_head(f.cost_fen, f.bought_attended),
        complaints: f.complaints,
        score: round2(score),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_record_is_the_twelve_months_to_this_month() {
        assert_eq!(
            last_twelve_months(date!(2026 - 12 - 03)),
            (
                datetime!(2025-12-31 16:00 UTC),
                datetime!(2026-12-31 16:00 UTC)
            )
        );
        assert_eq!(
            last_twelve_months(date!(2026 - 03 - 31)),
            (
                datetime!(2025-03-31 16:00 UTC),
                datetime!(2026-03-31 16:00 UTC)
            )
        );
    }

    #[test]
    fn the_bayesian_average_pulls_towards_the_district_mean() {
        // No district reviews: the neutral 3. Three fives do not beat three hundred fours.
        let few = bayesian_average(3, 15.0, PRIOR_MEAN);
        let many = bayesian_average(300, 1200.0, PRIOR_MEAN);
        assert!(close(few, 90.0 / 28.0), "{few}");
        assert!(close(many, 1275.0 / 325.0), "{many}");
        assert!(many > few, "{many} vs {few}");

        // A district mean of 3.8: the hundreds of fours still come first.
        let few = bayesian_average(3, 15.0, 3.8);
        let many = bayesian_average(300, 1200.0, 3.8);
        assert!(close(few, 110.0 / 28.0), "{few}");
        assert!(close(many, 1295.0 / 325.0), "{many}");
        assert!(many > few, "{many} vs {few}");

        // Without reviews, the prior itself.
        assert!(close(bayesian_average(0, 0.0, 4.2), 4.2));
        assert!(close(bayesian_average(0, 0.0, PRIOR_MEAN), PRIOR_MEAN));
    }

    #[test]
    fn the_prior_is_the_district_mean_or_three() {
        assert!(close(prior_mean(&Facts::default()), PRIOR_MEAN));
        let f = Facts {
            district_review_count: 40,
            district_rating_sum: 170.0,
            ..Facts::default()
        };
        assert!(close(prior_mean(&f), 4.25));
        // An organization without reviews gets the district's mean.
        let s = score(&f);
        assert_eq!(s.satisfaction_adjusted, 4.25);
        assert_eq!(s.satisfaction, 4.25);
        assert_eq!(s.satisfaction_raw, None);
    }

    #[test]
    fn raw_and_adjusted_satisfaction() {
        let s = score(&Facts {
            review_count: 3,
            rating_sum: 15.0,
            district_review_count: 100,
            district_rating_sum: 400.0,
            ..Facts::default()
        });
        assert_eq!(s.satisfaction_raw, Some(5.0));
        assert_eq!(s.satisfaction_adjusted, 4.11);
        assert_eq!(s.satisfaction, s.satisfaction_adjusted);
    }

    #[test]
    fn on_time_is_counted_in_local_days() {
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
            ..Facts::default()
        });
        assert_eq!(s.on_time_rate, 0.75);
        assert_eq!(s.attendance_rate, 0.9);
        assert_eq!(s.satisfaction, 3.0);
        assert_eq!(s.score, 24.0 + 22.5 + 27.0);
        let empty = score(&Facts::default());
        assert_eq!(empty.attendance_rate, 0.0);
        assert_eq!(empty.no_show_rate, 0.0);
        assert_eq!(empty.acceptance_rate, None);
        assert_eq!(empty.cost_per_attendee_fen, None);
        assert_eq!(empty.complaints, 0);
    }

    #[test]
    fn no_show_rate() {
        let s = score(&Facts {
            attended: 7,
            no_show: 2,
            ..Facts::default()
        });
        assert_eq!(s.no_show_rate, 0.22);
        assert_eq!(s.attendance_rate, 0.78);
        let all_absent = score(&Facts {
            no_show: 3,
            ..Facts::default()
        });
        assert_eq!(all_absent.no_show_rate, 1.0);
    }

    #[test]
    fn acceptance_rate() {
        let s = |delivered, accepted| {
            score(&Facts {
                orders_delivered: delivered,
                orders_accepted: accepted,
                ..Facts::default()
            })
            .acceptance_rate
        };
        assert_eq!(s(0, 0), None);
        assert_eq!(s(3, 2), Some(0.67));
        assert_eq!(s(4, 4), Some(1.0));
        assert_eq!(s(5, 0), Some(0.0));
    }

    #[test]
    fn cost_per_attendee_rounds_to_the_nearest_fen() {
        let c = |cost_fen, attended| {
            score(&Facts {
                cost_fen,
                bought_attended: attended,
                ..Facts::default()
            })
            .cost_per_attendee_fen
        };
        assert_eq!(c(100_000, 0), None);
        assert_eq!(c(0, 5), Some(0));
        assert_eq!(c(1000, 3), Some(333)); // 333.33
        assert_eq!(c(2000, 3), Some(667)); // 666.67
        assert_eq!(c(10, 4), Some(3)); // 2.5: halves round up
        assert_eq!(c(10, 8), Some(1)); // 1.25
        assert_eq!(c(u64::MAX, 2), Some(u64::MAX / 2 + 1));
        assert_eq!(c(u64::MAX, u64::MAX), Some(1));
        let mut f = Facts::default();
        f.count_bought(30_000, 12);
        f.count_bought(30_000, 8);
        f.count_session(datetime!(2026-05-01 02:00 UTC), None, 40, 0);
        assert_eq!(
            score(&f).cost_per_attendee_fen,
            Some(3_000),
            "own sessions left out"
        );
    }

    #[test]
    fn complaints_take_two_points_each_up_to_ten() {
        let base = Facts {
            sessions_delivered: 2,
            sessions_on_time: 2,
            attended: 10,
            ..Facts::default()
        };
        // 40 * 3/5 + 30 + 30 = 84.
        let with = |complaints| score(&Facts { complaints, ..base });
        assert_eq!(with(0).score, 84.0);
        assert_eq!(with(1).score, 82.0);
        assert_eq!(with(3).score, 78.0);
        assert_eq!(with(5).score, 74.0);
        assert_eq!(with(6).score, 74.0);
        assert_eq!(with(u64::MAX).score, 74.0);
        assert_eq!(with(4).complaints, 4);
    }

    #[test]
    fn the_score_never_falls_below_zero() {
        // Nothing delivered, everyone a no-show, the lowest ratings: 40 * 1/5 = 8 < 10.
        let s = score(&Facts {
            sessions_delivered: 3,
            no_show: 5,
            review_count: 1000,
            rating_sum: 1000.0,
            district_review_count: 1000,
            district_rating_sum: 1000.0,
            complaints: 9,
            ..Facts::default()
        });
        assert_eq!(s.satisfaction_adjusted, 1.0);
        assert_eq!(s.score, 0.0);
    }

    #[test]
    fn periods_parse_in_three_forms() {
        let ok = |s: &str| Period::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(ok("2026"), Period::year(2026));
        assert_eq!(ok("2026-Q3").to_string(), "2026-Q3");
        assert_eq!(ok("2026-q3"), ok("2026-Q3"));
        assert_eq!(ok("2026-07").to_string(), "2026-07");
        assert_eq!(ok("2000").to_string(), "2000");
        assert_eq!(ok("2100-12").to_string(), "2100-12");
        assert_eq!("2026-Q1".parse::<Period>(), Ok(ok("2026-Q1")));
        for bad in [
            "2026-Q5",
            "2026-Q0",
            "2026-13",
            "2026-00",
            "2026-7",
            "1999",
            "2101",
            "26",
            "2026-Q",
            "2026/07",
            "",
            " 2026",
            "2026 ",
            "2026-",
            "2026-Q12",
            "2026-071",
            "+2026",
            "２０２６",
            "2026-Ｑ1",
        ] {
            let err = Period::parse(bad).expect_err(bad);
            assert_eq!(err.field(), Some("period"), "{bad}");
            assert_eq!(err.code(), "invalid", "{bad}");
        }
    }

    #[test]
    fn periods_display_and_serialize_canonically() {
        for s in ["2026", "2026-Q1", "2026-Q4", "2026-01", "2026-12", "2100"] {
            let p = Period::parse(s).unwrap();
            assert_eq!(p.to_string(), s);
            assert_eq!(Period::parse(&p.to_string()), Ok(p));
        }
        assert_eq!(Period::parse("2026-q2").unwrap().to_string(), "2026-Q2");
        assert_eq!(
            serde_json::to_string(&Period::parse("2026-07").unwrap()).unwrap(),
            "\"2026-07\""
        );
        assert_eq!(Period::year(1999).to_string(), "2000");
    }

    #[test]
    fn periods_are_bounded_by_beijing_midnights() {
        let b = |s: &str| Period::parse(s).unwrap().bounds();
        assert_eq!(
            b("2026"),
            (
                datetime!(2025-12-31 16:00 UTC),
                datetime!(2026-12-31 16:00 UTC)
            )
        );
        assert_eq!(
            b("2026-Q1"),
            (
                datetime!(2025-12-31 16:00 UTC),
                datetime!(2026-03-31 16:00 UTC)
            )
        );
        assert_eq!(b("2026-Q4").0, datetime!(2026-09-30 16:00 UTC));
        assert_eq!(b("2026-Q4").1, datetime!(2026-12-31 16:00 UTC));
        assert_eq!(
            b("2026-12"),
            (
                datetime!(2026-11-30 16:00 UTC),
                datetime!(2026-12-31 16:00 UTC)
            )
        );
        assert_eq!(
            b("2026-02"),
            (
                datetime!(2026-01-31 16:00 UTC),
                datetime!(2026-02-28 16:00 UTC)
            )
        );
        let (start, end) = b("2026-07");
        assert_eq!(start.offset(), UtcOffset::UTC);
        assert_eq!(end.offset(), UtcOffset::UTC);
        // Their edges are local midnights.
        assert_eq!(local_date(start), date!(2026 - 07 - 01));
        assert_eq!(
            local_date(end - time::Duration::NANOSECOND),
            date!(2026 - 07 - 31)
        );
        assert_eq!(local_date(end), date!(2026 - 08 - 01));
        assert_eq!(start.to_offset(SHANGHAI).time(), Time::MIDNIGHT, "{start}");
    }
}
