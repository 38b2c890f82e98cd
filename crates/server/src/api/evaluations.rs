//! Third-party evaluation (第三方评估) and the rounds it is made for.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use youthloop_domain::id::*;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser, ListQuery};
use crate::services::evaluations::{self, EvaluationBody, EvaluationView};
use crate::state::AppState;
use crate::wire::{Paged, Round};

/// The evaluator scores an organization for a round (each indicator 0–100); the
/// district's weights make the total and its grade. 409 `already_evaluated` the second
/// time.
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "review", request_body = EvaluationBody,
    responses((status = 201, body = EvaluationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn evaluate(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<EvaluationBody>,
) -> AppResult<(StatusCode, Json<EvaluationView>)> {
    let made = evaluations::evaluate(&state, &user, b).await?;
    Ok((StatusCode::CREATED, Json(made.into())))
}

/// An organization's evaluations, newest first (League, evaluators, the organization).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/evaluations", tag = "review", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Paged<EvaluationView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_evaluations(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrganizationId>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<EvaluationView>>> {
    let page = evaluations::evaluations(&state, &user, &id, &q).await?;
    Ok(Json(page.into()))
}

/// The district's procurement rounds, newest first (League, evaluators).
#[utoipa::path(get, path = "/api/v1/rounds", tag = "buy",
    responses((status = 200, body = Paged<Round>), (status = 403, body = ErrorBody)))]
pub async fn list_rounds(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Paged<Round>>> {
    Ok(Json(evaluations::rounds(&state, &user).await?.into()))
}
