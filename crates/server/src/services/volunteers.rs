//! Volunteers' own profiles, and the League's teams and squads.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use youthloop_domain::id::*;
use youthloop_domain::parse::age_on;
use youthloop_domain::role::Role;
use youthloop_domain::volunteer::{self, Window, SKILLS};
use youthloop_domain::DomainError;
use youthloop_store::model::{self, NewSquad, NewVolunteer, Page};

use crate::error::{AppError, AppResult};
use crate::extract::CurrentUser;
use crate::state::AppState;
use crate::wire::Paged;

/// A weekly time the volunteer gives.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowBody {
    /// 1 (Monday) to 7.
    pub weekday: i64,
    /// "HH:MM", Beijing time.
    #[schema(example = "18:30")]
    pub from: String,
    /// "HH:MM", later than `from` (24:00 is midnight).
    #[schema(example = "21:00")]
    pub to: String,
}

/// A volunteer's profile. `volunteer_no` and `consent_live` are the platform's: a client
/// may send them back as it read them, and they are ignored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolunteerBody {
    #[serde(default)]
    pub volunteer_no: Option<String>,
    /// Skill codes of the district's list (teaching, first_aid, …).
    pub skills: Vec<String>,
    pub availability: Vec<WindowBody>,
    pub home_region_id: Option<String>,
    /// 60 to 3360 (eight hours a day).
    pub max_minutes_per_week: i64,
    /// Whether consent allows serving: always from 18; from 14 to 17, while a guardian's
    /// consent is on record.
    #[serde(default)]
    pub consent_live: Option<bool>,
}

/// What the API returns: the profile as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VolunteerProfile {
    pub volunteer_no: String,
    pub skills: Vec<String>,
    pub availability: Vec<WindowBody>,
    pub home_region_id: Option<String>,
    pub max_minutes_per_week: i64,
    pub consent_live: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamBody {
    pub name: String,
    pub leader_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SquadBody {
    pub name: String,
    pub region_id: String,
    pub leader_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    pub volunteer_id: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub leader_id: Option<String>,
    /// Volunteers in the team's squads.
    pub member_count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Squad {
    pub id: String,
    pub team_id: String,
    pub name: String,
    pub region_id: String,
    pub leader_id: Option<String>,
    pub member_count: i64,
}

impl From<model::Team> for Team {
    fn from(t: model::Team) -> Self {
        Self {
            id: t.id.into_string(),
            name: t.name,
            leader_id: t.leader_id.map(UserId::into_string),
            member_count: t.member_count,
        }
    }
}

impl From<model::Squad> for Squad {
    fn from(s: model::Squad) -> Self {
        Self {
            id: s.id.into_string(),
            team_id: s.team_id.into_string(),
            name: s.name,
            region_id: s.region_id.into_string(),
            leader_id: s.leader_id.map(UserId::into_string),
            member_count: s.member_count,
        }
    }
}

/// The caller's age, which the rules of volunteering need: known from the ID number
/// volunteers register with.
pub(crate) fn age_of(state: &AppState, user: &CurrentUser) -> AppResult<i32> {
    let birth = user.user.birth_date.ok_or_else(|| {
        DomainError::invalid(
            "id_number",
            "志愿者须实名登记身份证号 / Volunteers register with their ID number",
        )
    })?;
    Ok(age_on(birth, state.today()))
}

fn profile_of(v: model::Volunteer, consent_live: bool) -> VolunteerProfile {
    VolunteerProfile {
        volunteer_no: v.volunteer_no,
        skills: v.skills,
        availability: v
            .availability
            .iter()
            .map(|w| WindowBody {
                weekday: i64::from(w.weekday),
                from: w.from_text(),
                to: w.to_text(),
            })
            .collect(),
        home_region_id: v.home_region_id.map(RegionId::into_string),
        max_minutes_per_week: v.max_minutes_per_week,
        consent_live,
    }
}

/// The caller's own volunteer profile.
pub async fn my_profile(state: &AppState, user: &CurrentUser) -> AppResult<VolunteerProfile> {
    user.require(&[Role::Volunteer])?;
    let age = age_of(state, user)?;
    let v = state
        .store
        .volunteer(user.district(), &user.actor.user_id)
        .await?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "尚未填写志愿者资料 / No volunteer profile yet",
            )
        })?;
    Ok(profile_of(v, consent_live(state, user, age).await?))
}

/// Whether consent allows the caller to serve: their own from 18; from 14 to 17, a
/// guardian's on record for a child with their ID number.
pub(crate) async fn consent_live(
    state: &AppState,
    user: &CurrentUser,
    age: i32,
) -> AppResult<bool> {
    if age >= 18 {
        return Ok(true);
    }
    Ok(age >= 14
        && state
            .store
            .volunteering_consent(user.district(), &user.actor.user_id)
            .await?)
}

/// Creates or replaces the caller's volunteer profile.
pub async fn save_profile(
    state: &AppState,
    user: &CurrentUser,
    b: VolunteerBody,
) -> AppResult<VolunteerProfile> {
    user.require(&[Role::Volunteer])?;
    let age = age_of(state, user)?;
    if let Err(e @ DomainError::VolunteerAge { .. }) = volunteer::may_volunteer(age, true) {
        return Err(e.into());
    }
    volunteer::check_skills(&b.skills, |s| SKILLS.iter().any(|k| k.0 == s))?;
    let availability = b
        .availability
        .iter()
        .map(|w| Window::parse(w.weekday, &w.from, &w.to))
        .collect::<Result<Vec<_>, _>>()?;
    let minutes = u32::try_from(b.max_minutes_per_week)
        .ok()
        .filter(|m| (60..=3360).contains(m))
        .ok_or_else(|| {
            DomainError::invalid(
                "max_minutes_per_week",
                "每周时长应在60到3360分钟之间 / Must be 60 to 3360 minutes",
            )
        })?;
    let saved = state
        .store
        .save_volunteer(
            &user.actor,
            NewVolunteer {
                skills: b.skills,
                availability,
                home_region_id: b.home_region_id.map(RegionId::from),
                max_minutes_per_week: minutes,
            },
        )
        .await?;
    Ok(profile_of(saved, consent_live(state, user, age).await?))
}

fn name_of(name: &str) -> AppResult<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(DomainError::invalid(
            "name",
            "名称应为1到60个字 / A name is 1 to 60 characters",
        )
        .into());
    }
    Ok(name)
}

/// The League makes a team.
pub async fn create_team(state: &AppState, user: &CurrentUser, b: TeamBody) -> AppResult<Created> {
    user.require(&[Role::LeagueAdmin])?;
    let leader = b.leader_id.map(UserId::from);
    let id = state
        .store
        .create_team(&user.actor, name_of(&b.name)?, leader.as_ref())
        .await?;
    Ok(Created {
        id: id.into_string(),
    })
}

/// Teams and squads are the League's and their leaders' business.
fn require_league_or_leader(user: &CurrentUser) -> AppResult<()> {
    user.require(&[Role::LeagueAdmin, Role::TeamLeader, Role::SquadLeader])
}

pub async fn teams(state: &AppState, user: &CurrentUser, page: &Page) -> AppResult<Paged<Team>> {
    require_league_or_leader(user)?;
    Ok(state.store.teams(user.district(), page).await?.into())
}

pub async fn squads(
    state: &AppState,
    user: &CurrentUser,
    team: Option<&TeamId>,
    page: &Page,
) -> AppResult<Paged<Squad>> {
    require_league_or_leader(user)?;
    Ok(state
        .store
        .squads(user.district(), team, page)
        .await?
        .into())
}

/// The League or the team's leader makes a squad in the team.
pub async fn create_squad(
    state: &AppState,
    user: &CurrentUser,
    team_id: &TeamId,
    b: SquadBody,
) -> AppResult<Created> {
    let leads = user
        .actor
        .scopes(&[Role::TeamLeader])
        .iter()
        .any(|t| t == team_id.as_str());
    if !leads {
        user.require(&[Role::LeagueAdmin])?;
    }
    let team = state.store.team(user.district(), team_id).await?;
    let squad = NewSquad {
        team_id: team.id,
        name: name_of(&b.name)?.to_owned(),
        region_id: RegionId::from(b.region_id),
        leader_id: b.leader_id.map(UserId::from),
    };
    let id = state.store.create_squad(&user.actor, squad).await?;
    Ok(Created {
        id: id.into_string(),
    })
}

/// The League, the squad's team leader or the squad's leader may change its members;
/// to anyone else the squad does not exist.
async fn manageable_squad(
    state: &AppState,
    user: &CurrentUser,
    squad_id: &SquadId,
) -> AppResult<()> {
    let squad = state.store.squad(user.district(), squad_id).await?;
    let leads = |role: Role, id: &str| user.actor.scopes(&[role]).iter().any(|s| s == id);
    if user.actor.has(Role::LeagueAdmin)
        || leads(Role::SquadLeader, squad.id.as_str())
        || leads(Role::TeamLeader, squad.team_id.as_str())
    {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

pub async fn add_member(
    state: &AppState,
    user: &CurrentUser,
    squad_id: &SquadId,
    b: MemberBody,
) -> AppResult<()> {
    manageable_squad(state, user, squad_id).await?;
    Ok(state
        .store
        .add_member(&user.actor, squad_id, &UserId::from(b.volunteer_id))
        .await?)
}

pub async fn remove_member(
    state: &AppState,
    user: &CurrentUser,
    squad_id: &SquadId,
    volunteer_id: &UserId,
) -> AppResult<()> {
    manageable_squad(state, user, squad_id).await?;
    Ok(state
        .store
        .remove_member(&user.actor, squad_id, volunteer_id)
        .await?)
}
