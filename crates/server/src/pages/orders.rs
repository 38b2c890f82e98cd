//! One order as everyone in its loop sees it: its timeline and deadline, and the steps
//! the viewer may take now (dispatch, accept, decline, confirm, settle, cancel); the
//! ordering community's review once delivered.

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use youthloop_domain::id::*;
use youthloop_domain::order::{OrderAction, OrderStatus};
use youthloop_domain::role::Role;
use youthloop_store::model::{MenuItem, Order, Project, Region};

use super::guardian::ReviewForm;
use super::{done, show, Ctx, PageError, PageForm, PageResult};
use crate::error::AppError;
use crate::extract::CurrentUser;
use crate::services;
use crate::services::orders::RedispatchBody;
use crate::services::rounds::ReasonBody;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders/{id}", get(order))
        .route("/orders/{id}/review", post(review))
        .route("/orders/{id}/redispatch", post(redispatch))
        .route("/orders/{id}/{action}", post(act))
}

/// The steps of an order a user may take by hand in its present state.
fn steps_for(user: &CurrentUser, status: OrderStatus) -> Vec<OrderAction> {
    let mut steps = youthloop_domain::allowed(status, OrderAction::ALL, OrderStatus::apply);
    steps.retain(|a| user.actor.has_any(a.allowed_roles()));
    steps
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    c: Ctx,
    o: Order,
    project: Project,
    community: Region,
    steps: Vec<OrderAction>,
    /// For the League, a declined order's alternatives, best first.
    alternatives: Option<Vec<MenuItem>>,
    can_review: bool,
    reason: String,
}

async fn order_page(state: &AppState, c: Ctx, id: &OrderId, reason: String) -> PageResult {
    let user = c.user()?;
    let o = services::orders::order(state, user, id).await?;
    let project = state.store.project(user.district(), &o.project_id).await?;
    let community = state.store.region(user.district(), &o.community_id).await?;
    let steps = steps_for(user, o.status);
    let can_review = user.actor.has(Role::CommunityOfficer) && o.status.was_delivered();
    let alternatives = if user.actor.has(Role::LeagueAdmin) && o.status.redispatch().is_ok() {
        Some(services::orders::alternatives(state, user, &o.id).await?)
    } else {
        None
    };
    let page = OrderPage {
        c,
        o,
        project,
        community,
        steps,
        alternatives,
        can_review,
        reason,
    };
    show(&page, &page.c)
}

async fn order(State(state): State<AppState>, c: Ctx, Path(id): Path<OrderId>) -> PageResult {
    order_page(&state, c, &id, String::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    reason: String,
}

async fn act(
    State(state): State<AppState>,
    c: Ctx,
    Path((id, action)): Path<(OrderId, String)>,
    PageForm(f): PageForm<ReasonForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let action = OrderAction::parse(&action).ok_or_else(|| PageError(AppError::not_found()))?;
    let moved = async {
        let reason = action
            .needs_reason()
            .then(|| {
                ReasonBody {
                    reason: f.reason.clone(),
                }
                .parse()
            })
            .transpose()?;
        services::orders::move_order(&state, &user, &id, action, reason)
            .await
            .map(|_| ())
    }
    .await;
    match moved {
        Ok(()) => done(&format!("/orders/{id}"), "order_moved"),
        Err(e) => order_page(&state, c.refused(e), &id, f.reason).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RedispatchForm {
    project_id: String,
}

async fn redispatch(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<OrderId>,
    PageForm(f): PageForm<RedispatchForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let body = RedispatchBody {
        project_id: ProjectId::from(f.project_id.as_str()),
    };
    match services::orders::redispatch(&state, &user, &id, body).await {
        Ok(_) => done(&format!("/orders/{id}"), "order_redispatched"),
        Err(e) => order_page(&state, c.refused(e), &id, String::new()).await,
    }
}

async fn review(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<OrderId>,
    PageForm(f): PageForm<ReviewForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let reviewed = async {
        let body = f.body()?;
        services::reviews::review_order(&state, &user, &id, body)
            .await
            .map(|_| ())
    }
    .await;
    match reviewed {
        Ok(()) => done(&format!("/orders/{id}"), "reviewed"),
        Err(e) => order_page(&state, c.refused(e), &id, String::new()).await,
    }
}
