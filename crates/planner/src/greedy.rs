//! The reference an office reaches by hand: shift by shift in time order, the first
//! volunteers on the list who fit, until the shift is full.

use std::collections::BTreeMap;

use crate::roster::{Candidates, Instance, Pair};

/// A first-come roster over `instance` (the fixed assignments stand beside it).
pub fn first_come(instance: &Instance) -> Vec<Pair> {
    fill(instance, &instance.candidates())
}

pub(crate) fn fill(instance: &Instance, candidates: &Candidates) -> Vec<Pair> {
    let mut taken: Vec<Vec<usize>> = vec![Vec::new(); instance.volunteers.len()];
    let mut week_minutes: Vec<BTreeMap<i64, u32>> = candidates.fixed_minutes.clone();
    for p in &instance.fixed {
        taken[p.volunteer].push(p.shift);
    }
    let mut by_shift: BTreeMap<(i64, usize), Vec<Pair>> = BTreeMap::new();
    for p in &candidates.pairs {
        let s = &instance.shifts[p.shift];
        by_shift.entry((s.start, p.shift)).or_default().push(*p);
    }
    let mut roster = Vec::new();
    for ((_, si), pairs) in by_shift {
        let shift = &instance.shifts[si];
        let mut open = candidates.open[si];
        for p in pairs {
            if open == 0 {
                break;
            }
            let v = p.volunteer;
            let week = week_minutes[v].entry(shift.week()).or_insert(0);
            let fits = *week + shift.minutes() <= instance.volunteers[v].max_minutes_per_week
                && !taken[v].iter().any(|&t| instance.shifts[t].overlaps(shift));
            if fits {
                *week += shift.minutes();
                taken[v].push(si);
                roster.push(p);
                open -= 1;
            }
        }
    }
    roster
}
