//! Tasks and shifts, sign-ups, rosters, check-in and out, hours and certificates.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use youthloop_domain::id::*;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser};
use crate::services::activities::{CheckinCode, ConsentBody};
use crate::services::export::{self, PeriodQuery, XLSX};
use crate::services::shifts::{
    self, AssignmentItem, CorrectionBody, HoursItem, Issued, Items, MyCertificate, MyHours,
    PeriodBody, PublicCertificate, Published, ReasonBody, RosterAnswer, RosterBody, ShiftBody,
    ShiftCheckinBody, ShiftItem, ShiftQuery, StatusAnswer, TaskBody,
};
use crate::services::volunteers::Created;
use crate::state::AppState;
use crate::wire::Consent;

/// Makes a task (League, organization staff, team leader); it is the maker's.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "volunteers", request_body = TaskBody,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_task(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<TaskBody>,
) -> AppResult<(StatusCode, Json<Created>)> {
    Ok((
        StatusCode::CREATED,
        Json(shifts::create_task(&state, &user, b).await?),
    ))
}

/// Adds a shift to a task (who made the task).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/shifts", tag = "volunteers", params(("id" = String, Path)),
    request_body = ShiftBody,
    responses((status = 201, body = Created), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_shift(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TaskId>,
    ApiJson(b): ApiJson<ShiftBody>,
) -> AppResult<(StatusCode, Json<Created>)> {
    Ok((
        StatusCode::CREATED,
        Json(shifts::create_shift(&state, &user, &id, b).await?),
    ))
}

/// Upcoming shifts, soonest first; `?open=true` those a volunteer may still take.
#[utoipa::path(get, path = "/api/v1/shifts", tag = "volunteers", params(ShiftQuery),
    responses((status = 200, body = Items<ShiftItem>), (status = 403, body = ErrorBody)))]
pub async fn list_shifts(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ShiftQuery>,
) -> AppResult<Json<Items<ShiftItem>>> {
    Ok(Json(shifts::shifts(&state, &user, &q).await?))
}

/// A volunteer takes a place on a shift. Send an `Idempotency-Key` so that a retry
/// answers the first sign-up instead of failing.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/signups", tag = "volunteers",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = StatusAnswer), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign_up(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ShiftId>,
    headers: HeaderMap,
) -> AppResult<(StatusCode, Json<StatusAnswer>)> {
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or_default());
    let (answer, _) = shifts::sign_up(&state, &user, &id, key).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Proposes a roster for the open shifts of the days `from`–`to` (League, a team leader
/// for their team), solved exactly; nothing is binding until published and accepted.
#[utoipa::path(post, path = "/api/v1/rosters", tag = "volunteers", request_body = RosterBody,
    responses((status = 201, body = RosterAnswer), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose_roster(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<RosterBody>,
) -> AppResult<(StatusCode, Json<RosterAnswer>)> {
    Ok((
        StatusCode::CREATED,
        Json(shifts::propose_roster(&state, &user, b).await?),
    ))
}

/// A roster and its assignments (who proposed it).
#[utoipa::path(get, path = "/api/v1/rosters/{id}", tag = "volunteers", params(("id" = String, Path)),
    responses((status = 200, body = RosterAnswer), (status = 404, body = ErrorBody)))]
pub async fn get_roster(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<RosterId>,
) -> AppResult<Json<RosterAnswer>> {
    Ok(Json(shifts::roster(&state, &user, &id).await?))
}

/// Publishes a roster: each proposal still fitting becomes an invitation.
#[utoipa::path(post, path = "/api/v1/rosters/{id}/publish", tag = "volunteers", params(("id" = String, Path)),
    responses((status = 200, body = Published), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish_roster(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<RosterId>,
) -> AppResult<Json<Published>> {
    Ok(Json(shifts::publish_roster(&state, &user, &id).await?))
}

/// The volunteer accepts an invitation.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/accept", tag = "volunteers", params(("id" = String, Path)),
    responses((status = 200, body = StatusAnswer), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<AssignmentId>,
) -> AppResult<Json<StatusAnswer>> {
    Ok(Json(shifts::accept(&state, &user, &id).await?))
}

/// The volunteer declines an invitation, with a reason if they like.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/decline", tag = "volunteers", params(("id" = String, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = StatusAnswer), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decline(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<AssignmentId>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> AppResult<Json<StatusAnswer>> {
    Ok(Json(shifts::decline(&state, &user, &id, b).await?))
}

/// The caller's assignments, newest first (volunteer).
#[utoipa::path(get, path = "/api/v1/me/assignments", tag = "volunteers",
    responses((status = 200, body = Items<AssignmentItem>), (status = 403, body = ErrorBody)))]
pub async fn my_assignments(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Items<AssignmentItem>>> {
    Ok(Json(shifts::my_assignments(&state, &user).await?))
}

/// The rotating code to show at the shift (who runs its task, a squad leader with a
/// member on it).
#[utoipa::path(get, path = "/api/v1/shifts/{id}/checkin-code", tag = "volunteers", params(("id" = String, Path)),
    responses((status = 200, body = CheckinCode), (status = 404, body = ErrorBody)))]
pub async fn shift_code(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ShiftId>,
) -> AppResult<Json<CheckinCode>> {
    Ok(Json(shifts::shift_code(&state, &user, &id).await?))
}

/// Checks in: the volunteer with the code, or a leader or staff with `assignment_id`.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/checkin", tag = "volunteers", params(("id" = String, Path)),
    request_body = ShiftCheckinBody,
    responses((status = 200, body = StatusAnswer), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ShiftId>,
    ApiJson(b): ApiJson<ShiftCheckinBody>,
) -> AppResult<Json<StatusAnswer>> {
    Ok(Json(shifts::check_in(&state, &user, &id, b).await?))
}

/// Checks out and records the minutes served, clipped to the shift.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/checkout", tag = "volunteers", params(("id" = String, Path)),
    request_body = ShiftCheckinBody,
    responses((status = 200, body = StatusAnswer), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_out(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ShiftId>,
    ApiJson(b): ApiJson<ShiftCheckinBody>,
) -> AppResult<Json<StatusAnswer>> {
    Ok(Json(shifts::check_out(&state, &user, &id, b).await?))
}

/// The caller's service hours and the minutes that stand (volunteer).
#[utoipa::path(get, path = "/api/v1/me/hours", tag = "volunteers",
    responses((status = 200, body = MyHours), (status = 403, body = ErrorBody)))]
pub async fn my_hours(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<MyHours>> {
    Ok(Json(shifts::my_hours(&state, &user).await?))
}

/// Corrects a record with a new one that names it (who runs the task, the volunteer's
/// squad leader); nothing is edited.
#[utoipa::path(post, path = "/api/v1/hours/{id}/corrections", tag = "volunteers", params(("id" = String, Path)),
    request_body = CorrectionBody,
    responses((status = 201, body = HoursItem), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn correct_hours(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<HoursId>,
    ApiJson(b): ApiJson<CorrectionBody>,
) -> AppResult<(StatusCode, Json<HoursItem>)> {
    Ok((
        StatusCode::CREATED,
        Json(shifts::correct_hours(&state, &user, &id, b).await?),
    ))
}

/// Issues the caller a certificate (志愿服务证明) of their hours in a period.
#[utoipa::path(post, path = "/api/v1/me/certificates", tag = "volunteers", request_body = PeriodBody,
    responses((status = 201, body = Issued), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_certificate(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<PeriodBody>,
) -> AppResult<(StatusCode, Json<Issued>)> {
    Ok((
        StatusCode::CREATED,
        Json(shifts::issue_certificate(&state, &user, b).await?),
    ))
}

/// The caller's certificates, the latest first, each with its public page.
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "volunteers",
    responses((status = 200, body = Items<MyCertificate>), (status = 403, body = ErrorBody)))]
pub async fn my_certificates(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Items<MyCertificate>>> {
    Ok(Json(shifts::my_certificates(&state, &user).await?))
}

/// Verifies a certificate by its serial (anyone): the masked name, volunteer number,
/// period, minutes, issuer and whether it still stands.
#[utoipa::path(get, path = "/api/v1/certificates/{serial}", tag = "volunteers", params(("serial" = String, Path)),
    responses((status = 200, body = PublicCertificate), (status = 404, body = ErrorBody)))]
pub async fn get_certificate(
    State(state): State<AppState>,
    Path(serial): Path<String>,
) -> AppResult<Json<PublicCertificate>> {
    Ok(Json(shifts::public_certificate(&state, &serial).await?))
}

/// A guardian consents to their child of 14 to 17 volunteering; the child's volunteer
/// account may then serve.
#[utoipa::path(post, path = "/api/v1/children/{id}/volunteering", tag = "trust", params(("id" = String, Path)),
    request_body = ConsentBody,
    responses((status = 201, body = Consent), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn consent_to_volunteering(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ParticipantId>,
    ApiJson(b): ApiJson<ConsentBody>,
) -> AppResult<(StatusCode, Json<Consent>)> {
    let consent = shifts::consent_to_volunteering(&state, &user, &id, b).await?;
    Ok((StatusCode::CREATED, Json(consent.into())))
}

/// The district's service hours of a period as an Excel workbook in the columns the
/// national volunteer system imports (League; audited).
#[utoipa::path(get, path = "/api/v1/hours/export", tag = "volunteers", params(PeriodQuery),
    responses((status = 200, description = "xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export_hours(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<impl IntoResponse> {
    let bytes = export::export_hours(&state, &user, &q).await?;
    let name = format!("volunteer-hours-{}-{}.xlsx", q.from, q.to);
    Ok((
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    ))
}
