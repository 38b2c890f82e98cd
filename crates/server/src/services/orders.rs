//! Ordering (点单), dispatch (派单), accepting (接单), confirming (验收), settling (结算).

use crate::wire::ymd;
use serde::Deserialize;
use time::Date;
use utoipa::ToSchema;
use youthloop_domain::id::*;
use youthloop_domain::order::{check_window, takes_declined, OrderAction};
use youthloop_domain::parse::{in_range, optional_text, text};
use youthloop_domain::role::Role;
use youthloop_domain::round::ProjectStatus;
use youthloop_store::model::{MenuItem, NewOrder, Order, Page, Paged};

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::services::rounds::rank_by_fit;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    #[schema(value_type = String)]
    pub project_id: ProjectId,
    #[schema(value_type = String)]
    pub community_id: RegionId,
    pub sessions: i64,
    #[serde(with = "ymd")]
    #[schema(value_type = String, example = "2026-05-01")]
    pub window_start: Date,
    #[serde(with = "ymd")]
    #[schema(value_type = String, example = "2026-05-31")]
    pub window_end: Date,
    pub venue: String,
    pub expected_participants: i64,
    #[serde(default)]
    pub notes: String,
}

/// A community orders sessions from the menu.
pub async fn create_order(state: &AppState, user: &CurrentUser, b: OrderBody) -> AppResult<Order> {
    user.require(&[Role::CommunityOfficer])?;
    check_window(b.window_start, b.window_end, state.today())?;
    let order = NewOrder {
        project_id: b.project_id,
        community_id: b.community_id,
        sessions: in_range("sessions", b.sessions, 1, 1000)?,
        window_start: b.window_start,
        window_end: b.window_end,
        venue: text("venue", &b.venue, 200)?,
        expected_participants: in_range(
            "expected_participants",
            b.expected_participants,
            1,
            100_000,
        )?,
        notes: optional_text("notes", &b.notes, 1000)?,
    };
    Ok(state
        .store
        .create_order(&user.actor, order, state.now())
        .await?)
}

/// Orders in the caller's scope; with `overdue_only`, those past a step's deadline.
pub async fn orders(
    state: &AppState,
    user: &CurrentUser,
    page: &Page,
    overdue_only: bool,
) -> AppResult<Paged<Order>> {
    Ok(state
        .store
        .orders(&user.actor, page, overdue_only, state.now())
        .await?)
}

pub async fn order(state: &AppState, user: &CurrentUser, id: &OrderId) -> AppResult<Order> {
    Ok(state.store.order(&user.actor, id, state.now()).await?)
}

/// Moves an order on, acting only in the roles the step is for.
pub async fn move_order(
    state: &AppState,
    user: &CurrentUser,
    id: &OrderId,
    action: OrderAction,
    reason: Option<String>,
) -> AppResult<Order> {
    user.require(action.allowed_roles())?;
    Ok(state
        .store
        .transition_order(
            &user.actor.only(action.allowed_roles()),
            id,
            action,
            reason.as_deref(),
            state.now(),
        )
        .await?)
}

/// For a declined order: the approved menu items of its service area, from other
/// organizations' proposals, with the sessions it needs left, best first for its
/// community (League).
pub async fn alternatives(
    state: &AppState,
    user: &CurrentUser,
    id: &OrderId,
) -> AppResult<Vec<MenuItem>> {
    user.require(&[Role::LeagueAdmin])?;
    let district = user.district();
    let order = state.store.order(&user.actor, id, state.now()).await?;
    // Only a declined order has alternatives: anything else is refused as the step would be.
    order.status.redispatch()?;
    let declined = state.store.project(district, &order.project_id).await?;
    let mut items: Vec<MenuItem> = state
        .store
        .menu(district)
        .await?
        .into_iter()
        .filter(|m| {
            takes_declined(
                (&declined.id, &declined.area),
                (&m.project_id, &m.area, ProjectStatus::Approved),
                m.sessions_left,
                order.sessions,
            )
        })
        .collect();
    let profile = state
        .store
        .region(district, &order.community_id)
        .await?
        .profile
        .unwrap_or_default();
    rank_by_fit(&profile, &mut items);
    Ok(items)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedispatchBody {
    /// One of the order's alternatives.
    #[schema(value_type = String)]
    pub project_id: ProjectId,
}

/// The League sends a declined order to one of its alternatives in one step.
pub async fn redispatch(
    state: &AppState,
    user: &CurrentUser,
    id: &OrderId,
    b: RedispatchBody,
) -> AppResult<Order> {
    user.require(&[Role::LeagueAdmin])?;
    Ok(state
        .store
        .redispatch_order(
            &user.actor.only(&[Role::LeagueAdmin]),
            id,
            &b.project_id,
            state.now(),
        )
        .await?)
}
