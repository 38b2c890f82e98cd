//! Reviewing (点评) and the scorecard that closes the loop.

use serde::{Deserialize, Serialize};
use time::{Date, Month, Time};
use utoipa::ToSchema;
use youthloop_domain::id::*;
use youthloop_domain::moderation;
use youthloop_domain::parse::{in_range, optional_text, text};
use youthloop_domain::review::{check_reviewable, Ratings, ReviewStatus, ReviewTarget};
use youthloop_domain::role::{Actor, Role};
use youthloop_domain::scorecard;
use youthloop_domain::DomainError;
use youthloop_store::model::{NewReview, Paged, Review};

use crate::error::{AppError, AppResult};
use crate::extract::{CurrentUser, ListQuery};
use crate::limits::Limited;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    pub content: i64,
    pub organization: i64,
    pub effect: i64,
    #[serde(default)]
    pub text: String,
}

impl ReviewBody {
    fn parse(&self) -> AppResult<(Ratings, String)> {
        Ok((
            Ratings::parse(self.content, self.organization, self.effect)?,
            optional_text("text", &self.text, 2000)?,
        ))
    }
}

/// A review by someone whose part in what they review is on record: shown at once.
fn verified(
    target: ReviewTarget,
    target_id: String,
    organization_id: OrganizationId,
    user: &CurrentUser,
    role: Role,
    (ratings, text): (Ratings, String),
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

/// A guardian or youth who attended reviews the activity, once it is over.
pub async fn review_activity(
    state: &AppState,
    user: &CurrentUser,
    id: &ActivityId,
    b: ReviewBody,
) -> AppResult<Review> {
    user.require(&[Role::Guardian, Role::Youth])?;
    let parsed = b.parse()?;
    let activity = state.store.activity(user.district(), id, &[]).await?;
    if !state
        .store
        .attended(user.district(), id, &user.user.id)
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
    let review = verified(
        ReviewTarget::Activity,
        activity.id.into(),
        activity.organization_id,
        user,
        role,
        parsed,
    );
    Ok(state.store.create_review(&user.actor, review).await?)
}

/// The ordering community reviews a delivered order.
pub async fn review_order(
    state: &AppState,
    user: &CurrentUser,
    id: &OrderId,
    b: ReviewBody,
) -> AppResult<Review> {
    user.require(&[Role::CommunityOfficer])?;
    let parsed = b.parse()?;
    let order = state
        .store
        .order(&user.actor.only(&[Role::CommunityOfficer]), id, state.now())
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
        order.id.into(),
        order.organization_id,
        user,
        Role::CommunityOfficer,
        parsed,
    );
    Ok(state.store.create_review(&user.actor, review).await?)
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

/// Anyone comments on an organization from `address`; what looks like spam is held.
pub async fn comment(
    state: &AppState,
    district: &DistrictId,
    address: &str,
    id: &OrganizationId,
    b: CommentBody,
) -> AppResult<CommentPosted> {
    state.limits.check(Limited::Comment, address)?;
    let text = text("text", &b.text, 500)?;
    let rating = b.rating.map(|r| in_range("rating", r, 1, 5)).transpose()?;
    let org = state.store.organization(district, id).await?;
    let recent = state.store.recent_comments(district, &org.id, 50).await?;
    let held = moderation::hold_reason(&text, &recent, &moderation::Rules::default());
    let status = if held.is_some() {
        ReviewStatus::Held
    } else {
        ReviewStatus::Visible
    };
    let review = NewReview {
        target: ReviewTarget::Organization,
        target_id: org.id.to_string(),
        organization_id: org.id,
        author_id: None,
        author_role: "public".to_owned(),
        ratings: None,
        rating: rating.map(f64::from),
        text,
        status,
        reason: held.map(|r| r.as_str().to_owned()),
    };
    let created = state
        .store
        .create_review(&Actor::visitor(district, address, state.now()), review)
        .await?;
    Ok(CommentPosted {
        id: created.id,
        status: created.status,
    })
}

/// Visible reviews of an organization.
pub async fn reviews(
    state: &AppState,
    district: &DistrictId,
    id: &OrganizationId,
    q: &ListQuery,
) -> AppResult<Paged<Review>> {
    let org = state.store.organization(district, id).await?;
    Ok(state.store.reviews(district, &org.id, &q.page()?).await?)
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

/// The scorecard of an organization for a year (`period` as `YYYY`, this year by default).
pub async fn scorecard(
    state: &AppState,
    district: &DistrictId,
    id: &OrganizationId,
    period: Option<&str>,
) -> AppResult<Scorecard> {
    let year = match period {
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
    let org = state.store.organization(district, id).await?;
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
        .scorecard_facts(district, &org.id, start_of(year)?, start_of(year + 1)?)
        .await?;
    let scores = scorecard::score(&facts);
    Ok(Scorecard {
        organization_id: org.id.into(),
        period: year.to_string(),
        sessions_delivered: facts.sessions_delivered,
        on_time_rate: scores.on_time_rate,
        attendance_rate: scores.attendance_rate,
        satisfaction: scores.satisfaction,
        reviews: facts.review_count,
        score: scores.score,
    })
}
