//! Review (点评) and the scorecard that closes the loop.

use crate::wire::{Paged, Review};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use youthloop_domain::id::*;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ClientAddr, CurrentUser, ListQuery, MaybeUser};
use crate::services::reviews::{self, CommentBody, CommentPosted, ReviewBody, Scorecard};
use crate::state::AppState;

/// A guardian or youth who attended reviews the activity; 403 `not_attended` otherwise.
#[utoipa::path(post, path = "/api/v1/activities/{id}/reviews", tag = "review", params(("id" = String, Path)), request_body = ReviewBody,
    responses((status = 201, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review_activity(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ActivityId>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> AppResult<(StatusCode, Json<Review>)> {
    let review = reviews::review_activity(&state, &user, &id, b).await?;
    Ok((StatusCode::CREATED, Json(review.into())))
}

/// The ordering community reviews a delivered order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/reviews", tag = "review", params(("id" = String, Path)), request_body = ReviewBody,
    responses((status = 201, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review_order(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrderId>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> AppResult<(StatusCode, Json<Review>)> {
    let review = reviews::review_order(&state, &user, &id, b).await?;
    Ok((StatusCode::CREATED, Json(review.into())))
}

/// Anyone comments on an organization; what looks like spam is held for moderation.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/comments", tag = "review", params(("id" = String, Path), ListQuery),
    request_body = CommentBody,
    responses((status = 201, body = CommentPosted), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn comment(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ClientAddr(address): ClientAddr,
    Path(id): Path<OrganizationId>,
    ApiQuery(q): ApiQuery<ListQuery>,
    ApiJson(b): ApiJson<CommentBody>,
) -> AppResult<(StatusCode, Json<CommentPosted>)> {
    let district = viewer.district(&state, q.district.as_ref()).await?;
    let posted = reviews::comment(&state, &district, &address, &id, b).await?;
    Ok((StatusCode::CREATED, Json(posted)))
}

/// Visible reviews of an organization.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/reviews", tag = "review", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Paged<Review>), (status = 404, body = ErrorBody)))]
pub async fn list_reviews(
    State(state): State<AppState>,
    viewer: MaybeUser,
    Path(id): Path<OrganizationId>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Review>>> {
    let district = viewer.district(&state, q.district.as_ref()).await?;
    Ok(Json(
        reviews::reviews(&state, &district, &id, &q).await?.into(),
    ))
}

/// The scorecard of an organization for a year (`?period=YYYY`, this year by default).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/scorecard", tag = "review", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Scorecard), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn scorecard(
    State(state): State<AppState>,
    viewer: MaybeUser,
    Path(id): Path<OrganizationId>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Scorecard>> {
    let district = viewer.district(&state, q.district.as_ref()).await?;
    Ok(Json(
        reviews::scorecard(&state, &district, &id, q.period.as_deref()).await?,
    ))
}
