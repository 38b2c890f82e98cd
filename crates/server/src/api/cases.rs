//! Casework (个案) for minors at risk. Only the assigned worker, the supervisor and
//! holders of a live grant read a case; the League sees counts, never content. The
//! store audits every call.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use youthloop_domain::case::CaseAction;
use youthloop_domain::id::*;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser, ListQuery};
use crate::services::cases::{self, CaseNoteBody, GrantBody, IntakeBody};
use crate::state::AppState;
use crate::wire::{all, AuditEntry, CaseFile, CaseGrant, CaseList, CaseStats, Paged};

/// Intake: a social worker opens a case for a minor with the guardian's consent.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = IntakeBody,
    responses((status = 201, body = CaseFile), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open_case(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<IntakeBody>,
) -> AppResult<(StatusCode, Json<CaseFile>)> {
    let case = cases::open_case(&state, &user, b).await?;
    Ok((StatusCode::CREATED, Json(case.into())))
}

/// The cases the caller may read, names masked.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    responses((status = 200, body = CaseList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_cases(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<CaseList>> {
    Ok(Json(CaseList {
        items: all(cases::cases(&state, &user).await?),
    }))
}

/// The whole case: for its worker, its supervisor, and live grants.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CaseId>,
) -> AppResult<Json<CaseFile>> {
    Ok(Json(cases::case_file(&state, &user, &id).await?.into()))
}

macro_rules! case_action {
    ($name:ident, $action:ident, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "cases", params(("id" = String, Path)), request_body = CaseNoteBody,
            responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        pub async fn $name(
            State(state): State<AppState>,
            user: CurrentUser,
            Path(id): Path<CaseId>,
            ApiJson(b): ApiJson<CaseNoteBody>,
        ) -> AppResult<Json<CaseFile>> {
            Ok(Json(cases::record(&state, &user, &id, CaseAction::$action, b).await?.into()))
        }
    };
}

case_action!(
    assess,
    Assess,
    "/api/v1/cases/{id}/assess",
    "Records the assessment and its risk level."
);
case_action!(
    plan,
    Plan,
    "/api/v1/cases/{id}/plan",
    "Records the service plan."
);
case_action!(
    session_note,
    Session,
    "/api/v1/cases/{id}/sessions",
    "Records an intervention session's notes."
);
case_action!(
    review,
    Review,
    "/api/v1/cases/{id}/review",
    "Records the review of the intervention."
);
case_action!(
    close,
    Close,
    "/api/v1/cases/{id}/close",
    "Closes the case with a closing note."
);

/// The worker or supervisor lets a colleague read the case for at most 90 days.
#[utoipa::path(post, path = "/api/v1/cases/{id}/grants", tag = "cases", params(("id" = String, Path)), request_body = GrantBody,
    responses((status = 201, body = CaseGrant), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn grant(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CaseId>,
    ApiJson(b): ApiJson<GrantBody>,
) -> AppResult<(StatusCode, Json<CaseGrant>)> {
    let grant = cases::grant(&state, &user, &id, b).await?;
    Ok((StatusCode::CREATED, Json(grant.into())))
}

/// Case counts by category, risk and state, for the League and evaluators: no content.
#[utoipa::path(get, path = "/api/v1/cases/stats", tag = "cases",
    responses((status = 200, body = CaseStats), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn stats(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<CaseStats>> {
    Ok(Json(CaseStats {
        items: all(cases::stats(&state, &user).await?),
    }))
}

/// The district's audit trail, oldest first: for the League and evaluators.
#[utoipa::path(get, path = "/api/v1/audit", tag = "cases", params(ListQuery),
    responses((status = 200, body = Paged<AuditEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn audit_trail(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<AuditEntry>>> {
    Ok(Json(cases::audit_trail(&state, &user, &q).await?.into()))
}
