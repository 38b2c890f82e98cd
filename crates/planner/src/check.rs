//! An independent check of a roster against the rules, written apart from the model so
//! that a mistake in one is caught by the other. It walks every minute of every shift
//! rather than reasoning about windows.

use std::collections::{BTreeMap, BTreeSet};

use crate::roster::{weekday, Instance, Pair, MINUTES_PER_DAY};

/// Every rule the roster breaks, in words; empty when it is feasible.
pub fn violations(instance: &Instance, roster: &[Pair]) -> Vec<String> {
    let mut problems = Vec::new();
    let all: Vec<Pair> = instance.fixed.iter().chain(roster).copied().collect();
    let forbidden: BTreeSet<Pair> = instance.forbidden.iter().copied().collect();
    let mut seen = BTreeSet::new();
    let mut heads = vec![0u32; instance.shifts.len()];
    let mut week_minutes: BTreeMap<(usize, i64), i64> = BTreeMap::new();
    for p in &all {
        let (Some(v), Some(s)) = (
            instance.volunteers.get(p.volunteer),
            instance.shifts.get(p.shift),
        ) else {
            problems.push(format!("{p:?}: no such volunteer or shift"));
            continue;
        };
        if !seen.insert(*p) {
            problems.push(format!("{p:?}: assigned twice"));
        }
        if roster.contains(p) && forbidden.contains(p) {
            problems.push(format!("{p:?}: declined or cancelled"));
        }
        heads[p.shift] += 1;
        if v.age < 14 || (v.age < 18 && !v.consent) || v.age < s.min_age {
            problems.push(format!(
                "{p:?}: age {} consent {} for minimum {}",
                v.age, v.consent, s.min_age
            ));
        }
        for skill in &s.skills {
            if !v.skills.contains(skill) {
                problems.push(format!("{p:?}: lacks {skill}"));
            }
        }
        for minute in s.start..s.end {
            let day = minute.div_euclid(MINUTES_PER_DAY);
            let of_day = minute.rem_euclid(MINUTES_PER_DAY);
            let free = v.availability.iter().any(|w| {
                w.weekday == weekday(day) && i64::from(w.from) <= of_day && of_day < i64::from(w.to)
            });
            if !free {
                problems.push(format!("{p:?}: not available at minute {minute}"));
                break;
            }
        }
        let monday = (s.start.div_euclid(MINUTES_PER_DAY) + 3).div_euclid(7);
        *week_minutes.entry((p.volunteer, monday)).or_insert(0) += s.end - s.start;
    }
    for (si, s) in instance.shifts.iter().enumerate() {
        if heads[si] > s.needed {
            problems.push(format!(
                "shift {si}: {} people for {} places",
                heads[si], s.needed
            ));
        }
    }
    for ((v, week), minutes) in week_minutes {
        if minutes > i64::from(instance.volunteers[v].max_minutes_per_week) {
            problems.push(format!("volunteer {v}: {minutes} minutes in week {week}"));
        }
    }
    for a in &all {
        for b in &all {
            if a.volunteer == b.volunteer && a.shift < b.shift {
                let (x, y) = (&instance.shifts[a.shift], &instance.shifts[b.shift]);
                if x.start < y.end && y.start < x.end {
                    problems.push(format!(
                        "volunteer {}: shifts {} and {} overlap",
                        a.volunteer, a.shift, b.shift
                    ));
                }
            }
        }
    }
    problems
}

/// Places left open by the fixed assignments and `roster` together.
pub fn unmet(instance: &Instance, roster: &[Pair]) -> u32 {
    let mut heads = vec![0u32; instance.shifts.len()];
    for p in instance.fixed.iter().chain(roster) {
        heads[p.shift] += 1;
    }
    instance
        .shifts
        .iter()
        .zip(heads)
        .map(|(s, h)| s.needed.saturating_sub(h))
        .sum()
}
