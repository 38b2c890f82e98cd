//! What both engines share: rows as the database returns them and their conversion
//! into records, the column lists (plain SQL both dialects read alike), and small
//! helpers. The queries with placeholders and the transactions live in each engine.

use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use youthloop_domain::activity::{name_shown, RegistrationStatus};
use youthloop_domain::badge;
use youthloop_domain::id::*;

use crate::model::*;
use crate::{StoreError, StoreResult};

/// A new id of any kind, ordered by when it was made (UUIDv7): pages page by it.
pub(crate) fn new_id<T: From<String>>() -> T {
    T::from(uuid::Uuid::now_v7().to_string())
}

pub(crate) fn db(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        other => StoreError::Database(other),
    }
}

/// Maps a unique-constraint failure to a conflict with `code`, anything else to `db`.
pub(crate) fn unique(
    code: &'static str,
    message: &'static str,
) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::conflict(code, message),
        _ => db(e),
    }
}

/// Who already holds an ID number in a district: `None` if nobody, else the guardian of
/// that participant (`None` inside for a youth who signed up themselves).
pub(crate) type KnownPerson = Option<Option<UserId>>;

/// A person is one participant per district: a second guardian, or a second sign-up,
/// with the same ID number is refused. Linking a second guardian would need the first
/// guardian's consent and proof of guardianship, which the platform cannot check.
pub(crate) fn person_known(known: KnownPerson, guardian_id: Option<&UserId>) -> StoreResult<()> {
    match known {
        None => Ok(()),
        Some(g) if g.is_some() && g.as_ref() == guardian_id => Err(StoreError::conflict(
            "child_exists",
            "该孩子已添加 / This child has already been added",
        )),
        Some(_) => Err(StoreError::conflict(
            "person_exists",
            "该身份证号已在本区登记，不能重复添加；如需两位监护人共同管理，请联系团区委 / \
             This ID number is already registered in this district; to share a child \
             between two guardians, contact the League office",
        )),
    }
}

/// A registration with what check-in weighs: the participant's birth date and whether a
/// guardian's consent is live. Followed by a `where` on `r` (registrations).
pub(crate) const CHECKIN_COLUMNS: &str = "select r.id, r.status, r.participant_id, p.birth_date,
    exists (select 1 from consents c where c.participant_id = p.id and c.scope = 'registration' and c.withdrawn_at is null) as has_consent
    from registrations r join participants p on p.id = r.participant_id";

/// A district secret, sealed at rest like every other secret of the platform.
pub(crate) fn open_secret(
    keys: &crate::crypto::Keyring,
    context: &str,
    sealed: &str,
) -> StoreResult<Vec<u8>> {
    hex::decode(keys.open(context, sealed)?).map_err(|e| StoreError::Other(e.to_string()))
}

/// The throttle row of a phone and a client: a keyed hash, so that neither is kept.
pub(crate) fn throttle_key(keys: &crate::crypto::Keyring, key: SignInKey<'_>) -> String {
    keys.lookup("sign_in", &format!("{}\u{1f}{}", key.phone, key.client))
}

/// Status names as an SQL list (`'confirmed', 'waitlisted'`): which statuses a query
/// means is the domain's to say; the names are the domain's constants, never input.
pub(crate) fn sql_names<T: std::fmt::Display>(statuses: impl IntoIterator<Item = T>) -> String {
    statuses
        .into_iter()
        .map(sql_name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One status name as an SQL literal (`'waitlisted'`), from the domain's constant.
pub(crate) fn sql_name<T: std::fmt::Display>(status: T) -> String {
    format!("'{status}'")
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned + Default>(text: &str) -> T {
    serde_json::from_str(text).unwrap_or_default()
}

/// A JSON value kept as text (a list of codes, a youth profile). Read leniently: what
/// this version cannot read is empty.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub(crate) struct JsonText(Option<String>);

impl From<JsonText> for Vec<String> {
    fn from(JsonText(text): JsonText) -> Self {
        text.map(|t| from_json(&t)).unwrap_or_default()
    }
}

impl From<JsonText> for Vec<youthloop_domain::volunteer::Window> {
    fn from(JsonText(text): JsonText) -> Self {
        text.map(|t| from_json(&t)).unwrap_or_default()
    }
}

impl From<JsonText> for Option<youthloop_domain::region::YouthProfile> {
    fn from(JsonText(text): JsonText) -> Self {
        serde_json::from_str(&text?).ok()
    }
}

/// An id that may be missing (a region's parent, an activity's order): the domain's
/// ids are plain text, read here as text and typed on the way in.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub(crate) struct MaybeId(Option<String>);

macro_rules! maybe_ids {
    ($($id:ty),*) => {$(
        impl From<MaybeId> for Option<$id> {
            fn from(MaybeId(id): MaybeId) -> Self {
                id.map(<$id>::from)
            }
        }
    )*};
}
youthloop_domain::for_each_id!(maybe_ids);

/// A small number that may be missing: a rating of one to five stars, a place in line.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub(crate) struct Small(Option<i64>);

impl From<Small> for Option<u32> {
    fn from(Small(n): Small) -> Self {
        n.map(count)
    }
}

pub(crate) fn parse_status<T: TryFrom<String, Error = String>>(text: String) -> StoreResult<T> {
    T::try_from(text).map_err(StoreError::Other)
}

pub(crate) fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(crate) type BadgeRow = (
    String,
    String,
    String,
    OffsetDateTime,
    Option<OffsetDateTime>,
);

pub(crate) fn badge_award(
    (id, code, activity_id, awarded_at, confirmed_at): BadgeRow,
) -> BadgeAward {
    BadgeAward {
        name: badge::find(&code).map_or_else(|| code.clone(), |b| b.name.to_owned()),
        code,
        activity_id: activity_id.into(),
        awarded_at,
        confirmed: confirmed_at.is_some(),
        id,
    }
}

#[derive(FromRow)]
pub(crate) struct UserRow {
    #[sqlx(try_from = "String")]
    pub(crate) id: UserId,
    #[sqlx(try_from = "String")]
    pub(crate) district_id: DistrictId,
    pub(crate) name: String,
    pub(crate) phone_masked: String,
    pub(crate) birth_date: Option<Date>,
}

impl UserRow {
    /// The user with their `(role, scope)` grants; a role this version does not know is
    /// left out rather than guessed.
    pub(crate) fn into_user(self, roles: Vec<(String, String)>) -> User {
        let roles = roles
            .into_iter()
            .filter_map(|(role, scope_id)| {
                youthloop_domain::role::Role::parse(&role).map(|role| RoleGrant { role, scope_id })
            })
            .collect();
        User {
            id: self.id,
            name: self.name,
            roles,
            phone_masked: self.phone_masked,
            district_id: self.district_id,
            birth_date: self.birth_date,
        }
    }
}

/// A round and what its approved projects cost; `r` is `rounds`.
pub(crate) fn round_columns() -> String {
    format!(
        "r.id, r.title, r.budget_fen, r.opens_at, r.closes_at, r.status,
    cast(coalesce((select sum(p.sessions_bought * p.unit_price_fen) from projects p
              where p.round_id = r.id and p.status = {}), 0) as bigint) as approved_fen",
        sql_name(youthloop_domain::round::ProjectStatus::Approved)
    )
}

#[derive(FromRow)]
pub(crate) struct OrderRow {
    #[sqlx(try_from = "String")]
    pub(crate) id: OrderId,
    #[sqlx(try_from = "String")]
    pub(crate) district_id: DistrictId,
    pub(crate) status: String,
    #[sqlx(try_from = "String")]
    pub(crate) project_id: ProjectId,
    #[sqlx(try_from = "String")]
    pub(crate) community_id: RegionId,
    #[sqlx(try_from = "String")]
    pub(crate) organization_id: OrganizationId,
    pub(crate) sessions: i64,
    pub(crate) window_start: Date,
    pub(crate) window_end: Date,
    pub(crate) venue: String,
    pub(crate) expected_participants: i64,
    pub(crate) notes: String,
    pub(crate) reason: Option<String>,
    pub(crate) committed_fen: i64,
    pub(crate) status_at: OffsetDateTime,
    pub(crate) escalated_at: Option<OffsetDateTime>,
    pub(crate) created_at: OffsetDateTime,
}

pub(crate) const ORDER_COLUMNS: &str = "o.id, o.district_id, o.status, o.project_id, o.community_id, o.organization_id, o.sessions,
    o.window_start, o.window_end, o.venue, o.expected_participants, o.notes, o.reason, o.committed_fen,
    o.status_at, o.escalated_at, o.created_at";

pub(crate) const ACTIVITY_COLUMNS: &str = "a.id, a.organization_id, a.order_id, a.title, a.description, a.starts_at,
    a.ends_at, a.venue, a.capacity, a.waitlist_capacity, a.min_age, a.max_age, a.registration_opens_at,
    a.registration_closes_at, a.badges, a.status,
    a.seats_taken as confirmed_count, a.waitlisted as waitlist_count";

#[derive(FromRow)]
pub(crate) struct RegistrationRow {
    #[sqlx(try_from = "String")]
    pub(crate) id: RegistrationId,
    #[sqlx(try_from = "String")]
    pub(crate) activity_id: ActivityId,
    #[sqlx(try_from = "String")]
    pub(crate) participant_id: ParticipantId,
    pub(crate) participant_name: String,
    pub(crate) participant_id_masked: String,
    pub(crate) participant_kind: String,
    pub(crate) consent_live: bool,
    pub(crate) status: String,
    pub(crate) position: Option<i64>,
}

/// A registration with its participant, and its place in line when it waits; `r` is
/// `registrations`.
pub(crate) fn registration_columns() -> String {
    let waiting = sql_name(RegistrationStatus::Waitlisted);
    format!(
        "r.id, r.activity_id, r.participant_id, r.status,
        p.name as participant_name, p.id_number_masked as participant_id_masked,
        p.kind as participant_kind,
        exists (select 1 from consents k where k.participant_id = p.id and k.scope = 'registration' and k.withdrawn_at is null) as consent_live,
        case when r.status = {waiting} then
            (select count(*) from registrations w where w.activity_id = r.activity_id
             and w.status = {waiting} and w.seq <= r.seq) end as position
        from registrations r join participants p on p.id = r.participant_id"
    )
}

impl RegistrationRow {
    pub(crate) fn into_registration(self) -> StoreResult<Registration> {
        let child = self.participant_kind == ParticipantKind::Child.as_str();
        let shown = name_shown(child, self.consent_live);
        Ok(Registration {
            id: self.id,
            activity_id: self.activity_id,
            participant_id: self.participant_id,
            participant_name: shown.then_some(self.participant_name),
            participant_id_tail: shown.then(|| tail(&self.participant_id_masked)),
            status: parse_status(self.status)?,
            position: self.position.map(count),
        })
    }
}

/// The last four characters of a masked ID number: what tells two children of the same
/// name apart on a list, as a ticket office does.
fn tail(masked: &str) -> String {
    let chars: Vec<char> = masked.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

pub(crate) const REVIEW_COLUMNS: &str =
    "id, target_kind, target_id, organization_id, author_role, content,
    organization_rating, effect, rating, text, status, reason, reply, replied_at, created_at";

/// The cursor bound for a page: ids are UUIDv7, so they sort by creation.
pub(crate) fn after(page: &Page) -> &str {
    page.after.as_deref().unwrap_or("")
}

pub(crate) fn fetch_limit(page: &Page) -> i64 {
    i64::from(page.limit.min(Page::MAX)) + 1
}

#[derive(FromRow)]
pub(crate) struct CaseRow {
    #[sqlx(try_from = "String")]
    pub(crate) id: CaseId,
    pub(crate) status: String,
    pub(crate) category: String,
    pub(crate) risk_level: Option<String>,
    pub(crate) subject_name_sealed: String,
    pub(crate) subject_birth_date: Date,
    #[sqlx(try_from = "String")]
    pub(crate) worker_id: UserId,
    #[sqlx(try_from = "String")]
    pub(crate) supervisor_id: UserId,
    pub(crate) guardian_name_sealed: String,
    pub(crate) consent_relation: String,
    pub(crate) consent_scope: String,
    pub(crate) consent_at: OffsetDateTime,
    pub(crate) opened_at: OffsetDateTime,
    pub(crate) case_no: i64,
}

pub(crate) const CASE_COLUMNS: &str = "c.id, c.status, c.category, c.risk_level, c.subject_name_sealed, c.subject_birth_date,
    c.worker_id, c.supervisor_id, c.guardian_name_sealed, c.consent_relation, c.consent_scope, c.consent_at, c.opened_at, c.case_no";

pub(crate) const PARTICIPANT_COLUMNS: &str = "id, name, id_number_masked, birth_date, guardian_id,
    exists (select 1 from consents k where k.participant_id = participants.id
            and k.scope = 'registration' and k.withdrawn_at is null) as consent_live";

/// What a screen may show of a phone or an ID number stored in the clear by the caller.
pub(crate) fn masked_phone(phone: &str) -> String {
    youthloop_domain::Phone::parse(phone)
        .map(|p| p.masked())
        .unwrap_or_else(|_| "***".to_owned())
}

pub(crate) fn masked_id_number(id_number: &str) -> String {
    youthloop_domain::IdNumber::parse(id_number)
        .map(|n| n.masked())
        .unwrap_or_else(|_| "***".to_owned())
}

/// Someone who may be registered, as a batch of registrations reads them.
#[derive(FromRow)]
pub(crate) struct CandidateRow {
    #[sqlx(try_from = "String")]
    id: ParticipantId,
    #[sqlx(try_from = "String")]
    district_id: DistrictId,
    #[sqlx(try_from = "MaybeId")]
    guardian_id: Option<UserId>,
    #[sqlx(try_from = "MaybeId")]
    user_id: Option<UserId>,
    birth_date: Date,
    has_consent: bool,
}

impl CandidateRow {
    /// The candidate by their id.
    pub(crate) fn into_parts(self) -> (ParticipantId, crate::admission::Candidate) {
        let candidate = crate::admission::Candidate {
            district_id: self.district_id,
            guardian_id: self.guardian_id,
            user_id: self.user_id,
            birth_date: self.birth_date,
            has_consent: self.has_consent,
        };
        (self.id, candidate)
    }
}

/// An activity with its next place in line, as a batch of registrations reads it.
#[derive(FromRow)]
pub(crate) struct ActivityLineRow {
    #[sqlx(flatten)]
    pub(crate) activity: Activity,
    pub(crate) next_seq: i64,
}

/// A session's user with their roles, read in one query on every signed-in request.
#[derive(FromRow)]
pub(crate) struct SessionUserRow {
    #[sqlx(flatten)]
    pub(crate) user: UserRow,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) role: Option<String>,
    pub(crate) scope_id: Option<String>,
}

impl SessionUserRow {
    /// The user of a session's rows (one per role), if the session is live at `now`.
    pub(crate) fn into_user(rows: Vec<Self>, now: OffsetDateTime) -> Option<User> {
        let roles = rows
            .iter()
            .filter_map(|r| Some((r.role.clone()?, r.scope_id.clone()?)))
            .collect();
        let first = rows.into_iter().next()?;
        if first.expires_at <= now {
            return None;
        }
        Some(first.user.into_user(roles))
    }
}
