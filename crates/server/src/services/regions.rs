//! Regions with youth profiles, organizations, and accounts made by the League.

use serde::Deserialize;
use utoipa::ToSchema;
use youthloop_domain::id::*;
use youthloop_domain::parse::text;
use youthloop_domain::region::{parse_area, YouthProfile};
use youthloop_domain::role::{Grant, Role, ScopeKind};
use youthloop_domain::{ContactPhone, CreditCode, Phone};
use youthloop_store::model::{NewOrganization, NewUser, Organization, Page, Paged, Region, User};

use crate::auth::{check_password, hash_password};
use crate::error::{AppError, AppResult};
use crate::extract::{CurrentUser, MaybeUser};
use crate::state::AppState;
use crate::wire::RoleGrant;

/// Whose youth profiles a viewer may see: the League every one, a community officer
/// those of their regions and of the regions under them (a town's officer, the town's
/// communities); never another community's officers, nor the public.
pub(crate) enum ProfileReach {
    All,
    Only(std::collections::HashSet<RegionId>),
}

impl ProfileReach {
    /// Read once per request: a list of regions asks it for each.
    pub(crate) async fn of(state: &AppState, viewer: &MaybeUser) -> AppResult<Self> {
        Ok(match &viewer.0 {
            Some(u) if u.actor.has_any(&[Role::LeagueAdmin, Role::CityAdmin]) => Self::All,
            Some(u) if u.actor.has(Role::CommunityOfficer) => {
                let scopes = u.actor.region_ids();
                Self::Only(state.store.regions_under(u.district(), &scopes).await?)
            }
            _ => Self::Only(Default::default()),
        })
    }

    pub(crate) fn sees(&self, region_id: &RegionId) -> bool {
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

/// The district's regions, each profile shown only to whom may see it.
pub async fn regions(
    state: &AppState,
    viewer: &MaybeUser,
    district: &DistrictId,
    page: &Page,
) -> AppResult<Paged<Region>> {
    let regions = state.store.regions(district, page).await?;
    let reach = ProfileReach::of(state, viewer).await?;
    Ok(regions.map(|r| reach.show(r)))
}

pub async fn region(
    state: &AppState,
    viewer: &MaybeUser,
    district: &DistrictId,
    id: &RegionId,
) -> AppResult<Region> {
    let region = state.store.region(district, id).await?;
    Ok(ProfileReach::of(state, viewer).await?.show(region))
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

/// A community's officer, or the League, updates its youth profile.
pub async fn set_profile(
    state: &AppState,
    user: &CurrentUser,
    id: &RegionId,
    b: ProfileBody,
) -> AppResult<Region> {
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
            .region_within(user.district(), id, &user.actor.region_ids())
            .await?
    {
        return Err(AppError::not_found());
    }
    Ok(state.store.set_profile(&user.actor, id, &profile).await?)
}

pub async fn organizations(
    state: &AppState,
    district: &DistrictId,
    page: &Page,
) -> AppResult<Paged<Organization>> {
    Ok(state.store.organizations(district, page).await?)
}

pub async fn organization(
    state: &AppState,
    district: &DistrictId,
    id: &OrganizationId,
) -> AppResult<Organization> {
    Ok(state.store.organization(district, id).await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationBody {
    pub name: String,
    pub credit_code: String,
    pub areas: Vec<String>,
    pub address: String,
    /// The public telephone families may call: a landline with its area code or a
    /// mobile number.
    #[serde(default)]
    pub contact_phone: Option<String>,
}

/// The League registers an organization.
pub async fn create_organization(
    state: &AppState,
    user: &CurrentUser,
    b: OrganizationBody,
) -> AppResult<Organization> {
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
        contact_phone: match b.contact_phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(phone) => Some(ContactPhone::parse(phone)?.as_str().to_owned()),
        },
    };
    Ok(state.store.create_organization(&user.actor, org).await?)
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
pub async fn create_user(state: &AppState, user: &CurrentUser, b: UserBody) -> AppResult<User> {
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
            ScopeKind::District => grant.scope_id == district.as_str(),
            ScopeKind::Organization => {
                let id = OrganizationId::from(grant.scope_id.as_str());
                state.store.organization(&district, &id).await.is_ok()
            }
            ScopeKind::Region => {
                let id = RegionId::from(grant.scope_id.as_str());
                state.store.region(&district, &id).await.is_ok()
            }
            ScopeKind::SelfOnly => grant.scope_id.is_empty(),
            // Leaders are named on their team or squad, which grants the role.
            ScopeKind::Everything | ScopeKind::Team | ScopeKind::Squad => false,
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
    Ok(state
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
        .await?)
}
