//! Regions with youth profiles, organizations, and accounts made by the League.

use crate::wire::{Organization, Paged, Region, User};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use youthloop_domain::id::*;

use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser, ListQuery, MaybeUser};
use crate::services::regions::{self, OrganizationBody, ProfileBody, UserBody};
use crate::state::AppState;

/// Regions of the district: the district, its towns and communities.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(ListQuery),
    responses((status = 200, body = Paged<Region>), (status = 422, body = ErrorBody)))]
pub async fn list_regions(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Region>>> {
    let district = viewer.district(&state, q.district.as_ref()).await?;
    let page = q.page()?;
    Ok(Json(
        regions::regions(&state, &viewer, &district, &page)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/regions/{id}", tag = "regions", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Region), (status = 404, body = ErrorBody)))]
pub async fn get_region(
    State(state): State<AppState>,
    viewer: MaybeUser,
    Path(id): Path<RegionId>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Region>> {
    let district = viewer.district(&state, q.district.as_ref()).await?;
    Ok(Json(
        regions::region(&state, &viewer, &district, &id)
            .await?
            .into(),
    ))
}

/// Updates a community's youth profile: its officer, or the League.
#[utoipa::path(put, path = "/api/v1/regions/{id}/profile", tag = "regions", params(("id" = String, Path)),
    request_body = ProfileBody,
    responses((status = 200, body = Region), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_profile(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<RegionId>,
    ApiJson(b): ApiJson<ProfileBody>,
) -> AppResult<Json<Region>> {
    Ok(Json(
        regions::set_profile(&state, &user, &id, b).await?.into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", params(ListQuery),
    responses((status = 200, body = Paged<Organization>)))]
pub async fn list_organizations(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Organization>>> {
    let district = viewer.district(&state, q.district.as_ref()).await?;
    Ok(Json(
        regions::organizations(&state, &district, &q.page()?)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Organization), (status = 404, body = ErrorBody)))]
pub async fn get_organization(
    State(state): State<AppState>,
    viewer: MaybeUser,
    Path(id): Path<OrganizationId>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Organization>> {
    let district = viewer.district(&state, q.district.as_ref()).await?;
    Ok(Json(
        regions::organization(&state, &district, &id).await?.into(),
    ))
}

/// Registers an organization (League).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", request_body = OrganizationBody,
    responses((status = 201, body = Organization), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_organization(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<OrganizationBody>,
) -> AppResult<(StatusCode, Json<Organization>)> {
    let org = regions::create_organization(&state, &user, b).await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

/// Makes an account: the League for any role in its district; an organization's admin
/// for its own staff and social workers.
#[utoipa::path(post, path = "/api/v1/users", tag = "organizations", request_body = UserBody,
    responses((status = 201, body = User), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<UserBody>,
) -> AppResult<(StatusCode, Json<User>)> {
    let created = regions::create_user(&state, &user, b).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}
