//! The `Store` interface of youthloop and its engines.
//!
//! Methods are use cases, each one transaction: the store reads the facts, asks the
//! pure domain for the decision, and writes the answer. Every query is filtered by the
//! caller's district, and where a role's scope narrows it, by that scope too, so a
//! record outside the caller's reach is simply not found.

mod activities;
mod admission;
pub mod bench;
mod casework;
pub mod copy;
pub mod crypto;
mod engine;
mod error;
mod jobs;
mod listings;
pub mod model;
mod orders;
mod people;
pub mod postgres;
mod reviews;
mod rounds;
mod rows;
mod serving;
mod sql;
pub mod sqlite;
mod trust;
mod volunteering;

pub use activities::Activities;
pub use casework::Casework;
pub use error::{StoreError, StoreResult};
pub use jobs::{Jobs, OVERDUE_JOB};
pub use listings::Listings;
pub use orders::Orders;
pub use people::People;
pub use reviews::Reviews;
pub use rounds::Rounds;
pub use serving::Serving;
pub use trust::Trust;
pub use volunteering::Volunteering;

use admission::{GroupCommit, Request};
use crypto::Keyring;
use engine::{Pools, Tx};
use model::Registered;

/// Everything the server asks of the store, area by area (each area's trait sits in
/// its file beside its one implementation). Bring them into scope with
/// `use youthloop_store::prelude::*`.
pub trait Store:
    Trust
    + People
    + Rounds
    + Orders
    + Activities
    + Reviews
    + Casework
    + Listings
    + Volunteering
    + Serving
    + Jobs
    + 'static
{
}

impl<T> Store for T where
    T: Trust
        + People
        + Rounds
        + Orders
        + Activities
        + Reviews
        + Casework
        + Listings
        + Volunteering
        + Serving
        + Jobs
        + 'static
{
}

/// The store's traits, for callers of its methods.
pub mod prelude {
    pub use crate::{
        Activities, Casework, Jobs, Listings, Orders, People, Reviews, Rounds, Serving, Store,
        Trust, Volunteering,
    };
}

/// The store on either engine: the use cases are written once (one file per area) over
/// the engine's pools; `sqlite::open` and `postgres::open` make one.
pub struct SqlStore {
    pools: Pools,
    keys: Keyring,
    admissions: GroupCommit<Request, Registered>,
}

impl SqlStore {
    /// `admit` are the pools registrations are admitted on, in batches.
    fn new(pools: Pools, admit: Pools, keys: Keyring) -> Self {
        let admissions = GroupCommit::start(move |batch| {
            let admit = admit.clone();
            async move { activities::admit_batch(&admit, batch).await }
        });
        Self {
            pools,
            keys,
            admissions,
        }
    }

    /// A write transaction: one writer at a time (see `engine`).
    async fn write(&self) -> StoreResult<Tx> {
        self.pools.write().await
    }
}
