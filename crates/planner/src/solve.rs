//! The roster's model and its two solves (see [`crate::roster`] for the rules).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use good_lp::solvers::highs::HighsProblem;
use good_lp::{highs, variable, Expression, ProblemVariables, SolverModel, Variable};
use serde::{Deserialize, Serialize};

use crate::mip::{self, SolveError};
use crate::roster::{Candidates, Instance, Pair, Weights};

/// How long the solver may take and how close to the bound the cost must come.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub limit: Duration,
    /// The relative gap at which the second solve may stop; 0 asks for a proof.
    pub gap: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            limit: Duration::from_secs(10),
            gap: 1e-4,
        }
    }
}

/// A proposed roster: the new assignments (the fixed ones stand beside them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roster {
    pub assignments: Vec<Pair>,
    /// Places left open, summed over the shifts.
    pub unmet: u32,
    /// The least unmet demand any roster could reach, as proven (equal to `unmet` when
    /// `coverage_proven`).
    pub unmet_bound: u32,
    pub coverage_proven: bool,
    /// [`Weights::cost`] of all assignments, fixed ones included.
    pub objective: f64,
    /// No roster with this coverage costs less than this.
    pub bound: f64,
    /// Both solves proven optimal (cost to HiGHS's tolerance).
    pub proven_optimal: bool,
    pub seconds: f64,
}

impl Roster {
    /// `(objective − bound) / objective`, 0 when both are 0.
    pub fn gap(&self) -> f64 {
        if self.objective.abs() < 1e-9 {
            0.0
        } else {
            ((self.objective - self.bound) / self.objective.abs()).max(0.0)
        }
    }
}

/// The roster that covers the most places, and of those the cheapest.
pub fn solve(
    instance: &Instance,
    weights: &Weights,
    options: Options,
) -> Result<Roster, SolveError> {
    let began = Instant::now();
    let candidates = instance.candidates();
    let open: u32 = candidates.open.iter().sum();
    if candidates.pairs.is_empty() {
        return Ok(Roster {
            assignments: Vec::new(),
            unmet: open,
            unmet_bound: open,
            coverage_proven: true,
            objective: weights.cost(instance, &instance.fixed),
            bound: weights.cost(instance, &instance.fixed),
            proven_optimal: true,
            seconds: began.elapsed().as_secs_f64(),
        });
    }
    let start = crate::greedy::fill(instance, &candidates);
    let model = Model::build(instance, &candidates, weights, Phase::Cover, false);
    let start_values = model.values_of(&candidates, &start);
    let cover = mip::solve(model.problem, options.limit, 0.0, Some(&start_values))?;
    let covered = chosen(&model.x, &candidates, &cover.values);
    let unmet = open - covered.len() as u32;
    // The first solve minimises −covered, so −bound is the most any roster can cover.
    let most = (-cover.bound + 1e-6).floor().max(0.0) as u32;
    let unmet_bound = open.saturating_sub(most).min(unmet);

    let left = options.limit.saturating_sub(began.elapsed());
    let model = Model::build(
        instance,
        &candidates,
        weights,
        Phase::Cost(covered.len()),
        false,
    );
    let start_values = model.values_of(&candidates, &covered);
    let cost = mip::solve(model.problem, left, options.gap, Some(&start_values))?;
    let assignments = chosen(&model.x, &candidates, &cost.values);
    let all: Vec<Pair> = instance.fixed.iter().chain(&assignments).copied().collect();
    Ok(Roster {
        unmet: open - assignments.len() as u32,
        unmet_bound,
        coverage_proven: cover.proven_optimal,
        objective: weights.cost(instance, &all),
        bound: cost.bound + model.constant,
        proven_optimal: cover.proven_optimal && cost.proven_optimal,
        seconds: began.elapsed().as_secs_f64(),
        assignments,
    })
}

/// After `cancelled` assignments of `previous` fall away: every other assignment of
/// `previous` stays as it is (churn is bounded by the cancellations), the cancelled pairs
/// are never proposed again, and the places they leave are filled as [`solve`] would.
/// The answer's `assignments` are only the new ones.
pub fn reroster(
    instance: &Instance,
    previous: &[Pair],
    cancelled: &[Pair],
    weights: &Weights,
    options: Options,
) -> Result<Roster, SolveError> {
    let cancelled: BTreeSet<&Pair> = cancelled.iter().collect();
    let mut after = instance.clone();
    after
        .fixed
        .extend(previous.iter().filter(|p| !cancelled.contains(p)));
    after.forbidden.extend(cancelled.iter().copied());
    solve(&after, weights, options)
}

/// The bounds of the linear relaxation: the fewest places any fractional roster leaves
/// open, and the least cost of a fractional roster covering `covered` places.
pub fn lp_bounds(
    instance: &Instance,
    weights: &Weights,
    covered: usize,
) -> Result<(f64, f64), SolveError> {
    let candidates = instance.candidates();
    let open: u32 = candidates.open.iter().sum();
    if candidates.pairs.is_empty() {
        return Ok((f64::from(open), weights.cost(instance, &instance.fixed)));
    }
    let limit = Duration::from_secs(60);
    let model = Model::build(instance, &candidates, weights, Phase::Cover, true);
    let cover = mip::solve(model.problem, limit, 0.0, None)?;
    let model = Model::build(instance, &candidates, weights, Phase::Cost(covered), true);
    let constant = model.constant;
    let cost = mip::solve(model.problem, limit, 0.0, None)?;
    Ok((f64::from(open) + cover.objective, cost.objective + constant))
}

fn chosen(x: &[Variable], candidates: &Candidates, values: &[f64]) -> Vec<Pair> {
    (0..x.len())
        .filter(|&k| values[k] > 0.5)
        .map(|k| candidates.pairs[k])
        .collect()
}

#[derive(Clone, Copy)]
enum Phase {
    /// Cover as many places as possible.
    Cover,
    /// Cover this many places at the least cost.
    Cost(usize),
}

/// A model's problem and how to read its columns. Columns come in the order variables
/// are made: first `x`, one per candidate pair, then the cost variables.
struct Model {
    problem: HighsProblem,
    x: Vec<Variable>,
    /// The cost of what no variable decides (fixed assignments).
    constant: f64,
    /// For a start: each fairness variable's fixed minutes, candidates (indices into `x`)
    /// and threshold.
    excess: Vec<(u32, Vec<usize>, u32)>,
    minutes: Vec<u32>,
    /// Open places of the shifts with an unmet-places variable, in its order.
    open: BTreeMap<usize, f64>,
}

impl Model {
    fn build(
        instance: &Instance,
        candidates: &Candidates,
        weights: &Weights,
        phase: Phase,
        relax: bool,
    ) -> Self {
        let pairs = &candidates.pairs;
        let minutes: Vec<u32> = pairs
            .iter()
            .map(|p| instance.shifts[p.shift].minutes())
            .collect();
        let mut vars = ProblemVariables::new();
        let x: Vec<Variable> = pairs
            .iter()
            .map(|_| {
                vars.add(if relax {
                    variable().min(0).max(1)
                } else {
                    variable().binary()
                })
            })
            .collect();

        let mut by_volunteer: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut by_shift: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (k, p) in pairs.iter().enumerate() {
            by_volunteer.entry(p.volunteer).or_default().push(k);
            by_shift.entry(p.shift).or_default().push(k);
        }

        let mut constant = 0.0;
        let mut excess = Vec::new();
        let mut cost_rows: Vec<(Expression, f64)> = Vec::new();
        let objective: Expression = match phase {
            Phase::Cover => x.iter().map(|&v| -1.0 * v).sum(),
            Phase::Cost(_) => {
                let mut total: Expression = pairs
                    .iter()
                    .zip(&x)
                    .map(|(&p, &x)| weights.assignment(instance, p) * x)
                    .sum();
                // Fairness: each step's excess over its threshold, for whoever could pass it.
                let fixed_total: Vec<u32> = candidates
                    .fixed_minutes
                    .iter()
                    .map(|weeks| weeks.values().sum())
                    .collect();
                for (v, mine) in &by_volunteer {
                    let fixed = fixed_total[*v];
                    let most = fixed + mine.iter().map(|&k| minutes[k]).sum::<u32>();
                    for step in weights.fairness.iter().filter(|s| most > s.minutes) {
                        let e = vars.add(variable().min(0));
                        total += step.per_hour / 60.0 * e;
                        let load: Expression =
                            mine.iter().map(|&k| f64::from(minutes[k]) * x[k]).sum();
                        // e ≥ fixed + load − threshold
                        cost_rows.push((load - e, f64::from(step.minutes) - f64::from(fixed)));
                        excess.push((fixed, mine.clone(), step.minutes));
                    }
                }
                // Fixed assignments' own costs, and the fairness of those no new
                // assignment reaches, whatever the roster does.
                constant = instance
                    .fixed
                    .iter()
                    .map(|&p| weights.assignment(instance, p))
                    .sum::<f64>()
                    + fixed_total
                        .iter()
                        .enumerate()
                        .filter(|(v, _)| !by_volunteer.contains_key(v))
                        .map(|(_, &m)| weights.load(m))
                        .sum::<f64>();
                total
            }
        };

        // Held coverage: places left open per shift, summed in one short row (a row over
        // every candidate instead slows the solver's cuts down by orders of magnitude).
        let unmet: Vec<Variable> = match phase {
            Phase::Cover => Vec::new(),
            Phase::Cost(_) => by_shift
                .keys()
                .map(|_| vars.add(variable().min(0)))
                .collect(),
        };
        let mut problem = vars.minimise(objective).using(highs);
        for (row, rhs) in cost_rows {
            problem.add_constraint(row.leq(rhs));
        }
        for (n, (&s, ks)) in by_shift.iter().enumerate() {
            let open = f64::from(candidates.open[s]);
            let sum: Expression = ks.iter().map(|&k| x[k]).sum();
            if let Some(&u) = unmet.get(n) {
                problem.add_constraint((sum + u).eq(open));
            } else if ks.len() as f64 > open {
                problem.add_constraint(sum.leq(open));
            }
        }
        if let Phase::Cost(covered) = phase {
            let open: u32 = by_shift.keys().map(|&s| candidates.open[s]).sum();
            let left: Expression = unmet.iter().copied().sum();
            problem.add_constraint(left.leq(f64::from(open) - covered as f64));
        }
        for (&v, ks) in &by_volunteer {
            let volunteer = &instance.volunteers[v];
            // Minutes per week, beside what fixed assignments already take.
            let mut weeks: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
            for &k in ks {
                weeks
                    .entry(instance.shifts[pairs[k].shift].week())
                    .or_default()
                    .push(k);
            }
            for (week, in_week) in weeks {
                let taken = candidates.fixed_minutes[v].get(&week).copied().unwrap_or(0);
                let room = volunteer.max_minutes_per_week - taken;
                if in_week.iter().map(|&k| minutes[k]).sum::<u32>() > room {
                    let load: Expression =
                        in_week.iter().map(|&k| f64::from(minutes[k]) * x[k]).sum();
                    problem.add_constraint(load.leq(f64::from(room)));
                }
            }
            // One shift at a time: a row per largest set of shifts that share a moment.
            for clique in overlapping(instance, pairs, ks) {
                let sum: Expression = clique.iter().map(|&k| x[k]).sum();
                problem.add_constraint(sum.leq(1.0));
            }
        }
        let open = match phase {
            Phase::Cover => BTreeMap::new(),
            Phase::Cost(_) => by_shift
                .keys()
                .map(|&s| (s, f64::from(candidates.open[s])))
                .collect(),
        };
        Self {
            problem,
            x,
            constant,
            excess,
            minutes,
            open,
        }
    }

    /// A starting point for the solver: `chosen` assigned, the cost variables to match.
    fn values_of(&self, candidates: &Candidates, chosen: &[Pair]) -> Vec<f64> {
        let chosen: BTreeSet<&Pair> = chosen.iter().collect();
        let x: Vec<f64> = candidates
            .pairs
            .iter()
            .map(|p| if chosen.contains(p) { 1.0 } else { 0.0 })
            .collect();
        let excess = self.excess.iter().map(|(fixed, mine, threshold)| {
            let load = *fixed
                + mine
                    .iter()
                    .filter(|&&k| x[k] > 0.5)
                    .map(|&k| self.minutes[k])
                    .sum::<u32>();
            f64::from(load.saturating_sub(*threshold))
        });
        let mut per_shift = self.open.clone();
        for (k, p) in candidates.pairs.iter().enumerate() {
            if x[k] > 0.5 {
                per_shift.entry(p.shift).and_modify(|o| *o -= 1.0);
            }
        }
        let unmet = per_shift.into_values();
        let rest: Vec<f64> = excess.chain(unmet).collect();
        x.into_iter().chain(rest).collect()
    }
}

/// The largest sets of a volunteer's candidate shifts that all share a moment: in an
/// interval graph these are the sets of shifts running at some shift's start, taken
/// where the next start no longer lies in all of them.
fn overlapping(instance: &Instance, pairs: &[Pair], ks: &[usize]) -> Vec<Vec<usize>> {
    let shift = |k: usize| &instance.shifts[pairs[k].shift];
    let mut sorted = ks.to_vec();
    sorted.sort_by_key(|&k| (shift(k).start, shift(k).end));
    let mut cliques = Vec::new();
    for (i, &k) in sorted.iter().enumerate() {
        let at = shift(k).start;
        let running: Vec<usize> = sorted[..=i]
            .iter()
            .copied()
            .filter(|&j| shift(j).end > at)
            .collect();
        let next_start = sorted.get(i + 1).map(|&n| shift(n).start);
        let ends = running.iter().map(|&j| shift(j).end).min().unwrap_or(at);
        let maximal = next_start.is_none_or(|n| ends <= n);
        if running.len() >= 2 && maximal {
            cliques.push(running);
        }
    }
    cliques
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::check;
    use crate::generate::{self, Shape};
    use crate::roster::{Place, Shift, Volunteer, Window, MINUTES_PER_DAY};

    /// 2026-12-05, a Saturday.
    const SATURDAY: i64 = 20_792;

    /// A tiny instance with every kind of conflict: overlapping shifts, short weekly
    /// minutes, skills, minors, squads and two towns.
    fn tiny(seed: u64) -> Instance {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let place = |c: u32| Place {
            town: c / 2,
            community: c,
        };
        let volunteers = (0..4)
            .map(|_| Volunteer {
                age: [13, 15, 20, 40][rng.gen_range(0..4)],
                consent: rng.gen_bool(0.5),
                skills: if rng.gen_bool(0.5) {
                    vec!["first_aid".into()]
                } else {
                    vec![]
                },
                availability: vec![Window {
                    weekday: 6,
                    from: 9 * 60,
                    to: rng.gen_range(10..=12) * 60,
                }],
                home: place(rng.gen_range(0..4)),
                squad: Some(rng.gen_range(0..2)),
                max_minutes_per_week: [40, 60, 120][rng.gen_range(0..3)],
            })
            .collect();
        let shifts = (0..4)
            .map(|_| {
                let start = SATURDAY * MINUTES_PER_DAY + 9 * 60 + 30 * rng.gen_range(0..4);
                Shift {
                    start,
                    end: start + [30, 60][rng.gen_range(0..2)],
                    site: place(rng.gen_range(0..4)),
                    needed: rng.gen_range(1..=2),
                    skills: if rng.gen_bool(0.3) {
                        vec!["first_aid".into()]
                    } else {
                        vec![]
                    },
                    min_age: [14, 18][rng.gen_range(0..2)],
                }
            })
            .collect();
        let mut instance = Instance {
            volunteers,
            squads: vec![place(0), place(3)],
            shifts,
            ..Instance::default()
        };
        if rng.gen_bool(0.5) {
            instance.forbidden.push(Pair {
                volunteer: 2,
                shift: 1,
            });
        }
        instance
    }

    /// The best roster by trying every subset of pairs: fewest unmet, then least cost.
    fn brute_force(instance: &Instance, weights: &Weights) -> (u32, f64) {
        let pairs: Vec<Pair> = (0..instance.volunteers.len())
            .flat_map(|volunteer| {
                (0..instance.shifts.len()).map(move |shift| Pair { volunteer, shift })
            })
            .collect();
        let mut best = (u32::MAX, f64::INFINITY);
        for mask in 0u32..(1 << pairs.len()) {
            let roster: Vec<Pair> = (0..pairs.len())
                .filter(|i| mask >> i & 1 == 1)
                .map(|i| pairs[i])
                .collect();
            let unmet = check::unmet(instance, &roster);
            if unmet > best.0 || !check::violations(instance, &roster).is_empty() {
                continue;
            }
            let cost = weights.cost(instance, &roster);
            if unmet < best.0 || cost < best.1 {
                best = (unmet, cost);
            }
        }
        best
    }

    #[test]
    fn tiny_rosters_match_brute_force() {
        // Cheap steps so that fairness matters at these few minutes.
        let weights = Weights {
            fairness: vec![crate::roster::Step {
                minutes: 30,
                per_hour: 6.0,
            }],
            ..Weights::default()
        };
        for seed in 0..24 {
            let instance = tiny(seed);
            let roster = solve(&instance, &weights, Options::default()).unwrap();
            assert_eq!(
                check::violations(&instance, &roster.assignments),
                Vec::<String>::new(),
                "seed {seed}"
            );
            let (unmet, cost) = brute_force(&instance, &weights);
            assert!(roster.proven_optimal, "seed {seed}");
            assert_eq!(roster.unmet, unmet, "seed {seed}");
            assert_eq!(roster.unmet_bound, unmet, "seed {seed}");
            assert!(
                (roster.objective - cost).abs() < 1e-6,
                "seed {seed}: {} against {cost}",
                roster.objective
            );
            assert!((roster.bound - cost).abs() < 1e-6, "seed {seed}");
        }
    }

    fn medium() -> Instance {
        let shape = Shape {
            volunteers: 300,
            squads: 20,
            teams: 4,
            shifts: 24,
            towns: 3,
            communities_per_town: 4,
            seed: 7,
        };
        generate::instance(shape, SATURDAY)
    }

    #[test]
    fn generated_rosters_are_feasible_and_beat_first_come() {
        let instance = medium();
        let weights = Weights::default();
        let roster = solve(&instance, &weights, Options::default()).unwrap();
        assert_eq!(
            check::violations(&instance, &roster.assignments),
            Vec::<String>::new()
        );
        assert_eq!(check::unmet(&instance, &roster.assignments), roster.unmet);
        assert!(roster.coverage_proven);
        assert!((weights.cost(&instance, &roster.assignments) - roster.objective).abs() < 1e-6);
        assert!(roster.bound <= roster.objective + 1e-6);

        let greedy = crate::greedy::first_come(&instance);
        assert_eq!(check::violations(&instance, &greedy), Vec::<String>::new());
        assert!(check::unmet(&instance, &greedy) >= roster.unmet);

        let (unmet_lp, cost_lp) = lp_bounds(&instance, &weights, roster.assignments.len()).unwrap();
        assert!(unmet_lp <= f64::from(roster.unmet) + 1e-6);
        assert!(cost_lp <= roster.objective + 1e-6);
    }

    #[test]
    fn rerostering_keeps_what_it_can_and_never_repeats_a_cancellation() {
        let instance = medium();
        let weights = Weights::default();
        let first = solve(&instance, &weights, Options::default()).unwrap();
        let cancelled: Vec<Pair> = first.assignments.iter().step_by(10).copied().collect();
        let again = reroster(
            &instance,
            &first.assignments,
            &cancelled,
            &weights,
            Options::default(),
        )
        .unwrap();
        let mut after = instance.clone();
        after.forbidden.extend(&cancelled);
        let kept: Vec<Pair> = first
            .assignments
            .iter()
            .filter(|p| !cancelled.contains(p))
            .copied()
            .collect();
        let all: Vec<Pair> = kept.iter().chain(&again.assignments).copied().collect();
        assert_eq!(check::violations(&after, &all), Vec::<String>::new());
        assert!(again.assignments.len() <= cancelled.len());
        assert!(again.assignments.iter().all(|p| !cancelled.contains(p)));
        assert!(again.unmet >= first.unmet);
    }

    #[test]
    fn fixed_assignments_count_and_stand() {
        let mut instance = medium();
        instance.fixed = vec![
            Pair {
                volunteer: 0,
                shift: 0,
            },
            Pair {
                volunteer: 1,
                shift: 0,
            },
        ];
        // Whatever the rules say of them, fixed ones are not the roster's to move.
        let roster = solve(&instance, &Weights::default(), Options::default()).unwrap();
        assert!(roster
            .assignments
            .iter()
            .all(|p| !instance.fixed.contains(p)));
        let heads = roster.assignments.iter().filter(|p| p.shift == 0).count() + 2;
        assert!(heads as u32 <= instance.shifts[0].needed.max(2));
    }
}
