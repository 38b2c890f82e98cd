//! `youthloop bench dispatch`: a realistic round of communities' orders for more sessions
//! than the projects have left, split by HiGHS under the fairness rule (first as many
//! communities served as possible, then the most weighted coverage), beside what an office
//! reaches by hand (first come, first served), both checked by the independent checker in
//! the same run.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use youthloop_planner::dispatch::{self, Figures};
use youthloop_planner::dispatch_generate::{self, Shape};
use youthloop_planner::Options;

#[derive(clap::Args)]
pub struct DispatchArgs {
    #[arg(long, default_value_t = 5000)]
    orders: usize,
    #[arg(long, default_value_t = 200)]
    projects: usize,
    #[arg(long, default_value_t = 300)]
    communities: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The solver's time limit in seconds.
    #[arg(long, default_value_t = 10.0)]
    limit: f64,
    /// End the output with one line holding every figure as a JSON object.
    #[arg(long)]
    json: bool,
}

/// The target: proven optimal or within 1% of the bound, in at most a second.
const TARGET_GAP: f64 = 0.01;
const TARGET_SECONDS: f64 = 1.0;

fn row(name: &str, f: &Figures, seconds: f64) {
    println!(
        "{name:<22}{:>12.1}{:>14}{:>10}{:>8}{:>9}{:>16}{:>6}{:>10.3}",
        f.covered,
        f.youth,
        f.sessions,
        f.served,
        f.left_out,
        f.served_in_full,
        if f.fair { "yes" } else { "no" },
        seconds
    );
}

fn figures_json(f: &Figures, seconds: f64) -> serde_json::Value {
    json!({
        "covered": f.covered, "youth": f.youth, "sessions": f.sessions,
        "served": f.served, "left_out": f.left_out, "served_in_full": f.served_in_full, "fair": f.fair,
        "seconds": seconds,
    })
}

pub fn run(args: &DispatchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.limit.is_finite() && args.limit > 0.0,
        "--limit must be a positive number of seconds"
    );
    let shape = Shape {
        orders: args.orders,
        projects: args.projects,
        communities: args.communities,
        seed: args.seed,
    };
    let instance = dispatch_generate::instance(shape);
    let asked: u64 = instance.orders.iter().map(|o| u64::from(o.asked)).sum();
    let left: u64 = instance
        .projects
        .iter()
        .map(|p| u64::from(p.sessions_left))
        .sum();
    let sold_out = instance
        .projects
        .iter()
        .filter(|p| p.sessions_left == 0)
        .count();
    let ordering = dispatch::shares(&instance, &vec![0; instance.orders.len()])
        .iter()
        .filter(|s| s.asked > 0)
        .count();
    println!(
        "youthloop bench dispatch — {} orders from {ordering} of {} communities for {} projects ({sold_out} sold out): {asked} sessions asked, {left} left; seed {}; {}",
        args.orders,
        args.communities,
        args.projects,
        args.seed,
        super::machine()
    );

    let options = Options {
        limit: Duration::from_secs_f64(args.limit),
        ..Options::default()
    };
    let plan = dispatch::plan(&instance, options).context("solving the dispatch plan")?;
    if let Err(problems) = dispatch::check(&instance, &plan.allocations) {
        anyhow::bail!("the plan breaks the rules: {problems:?}");
    }
    let began = Instant::now();
    let by_hand = dispatch::first_come(&instance);
    let by_hand_seconds = began.elapsed().as_secs_f64();
    // First come keeps every limit by construction; only fairness is in question.
    let problems = dispatch::limits(&instance, &by_hand);
    anyhow::ensure!(
        problems.is_empty(),
        "first come breaks the limits: {problems:?}"
    );

    let mine = dispatch::figures(&instance, &plan.allocations);
    let hand = dispatch::figures(&instance, &by_hand);
    println!(
        "{:<22}{:>12}{:>14}{:>10}{:>8}{:>9}{:>16}{:>6}{:>10}",
        "",
        "weighted",
        "young people",
        "sessions",
        "served",
        "nothing",
        "all they asked",
        "fair",
        "seconds"
    );
    row("HiGHS (exact)", &mine, plan.seconds);
    row("first come (by hand)", &hand, by_hand_seconds);
    let ratio = if hand.covered > 0.0 {
        mine.covered / hand.covered
    } else {
        f64::NAN
    };
    let sellable = mine.served + mine.left_out;
    println!(
        "HiGHS serves {} of the {sellable} communities with sellable demand (no fair plan serves more than {}; proven: {}), {} left with nothing against {} served and {} left with nothing by hand",
        plan.served,
        plan.served_bound,
        if plan.served == plan.served_bound { "yes" } else { "no" },
        mine.left_out,
        hand.served,
        hand.left_out,
    );
    println!(
        "HiGHS covers {ratio:.4}× first come's weighted coverage ({:+.2}%) and reaches {:+} young people",
        (ratio - 1.0) * 100.0,
        i128::from(mine.youth) - i128::from(hand.youth),
    );
    println!(
        "weighted coverage {:.1} against the best bound {:.1} for {} communities served: gap {:.4}%; proven optimal (both solves): {}; {:.3} s",
        plan.covered,
        plan.bound,
        plan.served,
        plan.gap() * 100.0,
        if plan.proven_optimal { "yes" } else { "no" },
        plan.seconds,
    );
    let met = (plan.proven_optimal || plan.gap() <= TARGET_GAP) && plan.seconds <= TARGET_SECONDS;
    println!(
        "target (proven optimal or within {:.0}% of the bound, in ≤ {TARGET_SECONDS} s): {}",
        TARGET_GAP * 100.0,
        if met { "met" } else { "NOT met" }
    );

    if args.json {
        let figures = json!({
            "machine": super::machine(),
            "orders": args.orders, "projects": args.projects,
            "communities": args.communities, "seed": args.seed,
            "asked": asked, "left": left, "sold_out": sold_out,
            "plan": figures_json(&mine, plan.seconds),
            "served": plan.served, "served_bound": plan.served_bound,
            "bound": plan.bound, "gap": plan.gap(), "proven_optimal": plan.proven_optimal,
            "first_come": figures_json(&hand, by_hand_seconds),
            "ratio": ratio, "target_met": met,
        });
        println!("{figures}");
    }
    Ok(())
}
