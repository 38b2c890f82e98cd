//! Sign-in, sign-out, who am I, self sign-up.

use crate::wire::{PersonalData, SignedIn, User};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::Json;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ClientAddr, CurrentUser, ListQuery};
use crate::services::session::{self, cleared_cookie, session_cookie, Erased, SignIn, SignUp};
use crate::state::AppState;

/// Signs in with phone and password.
///
/// Failed attempts are counted per phone and client address, for known and unknown
/// phones alike, so that guessing from one place locks only that place out and the
/// owner signs in from elsewhere; every answer costs one password hash, so neither the
/// status nor the time tells whether a phone is registered or locked.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses((status = 200, body = SignedIn), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ApiJson(body): ApiJson<SignIn>,
) -> AppResult<Response> {
    let signed_in = session::sign_in(&state, &address, body).await?;
    let cookie = session_cookie(&state, &signed_in.token);
    Ok((
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Json(SignedIn {
            token: signed_in.token,
            user: signed_in.user.into(),
        }),
    )
        .into_response())
}

/// Signs out: the session stops working everywhere at once.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn sign_out(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    session::sign_out(&state, &user).await?;
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(header::SET_COOKIE, cleared_cookie(&state))]),
    )
        .into_response())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
pub async fn me(user: CurrentUser) -> Json<User> {
    Json(user.user.into())
}

/// Self sign-up as a guardian, a youth or a volunteer.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "session", request_body = SignUp,
    params(("district" = Option<String>, Query, description = "the district to join; the default one if absent")),
    responses((status = 201, body = User), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign_up(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ApiQuery(query): ApiQuery<ListQuery>,
    ApiJson(body): ApiJson<SignUp>,
) -> AppResult<(StatusCode, Json<User>)> {
    let user = session::sign_up(&state, &address, query.district.as_ref(), body).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// All data held about the signed-in user and the children in their care, in the clear
/// (PIPL art. 45). The download is itself recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "trust",
    responses((status = 200, body = PersonalData), (status = 401, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<PersonalData>> {
    Ok(Json(session::export(&state, &user).await?.into()))
}

/// Erases the signed-in guardian's, youth's or volunteer's personal data and that of
/// their children (PIPL art. 47); counts and ratings stay for statistics. Signs out.
#[utoipa::path(delete, path = "/api/v1/me", tag = "trust",
    responses((status = 200, body = Erased), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn erase(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let erased = session::erase(&state, &user).await?;
    Ok((
        AppendHeaders([(header::SET_COOKIE, cleared_cookie(&state))]),
        Json(erased),
    )
        .into_response())
}
