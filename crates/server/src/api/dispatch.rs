//! Dispatch plans (派单方案) for the League when orders ask for more than is left.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use crate::error::{AppResult, ErrorBody};
use crate::extract::CurrentUser;
use crate::services::dispatch::{self, DispatchPlanView};
use crate::state::AppState;

/// A plan for every submitted order: the sessions left split to reach the most young
/// people weighted by need, fairly across communities, solved exactly (League).
#[utoipa::path(post, path = "/api/v1/dispatch-plans", tag = "order",
    responses((status = 201, body = DispatchPlanView), (status = 403, body = ErrorBody)))]
pub async fn propose(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<(StatusCode, Json<DispatchPlanView>)> {
    let plan = dispatch::propose(&state, &user).await?;
    Ok((StatusCode::CREATED, Json(plan.into())))
}

/// Dispatches every order the plan gives sessions, with those sessions, in one step;
/// 409 `plan_applied` the second time, `plan_outdated` when its orders changed (League).
#[utoipa::path(post, path = "/api/v1/dispatch-plans/{id}/apply", tag = "order", params(("id" = String, Path)),
    responses((status = 200, body = DispatchPlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<DispatchPlanView>> {
    Ok(Json(dispatch::apply(&state, &user, &id).await?.into()))
}
