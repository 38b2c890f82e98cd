//! The League's dispatch plan (派单方案) in pages: made from the dispatch queue, read as
//! what each community gets and why, applied in one step.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use youthloop_domain::id::*;
use youthloop_domain::role::Role;
use youthloop_store::model::DispatchPlan;

use super::{done, show, Ctx, NoFields, PageForm, PageResult};
use crate::services;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/league/dispatch-plans", post(propose))
        .route("/league/dispatch-plans/{id}", get(plan))
        .route("/league/dispatch-plans/{id}/apply", post(apply))
}

#[derive(Template)]
#[template(path = "dispatch_plan.html")]
struct PlanPage {
    c: Ctx,
    p: DispatchPlan,
    communities: HashMap<RegionId, String>,
    titles: HashMap<ProjectId, String>,
}

impl PlanPage {
    fn community(&self, id: &RegionId) -> &str {
        self.communities.get(id).map_or("", String::as_str)
    }

    fn title(&self, id: &ProjectId) -> &str {
        self.titles.get(id).map_or("", String::as_str)
    }

    /// Sessions the plan gives, of those asked.
    fn sessions(&self) -> (u32, u32) {
        self.p
            .plan
            .allocations
            .iter()
            .fold((0, 0), |(got, asked), a| {
                (got + a.sessions, asked + a.asked)
            })
    }
}

async fn plan_page(state: &AppState, c: Ctx, id: &str) -> PageResult {
    let user = c.require(&[Role::LeagueAdmin])?;
    let p = services::dispatch::plan(state, user, id).await?;
    let communities = state
        .store
        .communities(user.district())
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let titles = state.store.project_titles(user.district()).await?;
    let page = PlanPage {
        c,
        p,
        communities,
        titles,
    };
    show(&page, &page.c)
}

async fn plan(State(state): State<AppState>, c: Ctx, Path(id): Path<String>) -> PageResult {
    plan_page(&state, c, &id).await
}

async fn propose(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let user = c.require(&[Role::LeagueAdmin])?;
    let made = services::dispatch::propose(&state, user).await?;
    done(&format!("/league/dispatch-plans/{}", made.id), "plan_made")
}

async fn apply(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<String>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let user = c.require(&[Role::LeagueAdmin])?.clone();
    match services::dispatch::apply(&state, &user, &id).await {
        Ok(_) => done("/league/dispatch", "plan_applied"),
        Err(e) => plan_page(&state, c.refused(e), &id).await,
    }
}
