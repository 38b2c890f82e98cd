//! Regions with youth profiles, organizations, and accounts made by the League.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use youthloop_domain::parse::text;
use youthloop_domain::region::{parse_area, YouthProfile};
use youthloop_domain::role::{Grant, Role, ScopeKind};
use youthloop_domain::{CreditCode, Phone};
use youthloop_store::model::{
    NewOrganization, NewUser, Organization, Paged, Region, RoleGrant, User,
};

use crate::auth::{check_password, hash_password};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, CurrentUser, ListQuery, MaybeUser};
use crate::startup::AppState;

/// Whose youth profiles a viewer may see: the League every one, a community officer
/// those of their regions and of the regions under them (a town's officer, the town's
/// communities); never another community's officers, nor the public.
pub(crate) enum ProfileReach {
    All,
    Only(std::collections::HashSet<String>),
}

impl ProfileReach {
    /// Read once per request: a list of regions asks it for each.
    pub(crate) async fn of(state: &AppState, viewer: &MaybeUser) -> AppResult<Self> {
        Ok(match &viewer.0 {
            Some(u) if u.actor.has_any(&[Role::LeagueAdmin, Role::CityAdmin]) => Self::All,
            Some(u) if u.actor.has(Role::CommunityOfficer) => {
                let scopes = u.actor.scopes(&[Role::CommunityOfficer]);
                Self::Only(state.store.regions_under(u.district(), &scopes).await?)
            }
            _ => Self::Only(Default::default()),
        })
    }

    pub(crate) fn sees(&self, region_id: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(ids) => ids.contains(region_id),
        }
    }

    fn show(&self, mut region: Region) -> Region {
        if !self.sees(&region.id) {
            region.profile = None;
        }
        region
    }
}

/// Regions of the district: the district, its towns and communities.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(ListQuery),
    responses((status = 200, body = Paged<Region>), (status = 422, body = ErrorBody)))]
pub async fn list_regions(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Region>>> {
    let district = viewer.district(&state, q.district.as_deref()).await?;
    let page = state.store.regions(&district, &q.page()?).await?;
    let reach = ProfileReach::of(&state, &viewer).await?;
    Ok(Json(page.map(|r| reach.show(r))))
}

#[utoipa::path(get, path = "/api/v1/regions/{id}", tag = "regions", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Region), (status = 404, body = ErrorBody)))]
pub async fn get_region(
    State(state): State<AppState>,
    viewer: MaybeUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Region>> {
    let district = viewer.district(&state, q.district.as_deref()).await?;
    let region = state.store.region(&district, &id).await?;
    Ok(Json(ProfileReach::of(&state, &viewer).await?.show(region)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    #[serde(default)]
    pub age_6_8: i64,
    #[serde(default)]
    pub age_9_11: i64,
    #[serde(default)]
    pub age_12_14: i64,
    #[serde(default)]
    pub age_15_18: i64,
    #[serde(default)]
    pub migrant_children: i64,
    #[serde(default)]
    pub left_behind: i64,
    #[serde(default)]
    pub in_difficulty: i64,
    #[serde(default)]
    pub need_tags: Vec<String>,
}

/// Updates a community's youth profile: its officer, or the League.
#[utoipa::path(put, path = "/api/v1/regions/{id}/profile", tag = "regions", params(("id" = String, Path)),
    request_body = ProfileBody,
    responses((status = 200, body = Region), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_profile(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ProfileBody>,
) -> AppResult<Json<Region>> {
    user.require(&[Role::LeagueAdmin, Role::CommunityOfficer])?;
    let profile = YouthProfile::parse(
        b.age_6_8,
        b.age_9_11,
        b.age_12_14,
        b.age_15_18,
        b.migrant_children,
        b.left_behind,
        b.in_difficulty,
        &b.need_tags,
    )?;
    if !user.actor.has(Role::LeagueAdmin)
        && !state
            .store
            .region_within(user.district(), &id, &user.actor.region_ids())
            .await?
    {
        return Err(AppError::not_found());
    }
    Ok(Json(
        state.store.set_profile(&user.actor, &id, &profile).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", params(ListQuery),
    responses((status = 200, body = Paged<Organization>)))]
pub async fn list_organizations(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<Organization>>> {
    let district = viewer.district(&state, q.district.as_deref()).await?;
    Ok(Json(
        state.store.organizations(&district, &q.page()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = Organization), (status = 404, body = ErrorBody)))]
pub async fn get_organization(
    State(state): State<AppState>,
    viewer: MaybeUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Organization>> {
    let district = viewer.district(&state, q.district.as_deref()).await?;
    Ok(Json(state.store.organization(&district, &id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationBody {
    pub name: String,
    pub credit_code: String,
    pub areas: Vec<String>,
    pub address: String,
}

/// Registers an organization (League).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", request_body = OrganizationBody,
    responses((status = 201, body = Organization), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_organization(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<OrganizationBody>,
) -> AppResult<(StatusCode, Json<Organization>)> {
    user.require(&[Role::LeagueAdmin])?;
    if b.areas.is_empty() || b.areas.len() > 7 {
        return Err(AppError::invalid(
            "areas",
            "请选择1到7个服务领域 / Choose 1 to 7 service areas",
        ));
    }
    let mut areas = b
        .areas
        .iter()
        .map(|a| parse_area(a).map(str::to_owned))
        .collect::<Result<Vec<_>, _>>()?;
    areas.dedup();
    let org = NewOrganization {
        name: text("name", &b.name, 100)?,
        credit_code: CreditCode::parse(&b.credit_code)?.as_str().to_owned(),
        areas,
        address: text("address", &b.address, 200)?,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_organization(&user.actor, org).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    pub phone: String,
    pub password: String,
    pub name: String,
    pub roles: Vec<RoleGrant>,
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
    user.require(&[Role::LeagueAdmin, Role::OrgAdmin])?;
    let phone = Phone::parse(&b.phone)?;
    check_password(&b.password, &[phone.as_str(), &b.name])?;
    let name = text("name", &b.name, 50)?;
    if b.roles.is_empty() || b.roles.len() > 10 {
        return Err(AppError::invalid(
            "roles",
            "请给出1到10个角色 / Give 1 to 10 roles",
        ));
    }
    let district = user.district().to_owned();
    let mut grants = Vec::with_capacity(b.roles.len());
    for grant in &b.roles {
        let league = user.actor.has(Role::LeagueAdmin) && grant.role != Role::CityAdmin;
        let own_staff = matches!(grant.role, Role::OrgStaff | Role::SocialWorker)
            && user
                .actor
                .scopes(&[Role::OrgAdmin])
                .contains(&grant.scope_id);
        if !(league || own_staff) {
            return Err(AppError::forbidden());
        }
        let scope_exists = match grant.role.scope_kind() {
            ScopeKind::District => grant.scope_id == district,
            ScopeKind::Organization => state
                .store
                .organization(&district, &grant.scope_id)
                .await
                .is_ok(),
            ScopeKind::Region => state.store.region(&district, &grant.scope_id).await.is_ok(),
            ScopeKind::SelfOnly => grant.scope_id.is_empty(),
            ScopeKind::Everything => false,
        };
        if !scope_exists {
            return Err(AppError::invalid(
                "roles.scope_id",
                "角色范围不存在 / The role's scope does not exist",
            ));
        }
        grants.push(Grant {
            role: grant.role,
            scope_id: grant.scope_id.clone(),
        });
    }
    let password_hash = hash_password(b.password).await?;
    let created = state
        .store
        .create_user(
            &user.actor,
            NewUser {
                phone: phone.as_str().to_owned(),
                password_hash,
                name,
                id_number: None,
                birth_date: None,
                grants,
                is_participant: false,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}
