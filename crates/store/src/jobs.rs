//! Background jobs: leases that keep one job per installation however many servers
//! run, and the job that escalates overdue orders to the League.

use std::collections::HashMap;

use async_trait::async_trait;
use serde_json::json;
use time::OffsetDateTime;
use youthloop_domain::id::*;
use youthloop_domain::order::{Deadlines, OrderStatus};
use youthloop_domain::role::{Actor, Role};

use crate::model::Notice;
use crate::rows::*;
use crate::sql::query;
use crate::trust::{audit_many, district_settings};
use crate::{SqlStore, StoreResult};

/// The lease of the overdue-order job.
pub const OVERDUE_JOB: &str = "orders.overdue";

#[async_trait]
pub trait Jobs: Send + Sync {
    /// Takes the lease `name` for `holder` until `until`, or renews it; false while
    /// another holder's lease has not expired at `now`.
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Escalates every order whose step is past its district's deadline at `now` and
    /// was not escalated yet: marks it, leaves the League a notice and an outgoing
    /// event, and records it in the audit trail, all in one transaction. Each step of
    /// an order is escalated once, whoever runs this and however often.
    async fn escalate_overdue(&self, now: OffsetDateTime) -> StoreResult<Vec<OrderId>>;

    /// The newest notices for `audience` in the district, at most `limit`.
    async fn notices(
        &self,
        district_id: &DistrictId,
        audience: Role,
        limit: u32,
    ) -> StoreResult<Vec<Notice>>;
}

#[async_trait]
impl Jobs for SqlStore {
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let taken = query(
            "update job_leases set holder = $1, expires_at = $2
             where name = $3 and (holder = $1 or expires_at < $4)",
        )
        .bind(holder)
        .bind(until)
        .bind(name)
        .bind(now)
        .execute(&mut tx.conn())
        .await?
            == 1;
        tx.commit().await?;
        Ok(taken)
    }

    async fn escalate_overdue(&self, now: OffsetDateTime) -> StoreResult<Vec<OrderId>> {
        let mut tx = self.write().await?;
        let waiting: Vec<(String, String, String, OffsetDateTime, String, String)> =
            query(&format!(
                "select id, district_id, status, status_at, community_id, organization_id from orders
                 where status in ({}) and escalated_at is null order by id",
                sql_names(OrderStatus::ALL.iter().filter(|s| s.has_deadline()))
            ))
            .fetch_all(&mut tx.conn())
            .await?;
        let mut deadlines: HashMap<String, Deadlines> = HashMap::new();
        let mut escalated = Vec::new();
        let mut system = HashMap::new();
        for (id, district, status, status_at, community, organization) in waiting {
            if !deadlines.contains_key(&district) {
                let settings =
                    district_settings(&mut tx.conn(), &DistrictId::from(district.as_str())).await?;
                deadlines.insert(district.clone(), settings.deadlines);
            }
            let status: OrderStatus = parse_status(status)?;
            let Some(due_at) = deadlines[&district].due_at(status, status_at) else {
                continue;
            };
            if now <= due_at {
                continue;
            }
            // Conditional on the step still being the one found: an order moved on in
            // the meantime, or escalated by another server, is left alone.
            let marked = query(
                "update orders set escalated_at = $1
                 where id = $2 and escalated_at is null and status = $3",
            )
            .bind(now)
            .bind(&id)
            .bind(status.as_str())
            .execute(&mut tx.conn())
            .await?;
            if marked != 1 {
                continue;
            }
            query(
                "insert into notices (id, district_id, audience, kind, subject_id, created_at)
                 values ($1, $2, $3, 'order.overdue', $4, $5)",
            )
            .bind(new_id::<String>())
            .bind(&district)
            .bind(Role::LeagueAdmin.as_str())
            .bind(&id)
            .bind(now)
            .execute(&mut tx.conn())
            .await?;
            let payload = json!({
                "order_id": id, "district_id": district, "status": status.as_str(),
                "community_id": community, "organization_id": organization,
                "due_at": due_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            });
            query(
                "insert into outbox_events (id, district_id, kind, subject_id, payload, created_at)
                 values ($1, $2, 'order.overdue', $3, $4, $5)",
            )
            .bind(new_id::<String>())
            .bind(&district)
            .bind(&id)
            .bind(payload.to_string())
            .bind(now)
            .execute(&mut tx.conn())
            .await?;
            system
                .entry(district.clone())
                .or_insert_with(|| Actor::system(&DistrictId::from(district.as_str()), now));
            escalated.push((district, OrderId::from(id)));
        }
        let events: Vec<_> = escalated
            .iter()
            .map(|(district, id)| (&system[district], "order.escalate", "order", id.as_str()))
            .collect();
        audit_many(&mut tx.conn(), &events).await?;
        tx.commit().await?;
        Ok(escalated.into_iter().map(|(_, id)| id).collect())
    }

    async fn notices(
        &self,
        district_id: &DistrictId,
        audience: Role,
        limit: u32,
    ) -> StoreResult<Vec<Notice>> {
        // An order's notice names what was ordered and where.
        query(
            "select n.id, n.kind, n.subject_id, n.created_at, p.title as subject_title,
                r.name as subject_place
             from notices n left join orders o on o.id = n.subject_id
             left join projects p on p.id = o.project_id
             left join regions r on r.id = o.community_id
             where n.district_id = $1 and n.audience = $2 order by n.id desc limit $3",
        )
        .bind(district_id)
        .bind(audience.as_str())
        .bind(i64::from(limit))
        .fetch_all(&mut self.pools.read())
        .await
        .map_err(db)
    }
}
