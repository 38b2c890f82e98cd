//! Cook and taste (做饭, 品尝): activities, children, registration, check-in, badges.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset};
use utoipa::ToSchema;
use youthloop_domain::activity::{check_ages, check_schedule, ActivityAction};
use youthloop_domain::parse::{age_on, in_range, optional_text, text};
use youthloop_domain::role::Role;
use youthloop_domain::{checkin, DomainError, IdNumber};
use youthloop_store::model::{
    Activity, BadgeAward, CheckinBy, Consent, NewActivity, NewParticipant, Paged, Participant,
    ParticipantKind, Registered, Registration, RegistrationAttempt, Withdrawal,
};

use crate::api::rounds::{acting_org, parse_badges};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser, ListQuery, MaybeUser};
use crate::limits::Limited;
use crate::startup::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityBody {
    pub order_id: Option<String>,
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
    pub organization_id: Option<String>,
}

/// An organization schedules an activity, from an order or of its own, as a draft.
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = ActivityBody,
    responses((status = 201, body = Activity), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_activity(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<ActivityBody>,
) -> AppResult<(StatusCode, Json<Activity>)> {
    user.require(&[Role::OrgAdmin, Role::OrgStaff])?;
    let organization_id = acting_org(&user, b.organization_id.as_ref())?;
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
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_activity(&user.actor, activity).await?),
    ))
}

/// Published activities (and the caller's organization's drafts).
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(ListQuery),
    responses((status = 200, body = Paged<Activity>)))]
pub async fn list_activities(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Activity>>> {
    let district = viewer.district(&state, q.district.as_deref()).await?;
    Ok(Json(
        state
            .store
            .activities(&district, &viewer.org_ids(), &q.page()?)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Activity), (status = 404, body = ErrorBody)))]
pub async fn get_activity(
    State(state): State<AppState>,
    viewer: MaybeUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Activity>> {
    let district = viewer.district(&state, q.district.as_deref()).await?;
    Ok(Json(
        state
            .store
            .activity(&district, &id, &viewer.org_ids())
            .await?,
    ))
}

pub(crate) async fn move_activity(
    state: AppState,
    user: CurrentUser,
    id: String,
    action: ActivityAction,
) -> AppResult<Json<Activity>> {
    user.require(&[Role::OrgAdmin, Role::OrgStaff])?;
    Ok(Json(
        state
            .store
            .transition_activity(&user.actor, &id, action, state.now())
            .await?,
    ))
}

macro_rules! activity_action {
    ($name:ident, $action:ident, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "activities", params(("id" = String, Path)),
            responses((status = 200, body = Activity), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
        pub async fn $name(State(state): State<AppState>, user: CurrentUser, Path(id): Path<String>) -> AppResult<Json<Activity>> {
            move_activity(state, user, id, ActivityAction::$action).await
        }
    };
}

activity_action!(
    publish,
    Publish,
    "/api/v1/activities/{id}/publish",
    "Publishes the activity; its order becomes scheduled."
);
activity_action!(
    cancel,
    Cancel,
    "/api/v1/activities/{id}/cancel",
    "Cancels the activity and its registrations."
);
activity_action!(finish, Finish, "/api/v1/activities/{id}/finish", "Finishes the activity: who did not come is a no-show; the order is delivered when all its sessions are.");

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
#[utoipa::path(post, path = "/api/v1/children", tag = "activities", request_body = ChildBody,
    responses((status = 201, body = Participant), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_child(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<ChildBody>,
) -> AppResult<(StatusCode, Json<Participant>)> {
    user.require(&[Role::Guardian])?;
    state.limits.check_child(&user.user.id)?;
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
        state.limits.child_refused(&user.user.id);
    }
    Ok((StatusCode::CREATED, Json(added?)))
}

#[utoipa::path(get, path = "/api/v1/children", tag = "activities", params(ListQuery),
    responses((status = 200, body = Paged<Participant>), (status = 403, body = ErrorBody)))]
pub async fn list_children(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Participant>>> {
    user.require(&[Role::Guardian])?;
    Ok(Json(
        state
            .store
            .children(user.district(), &user.user.id, &q.page()?)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    pub participant_id: String,
}

/// Registers a child (guardian) or oneself (youth). Send an `Idempotency-Key` header so
/// that a retry returns the first answer instead of registering twice.
#[utoipa::path(post, path = "/api/v1/activities/{id}/registrations", tag = "activities", request_body = RegisterBody,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = Registered), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(activity_id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<RegisterBody>,
) -> AppResult<(StatusCode, Json<Registered>)> {
    user.require(&[Role::Guardian, Role::Youth])?;
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => {
            let key = v
                .to_str()
                .ok()
                .map(str::trim)
                .filter(|k| !k.is_empty() && k.len() <= 100);
            Some(
                key.ok_or_else(|| {
                    AppError::invalid(
                        "Idempotency-Key",
                        "幂等键应为1到100个可见字符 / 1 to 100 visible characters",
                    )
                })?
                .to_owned(),
            )
        }
    };
    let attempt = RegistrationAttempt {
        activity_id,
        participant_id: b.participant_id,
        idempotency_key: key,
    };
    let registered = state
        .store
        .register(&user.actor, attempt, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(registered)))
}

/// Cancels a registration (who made it, or the organization); the first on the waitlist
/// takes the seat.
#[utoipa::path(delete, path = "/api/v1/registrations/{id}", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = Registration), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_registration(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<Registration>> {
    Ok(Json(
        state
            .store
            .cancel_registration(&user.actor, &id, state.now())
            .await?,
    ))
}

/// Loads an activity of one of the user's organizations, or 404.
async fn own_activity(state: &AppState, user: &CurrentUser, id: &str) -> AppResult<Activity> {
    user.require(&[Role::OrgAdmin, Role::OrgStaff])?;
    let org_ids = user.actor.org_ids();
    let activity = state.store.activity(user.district(), id, &org_ids).await?;
    if org_ids.contains(&activity.organization_id) {
        Ok(activity)
    } else {
        Err(AppError::not_found())
    }
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/registrations", tag = "activities", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Paged<Registration>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_registrations(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Registration>>> {
    let activity = own_activity(&state, &user, &id).await?;
    Ok(Json(
        state
            .store
            .registrations(user.district(), &activity.id, &q.page()?)
            .await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct CheckinCode {
    pub code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// The rotating check-in code to show at the venue.
#[utoipa::path(get, path = "/api/v1/activities/{id}/checkin-code", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = CheckinCode), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn checkin_code(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<CheckinCode>> {
    let activity = own_activity(&state, &user, &id).await?;
    let secret = state.store.secret(user.district(), "checkin").await?;
    let (code, expires_at) = checkin::current_code(&secret, &activity.id, state.now());
    Ok(Json(CheckinCode { code, expires_at }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckinBody {
    /// With `participant_id`: the code shown at the venue.
    pub code: Option<String>,
    pub participant_id: Option<String>,
    /// For staff checking someone in by hand.
    pub registration_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckedIn {
    pub status: &'static str,
    pub badges: Vec<String>,
}

/// Checks in with the venue's code (guardian or youth) or by staff.
#[utoipa::path(post, path = "/api/v1/activities/{id}/checkin", tag = "activities", params(("id" = String, Path)), request_body = CheckinBody,
    responses((status = 200, body = CheckedIn), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CheckinBody>,
) -> AppResult<Json<CheckedIn>> {
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
            if !checkin::verify(&secret, &id, code, now) {
                return Err(DomainError::BadCheckinCode.into());
            }
            let who = CheckinBy::Participant {
                user_id: &user.user.id,
                participant_id,
            };
            state.store.check_in(&user.actor, &id, who, now).await?
        }
        (None, None, Some(registration_id)) => {
            user.require(&[Role::OrgAdmin, Role::OrgStaff])?;
            let org_ids = user.actor.org_ids();
            let who = CheckinBy::Staff {
                org_ids: &org_ids,
                registration_id,
            };
            state.store.check_in(&user.actor, &id, who, now).await?
        }
        _ => {
            return Err(AppError::invalid(
                "code",
                "请提供签到码和参与者，或由工作人员提供报名编号 / Give code and participant_id, or registration_id (staff)",
            ));
        }
    };
    Ok(Json(CheckedIn {
        status: "attended",
        badges,
    }))
}

/// Badges of a participant: their guardian, themselves, or the League.
#[utoipa::path(get, path = "/api/v1/participants/{id}/badges", tag = "activities", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Paged<BadgeAward>), (status = 404, body = ErrorBody)))]
pub async fn badges(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<BadgeAward>>> {
    if !user.actor.has(Role::LeagueAdmin) {
        state
            .store
            .participant_of(user.district(), &user.user.id, &id)
            .await?;
    }
    Ok(Json(
        state.store.badges(user.district(), &id, &q.page()?).await?,
    ))
}

fn parse_relation(relation: Option<&str>) -> AppResult<String> {
    Ok(text("relation", relation.unwrap_or("监护人"), 20)?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    pub relation: Option<String>,
}

/// A guardian gives consent again for their child (after withdrawing it).
#[utoipa::path(post, path = "/api/v1/children/{id}/consent", tag = "trust", params(("id" = String, Path)), request_body = ConsentBody,
    responses((status = 201, body = Consent), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn give_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConsentBody>,
) -> AppResult<(StatusCode, Json<Consent>)> {
    user.require(&[Role::Guardian])?;
    let relation = parse_relation(b.relation.as_deref())?;
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .give_consent(&user.actor, &id, &relation)
                .await?,
        ),
    ))
}

/// A guardian withdraws consent: processing stops. The child can no longer be
/// registered or checked in, organizations no longer see the child's name, and the
/// child's registrations for activities not yet over are cancelled (each seat goes to
/// the first waiting); what already took place stays on record.
#[utoipa::path(delete, path = "/api/v1/children/{id}/consent", tag = "trust", params(("id" = String, Path)),
    responses((status = 200, body = Withdrawal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<Withdrawal>> {
    user.require(&[Role::Guardian])?;
    Ok(Json(
        state
            .store
            .withdraw_consent(&user.actor, &id, state.now())
            .await?,
    ))
}
