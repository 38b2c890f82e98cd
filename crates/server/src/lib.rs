//! The youthloop HTTP server: the JSON API under `/api/v1`, sign-in, operations.

pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod extract;
pub mod jobs;
#[cfg(test)]
mod layers;
pub mod limits;
pub mod listen;
pub mod pages;
pub mod services;
pub mod startup;
pub mod state;
pub mod wire;

pub use config::Settings;
pub use startup::{app, serve};
