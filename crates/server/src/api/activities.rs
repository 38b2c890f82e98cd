//! Cook and taste (做饭, 品尝): activities, children, registration, check-in, badges.

use crate::wire::{
    Activity, BadgeAward, Consent, Paged, Participant, Registered, Registration, Withdrawal,
};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use youthloop_domain::activity::ActivityAction;
use youthloop_domain::id::*;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser, ListQuery, MaybeUser};
use crate::services::activities::{
    self, ActivityBody, CheckedIn, CheckinBody, CheckinCode, ChildBody, ConsentBody, RegisterBody,
};
use crate::state::AppState;

/// An organization schedules an activity, from an order or of its own, as a draft.
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = ActivityBody,
    responses((status = 201, body = Activity), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_activity(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<ActivityBody>,
) -> AppResult<(StatusCode, Json<Activity>)> {
    let activity = activities::create_activity(&state, &user, b).await?;
    Ok((StatusCode::CREATED, Json(activity.into())))
}

/// Published activities (and the caller's organization's drafts).
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(ListQuery),
    responses((status = 200, body = Paged<Activity>)))]
pub async fn list_activities(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Activity>>> {
    let district = viewer.district(&state, q.district.as_ref()).await?;
    Ok(Json(
        activities::activities(&state, &viewer, &district, &q.page()?)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Activity), (status = 404, body = ErrorBody)))]
pub async fn get_activity(
    State(state): State<AppState>,
    viewer: MaybeUser,
    Path(id): Path<ActivityId>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Activity>> {
    let district = viewer.district(&state, q.district.as_ref()).await?;
    Ok(Json(
        activities::activity(&state, &viewer, &district, &id)
            .await?
            .into(),
    ))
}

macro_rules! activity_action {
    ($name:ident, $action:ident, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "activities", params(("id" = String, Path)),
            responses((status = 200, body = Activity), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
        pub async fn $name(State(state): State<AppState>, user: CurrentUser, Path(id): Path<ActivityId>) -> AppResult<Json<Activity>> {
            Ok(Json(activities::move_activity(&state, &user, &id, ActivityAction::$action).await?.into()))
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

/// A guardian adds a child with the child's ID number and their consent.
#[utoipa::path(post, path = "/api/v1/children", tag = "activities", request_body = ChildBody,
    responses((status = 201, body = Participant), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_child(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<ChildBody>,
) -> AppResult<(StatusCode, Json<Participant>)> {
    let child = activities::add_child(&state, &user, b).await?;
    Ok((StatusCode::CREATED, Json(child.into())))
}

#[utoipa::path(get, path = "/api/v1/children", tag = "activities", params(ListQuery),
    responses((status = 200, body = Paged<Participant>), (status = 403, body = ErrorBody)))]
pub async fn list_children(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Participant>>> {
    Ok(Json(activities::children(&state, &user, &q).await?.into()))
}

/// Registers a child (guardian) or oneself (youth). Send an `Idempotency-Key` header so
/// that a retry returns the first answer instead of registering twice.
#[utoipa::path(post, path = "/api/v1/activities/{id}/registrations", tag = "activities", request_body = RegisterBody,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = Registered), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(activity_id): Path<ActivityId>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<RegisterBody>,
) -> AppResult<(StatusCode, Json<Registered>)> {
    // A key that is not text is no key: the service refuses it as it refuses an empty one.
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or_default());
    let registered = activities::register(&state, &user, &activity_id, b, key).await?;
    Ok((StatusCode::CREATED, Json(registered.into())))
}

/// Cancels a registration (who made it, or the organization); the first on the waitlist
/// takes the seat.
#[utoipa::path(delete, path = "/api/v1/registrations/{id}", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = Registration), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_registration(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<RegistrationId>,
) -> AppResult<Json<Registration>> {
    Ok(Json(
        activities::cancel_registration(&state, &user, &id)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/registrations", tag = "activities", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Paged<Registration>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_registrations(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ActivityId>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Registration>>> {
    Ok(Json(
        activities::registrations(&state, &user, &id, &q)
            .await?
            .into(),
    ))
}

/// The rotating check-in code to show at the venue.
#[utoipa::path(get, path = "/api/v1/activities/{id}/checkin-code", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = CheckinCode), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn checkin_code(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ActivityId>,
) -> AppResult<Json<CheckinCode>> {
    Ok(Json(activities::checkin_code(&state, &user, &id).await?))
}

/// Checks in with the venue's code (guardian or youth) or by staff.
#[utoipa::path(post, path = "/api/v1/activities/{id}/checkin", tag = "activities", params(("id" = String, Path)), request_body = CheckinBody,
    responses((status = 200, body = CheckedIn), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ActivityId>,
    ApiJson(b): ApiJson<CheckinBody>,
) -> AppResult<Json<CheckedIn>> {
    Ok(Json(activities::check_in(&state, &user, &id, b).await?))
}

/// Badges of a participant: their guardian, themselves, or the League.
#[utoipa::path(get, path = "/api/v1/participants/{id}/badges", tag = "activities", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Paged<BadgeAward>), (status = 404, body = ErrorBody)))]
pub async fn badges(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ParticipantId>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<BadgeAward>>> {
    Ok(Json(
        activities::badges(&state, &user, &id, &q).await?.into(),
    ))
}

/// A guardian gives consent again for their child (after withdrawing it).
#[utoipa::path(post, path = "/api/v1/children/{id}/consent", tag = "trust", params(("id" = String, Path)), request_body = ConsentBody,
    responses((status = 201, body = Consent), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn give_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ParticipantId>,
    ApiJson(b): ApiJson<ConsentBody>,
) -> AppResult<(StatusCode, Json<Consent>)> {
    let consent = activities::give_consent(&state, &user, &id, b).await?;
    Ok((StatusCode::CREATED, Json(consent.into())))
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
    Path(id): Path<ParticipantId>,
) -> AppResult<Json<Withdrawal>> {
    Ok(Json(
        activities::withdraw_consent(&state, &user, &id)
            .await?
            .into(),
    ))
}
