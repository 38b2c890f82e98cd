//! Cooking and tasting (做饭, 品尝): activities, children and consent, registration,
//! check-in, badges.

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset};
use utoipa::ToSchema;
use youthloop_domain::activity::{check_ages, check_schedule, ActivityAction};
use youthloop_domain::id::*;
use youthloop_domain::parse::{age_on, in_range, optional_text, text};
use youthloop_domain::role::Role;
use youthloop_domain::{checkin, DomainError, IdNumber};
use youthloop_store::model::{
    Activity, BadgeAward, CheckinBy, Consent, NewActivity, NewParticipant, Page, Paged,
    Participant, ParticipantKind, Registered, Registration, RegistrationAttempt, Withdrawal,
};

use crate::error::{AppError, AppResult};
use crate::extract::{CurrentUser, ListQuery, MaybeUser};
use crate::limits::Limited;
use crate::services::rounds::{acting_org, parse_badges};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityBody {
    #[schema(value_type = Option<String>)]
    pub order_id: Option<OrderId>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub venue: String,
    pub capacity: i64,
    #[serde(default)]
    pub waitlist_capacity: i64,
    pub min_age: i64,
    pub max_age: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub registration_opens_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub registration_closes_at: OffsetDateTime,
    /// Badge codes; by default those of the ordered project.
    pub badges: Option<Vec<String>>,
    #[schema(value_type = Option<String>)]
    pub organization_id: Option<OrganizationId>,
}

/// An organization schedules an activity, from an order or of its own, as a draft.
pub async fn create_activity(
    state: &AppState,
    user: &CurrentUser,
    b: ActivityBody,
) -> AppResult<Activity> {
    user.require(&[Role::OrgAdmin, Role::OrgStaff])?;
    let organization_id = acting_org(user, b.organization_id.as_ref())?;
    let utc = |t: OffsetDateTime| t.to_offset(UtcOffset::UTC);
    check_schedule(
        b.starts_at,
        b.ends_at,
        b.registration_opens_at,
        b.registration_closes_at,
        state.now(),
    )?;
    let min_age = in_range("min_age", b.min_age, 0, 30)?;
    let max_age = in_range("max_age", b.max_age, 0, 30)?;
    check_ages(min_age, max_age)?;
    let badges = match (&b.badges, &b.order_id) {
        (Some(codes), _) => parse_badges(codes)?,
        (None, Some(order_id)) => {
            let order = state
                .store
                .order(&user.actor, order_id, state.now())
                .await?;
            state
                .store
                .project(user.district(), &order.project_id)
                .await?
                .badges
        }
        (None, None) => Vec::new(),
    };
    let activity = NewActivity {
        organization_id,
        order_id: b.order_id.clone(),
        title: text("title", &b.title, 100)?,
        description: optional_text("description", &b.description, 2000)?,
        starts_at: utc(b.starts_at),
        ends_at: utc(b.ends_at),
        venue: text("venue", &b.venue, 200)?,
        capacity: in_range("capacity", b.capacity, 1, 10_000)?,
        waitlist_capacity: in_range("waitlist_capacity", b.waitlist_capacity, 0, 10_000)?,
        min_age,
        max_age,
        registration_opens_at: utc(b.registration_opens_at),
        registration_closes_at: utc(b.registration_closes_at),
        badges,
    };
    Ok(state.store.create_activity(&user.actor, activity).await?)
}

/// Published activities (and the viewer's organizations' drafts).
pub async fn activities(
    state: &AppState,
    viewer: &MaybeUser,
    district: &DistrictId,
    page: &Page,
) -> AppResult<Paged<Activity>> {
    Ok(state
        .store
        .activities(district, &viewer.org_ids(), page)
        .await?)
}

pub async fn activity(
    state: &AppState,
    viewer: &MaybeUser,
    district: &DistrictId,
    id: &ActivityId,
) -> AppResult<Activity> {
    Ok(state
        .store
        .activity(district, id, &viewer.org_ids())
        .await?)
}

/// An organization publishes, cancels or finishes one of its activities.
pub async fn move_activity(
    state: &AppState,
    user: &CurrentUser,
    id: &ActivityId,
    action: ActivityAction,
) -> AppResult<Activity> {
    user.require(&[Role::OrgAdmin, Role::OrgStaff])?;
    Ok(state
        .store
        .transition_activity(&user.actor, id, action, state.now())
        .await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildBody {
    pub name: String,
    pub id_number: String,
    /// The guardian's consent to the platform keeping and using the child's data.
    pub consent: bool,
    /// How the guardian is related to the child (父亲, 母亲, 祖父母, …); 监护人 by default.
    pub relation: Option<String>,
}

/// A guardian adds a child with the child's ID number and their consent.
pub async fn add_child(
    state: &AppState,
    user: &CurrentUser,
    b: ChildBody,
) -> AppResult<Participant> {
    user.require(&[Role::Guardian])?;
    state.limits.check_child(user.user.id.as_str())?;
    if !b.consent {
        return Err(AppError::invalid(
            "consent",
            "需要监护人同意 / The guardian's consent is required",
        ));
    }
    let name = text("name", &b.name, 50)?;
    let relation = parse_relation(b.relation.as_deref())?;
    let id_number = IdNumber::parse(&b.id_number)?;
    let age = age_on(id_number.birth_date(), state.today());
    if !(0..18).contains(&age) {
        return Err(AppError::invalid(
            "id_number",
            "孩子须未满18周岁 / A child is under 18",
        ));
    }
    let added = state
        .store
        .create_participant(
            &user.actor,
            NewParticipant {
                id: None,
                kind: ParticipantKind::Child,
                name,
                birth_date: id_number.birth_date(),
                id_number: id_number.as_str().to_owned(),
                guardian_id: Some(user.user.id.clone()),
                user_id: None,
                consent_relation: Some(relation),
            },
        )
        .await;
    // An ID number already known is refused: counted, so that it cannot be tested at scale.
    if let Err(youthloop_store::StoreError::Conflict { .. }) = &added {
        state.limits.child_refused(user.user.id.as_str());
    }
    Ok(added?)
}

/// A guardian's children.
pub async fn children(
    state: &AppState,
    user: &CurrentUser,
    q: &ListQuery,
) -> AppResult<Paged<Participant>> {
    user.require(&[Role::Guardian])?;
    Ok(state
        .store
        .children(user.district(), &user.user.id, &q.page()?)
        .await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    #[schema(value_type = String)]
    pub participant_id: ParticipantId,
}

/// A guardian registers a child, or a youth themselves; a retry with the same
/// `idempotency_key` answers as the first attempt did instead of registering twice.
pub async fn register(
    state: &AppState,
    user: &CurrentUser,
    activity_id: &ActivityId,
    b: RegisterBody,
    idempotency_key: Option<&str>,
) -> AppResult<Registered> {
    user.require(&[Role::Guardian, Role::Youth])?;
    let idempotency_key = idempotency_key
        .map(|key| {
            let key = key.trim();
            if key.is_empty() || key.len() > 100 {
                return Err(AppError::invalid(
                    "Idempotency-Key",
                    "幂等键应为1到100个可见字符 / 1 to 100 visible characters",
                ));
            }
            Ok(key.to_owned())
        })
        .transpose()?;
    let attempt = RegistrationAttempt {
        activity_id: activity_id.to_owned(),
        participant_id: b.participant_id,
        idempotency_key,
    };
    Ok(state
        .store
        .register(&user.actor, attempt, state.now())
        .await?)
}

/// Who made a registration, or the organization, cancels it; the first waiting takes
/// the seat.
pub async fn cancel_registration(
    state: &AppState,
    user: &CurrentUser,
    id: &RegistrationId,
) -> AppResult<Registration> {
    Ok(state
        .store
        .cancel_registration(&user.actor, id, state.now())
        .await?)
}

/// An activity of one of the user's organizations, or 404.
pub async fn own_activity(
    state: &AppState,
    user: &CurrentUser,
    id: &ActivityId,
) -> AppResult<Activity> {
    user.require(&[Role::OrgAdmin, Role::OrgStaff])?;
    let org_ids = user.actor.org_ids();
    let activity = state.store.activity(user.district(), id, &org_ids).await?;
    if org_ids.contains(&activity.organization_id) {
        Ok(activity)
    } else {
        Err(AppError::not_found())
    }
}

/// The registrations of one of the organization's activities.
pub async fn registrations(
    state: &AppState,
    user: &CurrentUser,
    id: &ActivityId,
    q: &ListQuery,
) -> AppResult<Paged<Registration>> {
    let activity = own_activity(state, user, id).await?;
    Ok(state
        .store
        .registrations(user.district(), &activity.id, &q.page()?)
        .await?)
}

#[derive(Serialize, ToSchema)]
pub struct CheckinCode {
    pub code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// The rotating check-in code to show at the venue.
pub async fn checkin_code(
    state: &AppState,
    user: &CurrentUser,
    id: &ActivityId,
) -> AppResult<CheckinCode> {
    let activity = own_activity(state, user, id).await?;
    code_of(state, user, &activity).await
}

/// The code now of an activity already found to be one of the user's organization's.
pub async fn code_of(
    state: &AppState,
    user: &CurrentUser,
    activity: &Activity,
) -> AppResult<CheckinCode> {
    let secret = state.store.secret(user.district(), "checkin").await?;
    let (code, expires_at) = checkin::current_code(&secret, activity.id.as_str(), state.now());
    Ok(CheckinCode { code, expires_at })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckinBody {
    /// With `participant_id`: the code shown at the venue.
    pub code: Option<String>,
    #[schema(value_type = Option<String>)]
    pub participant_id: Option<ParticipantId>,
    /// For staff checking someone in by hand.
    #[schema(value_type = Option<String>)]
    pub registration_id: Option<RegistrationId>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckedIn {
    pub status: &'static str,
    pub badges: Vec<String>,
}

/// Checks in with the venue's code (guardian or youth) or by staff.
pub async fn check_in(
    state: &AppState,
    user: &CurrentUser,
    id: &ActivityId,
    b: CheckinBody,
) -> AppResult<CheckedIn> {
    let now = state.now();
    let district = user.district().to_owned();
    let badges = match (&b.code, &b.participant_id, &b.registration_id) {
        (Some(code), Some(participant_id), None) => {
            user.require(&[Role::Guardian, Role::Youth])?;
            // Six digits are guessable without a limit on guesses.
            state
                .limits
                .check(Limited::CheckinCode, &format!("{}:{id}", user.user.id))?;
            let secret = state.store.secret(&district, "checkin").await?;
            if !checkin::verify(&secret, id.as_str(), code, now) {
                return Err(DomainError::BadCheckinCode.into());
            }
            let who = CheckinBy::Participant {
                user_id: &user.user.id,
                participant_id,
            };
            state.store.check_in(&user.actor, id, who, now).await?
        }
        (None, None, Some(registration_id)) => {
            user.require(&[Role::OrgAdmin, Role::OrgStaff])?;
            let org_ids = user.actor.org_ids();
            let who = CheckinBy::Staff {
                org_ids: &org_ids,
                registration_id,
            };
            state.store.check_in(&user.actor, id, who, now).await?
        }
        _ => {
            return Err(AppError::invalid(
                "code",
                "请提供签到码和参与者，或由工作人员提供报名编号 / Give code and participant_id, or registration_id (staff)",
            ));
        }
    };
    Ok(CheckedIn {
        status: "attended",
        badges,
    })
}

/// Badges of a participant: for their guardian, themselves, or the League.
pub async fn badges(
    state: &AppState,
    user: &CurrentUser,
    id: &ParticipantId,
    q: &ListQuery,
) -> AppResult<Paged<BadgeAward>> {
    if !user.actor.has(Role::LeagueAdmin) {
        state
            .store
            .participant_of(user.district(), &user.user.id, id)
            .await?;
    }
    Ok(state.store.badges(user.district(), id, &q.page()?).await?)
}

pub(crate) fn parse_relation(relation: Option<&str>) -> AppResult<String> {
    Ok(text("relation", relation.unwrap_or("监护人"), 20)?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    pub relation: Option<String>,
}

/// A guardian gives consent again for their child (after withdrawing it).
pub async fn give_consent(
    state: &AppState,
    user: &CurrentUser,
    id: &ParticipantId,
    b: ConsentBody,
) -> AppResult<Consent> {
    user.require(&[Role::Guardian])?;
    let relation = parse_relation(b.relation.as_deref())?;
    Ok(state.store.give_consent(&user.actor, id, &relation).await?)
}

/// A guardian withdraws consent: processing stops, and the child's registrations for
/// activities not yet over are cancelled.
pub async fn withdraw_consent(
    state: &AppState,
    user: &CurrentUser,
    id: &ParticipantId,
) -> AppResult<Withdrawal> {
    user.require(&[Role::Guardian])?;
    Ok(state
        .store
        .withdraw_consent(&user.actor, id, state.now())
        .await?)
}
