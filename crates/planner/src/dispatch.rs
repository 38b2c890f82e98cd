//! Dispatch plans: how many sessions of each approved project (a menu item) every
//! community's order gets when the orders ask for more sessions than are left.
//!
//! An [`Instance`] is plain numbers, so that it can be written out as JSON and checked or
//! re-solved by any outside tool. Order `i` gets `x_i` sessions, a whole number in
//! `0..=asked_i`. A community *is served* when it gets at least one session; it has
//! *sellable demand* when one of its orders asks for a project with sessions left. [`plan`]
//! is lexicographic, in two exact solves (HiGHS, through good_lp), as the roster's:
//!
//! ```text
//! 1. maximise  S = Σ_c y_c                       (communities with sellable demand served)
//! 2. maximise  Σ_i need_weight_i · youth_per_session_i · x_i         (weighted coverage)
//!    with      Σ_c y_c ≥ S*  (S* the first solve's answer, which starts the second)
//!
//! both subject to
//!    Σ_{i on p} x_i ≤ sessions_left_p                      for every project p
//!    y_c ≤ Σ_{i of c} x_i,   0 ≤ y_c ≤ 1        for every community c with sellable demand
//!    Σ_{i of c} x_i ≥ 1 − u                    for every community c with sellable demand
//!    Σ_{i of c} x_i ≤ A_c − u                  for every community c with A_c ≥ 1
//!    x_i ∈ {0, …, min(asked_i, sessions_left_i)},   u ∈ {0, 1}
//! ```
//!
//! `A_c` is all community `c` asked for. The last two rows are the fairness rule — no
//! community gets nothing while another gets all it asked for, unless it asked only for
//! what no one sells — written with one binary: `u = 0` gives every community with
//! sellable demand a session, `u = 1` leaves every community short of all it asked for.
//! Everything 0 with `u = 1` is always feasible, so there is always an answer. Without the
//! first solve the best coverage often takes `u = 1` and leaves many communities with
//! nothing (communities that asked for one session cannot get it then); the first solve
//! makes "every community gets something whenever that is possible" come first.
//!
//! `y_c` need not be declared whole: for whole `x`, `Σ_c y_c ≤ Σ_c min(1, Σ_{i of c} x_i)`,
//! the number of communities served, with equality at the first solve's optimum, so the
//! first solve's optimum is a count and the second's row holds exactly when at least `S*`
//! communities are served. A weighted single objective (`M · S + coverage`) would need
//! `M` above the whole coverage (hundreds of thousands), far past HiGHS's tolerances,
//! hence two solves: `proven_optimal` holds only when both are proven.
//!
//! Rows that cannot bind are left out: a supply row where the project's orders ask for no
//! more than is left, a "short of all" row for a community that cannot get all it asked
//! for anyway (a sold-out project among its orders, say; this covers every community
//! without sellable demand, whose total is 0 < `A_c`).
//!
//! Why it is fast: for a fixed `u` both problems are network flows, so their linear
//! relaxations are integral and branching on `u` alone proves optimality. Write
//! `z_c = Σ_{i of c} x_i` (a column of its own, which changes no feasible set): with `u`
//! fixed the fairness rows are bounds on `z_c`, and every other column has one `+1` and
//! one `−1` in the rows `z_c − Σ_{i of c} x_i = 0` (node `c`), `Σ_{i on p} x_i ≤ left_p`
//! (node `p`), `y_c − z_c ≤ 0` and `−Σ_c y_c ≤ −S*` (one node for all served
//! communities), each row a node: `x_i` is an arc between `c` and `p`, `z_c` one between
//! `c` and `y_c`'s row, `y_c` one between that row and the "served" node. The matrix is a
//! directed graph's incidence matrix, totally unimodular, and the bounds are whole. (The first stage is in effect a bipartite matching of communities to
//! projects with the sessions left as capacities.) 5,000 orders take a fraction of a
//! second for both solves.

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
    /// No fair plan serving `served` communities covers more than this.
    pub bound: f64,
    /// Both solves proven optimal: `served` is the most communities with sellable demand
    /// any fair plan serves, and `covered` the most any fair plan serving that many covers
    /// (to HiGHS's tolerance).
    pub proven_optimal: bool,
    pub seconds: f64,
    /// Per community, in index order.
    pub communities: Vec<CommunityShare>,
    /// Communities with sellable demand that get at least one session.
    #[serde(default)]
    pub served: usize,
    /// No fair plan serves more communities with sellable demand than this (equal to
    /// `served` when the first solve is proven).
    #[serde(default)]
    pub served_bound: usize,
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

/// The fair plan that serves the most communities with sellable demand and, of those,
/// covers the most weighted young people (see the module's model). The first solve is
/// always asked for a proof; `options.gap` is for the second.
///
/// Among plans of equal coverage serving as many communities the solver's choice is moved
/// towards earlier orders: a session passes from a later order to an earlier one of the
/// same project and the same per-session value whenever the fairness rule still holds
/// and no more communities are left with nothing. That keeps the coverage and the number
/// served exactly and so the proof. (A small bonus for early orders in the objective would
/// not: to steer HiGHS it must exceed the solver's tolerances, and then it can outweigh
/// real differences in coverage.)
///
/// Fails only if an order names a project or community that does not exist, or has a
/// need weight that is not a number, or if HiGHS finds nothing within `options.limit`.
pub fn plan(instance: &Instance, options: Options) -> Result<Plan, SolveError> {
    let began = Instant::now();
    if let Some(problem) = instance.invalid() {
        return Err(SolveError::NoAnswer(format!("invalid instance: {problem}")));
    }
    let mut allocations = vec![0u32; instance.orders.len()];
    let served_model = Model::build(instance, Stage::Served);
    let (served_bound, bound, proven_optimal) = if served_model.live.is_empty() {
        // Nothing can be allotted: the empty plan is the only one.
        (0, 0.0, true)
    } else {
        let by_hand = first_come(instance);
        let start = if fair(instance, &by_hand) {
            served_model.start(instance, &by_hand)
        } else {
            served_model.start(instance, &allocations)
        };
        let first = mip::solve(served_model.problem, options.limit, 0.0, Some(&start))?;
        let live = &served_model.live;
        let mut first_allocations = vec![0u32; instance.orders.len()];
        read(instance, live, &first.values, &mut first_allocations);
        let served = figures(instance, &first_allocations).served;
        // The first solve minimises −S, so −bound is the most any fair plan serves.
        let most = if first.bound.is_finite() {
            (-first.bound + 1e-6).floor().max(0.0) as usize
        } else {
            served_model.sellable.len()
        };
        let served_bound = most.min(served_model.sellable.len()).max(served);

        let left = options.limit.saturating_sub(began.elapsed());
        let model = Model::build(instance, Stage::Coverage(served));
        let start = model.start(instance, &first_allocations);
        let second = mip::solve(model.problem, left, options.gap, Some(&start))?;
        read(instance, &model.live, &second.values, &mut allocations);
        // The second solve minimises −coverage, so −bound is the most any plan serving
        // `served` communities covers.
        let bound = if second.bound.is_finite() {
            (-second.bound).min(model.most)
        } else {
            model.most
        };
        (
            served_bound,
            bound,
            first.proven_optimal && second.proven_optimal,
        )
    };
    prefer_earlier(instance, &mut allocations);
    debug_assert_eq!(check(instance, &allocations), Ok(()));
    let covered = coverage(instance, &allocations);
    let served = figures(instance, &allocations).served;
    Ok(Plan {
        covered,
        youth: youth(instance, &allocations),
        // A fair plan covering `covered` exists, so the bound is never below it.
        bound: bound.max(covered),
        proven_optimal,
        seconds: began.elapsed().as_secs_f64(),
        communities: shares(instance, &allocations),
        served,
        served_bound: served_bound.max(served),
        allocations,
    })
}

/// Sessions per order from a solve's columns (the first one per live order).
fn read(instance: &Instance, live: &[usize], values: &[f64], allocations: &mut [u32]) {
    for (k, &i) in live.iter().enumerate() {
        let most = instance.orders[i].asked;
        // Integral to the solver's tolerance; rounding gives the whole number.
        allocations[i] = (values[k].round().max(0.0) as u32).min(most);
    }
}

/// Which of the two solves a model is for.
#[derive(Debug, Clone, Copy)]
enum Stage {
    /// Serve as many communities with sellable demand as possible.
    Served,
    /// Cover the most, serving at least this many communities.
    Coverage(usize),
}

/// A model's problem and how to read its columns: first one `x` per live order, then one
/// `y` per community with sellable demand, then `u`.
struct Model {
    problem: HighsProblem,
    /// The orders with a column: those asking for a project with sessions left.
    live: Vec<usize>,
    /// The communities with sellable demand (those with a live order), in `y`'s order.
    sellable: Vec<usize>,
    /// The coverage of every live order getting all it can: a bound before any solve.
    most: f64,
}

impl Model {
    fn build(instance: &Instance, stage: Stage) -> Self {
        let orders = &instance.orders;
        let live: Vec<usize> = (0..orders.len())
            .filter(|&i| orders[i].asked > 0 && instance.left_for(&orders[i]) > 0)
            .collect();
        let mut by_project: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut by_community: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (k, &i) in live.iter().enumerate() {
            by_project.entry(orders[i].project).or_default().push(k);
            by_community.entry(orders[i].community).or_default().push(k);
        }
        let sellable: Vec<usize> = by_community.keys().copied().collect();

        let mut vars = ProblemVariables::new();
        let x: Vec<Variable> = live
            .iter()
            .map(|&i| {
                let most = orders[i].asked.min(instance.left_for(&orders[i]));
                vars.add(variable().integer().min(0).max(f64::from(most)))
            })
            .collect();
        // Continuous: see the module's documentation.
        let y: Vec<Variable> = sellable
            .iter()
            .map(|_| vars.add(variable().min(0).max(1)))
            .collect();
        let u = vars.add(variable().binary());
        let most = live
            .iter()
            .map(|&i| {
                orders[i].value() * f64::from(orders[i].asked.min(instance.left_for(&orders[i])))
            })
            .sum();
        let objective: Expression = match stage {
            Stage::Served => y.iter().map(|&y| -1.0 * y).sum(),
            Stage::Coverage(_) => live
                .iter()
                .zip(&x)
                .map(|(&i, &x)| -orders[i].value() * x)
                .sum(),
        };
        let mut problem = vars.minimise(objective).using(highs);

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
        for ((&c, ks), &y) in by_community.iter().zip(&y) {
            let sum: Expression = ks.iter().map(|&k| x[k]).sum();
            problem.add_constraint((y - sum.clone()).leq(0.0));
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
        if let Stage::Coverage(served) = stage {
            let all: Expression = y.iter().copied().sum();
            problem.add_constraint(all.geq(served as f64));
        }
        Self {
            problem,
            live,
            sellable,
            most,
        }
    }

    /// The columns of a fair plan, for a start: `y` marks the communities it serves, and
    /// `u = 1` exactly when it leaves one with sellable demand with nothing (then, being
    /// fair, it serves none in full).
    fn start(&self, instance: &Instance, allocations: &[u32]) -> Vec<f64> {
        debug_assert!(fair(instance, allocations));
        let got = shares(instance, allocations);
        let x = self.live.iter().map(|&i| f64::from(allocations[i]));
        let y = self
            .sellable
            .iter()
            .map(|&c| if got[c].got > 0 { 1.0 } else { 0.0 });
        let u = if self.sellable.iter().any(|&c| got[c].got == 0) {
            1.0
        } else {
            0.0
        };
        x.chain(y).chain([u]).collect()
    }
}

/// Moves sessions from later to earlier orders of the same project and the same
/// per-session value while the plan stays fair and leaves no more communities with
/// nothing, so that among equally good plans first come is served first. Supply,
/// coverage, the number of communities served and every order's bounds are unchanged.
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
    /// and leaves no more communities with nothing (`from` must have one); says whether
    /// it did.
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
        if left_out > self.left_out || (left_out > 0 && in_full > 0) {
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
    /// Communities that asked for something sellable and got at least one session.
    #[serde(default)]
    pub served: usize,
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
        served: (0..shares.len())
            .filter(|&c| sellable[c] && shares[c].got > 0)
            .count(),
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
        assert_eq!(plan.served, figures(instance, allocations).served);
        assert_eq!(plan.served_bound, plan.served);
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
    fn every_community_gets_something_before_coverage_counts() {
        // Project 0 has 2 sessions left, project 1 one. Community 0 asks 3 sessions of
        // project 0 for 50 young people each, communities 1 and 2 one session each (of
        // projects 0 and 1) for 10.
        let instance = instance(
            &[2, 1],
            3,
            vec![
                order(0, 0, 3, 50, 1.0),
                order(0, 1, 1, 10, 1.0),
                order(1, 2, 1, 10, 1.0),
            ],
        );
        // Coverage alone under the rule (the old model) takes the side where nobody is
        // served in full: communities 1 and 2, asking for one session, get nothing and
        // community 0 both sessions of project 0, 100 covered, two communities left out.
        assert!(fair(&instance, &[2, 0, 0]));
        assert!((coverage(&instance, &[2, 0, 0]) - 100.0).abs() < 1e-9);
        // Yet all three can be served: community 1 takes one session of project 0, so
        // community 0 gets the other; community 2 takes project 1's. That plan is the only
        // one serving three: 50 + 10 + 10 = 70.
        assert_plan(&instance, &[1, 1, 1], 70.0);
        let plan = plan(&instance, exact()).unwrap();
        assert_eq!((plan.served, plan.served_bound), (3, 3));
        // First come gives community 0 both sessions of project 0 and community 2 all it
        // asked: unfair, community 1 is left with nothing.
        assert_eq!(first_come(&instance), [2, 0, 1]);
        assert!(!fair(&instance, &[2, 0, 1]));

        // Two sessions for three communities: one is left with nothing whatever is done,
        // so no community may be served in full. The old model gave community 0 both
        // (100, two left out), as first come does. Serving two is the most: community 0
        // and 1 or 2 (50 + 10 = 60) beats 1 and 2 (10 + 10 = 20), and of the equal two
        // the earlier order wins. Less coverage than first come, one community more served.
        let short = self::instance(
            &[2],
            3,
            vec![
                order(0, 0, 3, 50, 1.0),
                order(0, 1, 2, 10, 1.0),
                order(0, 2, 2, 10, 1.0),
            ],
        );
        assert_eq!(first_come(&short), [2, 0, 0]);
        assert!(fair(&short, &[2, 0, 0]));
        assert_plan(&short, &[1, 1, 0], 60.0);
        let plan = self::plan(&short, exact()).unwrap();
        assert_eq!((plan.served, plan.served_bound), (2, 2));
        let f = figures(&short, &plan.allocations);
        assert_eq!((f.served, f.left_out, f.served_in_full), (2, 1, 0));
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
        // Nor at the price of a community served: [2, 0, 1] is fair (nobody has all it
        // asked) but leaves community 1 with nothing.
        let three = self::instance(
            &[3],
            3,
            vec![
                order(0, 0, 3, 20, 1.0),
                order(0, 1, 2, 20, 1.0),
                order(0, 2, 2, 20, 1.0),
            ],
        );
        assert!(fair(&three, &[2, 0, 1]));
        let mut served = vec![1, 1, 1];
        prefer_earlier(&three, &mut served);
        assert_eq!(served, [1, 1, 1]);
        assert_plan(&three, &[1, 1, 1], 60.0);
        // Swapping which community is served keeps the count: the earlier order wins.
        let mut swapped = vec![2, 0, 1];
        prefer_earlier(&three, &mut swapped);
        assert_eq!(swapped, [2, 1, 0]);
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
            assert_eq!(plan.served, plan.served_bound, "seed {seed}");
            let by_hand = first_come(&instance);
            assert!(limits(&instance, &by_hand).is_empty());
            let f = figures(&instance, &plan.allocations);
            // Every fair plan is a candidate, first come's included when it is fair.
            let hand = figures(&instance, &by_hand);
            assert!(
                !hand.fair
                    || f.served > hand.served
                    || (f.served == hand.served && f.covered >= hand.covered - 1e-6),
                "seed {seed}"
            );
            assert_eq!(f.served, plan.served);
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

    /// The lexicographic optimum by trying every allocation: the most communities with
    /// sellable demand any fair plan serves, and the best coverage of those that do.
    fn brute_force(instance: &Instance) -> (usize, f64) {
        let mut best = (0usize, 0.0f64);
        let mut x = vec![0u32; instance.orders.len()];
        loop {
            if check(instance, &x).is_ok() {
                let (served, covered) = (figures(instance, &x).served, coverage(instance, &x));
                if served > best.0 {
                    best = (served, covered);
                } else if served == best.0 {
                    best.1 = best.1.max(covered);
                }
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
        fn plans_are_fair_lexicographically_optimal_and_no_worse_than_a_fair_first_come(
            instance in small()
        ) {
            let plan = plan(&instance, exact()).unwrap();
            prop_assert_eq!(check(&instance, &plan.allocations), Ok(()));
            prop_assert!(plan.proven_optimal);
            let (served, best) = brute_force(&instance);
            prop_assert_eq!(plan.served, served);
            prop_assert_eq!(plan.served_bound, served);
            prop_assert_eq!(figures(&instance, &plan.allocations).served, served);
            prop_assert!((plan.covered - best).abs() < 1e-6, "{} against {}", plan.covered, best);
            prop_assert!(plan.bound >= plan.covered && plan.bound <= best + 1e-6);
            prop_assert_eq!(plan.covered, coverage(&instance, &plan.allocations));
            let by_hand = first_come(&instance);
            prop_assert!(limits(&instance, &by_hand).is_empty());
            let hand = figures(&instance, &by_hand);
            if hand.fair {
                prop_assert!(
                    served > hand.served
                        || (served == hand.served && plan.covered >= hand.covered - 1e-6)
                );
            }
        }
    }
}
