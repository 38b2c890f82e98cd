//! The optimizers of youthloop, pure: an instance in, an answer out. They solve exactly
//! with HiGHS (a mixed-integer solver, through good_lp), say whether the answer is proven
//! optimal, and are checked in tests by an independent feasibility checker.
//!
//! Two problems: volunteer rostering ([`roster`], re-exported at the top) and the
//! dispatch of projects' sessions to communities' orders ([`dispatch`]).

pub mod check;
pub mod dispatch;
pub mod dispatch_generate;
pub mod generate;
pub mod greedy;
mod mip;
pub mod roster;
mod solve;

pub use mip::SolveError;
pub use roster::{Instance, Pair, Place, Shift, Volunteer, Weights, Window};
pub use solve::{lp_bounds, reroster, solve, Options, Roster};
