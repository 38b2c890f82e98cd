//! The League: procurement rounds (open, review, award, close) with proposals to approve
//! against a budget meter, the dispatch queue with overdue orders first, settlement, and
//! the district dashboard.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use time::OffsetDateTime;
use youthloop_domain::id::*;
use youthloop_domain::order::OrderStatus;
use youthloop_domain::role::Role;
use youthloop_domain::round::{ProjectAction, RoundAction, RoundStatus};
use youthloop_store::model::{
    AuditEntry, CaseCount, DistrictFigures, Notice, Order, Project, Round,
};

use super::charts::{per_area, per_month, BarChart};
use super::community::orders_of;
use super::guardian::number;
use super::i18n::Lang;
use super::organization::{local_input, moment};
use super::{done, render, show, Ctx, PageError, PageForm, PageResult};
use crate::error::{AppError, AppResult};
use crate::extract::ListQuery;
use crate::services;
use crate::services::ranking::RankedProposal;
use crate::services::rounds::{ApproveBody, ReasonBody, RoundBody};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/league", get(rounds))
        .route("/league/rounds", post(create_round))
        .route("/league/rounds/{id}", get(round))
        .route("/league/rounds/{id}/{action}", post(move_round))
        .route("/league/projects/{id}/approve", post(approve))
        .route("/league/projects/{id}/reject", post(reject))
        .route("/league/dispatch", get(dispatch))
        .route("/league/dashboard", get(dashboard))
        .route("/league/cases", get(case_stats))
        .route("/league/audit", get(audit_trail))
}

const LEAGUE: &[Role] = &[Role::LeagueAdmin];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoundForm {
    title: String,
    budget_yuan: String,
    opens_at: String,
    closes_at: String,
}

impl RoundForm {
    fn body(&self) -> AppResult<RoundBody> {
        Ok(RoundBody {
            title: self.title.clone(),
            budget_fen: super::organization::fen("budget_yuan", &self.budget_yuan)?,
            opens_at: moment("opens_at", &self.opens_at)?,
            closes_at: moment("closes_at", &self.closes_at)?,
        })
    }
}

#[derive(Template)]
#[template(path = "league.html")]
struct RoundsPage {
    c: Ctx,
    /// The newest reminders for the League, such as orders escalated as overdue.
    notices: Vec<Notice>,
    rounds: Vec<Round>,
    f: RoundForm,
}

async fn rounds_page(state: &AppState, c: Ctx, f: RoundForm) -> PageResult {
    let user = c.require(LEAGUE)?;
    let rounds = state.store.rounds(user.district()).await?;
    let notices = state
        .store
        .notices(user.district(), Role::LeagueAdmin, 5)
        .await?;
    let page = RoundsPage {
        c,
        notices,
        rounds,
        f,
    };
    show(&page, &page.c)
}

async fn rounds(State(state): State<AppState>, c: Ctx) -> PageResult {
    let now = state.now();
    let f = RoundForm {
        opens_at: local_input(now),
        closes_at: local_input(now + time::Duration::days(30)),
        ..RoundForm::default()
    };
    rounds_page(&state, c, f).await
}

async fn create_round(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(f): PageForm<RoundForm>,
) -> PageResult {
    let user = c.require(LEAGUE)?.clone();
    let created = async {
        let body = f.body()?;
        services::rounds::create_round(&state, &user, body)
            .await
            .map(|r| r.id)
    }
    .await;
    match created {
        Ok(id) => done(&format!("/league/rounds/{id}"), "round_created"),
        Err(e) => rounds_page(&state, c.refused(e.renamed("budget_fen", "budget_yuan")), f).await,
    }
}

#[derive(Template)]
#[template(path = "round.html")]
struct RoundPage {
    c: Ctx,
    r: Round,
    /// Best first by the ranking.
    projects: Vec<Project>,
    ranked: HashMap<String, RankedProposal>,
    /// Organization names by id.
    names: HashMap<OrganizationId, String>,
    rule: &'static str,
    steps: Vec<RoundAction>,
    /// The project whose form was refused, to show its error beside it.
    refused: String,
}

impl RoundPage {
    /// A step that cannot be undone: an outlined warning, never the main button.
    fn step_class(&self, step: &RoundAction) -> &'static str {
        if step.irreversible() {
            "danger"
        } else {
            ""
        }
    }

    /// Whether the League may approve or reject this proposal now.
    fn decidable(&self, p: &Project) -> bool {
        self.r.status.accepts_decisions() && p.status.apply(ProjectAction::Approve).is_ok()
    }

    /// The budget meter's value and maximum, in yuan.
    fn taken(&self) -> i64 {
        self.r.approved_fen / 100
    }

    fn budget(&self) -> i64 {
        self.r.budget_fen / 100
    }

    fn ranked(&self, p: &Project) -> Option<&RankedProposal> {
        self.ranked.get(p.id.as_str())
    }

    fn name(&self, p: &Project) -> &str {
        self.names
            .get(&p.organization_id)
            .map_or("", String::as_str)
    }
}

async fn round_page(state: &AppState, c: Ctx, id: &RoundId, refused: String) -> PageResult {
    let user = c.require(LEAGUE)?;
    let r = services::rounds::round(state, user, id).await?;
    let mut projects = state.store.projects(user.district(), &r.id).await?;
    let ranking = services::ranking::ranking(state, user, &r.id).await?;
    let place = |p: &Project| {
        ranking
            .items
            .iter()
            .position(|i| i.project_id == p.id.as_str())
    };
    projects.sort_by_key(|p| place(p));
    let names = super::organization_names(state, user.district()).await?;
    let rule = match c.lang {
        Lang::Zh => ranking.rule_zh,
        Lang::En => ranking.rule_en,
    };
    let ranked = ranking
        .items
        .into_iter()
        .map(|i| (i.project_id.clone(), i))
        .collect();
    let steps = youthloop_domain::allowed(r.status, RoundAction::ALL, RoundStatus::apply);
    let page = RoundPage {
        c,
        r,
        projects,
        ranked,
        names,
        rule,
        steps,
        refused,
    };
    show(&page, &page.c)
}

async fn round(State(state): State<AppState>, c: Ctx, Path(id): Path<RoundId>) -> PageResult {
    round_page(&state, c, &id, String::new()).await
}

async fn move_round(
    State(state): State<AppState>,
    c: Ctx,
    Path((id, action)): Path<(RoundId, String)>,
    PageForm(f): PageForm<super::Confirm>,
) -> PageResult {
    let user = c.require(LEAGUE)?.clone();
    let action = RoundAction::parse(&action).ok_or_else(|| PageError(AppError::not_found()))?;
    if action.irreversible() && !f.confirmed() {
        let path = format!("/league/rounds/{id}/{action}");
        let question = c.t("confirm-round-close");
        return f.ask(c, &path, question, "round-step-close");
    }
    match services::rounds::move_round(&state, &user, &id, action).await {
        Ok(_) => done(&format!("/league/rounds/{id}"), "round_moved"),
        Err(e) => round_page(&state, c.refused(e), &id, String::new()).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    sessions_bought: String,
    reason: String,
}

async fn approve(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ProjectId>,
    PageForm(f): PageForm<DecisionForm>,
) -> PageResult {
    let user = c.require(LEAGUE)?.clone();
    let project = state.store.project(user.district(), &id).await?;
    let approved = async {
        let sessions_bought = number("sessions_bought", &f.sessions_bought)?;
        services::rounds::approve(&state, &user, &id, ApproveBody { sessions_bought })
            .await
            .map(|_| ())
    }
    .await;
    let round = format!("/league/rounds/{}", project.round_id);
    match approved {
        Ok(()) => done(&round, "approved"),
        Err(e) => round_page(&state, c.refused(e), &project.round_id, id.into()).await,
    }
}

async fn reject(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ProjectId>,
    PageForm(f): PageForm<DecisionForm>,
) -> PageResult {
    let user = c.require(LEAGUE)?.clone();
    let project = state.store.project(user.district(), &id).await?;
    let body = ReasonBody { reason: f.reason };
    let round = format!("/league/rounds/{}", project.round_id);
    match services::rounds::reject(&state, &user, &id, body).await {
        Ok(_) => done(&round, "rejected"),
        Err(e) => round_page(&state, c.refused(e), &project.round_id, id.into()).await,
    }
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct DispatchPage {
    c: Ctx,
    /// Waiting for the League: to dispatch or reject, and to settle.
    waiting: Vec<Order>,
    orders: Vec<Order>,
    /// Project titles by id, to name each order.
    titles: HashMap<ProjectId, String>,
}

/// Overdue first, then the soonest due, then the oldest.
fn queue_order(a: &Order, b: &Order) -> std::cmp::Ordering {
    b.overdue
        .cmp(&a.overdue)
        .then_with(|| match (a.due_at, b.due_at) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.created_at.cmp(&b.created_at))
}

async fn dispatch(State(state): State<AppState>, c: Ctx) -> PageResult {
    let user = c.require(LEAGUE)?;
    let (mut waiting, mut orders): (Vec<Order>, Vec<Order>) = orders_of(&state, user)
        .await?
        .into_iter()
        .partition(|o| matches!(o.status, OrderStatus::Submitted | OrderStatus::Confirmed));
    waiting.sort_by(queue_order);
    orders.sort_by(queue_order);
    let titles = state.store.project_titles(user.district()).await?;
    render(&DispatchPage {
        c,
        waiting,
        orders,
        titles,
    })
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    c: Ctx,
    figures: DistrictFigures,
    charts: Vec<BarChart>,
}

async fn dashboard(State(state): State<AppState>, c: Ctx) -> PageResult {
    let user = c.require(&[Role::LeagueAdmin, Role::Evaluator])?;
    let district = user.district().to_owned();
    let figures = state.store.district_figures(&district).await?;
    let facts = state.store.activity_facts(&district).await?;
    let starts: Vec<OffsetDateTime> = facts.iter().map(|f| f.starts_at).collect();
    let months = per_month(&starts, state.today());
    let areas = per_area(facts.iter().map(|f| f.area.as_deref()));
    let orgs = state.store.satisfaction_by_org(&district).await?;
    let count = |(label, n): (String, u32)| (label, f64::from(n), n.to_string());
    let charts = vec![
        BarChart::new(
            c.t("chart-per-month"),
            months
                .into_iter()
                .map(|(month, n)| count((month_label(&c, &month), n)))
                .collect(),
        ),
        BarChart::new(
            c.t("chart-per-area"),
            areas
                .into_iter()
                .map(|(code, n)| match code.as_str() {
                    "" => count((c.t("area-none"), n)),
                    code => count((c.area(code), n)),
                })
                .collect(),
        ),
        BarChart::new(
            c.t("chart-satisfaction"),
            orgs.into_iter()
                .map(|o| {
                    let rating = o.rating.unwrap_or(0.0);
                    let text = o
                        .rating
                        .map_or_else(|| "–".to_owned(), |r| format!("{r:.2} ({})", o.reviews));
                    (o.name, rating, text)
                })
                .collect(),
        ),
    ];
    render(&DashboardPage { c, figures, charts })
}

/// A chart's month (`2026-01`) as the page's language says it.
fn month_label(c: &Ctx, month: &str) -> String {
    let parsed = month.split_once('-').and_then(|(y, m)| {
        let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
        Some((y.parse::<i32>().ok()?, month))
    });
    parsed.map_or_else(|| month.to_owned(), |(year, m)| c.lang.month(year, m))
}

/// Who sees the district as a whole: the League and its evaluators.
const OVERSEERS: &[Role] = &[Role::LeagueAdmin, Role::Evaluator];

#[derive(Template)]
#[template(path = "league_cases.html")]
struct CaseStatsPage {
    c: Ctx,
    counts: Vec<CaseCount>,
}

impl CaseStatsPage {
    fn total(&self) -> u32 {
        self.counts.iter().map(|k| k.count).sum()
    }
}

/// How many cases, by category, risk and state: counts only, never whose or what.
async fn case_stats(State(state): State<AppState>, c: Ctx) -> PageResult {
    let user = c.require(OVERSEERS)?;
    let counts = services::cases::stats(&state, user).await?;
    render(&CaseStatsPage { c, counts })
}

#[derive(Template)]
#[template(path = "league_audit.html")]
struct AuditPage {
    c: Ctx,
    events: Vec<AuditEntry>,
    next: Option<String>,
}

impl AuditPage {
    /// What was done, in words (`取消报名`), or its code when this version has none.
    fn action(&self, e: &AuditEntry) -> String {
        let lang = self.c.lang;
        let (kind, verb) = e.action.split_once('.').unwrap_or((&e.action, ""));
        let kind = format!("audit-kind-{}", kind.replace('_', "-"));
        let verb = format!("audit-verb-{verb}");
        if !(lang.has(&kind) && lang.has(&verb)) {
            return e.action.clone();
        }
        self.c
            .t2("audit-action", "verb", lang.t(&verb), "kind", lang.t(&kind))
    }

    /// An event's time as people read it; the stored text if it is not a time.
    fn at(&self, e: &AuditEntry) -> String {
        let rfc3339 = &time::format_description::well_known::Rfc3339;
        OffsetDateTime::parse(&e.at, rfc3339).map_or_else(|_| e.at.clone(), |at| self.c.when(at))
    }
}

/// The district's audit trail, oldest first, a page at a time.
async fn audit_trail(
    State(state): State<AppState>,
    c: Ctx,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let user = c.require(OVERSEERS)?;
    let page = services::cases::audit_trail(&state, user, &q).await?;
    render(&AuditPage {
        c,
        events: page.items,
        next: page.next_cursor,
    })
}
