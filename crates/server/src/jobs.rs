//! Background jobs. Each runs on every server but does its work on one at a time: a
//! lease in the database (`job_leases`) says which, and lapses when that server stops
//! renewing it, so another takes over. The work itself is safe to repeat: an order's
//! step is escalated once however many servers try.

use std::sync::LazyLock;
use std::time::Duration;

use youthloop_store::{Store, OVERDUE_JOB};

use crate::clock::Clock;

/// This process, as a lease holder.
static HOLDER: LazyLock<String> = LazyLock::new(|| uuid::Uuid::now_v7().to_string());

/// One run of the overdue-order job: escalates what is past its deadline, if this server
/// holds the lease (taken for three periods, renewed each run).
pub async fn escalate_overdue(store: &dyn Store, clock: &Clock, every: Duration) {
    let now = clock.now();
    let until = now + every.saturating_mul(3);
    match store.take_lease(OVERDUE_JOB, &HOLDER, now, until).await {
        Ok(true) => match store.escalate_overdue(now).await {
            Ok(ids) if !ids.is_empty() => {
                metrics::counter!("orders_escalated_total").increment(ids.len() as u64);
                tracing::info!(orders = ids.len(), "overdue orders escalated to the League");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = e.chain(), "could not escalate overdue orders"),
        },
        Ok(false) => {}
        Err(e) => tracing::warn!(error = e.chain(), "could not take the overdue job's lease"),
    }
}
