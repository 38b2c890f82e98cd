//! One HiGHS solve of a model written with good_lp, reporting what good_lp's own `solve`
//! leaves out: the best bound, the gap and whether optimality is proven.

use std::time::Duration;

use good_lp::solvers::highs::HighsProblem;
use highs::{HighsModelStatus, HighsSolutionStatus};

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SolveError {
    #[error("the solver found no feasible answer in time ({0:?})")]
    NoAnswer(String),
}

/// What one solve found. `values` are the columns in the order the variables were made.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub values: Vec<f64>,
    pub objective: f64,
    /// The best bound the solver proved (equal to `objective` when proven optimal).
    pub bound: f64,
    pub proven_optimal: bool,
}

/// Solves `problem` within `limit`, to the relative gap `gap` (0 asks for a proof).
pub(crate) fn solve(
    problem: HighsProblem,
    limit: Duration,
    gap: f64,
    start: Option<&[f64]>,
) -> Result<Outcome, SolveError> {
    let mut model = problem.into_inner();
    model.make_quiet();
    model.set_option("time_limit", limit.as_secs_f64().max(0.01));
    model.set_option("mip_rel_gap", gap);
    // HiGHS's branch and bound runs on one thread; more only contend on 2 cores.
    model.set_option("threads", 1);
    // Measured on the roster models: the feasibility-jump heuristic and presolve's
    // probing each ran for seconds past the time limit without improving anything.
    model.set_option("mip_heuristic_run_feasibility_jump", false);
    model.set_option("presolve", "off");
    if let Some(start) = start {
        model.set_solution(Some(start), None, None, None);
    }
    let solved = model.solve();
    let status = solved.status();
    if solved.primal_solution_status() != HighsSolutionStatus::Feasible {
        return Err(SolveError::NoAnswer(format!("{status:?}")));
    }
    let objective = solved.objective_value();
    let (bound, proven_optimal) = match status {
        HighsModelStatus::Optimal => {
            let gap = solved.mip_gap();
            // An LP has no MIP gap (HiGHS reports infinity): its optimum is proven.
            let proven = !gap.is_finite() || gap <= 1e-9;
            let bound = solved
                .double_info_value(c"mip_dual_bound")
                .ok()
                .filter(|b| b.is_finite())
                .unwrap_or(objective);
            (bound, proven || (bound - objective).abs() <= 1e-6)
        }
        _ => (
            solved
                .double_info_value(c"mip_dual_bound")
                .unwrap_or(f64::NAN),
            false,
        ),
    };
    Ok(Outcome {
        values: solved.get_solution().columns().to_vec(),
        objective,
        bound,
        proven_optimal,
    })
}
