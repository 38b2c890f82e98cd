//! Roles, each held in a scope.

use crate::id::{DistrictId, OrganizationId, RegionId, UserId};
use crate::status_enum;
use time::OffsetDateTime;

status_enum!(
    Role {
        LeagueAdmin => "league_admin",
        OrgAdmin => "org_admin",
        OrgStaff => "org_staff",
        CommunityOfficer => "community_officer",
        SocialWorker => "social_worker",
        Volunteer => "volunteer",
        Guardian => "guardian",
        Youth => "youth",
        Evaluator => "evaluator",
        TeamLeader => "team_leader",
        SquadLeader => "squad_leader",
        CityAdmin => "city_admin",
    }
);

/// What a role's `scope_id` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    District,
    Organization,
    Region,
    SelfOnly,
    Everything,
    /// A team or squad of volunteers: granted by naming the leader on it.
    Team,
    Squad,
}

impl Role {
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::LeagueAdmin | Role::Evaluator => ScopeKind::District,
            Role::OrgAdmin | Role::OrgStaff | Role::SocialWorker => ScopeKind::Organization,
            Role::CommunityOfficer => ScopeKind::Region,
            Role::Volunteer | Role::Guardian | Role::Youth => ScopeKind::SelfOnly,
            Role::CityAdmin => ScopeKind::Everything,
            Role::TeamLeader => ScopeKind::Team,
            Role::SquadLeader => ScopeKind::Squad,
        }
    }

    /// Roles anyone may take by signing up.
    pub fn self_service(self) -> bool {
        matches!(self, Role::Guardian | Role::Youth | Role::Volunteer)
    }
}

/// One role held in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub scope_id: String,
}

/// Who is acting: a user of one district with the roles they hold (none for a visitor
/// or the system), where the request came from and when, for the audit trail and for
/// what the action stamps.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Empty for a visitor who is not signed in, `system` for the platform itself.
    pub user_id: UserId,
    pub district_id: DistrictId,
    pub grants: Vec<Grant>,
    pub address: String,
    /// The time of the request, read once from the server's clock.
    pub at: OffsetDateTime,
}

impl Actor {
    /// The platform acting on its own (demo data, imports), from the command line.
    pub fn system(district_id: &DistrictId, at: OffsetDateTime) -> Self {
        Self {
            user_id: UserId::from("system"),
            district_id: district_id.clone(),
            grants: Vec::new(),
            address: "cli".to_owned(),
            at,
        }
    }

    /// A visitor who is not signed in.
    pub fn visitor(district_id: &DistrictId, address: &str, at: OffsetDateTime) -> Self {
        Self {
            user_id: UserId::default(),
            district_id: district_id.clone(),
            grants: Vec::new(),
            address: address.to_owned(),
            at,
        }
    }

    /// The same actor holding only `roles`: an action allowed to one role must not
    /// borrow the reach of another role the user also holds.
    pub fn only(&self, roles: &[Role]) -> Actor {
        Actor {
            grants: self
                .grants
                .iter()
                .filter(|g| roles.contains(&g.role))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        self.grants.iter().any(|g| roles.contains(&g.role))
    }

    /// The scopes in which the actor holds any of `roles`.
    pub fn scopes(&self, roles: &[Role]) -> Vec<String> {
        self.grants
            .iter()
            .filter(|g| roles.contains(&g.role))
            .map(|g| g.scope_id.clone())
            .collect()
    }

    /// Sees everything in the district (League, evaluator, city).
    pub fn sees_district(&self) -> bool {
        self.has_any(&[Role::LeagueAdmin, Role::Evaluator, Role::CityAdmin])
    }

    /// Organizations the actor works for as admin or staff.
    pub fn org_ids(&self) -> Vec<OrganizationId> {
        let scopes = self.scopes(&[Role::OrgAdmin, Role::OrgStaff]);
        scopes.into_iter().map(OrganizationId::from).collect()
    }

    /// Regions the actor serves as a community officer.
    pub fn region_ids(&self) -> Vec<RegionId> {
        let scopes = self.scopes(&[Role::CommunityOfficer]);
        scopes.into_iter().map(RegionId::from).collect()
    }
}
