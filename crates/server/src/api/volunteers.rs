//! Volunteers' profiles, teams (突击队) and squads (小分队).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use youthloop_domain::id::*;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser, ListQuery};
use crate::services::volunteers::{
    self, Created, MemberBody, Squad, SquadBody, Team, TeamBody, VolunteerBody, VolunteerProfile,
};
use crate::state::AppState;
use crate::wire::Paged;

/// The caller's volunteer profile (volunteer); 404 until they fill it in.
#[utoipa::path(get, path = "/api/v1/me/volunteer", tag = "volunteers",
    responses((status = 200, body = VolunteerProfile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_profile(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<VolunteerProfile>> {
    Ok(Json(volunteers::my_profile(&state, &user).await?))
}

/// Creates or replaces the caller's volunteer profile (volunteer, 14 or older); a new
/// volunteer gets a volunteer number.
#[utoipa::path(put, path = "/api/v1/me/volunteer", tag = "volunteers", request_body = VolunteerBody,
    responses((status = 200, body = VolunteerProfile), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_profile(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<VolunteerBody>,
) -> AppResult<Json<VolunteerProfile>> {
    Ok(Json(volunteers::save_profile(&state, &user, b).await?))
}

/// Makes a youth shock team (League).
#[utoipa::path(post, path = "/api/v1/teams", tag = "volunteers", request_body = TeamBody,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<TeamBody>,
) -> AppResult<(StatusCode, Json<Created>)> {
    Ok((
        StatusCode::CREATED,
        Json(volunteers::create_team(&state, &user, b).await?),
    ))
}

/// The district's teams with their member counts (League, leaders).
#[utoipa::path(get, path = "/api/v1/teams", tag = "volunteers", params(ListQuery),
    responses((status = 200, body = Paged<Team>), (status = 403, body = ErrorBody)))]
pub async fn list_teams(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Team>>> {
    Ok(Json(volunteers::teams(&state, &user, &q.page()?).await?))
}

/// Makes a squad in a team (League, the team's leader).
#[utoipa::path(post, path = "/api/v1/teams/{id}/squads", tag = "volunteers", params(("id" = String, Path)),
    request_body = SquadBody,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_squad(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TeamId>,
    ApiJson(b): ApiJson<SquadBody>,
) -> AppResult<(StatusCode, Json<Created>)> {
    Ok((
        StatusCode::CREATED,
        Json(volunteers::create_squad(&state, &user, &id, b).await?),
    ))
}

/// The district's squads, or a team's with `?team=ID` (League, leaders).
#[utoipa::path(get, path = "/api/v1/squads", tag = "volunteers", params(ListQuery),
    responses((status = 200, body = Paged<Squad>), (status = 403, body = ErrorBody)))]
pub async fn list_squads(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Squad>>> {
    Ok(Json(
        volunteers::squads(&state, &user, q.team.as_ref(), &q.page()?).await?,
    ))
}

/// Puts a volunteer in the squad (League, its team's or its own leader); one squad each.
#[utoipa::path(post, path = "/api/v1/squads/{id}/members", tag = "volunteers", params(("id" = String, Path)),
    request_body = MemberBody,
    responses((status = 201), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<SquadId>,
    ApiJson(b): ApiJson<MemberBody>,
) -> AppResult<StatusCode> {
    volunteers::add_member(&state, &user, &id, b).await?;
    Ok(StatusCode::CREATED)
}

/// Takes a volunteer out of the squad (League, its team's or its own leader).
#[utoipa::path(delete, path = "/api/v1/squads/{id}/members/{volunteer_id}", tag = "volunteers",
    params(("id" = String, Path), ("volunteer_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, volunteer_id)): Path<(SquadId, UserId)>,
) -> AppResult<StatusCode> {
    volunteers::remove_member(&state, &user, &id, &volunteer_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
