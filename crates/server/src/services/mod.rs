//! The use cases, one function each, called by both edges: the JSON API (`api`) and the
//! pages (`pages`). A service takes the state, who acts, a typed request and the
//! state's time; it checks the role, parses what needs parsing, asks the store, and
//! returns domain or store types. The edges only read the request, call, and answer.
//!
//! The request types here are the API's bodies (their names are the OpenAPI schema
//! names) and the pages fill them from their forms.

pub mod activities;
pub mod cases;
pub mod dispatch;
pub mod evaluations;
pub mod export;
pub mod moderation;
pub mod orders;
pub mod ranking;
pub mod regions;
pub mod reviews;
pub mod rounds;
pub mod session;
pub mod settings;
pub mod shifts;
pub mod volunteers;
