//! `youthloop bench roster`: a realistic week of volunteer shifts rostered by HiGHS, beside
//! what an office reaches by hand (first come, first served) and the linear relaxation's
//! bound, all in the same run. `--cancel` re-rosters after a share of the assignments is
//! cancelled; `--export` writes the instance and the answers for any outside tool.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use serde_json::json;
use youthloop_planner::generate::{self, Shape};
use youthloop_planner::{
    check, greedy, lp_bounds, reroster, solve, Instance, Options, Pair, Roster, Weights,
};

#[derive(clap::Args)]
pub struct RosterArgs {
    #[arg(long, default_value_t = 4000)]
    volunteers: usize,
    #[arg(long, default_value_t = 243)]
    squads: usize,
    #[arg(long, default_value_t = 16)]
    teams: usize,
    /// Shifts in the week.
    #[arg(long, default_value_t = 150)]
    shifts: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The solver's time limit in seconds.
    #[arg(long, default_value_t = 10.0)]
    limit: f64,
    /// Also cancel this percentage of the roster's assignments and re-roster.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    cancel: Option<u32>,
    /// Write the instance and the answers as JSON (docs/benchmarks.md gives the shape).
    #[arg(long)]
    export: Option<std::path::PathBuf>,
    /// End the output with one line holding every figure as a JSON object.
    #[arg(long)]
    json: bool,
}

/// 2026-11-30, the Monday the week of shifts starts on (the figures do not depend on it).
const MONDAY: i64 = 20_787;

/// Fairness figures of a roster: the most minutes anyone serves, and how many serve more
/// than six hours.
fn spread(instance: &Instance, roster: &[Pair]) -> (u32, usize) {
    let mut minutes = vec![0u32; instance.volunteers.len()];
    for p in instance.fixed.iter().chain(roster) {
        minutes[p.volunteer] += instance.shifts[p.shift].minutes();
    }
    let most = minutes.iter().copied().max().unwrap_or(0);
    (most, minutes.iter().filter(|&&m| m > 360).count())
}

#[derive(Serialize)]
struct Export<'a> {
    instance: &'a Instance,
    weights: &'a Weights,
    roster: &'a Roster,
    first_come: &'a [Pair],
}

pub fn run(args: &RosterArgs) -> anyhow::Result<()> {
    let shape = Shape {
        volunteers: args.volunteers,
        squads: args.squads,
        teams: args.teams,
        shifts: args.shifts,
        seed: args.seed,
        ..Shape::default()
    };
    let instance = generate::instance(shape, MONDAY);
    let weights = Weights::default();
    let options = Options {
        limit: Duration::from_secs_f64(args.limit),
        ..Options::default()
    };
    let places: u32 = instance.shifts.iter().map(|s| s.needed).sum();
    println!(
        "youthloop bench roster — {} volunteers in {} squads ({} teams), {} shifts needing {places} people, {} candidate pairs; {}",
        args.volunteers,
        args.squads,
        args.teams,
        args.shifts,
        instance.candidates_len(),
        super::machine()
    );

    let roster = solve(&instance, &weights, options).context("solving the roster")?;
    let problems = check::violations(&instance, &roster.assignments);
    anyhow::ensure!(
        problems.is_empty(),
        "the roster breaks the rules: {problems:?}"
    );
    let began = Instant::now();
    let by_hand = greedy::first_come(&instance);
    let by_hand_seconds = began.elapsed().as_secs_f64();
    let (unmet_lp, cost_lp) = lp_bounds(&instance, &weights, roster.assignments.len())?;

    let (most, over) = spread(&instance, &roster.assignments);
    let (hand_most, hand_over) = spread(&instance, &by_hand);
    let hand_unmet = check::unmet(&instance, &by_hand);
    let hand_cost = weights.cost(&instance, &by_hand);
    println!(
        "{:<22}{:>8}{:>12}{:>13}{:>11}{:>10}",
        "", "unmet", "objective", "max minutes", "over 6 h", "seconds"
    );
    println!(
        "{:<22}{:>8}{:>12.1}{:>13}{:>11}{:>10.2}",
        "HiGHS (exact)", roster.unmet, roster.objective, most, over, roster.seconds
    );
    println!(
        "{:<22}{:>8}{:>12.1}{:>13}{:>11}{:>10.2}",
        "first come (by hand)", hand_unmet, hand_cost, hand_most, hand_over, by_hand_seconds
    );
    println!("{:<22}{:>8.1}{:>12.1}", "LP bound", unmet_lp, cost_lp);
    println!(
        "unmet demand {} against a proven least of {} ({}); objective {:.1} against the best bound {:.1}: gap {:.2}% (target ≤ 1%); proven optimal: {}; {:.2} s (target ≤ 10 s)",
        roster.unmet,
        roster.unmet_bound,
        if roster.coverage_proven { "proven" } else { "not proven in time" },
        roster.objective,
        roster.bound,
        roster.gap() * 100.0,
        if roster.proven_optimal { "yes" } else { "no" },
        roster.seconds,
    );

    let mut figures = json!({
        "machine": super::machine(),
        "volunteers": args.volunteers, "squads": args.squads, "teams": args.teams,
        "shifts": args.shifts, "seed": args.seed, "places": places,
        "candidates": instance.candidates_len(),
        "unmet": roster.unmet, "unmet_bound": roster.unmet_bound,
        "coverage_proven": roster.coverage_proven,
        "objective": roster.objective, "bound": roster.bound, "gap": roster.gap(),
        "proven_optimal": roster.proven_optimal, "seconds": roster.seconds,
        "max_minutes": most, "over_six_hours": over,
        "first_come": {"unmet": hand_unmet, "objective": hand_cost, "max_minutes": hand_most, "over_six_hours": hand_over},
        "lp_bound": {"unmet": unmet_lp, "objective": cost_lp},
    });

    if let Some(percent) = args.cancel {
        let every = (100 / percent).max(1) as usize;
        let cancelled: Vec<Pair> = roster.assignments.iter().step_by(every).copied().collect();
        let again = reroster(
            &instance,
            &roster.assignments,
            &cancelled,
            &weights,
            options,
        )?;
        let kept = roster.assignments.len() - cancelled.len();
        let mut after = instance.clone();
        after.forbidden.extend(&cancelled);
        let all: Vec<Pair> = roster
            .assignments
            .iter()
            .filter(|p| !cancelled.contains(p))
            .chain(&again.assignments)
            .copied()
            .collect();
        let problems = check::violations(&after, &all);
        anyhow::ensure!(
            problems.is_empty(),
            "the new roster breaks the rules: {problems:?}"
        );
        // What changed: the cancelled assignments and the new ones; every other one stays.
        let changed = cancelled.len() + again.assignments.len();
        let allowed = cancelled.len() + roster.assignments.len() / 10;
        println!(
            "re-roster after {percent}% cancelled ({} of {} assignments): {:.2} s (target ≤ 2 s), {} kept, {} new, unmet {} (proven least {}); {changed} changed against a limit of {allowed} (cancelled + 10%)",
            cancelled.len(),
            roster.assignments.len(),
            again.seconds,
            kept,
            again.assignments.len(),
            again.unmet,
            again.unmet_bound,
        );
        figures["reroster"] = json!({
            "cancelled": cancelled.len(), "seconds": again.seconds, "kept": kept,
            "new": again.assignments.len(), "changed": changed, "limit": allowed,
            "unmet": again.unmet, "proven_optimal": again.proven_optimal,
        });
    }

    if let Some(path) = &args.export {
        let export = Export {
            instance: &instance,
            weights: &weights,
            roster: &roster,
            first_come: &by_hand,
        };
        std::fs::write(path, serde_json::to_vec(&export)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("instance and answers written to {}", path.display());
    }
    if args.json {
        println!("{figures}");
    }
    Ok(())
}
