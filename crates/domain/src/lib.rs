//! The pure rules of youthloop: types that parse, state machines, admission, scoring.
//! Nothing here does IO; the store supplies facts and writes back the answers.

pub mod activity;
pub mod audit;
pub mod badge;
pub mod case;
pub mod checkin;
pub mod dispatch;
pub mod error;
pub mod evaluation;
pub mod id;
pub mod moderation;
pub mod order;
pub mod parse;
pub mod ranking;
pub mod region;
pub mod review;
pub mod role;
pub mod round;
pub mod scorecard;
pub mod settings;
mod status;
pub mod volunteer;

pub use error::{DomainError, DomainResult};
pub use parse::{ContactPhone, CreditCode, Fen, IdNumber, Phone};
pub use status::allowed;
