//! The district's settings, tuned by its League office.

use axum::extract::State;
use axum::Json;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, CurrentUser};
use crate::services::settings::{self, SettingsBody};
use crate::state::AppState;

/// The district's settings (League).
#[utoipa::path(get, path = "/api/v1/settings", tag = "organizations",
    responses((status = 200, body = SettingsBody), (status = 403, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<SettingsBody>> {
    Ok(Json(settings::settings(&state, &user).await?))
}

/// Changes the district's settings (League); recorded in the audit trail.
#[utoipa::path(put, path = "/api/v1/settings", tag = "organizations", request_body = SettingsBody,
    responses((status = 200, body = SettingsBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<SettingsBody>,
) -> AppResult<Json<SettingsBody>> {
    Ok(Json(settings::set_settings(&state, &user, b).await?))
}
