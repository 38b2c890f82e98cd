//! Order (点单), dispatch (派单), accept (接单), confirm (验收), settle (结算).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use time::Date;
use utoipa::ToSchema;
use youthloop_domain::order::check_window;
use youthloop_domain::order::OrderAction;
use youthloop_domain::parse::{in_range, optional_text, text};
use youthloop_domain::role::Role;
use youthloop_store::model::{ymd, NewOrder, Order, Paged};

use crate::api::rounds::ReasonBody;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser, ListQuery};
use crate::startup::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    pub project_id: String,
    pub community_id: String,
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

/// A community orders sessions from the menu; 409 `sold_out` past `sessions_left`.
#[utoipa::path(post, path = "/api/v1/orders", tag = "order", request_body = OrderBody,
    responses((status = 201, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_order(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<OrderBody>,
) -> AppResult<(StatusCode, Json<Order>)> {
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
    let created = state
        .store
        .create_order(&user.actor, order, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Orders in the caller's scope.
#[utoipa::path(get, path = "/api/v1/orders", tag = "order", params(ListQuery),
    responses((status = 200, body = Paged<Order>), (status = 401, body = ErrorBody)))]
pub async fn list_orders(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Order>>> {
    Ok(Json(
        state
            .store
            .orders(&user.actor, &q.page()?, state.now())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "order", params(("id" = String, Path)),
    responses((status = 200, body = Order), (status = 404, body = ErrorBody)))]
pub async fn get_order(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<Order>> {
    Ok(Json(
        state.store.order(&user.actor, &id, state.now()).await?,
    ))
}

pub(crate) async fn move_order(
    state: AppState,
    user: CurrentUser,
    id: String,
    action: OrderAction,
    reason: Option<String>,
) -> AppResult<Json<Order>> {
    user.require(action.allowed_roles())?;
    let order = state
        .store
        .transition_order(
            &user.actor.only(action.allowed_roles()),
            &id,
            action,
            reason.as_deref(),
            state.now(),
        )
        .await?;
    Ok(Json(order))
}

macro_rules! order_action {
    ($name:ident, $action:ident, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "order", params(("id" = String, Path)),
            responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
        pub async fn $name(State(state): State<AppState>, user: CurrentUser, Path(id): Path<String>) -> AppResult<Json<Order>> {
            move_order(state, user, id, OrderAction::$action, None).await
        }
    };
    ($name:ident, $action:ident, $path:literal, $doc:literal, reason) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "order", params(("id" = String, Path)), request_body = ReasonBody,
            responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        pub async fn $name(
            State(state): State<AppState>,
            user: CurrentUser,
            Path(id): Path<String>,
            ApiJson(b): ApiJson<ReasonBody>,
        ) -> AppResult<Json<Order>> {
            let reason = b.parse()?;
            move_order(state, user, id, OrderAction::$action, Some(reason)).await
        }
    };
}

order_action!(
    dispatch,
    Dispatch,
    "/api/v1/orders/{id}/dispatch",
    "The League dispatches the order to its organization (派单); the budget is committed."
);
order_action!(
    reject,
    Reject,
    "/api/v1/orders/{id}/reject",
    "The League rejects the order (审单) with a reason.",
    reason
);
order_action!(
    accept,
    Accept,
    "/api/v1/orders/{id}/accept",
    "The organization accepts the order (接单)."
);
order_action!(
    decline,
    Decline,
    "/api/v1/orders/{id}/decline",
    "The organization declines with a reason; the budget is released.",
    reason
);
order_action!(
    cancel,
    Cancel,
    "/api/v1/orders/{id}/cancel",
    "The community or the League cancels before delivery.",
    reason
);
order_action!(
    confirm,
    Confirm,
    "/api/v1/orders/{id}/confirm",
    "The community confirms delivery (验收)."
);
order_action!(
    settle,
    Settle,
    "/api/v1/orders/{id}/settle",
    "The League settles the order (结算)."
);
