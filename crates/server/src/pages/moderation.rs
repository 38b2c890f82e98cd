//! Moderation (审核) in pages: the League (its district's) and an organization's
//! administrator (its own) see what the rules held, publish it or hide it with a
//! reason, and the organization answers a comment in public.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use youthloop_domain::id::*;
use youthloop_domain::moderation::HoldReason;
use youthloop_domain::review::{ReviewStatus, ReviewTarget};
use youthloop_domain::role::Role;
use youthloop_store::model::Review;

use super::{done, show, Ctx, PageForm, PageResult};
use crate::services;
use crate::services::moderation::{HideBody, ModerationQuery, ReplyBody};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/moderation", get(queue))
        .route("/moderation/{id}/publish", post(publish))
        .route("/moderation/{id}/hide", post(hide))
        .route("/moderation/{id}/reply", post(reply))
}

const MODERATORS: &[Role] = &[Role::LeagueAdmin, Role::OrgAdmin];

#[derive(Template)]
#[template(path = "moderation.html")]
struct QueuePage {
    c: Ctx,
    status: ReviewStatus,
    items: Vec<Review>,
    next: Option<String>,
    /// Organization names by id, for the League's district-wide queue.
    names: HashMap<OrganizationId, String>,
    /// The review whose form was refused, to show its error beside it.
    refused: String,
}

impl QueuePage {
    fn tabs(&self) -> [(ReviewStatus, bool); 3] {
        [
            ReviewStatus::Held,
            ReviewStatus::Visible,
            ReviewStatus::Hidden,
        ]
        .map(|s| (s, s == self.status))
    }

    fn org_name(&self, r: &Review) -> String {
        self.names
            .get(&r.organization_id)
            .cloned()
            .unwrap_or_default()
    }

    /// What was reviewed, as a reader names it: a public comment, or a verified
    /// review of an activity or an order.
    fn kind(&self, r: &Review) -> String {
        self.c.t(match r.target_kind {
            ReviewTarget::Organization => "review-kind-comment",
            ReviewTarget::Activity => "review-kind-activity",
            ReviewTarget::Order => "review-kind-order",
        })
    }

    /// The rule's reason a comment was held in words; a moderator's own words as written.
    fn reason(&self, r: &Review) -> Option<String> {
        let reason = r.reason.as_deref()?;
        Some(match HoldReason::parse(reason) {
            Some(rule) => self.c.t(&format!("hold-{rule}")),
            None => reason.to_owned(),
        })
    }

    fn can_publish(&self, r: &Review) -> bool {
        r.status != ReviewStatus::Visible
    }

    fn can_hide(&self, r: &Review) -> bool {
        r.status != ReviewStatus::Hidden
    }

    /// Only the organization answers, once, under what is shown.
    fn can_reply(&self, r: &Review) -> bool {
        r.status == ReviewStatus::Visible && r.reply.is_none() && self.c.is("org_admin")
    }

    fn is_refused(&self, r: &Review) -> bool {
        self.refused == r.id
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    status: String,
    cursor: Option<String>,
}

async fn queue_page(
    state: &AppState,
    c: Ctx,
    status: &str,
    cursor: Option<String>,
    refused: String,
) -> PageResult {
    let user = c.require(MODERATORS)?;
    let q = ModerationQuery {
        status: Some(status.to_owned()),
        limit: Some(30),
        cursor,
    };
    let status = q.status()?;
    let page = services::moderation::queue(state, user, &q).await?;
    let names = if user.actor.has(Role::LeagueAdmin) {
        super::organization_names(state, user.district()).await?
    } else {
        HashMap::new()
    };
    let page = QueuePage {
        c,
        status,
        items: page.items,
        next: page.next_cursor,
        names,
        refused,
    };
    show(&page, &page.c)
}

async fn queue(State(state): State<AppState>, c: Ctx, Query(q): Query<QueueQuery>) -> PageResult {
    queue_page(&state, c, &q.status, q.cursor, String::new()).await
}

/// Where a step leaves the moderator: the tab the review was on.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    /// The tab the form was on.
    back: String,
    reason: String,
    text: String,
}

impl StepForm {
    fn tab(&self) -> &str {
        ReviewStatus::from_client(&self.back).map_or("held", ReviewStatus::as_str)
    }
}

async fn publish(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ReviewId>,
    PageForm(f): PageForm<StepForm>,
) -> PageResult {
    let user = c.require(MODERATORS)?.clone();
    let tab = f.tab().to_owned();
    match services::moderation::publish(&state, &user, &id).await {
        Ok(_) => done(&format!("/moderation?status={tab}"), "comment_published"),
        Err(e) => queue_page(&state, c.refused(e), &tab, None, id.into()).await,
    }
}

async fn hide(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ReviewId>,
    PageForm(f): PageForm<StepForm>,
) -> PageResult {
    let user = c.require(MODERATORS)?.clone();
    let tab = f.tab().to_owned();
    let body = HideBody { reason: f.reason };
    match services::moderation::hide(&state, &user, &id, body).await {
        Ok(_) => done(&format!("/moderation?status={tab}"), "comment_hidden"),
        Err(e) => queue_page(&state, c.refused(e), &tab, None, id.into()).await,
    }
}

async fn reply(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ReviewId>,
    PageForm(f): PageForm<StepForm>,
) -> PageResult {
    let user = c.require(MODERATORS)?.clone();
    let tab = f.tab().to_owned();
    let body = ReplyBody { text: f.text };
    match services::moderation::reply(&state, &user, &id, body).await {
        Ok(_) => done(&format!("/moderation?status={tab}"), "comment_replied"),
        Err(e) => queue_page(&state, c.refused(e), &tab, None, id.into()).await,
    }
}
