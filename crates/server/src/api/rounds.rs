//! Buy (买菜): procurement rounds, proposals, approvals, and the menu.

use crate::wire::{all, Menu, Project, Round};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use youthloop_domain::id::*;
use youthloop_domain::round::RoundAction;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser, ListQuery, MaybeUser};
use crate::services;
use crate::services::ranking::Ranking;
use crate::services::rounds::{self, ApproveBody, ProjectBody, ReasonBody, RoundBody};
use crate::state::AppState;

/// Opens a new procurement round as a draft (League).
#[utoipa::path(post, path = "/api/v1/rounds", tag = "buy", request_body = RoundBody,
    responses((status = 201, body = Round), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_round(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<RoundBody>,
) -> AppResult<(StatusCode, Json<Round>)> {
    let round = rounds::create_round(&state, &user, b).await?;
    Ok((StatusCode::CREATED, Json(round.into())))
}

#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "buy", params(("id" = String, Path)),
    responses((status = 200, body = Round), (status = 404, body = ErrorBody)))]
pub async fn get_round(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<RoundId>,
) -> AppResult<Json<Round>> {
    Ok(Json(rounds::round(&state, &user, &id).await?.into()))
}

/// A round's proposals ranked by the organization's record, its latest grade and the
/// project's fit, best first, each with the evidence behind its score (League).
#[utoipa::path(get, path = "/api/v1/rounds/{id}/ranking", tag = "buy", params(("id" = String, Path)),
    responses((status = 200, body = Ranking), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn ranking(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<RoundId>,
) -> AppResult<Json<Ranking>> {
    Ok(Json(services::ranking::ranking(&state, &user, &id).await?))
}

macro_rules! round_action {
    ($name:ident, $action:ident, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "buy", params(("id" = String, Path)),
            responses((status = 200, body = Round), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
        pub async fn $name(State(state): State<AppState>, user: CurrentUser, Path(id): Path<RoundId>) -> AppResult<Json<Round>> {
            Ok(Json(rounds::move_round(&state, &user, &id, RoundAction::$action).await?.into()))
        }
    };
}

round_action!(
    open_round,
    Open,
    "/api/v1/rounds/{id}/open",
    "Opens the round for proposals."
);
round_action!(
    review_round,
    Review,
    "/api/v1/rounds/{id}/review",
    "Closes proposals and starts review."
);
round_action!(
    award_round,
    Award,
    "/api/v1/rounds/{id}/award",
    "Awards the round: its approved projects are bought."
);
round_action!(
    close_round,
    Close,
    "/api/v1/rounds/{id}/close",
    "Closes the round."
);

/// An organization proposes a project into an open round.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/projects", tag = "buy", params(("id" = String, Path)), request_body = ProjectBody,
    responses((status = 201, body = Project), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(round_id): Path<RoundId>,
    ApiJson(b): ApiJson<ProjectBody>,
) -> AppResult<(StatusCode, Json<Project>)> {
    let project = rounds::propose(&state, &user, &round_id, b).await?;
    Ok((StatusCode::CREATED, Json(project.into())))
}

/// Approves a proposal and buys sessions of it; 409 `over_budget` past the round's budget.
#[utoipa::path(post, path = "/api/v1/projects/{id}/approve", tag = "buy", params(("id" = String, Path)), request_body = ApproveBody,
    responses((status = 200, body = Project), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ProjectId>,
    ApiJson(b): ApiJson<ApproveBody>,
) -> AppResult<Json<Project>> {
    Ok(Json(rounds::approve(&state, &user, &id, b).await?.into()))
}

/// Rejects a proposal with a reason.
#[utoipa::path(post, path = "/api/v1/projects/{id}/reject", tag = "buy", params(("id" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = Project), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ProjectId>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> AppResult<Json<Project>> {
    Ok(Json(rounds::reject(&state, &user, &id, b).await?.into()))
}

/// The menu: approved projects with sessions left; `?community=` ranks by fit.
#[utoipa::path(get, path = "/api/v1/menu", tag = "buy", params(ListQuery),
    responses((status = 200, body = Menu), (status = 404, body = ErrorBody)))]
pub async fn menu(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Menu>> {
    let district = viewer.district(&state, q.district.as_ref()).await?;
    let page = q.numbered_page()?;
    let menu = rounds::menu(&state, &viewer, &district, q.community.as_ref(), &page).await?;
    Ok(Json(Menu {
        items: all(menu.items),
        next_cursor: menu.next_cursor,
    }))
}
