//! The League's volunteers: teams and squads, the coming shifts and how far they are
//! covered, "propose a roster" solved exactly and shown as coverage per day, publishing
//! it as invitations, and the hours export for the national volunteer system.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use time::{Date, Duration, OffsetDateTime};
use youthloop_domain::id::*;
use youthloop_domain::role::Role;
use youthloop_domain::volunteer::{AssignmentStatus, RosterStatus};
use youthloop_store::model::{Page, ShiftFilter, ShiftLine};

use super::charts::{cover_per_day, BarChart, DayCover};
use super::{done, form_date, render, show, Ctx, PageForm, PageResult};
use crate::error::AppResult;
use crate::services;
use crate::services::shifts::{RosterAnswer, RosterBody};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/league/volunteers", get(overview))
        .route("/league/rosters", post(propose))
        .route("/league/rosters/{id}", get(roster))
        .route("/league/rosters/{id}/publish", post(publish))
}

const LEAGUE: &[Role] = &[Role::LeagueAdmin];
/// How far ahead the overview looks, and how many shifts its table lists.
const AHEAD_DAYS: i64 = 14;
const SHIFTS_LISTED: usize = 20;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct WindowForm {
    from: String,
    to: String,
}

/// A team with how many squads and volunteers it has.
pub struct TeamLine {
    pub name: String,
    pub squads: usize,
    pub members: i64,
}

#[derive(Template)]
#[template(path = "league_volunteers.html")]
struct OverviewPage {
    c: Ctx,
    teams: Vec<TeamLine>,
    squads: usize,
    volunteers: i64,
    chart: BarChart,
    shifts: Vec<ShiftLine>,
    shift_count: usize,
    f: WindowForm,
    export: WindowForm,
}

/// Next Monday to the Sunday after: the week a roster is usually made for.
fn next_week(today: Date) -> WindowForm {
    let monday = today + Duration::days(7 - i64::from(today.weekday().number_days_from_monday()));
    WindowForm {
        from: monday.to_string(),
        to: (monday + Duration::days(6)).to_string(),
    }
}

/// Bars of places filled per day, with what fills them in words.
fn cover_chart(c: &Ctx, title: String, days: &[DayCover]) -> BarChart {
    let rows = days
        .iter()
        .map(|d| {
            let text = c.t2("cover", "filled", d.held + d.proposed, "needed", d.needed);
            (c.weekday_date(d.day), d.share(), text)
        })
        .collect();
    BarChart::of_shares(title, rows)
}

/// Shifts starting from `from` up to `to` (Beijing days, both included).
async fn shifts_between(
    c: &Ctx,
    state: &AppState,
    from: Date,
    to: Date,
) -> AppResult<Vec<ShiftLine>> {
    let user = c.require(LEAGUE).map_err(|e| e.0)?;
    let at = |d: Date| -> OffsetDateTime {
        d.midnight()
            .assume_offset(youthloop_domain::parse::SHANGHAI)
    };
    let filter = ShiftFilter {
        after: at(from),
        before: Some(at(to + Duration::days(1))),
        task_id: None,
        team_id: None,
    };
    Ok(state.store.shifts(user.district(), &filter).await?)
}

async fn overview_page(state: &AppState, c: Ctx, f: Option<WindowForm>) -> PageResult {
    let user = c.require(LEAGUE)?;
    let district = user.district();
    let all = Page {
        limit: Page::MAX,
        after: None,
    };
    let teams = state.store.teams(district, &all).await?.items;
    let mut squads_of: HashMap<TeamId, usize> = HashMap::new();
    let mut after = None;
    // Squads page by page: a district has hundreds.
    loop {
        let page = Page {
            limit: Page::MAX,
            after: after.clone(),
        };
        let squads = state.store.squads(district, None, &page).await?;
        for s in &squads.items {
            *squads_of.entry(s.team_id.clone()).or_default() += 1;
        }
        match squads.next_cursor {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let today = state.today();
    let mut shifts = shifts_between(&c, state, today, today + Duration::days(AHEAD_DAYS)).await?;
    shifts.retain(|s| s.starts_at > c.now);
    let days = cover_per_day(
        shifts
            .iter()
            .map(|s| (s.starts_at, s.needed, s.assigned, 0)),
    );
    let chart = cover_chart(&c, c.t("cover-ahead"), &days);
    let shift_count = shifts.len();
    // The least covered first: what needs people.
    shifts.sort_by_key(|s| (s.assigned * 100 / s.needed.max(1), s.starts_at));
    shifts.truncate(SHIFTS_LISTED);
    let page = OverviewPage {
        squads: squads_of.values().sum(),
        volunteers: teams.iter().map(|t| t.member_count).sum(),
        teams: teams
            .into_iter()
            .map(|t| TeamLine {
                squads: squads_of.get(&t.id).copied().unwrap_or(0),
                name: t.name,
                members: t.member_count,
            })
            .collect(),
        chart,
        shifts,
        shift_count,
        f: f.unwrap_or_else(|| next_week(today)),
        export: WindowForm {
            from: today.replace_day(1).unwrap_or(today).to_string(),
            to: today.to_string(),
        },
        c,
    };
    show(&page, &page.c)
}

async fn overview(State(state): State<AppState>, c: Ctx) -> PageResult {
    overview_page(&state, c, None).await
}

async fn propose(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(f): PageForm<WindowForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let proposed = async {
        let body = RosterBody {
            from: form_date("from", &f.from)?,
            to: form_date("to", &f.to)?,
        };
        services::shifts::propose_roster(&state, &user, body).await
    }
    .await;
    match proposed {
        Ok(r) => done(&format!("/league/rosters/{}", r.id), "roster_proposed"),
        Err(e) => overview_page(&state, c.refused(e), Some(f)).await,
    }
}

/// A shift of the roster's window with what the roster proposes on it.
pub struct ShiftProposal {
    pub shift: ShiftLine,
    pub proposed: Vec<String>,
}

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterPage {
    c: Ctx,
    roster: RosterAnswer,
    from: Date,
    to: Date,
    chart: BarChart,
    needed: u32,
    filled: u32,
    shifts: Vec<ShiftProposal>,
}

impl RosterPage {
    fn proposed(&self) -> bool {
        self.roster.status == RosterStatus::Proposed.as_str()
    }
}

async fn roster_page(state: &AppState, c: Ctx, id: &RosterId) -> PageResult {
    let user = c.require(LEAGUE)?;
    let roster = services::shifts::roster(state, user, id).await?;
    let (from, to) = (roster.from, roster.to);
    let mut proposed: HashMap<String, Vec<String>> = HashMap::new();
    for a in &roster.assignments {
        if a.status == AssignmentStatus::Proposed.as_str() {
            proposed
                .entry(a.shift_id.clone())
                .or_default()
                .push(a.volunteer_no.clone());
        }
    }
    let mut shifts = shifts_between(&c, state, from, to).await?;
    // What had begun when it was proposed was not the roster's to fill.
    shifts.retain(|s| s.starts_at > c.now || proposed.contains_key(s.id.as_str()));
    let days = cover_per_day(shifts.iter().map(|s| {
        let n = proposed.get(s.id.as_str()).map_or(0, Vec::len);
        (
            s.starts_at,
            s.needed,
            s.assigned,
            u32::try_from(n).unwrap_or(u32::MAX),
        )
    }));
    let chart = cover_chart(&c, c.t("cover-roster"), &days);
    let page = RosterPage {
        needed: days.iter().map(|d| d.needed).sum(),
        filled: days.iter().map(|d| d.held + d.proposed).sum(),
        chart,
        shifts: shifts
            .into_iter()
            .map(|shift| ShiftProposal {
                proposed: proposed.remove(shift.id.as_str()).unwrap_or_default(),
                shift,
            })
            .collect(),
        roster,
        from,
        to,
        c,
    };
    render(&page)
}

async fn roster(State(state): State<AppState>, c: Ctx, Path(id): Path<RosterId>) -> PageResult {
    roster_page(&state, c, &id).await
}

async fn publish(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<RosterId>,
    PageForm(_): PageForm<super::NoFields>,
) -> PageResult {
    let user = c.user()?.clone();
    services::shifts::publish_roster(&state, &user, &id).await?;
    done(&format!("/league/rosters/{id}"), "roster_published")
}
