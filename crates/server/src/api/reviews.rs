//! Review (点评) and the scorecard that closes the loop.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::{Date, Month, Time};
use utoipa::ToSchema;
use youthloop_domain::parse::{in_range, optional_text, text};
use youthloop_domain::review::{
    check_reviewable, looks_like_spam, Ratings, ReviewStatus, ReviewTarget,
};
use youthloop_domain::role::{Actor, Role};
use youthloop_domain::scorecard;
use youthloop_domain::DomainError;
use youthloop_store::model::{NewReview, Paged, Review};

use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ClientAddr, CurrentUser, ListQuery, MaybeUser};
use crate::limits::Limited;
use crate::startup::AppState;

/// A review by someone whose part in what they review is on record: shown at once.
fn verified(
    target: ReviewTarget,
    target_id: String,
    organization_id: String,
    user: &CurrentUser,
    role: Role,
    ratings: Ratings,
    text: String,
) -> NewReview {
    NewReview {
        target,
        target_id,
        organization_id,
        author_id: Some(user.user.id.clone()),
        author_role: role.as_str().to_owned(),
        ratings: Some(ratings),
        rating: None,
        text,
        status: ReviewStatus::Visible,
        reason: None,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    pub content: i64,
    pub organization: i64,
    pub effect: i64,
    #[serde(default)]
    pub text: String,
}

/// A guardian or youth who attended reviews the activity; 403 `not_attended` otherwise.
#[utoipa::path(post, path = "/api/v1/activities/{id}/reviews", tag = "review", params(("id" = String, Path)), request_body = ReviewBody,
    responses((status = 201, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review_activity(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> AppResult<(StatusCode, Json<Review>)> {
    user.require(&[Role::Guardian, Role::Youth])?;
    let ratings = Ratings::parse(b.content, b.organization, b.effect)?;
    let text = optional_text("text", &b.text, 2000)?;
    let activity = state.store.activity(user.district(), &id, &[]).await?;
    if !state
        .store
        .attended(user.district(), &id, &user.user.id)
        .await?
    {
        return Err(DomainError::NotAttended.into());
    }
    check_reviewable(activity.ends_at, state.now())?;
    let role = if user.actor.has(Role::Guardian) {
        Role::Guardian
    } else {
        Role::Youth
    };
    let review = NewReview {
        target: ReviewTarget::Activity,
        target_id: activity.id,
        organization_id: activity.organization_id,
        author_id: Some(user.user.id.clone()),
        author_role: role.as_str().to_owned(),
        ratings: Some(ratings),
        rating: None,
        text,
        status: ReviewStatus::Visible,
        reason: None,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_review(&user.actor, review).await?),
    ))
}

/// The ordering community reviews a delivered order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/reviews", tag = "review", params(("id" = String, Path)), request_body = ReviewBody,
    responses((status = 201, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review_order(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> AppResult<(StatusCode, Json<Review>)> {
    user.require(&[Role::CommunityOfficer])?;
    let ratings = Ratings::parse(b.content, b.organization, b.effect)?;
    let text = optional_text("text", &b.text, 2000)?;
    let order = state
        .store
        .order(
            &user.actor.only(&[Role::CommunityOfficer]),
            &id,
            state.now(),
        )
        .await?;
    if !order.status.was_delivered() {
        return Err(DomainError::InvalidTransition {
            entity: "order",
            from: order.status.as_str(),
            action: "review",
        }
        .into());
    }
    let review = verified(
        ReviewTarget::Order,
        order.id,
        order.organization_id,
        &user,
        Role::CommunityOfficer,
        ratings,
        text,
    );
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_review(&user.actor, review).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    pub text: String,
    pub rating: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CommentPosted {
    pub id: String,
    #[schema(value_type = String, example = "visible")]
    pub status: ReviewStatus,
}

/// Anyone comments on an organization; what looks like spam is held for moderation.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/comments", tag = "review", params(("id" = String, Path), ListQuery),
    request_body = CommentBody,
    responses((status = 201, body = CommentPosted), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn comment(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ClientAddr(address): ClientAddr,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
    ApiJson(b): ApiJson<CommentBody>,
) -> AppResult<(StatusCode, Json<CommentPosted>)> {
    let district = viewer.district(&state, q.district.as_deref()).await?;
    state.limits.check(Limited::Comment, &address)?;
    let text = text("text", &b.text, 500)?;
    let rating = b.rating.map(|r| in_range("rating", r, 1, 5)).transpose()?;
    let org = state.store.organization(&district, &id).await?;
    let recent = state.store.recent_comments(&district, &org.id, 50).await?;
    let status = if looks_like_spam(&text, &recent) {
        ReviewStatus::Held
    } else {
        ReviewStatus::Visible
    };
    let review = NewReview {
        target: ReviewTarget::Organization,
        target_id: org.id.clone(),
        organization_id: org.id,
        author_id: None,
        author_role: "public".to_owned(),
        ratings: None,
        rating: rating.map(f64::from),
        text,
        status,
        reason: (status == ReviewStatus::Held).then(|| "spam_suspected".to_owned()),
    };
    let created = state
        .store
        .create_review(&Actor::visitor(&district, &address, state.now()), review)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CommentPosted {
            id: created.id,
            status: created.status,
        }),
    ))
}

/// Visible reviews of an organization.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/reviews", tag = "review", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Paged<Review>), (status = 404, body = ErrorBody)))]
pub async fn list_reviews(
    State(state): State<AppState>,
    viewer: MaybeUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Review>>> {
    let district = viewer.district(&state, q.district.as_deref()).await?;
    let org = state.store.organization(&district, &id).await?;
    Ok(Json(
        state.store.reviews(&district, &org.id, &q.page()?).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Scorecard {
    pub organization_id: String,
    pub period: String,
    pub sessions_delivered: u64,
    pub on_time_rate: f64,
    pub attendance_rate: f64,
    pub satisfaction: f64,
    pub reviews: u64,
    pub score: f64,
}

/// The scorecard of an organization for a year (`?period=YYYY`, this year by default).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/scorecard", tag = "review", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Scorecard), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn scorecard(
    State(state): State<AppState>,
    viewer: MaybeUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Scorecard>> {
    let district = viewer.district(&state, q.district.as_deref()).await?;
    let year = match &q.period {
        None => state.today().year(),
        Some(p) => p
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| {
                AppError::invalid(
                    "period",
                    "期间应为年份，如 2026 / period is a year such as 2026",
                )
            })?,
    };
    let org = state.store.organization(&district, &id).await?;
    let start_of = |y: i32| {
        Date::from_calendar_date(y, Month::January, 1)
            .map(|d| {
                d.with_time(Time::MIDNIGHT)
                    .assume_offset(youthloop_domain::parse::SHANGHAI)
                    .to_offset(time::UtcOffset::UTC)
            })
            .map_err(AppError::internal)
    };
    let facts = state
        .store
        .scorecard_facts(&district, &org.id, start_of(year)?, start_of(year + 1)?)
        .await?;
    let scores = scorecard::score(&facts);
    Ok(Json(Scorecard {
        organization_id: org.id,
        period: year.to_string(),
        sessions_delivered: facts.sessions_delivered,
        on_time_rate: scores.on_time_rate,
        attendance_rate: scores.attendance_rate,
        satisfaction: scores.satisfaction,
        reviews: facts.review_count,
        score: scores.score,
    }))
}
