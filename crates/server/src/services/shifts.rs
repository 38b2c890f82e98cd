//! Volunteers at work: tasks and shifts, sign-ups, rosters and invitations, check-in and
//! out, service hours and their corrections, certificates and their public check.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, UtcOffset};
use utoipa::ToSchema;
use youthloop_domain::checkin;
use youthloop_domain::id::*;
use youthloop_domain::parse::{age_on, local_date};
use youthloop_domain::role::Role;
use youthloop_domain::volunteer::{self, AssignmentAction, AssignmentStatus, HoursEntry, SKILLS};
use youthloop_domain::DomainError;
use youthloop_store::model::{self, HoursRecord, NewShift, NewTask, ShiftFilter, ShiftLine, Task};

use crate::error::{AppError, AppResult};
use crate::extract::CurrentUser;
use crate::services::activities::CheckinCode;
use crate::services::volunteers::{age_of, Created};
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskBody {
    pub title: String,
    /// The service area's code or Chinese name (as on orders and projects).
    pub area: String,
    #[serde(default)]
    pub description: String,
    /// The community (or town) where it takes place.
    pub region_id: String,
    pub venue: String,
    /// The activity this task serves, if any.
    pub activity_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftBody {
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// How many people: 1 to 500.
    pub needed: i64,
    /// Skill codes every person on the shift needs.
    #[serde(default)]
    pub skills: Vec<String>,
    /// 14 unless the shift asks more.
    pub min_age: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShiftItem {
    pub id: String,
    pub task_id: String,
    pub title: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub region_id: String,
    pub venue: String,
    pub needed: u32,
    /// Places held: invited, assigned, checked in or completed.
    pub assigned: u32,
    pub skills: Vec<String>,
    pub min_age: u8,
}

impl From<ShiftLine> for ShiftItem {
    fn from(s: ShiftLine) -> Self {
        Self {
            id: s.id.into_string(),
            task_id: s.task_id.into_string(),
            title: s.title,
            starts_at: s.starts_at.to_offset(youthloop_domain::parse::SHANGHAI),
            ends_at: s.ends_at.to_offset(youthloop_domain::parse::SHANGHAI),
            region_id: s.region_id.into_string(),
            venue: s.venue,
            needed: s.needed,
            assigned: s.assigned,
            skills: s.skills,
            min_age: s.min_age,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// `?open=true` for the shifts still needing people that the caller may take;
/// `?task=ID` for one task's.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ShiftQuery {
    pub open: Option<bool>,
    #[param(value_type = Option<String>)]
    pub task: Option<TaskId>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentItem {
    pub id: String,
    pub shift_id: String,
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub title: String,
    pub venue: String,
    /// Shown instead of a name or ID number.
    pub volunteer_no: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl From<model::Assignment> for AssignmentItem {
    fn from(a: model::Assignment) -> Self {
        Self {
            id: a.id.into_string(),
            shift_id: a.shift_id.into_string(),
            status: a.status.as_str().to_owned(),
            starts_at: a.starts_at.to_offset(youthloop_domain::parse::SHANGHAI),
            ends_at: a.ends_at.to_offset(youthloop_domain::parse::SHANGHAI),
            title: a.title,
            venue: a.venue,
            volunteer_no: a.volunteer_no,
            reason: a.reason,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusAnswer {
    pub id: String,
    pub status: String,
    /// Minutes recorded, on check-out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
}

impl From<model::Assignment> for StatusAnswer {
    fn from(a: model::Assignment) -> Self {
        Self {
            id: a.id.into_string(),
            status: a.status.as_str().to_owned(),
            minutes: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterBody {
    /// The first day, Beijing time ("YYYY-MM-DD").
    #[serde(with = "crate::wire::ymd")]
    #[schema(value_type = String, example = "2026-12-01")]
    pub from: Date,
    /// The last day, included.
    #[serde(with = "crate::wire::ymd")]
    #[schema(value_type = String, example = "2026-12-01")]
    pub to: Date,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterAnswer {
    pub id: String,
    pub status: String,
    pub assignments: Vec<AssignmentItem>,
    /// Places the roster could not fill, summed over the shifts.
    pub unmet: u32,
    pub proven_optimal: bool,
    pub seconds: f64,
    /// The window of days it was made for, Beijing time.
    #[serde(with = "crate::wire::ymd")]
    #[schema(value_type = String, example = "2026-12-01")]
    pub from: Date,
    #[serde(with = "crate::wire::ymd")]
    #[schema(value_type = String, example = "2026-12-01")]
    pub to: Date,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Published {
    pub status: String,
    /// Proposals that became invitations (the rest no longer fitted and were dropped).
    pub invited: u32,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    #[serde(default)]
    pub reason: Option<String>,
}

/// A volunteer checks in or out with the code shown at the shift; a leader or the
/// organization's staff does it for them with the assignment's id.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftCheckinBody {
    pub code: Option<String>,
    pub assignment_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HoursItem {
    pub id: String,
    pub shift_id: String,
    pub title: String,
    pub place: String,
    /// The day served, Beijing time.
    #[serde(with = "crate::wire::ymd")]
    #[schema(value_type = String, example = "2026-12-01")]
    pub date: Date,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub minutes: u32,
    /// The organization that recorded it.
    pub organization: String,
    /// The person who recorded it.
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrects: Option<String>,
    /// A later record corrects this one: its minutes no longer count.
    pub corrected: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl From<HoursRecord> for HoursItem {
    fn from(h: HoursRecord) -> Self {
        Self {
            id: h.id.into_string(),
            shift_id: h.shift_id.into_string(),
            title: h.content,
            place: h.place,
            date: h.served_on,
            starts_at: h.starts_at.to_offset(youthloop_domain::parse::SHANGHAI),
            ends_at: h.ends_at.to_offset(youthloop_domain::parse::SHANGHAI),
            minutes: h.minutes,
            organization: h.organization,
            recorded_by: h.recorded_by_name,
            recorded_at: h.recorded_at.to_offset(youthloop_domain::parse::SHANGHAI),
            corrects: h.corrects.map(HoursId::into_string),
            corrected: h.corrected,
            reason: h.reason,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyHours {
    /// The minutes that stand: corrected records count as corrected.
    pub total_minutes: u32,
    pub items: Vec<HoursItem>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    pub minutes: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodBody {
    #[serde(with = "crate::wire::ymd")]
    #[schema(value_type = String, example = "2026-12-01")]
    pub from: Date,
    #[serde(with = "crate::wire::ymd")]
    #[schema(value_type = String, example = "2026-12-01")]
    pub to: Date,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Issued {
    pub serial: String,
    pub total_minutes: u32,
    /// The public page that verifies it.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertifiedVolunteer {
    /// The family name and ＊ for the rest.
    pub name: String,
    pub volunteer_no: String,
}

/// What a certificate says: the period, the time served, who issued it and whether it
/// still stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateFacts {
    pub serial: String,
    pub total_minutes: u32,
    #[serde(with = "crate::wire::ymd")]
    #[schema(value_type = String, example = "2026-12-01")]
    pub from: Date,
    #[serde(with = "crate::wire::ymd")]
    #[schema(value_type = String, example = "2026-12-01")]
    pub to: Date,
    pub issuer: String,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// The hours behind it still stand as certified (none corrected since).
    pub valid: bool,
}

impl From<&model::Certificate> for CertificateFacts {
    fn from(c: &model::Certificate) -> Self {
        Self {
            serial: c.serial.clone(),
            total_minutes: c.total_minutes,
            from: c.period_from,
            to: c.period_to,
            issuer: c.issuer.clone(),
            issued_at: c.issued_at.to_offset(youthloop_domain::parse::SHANGHAI),
            valid: c.standing_minutes == i64::from(c.total_minutes),
        }
    }
}

/// What anyone may see of a certificate: never the full name or an ID number.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicCertificate {
    #[serde(flatten)]
    pub facts: CertificateFacts,
    pub volunteer: CertifiedVolunteer,
}

fn text(field: &'static str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("应为1到{max}个字 / 1 to {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Whether the caller runs the task: the League, the organization that made it, or the
/// team's leader.
fn runs_task(
    user: &CurrentUser,
    task_org: Option<&OrganizationId>,
    task_team: Option<&TeamId>,
) -> bool {
    let scoped = |roles: &[Role], id: &str| user.actor.scopes(roles).iter().any(|s| s == id);
    user.actor.has(Role::LeagueAdmin)
        || task_org.is_some_and(|o| scoped(&[Role::OrgAdmin, Role::OrgStaff], o.as_str()))
        || task_team.is_some_and(|t| scoped(&[Role::TeamLeader], t.as_str()))
}

/// Whether the caller leads the squad `volunteer_id` serves in.
async fn leads_squad_of(
    state: &AppState,
    user: &CurrentUser,
    volunteer_id: &UserId,
) -> AppResult<bool> {
    let squads = user.actor.scopes(&[Role::SquadLeader]);
    if squads.is_empty() {
        return Ok(false);
    }
    let squad = state.store.squad_of(user.district(), volunteer_id).await?;
    Ok(squad.is_some_and(|s| squads.iter().any(|id| id == s.id.as_str())))
}

/// The League, an organization or a team leader makes a task; it belongs to the
/// maker's organization or team.
pub async fn create_task(state: &AppState, user: &CurrentUser, b: TaskBody) -> AppResult<Created> {
    let (organization_id, team_id) = if user.actor.has(Role::LeagueAdmin) {
        (None, None)
    } else if let Some(org) = user
        .actor
        .org_ids()
        .into_iter()
        .find(|_| user.actor.has_any(&[Role::OrgAdmin, Role::OrgStaff]))
    {
        (Some(org), None)
    } else if let Some(team) = user.actor.scopes(&[Role::TeamLeader]).into_iter().next() {
        (None, Some(TeamId::from(team)))
    } else {
        return Err(AppError::forbidden());
    };
    let area = youthloop_domain::region::parse_area(&b.area)?;
    let task = NewTask {
        title: text("title", &b.title, 60)?,
        area: area.to_owned(),
        description: b.description.trim().chars().take(2000).collect(),
        region_id: RegionId::from(b.region_id),
        venue: text("venue", &b.venue, 100)?,
        activity_id: b.activity_id.map(ActivityId::from),
        organization_id,
        team_id,
    };
    let id = state.store.create_task(&user.actor, task).await?;
    Ok(Created {
        id: id.into_string(),
    })
}

/// A task the caller runs; anyone else is told it does not exist.
async fn own_task(state: &AppState, user: &CurrentUser, id: &TaskId) -> AppResult<Task> {
    let task = state.store.task(user.district(), id).await?;
    if runs_task(user, task.organization_id.as_ref(), task.team_id.as_ref()) {
        Ok(task)
    } else {
        Err(AppError::not_found())
    }
}

/// Who made the task adds a shift to it.
pub async fn create_shift(
    state: &AppState,
    user: &CurrentUser,
    task_id: &TaskId,
    b: ShiftBody,
) -> AppResult<Created> {
    let task = own_task(state, user, task_id).await?;
    volunteer::check_shift_time(b.starts_at, b.ends_at)?;
    if b.starts_at <= state.now() {
        return Err(AppError::invalid(
            "starts_at",
            "班次应在将来开始 / A shift starts in the future",
        ));
    }
    volunteer::check_skills(&b.skills, |s| SKILLS.iter().any(|k| k.0 == s))?;
    let shift = NewShift {
        starts_at: b.starts_at.to_offset(UtcOffset::UTC),
        ends_at: b.ends_at.to_offset(UtcOffset::UTC),
        needed: volunteer::check_needed(b.needed)?,
        skills: b.skills,
        min_age: volunteer::check_min_age(b.min_age)?,
    };
    let id = state
        .store
        .create_shift(&user.actor, &task.id, shift)
        .await?;
    Ok(Created {
        id: id.into_string(),
    })
}

/// What a volunteer brings to a shift: their profile, age and consent.
struct Candidate {
    profile: model::Volunteer,
    age: i32,
    consent_live: bool,
}

async fn candidate(state: &AppState, user: &CurrentUser) -> AppResult<Candidate> {
    user.require(&[Role::Volunteer])?;
    let age = age_of(state, user)?;
    let profile = state
        .store
        .volunteer(user.district(), &user.actor.user_id)
        .await?
        .ok_or_else(|| {
            AppError::new(
                axum::http::StatusCode::CONFLICT,
                "no_profile",
                "请先填写志愿者资料 / Fill in your volunteer profile first",
            )
        })?;
    let consent_live = crate::services::volunteers::consent_live(state, user, age).await?;
    Ok(Candidate {
        profile,
        age,
        consent_live,
    })
}

/// Whether the candidate may serve on the shift by who they are (age, consent, skills);
/// places, overlaps and minutes are the store's to weigh at the moment of writing.
fn may_take(c: &Candidate, shift: &ShiftLine) -> Result<(), DomainError> {
    volunteer::may_serve(c.age, c.consent_live, shift.min_age)?;
    if shift.skills.iter().any(|s| !c.profile.skills.contains(s)) {
        return Err(DomainError::Skills);
    }
    Ok(())
}

/// Upcoming shifts; with `open`, those with places left that the calling volunteer may
/// take and that fit their weekly times.
pub async fn shifts(
    state: &AppState,
    user: &CurrentUser,
    q: &ShiftQuery,
) -> AppResult<Items<ShiftItem>> {
    let filter = ShiftFilter {
        after: state.now(),
        before: None,
        task_id: q.task.clone(),
        team_id: None,
    };
    let mut lines = state.store.shifts(user.district(), &filter).await?;
    if q.open == Some(true) {
        let c = candidate(state, user).await?;
        let mine = state
            .store
            .assignments_of(user.district(), &user.actor.user_id)
            .await?;
        let planner_volunteer = planner_volunteer(&c);
        lines.retain(|s| {
            s.assigned < s.needed
                && s.starts_at > state.now()
                && may_take(&c, s).is_ok()
                && planner_volunteer.available(&planner_shift(s, 0))
                && !mine
                    .iter()
                    .any(|a| a.shift_id == s.id && a.status.holds_place())
        });
    }
    Ok(Items {
        items: lines.into_iter().map(Into::into).collect(),
    })
}

/// A volunteer takes a place on a shift themselves: assigned at once.
pub async fn sign_up(
    state: &AppState,
    user: &CurrentUser,
    shift_id: &ShiftId,
    key: Option<&str>,
) -> AppResult<(StatusAnswer, bool)> {
    let key = key.map(|k| text("Idempotency-Key", k, 100)).transpose()?;
    let c = candidate(state, user).await?;
    let shift = state.store.shift(user.district(), shift_id).await?;
    may_take(&c, &shift)?;
    let (a, replayed) = state
        .store
        .sign_up(&user.actor, shift_id, key.as_deref())
        .await?;
    Ok((a.into(), replayed))
}

// ---------------------------------------------------------------------------------------
// Rosters

/// Minutes since 1970-01-01 00:00 Beijing time: the planner's clock.
fn planner_minutes(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp() + 8 * 3600).div_euclid(60)
}

fn planner_shift(s: &ShiftLine, needed: u32) -> youthloop_planner::Shift {
    youthloop_planner::Shift {
        start: planner_minutes(s.starts_at),
        end: planner_minutes(s.ends_at),
        site: youthloop_planner::Place {
            town: u32::MAX,
            community: u32::MAX,
        },
        needed,
        skills: s.skills.clone(),
        min_age: s.min_age,
    }
}

fn planner_volunteer(c: &Candidate) -> youthloop_planner::Volunteer {
    youthloop_planner::Volunteer {
        age: u8::try_from(c.age.clamp(0, 120)).unwrap_or(0),
        consent: c.consent_live,
        skills: c.profile.skills.clone(),
        availability: c
            .profile
            .availability
            .iter()
            .map(|w| youthloop_planner::Window {
                weekday: w.weekday,
                from: w.from,
                to: w.to,
            })
            .collect(),
        home: youthloop_planner::Place {
            town: u32::MAX,
            community: u32::MAX,
        },
        squad: None,
        max_minutes_per_week: u32::try_from(c.profile.max_minutes_per_week).unwrap_or(0),
    }
}

/// The planner's instance for a roster, and which shift and volunteer each position is.
pub(crate) struct RosterInstance {
    pub instance: youthloop_planner::Instance,
    pub shifts: Vec<ShiftId>,
    pub volunteers: Vec<UserId>,
}

/// Builds the planner's instance from what the store read: shifts in the window (and
/// the caller's team's, for a team leader) that have not begun are open; the others in
/// those weeks carry only the minutes already held on them.
pub(crate) fn roster_instance(
    inputs: model::RosterInputs,
    (from, to): (Date, Date),
    team: Option<&TeamId>,
    now: OffsetDateTime,
) -> RosterInstance {
    use std::collections::HashMap;
    use youthloop_planner::{Instance, Pair, Place};
    let parent: HashMap<RegionId, Option<RegionId>> = inputs.regions.into_iter().collect();
    let mut numbers: HashMap<RegionId, u32> = HashMap::new();
    let mut number = |id: &RegionId| {
        let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
        *numbers.entry(id.clone()).or_insert(next)
    };
    let mut place = |id: Option<&RegionId>| match id {
        None => Place {
            town: u32::MAX,
            community: u32::MAX,
        },
        Some(id) => {
            let town = parent
                .get(id)
                .cloned()
                .flatten()
                .unwrap_or_else(|| id.clone());
            Place {
                town: number(&town),
                community: number(id),
            }
        }
    };
    let shift_index: HashMap<ShiftId, usize> = inputs
        .shifts
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();
    let volunteers: Vec<_> = inputs
        .volunteers
        .into_iter()
        .filter(|v| v.birth_date.is_some())
        .collect();
    let volunteer_index: HashMap<UserId, usize> = volunteers
        .iter()
        .enumerate()
        .map(|(i, v)| (v.profile.user_id.clone(), i))
        .collect();
    let mut fixed = Vec::new();
    let mut forbidden = Vec::new();
    let mut held = vec![0u32; inputs.shifts.len()];
    for (shift, volunteer, status) in &inputs.assignments {
        let Some(&s) = shift_index.get(shift) else {
            continue;
        };
        if status.holds_place() {
            held[s] += 1;
        }
        let Some(&v) = volunteer_index.get(volunteer) else {
            continue;
        };
        let pair = Pair {
            volunteer: v,
            shift: s,
        };
        if status.holds_place() {
            fixed.push(pair);
        } else if matches!(
            status,
            AssignmentStatus::Declined | AssignmentStatus::Cancelled
        ) {
            forbidden.push(pair);
        }
    }
    let shifts = inputs
        .shifts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let day = local_date(s.starts_at);
            let open = day >= from
                && day <= to
                && s.starts_at > now
                && team.is_none_or(|t| s.team_id.as_ref() == Some(t));
            let mut shift = planner_shift(s, if open { s.needed.max(held[i]) } else { held[i] });
            shift.site = place(Some(&s.region_id));
            shift
        })
        .collect();
    let mut squads: Vec<Place> = Vec::new();
    let planner_volunteers = volunteers
        .iter()
        .map(|v| {
            let age = v.birth_date.map_or(0, |b| age_on(b, from));
            let mut p = planner_volunteer(&Candidate {
                profile: v.profile.clone(),
                age,
                consent_live: v.consent_live,
            });
            p.home = place(v.profile.home_region_id.as_ref());
            p.squad = v.squad_region_id.as_ref().map(|r| {
                let base = place(Some(r));
                let at = squads.iter().position(|q| *q == base).unwrap_or_else(|| {
                    squads.push(base);
                    squads.len() - 1
                });
                u32::try_from(at).unwrap_or(u32::MAX)
            });
            p
        })
        .collect();
    RosterInstance {
        instance: Instance {
            volunteers: planner_volunteers,
            squads,
            shifts,
            fixed,
            forbidden,
        },
        shifts: inputs.shifts.into_iter().map(|s| s.id).collect(),
        volunteers: volunteers.into_iter().map(|v| v.profile.user_id).collect(),
    }
}

/// The team a roster is for: a team leader's own (the League's covers the district).
fn roster_team(user: &CurrentUser) -> AppResult<Option<TeamId>> {
    if user.actor.has(Role::LeagueAdmin) {
        Ok(None)
    } else if let Some(team) = user.actor.scopes(&[Role::TeamLeader]).into_iter().next() {
        Ok(Some(TeamId::from(team)))
    } else {
        Err(AppError::forbidden())
    }
}

/// Proposes a roster for the open shifts in the window: solved exactly, nothing binding
/// until it is published and each volunteer accepts.
pub async fn propose_roster(
    state: &AppState,
    user: &CurrentUser,
    b: RosterBody,
) -> AppResult<RosterAnswer> {
    let team = roster_team(user)?;
    if b.to < b.from {
        return Err(AppError::invalid(
            "to",
            "结束日期早于开始日期 / to is before from",
        ));
    }
    if b.to - b.from > Duration::days(31) {
        return Err(AppError::invalid(
            "to",
            "一次排班不超过31天 / A roster covers at most 31 days",
        ));
    }
    let inputs = state
        .store
        .roster_inputs(user.district(), (b.from, b.to), team.as_ref())
        .await?;
    let built = roster_instance(inputs, (b.from, b.to), team.as_ref(), state.now());
    let instance = built.instance;
    let solved = tokio::task::spawn_blocking(move || {
        youthloop_planner::solve(
            &instance,
            &youthloop_planner::Weights::default(),
            youthloop_planner::Options::default(),
        )
    })
    .await
    .map_err(|e| AppError::internal(format!("the roster solver stopped: {e}")))?
    .map_err(|e| AppError::internal(format!("the roster solver failed: {e}")))?;
    let proposals = solved
        .assignments
        .iter()
        .map(|p| {
            (
                built.shifts[p.shift].clone(),
                built.volunteers[p.volunteer].clone(),
            )
        })
        .collect();
    let roster = state
        .store
        .save_roster(
            &user.actor,
            model::NewRoster {
                team_id: team,
                window: (b.from, b.to),
                unmet: solved.unmet,
                proven_optimal: solved.proven_optimal,
                objective: solved.objective,
                bound: solved.bound,
                seconds: solved.seconds,
                proposals,
            },
        )
        .await?;
    roster_answer(state, user, roster).await
}

async fn roster_answer(
    state: &AppState,
    user: &CurrentUser,
    r: model::Roster,
) -> AppResult<RosterAnswer> {
    let assignments = state
        .store
        .roster_assignments(user.district(), &r.id)
        .await?;
    Ok(RosterAnswer {
        id: r.id.into_string(),
        status: r.status.as_str().to_owned(),
        assignments: assignments.into_iter().map(Into::into).collect(),
        unmet: r.unmet,
        proven_optimal: r.proven_optimal != 0,
        seconds: r.seconds,
        from: r.window_from,
        to: r.window_to,
    })
}

/// A roster the caller may see and publish: the League's, or the team leader's own team's.
async fn own_roster(
    state: &AppState,
    user: &CurrentUser,
    id: &RosterId,
) -> AppResult<model::Roster> {
    let team = roster_team(user)?;
    let roster = state.store.roster(user.district(), id).await?;
    match team {
        Some(t) if roster.team_id.as_ref() != Some(&t) => Err(AppError::not_found()),
        _ => Ok(roster),
    }
}

pub async fn roster(
    state: &AppState,
    user: &CurrentUser,
    id: &RosterId,
) -> AppResult<RosterAnswer> {
    let roster = own_roster(state, user, id).await?;
    roster_answer(state, user, roster).await
}

/// Publishes a roster: its proposals become invitations.
pub async fn publish_roster(
    state: &AppState,
    user: &CurrentUser,
    id: &RosterId,
) -> AppResult<Published> {
    own_roster(state, user, id).await?;
    let invited = state.store.publish_roster(&user.actor, id).await?;
    Ok(Published {
        status: "published".to_owned(),
        invited,
    })
}

/// The volunteer's own assignment; to anyone else it does not exist.
async fn my_assignment(
    state: &AppState,
    user: &CurrentUser,
    id: &AssignmentId,
) -> AppResult<model::Assignment> {
    user.require(&[Role::Volunteer])?;
    let a = state.store.assignment(user.district(), id).await?;
    if a.volunteer_id == user.actor.user_id {
        Ok(a)
    } else {
        Err(AppError::not_found())
    }
}

fn reason_of(b: &ReasonBody) -> AppResult<Option<String>> {
    b.reason
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(|r| text("reason", r, 200))
        .transpose()
}

/// The volunteer accepts an invitation.
pub async fn accept(
    state: &AppState,
    user: &CurrentUser,
    id: &AssignmentId,
) -> AppResult<StatusAnswer> {
    my_assignment(state, user, id).await?;
    let a = state
        .store
        .move_assignment(&user.actor, id, AssignmentAction::Accept, None)
        .await?;
    Ok(a.into())
}

/// The volunteer declines an invitation: the roster never proposes them there again.
pub async fn decline(
    state: &AppState,
    user: &CurrentUser,
    id: &AssignmentId,
    b: ReasonBody,
) -> AppResult<StatusAnswer> {
    my_assignment(state, user, id).await?;
    let reason = reason_of(&b)?;
    let a = state
        .store
        .move_assignment(
            &user.actor,
            id,
            AssignmentAction::Decline,
            reason.as_deref(),
        )
        .await?;
    Ok(a.into())
}

pub async fn my_assignments(
    state: &AppState,
    user: &CurrentUser,
) -> AppResult<Items<AssignmentItem>> {
    user.require(&[Role::Volunteer])?;
    let mine = state
        .store
        .assignments_of(user.district(), &user.actor.user_id)
        .await?;
    Ok(Items {
        items: mine
            .into_iter()
            .filter(|a| a.status != AssignmentStatus::Proposed)
            .map(Into::into)
            .collect(),
    })
}

/// Whether the caller may run the shift's check-in: who runs its task, or a squad
/// leader with a member on it.
async fn runs_shift(state: &AppState, user: &CurrentUser, shift: &ShiftLine) -> AppResult<bool> {
    if runs_task(user, shift.organization_id.as_ref(), shift.team_id.as_ref()) {
        return Ok(true);
    }
    if user.actor.scopes(&[Role::SquadLeader]).is_empty() {
        return Ok(false);
    }
    for a in state
        .store
        .shift_assignments(user.district(), &shift.id)
        .await?
    {
        if a.status.holds_place() && leads_squad_of(state, user, &a.volunteer_id).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The rotating code to show at the shift.
pub async fn shift_code(
    state: &AppState,
    user: &CurrentUser,
    id: &ShiftId,
) -> AppResult<CheckinCode> {
    let shift = state.store.shift(user.district(), id).await?;
    if !runs_shift(state, user, &shift).await? {
        return Err(AppError::not_found());
    }
    let secret = state.store.secret(user.district(), "checkin").await?;
    let (code, expires_at) =
        checkin::current_code(&secret, &checkin::shift_subject(id.as_str()), state.now());
    Ok(CheckinCode { code, expires_at })
}

/// Which assignment a check-in or -out is for: the caller's own with the code shown at
/// the shift, or one a leader or the organization's staff names.
async fn checkin_target(
    state: &AppState,
    user: &CurrentUser,
    shift_id: &ShiftId,
    b: &ShiftCheckinBody,
) -> AppResult<model::Assignment> {
    let shift = state.store.shift(user.district(), shift_id).await?;
    let now = state.now();
    let opens = volunteer::checkin_opens(shift.starts_at);
    if now < opens {
        return Err(DomainError::CheckinNotOpen {
            minutes_before: volunteer::CHECKIN_OPENS_BEFORE,
            opens,
        }
        .into());
    }
    match (&b.code, &b.assignment_id) {
        (Some(code), None) => {
            user.require(&[Role::Volunteer])?;
            let secret = state.store.secret(user.district(), "checkin").await?;
            if !checkin::verify(&secret, &checkin::shift_subject(shift_id.as_str()), code, now) {
                return Err(AppError::invalid(
                    "code",
                    "签到码不正确或已过期 / The code is wrong or has expired",
                ));
            }
            let mine = state.store.shift_assignments(user.district(), shift_id).await?;
            mine.into_iter()
                .find(|a| a.volunteer_id == user.actor.user_id && a.status.is_binding())
                .ok_or_else(|| {
                    AppError::new(
                        axum::http::StatusCode::CONFLICT,
                        "not_assigned",
                        "您不在该班次中 / You are not on this shift",
                    )
                })
        }
        (None, Some(id)) => {
            let a = state.store.assignment(user.district(), &AssignmentId::from(id.clone())).await?;
            let allowed = a.shift_id == *shift_id
                && (runs_shift(state, user, &shift).await?
                    || leads_squad_of(state, user, &a.volunteer_id).await?);
            if allowed {
                Ok(a)
            } else {
                Err(AppError::not_found())
            }
        }
        _ => Err(AppError::invalid(
            "code",
            "请提供签到码，或由负责人提供 assignment_id / Send the code, or a leader sends assignment_id",
        )),
    }
}

pub async fn check_in(
    state: &AppState,
    user: &CurrentUser,
    shift_id: &ShiftId,
    b: ShiftCheckinBody,
) -> AppResult<StatusAnswer> {
    let a = checkin_target(state, user, shift_id, &b).await?;
    if state.now() >= a.ends_at {
        return Err(DomainError::CheckinClosed.into());
    }
    let a = state
        .store
        .move_assignment(&user.actor, &a.id, AssignmentAction::CheckIn, None)
        .await?;
    Ok(a.into())
}

pub async fn check_out(
    state: &AppState,
    user: &CurrentUser,
    shift_id: &ShiftId,
    b: ShiftCheckinBody,
) -> AppResult<StatusAnswer> {
    let a = checkin_target(state, user, shift_id, &b).await?;
    let record = state.store.check_out(&user.actor, &a.id).await?;
    Ok(StatusAnswer {
        id: a.id.into_string(),
        status: AssignmentStatus::Completed.as_str().to_owned(),
        minutes: Some(record.minutes),
    })
}

fn standing(records: &[HoursRecord]) -> u32 {
    let entries: Vec<HoursEntry> = records
        .iter()
        .map(|h| HoursEntry {
            id: h.id.to_string(),
            minutes: h.minutes,
            corrects: h.corrects.as_ref().map(ToString::to_string),
        })
        .collect();
    volunteer::standing_minutes(&entries)
}

pub async fn my_hours(state: &AppState, user: &CurrentUser) -> AppResult<MyHours> {
    user.require(&[Role::Volunteer])?;
    let records = state
        .store
        .hours_of(user.district(), &user.actor.user_id)
        .await?;
    Ok(MyHours {
        total_minutes: standing(&records),
        items: records.into_iter().map(Into::into).collect(),
    })
}

/// Who runs the task or leads the volunteer's squad corrects a record: a new record
/// that names the old one.
pub async fn correct_hours(
    state: &AppState,
    user: &CurrentUser,
    id: &HoursId,
    b: CorrectionBody,
) -> AppResult<HoursItem> {
    let old = state.store.hours_record(user.district(), id).await?;
    let shift = state.store.shift(user.district(), &old.shift_id).await?;
    let allowed = runs_task(user, shift.organization_id.as_ref(), shift.team_id.as_ref())
        || leads_squad_of(state, user, &old.volunteer_id).await?;
    if !allowed {
        return Err(AppError::not_found());
    }
    let minutes = volunteer::check_correction(old.minutes, b.minutes)?;
    let reason = text("reason", &b.reason, 200)?;
    let record = state
        .store
        .correct_hours(&user.actor, id, minutes, &reason)
        .await?;
    Ok(record.into())
}

/// A volunteer asks for a certificate of their hours in a period.
pub async fn issue_certificate(
    state: &AppState,
    user: &CurrentUser,
    b: PeriodBody,
) -> AppResult<Issued> {
    user.require(&[Role::Volunteer])?;
    if b.to < b.from {
        return Err(AppError::invalid(
            "to",
            "结束日期早于开始日期 / to is before from",
        ));
    }
    if b.to > state.today() {
        return Err(AppError::invalid(
            "to",
            "证明期间不能晚于今天 / The period cannot end after today",
        ));
    }
    let c = state
        .store
        .issue_certificate(&user.actor, (b.from, b.to))
        .await?;
    Ok(Issued {
        url: format!("/certificates/{}", c.serial),
        serial: c.serial,
        total_minutes: c.total_minutes,
    })
}

/// One of the caller's certificates, as their own list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyCertificate {
    #[serde(flatten)]
    pub facts: CertificateFacts,
    /// The public page that verifies it (where its QR code leads).
    pub url: String,
}

impl From<model::Certificate> for MyCertificate {
    fn from(c: model::Certificate) -> Self {
        Self {
            url: format!("/certificates/{}", c.serial),
            facts: (&c).into(),
        }
    }
}

/// The caller's certificates, the latest first.
pub async fn my_certificates(
    state: &AppState,
    user: &CurrentUser,
) -> AppResult<Items<MyCertificate>> {
    user.require(&[Role::Volunteer])?;
    let mine = state
        .store
        .certificates_of(user.district(), &user.actor.user_id)
        .await?;
    Ok(Items {
        items: mine.into_iter().map(Into::into).collect(),
    })
}

/// Anyone checks a certificate by its serial.
pub async fn public_certificate(state: &AppState, serial: &str) -> AppResult<PublicCertificate> {
    let serial = serial.trim().to_ascii_uppercase();
    if serial.len() > 40 || !serial.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AppError::not_found());
    }
    let c = state.store.certificate(&serial).await?;
    Ok(PublicCertificate {
        facts: (&c).into(),
        volunteer: CertifiedVolunteer {
            name: volunteer::masked_name(&c.name),
            volunteer_no: c.volunteer_no,
        },
    })
}

/// A guardian consents to their child of 14 to 17 volunteering.
pub async fn consent_to_volunteering(
    state: &AppState,
    user: &CurrentUser,
    child: &ParticipantId,
    b: crate::services::activities::ConsentBody,
) -> AppResult<model::Consent> {
    user.require(&[Role::Guardian])?;
    let relation = crate::services::activities::parse_relation(b.relation.as_deref())?;
    let kids = state
        .store
        .participant_of(user.district(), &user.actor.user_id, child)
        .await?;
    if kids.guardian_id.as_ref() != Some(&user.actor.user_id) {
        return Err(AppError::not_found());
    }
    let age = age_on(kids.birth_date, state.today());
    if !(14..=17).contains(&age) {
        return Err(AppError::invalid(
            "id",
            "只有14至17周岁的孩子需要家长同意参加志愿服务 / Only children aged 14 to 17 need this consent",
        ));
    }
    Ok(state
        .store
        .consent_to_volunteering(&user.actor, child, &relation)
        .await?)
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};
    use youthloop_store::model::{RosterInputs, RosterVolunteer, ShiftLine, Volunteer};

    use super::*;

    fn shift(id: &str, starts_at: OffsetDateTime, team: Option<&str>) -> ShiftLine {
        ShiftLine {
            id: ShiftId::from(id),
            task_id: TaskId::from("task"),
            title: "助老".into(),
            region_id: RegionId::from("community-a"),
            venue: "社区中心".into(),
            starts_at,
            ends_at: starts_at + Duration::hours(2),
            needed: 3,
            assigned: 0,
            skills: vec![],
            min_age: 14,
            organization_id: None,
            team_id: team.map(TeamId::from),
        }
    }

    fn volunteer(id: &str, born: Date, home: &str, squad: Option<&str>) -> RosterVolunteer {
        RosterVolunteer {
            profile: Volunteer {
                user_id: UserId::from(id),
                volunteer_no: format!("ZY-{id}"),
                skills: vec![],
                availability: vec![],
                home_region_id: Some(RegionId::from(home)),
                max_minutes_per_week: 600,
            },
            birth_date: Some(born),
            consent_live: false,
            squad_region_id: squad.map(RegionId::from),
        }
    }

    #[test]
    fn only_the_window_s_future_shifts_of_the_team_are_open_and_answers_carry_over() {
        let now = datetime!(2026-12-02 10:00 UTC);
        let inputs = RosterInputs {
            shifts: vec![
                // Saturday 09:00 Beijing, in the window, the team's.
                shift("in", datetime!(2026-12-05 01:00 UTC), Some("team")),
                // The Monday before the window: only carries minutes already held.
                shift("before", datetime!(2026-11-30 01:00 UTC), Some("team")),
                // In the window but another team's.
                shift("other", datetime!(2026-12-05 06:00 UTC), Some("other-team")),
            ],
            volunteers: vec![
                volunteer(
                    "adult",
                    date!(1990 - 01 - 01),
                    "community-a",
                    Some("community-b"),
                ),
                volunteer("teen", date!(2011 - 06 - 01), "community-b", None),
            ],
            assignments: vec![
                (
                    ShiftId::from("before"),
                    UserId::from("adult"),
                    AssignmentStatus::Completed,
                ),
                (
                    ShiftId::from("in"),
                    UserId::from("teen"),
                    AssignmentStatus::Declined,
                ),
                (
                    ShiftId::from("in"),
                    UserId::from("adult"),
                    AssignmentStatus::Proposed,
                ),
            ],
            regions: vec![
                (RegionId::from("town"), Some(RegionId::from("district"))),
                (RegionId::from("community-a"), Some(RegionId::from("town"))),
                (RegionId::from("community-b"), Some(RegionId::from("town"))),
            ],
        };
        let team = TeamId::from("team");
        let built = roster_instance(
            inputs,
            (date!(2026 - 12 - 03), date!(2026 - 12 - 06)),
            Some(&team),
            now,
        );
        let i = &built.instance;
        let needed: Vec<u32> = i.shifts.iter().map(|s| s.needed).collect();
        assert_eq!(
            needed,
            [3, 1, 0],
            "open in the window; held places elsewhere"
        );
        assert_eq!(
            i.fixed,
            [youthloop_planner::Pair {
                volunteer: 0,
                shift: 1
            }]
        );
        assert_eq!(
            i.forbidden,
            [youthloop_planner::Pair {
                volunteer: 1,
                shift: 0
            }],
            "a decline is never proposed again; an old proposal is neither"
        );
        // Both communities lie in one town; the adult's squad is based elsewhere.
        let (adult, teen) = (&i.volunteers[0], &i.volunteers[1]);
        assert_eq!(adult.home, i.shifts[0].site);
        assert_eq!(teen.home.town, adult.home.town);
        assert_ne!(teen.home.community, adult.home.community);
        assert_eq!(i.squads[adult.squad.unwrap() as usize], teen.home);
        assert_eq!((adult.age, teen.age), (36, 15));
        assert_eq!(
            built.volunteers,
            [UserId::from("adult"), UserId::from("teen")]
        );
        // Beijing 09:00 on 2026-12-05 in the planner's minutes.
        assert_eq!(i.shifts[0].start % (24 * 60), 9 * 60);
    }
}
