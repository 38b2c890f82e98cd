//! End-to-end tests: each drives a real server process over HTTP. One test binary, so
//! it links once.

// A test that cannot go on should stop loudly where it is.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod bad_input;
mod browser;
mod cases;
mod concurrency;
mod crash;
mod feedback;
mod hardening;
mod helpers;
mod instances;
mod loop_walk;
mod openapi;
mod pages;
mod roles;
mod shifts;
mod surface;
mod surge;
mod trust;
mod volunteers;
