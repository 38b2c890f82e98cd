//! Moderation (审核): what the rules held waits for the League (the whole district) or
//! the organization reviewed (its own); either publishes it or hides it with a reason,
//! and the organization answers in public under a comment. Every step is audited.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use youthloop_domain::id::*;
use youthloop_domain::moderation::Rules;
use youthloop_domain::parse::text;
use youthloop_domain::review::{ModerationAction, ReviewStatus};
use youthloop_domain::role::Role;
use youthloop_store::model::{Paged, Review, ReviewScope};

use crate::error::{AppError, AppResult};
use crate::extract::{CurrentUser, ListQuery};
use crate::state::AppState;

/// The rules public text is read by in a district: the platform's words and the
/// district's own.
pub async fn rules(state: &AppState, district: &DistrictId) -> AppResult<Rules> {
    Ok(Rules::with(
        &state.store.settings(district).await?.moderation,
    ))
}

/// Whose reviews the user moderates: the League the district's, an organization's
/// administrator its own; anyone else none.
fn scope(user: &CurrentUser) -> AppResult<ReviewScope> {
    user.require(&[Role::LeagueAdmin, Role::OrgAdmin])?;
    Ok(if user.actor.has(Role::LeagueAdmin) {
        ReviewScope::District
    } else {
        ReviewScope::Organizations(user.actor.only(&[Role::OrgAdmin]).org_ids())
    })
}

/// `?status=held|visible|hidden` (or its Chinese name) and the page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ModerationQuery {
    /// `held` (default), `visible` or `hidden`.
    pub status: Option<String>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl ModerationQuery {
    pub fn status(&self) -> AppResult<ReviewStatus> {
        match self.status.as_deref() {
            None | Some("") => Ok(ReviewStatus::Held),
            Some(s) => ReviewStatus::from_client(s).ok_or_else(|| {
                AppError::invalid(
                    "status",
                    "status 应为 held、visible 或 hidden / status is held, visible or hidden",
                )
            }),
        }
    }
}

/// The queue: comments and reviews with text in one status, oldest first.
pub async fn queue(
    state: &AppState,
    user: &CurrentUser,
    q: &ModerationQuery,
) -> AppResult<Paged<Review>> {
    let scope = scope(user)?;
    let status = q.status()?;
    let page = ListQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
        ..ListQuery::default()
    }
    .page()?;
    Ok(state
        .store
        .moderation_queue(user.district(), &scope, status, &page)
        .await?)
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct HideBody {
    /// Why it is hidden, up to 200 characters: kept with it and in the audit trail.
    pub reason: String,
}

/// Publishes a held or hidden review.
pub async fn publish(state: &AppState, user: &CurrentUser, id: &ReviewId) -> AppResult<Review> {
    let scope = scope(user)?;
    Ok(state
        .store
        .moderate_review(&user.actor, &scope, id, ModerationAction::Publish, None)
        .await?)
}

/// Hides a held or visible review, saying why.
pub async fn hide(
    state: &AppState,
    user: &CurrentUser,
    id: &ReviewId,
    b: HideBody,
) -> AppResult<Review> {
    let scope = scope(user)?;
    let reason = text("reason", &b.reason, 200)?;
    Ok(state
        .store
        .moderate_review(
            &user.actor,
            &scope,
            id,
            ModerationAction::Hide,
            Some(&reason),
        )
        .await?)
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    /// 1 to 500 characters, shown under the comment.
    pub text: String,
}

/// The organization reviewed answers once, in public, under a visible review.
pub async fn reply(
    state: &AppState,
    user: &CurrentUser,
    id: &ReviewId,
    b: ReplyBody,
) -> AppResult<Review> {
    user.require(&[Role::OrgAdmin])?;
    let scope = ReviewScope::Organizations(user.actor.only(&[Role::OrgAdmin]).org_ids());
    let answer = text("text", &b.text, 500)?;
    Ok(state
        .store
        .reply_to_review(&user.actor, &scope, id, &answer)
        .await?)
}
