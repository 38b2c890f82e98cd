//! Ordering (点单): a community's orders, in the scope of whoever asks, and their steps.

use async_trait::async_trait;
use time::OffsetDateTime;
use youthloop_domain::activity::{ActivityAction, ActivityStatus, RegistrationAction};
use youthloop_domain::id::*;
use youthloop_domain::order::{takes_declined, Deadlines, OrderAction, OrderStatus};
use youthloop_domain::region::RegionKind;
use youthloop_domain::role::Actor;
use youthloop_domain::round::ProjectStatus;
use youthloop_domain::{DomainError, Fen};

use crate::activities::settle_registrations;
use crate::model::*;
use crate::rounds::load_project;
use crate::rounds::sessions_left;
use crate::rows::*;
use crate::sql::{query, query_scalar, Conn, Sql};
use crate::trust::district_settings;
use crate::{SqlStore, StoreError, StoreResult};

#[async_trait]
pub trait Orders: Send + Sync {
    // Order: orders in the caller's scope.
    async fn create_order(
        &self,
        actor: &Actor,
        order: NewOrder,
        now: OffsetDateTime,
    ) -> StoreResult<Order>;

    /// Orders in the caller's scope; with `overdue_only`, those past their step's
    /// deadline by the district's settings.
    async fn orders(
        &self,
        actor: &Actor,
        page: &Page,
        overdue_only: bool,
        now: OffsetDateTime,
    ) -> StoreResult<Paged<Order>>;

    async fn order(&self, actor: &Actor, id: &OrderId, now: OffsetDateTime) -> StoreResult<Order>;

    async fn transition_order(
        &self,
        actor: &Actor,
        id: &OrderId,
        action: OrderAction,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<Order>;

    /// Sends a declined order to another approved menu item of the same service area
    /// with the sessions it needs: dispatched to that item's organization, its budget
    /// committed again, in the order's history and the audit trail.
    async fn redispatch_order(
        &self,
        actor: &Actor,
        id: &OrderId,
        project_id: &ProjectId,
        now: OffsetDateTime,
    ) -> StoreResult<Order>;

    // Dispatch plans.
    /// The district's submitted orders, first come first.
    async fn waiting_orders(&self, district_id: &DistrictId) -> StoreResult<Vec<WaitingOrder>>;

    async fn save_dispatch_plan(
        &self,
        by: &Actor,
        plan: &PlanDocument,
    ) -> StoreResult<DispatchPlan>;

    async fn dispatch_plan(&self, district_id: &DistrictId, id: &str) -> StoreResult<DispatchPlan>;

    /// Dispatches every order the plan gives sessions, with the sessions it gives, in one
    /// transaction: 409 `plan_applied` the second time, 409 `plan_outdated` when an order
    /// moved on or changed since the plan was made (nothing is dispatched then).
    async fn apply_dispatch_plan(
        &self,
        by: &Actor,
        id: &str,
        now: OffsetDateTime,
    ) -> StoreResult<DispatchPlan>;
}

#[async_trait]
impl Orders for SqlStore {
    async fn create_order(
        &self,
        actor: &Actor,
        order: NewOrder,
        now: OffsetDateTime,
    ) -> StoreResult<Order> {
        let district_id = &actor.district_id;
        let mut tx = self.write().await?;
        let project = load_project(&mut tx.conn(), district_id, &order.project_id).await?;
        if project.status != ProjectStatus::Approved {
            return Err(StoreError::NotFound);
        }
        let community: Option<String> = query_scalar(&format!(
            "select c.id from regions c join regions s on s.district_id = c.district_id
             and substr(c.path, 1, length(s.path)) = s.path
             where c.district_id = $1 and c.id = $2 and c.kind = {}
             and s.id = any($3) limit 1",
            sql_name(RegionKind::Community)
        ))
        .bind(district_id)
        .bind(&order.community_id)
        .bind(actor.region_ids())
        .fetch_optional(&mut tx.conn())
        .await?;
        if community.is_none() {
            return Err(StoreError::NotFound);
        }
        if order.sessions > sessions_left(&mut tx.conn(), &project).await? {
            return Err(DomainError::SoldOut.into());
        }
        let id = new_id();
        query(&format!(
            "insert into orders (id, district_id, project_id, community_id, organization_id, sessions, window_start,
             window_end, venue, expected_participants, notes, status, status_at, created_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, {}, $12, $13, $12)",
            sql_name(OrderStatus::Submitted)
        ))
        .bind(&id)
        .bind(district_id)
        .bind(&project.id)
        .bind(&order.community_id)
        .bind(&project.organization_id)
        .bind(i64::from(order.sessions))
        .bind(order.window_start)
        .bind(order.window_end)
        .bind(&order.venue)
        .bind(i64::from(order.expected_participants))
        .bind(&order.notes)
        .bind(now)
        .bind(&actor.user_id)
        .execute(&mut tx.conn())
        .await?;
        insert_history(
            &mut tx.conn(),
            district_id,
            &id,
            OrderStatus::Submitted,
            &actor.user_id,
            None,
            now,
        )
        .await?;
        let created = load_order(&mut tx.conn(), actor, &id, now).await?;
        tx.audit(actor, "order.create", "order", &id).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn orders(
        &self,
        actor: &Actor,
        page: &Page,
        overdue_only: bool,
        now: OffsetDateTime,
    ) -> StoreResult<Paged<Order>> {
        let mut c = self.pools.read();
        let deadlines = district_settings(&mut c, &actor.district_id)
            .await?
            .deadlines;
        // An order is overdue when its step began before now less the step's allowance.
        let began_before = |status| deadlines.allowed(status).map(|d| now - d);
        let sql = format!(
            "select {ORDER_COLUMNS} from orders o where {ORDER_SCOPE} and o.id > $5
             and ($7 = false or (o.status = {} and o.status_at < $8) or (o.status = {} and o.status_at < $9))
             order by o.id limit $6",
            sql_name(OrderStatus::Submitted),
            sql_name(OrderStatus::Dispatched)
        );
        let rows = bind_scope(query(&sql), actor)
            .bind(after(page))
            .bind(fetch_limit(page))
            .bind(overdue_only)
            .bind(began_before(OrderStatus::Submitted))
            .bind(began_before(OrderStatus::Dispatched))
            .fetch_all(&mut c)
            .await?;
        let mut orders = Vec::with_capacity(rows.len());
        for row in rows {
            orders.push(into_order(&mut c, row, &deadlines, now).await?);
        }
        Ok(Paged::from_rows(orders, page, |o| o.id.to_string()))
    }

    async fn order(&self, actor: &Actor, id: &OrderId, now: OffsetDateTime) -> StoreResult<Order> {
        let mut c = self.pools.read();
        load_order(&mut c, actor, id, now).await
    }

    async fn transition_order(
        &self,
        actor: &Actor,
        id: &OrderId,
        action: OrderAction,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<Order> {
        let mut tx = self.write().await?;
        let order = load_order(&mut tx.conn(), actor, id, now).await?;
        step_order(&mut tx.conn(), &order, action, &actor.user_id, reason, now).await?;
        let moved = load_order(&mut tx.conn(), actor, id, now).await?;
        tx.audit(actor, &format!("order.{action}"), "order", id)
            .await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn redispatch_order(
        &self,
        actor: &Actor,
        id: &OrderId,
        project_id: &ProjectId,
        now: OffsetDateTime,
    ) -> StoreResult<Order> {
        let mut tx = self.write().await?;
        let order = load_order(&mut tx.conn(), actor, id, now).await?;
        let next = order.status.redispatch()?;
        let from = load_project(&mut tx.conn(), &actor.district_id, &order.project_id).await?;
        let to = load_project(&mut tx.conn(), &actor.district_id, project_id).await?;
        let left = sessions_left(&mut tx.conn(), &to).await?;
        if !takes_declined(
            (&from.id, &from.area),
            (&to.id, &to.area, to.status),
            left,
            order.sessions,
        ) {
            return Err(DomainError::invalid(
                "project_id",
                "应为同一服务领域、场次足够的另一个已批准项目 / Must be another approved menu item of the same service area with the sessions needed",
            )
            .into());
        }
        let committed = Fen::parse("unit_price_fen", to.unit_price_fen)?
            .times(order.sessions)
            .get();
        query(
            "update orders set project_id = $1, organization_id = $2, status = $3, status_at = $4,
             committed_fen = $5, escalated_at = null where id = $6",
        )
        .bind(&to.id)
        .bind(&to.organization_id)
        .bind(next.as_str())
        .bind(now)
        .bind(committed)
        .bind(&order.id)
        .execute(&mut tx.conn())
        .await?;
        let note = format!("改派 / redispatched: {} → {}", from.title, to.title);
        insert_history(
            &mut tx.conn(),
            &actor.district_id,
            &order.id,
            next,
            &actor.user_id,
            Some(&note),
            now,
        )
        .await?;
        let moved = load_order(&mut tx.conn(), actor, id, now).await?;
        tx.audit(actor, "order.redispatch", "order", id).await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn waiting_orders(&self, district_id: &DistrictId) -> StoreResult<Vec<WaitingOrder>> {
        query(&format!(
            "select id, project_id, community_id, sessions, expected_participants from orders
             where district_id = $1 and status = {} order by id",
            sql_name(OrderStatus::Submitted)
        ))
        .bind(district_id)
        .fetch_all(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn save_dispatch_plan(
        &self,
        by: &Actor,
        plan: &PlanDocument,
    ) -> StoreResult<DispatchPlan> {
        let id: String = new_id();
        let mut tx = self.write().await?;
        query(
            "insert into dispatch_plans (id, district_id, created_by, created_at, plan) values ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(&by.district_id)
        .bind(&by.user_id)
        .bind(by.at)
        .bind(json(plan))
        .execute(&mut tx.conn())
        .await?;
        tx.audit(by, "dispatch_plan.create", "dispatch_plan", &id)
            .await?;
        let saved = load_plan(&mut tx.conn(), &by.district_id, &id).await?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn dispatch_plan(&self, district_id: &DistrictId, id: &str) -> StoreResult<DispatchPlan> {
        load_plan(&mut self.pools.fresh(), district_id, id).await
    }

    async fn apply_dispatch_plan(
        &self,
        by: &Actor,
        id: &str,
        now: OffsetDateTime,
    ) -> StoreResult<DispatchPlan> {
        let mut tx = self.write().await?;
        let plan = load_plan(&mut tx.conn(), &by.district_id, id).await?;
        if plan.applied_at.is_some() {
            return Err(StoreError::conflict(
                "plan_applied",
                "该派单方案已执行 / This dispatch plan was applied already",
            ));
        }
        let outdated = || {
            StoreError::conflict(
                "plan_outdated",
                "方案生成后订单已有变化，请重新生成 / Orders changed since the plan was made: make a new one",
            )
        };
        let mut events = Vec::new();
        for a in plan.plan.allocations.iter().filter(|a| a.sessions > 0) {
            let order = load_order(&mut tx.conn(), by, &a.order_id, now).await?;
            if order.status != OrderStatus::Submitted
                || order.sessions != a.asked
                || order.project_id != a.project_id
            {
                return Err(outdated());
            }
            let note = if a.sessions < a.asked {
                query("update orders set sessions = $1 where id = $2")
                    .bind(i64::from(a.sessions))
                    .bind(&order.id)
                    .execute(&mut tx.conn())
                    .await?;
                format!(
                    "派单方案：{} / {} 场 / dispatch plan: {} of {} sessions",
                    a.sessions, a.asked, a.sessions, a.asked
                )
            } else {
                "派单方案 / dispatch plan".to_owned()
            };
            let order = Order {
                sessions: a.sessions,
                ..order
            };
            step_order(
                &mut tx.conn(),
                &order,
                OrderAction::Dispatch,
                &by.user_id,
                Some(&note),
                now,
            )
            .await?;
            events.push(order.id);
        }
        query("update dispatch_plans set applied_at = $1, applied_by = $2 where id = $3")
            .bind(now)
            .bind(&by.user_id)
            .bind(id)
            .execute(&mut tx.conn())
            .await?;
        let mut audit: Vec<(&Actor, &str, &str, &str)> = events
            .iter()
            .map(|o| (by, "order.dispatch", "order", o.as_str()))
            .collect();
        audit.push((by, "dispatch_plan.apply", "dispatch_plan", id));
        crate::trust::audit_many(&mut tx.conn(), &audit).await?;
        let applied = load_plan(&mut tx.conn(), &by.district_id, id).await?;
        tx.commit().await?;
        Ok(applied)
    }
}

async fn load_plan(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    id: &str,
) -> StoreResult<DispatchPlan> {
    let (id, created_at, applied_at, plan): (String, OffsetDateTime, Option<OffsetDateTime>, String) =
        query("select id, created_at, applied_at, plan from dispatch_plans where district_id = $1 and id = $2")
            .bind(district_id)
            .bind(id)
            .fetch_one(&mut *c)
            .await?;
    let plan = serde_json::from_str(&plan)
        .map_err(|e| StoreError::Other(format!("dispatch plan {id} does not read back: {e}")))?;
    Ok(DispatchPlan {
        id,
        created_at,
        applied_at,
        plan,
    })
}

/// Orders the actor may see: the League and evaluators see the district, an
/// organization its own, a community officer those of the regions under their scope.
/// Binds: $1 district, $2 sees district, $3 org ids (JSON), $4 region ids (JSON).
pub(crate) const ORDER_SCOPE: &str = "o.district_id = $1 and ($2 or o.organization_id = any($3)
    or exists (select 1 from regions c join regions s
               on s.district_id = c.district_id and substr(c.path, 1, length(s.path)) = s.path
               where c.id = o.community_id and s.id = any($4)))";

pub(crate) fn bind_scope<'q>(q: Sql<'q>, actor: &Actor) -> Sql<'q> {
    q.bind(actor.district_id.clone())
        .bind(actor.sees_district())
        .bind(actor.org_ids())
        .bind(actor.region_ids())
}

pub(crate) async fn order_history(
    c: &mut Conn<'_>,
    order_id: &OrderId,
) -> StoreResult<Vec<HistoryEntry>> {
    query("select status, at, by_user, note from order_history where order_id = $1 order by id")
        .bind(order_id)
        .fetch_all(&mut *c)
        .await
        .map_err(db)
}

pub(crate) async fn into_order(
    c: &mut Conn<'_>,
    row: OrderRow,
    deadlines: &Deadlines,
    now: OffsetDateTime,
) -> StoreResult<Order> {
    let status: OrderStatus = parse_status(row.status)?;
    Ok(Order {
        history: order_history(c, &row.id).await?,
        id: row.id,
        district_id: row.district_id,
        status,
        project_id: row.project_id,
        community_id: row.community_id,
        organization_id: row.organization_id,
        sessions: count(row.sessions),
        window_start: row.window_start,
        window_end: row.window_end,
        venue: row.venue,
        expected_participants: count(row.expected_participants),
        notes: row.notes,
        reason: row.reason,
        committed_fen: row.committed_fen,
        due_at: deadlines.due_at(status, row.status_at),
        overdue: deadlines.is_overdue(status, row.status_at, now),
        escalated_at: row.escalated_at,
        created_at: row.created_at,
    })
}

pub(crate) async fn load_order(
    c: &mut Conn<'_>,
    actor: &Actor,
    id: &OrderId,
    now: OffsetDateTime,
) -> StoreResult<Order> {
    let sql = format!("select {ORDER_COLUMNS} from orders o where {ORDER_SCOPE} and o.id = $5");
    let row = bind_scope(query(&sql), actor)
        .bind(id)
        .fetch_one(&mut *c)
        .await?;
    let deadlines = district_settings(c, &actor.district_id).await?.deadlines;
    into_order(c, row, &deadlines, now).await
}

/// Moves an order one step and writes the step into its history.
pub(crate) async fn step_order(
    c: &mut Conn<'_>,
    order: &Order,
    action: OrderAction,
    by: &UserId,
    note: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<OrderStatus> {
    let next = order.status.apply(action)?;
    let committed = if next.commits_budget() {
        let project = load_project(c, &order.district_id, &order.project_id).await?;
        // Dispatch takes the sessions a submission only asked for.
        if !order.status.holds_sessions()
            && next.holds_sessions()
            && order.sessions > sessions_left(c, &project).await?
        {
            return Err(DomainError::SoldOut.into());
        }
        Fen::parse("unit_price_fen", project.unit_price_fen)?
            .times(order.sessions)
            .get()
    } else {
        0
    };
    query(
        "update orders set status = $1, status_at = $2, committed_fen = $3, reason = coalesce($4, reason),
         escalated_at = null where id = $5",
    )
    .bind(next.as_str())
    .bind(now)
    .bind(committed)
    .bind(note)
    .bind(&order.id)
    .execute(&mut *c)
    .await?;
    insert_history(c, &order.district_id, &order.id, next, by, note, now).await?;
    if next == OrderStatus::Cancelled {
        // A cancelled order takes its sessions that have not happened with it.
        let open: Vec<(String, String)> = query(&format!(
            "select id, status from activities where order_id = $1 and status in ({})",
            sql_names(
                ActivityStatus::ALL
                    .iter()
                    .filter(|s| s.apply(ActivityAction::Cancel).is_ok())
            )
        ))
        .bind(&order.id)
        .fetch_all(&mut *c)
        .await?;
        for (activity_id, status) in open {
            let activity_id = ActivityId::from(activity_id);
            let cancelled =
                parse_status::<ActivityStatus>(status)?.apply(ActivityAction::Cancel)?;
            query("update activities set status = $1 where id = $2")
                .bind(cancelled.as_str())
                .bind(&activity_id)
                .execute(&mut *c)
                .await?;
            settle_registrations(c, &activity_id, RegistrationAction::Cancel, now).await?;
        }
    }
    Ok(next)
}

pub(crate) async fn insert_history(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    order_id: &OrderId,
    status: OrderStatus,
    by: &UserId,
    note: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    query("insert into order_history (id, district_id, order_id, status, at, by_user, note) values ($1, $2, $3, $4, $5, $6, $7)")
        .bind(new_id::<String>())
        .bind(district_id)
        .bind(order_id)
        .bind(status.as_str())
        .bind(now)
        .bind(by)
        .bind(note)
        .execute(&mut *c)
        .await?;
    Ok(())
}
