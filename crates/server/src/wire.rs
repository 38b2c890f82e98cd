//! The API's answers as the wire carries them: the JSON shapes and their OpenAPI
//! schemas, made from the store's records. They belong to the server: the store keeps
//! its records free of how any edge shows them.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use youthloop_domain::activity::{ActivityStatus, RegistrationStatus};
use youthloop_domain::case::{CaseAction, CaseCategory, CaseStatus, RiskLevel};
use youthloop_domain::order::OrderStatus;
use youthloop_domain::region::{RegionKind, YouthProfile};
use youthloop_domain::review::{ReviewStatus, ReviewTarget};
use youthloop_domain::role::Role;
use youthloop_domain::round::{ProjectStatus, RoundStatus};
use youthloop_store::model;

// Dates of a window and birth dates travel as `YYYY-MM-DD`.
time::serde::format_description!(pub ymd, Date, "[year]-[month]-[day]");

impl<T, U: Into<T>> From<model::Paged<U>> for Paged<T> {
    fn from(v: model::Paged<U>) -> Self {
        Self {
            items: v.items.into_iter().map(Into::into).collect(),
            next_cursor: v.next_cursor,
        }
    }
}

/// One page of a list and the cursor of the next, if there is one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct District {
    pub id: String,
    pub name: String,
    pub code: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Region {
    pub id: String,
    pub name: String,
    #[schema(value_type = String, example = "community")]
    pub kind: RegionKind,
    pub parent_id: Option<String>,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub profile: Option<YouthProfile>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub credit_code: String,
    pub areas: Vec<String>,
    pub address: String,
    pub status: String,
    /// The public telephone families may call, if the organization gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoleGrant {
    #[schema(value_type = String, example = "guardian")]
    pub role: Role,
    pub scope_id: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub name: String,
    pub roles: Vec<RoleGrant>,
    /// `138****5678`: the full number is shown to no one but its owner's download.
    pub phone_masked: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Round {
    pub id: String,
    pub title: String,
    pub budget_fen: i64,
    /// What approved projects have taken of the budget.
    pub approved_fen: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub opens_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub closes_at: OffsetDateTime,
    #[schema(value_type = String, example = "draft")]
    pub status: RoundStatus,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    pub id: String,
    pub round_id: String,
    pub organization_id: String,
    pub title: String,
    pub area: String,
    pub min_age: u32,
    pub max_age: u32,
    pub capacity: u32,
    pub unit_price_fen: i64,
    pub sessions_offered: u32,
    pub sessions_bought: u32,
    pub description: String,
    pub badges: Vec<String>,
    #[schema(value_type = String, example = "submitted")]
    pub status: ProjectStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MenuItem {
    pub project_id: String,
    pub title: String,
    pub area: String,
    pub organization: OrgRef,
    pub min_age: u32,
    pub max_age: u32,
    pub capacity: u32,
    pub unit_price_fen: i64,
    pub sessions_left: u32,
    /// The organization's Bayesian-average satisfaction.
    pub rating: f64,
    /// How well it fits the community asked about (`?community=`), if one was: the
    /// share of the community's young people of its ages (0 to 1), counted double when
    /// its area is one of the community's needs (so 0 to 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    #[schema(value_type = String)]
    pub status: OrderStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The user who made the change.
    pub by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Order {
    pub id: String,
    #[schema(value_type = String, example = "submitted")]
    pub status: OrderStatus,
    pub project_id: String,
    pub community_id: String,
    pub organization_id: String,
    pub sessions: u32,
    #[serde(with = "ymd")]
    #[schema(value_type = String, example = "2026-05-01")]
    pub window_start: Date,
    #[serde(with = "ymd")]
    #[schema(value_type = String, example = "2026-05-31")]
    pub window_end: Date,
    pub venue: String,
    pub expected_participants: u32,
    pub notes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Budget committed to this order (from dispatch on).
    pub committed_fen: i64,
    /// When the step the order waits for is due, if it waits for one.
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    pub overdue: bool,
    /// When the overdue step was escalated to the League (once per step).
    #[serde(with = "time::serde::rfc3339::option")]
    pub escalated_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Activity {
    pub id: String,
    pub organization_id: String,
    pub order_id: Option<String>,
    pub title: String,
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub venue: String,
    pub capacity: u32,
    pub waitlist_capacity: u32,
    pub min_age: u32,
    pub max_age: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub registration_opens_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub registration_closes_at: OffsetDateTime,
    pub badges: Vec<String>,
    #[schema(value_type = String, example = "published")]
    pub status: ActivityStatus,
    pub confirmed_count: u32,
    pub waitlist_count: u32,
}

/// A guardian's consent to the platform keeping and using a child's data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Consent {
    pub id: String,
    pub participant_id: String,
    pub relation: String,
    /// What the consent covers: `registration` (taking part in activities).
    pub scope: String,
    #[serde(with = "time::serde::rfc3339")]
    pub given_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub withdrawn_at: Option<OffsetDateTime>,
}

/// A withdrawn consent, and what withdrawing stopped: the child's registrations for
/// activities not yet over are cancelled (their seats go to the waitlist); what already
/// took place stays on record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Withdrawal {
    #[serde(flatten)]
    pub consent: Consent,
    /// The registrations this withdrawal cancelled.
    pub cancelled_registrations: Vec<String>,
}

/// Everything held about a user and the children in their care, in the clear: only
/// for that user (and audited).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonalData {
    pub user: PersonData,
    pub participants: Vec<ParticipantData>,
    pub reviews: Vec<Review>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonData {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub id_number: Option<String>,
    pub roles: Vec<RoleGrant>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantData {
    pub id: String,
    pub name: String,
    #[serde(with = "ymd")]
    #[schema(value_type = String)]
    pub birth_date: Date,
    pub id_number: String,
    pub consents: Vec<Consent>,
    pub registrations: Vec<Registration>,
    pub badges: Vec<BadgeAward>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantKind {
    Child,
    Youth,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Participant {
    pub id: String,
    pub name: String,
    /// `110105********1234`.
    pub id_number_masked: String,
    #[serde(with = "ymd")]
    #[schema(value_type = String, example = "2016-03-01")]
    pub birth_date: Date,
    /// Whether a guardian's consent to keeping and using the child's data is live.
    pub consent_live: bool,
}

/// The answer to a registration, kept for retries with the same key.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Registered {
    pub id: String,
    #[schema(value_type = String, example = "confirmed")]
    pub status: RegistrationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    // Kept with the answer so that a key reused for another request is caught.
    #[serde(skip_serializing, default)]
    pub activity_id: String,
    #[serde(skip_serializing, default)]
    pub participant_id: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Registration {
    pub id: String,
    pub activity_id: String,
    pub participant_id: String,
    /// For the organization's list; withheld when the guardian withdrew consent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_name: Option<String>,
    #[schema(value_type = String, example = "confirmed")]
    pub status: RegistrationStatus,
    /// Place in the waitlist, for a waitlisted registration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BadgeAward {
    pub code: String,
    pub name: String,
    pub activity_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub awarded_at: OffsetDateTime,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Review {
    pub id: String,
    #[schema(value_type = String, example = "activity")]
    pub target_kind: ReviewTarget,
    pub target_id: String,
    pub organization_id: String,
    pub author_role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    pub text: String,
    /// `visible`, `held` (waiting for a moderator) or `hidden`.
    #[schema(value_type = String, example = "visible")]
    pub status: ReviewStatus,
    /// Why it is held (`advert`, `contact`, `link`, `repeated`, `abuse`) or hidden (the
    /// moderator's words).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The organization's public reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub replied_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One event of the audit trail as the League reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub record_kind: String,
    pub record_id: String,
    pub address: String,
    pub hash: String,
}

/// A case as a list shows it: no clear name, no notes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: String,
    #[schema(value_type = String, example = "assessment")]
    pub status: CaseStatus,
    #[schema(value_type = String, example = "bullying")]
    pub category: CaseCategory,
    #[schema(value_type = Option<String>, example = "medium")]
    pub risk_level: Option<RiskLevel>,
    /// The minor's name, masked.
    pub subject: String,
    pub worker_id: String,
    pub supervisor_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseConsent {
    pub guardian_name: String,
    pub relation: String,
    pub scope: String,
    #[serde(with = "time::serde::rfc3339")]
    pub given_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseNote {
    pub id: String,
    #[schema(value_type = String, example = "session")]
    pub kind: CaseAction,
    pub text: String,
    pub author_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseGrant {
    pub id: String,
    pub case_id: String,
    pub grantee_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// The whole case, for those who may read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseFile {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub subject_name: String,
    #[serde(with = "ymd")]
    #[schema(value_type = String)]
    pub subject_birth_date: Date,
    pub consent: CaseConsent,
    pub notes: Vec<CaseNote>,
    pub grants: Vec<CaseGrant>,
}

/// How many cases, by category, risk and state: what the League may know.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseCount {
    #[schema(value_type = String)]
    pub category: CaseCategory,
    #[schema(value_type = Option<String>)]
    pub risk_level: Option<RiskLevel>,
    #[schema(value_type = String)]
    pub status: CaseStatus,
    pub count: u32,
}

impl From<model::District> for District {
    fn from(v: model::District) -> Self {
        Self {
            id: v.id.into(),
            name: v.name,
            code: v.code,
        }
    }
}

impl From<model::Region> for Region {
    fn from(v: model::Region) -> Self {
        Self {
            id: v.id.into(),
            name: v.name,
            kind: v.kind,
            parent_id: v.parent_id.map(Into::into),
            code: v.code,
            profile: v.profile,
        }
    }
}

impl From<model::Organization> for Organization {
    fn from(v: model::Organization) -> Self {
        Self {
            id: v.id.into(),
            name: v.name,
            credit_code: v.credit_code,
            areas: v.areas,
            address: v.address,
            status: v.status,
            contact_phone: v.contact_phone,
        }
    }
}

impl From<model::RoleGrant> for RoleGrant {
    fn from(v: model::RoleGrant) -> Self {
        Self {
            role: v.role,
            scope_id: v.scope_id,
        }
    }
}

impl From<model::User> for User {
    fn from(v: model::User) -> Self {
        Self {
            id: v.id.into(),
            name: v.name,
            roles: v.roles.into_iter().map(Into::into).collect(),
            phone_masked: v.phone_masked,
        }
    }
}

impl From<model::Round> for Round {
    fn from(v: model::Round) -> Self {
        Self {
            id: v.id.into(),
            title: v.title,
            budget_fen: v.budget_fen,
            approved_fen: v.approved_fen,
            opens_at: v.opens_at,
            closes_at: v.closes_at,
            status: v.status,
        }
    }
}

impl From<model::Project> for Project {
    fn from(v: model::Project) -> Self {
        Self {
            id: v.id.into(),
            round_id: v.round_id.into(),
            organization_id: v.organization_id.into(),
            title: v.title,
            area: v.area,
            min_age: v.min_age,
            max_age: v.max_age,
            capacity: v.capacity,
            unit_price_fen: v.unit_price_fen,
            sessions_offered: v.sessions_offered,
            sessions_bought: v.sessions_bought,
            description: v.description,
            badges: v.badges,
            status: v.status,
            reason: v.reason,
        }
    }
}

impl From<model::OrgRef> for OrgRef {
    fn from(v: model::OrgRef) -> Self {
        Self {
            id: v.id.into(),
            name: v.name,
        }
    }
}

impl From<model::MenuItem> for MenuItem {
    fn from(v: model::MenuItem) -> Self {
        Self {
            project_id: v.project_id.into(),
            title: v.title,
            area: v.area,
            organization: v.organization.into(),
            min_age: v.min_age,
            max_age: v.max_age,
            capacity: v.capacity,
            unit_price_fen: v.unit_price_fen,
            sessions_left: v.sessions_left,
            rating: v.rating,
            fit: v.fit.map(|f| f.score()),
        }
    }
}

impl From<model::HistoryEntry> for HistoryEntry {
    fn from(v: model::HistoryEntry) -> Self {
        Self {
            status: v.status,
            at: v.at,
            by: v.by.into(),
            note: v.note,
        }
    }
}

impl From<model::Order> for Order {
    fn from(v: model::Order) -> Self {
        Self {
            id: v.id.into(),
            status: v.status,
            project_id: v.project_id.into(),
            community_id: v.community_id.into(),
            organization_id: v.organization_id.into(),
            sessions: v.sessions,
            window_start: v.window_start,
            window_end: v.window_end,
            venue: v.venue,
            expected_participants: v.expected_participants,
            notes: v.notes,
            reason: v.reason,
            committed_fen: v.committed_fen,
            due_at: v.due_at,
            overdue: v.overdue,
            escalated_at: v.escalated_at,
            created_at: v.created_at,
            history: v.history.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<model::Activity> for Activity {
    fn from(v: model::Activity) -> Self {
        Self {
            id: v.id.into(),
            organization_id: v.organization_id.into(),
            order_id: v.order_id.map(Into::into),
            title: v.title,
            description: v.description,
            starts_at: v.starts_at,
            ends_at: v.ends_at,
            venue: v.venue,
            capacity: v.capacity,
            waitlist_capacity: v.waitlist_capacity,
            min_age: v.min_age,
            max_age: v.max_age,
            registration_opens_at: v.registration_opens_at,
            registration_closes_at: v.registration_closes_at,
            badges: v.badges,
            status: v.status,
            confirmed_count: v.confirmed_count,
            waitlist_count: v.waitlist_count,
        }
    }
}

impl From<model::Consent> for Consent {
    fn from(v: model::Consent) -> Self {
        Self {
            id: v.id,
            participant_id: v.participant_id.into(),
            relation: v.relation,
            scope: v.scope,
            given_at: v.given_at,
            withdrawn_at: v.withdrawn_at,
        }
    }
}

impl From<model::Withdrawal> for Withdrawal {
    fn from(v: model::Withdrawal) -> Self {
        Self {
            consent: v.consent.into(),
            cancelled_registrations: v
                .cancelled_registrations
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}

impl From<model::PersonalData> for PersonalData {
    fn from(v: model::PersonalData) -> Self {
        Self {
            user: v.user.into(),
            participants: v.participants.into_iter().map(Into::into).collect(),
            reviews: v.reviews.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<model::PersonData> for PersonData {
    fn from(v: model::PersonData) -> Self {
        Self {
            id: v.id.into(),
            name: v.name,
            phone: v.phone,
            id_number: v.id_number,
            roles: v.roles.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<model::ParticipantData> for ParticipantData {
    fn from(v: model::ParticipantData) -> Self {
        Self {
            id: v.id.into(),
            name: v.name,
            birth_date: v.birth_date,
            id_number: v.id_number,
            consents: v.consents.into_iter().map(Into::into).collect(),
            registrations: v.registrations.into_iter().map(Into::into).collect(),
            badges: v.badges.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<model::ParticipantKind> for ParticipantKind {
    fn from(v: model::ParticipantKind) -> Self {
        match v {
            model::ParticipantKind::Child => Self::Child,
            model::ParticipantKind::Youth => Self::Youth,
        }
    }
}

impl From<model::Participant> for Participant {
    fn from(v: model::Participant) -> Self {
        Self {
            id: v.id.into(),
            name: v.name,
            id_number_masked: v.id_number_masked,
            birth_date: v.birth_date,
            consent_live: v.consent_live,
        }
    }
}

impl From<model::Registered> for Registered {
    fn from(v: model::Registered) -> Self {
        Self {
            id: v.id.into(),
            status: v.status,
            position: v.position,
            activity_id: v.activity_id.into(),
            participant_id: v.participant_id.into(),
        }
    }
}

impl From<model::Registration> for Registration {
    fn from(v: model::Registration) -> Self {
        Self {
            id: v.id.into(),
            activity_id: v.activity_id.into(),
            participant_id: v.participant_id.into(),
            participant_name: v.participant_name,
            status: v.status,
            position: v.position,
        }
    }
}

impl From<model::BadgeAward> for BadgeAward {
    fn from(v: model::BadgeAward) -> Self {
        Self {
            code: v.code,
            name: v.name,
            activity_id: v.activity_id.into(),
            awarded_at: v.awarded_at,
            confirmed: v.confirmed,
        }
    }
}

impl From<model::Review> for Review {
    fn from(v: model::Review) -> Self {
        Self {
            id: v.id,
            target_kind: v.target_kind,
            target_id: v.target_id,
            organization_id: v.organization_id.into(),
            author_role: v.author_role,
            content: v.content,
            organization: v.organization,
            effect: v.effect,
            rating: v.rating,
            text: v.text,
            status: v.status,
            reason: v.reason,
            reply: v.reply,
            replied_at: v.replied_at,
            created_at: v.created_at,
        }
    }
}

impl From<model::AuditEntry> for AuditEntry {
    fn from(v: model::AuditEntry) -> Self {
        Self {
            seq: v.seq,
            at: v.at,
            actor: v.actor,
            action: v.action,
            record_kind: v.record_kind,
            record_id: v.record_id,
            address: v.address,
            hash: v.hash,
        }
    }
}

impl From<model::CaseSummary> for CaseSummary {
    fn from(v: model::CaseSummary) -> Self {
        Self {
            id: v.id.into(),
            status: v.status,
            category: v.category,
            risk_level: v.risk_level,
            subject: v.subject,
            worker_id: v.worker_id.into(),
            supervisor_id: v.supervisor_id.into(),
            opened_at: v.opened_at,
        }
    }
}

impl From<model::CaseConsent> for CaseConsent {
    fn from(v: model::CaseConsent) -> Self {
        Self {
            guardian_name: v.guardian_name,
            relation: v.relation,
            scope: v.scope,
            given_at: v.given_at,
        }
    }
}

impl From<model::CaseNote> for CaseNote {
    fn from(v: model::CaseNote) -> Self {
        Self {
            id: v.id,
            kind: v.kind,
            text: v.text,
            author_id: v.author_id.into(),
            at: v.at,
        }
    }
}

impl From<model::CaseGrant> for CaseGrant {
    fn from(v: model::CaseGrant) -> Self {
        Self {
            id: v.id,
            case_id: v.case_id.into(),
            grantee_id: v.grantee_id.into(),
            expires_at: v.expires_at,
        }
    }
}

impl From<model::CaseFile> for CaseFile {
    fn from(v: model::CaseFile) -> Self {
        Self {
            summary: v.summary.into(),
            subject_name: v.subject_name,
            subject_birth_date: v.subject_birth_date,
            consent: v.consent.into(),
            notes: v.notes.into_iter().map(Into::into).collect(),
            grants: v.grants.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<model::CaseCount> for CaseCount {
    fn from(v: model::CaseCount) -> Self {
        Self {
            category: v.category,
            risk_level: v.risk_level,
            status: v.status,
            count: v.count,
        }
    }
}

// A page of the menu, ranked.
#[derive(Serialize, ToSchema)]
pub struct Menu {
    pub items: Vec<MenuItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SignedIn {
    pub token: String,
    pub user: User,
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseStats {
    pub items: Vec<CaseCount>,
}

/// A wire list of records.
pub fn all<T, U: Into<T>>(records: Vec<U>) -> Vec<T> {
    records.into_iter().map(Into::into).collect()
}
