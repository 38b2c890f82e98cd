//! Roles, each held in a scope.

use crate::status_enum;

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
}

impl Role {
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::LeagueAdmin | Role::Evaluator => ScopeKind::District,
            Role::OrgAdmin | Role::OrgStaff | Role::SocialWorker => ScopeKind::Organization,
            Role::CommunityOfficer => ScopeKind::Region,
            Role::Volunteer | Role::Guardian | Role::Youth => ScopeKind::SelfOnly,
            Role::CityAdmin => ScopeKind::Everything,
        }
    }

    /// Roles anyone may take by signing up.
    pub fn self_service(self) -> bool {
        matches!(self, Role::Guardian | Role::Youth | Role::Volunteer)
    }
}
