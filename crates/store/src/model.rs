//! Records the store reads and writes. How an edge shows them is the edge's (the
//! server's `wire` module for the API).

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use youthloop_domain::activity::{ActivityStatus, RegistrationStatus};
use youthloop_domain::case::{CaseAction, CaseCategory, CaseStatus, RiskLevel};
use youthloop_domain::evaluation::{Grade, Indicators};
use youthloop_domain::id::*;
use youthloop_domain::order::OrderStatus;
use youthloop_domain::region::{RegionKind, YouthProfile};
use youthloop_domain::review::{Ratings, ReviewStatus, ReviewTarget};
use youthloop_domain::role::{Grant, Role};
use youthloop_domain::round::{ProjectStatus, RoundStatus};
use youthloop_domain::Fen;

use crate::rows::{JsonText, MaybeId, Small};

/// A page request: at most `limit` items after the cursor.
#[derive(Debug, Clone)]
pub struct Page {
    pub limit: u32,
    pub after: Option<String>,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            limit: 50,
            after: None,
        }
    }
}

impl Page {
    pub const MAX: u32 = 500;

    pub fn all() -> Self {
        Self {
            limit: Self::MAX,
            after: None,
        }
    }
}

/// One page of a list and the cursor of the next, if there is one.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Paged<T> {
    /// Builds a page from `limit + 1` fetched rows, so a next page is known to exist.
    pub fn from_rows(mut rows: Vec<T>, page: &Page, cursor_of: impl Fn(&T) -> String) -> Self {
        let limit = page.limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(cursor_of)
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[derive(Debug, Clone)]
pub struct District {
    pub id: DistrictId,
    pub name: String,
    pub code: String,
}

#[derive(Debug, Clone)]
pub struct NewRegion {
    pub parent_id: Option<RegionId>,
    pub name: String,
    pub kind: RegionKind,
    pub code: String,
    pub profile: Option<YouthProfile>,
}

#[derive(Debug, Clone, FromRow)]
pub struct Region {
    #[sqlx(try_from = "String")]
    pub id: RegionId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: RegionKind,
    #[sqlx(try_from = "MaybeId")]
    pub parent_id: Option<RegionId>,
    pub code: String,
    #[sqlx(try_from = "JsonText")]
    pub profile: Option<YouthProfile>,
}

#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub name: String,
    pub credit_code: String,
    pub areas: Vec<String>,
    pub address: String,
    /// The public telephone, if it gave one.
    pub contact_phone: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct Organization {
    #[sqlx(try_from = "String")]
    pub id: OrganizationId,
    pub name: String,
    pub credit_code: String,
    #[sqlx(try_from = "JsonText")]
    pub areas: Vec<String>,
    pub address: String,
    pub status: String,
    pub contact_phone: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub phone: String,
    pub password_hash: String,
    pub name: String,
    pub id_number: Option<String>,
    pub birth_date: Option<Date>,
    pub grants: Vec<Grant>,
    /// A youth acts for themselves: they are also a participant, under their user id.
    pub is_participant: bool,
}

#[derive(Debug, Clone)]
pub struct RoleGrant {
    pub role: Role,
    pub scope_id: String,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub roles: Vec<RoleGrant>,
    /// `138****5678`: the full number is shown to no one but its owner's download.
    pub phone_masked: String,
    pub district_id: DistrictId,
    pub birth_date: Option<Date>,
}

impl User {
    pub fn grants(&self) -> Vec<Grant> {
        self.roles
            .iter()
            .map(|r| Grant {
                role: r.role,
                scope_id: r.scope_id.clone(),
            })
            .collect()
    }
}

/// What sign-in checks.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// Who is signing in from where: a phone and a client (its address, an IPv6 one by its
/// /64). Failed sign-ins are counted, and locked, per pair.
#[derive(Debug, Clone, Copy)]
pub struct SignInKey<'a> {
    pub phone: &'a str,
    pub client: &'a str,
}

#[derive(Debug, Clone)]
pub struct NewRound {
    pub title: String,
    pub budget: Fen,
    pub opens_at: OffsetDateTime,
    pub closes_at: OffsetDateTime,
}

#[derive(Debug, Clone, FromRow)]
pub struct Round {
    #[sqlx(try_from = "String")]
    pub id: RoundId,
    pub title: String,
    pub budget_fen: i64,
    /// What approved projects have taken of the budget.
    pub approved_fen: i64,
    pub opens_at: OffsetDateTime,
    pub closes_at: OffsetDateTime,
    #[sqlx(try_from = "String")]
    pub status: RoundStatus,
}

#[derive(Debug, Clone)]
pub struct NewProject {
    pub round_id: RoundId,
    pub organization_id: OrganizationId,
    pub title: String,
    pub area: String,
    pub min_age: u32,
    pub max_age: u32,
    pub capacity: u32,
    pub unit_price: Fen,
    pub sessions_offered: u32,
    pub description: String,
    pub badges: Vec<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct Project {
    #[sqlx(try_from = "String")]
    pub id: ProjectId,
    #[sqlx(try_from = "String")]
    pub round_id: RoundId,
    #[sqlx(try_from = "String")]
    pub organization_id: OrganizationId,
    pub title: String,
    pub area: String,
    #[sqlx(try_from = "i64")]
    pub min_age: u32,
    #[sqlx(try_from = "i64")]
    pub max_age: u32,
    #[sqlx(try_from = "i64")]
    pub capacity: u32,
    pub unit_price_fen: i64,
    #[sqlx(try_from = "i64")]
    pub sessions_offered: u32,
    #[sqlx(try_from = "i64")]
    pub sessions_bought: u32,
    pub description: String,
    #[sqlx(try_from = "JsonText")]
    pub badges: Vec<String>,
    #[sqlx(try_from = "String")]
    pub status: ProjectStatus,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OrgRef {
    pub id: OrganizationId,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct MenuItem {
    pub project_id: ProjectId,
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
    /// How well it fits the community asked about (`?community=`), if one was.
    pub fit: Option<youthloop_domain::region::Fit>,
    pub id_key: String,
}

#[derive(Debug, Clone)]
pub struct NewOrder {
    pub project_id: ProjectId,
    pub community_id: RegionId,
    pub sessions: u32,
    pub window_start: Date,
    pub window_end: Date,
    pub venue: String,
    pub expected_participants: u32,
    pub notes: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct HistoryEntry {
    #[sqlx(try_from = "String")]
    pub status: OrderStatus,
    pub at: OffsetDateTime,
    /// The user who made the change.
    #[sqlx(rename = "by_user", try_from = "String")]
    pub by: UserId,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: OrderId,
    pub district_id: DistrictId,
    pub status: OrderStatus,
    pub project_id: ProjectId,
    pub community_id: RegionId,
    pub organization_id: OrganizationId,
    pub sessions: u32,
    pub window_start: Date,
    pub window_end: Date,
    pub venue: String,
    pub expected_participants: u32,
    pub notes: String,
    pub reason: Option<String>,
    /// Budget committed to this order (from dispatch on).
    pub committed_fen: i64,
    /// When the step the order waits for is due, if it waits for one.
    pub due_at: Option<OffsetDateTime>,
    pub overdue: bool,
    /// When the overdue step was escalated to the League, once per step.
    pub escalated_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub history: Vec<HistoryEntry>,
}

/// A notice left for a role in the district, such as an order escalated to the League.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notice {
    pub id: String,
    /// `order.overdue`.
    pub kind: String,
    /// The record it is about, with its title and place when it is an order.
    pub subject_id: String,
    pub created_at: OffsetDateTime,
    pub subject_title: Option<String>,
    pub subject_place: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub organization_id: OrganizationId,
    pub order_id: Option<OrderId>,
    pub title: String,
    pub description: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub venue: String,
    pub capacity: u32,
    pub waitlist_capacity: u32,
    pub min_age: u32,
    pub max_age: u32,
    pub registration_opens_at: OffsetDateTime,
    pub registration_closes_at: OffsetDateTime,
    pub badges: Vec<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct Activity {
    #[sqlx(try_from = "String")]
    pub id: ActivityId,
    #[sqlx(try_from = "String")]
    pub organization_id: OrganizationId,
    #[sqlx(try_from = "MaybeId")]
    pub order_id: Option<OrderId>,
    pub title: String,
    pub description: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub venue: String,
    #[sqlx(try_from = "i64")]
    pub capacity: u32,
    #[sqlx(try_from = "i64")]
    pub waitlist_capacity: u32,
    #[sqlx(try_from = "i64")]
    pub min_age: u32,
    #[sqlx(try_from = "i64")]
    pub max_age: u32,
    pub registration_opens_at: OffsetDateTime,
    pub registration_closes_at: OffsetDateTime,
    #[sqlx(try_from = "JsonText")]
    pub badges: Vec<String>,
    #[sqlx(try_from = "String")]
    pub status: ActivityStatus,
    #[sqlx(try_from = "i64")]
    pub confirmed_count: u32,
    #[sqlx(try_from = "i64")]
    pub waitlist_count: u32,
}

#[derive(Debug, Clone)]
pub struct NewParticipant {
    /// The youth's own user id, or none for a child (a new id is made).
    pub id: Option<ParticipantId>,
    pub kind: ParticipantKind,
    pub name: String,
    pub birth_date: Date,
    pub id_number: String,
    pub guardian_id: Option<UserId>,
    pub user_id: Option<UserId>,
    /// The guardian's consent given with the child, as what relation (父亲, 母亲, …).
    pub consent_relation: Option<String>,
}

/// A guardian's consent to the platform keeping and using a child's data.
#[derive(Debug, Clone, FromRow)]
pub struct Consent {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub participant_id: ParticipantId,
    pub relation: String,
    /// What the consent covers: `registration` (taking part in activities).
    pub scope: String,
    pub given_at: OffsetDateTime,
    pub withdrawn_at: Option<OffsetDateTime>,
}

/// A withdrawn consent, and what withdrawing stopped: the child's registrations for
/// activities not yet over are cancelled (their seats go to the waitlist); what already
/// took place stays on record.
#[derive(Debug, Clone)]
pub struct Withdrawal {
    pub consent: Consent,
    /// The registrations this withdrawal cancelled.
    pub cancelled_registrations: Vec<RegistrationId>,
}

/// Everything held about a user and the children in their care, in the clear: only
/// for that user (and audited).
#[derive(Debug, Clone)]
pub struct PersonalData {
    pub user: PersonData,
    pub participants: Vec<ParticipantData>,
    pub reviews: Vec<Review>,
}

#[derive(Debug, Clone)]
pub struct PersonData {
    pub id: UserId,
    pub name: String,
    pub phone: String,
    pub id_number: Option<String>,
    pub roles: Vec<RoleGrant>,
}

#[derive(Debug, Clone)]
pub struct ParticipantData {
    pub id: ParticipantId,
    pub name: String,
    pub birth_date: Date,
    pub id_number: String,
    pub consents: Vec<Consent>,
    pub registrations: Vec<Registration>,
    pub badges: Vec<BadgeAward>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantKind {
    Child,
    Youth,
}

impl ParticipantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantKind::Child => "child",
            ParticipantKind::Youth => "youth",
        }
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct Participant {
    #[sqlx(try_from = "String")]
    pub id: ParticipantId,
    pub name: String,
    /// `110105********1234`.
    pub id_number_masked: String,
    pub birth_date: Date,
    /// Whether a guardian's consent to keeping and using the child's data is live.
    pub consent_live: bool,
    #[sqlx(try_from = "MaybeId")]
    pub guardian_id: Option<UserId>,
}

/// One registration request; who makes it is the acting user.
#[derive(Debug, Clone)]
pub struct RegistrationAttempt {
    pub activity_id: ActivityId,
    pub participant_id: ParticipantId,
    pub idempotency_key: Option<String>,
}

/// The answer to a registration, kept for retries with the same key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Registered {
    pub id: RegistrationId,
    pub status: RegistrationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// Whether this answer repeats an earlier one for the same key.
    #[serde(skip)]
    pub replayed: bool,
    // Kept with the answer so that a key reused for another request is caught.
    #[serde(skip_serializing, default)]
    pub activity_id: ActivityId,
    #[serde(skip_serializing, default)]
    pub participant_id: ParticipantId,
}

#[derive(Debug, Clone)]
pub struct Registration {
    pub id: RegistrationId,
    pub activity_id: ActivityId,
    pub participant_id: ParticipantId,
    /// For the organization's list; withheld when the guardian withdrew consent.
    pub participant_name: Option<String>,
    /// The last four characters of the ID number, to tell people of one name apart;
    /// withheld with the name.
    pub participant_id_tail: Option<String>,
    pub status: RegistrationStatus,
    /// Place in the waitlist, for a waitlisted registration.
    pub position: Option<u32>,
}

/// Who is checked in: a participant by the rotating code (already verified), or a
/// registration by the organization's staff.
#[derive(Debug, Clone, Copy)]
pub enum CheckinBy<'a> {
    Participant {
        user_id: &'a UserId,
        participant_id: &'a ParticipantId,
    },
    Staff {
        org_ids: &'a [OrganizationId],
        registration_id: &'a RegistrationId,
    },
}

#[derive(Debug, Clone)]
pub struct BadgeAward {
    pub code: String,
    pub name: String,
    pub activity_id: ActivityId,
    pub awarded_at: OffsetDateTime,
    pub confirmed: bool,
    pub id: String,
}

#[derive(Debug, Clone)]
pub struct NewReview {
    pub target: ReviewTarget,
    pub target_id: String,
    pub organization_id: OrganizationId,
    pub author_id: Option<UserId>,
    pub author_role: String,
    pub ratings: Option<Ratings>,
    pub rating: Option<f64>,
    pub text: String,
    pub status: ReviewStatus,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct Review {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub target_kind: ReviewTarget,
    pub target_id: String,
    #[sqlx(try_from = "String")]
    pub organization_id: OrganizationId,
    pub author_role: String,
    #[sqlx(try_from = "Small")]
    pub content: Option<u32>,
    #[sqlx(rename = "organization_rating", try_from = "Small")]
    pub organization: Option<u32>,
    #[sqlx(try_from = "Small")]
    pub effect: Option<u32>,
    pub rating: Option<f64>,
    pub text: String,
    #[sqlx(try_from = "String")]
    pub status: ReviewStatus,
    /// Why it is held or hidden.
    pub reason: Option<String>,
    /// The organization's public reply, and when it was written.
    pub reply: Option<String>,
    pub replied_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

/// A third-party evaluation to record.
#[derive(Debug, Clone)]
pub struct NewEvaluation {
    pub organization_id: OrganizationId,
    pub round_id: RoundId,
    pub indicators: Indicators,
    pub total: f64,
    pub grade: Grade,
    pub notes: String,
}

/// An evaluator's scores of an organization for a round.
#[derive(Debug, Clone, FromRow)]
pub struct Evaluation {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub organization_id: OrganizationId,
    #[sqlx(try_from = "String")]
    pub round_id: RoundId,
    pub round_title: String,
    #[sqlx(try_from = "String")]
    pub evaluator_id: UserId,
    pub management: i64,
    pub professional_service: i64,
    pub outcomes: i64,
    pub finance: i64,
    pub satisfaction: i64,
    pub total: f64,
    #[sqlx(try_from = "String")]
    pub grade: Grade,
    pub notes: String,
    pub created_at: OffsetDateTime,
}

/// Whose reviews a moderator sees and acts on: the whole district (the League) or some
/// organizations' own.
#[derive(Debug, Clone)]
pub enum ReviewScope {
    District,
    Organizations(Vec<OrganizationId>),
}

/// One event of the audit trail as the League reads it.
#[derive(Debug, Clone, FromRow)]
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

/// One district's audit trail as stored.
#[derive(Debug, Clone)]
pub struct AuditChain {
    pub district_id: DistrictId,
    pub events: Vec<youthloop_domain::audit::Event>,
    pub head: Option<(i64, String)>,
}

/// A running server and the data key it seals with; `beat` grows once a second while
/// it runs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KeyHolder {
    pub instance: String,
    pub key_id: String,
    pub beat: i64,
}

/// A case opened at intake, with the guardian's consent.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub organization_id: OrganizationId,
    pub subject_name: String,
    pub subject_birth_date: Date,
    pub category: CaseCategory,
    pub supervisor_id: UserId,
    pub guardian_name: String,
    pub relation: String,
    pub consent_scope: String,
}

/// A case as a list shows it: no clear name, no notes.
#[derive(Debug, Clone)]
pub struct CaseSummary {
    pub id: CaseId,
    /// The district's cases counted in the order they were opened, from 1.
    pub number: u32,
    pub status: CaseStatus,
    pub category: CaseCategory,
    pub risk_level: Option<RiskLevel>,
    /// The minor's name, masked.
    pub subject: String,
    pub worker_id: UserId,
    pub supervisor_id: UserId,
    pub opened_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct CaseConsent {
    pub guardian_name: String,
    pub relation: String,
    pub scope: String,
    pub given_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct CaseNote {
    pub id: String,
    pub kind: CaseAction,
    pub text: String,
    pub author_id: UserId,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct CaseGrant {
    pub id: String,
    pub case_id: CaseId,
    pub grantee_id: UserId,
    pub expires_at: OffsetDateTime,
}

/// The whole case, for those who may read it.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub summary: CaseSummary,
    pub subject_name: String,
    pub subject_birth_date: Date,
    pub consent: CaseConsent,
    pub notes: Vec<CaseNote>,
    pub grants: Vec<CaseGrant>,
}

/// How many cases, by category, risk and state: what the League may know.
#[derive(Debug, Clone)]
pub struct CaseCount {
    pub category: CaseCategory,
    pub risk_level: Option<RiskLevel>,
    pub status: CaseStatus,
    pub count: u32,
}

/// Which activities a page lists.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    /// One organization's activities only.
    pub organization_id: Option<OrganizationId>,
    /// Drafts, finished and cancelled ones too (for the organization's own desk);
    /// otherwise published ones only.
    pub every_state: bool,
    /// Still running or to come after this moment.
    pub from: Option<OffsetDateTime>,
    /// Starting before this moment.
    pub to: Option<OffsetDateTime>,
    pub community_id: Option<RegionId>,
    /// A service area (`SERVICE_AREAS`).
    pub area: Option<String>,
    /// Open to a child of this age.
    pub age: Option<u32>,
    pub limit: u32,
}

/// An activity as a list shows it: with its organization, community and service area.
#[derive(Debug, Clone, FromRow)]
pub struct ActivityCard {
    #[sqlx(flatten)]
    pub activity: Activity,
    pub organization_name: String,
    #[sqlx(try_from = "MaybeId")]
    pub community_id: Option<RegionId>,
    pub community_name: Option<String>,
    pub area: Option<String>,
}

/// A registration of the user's child (or of the user as a youth), with its activity.
#[derive(Debug, Clone, FromRow)]
pub struct MyRegistration {
    #[sqlx(try_from = "String")]
    pub id: RegistrationId,
    #[sqlx(try_from = "String")]
    pub participant_id: ParticipantId,
    pub participant_name: String,
    #[sqlx(try_from = "String")]
    pub status: RegistrationStatus,
    #[sqlx(try_from = "Small")]
    pub position: Option<u32>,
    #[sqlx(try_from = "String")]
    pub activity_id: ActivityId,
    pub activity_title: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub venue: String,
    #[sqlx(try_from = "String")]
    pub activity_status: ActivityStatus,
    /// The user has reviewed the activity.
    pub reviewed: bool,
}

/// The district dashboard's tiles.
#[derive(Debug, Clone, Default, FromRow)]
pub struct DistrictFigures {
    #[sqlx(try_from = "i64")]
    pub organizations: u32,
    #[sqlx(try_from = "i64")]
    pub social_workers: u32,
    #[sqlx(try_from = "i64")]
    pub activities: u32,
    /// Young people who attended at least one activity.
    #[sqlx(try_from = "i64")]
    pub participants: u32,
    /// The mean visible rating, 1 to 5.
    pub satisfaction: Option<f64>,
    #[sqlx(try_from = "i64")]
    pub reviews: u32,
}

/// When a held activity took place and in which service area.
#[derive(Debug, Clone, FromRow)]
pub struct ActivityFact {
    pub starts_at: OffsetDateTime,
    pub area: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct OrgSatisfaction {
    #[sqlx(try_from = "String")]
    pub organization_id: OrganizationId,
    pub name: String,
    pub rating: Option<f64>,
    #[sqlx(try_from = "i64")]
    pub reviews: u32,
}

/// Someone who works for the same organization: to pick a supervisor or a grantee.
#[derive(Debug, Clone, FromRow)]
pub struct Colleague {
    #[sqlx(try_from = "String")]
    pub id: UserId,
    pub name: String,
}

/// A user's profile as a volunteer.
#[derive(Debug, Clone, FromRow)]
pub struct Volunteer {
    #[sqlx(try_from = "String")]
    pub user_id: UserId,
    pub volunteer_no: String,
    #[sqlx(try_from = "JsonText")]
    pub skills: Vec<String>,
    #[sqlx(try_from = "JsonText")]
    pub availability: Vec<youthloop_domain::volunteer::Window>,
    #[sqlx(try_from = "MaybeId")]
    pub home_region_id: Option<RegionId>,
    pub max_minutes_per_week: i64,
}

/// What a volunteer says of themselves (already checked by the domain).
#[derive(Debug, Clone)]
pub struct NewVolunteer {
    pub skills: Vec<String>,
    pub availability: Vec<youthloop_domain::volunteer::Window>,
    pub home_region_id: Option<RegionId>,
    pub max_minutes_per_week: u32,
}

/// A volunteer in a squad, as their leader sees them.
#[derive(Debug, Clone, FromRow)]
pub struct Member {
    #[sqlx(try_from = "String")]
    pub user_id: UserId,
    pub volunteer_no: String,
    pub name: String,
}

/// A volunteer enrolled from the League's list, not by signing up: no password yet,
/// so they cannot sign in until they set one.
#[derive(Debug, Clone)]
pub struct Enrollee {
    pub phone: String,
    pub name: String,
    /// A valid ID number (the caller parsed it): sealed, as every user's.
    pub id_number: String,
    pub birth_date: Date,
    pub profile: NewVolunteer,
    pub squad_id: Option<SquadId>,
}

/// A youth shock team (青年突击队), with the volunteers in its squads.
#[derive(Debug, Clone, FromRow)]
pub struct Team {
    #[sqlx(try_from = "String")]
    pub id: TeamId,
    pub name: String,
    #[sqlx(try_from = "MaybeId")]
    pub leader_id: Option<UserId>,
    pub member_count: i64,
}

/// A volunteer service squad (志愿服务小分队) of a team.
#[derive(Debug, Clone, FromRow)]
pub struct Squad {
    #[sqlx(try_from = "String")]
    pub id: SquadId,
    #[sqlx(try_from = "String")]
    pub team_id: TeamId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub region_id: RegionId,
    #[sqlx(try_from = "MaybeId")]
    pub leader_id: Option<UserId>,
    pub member_count: i64,
}

#[derive(Debug, Clone)]
pub struct NewSquad {
    pub team_id: TeamId,
    pub name: String,
    pub region_id: RegionId,
    pub leader_id: Option<UserId>,
}

/// A task (任务) as made: checked by the domain, its maker found by the service.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub title: String,
    pub area: String,
    pub description: String,
    pub region_id: RegionId,
    pub venue: String,
    pub activity_id: Option<ActivityId>,
    /// Who runs it: an organization, a team, or the League (neither).
    pub organization_id: Option<OrganizationId>,
    pub team_id: Option<TeamId>,
}

#[derive(Debug, Clone, FromRow)]
pub struct Task {
    #[sqlx(try_from = "String")]
    pub id: TaskId,
    pub title: String,
    pub area: String,
    pub description: String,
    #[sqlx(try_from = "String")]
    pub region_id: RegionId,
    pub venue: String,
    #[sqlx(try_from = "MaybeId")]
    pub activity_id: Option<ActivityId>,
    #[sqlx(try_from = "MaybeId")]
    pub organization_id: Option<OrganizationId>,
    #[sqlx(try_from = "MaybeId")]
    pub team_id: Option<TeamId>,
    #[sqlx(try_from = "String")]
    pub created_by: UserId,
}

#[derive(Debug, Clone)]
pub struct NewShift {
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub needed: u32,
    pub skills: Vec<String>,
    pub min_age: u8,
}

/// A shift with its task's place and who runs it, and the places taken.
#[derive(Debug, Clone, FromRow)]
pub struct ShiftLine {
    #[sqlx(try_from = "String")]
    pub id: ShiftId,
    #[sqlx(try_from = "String")]
    pub task_id: TaskId,
    pub title: String,
    #[sqlx(try_from = "String")]
    pub region_id: RegionId,
    pub venue: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    #[sqlx(try_from = "i64")]
    pub needed: u32,
    /// Places held (invited, assigned, checked in or completed).
    #[sqlx(try_from = "i64")]
    pub assigned: u32,
    #[sqlx(try_from = "JsonText")]
    pub skills: Vec<String>,
    #[sqlx(try_from = "i64")]
    pub min_age: u8,
    #[sqlx(try_from = "MaybeId")]
    pub organization_id: Option<OrganizationId>,
    #[sqlx(try_from = "MaybeId")]
    pub team_id: Option<TeamId>,
}

impl ShiftLine {
    pub fn span(&self) -> youthloop_domain::volunteer::Span {
        youthloop_domain::volunteer::Span {
            start: self.starts_at,
            end: self.ends_at,
        }
    }
}

/// Which shifts: those ending after `after` and starting before `before`, of one task
/// or of tasks one team runs.
#[derive(Debug, Clone)]
pub struct ShiftFilter {
    pub after: OffsetDateTime,
    pub before: Option<OffsetDateTime>,
    pub task_id: Option<TaskId>,
    pub team_id: Option<TeamId>,
}

/// A volunteer on a shift, with the shift's time and place.
#[derive(Debug, Clone, FromRow)]
pub struct Assignment {
    #[sqlx(try_from = "String")]
    pub id: AssignmentId,
    #[sqlx(try_from = "String")]
    pub shift_id: ShiftId,
    #[sqlx(try_from = "String")]
    pub volunteer_id: UserId,
    pub volunteer_no: String,
    #[sqlx(try_from = "MaybeId")]
    pub roster_id: Option<RosterId>,
    #[sqlx(try_from = "String")]
    pub status: youthloop_domain::volunteer::AssignmentStatus,
    pub reason: Option<String>,
    pub title: String,
    pub venue: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub checked_in_at: Option<OffsetDateTime>,
    pub checked_out_at: Option<OffsetDateTime>,
}

/// What a roster depends on, read in one go: the shifts of the weeks around its window
/// (those outside it only carry the minutes people already hold), the volunteers it may
/// use, the assignments on those shifts, and the regions to tell town from community.
#[derive(Debug, Clone, Default)]
pub struct RosterInputs {
    pub shifts: Vec<ShiftLine>,
    pub volunteers: Vec<RosterVolunteer>,
    /// (shift, volunteer, status) of every assignment on those shifts.
    pub assignments: Vec<(
        ShiftId,
        UserId,
        youthloop_domain::volunteer::AssignmentStatus,
    )>,
    /// (region, its parent) of every region of the district.
    pub regions: Vec<(RegionId, Option<RegionId>)>,
}

#[derive(Debug, Clone)]
pub struct RosterVolunteer {
    pub profile: Volunteer,
    pub birth_date: Option<Date>,
    pub consent_live: bool,
    /// Where their squad is based.
    pub squad_region_id: Option<RegionId>,
}

/// A roster as the solver proposed it.
#[derive(Debug, Clone)]
pub struct NewRoster {
    pub team_id: Option<TeamId>,
    pub window: (Date, Date),
    pub unmet: u32,
    pub proven_optimal: bool,
    pub objective: f64,
    pub bound: f64,
    pub seconds: f64,
    pub proposals: Vec<(ShiftId, UserId)>,
}

#[derive(Debug, Clone, FromRow)]
pub struct Roster {
    #[sqlx(try_from = "String")]
    pub id: RosterId,
    #[sqlx(try_from = "MaybeId")]
    pub team_id: Option<TeamId>,
    pub window_from: Date,
    pub window_to: Date,
    #[sqlx(try_from = "String")]
    pub status: youthloop_domain::volunteer::RosterStatus,
    #[sqlx(try_from = "i64")]
    pub unmet: u32,
    pub proven_optimal: i64,
    pub seconds: f64,
}

/// A service hours record (志愿服务记录), never edited.
#[derive(Debug, Clone, FromRow)]
pub struct HoursRecord {
    #[sqlx(try_from = "String")]
    pub id: HoursId,
    #[sqlx(try_from = "String")]
    pub volunteer_id: UserId,
    #[sqlx(try_from = "String")]
    pub shift_id: ShiftId,
    pub content: String,
    pub place: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub served_on: Date,
    #[sqlx(try_from = "i64")]
    pub minutes: u32,
    pub organization: String,
    #[sqlx(try_from = "String")]
    pub recorded_by: UserId,
    pub recorded_by_name: String,
    pub recorded_at: OffsetDateTime,
    #[sqlx(try_from = "MaybeId")]
    pub corrects: Option<HoursId>,
    pub reason: Option<String>,
    /// A later record corrects this one: its minutes no longer stand.
    pub corrected: bool,
}

/// A certificate (志愿服务证明) with what its public page shows.
#[derive(Debug, Clone, FromRow)]
pub struct Certificate {
    pub serial: String,
    #[sqlx(try_from = "String")]
    pub volunteer_id: UserId,
    pub volunteer_no: String,
    /// The volunteer's name, in the clear: the service masks it for the public.
    pub name: String,
    pub period_from: Date,
    pub period_to: Date,
    #[sqlx(try_from = "i64")]
    pub total_minutes: u32,
    pub issuer: String,
    pub issued_at: OffsetDateTime,
    /// The minutes of the period that stand now: equal to `total_minutes` while no
    /// record behind the certificate has been corrected.
    pub standing_minutes: i64,
}

/// One standing hours record as the national volunteer system imports it.
#[derive(Debug, Clone)]
pub struct HoursExportRow {
    pub name: String,
    pub id_number: String,
    pub volunteer_no: String,
    pub minutes: u32,
    pub served_on: Date,
    pub project: String,
    pub place: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub organization: String,
}

/// A submitted order as a dispatch plan sees it, in the order orders came in.
#[derive(Debug, Clone, FromRow)]
pub struct WaitingOrder {
    #[sqlx(try_from = "String")]
    pub id: OrderId,
    #[sqlx(try_from = "String")]
    pub project_id: ProjectId,
    #[sqlx(try_from = "String")]
    pub community_id: RegionId,
    #[sqlx(try_from = "i64")]
    pub sessions: u32,
    #[sqlx(try_from = "i64")]
    pub expected_participants: u32,
}

/// What one order gets in a dispatch plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    pub order_id: OrderId,
    pub project_id: ProjectId,
    pub community_id: RegionId,
    /// Sessions the order asked for, and those the plan gives it.
    pub asked: u32,
    pub sessions: u32,
    /// Young people one session reaches, and how much each counts.
    pub youth_per_session: u32,
    pub need_weight: f64,
}

/// What one community asked for and gets in a plan, and why (`all`, `part`, `nothing`,
/// `sold_out`: see `domain::dispatch::Share`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunityAllocation {
    pub community_id: RegionId,
    pub asked: u32,
    pub got: u32,
    pub share: String,
}

/// A dispatch plan as proposed, kept as made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDocument {
    pub allocations: Vec<Allocation>,
    pub communities: Vec<CommunityAllocation>,
    /// Young people the plan reaches (unweighted), and the first-come fill's.
    pub covered_youth: u64,
    pub first_come_youth: u64,
    /// The need-weighted coverage the solver maximized, and its proven bound.
    pub weighted_coverage: f64,
    pub bound: f64,
    pub proven_optimal: bool,
    pub seconds: f64,
}

#[derive(Debug, Clone)]
pub struct DispatchPlan {
    pub id: String,
    pub created_at: OffsetDateTime,
    pub applied_at: Option<OffsetDateTime>,
    pub plan: PlanDocument,
}
