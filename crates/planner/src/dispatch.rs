//! Dispatch plans: how many sessions of each approved project (a menu item) every
//! community's order gets when the orders ask for more sessions than are left.
//!
//! An [`Instance`] is plain numbers, so that it can be written out as JSON and checked or
//! re-solved by any outside tool. Order `i` gets `x_i` sessions, a whole number in
//! `0..=asked_i`, and [`plan`] solves exactly (HiGHS, through good_lp):
//!
//! ```text
//! maximise   Σ_i need_weight_i · youth_per_session_i · x_i        (weighted coverage)
//! subject to Σ_{i on p} x_i ≤ sessions_left_p                      for every project p
//!            Σ_{i of c} x_i ≥ 1 − u     for every community c with sellable demand
//!            Σ_{i of c} x_i ≤ A_c − u   for every community c with A_c ≥ 1
//!            u ∈ {0, 1}
//! ```
//!
//! `A_c` is all community `c` asked for; it has *sellable demand* when one of its orders
//! asks for a project with sessions left. The last two rows are the fairness rule — no
//! community gets nothing while another gets all it asked for, unless it asked only for
//! what no one sells — written with one binary: `u = 0` gives every community with
//! sellable demand a session, `u = 1` leaves every community short of all it asked for.
//! Everything 0 with `u = 1` is always feasible, so there is always an answer.
//!
//! Rows that cannot bind are left out: a supply row where the project's orders ask for no
//! more than is left, a "short of all" row for a community that cannot get all it asked
//! for anyway (a sold-out project among its orders, say; this covers every community
//! without sellable demand, whose total is 0 < `A_c`). Every order lies in one supply row
//! and one community row, so for either value of `u` the constraint matrix is that of a
//! bipartite graph, totally unimodular: the relaxation is integral and branching on `u`
//! alone proves optimality. That is why 5,000 orders solve in a fraction of a second.

use std::collections::BTreeMap;
use std::time::Instant;

use good_lp::solvers::highs::HighsProblem;
use good_lp::{highs, variable, Expression, ProblemVariables, SolverModel, Variable};
use serde::{Deserialize, Serialize};

use crate::mip::{self, SolveError};
use crate::Options;

/// What a dispatch plan depends on. `Order::project` is a position in `projects`,
/// `Order::community` is below `communities`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub projects: Vec<Project>,
    /// How many communities there are (communities are their indices).
    pub communities: usize,
    /// In the order they were submitted: index order is first come.
    pub orders: Vec<Order>,
}

/// An approved project on the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub sessions_left: u32,
}

/// A community's order for sessions of one project.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub project: usize,
    pub community: usize,
    /// Sessions asked for, at least 1.
    pub asked: u32,
    /// Young people one session reaches.
    pub youth_per_session: u32,
    /// How much one young person of the community counts, at least 1: left-behind,
    /// in-difficulty and migrant children count more. The caller computes it.
    pub need_weight: f64,
}

impl Order {
    /// The weighted coverage of one session of this order.
    pub fn value(&self) -> f64 {
        self.need_weight * f64::from(self.youth_per_session)
    }
}

impl Instance {
    /// Sessions left of the order's project; 0 for a project that does not exist.
    fn left_for(&self, order: &Order) -> u32 {
        self.projects
            .get(order.project)
            .map_or(0, |p| p.sessions_left)
    }

    /// The first thing that makes the instance unusable, in words.
    fn invalid(&self) -> Option<String> {
        self.orders.iter().enumerate().find_map(|(i, o)| {
            if o.project >= self.projects.len() {
                Some(format!(
                    "order {i} names project {} of {}",
                    o.project,
                    self.projects.len()
                ))
            } else if o.community >= self.communities {
                Some(format!(
                    "order {i} names community {} of {}",
                    o.community, self.communities
                ))
            } else if !o.need_weight.is_finite() {
                Some(format!("order {i} has need weight {}", o.need_weight))
            } else {
                None
            }
        })
    }
}

/// What one community asked for and got, in sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityShare {
    pub asked: u32,
    pub got: u32,
}

/// A proposed dispatch plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Sessions per order, in the instance's order.
    pub allocations: Vec<u32>,
    /// The weighted coverage of `allocations` ([`coverage`]), without any tie-break.
    pub covered: f64,
    /// Young people reached, unweighted ([`youth`]).
    pub youth: u64,
    /// No fair plan covers more than this.
    pub bound: f64,
    /// `covered` is proven to be the most any fair plan covers (to HiGHS's tolerance).
    pub proven_optimal: bool,
    pub seconds: f64,
    /// Per community, in index order.
    pub communities: Vec<CommunityShare>,
}

impl Plan {
    /// `(bound − covered) / covered`, 0 when both are 0.
    pub fn gap(&self) -> f64 {
        if self.covered.abs() < 1e-9 {
            if self.bound.abs() < 1e-9 {
                0.0
            } else {
                f64::INFINITY
            }
        } else {
            ((self.bound - self.covered) / self.covered.abs()).max(0.0)
        }
    }
}

/// The fair plan that covers the most weighted young people (see the module's model).
///
/// Among plans of equal coverage the solver's choice is moved towards earlier orders: a
/// session passes from a later order to an earlier one of the same project and the same
/// per-session value whenever the fairness rule still holds. That keeps the coverage
/// exactly and so the proof. (A small bonus for early orders in the objective would not:
/// to steer HiGHS it must exceed the solver's tolerances, and then it can outweigh real
/// differences in coverage.)
///
/// Fails only if an order names a project or community that does not exist, or has a
/// need weight that is not a number, or if HiGHS finds nothing within `options.limit`.
pub fn plan(instance: &Instance, options: Options) -> Result<Plan, SolveError> {
    let began = Instant::now();
    if let Some(problem) = instance.invalid() {
        return Err(SolveError::NoAnswer(format!("invalid instance: {problem}")));
    }
    let model = Model::build(instance);
    let mut allocations = vec![0u32; instance.orders.len()];
    let (bound, proven_optimal) = if model.live.is_empty() {
        // Nothing can be allotted: the empty plan is the only one.
        (0.0, true)
    } else {
        let start = model.start(instance);
        let outcome = mip::solve(model.problem, options.limit, options.gap, Some(&start))?;
        for (k, &i) in model.live.iter().enumerate() {
            let most = instance.orders[i].asked;
            // Integral to the solver's tolerance; rounding gives the whole number.
            allocations[i] = (outcome.values[k].round().max(0.0) as u32).min(most);
        }
        // The model minimises −coverage, so −bound is the most any plan covers.
        let bound = if outcome.bound.is_finite() {
            (-outcome.bound).min(model.most)
        } else {
            model.most
        };
        (bound, outcome.proven_optimal)
    };
    prefer_earlier(instance, &mut allocations);
    debug_assert_eq!(check(instance, &allocations), Ok(()));
    let covered = coverage(instance, &allocations);
    Ok(Plan {
        covered,
        youth: youth(instance, &allocations),
        // A fair plan covering `covered` exists, so the bound is never below it.
        bound: bound.max(covered),
        proven_optimal,
        seconds: began.elapsed().as_secs_f64(),
        communities: shares(instance, &allocations),
        allocations,
    })
}

/// The model's problem and how to read its columns: first one per live order, then `u`.
struct Model {
    problem: HighsProblem,
    /// The orders with a column: those asking for a project with sessions left.
    live: Vec<usize>,
    /// The coverage of every live order getting all it can: a bound before any solve.
    most: f64,
}

impl Model {
    fn build(instance: &Instance) -> Self {
        let orders = &instance.orders;
        let live: Vec<usize> = (0..orders.len())
            .filter(|&i| orders[i].asked > 0 && instance.left_for(&orders[i]) > 0)
            .collect();
        let mut vars = ProblemVariables::new();
        let x: Vec<Variable> = live
            .iter()
            .map(|&i| {
                let most = orders[i].asked.min(instance.left_for(&orders[i]));
                vars.add(variable().integer().min(0).max(f64::from(most)))
            })
            .collect();
        let u = vars.add(variable().binary());
        let most = live
            .iter()
            .map(|&i| {
                orders[i].value() * f64::from(orders[i].asked.min(instance.left_for(&orders[i])))
            })
            .sum();
        let objective: Expression = live
            .iter()
            .zip(&x)
            .map(|(&i, &x)| -orders[i].value() * x)
            .sum();
        let mut problem = vars.minimise(objective).using(highs);

        let mut by_project: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut by_community: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (k, &i) in live.iter().enumerate() {
            by_project.entry(orders[i].project).or_default().push(k);
            by_community.entry(orders[i].community).or_default().push(k);
        }
        for (&p, ks) in &by_project {
            let left = instance.projects[p].sessions_left;
            if ks.iter().map(|&k| orders[live[k]].asked).sum::<u32>() > left {
                let sum: Expression = ks.iter().map(|&k| x[k]).sum();
                problem.add_constraint(sum.leq(f64::from(left)));
            }
        }
        let mut asked = vec![0u32; instance.communities];
        for o in orders {
            asked[o.community] += o.asked;
        }
        // Only communities with a live order: the others have no sellable demand, and
        // their "short of all" row holds whatever the plan does.
        for (&c, ks) in &by_community {
            let sum: Expression = ks.iter().map(|&k| x[k]).sum();
            problem.add_constraint((sum.clone() + u).geq(1.0));
            let reach: u32 = ks
                .iter()
                .map(|&k| {
                    let o = &orders[live[k]];
                    o.asked.min(instance.left_for(o))
                })
                .sum();
            if reach >= asked[c] {
                problem.add_constraint((sum + u).leq(f64::from(asked[c])));
            }
        }
        Self {
            problem,
            live,
            most,
        }
    }

    /// A starting point: first come if it is fair, else nothing with `u = 1`.
    fn start(&self, instance: &Instance) -> Vec<f64> {
        let by_hand = first_come(instance);
        let short_of_all = shares(instance, &by_hand)
            .iter()
            .all(|s| s.asked == 0 || s.got < s.asked);
        let (x, u): (Vec<f64>, f64) = if fair(instance, &by_hand) {
            let x = self.live.iter().map(|&i| f64::from(by_hand[i])).collect();
            (x, if short_of_all { 1.0 } else { 0.0 })
        } else {
            (vec![0.0; self.live.len()], 1.0)
        };
        x.into_iter().chain([u]).collect()
    }
}

/// Moves sessions from later to earlier orders of the same project and the same
/// per-session value while the plan stays fair, so that among equally good plans first
/// come is served first. Supply, coverage and every order's bounds are unchanged.
fn prefer_earlier(instance: &Instance, allocations: &mut [u32]) {
    let orders = &instance.orders;
    let mut standing = Standing::new(instance, allocations);
    let mut groups: BTreeMap<(usize, u64), Vec<usize>> = BTreeMap::new();
    for (i, o) in orders.iter().enumerate() {
        groups
            .entry((o.project, o.value().to_bits()))
            .or_default()
            .push(i);
    }
    for group in groups.values() {
        for (n, &i) in group.iter().enumerate() {
            // From the latest order of the group towards `i`.
            for &j in group[n + 1..].iter().rev() {
                while allocations[i] < orders[i].asked
                    && allocations[j] > 0
                    && standing.give(orders[j].community, orders[i].community)
                {
                    allocations[i] += 1;
                    allocations[j] -= 1;
                }
                if allocations[i] == orders[i].asked {
                    break;
                }
            }
        }
    }
}

/// The communities' sessions under a plan, and how many are left out (sellable demand,
/// nothing got) or served in full, kept up to date as sessions move between them.
struct Standing {
    got: Vec<u32>,
    asked: Vec<u32>,
    sellable: Vec<bool>,
    left_out: usize,
    in_full: usize,
}

impl Standing {
    fn new(instance: &Instance, allocations: &[u32]) -> Self {
        let n = instance.communities;
        let mut standing = Self {
            got: vec![0; n],
            asked: vec![0; n],
            sellable: vec![false; n],
            left_out: 0,
            in_full: 0,
        };
        for (o, &x) in instance.orders.iter().zip(allocations) {
            standing.got[o.community] += x;
            standing.asked[o.community] += o.asked;
            standing.sellable[o.community] |= o.asked > 0 && instance.left_for(o) > 0;
        }
        for c in 0..n {
            let (left_out, in_full) = standing.of(c);
            standing.left_out += left_out;
            standing.in_full += in_full;
        }
        standing
    }

    /// Whether community `c` is left out, and whether it is served in full (0 or 1 each).
    fn of(&self, c: usize) -> (usize, usize) {
        (
            usize::from(self.sellable[c] && self.got[c] == 0),
            usize::from(self.asked[c] > 0 && self.got[c] == self.asked[c]),
        )
    }

    /// Moves one session from community `from` to community `to` if the plan stays fair
    /// (`from` must have one); says whether it did.
    fn give(&mut self, from: usize, to: usize) -> bool {
        if from == to {
            return true;
        }
        let before = [self.of(from), self.of(to)];
        self.got[from] -= 1;
        self.got[to] += 1;
        let after = [self.of(from), self.of(to)];
        // Each count includes the two communities' share before the move.
        let left_out = self.left_out + after[0].0 + after[1].0 - before[0].0 - before[1].0;
        let in_full = self.in_full + after[0].1 + after[1].1 - before[0].1 - before[1].1;
        if left_out > 0 && in_full > 0 {
            self.got[from] += 1;
            self.got[to] -= 1;
            return false;
        }
        (self.left_out, self.in_full) = (left_out, in_full);
        true
    }
}

/// The reference an office reaches by hand: in order of arrival, each order gets what it
/// asked for or what its project has left, whichever is less.
pub fn first_come(instance: &Instance) -> Vec<u32> {
    let mut left: Vec<u32> = instance.projects.iter().map(|p| p.sessions_left).collect();
    instance
        .orders
        .iter()
        .map(|o| match left.get_mut(o.project) {
            Some(left) => {
                let got = o.asked.min(*left);
                *left -= got;
                got
            }
            None => 0,
        })
        .collect()
}

/// What each community asked for and got under `allocations`, in index order (orders
/// naming no community are left out).
pub fn shares(instance: &Instance, allocations: &[u32]) -> Vec<CommunityShare> {
    let mut shares = vec![CommunityShare { asked: 0, got: 0 }; instance.communities];
    for (o, &x) in instance.orders.iter().zip(allocations) {
        if let Some(s) = shares.get_mut(o.community) {
            s.asked += o.asked;
            s.got += x;
        }
    }
    shares
}

/// Weighted coverage: Σ need_weight · youth_per_session · sessions.
pub fn coverage(instance: &Instance, allocations: &[u32]) -> f64 {
    instance
        .orders
        .iter()
        .zip(allocations)
        .map(|(o, &x)| o.value() * f64::from(x))
        .sum()
}

/// Young people reached, unweighted: Σ youth_per_session · sessions.
pub fn youth(instance: &Instance, allocations: &[u32]) -> u64 {
    instance
        .orders
        .iter()
        .zip(allocations)
        .map(|(o, &x)| u64::from(o.youth_per_session) * u64::from(x))
        .sum()
}

// The checker below is written from the rules' definitions, apart from the model, so that
// a mistake in one is caught by the other.

/// Every limit `allocations` breaks, in words: its length, unknown projects or
/// communities, an order given more than it asked, a project giving more than it has left.
/// Fairness is [`fair`]'s.
pub fn limits(instance: &Instance, allocations: &[u32]) -> Vec<String> {
    let mut problems = Vec::new();
    if allocations.len() != instance.orders.len() {
        problems.push(format!(
            "{} allocations for {} orders",
            allocations.len(),
            instance.orders.len()
        ));
    }
    let mut given = vec![0u64; instance.projects.len()];
    for (i, (o, &x)) in instance.orders.iter().zip(allocations).enumerate() {
        if o.community >= instance.communities {
            problems.push(format!("order {i}: no community {}", o.community));
        }
        if x > o.asked {
            problems.push(format!("order {i}: {x} sessions of {} asked", o.asked));
        }
        match given.get_mut(o.project) {
            Some(g) => *g += u64::from(x),
            None => problems.push(format!("order {i}: no project {}", o.project)),
        }
    }
    for (p, (project, &g)) in instance.projects.iter().zip(&given).enumerate() {
        if g > u64::from(project.sessions_left) {
            problems.push(format!(
                "project {p}: {g} sessions given, {} left",
                project.sessions_left
            ));
        }
    }
    problems
}

/// The fairness rule, from its definition: it is broken when some community that asked
/// for a project with sessions left got nothing while some community got all it asked for.
pub fn fair(instance: &Instance, allocations: &[u32]) -> bool {
    unfairness(instance, allocations).is_none()
}

/// A community left with nothing and one served in full, when there are both.
fn unfairness(instance: &Instance, allocations: &[u32]) -> Option<(usize, usize)> {
    let n = instance.communities;
    let (mut got, mut asked, mut sellable) = (vec![0u64; n], vec![0u64; n], vec![false; n]);
    for (o, &x) in instance.orders.iter().zip(allocations) {
        if o.community < n {
            got[o.community] += u64::from(x);
            asked[o.community] += u64::from(o.asked);
            let left = instance
                .projects
                .get(o.project)
                .map_or(0, |p| p.sessions_left);
            if o.asked >= 1 && left > 0 {
                sellable[o.community] = true;
            }
        }
    }
    let nothing = (0..n).find(|&c| sellable[c] && got[c] == 0)?;
    let all = (0..n).find(|&c| asked[c] >= 1 && got[c] == asked[c])?;
    Some((nothing, all))
}

/// Every rule `allocations` breaks: [`limits`] and [`fair`].
pub fn check(instance: &Instance, allocations: &[u32]) -> Result<(), Vec<String>> {
    let mut problems = limits(instance, allocations);
    if let Some((nothing, all)) = unfairness(instance, allocations) {
        problems.push(format!(
            "unfair: community {nothing} got nothing of what is sellable while community {all} got all it asked for"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The figures a plan is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Weighted coverage.
    pub covered: f64,
    /// Young people reached, unweighted.
    pub youth: u64,
    pub sessions: u64,
    /// Communities that asked for something sellable and got nothing.
    pub left_out: usize,
    /// Communities that got all they asked for.
    pub served_in_full: usize,
    pub fair: bool,
}

pub fn figures(instance: &Instance, allocations: &[u32]) -> Figures {
    let shares = shares(instance, allocations);
    let mut sellable = vec![false; instance.communities];
    for o in &instance.orders {
        if o.community < instance.communities && o.asked > 0 && instance.left_for(o) > 0 {
            sellable[o.community] = true;
        }
    }
    Figures {
        covered: coverage(instance, allocations),
        youth: youth(instance, allocations),
        sessions: allocations.iter().map(|&x| u64::from(x)).sum(),
        left_out: (0..shares.len())
            .filter(|&c| sellable[c] && shares[c].got == 0)
            .count(),
        served_in_full: shares
            .iter()
            .filter(|s| s.asked > 0 && s.got == s.asked)
            .count(),
        fair: fair(instance, allocations),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::*;

    fn exact() -> Options {
        Options {
            limit: Duration::from_secs(10),
            gap: 0.0,
        }
    }

    fn order(project: usize, community: usize, asked: u32, youth: u32, weight: f64) -> Order {
        Order {
            project,
            community,
            asked,
            youth_per_session: youth,
            need_weight: weight,
        }
    }

    fn instance(left: &[u32], communities: usize, orders: Vec<Order>) -> Instance {
        Instance {
            projects: left
                .iter()
                .map(|&sessions_left| Project { sessions_left })
                .collect(),
            communities,
            orders,
        }
    }

    fn assert_plan(instance: &Instance, allocations: &[u32], covered: f64) {
        let plan = plan(instance, exact()).unwrap();
        assert_eq!(plan.allocations, allocations);
        assert!((plan.covered - covered).abs() < 1e-9, "{}", plan.covered);
        assert!(plan.proven_optimal);
        assert!((plan.bound - covered).abs() < 1e-6, "{}", plan.bound);
        assert_eq!(check(instance, &plan.allocations), Ok(()));
    }

    #[test]
    fn fairness_splits_what_coverage_alone_gives_one_community() {
        // Coverage alone gives all 3 sessions to the larger groups of community 0 (90);
        // community 1 would get nothing while 0 gets all it asked for.
        let instance = instance(
            &[3],
            2,
            vec![order(0, 0, 3, 30, 1.0), order(0, 1, 3, 10, 1.0)],
        );
        assert!(!fair(&instance, &[3, 0]));
        assert_plan(&instance, &[2, 1], 70.0);
        let plan = plan(&instance, exact()).unwrap();
        assert_eq!(plan.youth, 70);
        assert_eq!(
            plan.communities,
            [
                CommunityShare { asked: 3, got: 2 },
                CommunityShare { asked: 3, got: 1 }
            ]
        );
        // First come gives the same unfair answer as coverage alone.
        assert_eq!(first_come(&instance), [3, 0]);
    }

    #[test]
    fn a_community_asking_only_for_a_sold_out_project_is_owed_nothing() {
        let instance = instance(
            &[0, 3],
            3,
            vec![order(0, 0, 2, 40, 2.0), order(1, 1, 3, 20, 1.0)],
        );
        // Community 0 gets nothing and community 1 all it asked: fair all the same.
        assert_plan(&instance, &[0, 3], 60.0);
        assert_eq!(first_come(&instance), [0, 3]);
        assert!(fair(&instance, &[0, 3]));
        // A community that asked for something sellable is owed a session, though.
        let mut also = instance.clone();
        also.orders.push(order(1, 2, 1, 10, 1.0));
        assert_plan(&also, &[0, 2, 1], 50.0);
    }

    #[test]
    fn a_needier_community_wins_the_session_it_would_lose_by_arriving_later() {
        let instance = instance(
            &[3],
            2,
            vec![order(0, 0, 2, 20, 1.0), order(0, 1, 2, 20, 1.5)],
        );
        assert_eq!(first_come(&instance), [2, 1]);
        assert!((coverage(&instance, &[2, 1]) - 70.0).abs() < 1e-9);
        assert_plan(&instance, &[1, 2], 80.0);
    }

    #[test]
    fn ties_go_to_the_earlier_order() {
        let instance = instance(
            &[3, 4],
            3,
            vec![
                order(0, 0, 2, 20, 1.0),
                order(0, 1, 2, 20, 1.0),
                // Same value per session, one community: the earlier order is filled first.
                order(1, 2, 3, 10, 1.0),
                order(1, 2, 3, 10, 1.0),
            ],
        );
        assert_plan(&instance, &[2, 1, 3, 1], 100.0);
        // But never at the price of fairness: [2, 0] would leave community 1 out.
        let split = self::instance(
            &[2],
            2,
            vec![order(0, 0, 2, 20, 1.0), order(0, 1, 2, 20, 1.0)],
        );
        assert_plan(&split, &[1, 1], 40.0);

        // Whatever the solver's choice among equals, the tie-break moves it.
        let mut later = vec![1, 2, 1, 3];
        prefer_earlier(&instance, &mut later);
        assert_eq!(later, [2, 1, 3, 1]);
        let mut blocked = vec![1, 1];
        prefer_earlier(&split, &mut blocked);
        assert_eq!(blocked, [1, 1]);
        // Only between equal values: 1.5 × 20 per session is not 1 × 20.
        let unequal = self::instance(
            &[3],
            2,
            vec![order(0, 0, 2, 20, 1.0), order(0, 1, 2, 20, 1.5)],
        );
        let mut kept = vec![1, 2];
        prefer_earlier(&unequal, &mut kept);
        assert_eq!(kept, [1, 2]);
    }

    #[test]
    fn an_empty_instance_has_an_empty_proven_plan() {
        let plan = plan(&Instance::default(), exact()).unwrap();
        assert!(plan.allocations.is_empty() && plan.communities.is_empty());
        assert!(plan.proven_optimal);
        assert_eq!((plan.covered, plan.bound, plan.gap()), (0.0, 0.0, 0.0));
        // Nothing sellable: nothing to solve either.
        let sold_out = instance(&[0], 1, vec![order(0, 0, 2, 10, 1.0)]);
        assert_plan(&sold_out, &[0], 0.0);
    }

    #[test]
    fn invalid_instances_are_refused() {
        let bad = instance(&[1], 1, vec![order(1, 0, 1, 10, 1.0)]);
        assert!(plan(&bad, exact()).is_err());
        let bad = instance(&[1], 1, vec![order(0, 1, 1, 10, 1.0)]);
        assert!(plan(&bad, exact()).is_err());
        assert!(check(&bad, &[0]).is_err());
        let bad = instance(&[1], 1, vec![order(0, 0, 1, 10, f64::NAN)]);
        assert!(plan(&bad, exact()).is_err());
    }

    #[test]
    fn the_checker_refuses_what_breaks_a_rule() {
        let instance = instance(
            &[3, 2],
            3,
            vec![
                order(0, 0, 3, 10, 1.0),
                order(0, 1, 2, 10, 1.0),
                order(1, 2, 1, 10, 1.0),
            ],
        );
        assert_eq!(check(&instance, &[2, 1, 1]), Ok(()));
        // Over the supply of project 0.
        assert_eq!(check(&instance, &[2, 2, 1]).unwrap_err().len(), 1);
        // Over what order 2 asked (project 1 has 2 left).
        assert_eq!(check(&instance, &[1, 1, 2]).unwrap_err().len(), 1);
        // Community 1 gets nothing while community 0 gets all it asked.
        let problems = check(&instance, &[3, 0, 0]).unwrap_err();
        assert!(problems[0].starts_with("unfair"), "{problems:?}");
        assert!(!fair(&instance, &[3, 0, 0]));
        // Too few allocations.
        assert!(check(&instance, &[1, 1]).is_err());
        let f = figures(&instance, &[3, 0, 0]);
        assert_eq!((f.left_out, f.served_in_full, f.fair), (2, 1, false));
    }

    #[test]
    fn generated_plans_are_fair_proven_and_beat_first_come() {
        use crate::dispatch_generate::{self, Shape};
        for seed in 1..=3 {
            let instance = dispatch_generate::instance(Shape {
                orders: 600,
                projects: 30,
                communities: 60,
                seed,
            });
            let plan = plan(&instance, exact()).unwrap();
            assert_eq!(check(&instance, &plan.allocations), Ok(()), "seed {seed}");
            assert!(plan.proven_optimal, "seed {seed}");
            assert!(plan.gap() < 1e-6, "seed {seed}");
            let by_hand = first_come(&instance);
            assert!(limits(&instance, &by_hand).is_empty());
            // Every fair plan is a candidate, first come's included when it is fair.
            if fair(&instance, &by_hand) {
                assert!(plan.covered >= coverage(&instance, &by_hand) - 1e-6);
            }
            let f = figures(&instance, &plan.allocations);
            assert_eq!(f.youth, plan.youth);
            assert_eq!(
                f.sessions,
                plan.communities
                    .iter()
                    .map(|s| u64::from(s.got))
                    .sum::<u64>()
            );
        }
    }

    /// The best fair coverage by trying every allocation.
    fn brute_force(instance: &Instance) -> f64 {
        let mut best = 0.0f64;
        let mut x = vec![0u32; instance.orders.len()];
        loop {
            if check(instance, &x).is_ok() {
                best = best.max(coverage(instance, &x));
            }
            // The next allocation, as an odometer over 0..=asked.
            let Some(i) = (0..x.len()).find(|&i| x[i] < instance.orders[i].asked) else {
                return best;
            };
            x[i] += 1;
            x[..i].fill(0);
        }
    }

    fn small() -> impl Strategy<Value = Instance> {
        (1usize..=3, 1usize..=4).prop_flat_map(|(projects, communities)| {
            let order = (
                0..projects,
                0..communities,
                1u32..=3,
                1u32..=4,
                prop_oneof![Just(1.0), 1.0f64..2.0],
            )
                .prop_map(|(p, c, asked, youth, w)| order(p, c, asked, youth, w));
            (
                proptest::collection::vec(0u32..=4, projects),
                proptest::collection::vec(order, 0..=6),
            )
                .prop_map(move |(left, orders)| instance(&left, communities, orders))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn plans_are_fair_optimal_and_no_worse_than_a_fair_first_come(instance in small()) {
            let plan = plan(&instance, exact()).unwrap();
            prop_assert_eq!(check(&instance, &plan.allocations), Ok(()));
            prop_assert!(plan.proven_optimal);
            let best = brute_force(&instance);
            prop_assert!((plan.covered - best).abs() < 1e-6, "{} against {}", plan.covered, best);
            prop_assert!(plan.bound >= plan.covered && plan.bound <= best + 1e-6);
            prop_assert_eq!(plan.covered, coverage(&instance, &plan.allocations));
            let by_hand = first_come(&instance);
            prop_assert!(limits(&instance, &by_hand).is_empty());
            if fair(&instance, &by_hand) {
                prop_assert!(plan.covered >= coverage(&instance, &by_hand) - 1e-6);
            }
        }
    }
}
