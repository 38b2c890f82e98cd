//! Reviewing (点评) and the scorecard that closes the loop.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use youthloop_domain::id::*;
use youthloop_domain::moderation;
use youthloop_domain::parse::{in_range, optional_text, text};
use youthloop_domain::review::{check_reviewable, Ratings, ReviewStatus, ReviewTarget};
use youthloop_domain::role::{Actor, Role};
use youthloop_domain::scorecard::{self, Facts, Period};
use youthloop_domain::DomainError;
use youthloop_store::model::{NewReview, Paged, Review};

use crate::error::AppResult;
use crate::extract::{CurrentUser, ListQuery};
use crate::limits::Limited;
use crate::services::moderation::rules;
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

/// A review by someone whose part in what they review is on record. Its ratings count
/// whatever becomes of its text; the text is public, so it passes the same rules as a
/// comment and may wait for a moderator.
async fn verified(
    state: &AppState,
    target: ReviewTarget,
    target_id: String,
    organization_id: OrganizationId,
    user: &CurrentUser,
    role: Role,
    (ratings, text): (Ratings, String),
) -> AppResult<NewReview> {
    // Attending parents may well write the same few words: only spam repeats matter.
    let held = moderation::hold_reason(&text, &[], &rules(state, user.district()).await?);
    Ok(NewReview {
        target,
        target_id,
        organization_id,
        author_id: Some(user.user.id.clone()),
        author_role: role.as_str().to_owned(),
        ratings: Some(ratings),
        rating: None,
        text,
        status: status_for(held),
        reason: held.map(|r| r.as_str().to_owned()),
    })
}

fn status_for(held: Option<moderation::HoldReason>) -> ReviewStatus {
    if held.is_some() {
        ReviewStatus::Held
    } else {
        ReviewStatus::Visible
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
        state,
        ReviewTarget::Activity,
        activity.id.into(),
        activity.organization_id,
        user,
        role,
        parsed,
    )
    .await?;
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
        state,
        ReviewTarget::Order,
        order.id.into(),
        order.organization_id,
        user,
        Role::CommunityOfficer,
        parsed,
    )
    .await?;
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
    let held = moderation::hold_reason(&text, &recent, &rules(state, district).await?);
    let review = NewReview {
        target: ReviewTarget::Organization,
        target_id: org.id.to_string(),
        organization_id: org.id,
        author_id: None,
        author_role: "public".to_owned(),
        ratings: None,
        rating: rating.map(f64::from),
        text,
        status: status_for(held),
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

/// An organization's scorecard for a period, each figure with the counts it rests on.
/// The rule is `domain::scorecard::score`, stated in `rule`.
#[derive(Serialize, ToSchema)]
pub struct Scorecard {
    pub organization_id: String,
    /// `YYYY`, `YYYY-Qn` or `YYYY-MM`, in Beijing time.
    pub period: String,
    pub sessions_delivered: u64,
    pub sessions_on_time: u64,
    pub on_time_rate: f64,
    pub attended: u64,
    pub no_show: u64,
    pub attendance_rate: f64,
    pub no_show_rate: f64,
    /// The same as `satisfaction_adjusted`.
    pub satisfaction: f64,
    /// The Bayesian average of verified ratings towards the district's mean.
    pub satisfaction_adjusted: f64,
    /// The plain mean of the organization's verified ratings, if it has any.
    pub satisfaction_raw: Option<f64>,
    /// The verified ratings behind it.
    pub reviews: u64,
    /// The district's mean the average is pulled towards, and how many ratings make it.
    pub district_mean: f64,
    pub district_reviews: u64,
    /// Verified reviews rated 2 of 5 or lower.
    pub complaints: u64,
    pub orders_delivered: u64,
    pub orders_accepted: u64,
    /// Of the orders delivered, the share the community confirmed (验收); none if none.
    pub acceptance_rate: Option<f64>,
    /// What the bought sessions cost, and per young person who attended them.
    pub cost_fen: u64,
    pub cost_per_attendee_fen: Option<u64>,
    /// 0–100.
    pub score: f64,
    /// The rule in words, in Chinese and in English.
    pub rule_zh: &'static str,
    pub rule_en: &'static str,
}

/// The scorecard of an organization for a year, quarter or month (`period` as `YYYY`,
/// `YYYY-Qn` or `YYYY-MM`; this year by default).
pub async fn scorecard(
    state: &AppState,
    district: &DistrictId,
    id: &OrganizationId,
    period: Option<&str>,
) -> AppResult<Scorecard> {
    let period = match period {
        None | Some("") => Period::year(state.today().year()),
        Some(p) => Period::parse(p.trim())?,
    };
    let org = state.store.organization(district, id).await?;
    let (from, to) = period.bounds();
    let facts = state
        .store
        .scorecard_facts(district, &org.id, from, to)
        .await?;
    Ok(card(org.id, period.to_string(), &facts))
}

/// The scorecard of `facts`, named by `period`.
pub fn card(organization_id: OrganizationId, period: String, facts: &Facts) -> Scorecard {
    let s = scorecard::score(facts);
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    Scorecard {
        organization_id: organization_id.into(),
        period,
        sessions_delivered: facts.sessions_delivered,
        sessions_on_time: facts.sessions_on_time,
        on_time_rate: s.on_time_rate,
        attended: facts.attended,
        no_show: facts.no_show,
        attendance_rate: s.attendance_rate,
        no_show_rate: s.no_show_rate,
        satisfaction: s.satisfaction,
        satisfaction_adjusted: s.satisfaction_adjusted,
        satisfaction_raw: s.satisfaction_raw,
        reviews: facts.review_count,
        district_mean: round2(scorecard::prior_mean(facts)),
        district_reviews: facts.district_review_count,
        complaints: s.complaints,
        orders_delivered: facts.orders_delivered,
        orders_accepted: facts.orders_accepted,
        acceptance_rate: s.acceptance_rate,
        cost_fen: facts.cost_fen,
        cost_per_attendee_fen: s.cost_per_attendee_fen,
        score: s.score,
        rule_zh: scorecard::RULE_ZH,
        rule_en: scorecard::RULE_EN,
    }
}
