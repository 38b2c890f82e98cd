//! Order (点单), dispatch (派单), accept (接单), confirm (验收), settle (结算).

use crate::wire::{all, Menu, Order, Paged};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use youthloop_domain::id::*;
use youthloop_domain::order::OrderAction;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser, ListQuery};
use crate::services::orders::{self, OrderBody, RedispatchBody};
use crate::services::rounds::ReasonBody;
use crate::state::AppState;

/// A community orders sessions from the menu; 409 `sold_out` past `sessions_left`.
#[utoipa::path(post, path = "/api/v1/orders", tag = "order", request_body = OrderBody,
    responses((status = 201, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_order(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<OrderBody>,
) -> AppResult<(StatusCode, Json<Order>)> {
    let order = orders::create_order(&state, &user, b).await?;
    Ok((StatusCode::CREATED, Json(order.into())))
}

/// Orders in the caller's scope; `?overdue=true` keeps those past a step's deadline.
#[utoipa::path(get, path = "/api/v1/orders", tag = "order", params(ListQuery),
    responses((status = 200, body = Paged<Order>), (status = 401, body = ErrorBody)))]
pub async fn list_orders(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Order>>> {
    Ok(Json(
        orders::orders(&state, &user, &q.page()?, q.overdue.unwrap_or(false))
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "order", params(("id" = String, Path)),
    responses((status = 200, body = Order), (status = 404, body = ErrorBody)))]
pub async fn get_order(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrderId>,
) -> AppResult<Json<Order>> {
    Ok(Json(orders::order(&state, &user, &id).await?.into()))
}

macro_rules! order_action {
    ($name:ident, $action:ident, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "order", params(("id" = String, Path)),
            responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
        pub async fn $name(State(state): State<AppState>, user: CurrentUser, Path(id): Path<OrderId>) -> AppResult<Json<Order>> {
            Ok(Json(orders::move_order(&state, &user, &id, OrderAction::$action, None).await?.into()))
        }
    };
    ($name:ident, $action:ident, $path:literal, $doc:literal, reason) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "order", params(("id" = String, Path)), request_body = ReasonBody,
            responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        pub async fn $name(
            State(state): State<AppState>,
            user: CurrentUser,
            Path(id): Path<OrderId>,
            ApiJson(b): ApiJson<ReasonBody>,
        ) -> AppResult<Json<Order>> {
            let reason = b.parse()?;
            Ok(Json(orders::move_order(&state, &user, &id, OrderAction::$action, Some(reason)).await?.into()))
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

/// For a declined order: approved menu items of the same service area with the sessions
/// it needs left, best first for its community (League); 409 for an order not declined.
#[utoipa::path(get, path = "/api/v1/orders/{id}/alternatives", tag = "order", params(("id" = String, Path)),
    responses((status = 200, body = Menu), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn alternatives(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrderId>,
) -> AppResult<Json<Menu>> {
    let items = orders::alternatives(&state, &user, &id).await?;
    Ok(Json(Menu {
        items: all(items),
        next_cursor: None,
    }))
}

/// The League sends a declined order to one of its alternatives: `dispatched` to that
/// project's organization, the budget committed again.
#[utoipa::path(post, path = "/api/v1/orders/{id}/redispatch", tag = "order", params(("id" = String, Path)), request_body = RedispatchBody,
    responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn redispatch(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrderId>,
    ApiJson(b): ApiJson<RedispatchBody>,
) -> AppResult<Json<Order>> {
    Ok(Json(
        orders::redispatch(&state, &user, &id, b).await?.into(),
    ))
}
