//! Moderation (审核): the queue, publish or hide, and the organization's reply.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use youthloop_domain::id::*;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser};
use crate::services::moderation::{self, HideBody, ModerationQuery, ReplyBody};
use crate::state::AppState;
use crate::wire::{Paged, Review};

/// What waits for a moderator (`?status=held`, the default), or what is shown or hidden:
/// the League sees its district's, an organization's administrator its own.
#[utoipa::path(get, path = "/api/v1/moderation/comments", tag = "review", params(ModerationQuery),
    responses((status = 200, body = Paged<Review>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ModerationQuery>,
) -> AppResult<Json<Paged<Review>>> {
    Ok(Json(moderation::queue(&state, &user, &q).await?.into()))
}

/// Publishes a held or hidden comment or review (League, the organization's administrator).
#[utoipa::path(post, path = "/api/v1/comments/{id}/publish", tag = "review", params(("id" = String, Path)),
    responses((status = 200, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ReviewId>,
) -> AppResult<Json<Review>> {
    Ok(Json(moderation::publish(&state, &user, &id).await?.into()))
}

/// Hides a held or visible comment or review with a reason (League, the organization's
/// administrator).
#[utoipa::path(post, path = "/api/v1/comments/{id}/hide", tag = "review", params(("id" = String, Path)), request_body = HideBody,
    responses((status = 200, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn hide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ReviewId>,
    ApiJson(b): ApiJson<HideBody>,
) -> AppResult<Json<Review>> {
    Ok(Json(moderation::hide(&state, &user, &id, b).await?.into()))
}

/// The organization's public reply under a visible comment or review, once (409
/// `already_replied` after).
#[utoipa::path(post, path = "/api/v1/comments/{id}/replies", tag = "review", params(("id" = String, Path)), request_body = ReplyBody,
    responses((status = 201, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ReviewId>,
    ApiJson(b): ApiJson<ReplyBody>,
) -> AppResult<(StatusCode, Json<Review>)> {
    let review = moderation::reply(&state, &user, &id, b).await?;
    Ok((StatusCode::CREATED, Json(review.into())))
}
