//! Buying (买菜): procurement rounds, proposals, approvals, and the menu.

use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use youthloop_domain::activity::check_ages;
use youthloop_domain::id::*;
use youthloop_domain::parse::{in_range, optional_text, text};
use youthloop_domain::region::{fit, parse_area, YouthProfile};
use youthloop_domain::role::Role;
use youthloop_domain::round::{self, RoundAction};
use youthloop_domain::{badge, Fen};
use youthloop_store::model::{MenuItem, NewProject, NewRound, Page, Project, Round};

use crate::error::{AppError, AppResult};
use crate::extract::{CurrentUser, MaybeUser};
use crate::services::regions::ProfileReach;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundBody {
    pub title: String,
    pub budget_fen: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub opens_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub closes_at: OffsetDateTime,
}

/// The League opens a new procurement round as a draft.
pub async fn create_round(state: &AppState, user: &CurrentUser, b: RoundBody) -> AppResult<Round> {
    user.require(&[Role::LeagueAdmin])?;
    round::check_dates(b.opens_at, b.closes_at, state.now())?;
    let round = NewRound {
        title: text("title", &b.title, 100)?,
        budget: Fen::parse("budget_fen", b.budget_fen)?,
        opens_at: b.opens_at.to_offset(time::UtcOffset::UTC),
        closes_at: b.closes_at.to_offset(time::UtcOffset::UTC),
    };
    Ok(state.store.create_round(&user.actor, round).await?)
}

pub async fn round(state: &AppState, user: &CurrentUser, id: &RoundId) -> AppResult<Round> {
    Ok(state.store.round(user.district(), id).await?)
}

/// The League moves a round on: open, review, award, close.
pub async fn move_round(
    state: &AppState,
    user: &CurrentUser,
    id: &RoundId,
    action: RoundAction,
) -> AppResult<Round> {
    user.require(&[Role::LeagueAdmin])?;
    Ok(state
        .store
        .transition_round(&user.actor, id, action)
        .await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectBody {
    pub title: String,
    pub area: String,
    pub min_age: i64,
    pub max_age: i64,
    pub capacity: i64,
    pub unit_price_fen: i64,
    pub sessions_offered: i64,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub badges: Vec<String>,
    /// The proposing organization, when the user works for more than one.
    #[schema(value_type = Option<String>)]
    pub organization_id: Option<OrganizationId>,
}

pub fn parse_badges(codes: &[String]) -> AppResult<Vec<String>> {
    if codes.len() > 12 {
        return Err(AppError::invalid(
            "badges",
            "最多12枚章 / At most 12 badges",
        ));
    }
    codes
        .iter()
        .map(|c| {
            badge::find(c).map(|b| b.code.to_owned()).ok_or_else(|| {
                AppError::invalid(
                    "badges",
                    format!(
                        "未知的章 / Unknown badge: {}",
                        c.chars().take(40).collect::<String>()
                    ),
                )
            })
        })
        .collect()
}

/// The organization a staff member acts for: the one named, if theirs, else their first.
pub fn acting_org(user: &CurrentUser, named: Option<&OrganizationId>) -> AppResult<OrganizationId> {
    let orgs = user.actor.org_ids();
    match named {
        Some(id) if orgs.contains(id) => Ok(id.clone()),
        Some(_) => Err(AppError::forbidden()),
        None => orgs.into_iter().next().ok_or_else(AppError::forbidden),
    }
}

/// An organization proposes a project into an open round.
pub async fn propose(
    state: &AppState,
    user: &CurrentUser,
    round_id: &RoundId,
    b: ProjectBody,
) -> AppResult<Project> {
    user.require(&[Role::OrgAdmin, Role::OrgStaff])?;
    let organization_id = acting_org(user, b.organization_id.as_ref())?;
    let min_age = in_range("min_age", b.min_age, 0, 30)?;
    let max_age = in_range("max_age", b.max_age, 0, 30)?;
    check_ages(min_age, max_age)?;
    let project = NewProject {
        round_id: round_id.to_owned(),
        organization_id,
        title: text("title", &b.title, 100)?,
        area: parse_area(&b.area)?.to_owned(),
        min_age,
        max_age,
        capacity: in_range("capacity", b.capacity, 1, 10_000)?,
        unit_price: Fen::parse("unit_price_fen", b.unit_price_fen)?,
        sessions_offered: in_range("sessions_offered", b.sessions_offered, 1, 10_000)?,
        description: optional_text("description", &b.description, 2000)?,
        badges: parse_badges(&b.badges)?,
    };
    Ok(state.store.create_project(&user.actor, project).await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    pub sessions_bought: i64,
}

/// The League approves a proposal and buys sessions of it.
pub async fn approve(
    state: &AppState,
    user: &CurrentUser,
    id: &ProjectId,
    b: ApproveBody,
) -> AppResult<Project> {
    user.require(&[Role::LeagueAdmin])?;
    let sessions = in_range("sessions_bought", b.sessions_bought, 1, 10_000)?;
    Ok(state
        .store
        .approve_project(&user.actor, id, sessions)
        .await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

impl ReasonBody {
    pub fn parse(&self) -> AppResult<String> {
        Ok(text("reason", &self.reason, 500)?)
    }
}

/// The League rejects a proposal with a reason.
pub async fn reject(
    state: &AppState,
    user: &CurrentUser,
    id: &ProjectId,
    b: ReasonBody,
) -> AppResult<Project> {
    user.require(&[Role::LeagueAdmin])?;
    Ok(state
        .store
        .reject_project(&user.actor, id, &b.parse()?)
        .await?)
}

/// A page of the menu, ranked.
pub struct Menu {
    pub items: Vec<MenuItem>,
    pub next_cursor: Option<String>,
}

/// The menu: approved projects with sessions left, ranked by fit for `community`.
/// Menu items best first for a community: by how well each fits its young people, then
/// by the organization's rating.
pub fn rank_by_fit(profile: &YouthProfile, items: &mut [MenuItem]) {
    for item in items.iter_mut() {
        item.fit = Some(fit(profile, item.min_age, item.max_age, &item.area));
    }
    items.sort_by(|a, b| {
        let key = |m: &MenuItem| (m.fit.map_or(0.0, |f| f.score()), m.rating);
        key(b)
            .partial_cmp(&key(a))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}

pub async fn menu(
    state: &AppState,
    viewer: &MaybeUser,
    district: &DistrictId,
    community: Option<&RegionId>,
    page: &Page,
) -> AppResult<Menu> {
    let mut items = state.store.menu(district).await?;
    if let Some(community) = community {
        let profile = state
            .store
            .region(district, community)
            .await?
            .profile
            .unwrap_or_default();
        rank_by_fit(&profile, &mut items);
        // Anyone may see the order; the figure, made from the profile, only those who
        // may see the profile.
        let reach = ProfileReach::of(state, viewer).await?;
        if !reach.sees(community) {
            for item in &mut items {
                item.fit = None;
            }
        }
    }
    // Ranked, not ordered by id: the cursor is the place in the ranking.
    let start = match page.after.as_deref() {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| AppError::invalid("cursor", "无效的游标 / Invalid cursor"))?,
    };
    let end = start.saturating_add(page.limit as usize).min(items.len());
    let next_cursor = (end < items.len()).then(|| end.to_string());
    let items = items
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    Ok(Menu { items, next_cursor })
}
