//! The `Store` interface of youthloop and its engines.
//!
//! Methods are use cases, each one transaction: the store reads the facts, asks the
//! pure domain for the decision, and writes the answer. Every query is filtered by the
//! caller's district, and where a role's scope narrows it, by that scope too, so a
//! record outside the caller's reach is simply not found.

mod admission;
pub mod bench;
pub mod copy;
pub mod crypto;
mod error;
mod listings;
pub mod model;
pub mod postgres;
mod rows;
pub mod sqlite;

use async_trait::async_trait;
use time::OffsetDateTime;
use youthloop_domain::activity::ActivityAction;
use youthloop_domain::order::OrderAction;
use youthloop_domain::region::YouthProfile;
use youthloop_domain::role::Actor;
use youthloop_domain::round::RoundAction;
use youthloop_domain::scorecard::Facts;
use youthloop_domain::settings::DistrictSettings;

pub use error::{StoreError, StoreResult};
use model::*;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Answers when the database does.
    async fn ping(&self) -> StoreResult<()>;
    /// Whether no district exists yet (a fresh installation).
    async fn is_empty(&self) -> StoreResult<bool>;
    /// The district anonymous visitors see when they name none: the first one made.
    async fn default_district(&self) -> StoreResult<Option<String>>;
    /// A per-district secret, made on first use and shared by every server instance.
    async fn secret(&self, district_id: &str, name: &str) -> StoreResult<Vec<u8>>;
    /// What the district's League office has tuned (defaults for the rest).
    async fn settings(&self, district_id: &str) -> StoreResult<DistrictSettings>;
    async fn set_settings(&self, by: &Actor, settings: DistrictSettings) -> StoreResult<()>;

    // Districts, regions, organizations, users.
    async fn create_district(&self, name: &str, code: &str) -> StoreResult<District>;
    async fn create_region(&self, by: &Actor, region: NewRegion) -> StoreResult<Region>;
    async fn regions(&self, district_id: &str, page: &Page) -> StoreResult<Paged<Region>>;
    async fn region(&self, district_id: &str, id: &str) -> StoreResult<Region>;
    /// Whether `region_id` is `scope_id` or lies under it.
    async fn region_within(
        &self,
        district_id: &str,
        region_id: &str,
        scope_ids: &[String],
    ) -> StoreResult<bool>;
    /// The regions at or under any of `scope_ids`: what a scope reaches, in one read.
    async fn regions_under(
        &self,
        district_id: &str,
        scope_ids: &[String],
    ) -> StoreResult<std::collections::HashSet<String>>;
    async fn set_profile(
        &self,
        by: &Actor,
        id: &str,
        profile: &YouthProfile,
    ) -> StoreResult<Region>;
    async fn create_organization(
        &self,
        by: &Actor,
        org: NewOrganization,
    ) -> StoreResult<Organization>;
    async fn organizations(
        &self,
        district_id: &str,
        page: &Page,
    ) -> StoreResult<Paged<Organization>>;
    async fn organization(&self, district_id: &str, id: &str) -> StoreResult<Organization>;
    async fn create_user(&self, by: &Actor, user: NewUser) -> StoreResult<User>;
    async fn user(&self, district_id: &str, id: &str) -> StoreResult<User>;
    /// For sign-in: the user with this phone and their password hash.
    async fn credentials(&self, phone: &str) -> StoreResult<Option<Credentials>>;
    /// Until when sign-in with this phone from this client is locked, if it is now.
    async fn sign_in_lock(
        &self,
        key: SignInKey<'_>,
        now: OffsetDateTime,
    ) -> StoreResult<Option<OffsetDateTime>>;
    /// Counts a failed sign-in of a phone from a client, known account or not; the
    /// `lock_after`-th in a row locks that pair until `now + lock_for`, which is returned.
    /// `by` is the account's, when the phone is known, for the audit trail.
    async fn sign_in_failed(
        &self,
        by: Option<&Actor>,
        key: SignInKey<'_>,
        lock_after: u32,
        lock_for: time::Duration,
        now: OffsetDateTime,
    ) -> StoreResult<Option<OffsetDateTime>>;
    /// Starts a session, and forgets the failures of the phone and client that signed in.
    async fn create_session(
        &self,
        by: &Actor,
        token_hash: &str,
        expires_at: OffsetDateTime,
        key: SignInKey<'_>,
    ) -> StoreResult<()>;
    async fn session_user(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<User>>;
    async fn delete_session(&self, by: &Actor, token_hash: &str) -> StoreResult<()>;

    // Buy: rounds, projects, the menu.
    async fn create_round(&self, by: &Actor, round: NewRound) -> StoreResult<Round>;
    async fn round(&self, district_id: &str, id: &str) -> StoreResult<Round>;
    async fn transition_round(
        &self,
        by: &Actor,
        id: &str,
        action: RoundAction,
    ) -> StoreResult<Round>;
    async fn create_project(&self, by: &Actor, project: NewProject) -> StoreResult<Project>;
    async fn project(&self, district_id: &str, id: &str) -> StoreResult<Project>;
    async fn approve_project(
        &self,
        by: &Actor,
        id: &str,
        sessions_bought: u32,
    ) -> StoreResult<Project>;
    async fn reject_project(&self, by: &Actor, id: &str, reason: &str) -> StoreResult<Project>;
    async fn menu(&self, district_id: &str) -> StoreResult<Vec<MenuItem>>;

    // Order: orders in the caller's scope.
    async fn create_order(
        &self,
        actor: &Actor,
        order: NewOrder,
        now: OffsetDateTime,
    ) -> StoreResult<Order>;
    async fn orders(
        &self,
        actor: &Actor,
        page: &Page,
        now: OffsetDateTime,
    ) -> StoreResult<Paged<Order>>;
    async fn order(&self, actor: &Actor, id: &str, now: OffsetDateTime) -> StoreResult<Order>;
    async fn transition_order(
        &self,
        actor: &Actor,
        id: &str,
        action: OrderAction,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<Order>;

    // Cook and taste: activities, participants, registrations, check-in, badges.
    async fn create_activity(&self, by: &Actor, activity: NewActivity) -> StoreResult<Activity>;
    /// Published activities, and the caller's organizations' drafts.
    async fn activities(
        &self,
        district_id: &str,
        org_ids: &[String],
        page: &Page,
    ) -> StoreResult<Paged<Activity>>;
    async fn activity(
        &self,
        district_id: &str,
        id: &str,
        org_ids: &[String],
    ) -> StoreResult<Activity>;
    /// Moves an activity of one of `org_ids`, with what follows for its order and registrations.
    async fn transition_activity(
        &self,
        actor: &Actor,
        id: &str,
        action: ActivityAction,
        now: OffsetDateTime,
    ) -> StoreResult<Activity>;
    /// Adds participants in one transaction: all of them or none.
    async fn create_participants(
        &self,
        by: &Actor,
        people: Vec<NewParticipant>,
    ) -> StoreResult<Vec<Participant>>;
    async fn create_participant(
        &self,
        by: &Actor,
        participant: NewParticipant,
    ) -> StoreResult<Participant> {
        let mut made = self.create_participants(by, vec![participant]).await?;
        made.pop().ok_or(StoreError::NotFound)
    }
    async fn children(
        &self,
        district_id: &str,
        guardian_id: &str,
        page: &Page,
    ) -> StoreResult<Paged<Participant>>;
    /// A participant the user may act for: their child, or themselves as a youth.
    async fn participant_of(
        &self,
        district_id: &str,
        user_id: &str,
        participant_id: &str,
    ) -> StoreResult<Participant>;
    /// A guardian gives consent for their child.
    async fn give_consent(
        &self,
        by: &Actor,
        participant_id: &str,
        relation: &str,
    ) -> StoreResult<Consent>;
    /// A guardian withdraws their live consent for their child: processing stops, so the
    /// child's registrations for activities not yet over are cancelled.
    async fn withdraw_consent(
        &self,
        by: &Actor,
        participant_id: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Withdrawal>;
    /// All data held about the acting user and their children, in the clear; audited.
    async fn personal_data(&self, by: &Actor) -> StoreResult<PersonalData>;
    /// Erases what identifies the acting user and their children; counts stay. Their
    /// registrations for what is still to come are cancelled, as on withdrawn consent.
    async fn erase(&self, by: &Actor, now: OffsetDateTime) -> StoreResult<()>;
    async fn register(
        &self,
        by: &Actor,
        attempt: RegistrationAttempt,
        now: OffsetDateTime,
    ) -> StoreResult<Registered>;
    async fn cancel_registration(
        &self,
        actor: &Actor,
        id: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Registration>;
    async fn registrations(
        &self,
        district_id: &str,
        activity_id: &str,
        page: &Page,
    ) -> StoreResult<Paged<Registration>>;
    /// Marks attendance and records badge evidence; returns the activity's badge codes.
    async fn check_in(
        &self,
        by: &Actor,
        activity_id: &str,
        who: CheckinBy<'_>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<String>>;
    async fn badges(
        &self,
        district_id: &str,
        participant_id: &str,
        page: &Page,
    ) -> StoreResult<Paged<BadgeAward>>;

    // Review and the scorecard.
    /// Whether the user, or a child of theirs, attended the activity.
    async fn attended(
        &self,
        district_id: &str,
        activity_id: &str,
        user_id: &str,
    ) -> StoreResult<bool>;
    async fn create_review(&self, by: &Actor, review: NewReview) -> StoreResult<Review>;
    async fn recent_comments(
        &self,
        district_id: &str,
        organization_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<String>>;
    async fn reviews(
        &self,
        district_id: &str,
        organization_id: &str,
        page: &Page,
    ) -> StoreResult<Paged<Review>>;
    // Casework: every call is audited; reads and writes are for the assigned worker,
    // the supervisor and holders of a live grant only.
    async fn open_case(&self, by: &Actor, case: NewCase) -> StoreResult<CaseFile>;
    async fn cases(&self, by: &Actor, now: OffsetDateTime) -> StoreResult<Vec<CaseSummary>>;
    async fn case_file(&self, by: &Actor, id: &str, now: OffsetDateTime) -> StoreResult<CaseFile>;
    /// Records an assessment, plan, session, review or closure, moving the case on.
    async fn record_case(
        &self,
        by: &Actor,
        id: &str,
        action: youthloop_domain::case::CaseAction,
        risk: Option<youthloop_domain::case::RiskLevel>,
        text: &str,
        now: OffsetDateTime,
    ) -> StoreResult<CaseFile>;
    /// The worker or supervisor lets a colleague read the case until `expires_at`.
    async fn grant_case(
        &self,
        by: &Actor,
        id: &str,
        grantee_id: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<CaseGrant>;
    /// Counts by category, risk and state: never content.
    async fn case_counts(&self, district_id: &str) -> StoreResult<Vec<CaseCount>>;

    /// Re-encrypts up to `batch` rows still sealed under a retired key (and their lookup
    /// hashes), in one short transaction; 0 when none is left. Readers are never held up.
    async fn reseal(&self, batch: u32) -> StoreResult<u64>;

    /// One district's audit events, oldest first, paged by sequence number.
    async fn audit_events(&self, district_id: &str, page: &Page) -> StoreResult<Paged<AuditEntry>>;

    /// Every district's audit events in chain order, with the head kept beside them.
    async fn audit_chains(&self) -> StoreResult<Vec<AuditChain>>;

    // What the pages list and count (read-only, on the readers).
    async fn upcoming(
        &self,
        district_id: &str,
        filter: &ActivityFilter,
    ) -> StoreResult<Vec<ActivityCard>>;
    /// The registrations of the user's children and of the user as a youth.
    async fn my_registrations(
        &self,
        district_id: &str,
        user_id: &str,
    ) -> StoreResult<Vec<MyRegistration>>;
    async fn rounds(&self, district_id: &str) -> StoreResult<Vec<Round>>;
    async fn projects(&self, district_id: &str, round_id: &str) -> StoreResult<Vec<Project>>;
    async fn district_figures(&self, district_id: &str) -> StoreResult<DistrictFigures>;
    async fn activity_facts(&self, district_id: &str) -> StoreResult<Vec<ActivityFact>>;
    async fn satisfaction_by_org(&self, district_id: &str) -> StoreResult<Vec<OrgSatisfaction>>;
    async fn colleagues(
        &self,
        district_id: &str,
        organization_id: &str,
    ) -> StoreResult<Vec<Colleague>>;
    /// Every project's title in the district, by project id.
    async fn project_titles(
        &self,
        district_id: &str,
    ) -> StoreResult<std::collections::HashMap<String, String>>;

    async fn scorecard_facts(
        &self,
        district_id: &str,
        organization_id: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<Facts>;
}
