//! What every request shares: the store, the settings, the rate limits and the clock.

use std::sync::Arc;

use youthloop_store::Store;

use crate::clock::Clock;
use crate::config::Settings;
use crate::limits::RateLimits;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    pub limits: Arc<RateLimits>,
    pub clock: Arc<Clock>,
}

impl AppState {
    /// The time now, from the one clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Today in Asia/Shanghai.
    pub fn today(&self) -> time::Date {
        self.clock.today()
    }
}
