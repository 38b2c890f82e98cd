//! Volunteer rostering: who serves which shift.
//!
//! An [`Instance`] is everything the roster depends on, in plain numbers so that it can be
//! written out as JSON and checked or re-solved by any outside tool (docs/benchmarks.md
//! documents the shape). Times are minutes since 1970-01-01 00:00 Beijing time, so that a
//! weekday and an ISO week follow by arithmetic.
//!
//! The roster is chosen in two solves of one model, lexicographically:
//! 1. cover as many of the shifts' open places as possible (unmet demand first);
//! 2. with that coverage held, minimise the cost of [`Weights`]: minutes spread fairly,
//!    people close to home, squads kept together.
//!
//! Never against availability, skills, age, consent, weekly minutes, overlapping shifts or
//! a decline: those are not costs but the candidates the model may use at all.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub const MINUTES_PER_DAY: i64 = 24 * 60;

/// What the roster depends on. `volunteer` and `shift` in a [`Pair`] are positions in
/// `volunteers` and `shifts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub volunteers: Vec<Volunteer>,
    /// Where each squad is based; `Volunteer::squad` is a position here.
    #[serde(default)]
    pub squads: Vec<Place>,
    pub shifts: Vec<Shift>,
    /// Assignments that stand whatever the roster does: self sign-ups, accepted and
    /// checked-in ones. They count towards head counts, minutes and overlaps.
    #[serde(default)]
    pub fixed: Vec<Pair>,
    /// Pairs that must never be proposed: declines and cancellations.
    #[serde(default)]
    pub forbidden: Vec<Pair>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volunteer {
    /// Whole years on the roster's first day.
    pub age: u8,
    /// A guardian's consent is on record (needed from 14 to 17).
    pub consent: bool,
    pub skills: Vec<String>,
    /// When the volunteer can serve, every week.
    pub availability: Vec<Window>,
    pub home: Place,
    pub squad: Option<u32>,
    pub max_minutes_per_week: u32,
}

/// A weekly time window: `weekday` 1 (Monday) to 7, minutes of the day `from..to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub weekday: u8,
    pub from: u16,
    pub to: u16,
}

/// Where someone lives or a shift takes place: a community in a town (镇街).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Place {
    pub town: u32,
    pub community: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    pub start: i64,
    pub end: i64,
    pub site: Place,
    pub needed: u32,
    /// Every one of these is required.
    pub skills: Vec<String>,
    pub min_age: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pair {
    pub volunteer: usize,
    pub shift: usize,
}

/// The costs the second solve minimises, in points; one point is one person sent to a
/// community other than their own within their town.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub same_town: f64,
    pub elsewhere: f64,
    /// A squad member sent away from where the squad is based: squads serve together at
    /// their own place first. (Counting squads per shift instead makes the model's
    /// relaxation so weak that no solver closes the gap in seconds.)
    pub away_from_squad: f64,
    /// Convex steps on a volunteer's minutes in the roster: above `minutes`, each further
    /// hour costs `per_hour` more.
    pub fairness: Vec<Step>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub minutes: u32,
    pub per_hour: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            same_town: 1.0,
            elsewhere: 3.0,
            away_from_squad: 1.0,
            fairness: vec![
                Step {
                    minutes: 360,
                    per_hour: 2.0,
                },
                Step {
                    minutes: 480,
                    per_hour: 4.0,
                },
            ],
        }
    }
}

impl Weights {
    /// The travel cost of sending someone from `home` to `site`.
    pub fn distance(&self, home: Place, site: Place) -> f64 {
        if home == site {
            0.0
        } else if home.town == site.town {
            self.same_town
        } else {
            self.elsewhere
        }
    }

    /// The fairness cost of `minutes` in the roster.
    pub fn load(&self, minutes: u32) -> f64 {
        self.fairness
            .iter()
            .map(|s| f64::from(minutes.saturating_sub(s.minutes)) * s.per_hour / 60.0)
            .sum()
    }

    /// The cost of one assignment apart from fairness: travel, and leaving the squad.
    pub fn assignment(&self, instance: &Instance, pair: Pair) -> f64 {
        let (v, s) = (
            &instance.volunteers[pair.volunteer],
            &instance.shifts[pair.shift],
        );
        let base = v.squad.and_then(|q| instance.squads.get(q as usize));
        let apart = base.is_some_and(|&b| b != s.site);
        self.distance(v.home, s.site) + if apart { self.away_from_squad } else { 0.0 }
    }

    /// The whole cost of a set of assignments (fixed ones included).
    pub fn cost(&self, instance: &Instance, assignments: &[Pair]) -> f64 {
        let mut minutes = vec![0u32; instance.volunteers.len()];
        let mut total = 0.0;
        for &p in assignments {
            minutes[p.volunteer] += instance.shifts[p.shift].minutes();
            total += self.assignment(instance, p);
        }
        total + minutes.into_iter().map(|m| self.load(m)).sum::<f64>()
    }
}

impl Shift {
    pub fn minutes(&self) -> u32 {
        u32::try_from(self.end - self.start).unwrap_or(0)
    }

    pub fn overlaps(&self, other: &Shift) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The ISO week the shift starts in, counted from 1970's first Monday.
    pub fn week(&self) -> i64 {
        (self.start.div_euclid(MINUTES_PER_DAY) + 3).div_euclid(7)
    }
}

/// Weekday 1 (Monday) to 7 of a day counted from 1970-01-01, a Thursday.
pub fn weekday(day: i64) -> u8 {
    // rem_euclid(7) is 0..7, so the sum is 1..=7.
    (day + 3).rem_euclid(7) as u8 + 1
}

impl Volunteer {
    /// May serve at all and on a shift: 18 or older, or 14 to 17 with a guardian's
    /// consent; never under 14; and at least the shift's own minimum age.
    pub fn old_enough(&self, shift: &Shift) -> bool {
        let allowed = self.age >= 18 || (self.age >= 14 && self.consent);
        allowed && self.age >= shift.min_age
    }

    pub fn has_skills(&self, shift: &Shift) -> bool {
        shift.skills.iter().all(|s| self.skills.contains(s))
    }

    /// Every minute of the shift lies in the volunteer's weekly windows (touching windows
    /// of one day count as one).
    pub fn available(&self, shift: &Shift) -> bool {
        let mut day = shift.start.div_euclid(MINUTES_PER_DAY);
        while day * MINUTES_PER_DAY < shift.end {
            let from = (shift.start - day * MINUTES_PER_DAY).max(0);
            let to = (shift.end - day * MINUTES_PER_DAY).min(MINUTES_PER_DAY);
            if !self.covers(weekday(day), from, to) {
                return false;
            }
            day += 1;
        }
        true
    }

    fn covers(&self, weekday: u8, from: i64, to: i64) -> bool {
        let mut windows: Vec<(i64, i64)> = self
            .availability
            .iter()
            .filter(|w| w.weekday == weekday)
            .map(|w| (i64::from(w.from), i64::from(w.to)))
            .collect();
        windows.sort_unstable();
        let mut reached = from;
        for (start, end) in windows {
            if start <= reached && end > reached {
                reached = end;
            }
        }
        reached >= to
    }
}

/// The pairs a roster may use beyond the fixed ones, each with what it needs to know.
#[derive(Debug, Clone)]
pub(crate) struct Candidates {
    pub pairs: Vec<Pair>,
    /// Places still open per shift once fixed assignments are counted.
    pub open: Vec<u32>,
    /// Minutes per volunteer per week already taken by fixed assignments.
    pub fixed_minutes: Vec<std::collections::BTreeMap<i64, u32>>,
}

impl Instance {
    /// How many pairs the model may choose from (its size).
    pub fn candidates_len(&self) -> usize {
        self.candidates().pairs.len()
    }

    /// Every pair that the rules allow and that fits beside the fixed assignments.
    pub(crate) fn candidates(&self) -> Candidates {
        let mut open: Vec<u32> = self.shifts.iter().map(|s| s.needed).collect();
        let mut fixed_minutes = vec![std::collections::BTreeMap::new(); self.volunteers.len()];
        let mut fixed_of: Vec<Vec<usize>> = vec![Vec::new(); self.volunteers.len()];
        for p in &self.fixed {
            let s = &self.shifts[p.shift];
            open[p.shift] = open[p.shift].saturating_sub(1);
            *fixed_minutes[p.volunteer].entry(s.week()).or_insert(0) += s.minutes();
            fixed_of[p.volunteer].push(p.shift);
        }
        let excluded: BTreeSet<Pair> = self.forbidden.iter().chain(&self.fixed).copied().collect();
        let mut pairs = Vec::new();
        for (si, s) in self.shifts.iter().enumerate() {
            if open[si] == 0 || s.end <= s.start {
                continue;
            }
            for (vi, v) in self.volunteers.iter().enumerate() {
                let pair = Pair {
                    volunteer: vi,
                    shift: si,
                };
                let taken = fixed_minutes[vi].get(&s.week()).copied().unwrap_or(0);
                let fits = v.old_enough(s)
                    && v.has_skills(s)
                    && taken + s.minutes() <= v.max_minutes_per_week
                    && !excluded.contains(&pair)
                    && !fixed_of[vi].iter().any(|&f| self.shifts[f].overlaps(s))
                    && v.available(s);
                if fits {
                    pairs.push(pair);
                }
            }
        }
        Candidates {
            pairs,
            open,
            fixed_minutes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volunteer(windows: &[(u8, u16, u16)]) -> Volunteer {
        Volunteer {
            age: 20,
            consent: false,
            skills: vec!["first_aid".into()],
            availability: windows
                .iter()
                .map(|&(weekday, from, to)| Window { weekday, from, to })
                .collect(),
            home: Place {
                town: 1,
                community: 1,
            },
            squad: None,
            max_minutes_per_week: 600,
        }
    }

    /// 2026-12-05 is a Saturday: day 20,792 since 1970-01-01.
    const SATURDAY: i64 = 20_792 * MINUTES_PER_DAY;

    fn shift(start: i64, minutes: i64) -> Shift {
        Shift {
            start,
            end: start + minutes,
            site: Place {
                town: 1,
                community: 1,
            },
            needed: 1,
            skills: vec![],
            min_age: 14,
        }
    }

    #[test]
    fn weekdays_and_weeks_follow_the_calendar() {
        assert_eq!(weekday(0), 4, "1970-01-01 was a Thursday");
        assert_eq!(weekday(SATURDAY / MINUTES_PER_DAY), 6);
        let sat = shift(SATURDAY + 9 * 60, 60);
        let sun = shift(SATURDAY + MINUTES_PER_DAY + 23 * 60, 60);
        let mon = shift(SATURDAY + 2 * MINUTES_PER_DAY, 60);
        assert_eq!(sat.week(), sun.week());
        assert_eq!(mon.week(), sat.week() + 1);
    }

    #[test]
    fn availability_covers_whole_shifts_across_midnight_and_joined_windows() {
        let v = volunteer(&[
            (6, 8 * 60, 12 * 60),
            (6, 12 * 60, 14 * 60),
            (6, 22 * 60, 1440),
            (7, 0, 60),
        ]);
        assert!(
            v.available(&shift(SATURDAY + 11 * 60, 120)),
            "joined windows"
        );
        assert!(!v.available(&shift(SATURDAY + 13 * 60, 120)), "past 14:00");
        assert!(
            v.available(&shift(SATURDAY + 23 * 60, 120)),
            "across midnight"
        );
        assert!(
            !v.available(&shift(SATURDAY + 23 * 60, 180)),
            "past 01:00 Sunday"
        );
        assert!(
            !v.available(&shift(SATURDAY + 7 * 24 * 60 - 60, 30)),
            "Friday"
        );
    }

    #[test]
    fn minors_serve_only_with_consent_and_never_under_fourteen() {
        let s = shift(SATURDAY, 60);
        let mut v = volunteer(&[]);
        for (age, consent, ok) in [
            (13, true, false),
            (14, false, false),
            (14, true, true),
            (17, true, true),
            (18, false, true),
        ] {
            v.age = age;
            v.consent = consent;
            assert_eq!(v.old_enough(&s), ok, "{age} {consent}");
        }
        v.age = 17;
        let adults_only = Shift { min_age: 18, ..s };
        assert!(!v.old_enough(&adults_only));
    }

    #[test]
    fn fairness_is_convex_and_squads_serve_at_their_base() {
        let w = Weights::default();
        assert_eq!(w.load(360), 0.0);
        assert_eq!(w.load(420), 2.0);
        assert!(w.load(600) - w.load(540) > w.load(420) - w.load(360));
        let mut instance = Instance {
            volunteers: vec![volunteer(&[]), volunteer(&[]), volunteer(&[])],
            squads: vec![
                Place {
                    town: 1,
                    community: 1,
                },
                Place {
                    town: 1,
                    community: 2,
                },
            ],
            shifts: vec![shift(SATURDAY, 60)],
            ..Instance::default()
        };
        instance.volunteers[0].squad = Some(0);
        instance.volunteers[1].squad = Some(1);
        instance.volunteers[2].home.town = 2;
        let all: Vec<Pair> = (0..3)
            .map(|v| Pair {
                volunteer: v,
                shift: 0,
            })
            .collect();
        // The second is away from their squad's community; the third travels from another town.
        assert_eq!(w.cost(&instance, &all), 1.0 + 3.0);
    }
}
