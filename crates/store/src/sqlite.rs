//! The embedded engine: one SQLite file in WAL mode, one writer connection (so that
//! write transactions never fight over the lock), a few readers, `synchronous=FULL` so
//! that a confirmed write survives a power cut.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use rand::RngCore;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, QueryBuilder, SqliteConnection, SqlitePool};
use time::{Date, OffsetDateTime};
use youthloop_domain::activity::{
    check_attendance, check_step_time, ActivityAction, ActivityStatus, Attendance,
    RegistrationAction, RegistrationStatus,
};
use youthloop_domain::audit;
use youthloop_domain::case::{CaseAction, RiskLevel};
use youthloop_domain::order::{check_sessions, Deadlines, OrderAction, OrderStatus};
use youthloop_domain::region::YouthProfile;
use youthloop_domain::role::Actor;
use youthloop_domain::round::{self, ProjectAction, ProjectStatus, RoundAction};
use youthloop_domain::scorecard::Facts;
use youthloop_domain::settings::DistrictSettings;
use youthloop_domain::{DomainError, Fen};

use crate::admission::{self, Admitted, BatchFacts, GroupCommit, Plan, Request};
use crate::crypto::Keyring;
use crate::model::*;
use crate::rows::*;
use crate::{Store, StoreError, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    keys: Keyring,
    admissions: GroupCommit<Request, Registered>,
}

impl SqliteStore {
    /// A write transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// that another process writing the same file makes it wait, never fail midway.
    async fn write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }

    /// Opens (creating if asked) the database at `path` and runs the migrations.
    pub async fn open(path: &str, create: bool, keys: Keyring) -> StoreResult<Self> {
        private_files(path, create)?;
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(db)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // A surge touches fresh index pages across the whole file: a page cache of
            // 64 MiB per connection and memory-mapped reads keep them out of read(2).
            .pragma("cache_size", "-65536")
            .pragma("mmap_size", "268435456")
            // What is deleted or overwritten is zeroed, not left in free pages: erased
            // personal data must not be readable from the file.
            .pragma("secure_delete", "on");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            // A file on this machine does not drop: no ping before every write.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options.clone())
            .await
            .map_err(db)?;
        MIGRATOR
            .run(&writer)
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options.read_only(true))
            .await
            .map_err(db)?;
        let pool = writer.clone();
        let admissions = GroupCommit::start(move |batch| {
            let pool = pool.clone();
            async move { admit_batch(&pool, batch).await }
        });
        Ok(Self {
            writer,
            reader,
            keys,
            admissions,
        })
    }
}

/// The database holds personal data: its file, and the `-wal` and `-shm` files SQLite
/// makes beside it with the same mode, are readable by their owner only. A new file is
/// made 0600 before SQLite opens it; an older one is narrowed to 0600.
fn private_files(path: &str, create: bool) -> StoreResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let file = path.split('?').next().unwrap_or(path);
        let io = |e: std::io::Error| StoreError::Other(format!("{file}: {e}"));
        if create && !std::path::Path::new(file).exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(file)
                .map_err(io)?;
        }
        for suffix in ["", "-wal", "-shm"] {
            let name = format!("{file}{suffix}");
            if std::path::Path::new(&name).exists() {
                std::fs::set_permissions(&name, std::fs::Permissions::from_mode(0o600))
                    .map_err(io)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (path, create);
    Ok(())
}

// Who may see what, in this engine's placeholders.

/// Orders the actor may see: the League and evaluators see the district, an
/// organization its own, a community officer those of the regions under their scope.
/// Binds: ?1 district, ?2 sees district, ?3 org ids (JSON), ?4 region ids (JSON).
const ORDER_SCOPE: &str =
    "o.district_id = ?1 and (?2 or o.organization_id in (select value from json_each(?3))
    or exists (select 1 from regions c join regions s
               on s.district_id = c.district_id and substr(c.path, 1, length(s.path)) = s.path
               where c.id = o.community_id and s.id in (select value from json_each(?4))))";

/// Who may read a case: the worker, the supervisor, a live grant.
/// Binds: ?1 district, ?2 user, ?3 now.
const CASE_ACCESS: &str = "c.district_id = ?1 and (c.worker_id = ?2 or c.supervisor_id = ?2
    or exists (select 1 from case_grants g where g.case_id = c.id and g.grantee_id = ?2 and g.expires_at > ?3))";

impl SqliteStore {
    fn case_summary(&self, r: CaseRow, masked: bool) -> StoreResult<CaseSummary> {
        let name = self.keys.open(
            &format!("cases.subject_name:{}", r.id),
            &r.subject_name_sealed,
        )?;
        Ok(CaseSummary {
            subject: if masked {
                youthloop_domain::parse::mask_name(&name)
            } else {
                name
            },
            id: r.id,
            status: parse_status(r.status)?,
            category: parse_status(r.category)?,
            risk_level: r.risk_level.map(parse_status).transpose()?,
            worker_id: r.worker_id,
            supervisor_id: r.supervisor_id,
            opened_at: r.opened_at,
        })
    }

    /// Adds one participant inside the caller's transaction (its audit event is the
    /// caller's to write).
    async fn insert_participant(
        &self,
        c: &mut SqliteConnection,
        district_id: &str,
        p: NewParticipant,
    ) -> StoreResult<Participant> {
        let id = p.id.clone().unwrap_or_else(new_id);
        let known = self.known_person(c, district_id, &p.id_number).await?;
        person_known(known, p.guardian_id.as_deref())?;
        sqlx::query(
            "insert into participants (id, district_id, kind, name, birth_date, id_number_sealed, id_number_hash,
             guardian_id, user_id, created_at, id_number_masked)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(p.kind.as_str())
        .bind(&p.name)
        .bind(p.birth_date)
        .bind(self.keys.seal(&format!("participants.id_number:{id}"), &p.id_number)?)
        .bind(self.keys.lookup("id_number", &p.id_number))
        .bind(&p.guardian_id)
        .bind(&p.user_id)
        .bind(OffsetDateTime::now_utc())
        .bind(masked_id_number(&p.id_number))
        .execute(&mut *c)
        .await
        .map_err(unique("child_exists", "该孩子已添加 / This child has already been added"))?;
        if let (Some(relation), Some(guardian_id)) = (&p.consent_relation, &p.guardian_id) {
            insert_consent(c, district_id, &id, guardian_id, relation).await?;
        }
        Ok(Participant {
            id_number_masked: masked_id_number(&p.id_number),
            id,
            name: p.name,
            birth_date: p.birth_date,
            consent_live: p.consent_relation.is_some() && p.guardian_id.is_some(),
            guardian_id: p.guardian_id,
        })
    }

    /// Whoever holds `id_number` in the district already, under any key in force.
    async fn known_person(
        &self,
        c: &mut SqliteConnection,
        district_id: &str,
        id_number: &str,
    ) -> StoreResult<KnownPerson> {
        sqlx::query_scalar(
            "select guardian_id from participants where district_id = ?1
             and id_number_hash in (select value from json_each(?2)) limit 1",
        )
        .bind(district_id)
        .bind(json(&self.keys.lookups("id_number", id_number)))
        .fetch_optional(&mut *c)
        .await
        .map_err(db)
    }

    /// A whole case, if `by` may read it; inside the caller's transaction.
    async fn load_case(
        &self,
        c: &mut SqliteConnection,
        by: &Actor,
        id: &str,
        now: OffsetDateTime,
    ) -> StoreResult<CaseFile> {
        let sql = format!("select {CASE_COLUMNS} from cases c where {CASE_ACCESS} and c.id = ?4");
        let row: CaseRow = sqlx::query_as(&sql)
            .bind(&by.district_id)
            .bind(&by.user_id)
            .bind(now)
            .bind(id)
            .fetch_one(&mut *c)
            .await
            .map_err(db)?;
        let guardian_name = self.keys.open(
            &format!("cases.guardian_name:{id}"),
            &row.guardian_name_sealed,
        )?;
        let consent = CaseConsent {
            guardian_name,
            relation: row.consent_relation.clone(),
            scope: row.consent_scope.clone(),
            given_at: row.consent_at,
        };
        let subject_birth_date = row.subject_birth_date;
        let summary = self.case_summary(row, false)?;
        let notes: Vec<(String, String, String, String, OffsetDateTime)> =
            sqlx::query_as("select id, kind, text_sealed, author_id, at from case_notes where case_id = ?1 order by id")
                .bind(id)
                .fetch_all(&mut *c)
                .await
                .map_err(db)?;
        let notes = notes
            .into_iter()
            .map(|(note_id, kind, sealed, author_id, at)| {
                Ok(CaseNote {
                    text: self
                        .keys
                        .open(&format!("case_notes.text:{note_id}"), &sealed)?,
                    id: note_id,
                    kind: parse_status(kind)?,
                    author_id,
                    at,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let grants: Vec<(String, String, OffsetDateTime)> = sqlx::query_as(
            "select id, grantee_id, expires_at from case_grants where case_id = ?1 and expires_at > ?2 order by id",
        )
        .bind(id)
        .bind(now)
        .fetch_all(&mut *c)
        .await
        .map_err(db)?;
        Ok(CaseFile {
            subject_name: summary.subject.clone(),
            summary,
            subject_birth_date,
            consent,
            notes,
            grants: grants
                .into_iter()
                .map(|(grant_id, grantee_id, expires_at)| CaseGrant {
                    id: grant_id,
                    case_id: id.to_owned(),
                    grantee_id,
                    expires_at,
                })
                .collect(),
        })
    }
}

// ---------------------------------------------------------------------------------
// Pieces shared by several use cases, working inside one transaction.

async fn load_user(
    c: &mut SqliteConnection,
    district_id: Option<&str>,
    id: &str,
) -> StoreResult<User> {
    let row: UserRow = sqlx::query_as(
        "select id, district_id, name, phone_masked, birth_date from users where id = ?1 and (?2 is null or district_id = ?2)",
    )
    .bind(id)
    .bind(district_id)
    .fetch_one(&mut *c)
    .await
    .map_err(db)?;
    let roles: Vec<(String, String)> = sqlx::query_as(
        "select role, scope_id from user_roles where user_id = ?1 order by role, scope_id",
    )
    .bind(id)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    Ok(row.into_user(roles))
}

async fn load_round(c: &mut SqliteConnection, district_id: &str, id: &str) -> StoreResult<Round> {
    let sql =
        format!("select {ROUND_COLUMNS} from rounds r where r.district_id = ?1 and r.id = ?2");
    let row: RoundRow = sqlx::query_as(&sql)
        .bind(district_id)
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    row.into_round()
}

async fn load_project(
    c: &mut SqliteConnection,
    district_id: &str,
    id: &str,
) -> StoreResult<Project> {
    let row: ProjectRow =
        sqlx::query_as("select * from projects where district_id = ?1 and id = ?2")
            .bind(district_id)
            .bind(id)
            .fetch_one(&mut *c)
            .await
            .map_err(db)?;
    row.into_project()
}

/// Sessions of a menu item not yet held by a live order.
async fn sessions_left(c: &mut SqliteConnection, project: &Project) -> StoreResult<u32> {
    let held: i64 = sqlx::query_scalar(
        "select coalesce(sum(sessions), 0) from orders where project_id = ?1
         and status not in ('rejected', 'declined', 'cancelled')",
    )
    .bind(&project.id)
    .fetch_one(&mut *c)
    .await
    .map_err(db)?;
    Ok(project.sessions_bought.saturating_sub(count(held)))
}

fn bind_scope<'q>(
    q: sqlx::query::QueryAs<'q, sqlx::Sqlite, OrderRow, sqlx::sqlite::SqliteArguments<'q>>,
    actor: &Actor,
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, OrderRow, sqlx::sqlite::SqliteArguments<'q>> {
    q.bind(actor.district_id.clone())
        .bind(actor.sees_district())
        .bind(json(&actor.org_ids()))
        .bind(json(&actor.region_ids()))
}

async fn order_history(c: &mut SqliteConnection, order_id: &str) -> StoreResult<Vec<HistoryEntry>> {
    let rows: Vec<HistoryRow> = sqlx::query_as(
        "select status, at, by_user, note from order_history where order_id = ?1 order by id",
    )
    .bind(order_id)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    rows.into_iter()
        .map(|h| {
            Ok(HistoryEntry {
                status: parse_status(h.status)?,
                at: h.at,
                by: h.by_user,
                note: h.note,
            })
        })
        .collect()
}

async fn into_order(
    c: &mut SqliteConnection,
    row: OrderRow,
    now: OffsetDateTime,
) -> StoreResult<Order> {
    let status: OrderStatus = parse_status(row.status)?;
    let deadlines = Deadlines::default();
    Ok(Order {
        history: order_history(c, &row.id).await?,
        id: row.id,
        district_id: row.district_id,
        status,
        project_id: row.project_id,
        community_id: row.community_id,
        organization_id: row.organization_id,
        sessions: count(row.sessions),
        window_start: row.window_start,
        window_end: row.window_end,
        venue: row.venue,
        expected_participants: count(row.expected_participants),
        notes: row.notes,
        reason: row.reason,
        committed_fen: row.committed_fen,
        due_at: deadlines.due_at(status, row.status_at),
        overdue: deadlines.is_overdue(status, row.status_at, now),
        created_at: row.created_at,
    })
}

async fn load_order(
    c: &mut SqliteConnection,
    actor: &Actor,
    id: &str,
    now: OffsetDateTime,
) -> StoreResult<Order> {
    let sql = format!("select {ORDER_COLUMNS} from orders o where {ORDER_SCOPE} and o.id = ?5");
    let row = bind_scope(sqlx::query_as(&sql), actor)
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    into_order(c, row, now).await
}

/// Moves an order one step and writes the step into its history.
async fn step_order(
    c: &mut SqliteConnection,
    order: &Order,
    action: OrderAction,
    by: &str,
    note: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<OrderStatus> {
    let next = order.status.apply(action)?;
    let committed = if next.commits_budget() {
        let project = load_project(c, &order.district_id, &order.project_id).await?;
        Fen::parse("unit_price_fen", project.unit_price_fen)?
            .times(order.sessions)
            .get()
    } else {
        0
    };
    sqlx::query(
        "update orders set status = ?1, status_at = ?2, committed_fen = ?3, reason = coalesce(?4, reason) where id = ?5",
    )
    .bind(next.as_str())
    .bind(now)
    .bind(committed)
    .bind(note)
    .bind(&order.id)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    insert_history(c, &order.district_id, &order.id, next, by, note, now).await?;
    if next == OrderStatus::Cancelled {
        // A cancelled order takes its sessions that have not happened with it.
        let open: Vec<(String, String)> = sqlx::query_as(
            "select id, status from activities where order_id = ?1 and status in ('draft', 'published', 'closed')",
        )
        .bind(&order.id)
        .fetch_all(&mut *c)
        .await
        .map_err(db)?;
        for (activity_id, status) in open {
            let cancelled =
                parse_status::<ActivityStatus>(status)?.apply(ActivityAction::Cancel)?;
            sqlx::query("update activities set status = ?1 where id = ?2")
                .bind(cancelled.as_str())
                .bind(&activity_id)
                .execute(&mut *c)
                .await
                .map_err(db)?;
            settle_registrations(c, &activity_id, RegistrationAction::Cancel, now).await?;
        }
    }
    Ok(next)
}

/// Ends the line of an activity that is over: confirmed registrations take `action`
/// (no-show or cancel), and the waitlist is cancelled.
async fn settle_registrations(
    c: &mut SqliteConnection,
    activity_id: &str,
    action: RegistrationAction,
    now: OffsetDateTime,
) -> StoreResult<()> {
    for (from, action) in [
        (RegistrationStatus::Confirmed, action),
        (RegistrationStatus::Waitlisted, RegistrationAction::Cancel),
    ] {
        let to = from.apply(action)?;
        sqlx::query("update registrations set status = ?1, updated_at = ?2 where activity_id = ?3 and status = ?4")
            .bind(to.as_str())
            .bind(now)
            .bind(activity_id)
            .bind(from.as_str())
            .execute(&mut *c)
            .await
            .map_err(db)?;
    }
    Ok(())
}

async fn insert_history(
    c: &mut SqliteConnection,
    district_id: &str,
    order_id: &str,
    status: OrderStatus,
    by: &str,
    note: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query("insert into order_history (id, district_id, order_id, status, at, by_user, note) values (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(new_id())
        .bind(district_id)
        .bind(order_id)
        .bind(status.as_str())
        .bind(now)
        .bind(by)
        .bind(note)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    Ok(())
}

async fn load_activity(
    c: &mut SqliteConnection,
    district_id: &str,
    id: &str,
    org_ids: &[String],
) -> StoreResult<Activity> {
    let sql = format!(
        "select {ACTIVITY_COLUMNS} from activities a where a.district_id = ?1 and a.id = ?2
         and (a.status != 'draft' or a.organization_id in (select value from json_each(?3)))"
    );
    let row: ActivityRow = sqlx::query_as(&sql)
        .bind(district_id)
        .bind(id)
        .bind(json(&org_ids))
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    row.into_activity()
}

async fn load_registration(
    c: &mut SqliteConnection,
    district_id: &str,
    id: &str,
) -> StoreResult<Registration> {
    let sql = format!(
        "select {REGISTRATION_COLUMNS} from registrations r where r.district_id = ?1 and r.id = ?2"
    );
    let row: RegistrationRow = sqlx::query_as(&sql)
        .bind(district_id)
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    row.into_registration()
}

/// The district's settings; defaults for what it never set.
async fn district_settings(
    c: &mut SqliteConnection,
    district_id: &str,
) -> StoreResult<DistrictSettings> {
    let text: String = sqlx::query_scalar("select settings from districts where id = ?1")
        .bind(district_id)
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    Ok(from_json(&text))
}

async fn set_registration(
    c: &mut SqliteConnection,
    id: &str,
    status: RegistrationStatus,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query("update registrations set status = ?1, updated_at = ?2 where id = ?3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    Ok(())
}

/// Appends an event to the district's audit chain, inside the caller's transaction, so
/// that a change and its record of who made it commit together or not at all.
async fn audit(
    c: &mut SqliteConnection,
    by: &Actor,
    action: &str,
    kind: &str,
    record_id: &str,
) -> StoreResult<()> {
    audit_many(c, &[(by, action, kind, record_id)]).await
}

/// Appends events in order, reading each district's head once and moving it once.
async fn audit_many(
    c: &mut SqliteConnection,
    events: &[(&Actor, &str, &str, &str)],
) -> StoreResult<()> {
    let mut heads: HashMap<String, (i64, String)> = HashMap::new();
    let mut links = Vec::new();
    for &(by, action, kind, record_id) in events {
        if !heads.contains_key(&by.district_id) {
            let head: Option<(i64, String)> =
                sqlx::query_as("select seq, hash from audit_heads where district_id = ?1")
                    .bind(&by.district_id)
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(db)?;
            if let Some(head) = head {
                heads.insert(by.district_id.clone(), head);
            }
        }
        let link = admission::link(heads.get(&by.district_id), by, action, kind, record_id)?;
        heads.insert(link.district_id.clone(), (link.seq, link.hash.clone()));
        links.push(link);
    }
    if links.is_empty() {
        return Ok(());
    }
    // A thousand rows of eleven binds stay inside both engines' bind limits.
    for chunk in links.chunks(1000) {
        let mut insert = QueryBuilder::new(
            "insert into audit_events (id, district_id, seq, at, actor, action, record_kind, record_id, address, prev_hash, hash) ",
        );
        insert.push_values(chunk, |mut row, l| {
            row.push_bind(&l.id)
                .push_bind(&l.district_id)
                .push_bind(l.seq)
                .push_bind(&l.at)
                .push_bind(&l.actor)
                .push_bind(&l.action)
                .push_bind(&l.kind)
                .push_bind(&l.record_id)
                .push_bind(&l.address)
                .push_bind(&l.prev_hash)
                .push_bind(&l.hash);
        });
        insert.build().execute(&mut *c).await.map_err(db)?;
    }
    for (district_id, (seq, hash)) in heads {
        sqlx::query(
            "insert into audit_heads (district_id, seq, hash) values (?1, ?2, ?3)
             on conflict (district_id) do update set seq = excluded.seq, hash = excluded.hash",
        )
        .bind(district_id)
        .bind(seq)
        .bind(hash)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// Admits one batch of registrations in one transaction: read the facts, let
/// [`admission::plan`] decide, write the plan, commit once.
async fn admit_batch(
    pool: &SqlitePool,
    requests: Vec<Request>,
) -> StoreResult<Vec<StoreResult<Registered>>> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
    let facts = admission_facts(&mut tx, &requests).await?;
    let plan = admission::plan(&requests, facts);
    write_admissions(&mut tx, &plan).await?;
    tx.commit().await.map_err(db)?;
    Ok(plan.answers)
}

async fn admission_facts(
    c: &mut SqliteConnection,
    requests: &[Request],
) -> StoreResult<BatchFacts> {
    let wanted = BatchFacts::wanted(requests);
    let mut facts = BatchFacts::default();
    if !wanted.keys.is_empty() {
        let pairs: Vec<[&String; 2]> = wanted.keys.iter().map(|(u, k)| [u, k]).collect();
        let kept: Vec<(String, String, String)> = sqlx::query_as(
            "select k.user_id, k.key, k.body from json_each(?1) j
             join idempotency_keys k on k.user_id = j.value ->> 0 and k.key = j.value ->> 1",
        )
        .bind(json(&pairs))
        .fetch_all(&mut *c)
        .await
        .map_err(db)?;
        facts.kept = kept.into_iter().map(|(u, k, b)| ((u, k), b)).collect();
    }
    let ids = json(&wanted.participants);
    // Only the batch's activities matter: it reads (activity, participant) by the index.
    let activity_ids: Vec<&String> = wanted.activities.iter().map(|(_, id)| id).collect();
    let candidates: Vec<CandidateRow> = sqlx::query_as(
        "select p.id, p.district_id, p.guardian_id, p.user_id, p.birth_date,
         exists (select 1 from consents c where c.participant_id = p.id and c.withdrawn_at is null) as has_consent,
         (select json_group_array(r.activity_id) from registrations r where r.participant_id = p.id
              and r.activity_id in (select value from json_each(?2))
              and r.status in ('confirmed', 'waitlisted', 'attended')) as live
         from participants p where p.id in (select value from json_each(?1))",
    )
    .bind(&ids)
    .bind(json(&activity_ids))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    for row in candidates {
        let (id, candidate, live) = row.into_parts();
        facts
            .live
            .extend(live.into_iter().map(|activity| (activity, id.clone())));
        facts.candidates.insert(id, candidate);
    }
    // Registrants see published activities only (not drafts).
    let sql = format!(
        "select {ACTIVITY_COLUMNS}, a.next_seq from activities a where a.district_id = ?1 and a.id = ?2 and a.status != 'draft'"
    );
    for (district_id, id) in wanted.activities {
        let found: Option<ActivityLineRow> = sqlx::query_as(&sql)
            .bind(&district_id)
            .bind(&id)
            .fetch_optional(&mut *c)
            .await
            .map_err(db)?;
        if let Some(row) = found {
            let activity = row.activity.into_activity()?;
            facts
                .activities
                .insert((district_id, id), (activity, row.next_seq));
        }
    }
    Ok(facts)
}

async fn write_admissions(c: &mut SqliteConnection, plan: &Plan) -> StoreResult<()> {
    if plan.admitted.is_empty() {
        return Ok(());
    }
    let mut insert = QueryBuilder::new(
        "insert into registrations (id, district_id, activity_id, participant_id, made_by, status, seq, created_at, updated_at) ",
    );
    insert.push_values(&plan.admitted, |mut row, a| {
        row.push_bind(&a.registered.id)
            .push_bind(&a.district_id)
            .push_bind(&a.registered.activity_id)
            .push_bind(&a.registered.participant_id)
            .push_bind(&a.by.user_id)
            .push_bind(a.registered.status.as_str())
            .push_bind(a.seq)
            .push_bind(a.at)
            .push_bind(a.at);
    });
    insert.build().execute(&mut *c).await.map_err(db)?;
    let kept: Vec<(&Admitted, &String, &String)> = plan
        .admitted
        .iter()
        .filter_map(|a| a.kept.as_ref().map(|(key, body)| (a, key, body)))
        .collect();
    if !kept.is_empty() {
        let mut insert = QueryBuilder::new(
            "insert into idempotency_keys (district_id, user_id, key, body, created_at) ",
        );
        insert.push_values(kept, |mut row, (a, key, body)| {
            row.push_bind(&a.district_id)
                .push_bind(&a.by.user_id)
                .push_bind(key)
                .push_bind(body)
                .push_bind(a.at);
        });
        insert.build().execute(&mut *c).await.map_err(db)?;
    }
    for (activity_id, next_seq) in &plan.next_seq {
        sqlx::query("update activities set next_seq = ?2 where id = ?1")
            .bind(activity_id)
            .bind(next_seq)
            .execute(&mut *c)
            .await
            .map_err(db)?;
    }
    let events: Vec<_> = plan
        .admitted
        .iter()
        .map(|a| {
            (
                &a.by,
                "registration.create",
                "registration",
                a.registered.id.as_str(),
            )
        })
        .collect();
    audit_many(c, &events).await
}

async fn insert_consent(
    c: &mut SqliteConnection,
    district_id: &str,
    participant_id: &str,
    guardian_id: &str,
    relation: &str,
) -> StoreResult<Consent> {
    let consent = Consent {
        id: new_id(),
        participant_id: participant_id.to_owned(),
        relation: relation.to_owned(),
        scope: "registration".to_owned(),
        given_at: OffsetDateTime::now_utc(),
        withdrawn_at: None,
    };
    sqlx::query(
        "insert into consents (id, district_id, participant_id, guardian_id, relation, scope, given_at)
         values (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(&consent.id)
    .bind(district_id)
    .bind(participant_id)
    .bind(guardian_id)
    .bind(relation)
    .bind(&consent.scope)
    .bind(consent.given_at)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    Ok(consent)
}

async fn consents_of(c: &mut SqliteConnection, participant_id: &str) -> StoreResult<Vec<Consent>> {
    let rows: Vec<(
        String,
        String,
        String,
        String,
        OffsetDateTime,
        Option<OffsetDateTime>,
    )> = sqlx::query_as(
        "select id, participant_id, relation, scope, given_at, withdrawn_at from consents
         where participant_id = ?1 order by given_at, id",
    )
    .bind(participant_id)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, participant_id, relation, scope, given_at, withdrawn_at)| Consent {
                id,
                participant_id,
                relation,
                scope,
                given_at,
                withdrawn_at,
            },
        )
        .collect())
}

/// When consent ends (withdrawn, or the family erased), processing stops: the child's
/// registrations for activities not yet over are cancelled, each seat going to the first
/// in line; what took place stays on record. Returns the cancelled registrations.
async fn cancel_what_is_to_come(
    c: &mut SqliteConnection,
    by: &Actor,
    participant_id: &str,
    now: OffsetDateTime,
) -> StoreResult<Vec<String>> {
    let live: Vec<(String, String, String)> = sqlx::query_as(&format!(
        "select r.id, r.status, r.activity_id from registrations r join activities a on a.id = r.activity_id
         where r.district_id = ?1 and r.participant_id = ?2 and r.status in ({}) and a.ends_at > ?3
         order by r.id",
        sql_names(RegistrationStatus::cancellable())
    ))
    .bind(&by.district_id)
    .bind(participant_id)
    .bind(now)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    let mut cancelled = Vec::with_capacity(live.len());
    for (registration_id, status, activity_id) in live {
        let was: RegistrationStatus = parse_status(status)?;
        set_registration(
            c,
            &registration_id,
            was.apply(RegistrationAction::Cancel)?,
            now,
        )
        .await?;
        if was == RegistrationStatus::Confirmed {
            let activity = load_activity(c, &by.district_id, &activity_id, &[]).await?;
            promote_first(c, &activity, now).await?;
        }
        audit(
            c,
            by,
            "registration.cancel",
            "registration",
            &registration_id,
        )
        .await?;
        cancelled.push(registration_id);
    }
    Ok(cancelled)
}

/// Gives a freed seat to the first in line, if the activity still takes people.
async fn promote_first(
    c: &mut SqliteConnection,
    activity: &Activity,
    now: OffsetDateTime,
) -> StoreResult<()> {
    if !matches!(
        activity.status,
        ActivityStatus::Published | ActivityStatus::Closed
    ) {
        return Ok(());
    }
    let first: Option<(String, String)> = sqlx::query_as(
        "select id, status from registrations where activity_id = ?1 and status = 'waitlisted' order by seq limit 1",
    )
    .bind(&activity.id)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    if let Some((id, status)) = first {
        let next =
            parse_status::<RegistrationStatus>(status)?.apply(RegistrationAction::Promote)?;
        set_registration(c, &id, next, now).await?;
    }
    Ok(())
}

/// What the pages list, on this engine's readers.
mod reads {
    crate::listings::listings!(sqlx::SqlitePool);
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("select 1")
            .execute(&self.reader)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar("select count(*) from districts")
            .fetch_one(&self.reader)
            .await
            .map_err(db)?;
        Ok(n == 0)
    }

    async fn default_district(&self) -> StoreResult<Option<String>> {
        sqlx::query_scalar("select id from districts order by id limit 1")
            .fetch_optional(&self.reader)
            .await
            .map_err(db)
    }

    async fn secret(&self, district_id: &str, name: &str) -> StoreResult<Vec<u8>> {
        let context = format!("secrets.value:{district_id}:{name}");
        let known: Option<String> = sqlx::query_scalar(
            "select value_sealed from secrets where district_id = ?1 and name = ?2",
        )
        .bind(district_id)
        .bind(name)
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        if let Some(sealed) = known {
            return open_secret(&self.keys, &context, &sealed);
        }
        let mut fresh = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut fresh);
        // The first writer wins; every instance then reads the same value.
        sqlx::query("insert into secrets (district_id, name, value_sealed) values (?1, ?2, ?3) on conflict do nothing")
            .bind(district_id)
            .bind(name)
            .bind(self.keys.seal(&context, &hex::encode(&fresh))?)
            .execute(&self.writer)
            .await
            .map_err(db)?;
        let sealed: String = sqlx::query_scalar(
            "select value_sealed from secrets where district_id = ?1 and name = ?2",
        )
        .bind(district_id)
        .bind(name)
        .fetch_one(&self.writer)
        .await
        .map_err(db)?;
        open_secret(&self.keys, &context, &sealed)
    }

    async fn settings(&self, district_id: &str) -> StoreResult<DistrictSettings> {
        let mut c = self.reader.acquire().await.map_err(db)?;
        district_settings(&mut c, district_id).await
    }

    async fn set_settings(&self, by: &Actor, settings: DistrictSettings) -> StoreResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("update districts set settings = ?1 where id = ?2")
            .bind(json(&settings))
            .bind(&by.district_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit(
            &mut tx,
            by,
            "district.settings",
            "district",
            &by.district_id,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn create_district(&self, name: &str, code: &str) -> StoreResult<District> {
        let id = new_id();
        let mut tx = self.write().await?;
        sqlx::query("insert into districts (id, district_id, name, code, created_at) values (?1, ?1, ?2, ?3, ?4)")
            .bind(&id)
            .bind(name)
            .bind(code)
            .bind(OffsetDateTime::now_utc())
            .execute(&mut *tx)
            .await
            .map_err(unique("district_exists", "该区划代码的区已存在 / A district with this code exists"))?;
        // The district is also the root of its regions, so scopes can name it.
        sqlx::query(
            "insert into regions (id, district_id, parent_id, name, kind, code, path) values (?1, ?1, null, ?2, 'district', ?3, '/' || ?1 || '/')",
        )
        .bind(&id)
        .bind(name)
        .bind(code)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit(
            &mut tx,
            &Actor::system(&id),
            "district.create",
            "district",
            &id,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(District {
            id,
            name: name.to_owned(),
            code: code.to_owned(),
        })
    }

    async fn create_region(&self, by: &Actor, region: NewRegion) -> StoreResult<Region> {
        let district_id = by.district_id.as_str();
        let id = new_id();
        let mut tx = self.write().await?;
        let parent_id = region
            .parent_id
            .clone()
            .unwrap_or_else(|| district_id.to_owned());
        let parent_path: String =
            sqlx::query_scalar("select path from regions where district_id = ?1 and id = ?2")
                .bind(district_id)
                .bind(&parent_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        let profile = region.profile.as_ref().map(json);
        sqlx::query(
            "insert into regions (id, district_id, parent_id, name, kind, code, path, profile) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&parent_id)
        .bind(&region.name)
        .bind(region.kind.as_str())
        .bind(&region.code)
        .bind(format!("{parent_path}{id}/"))
        .bind(profile)
        .execute(&mut *tx)
        .await
        .map_err(unique("region_exists", "该区划代码已存在 / A region with this code exists"))?;
        audit(&mut tx, by, "region.create", "region", &id).await?;
        tx.commit().await.map_err(db)?;
        Ok(Region {
            id,
            name: region.name,
            kind: region.kind,
            parent_id: Some(parent_id),
            code: region.code,
            profile: region.profile,
        })
    }

    async fn regions(&self, district_id: &str, page: &Page) -> StoreResult<Paged<Region>> {
        let rows: Vec<RegionRow> = sqlx::query_as(
            "select id, name, kind, parent_id, code, profile from regions where district_id = ?1 and id > ?2 order by id limit ?3",
        )
        .bind(district_id)
        .bind(after(page))
        .bind(fetch_limit(page))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        let regions = rows
            .into_iter()
            .map(RegionRow::into_region)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::from_rows(regions, page, |r| r.id.clone()))
    }

    async fn region(&self, district_id: &str, id: &str) -> StoreResult<Region> {
        let row: RegionRow =
            sqlx::query_as("select id, name, kind, parent_id, code, profile from regions where district_id = ?1 and id = ?2")
                .bind(district_id)
                .bind(id)
                .fetch_one(&self.reader)
                .await
                .map_err(db)?;
        row.into_region()
    }

    async fn region_within(
        &self,
        district_id: &str,
        region_id: &str,
        scope_ids: &[String],
    ) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "select 1 from regions c join regions s on s.district_id = c.district_id
             and substr(c.path, 1, length(s.path)) = s.path
             where c.district_id = ?1 and c.id = ?2 and s.id in (select value from json_each(?3)) limit 1",
        )
        .bind(district_id)
        .bind(region_id)
        .bind(json(&scope_ids))
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        Ok(found.is_some())
    }

    async fn regions_under(
        &self,
        district_id: &str,
        scope_ids: &[String],
    ) -> StoreResult<std::collections::HashSet<String>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "select c.id from regions c join regions s on s.district_id = c.district_id
             and substr(c.path, 1, length(s.path)) = s.path
             where c.district_id = ?1 and s.id in (select value from json_each(?2))",
        )
        .bind(district_id)
        .bind(json(&scope_ids))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        Ok(ids.into_iter().collect())
    }

    async fn set_profile(
        &self,
        by: &Actor,
        id: &str,
        profile: &YouthProfile,
    ) -> StoreResult<Region> {
        let district_id = by.district_id.as_str();
        let mut tx = self.write().await?;
        let done = sqlx::query("update regions set profile = ?1 where district_id = ?2 and id = ?3 and kind != 'district'")
            .bind(json(profile))
            .bind(district_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        audit(&mut tx, by, "region.profile", "region", id).await?;
        tx.commit().await.map_err(db)?;
        self.region(district_id, id).await
    }

    async fn create_organization(
        &self,
        by: &Actor,
        org: NewOrganization,
    ) -> StoreResult<Organization> {
        let district_id = by.district_id.as_str();
        let mut tx = self.write().await?;
        let id = new_id();
        sqlx::query(
            "insert into organizations (id, district_id, name, credit_code, areas, address, status, created_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&org.name)
        .bind(&org.credit_code)
        .bind(json(&org.areas))
        .bind(&org.address)
        .bind(OffsetDateTime::now_utc())
        .execute(&mut *tx)
        .await
        .map_err(unique("credit_code_taken", "该统一社会信用代码已登记 / This credit code is already registered"))?;
        audit(&mut tx, by, "organization.create", "organization", &id).await?;
        tx.commit().await.map_err(db)?;
        Ok(Organization {
            id,
            name: org.name,
            credit_code: org.credit_code,
            areas: org.areas,
            address: org.address,
            status: "active".to_owned(),
        })
    }

    async fn organizations(
        &self,
        district_id: &str,
        page: &Page,
    ) -> StoreResult<Paged<Organization>> {
        let rows: Vec<OrgRow> = sqlx::query_as(
            "select id, name, credit_code, areas, address, status from organizations
             where district_id = ?1 and id > ?2 order by id limit ?3",
        )
        .bind(district_id)
        .bind(after(page))
        .bind(fetch_limit(page))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        Ok(Paged::from_rows(
            rows.into_iter().map(Organization::from).collect(),
            page,
            |o| o.id.clone(),
        ))
    }

    async fn organization(&self, district_id: &str, id: &str) -> StoreResult<Organization> {
        let row: OrgRow = sqlx::query_as(
            "select id, name, credit_code, areas, address, status from organizations where district_id = ?1 and id = ?2",
        )
        .bind(district_id)
        .bind(id)
        .fetch_one(&self.reader)
        .await
        .map_err(db)?;
        Ok(row.into())
    }

    async fn create_user(&self, by: &Actor, user: NewUser) -> StoreResult<User> {
        let district_id = by.district_id.as_str();
        let id = new_id();
        let mut tx = self.write().await?;
        // During a key rotation a phone may still be hashed under the retired key, where
        // the unique index cannot see it: look under every key in force.
        let taken: Option<String> = sqlx::query_scalar(
            "select id from users where phone_hash in (select value from json_each(?1))",
        )
        .bind(json(&self.keys.lookups("phone", &user.phone)))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if taken.is_some() {
            return Err(StoreError::conflict(
                "phone_taken",
                "该手机号已注册 / This phone number is already registered",
            ));
        }
        sqlx::query(
            "insert into users (id, district_id, phone_hash, phone_sealed, password_hash, name, id_number_sealed, birth_date, created_at,
             phone_masked)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(self.keys.lookup("phone", &user.phone))
        .bind(self.keys.seal(&format!("users.phone:{id}"), &user.phone)?)
        .bind(&user.password_hash)
        .bind(&user.name)
        .bind(user.id_number.as_ref().map(|n| self.keys.seal(&format!("users.id_number:{id}"), n)).transpose()?)
        .bind(user.birth_date)
        .bind(OffsetDateTime::now_utc())
        .bind(masked_phone(&user.phone))
        .execute(&mut *tx)
        .await
        .map_err(unique("phone_taken", "该手机号已注册 / This phone number is already registered"))?;
        for grant in &user.grants {
            // A self-scoped role names the user, whose id exists only now.
            let scope = if grant.scope_id.is_empty() {
                &id
            } else {
                &grant.scope_id
            };
            sqlx::query("insert into user_roles (district_id, user_id, role, scope_id) values (?1, ?2, ?3, ?4)")
                .bind(district_id)
                .bind(&id)
                .bind(grant.role.as_str())
                .bind(scope)
                .execute(&mut *tx)
                .await
                .map_err(unique("role_exists", "角色重复 / Duplicate role"))?;
        }
        if let (true, Some(id_number), Some(birth_date)) =
            (user.is_participant, &user.id_number, user.birth_date)
        {
            let known = self.known_person(&mut tx, district_id, id_number).await?;
            person_known(known, None)?;
            sqlx::query(
                "insert into participants (id, district_id, kind, name, birth_date, id_number_sealed, id_number_hash, user_id, created_at,
                 id_number_masked)
                 values (?1, ?2, 'youth', ?3, ?4, ?5, ?6, ?1, ?7, ?8)",
            )
            .bind(&id)
            .bind(district_id)
            .bind(&user.name)
            .bind(birth_date)
            .bind(self.keys.seal(&format!("participants.id_number:{id}"), id_number)?)
            .bind(self.keys.lookup("id_number", id_number))
            .bind(OffsetDateTime::now_utc())
            .bind(masked_id_number(id_number))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        let created = load_user(&mut tx, Some(district_id), &id).await?;
        audit(&mut tx, by, "user.create", "user", &id).await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn user(&self, district_id: &str, id: &str) -> StoreResult<User> {
        let mut c = self.reader.acquire().await.map_err(db)?;
        load_user(&mut c, Some(district_id), id).await
    }

    async fn credentials(&self, phone: &str) -> StoreResult<Option<Credentials>> {
        let mut c = self.reader.acquire().await.map_err(db)?;
        let found: Option<(String, String)> =
            sqlx::query_as("select id, password_hash from users where phone_hash in (select value from json_each(?1))")
                .bind(json(&self.keys.lookups("phone", phone)))
                .fetch_optional(&mut *c)
                .await
                .map_err(db)?;
        match found {
            Some((id, password_hash)) => Ok(Some(Credentials {
                user: load_user(&mut c, None, &id).await?,
                password_hash,
            })),
            None => Ok(None),
        }
    }

    async fn sign_in_lock(
        &self,
        key: SignInKey<'_>,
        now: OffsetDateTime,
    ) -> StoreResult<Option<OffsetDateTime>> {
        let until: Option<Option<OffsetDateTime>> =
            sqlx::query_scalar("select locked_until from sign_in_throttle where key_hash = ?1")
                .bind(throttle_key(&self.keys, key))
                .fetch_optional(&self.reader)
                .await
                .map_err(db)?;
        Ok(until.flatten().filter(|until| *until > now))
    }

    async fn sign_in_failed(
        &self,
        by: Option<&Actor>,
        key: SignInKey<'_>,
        lock_after: u32,
        lock_for: time::Duration,
        now: OffsetDateTime,
    ) -> StoreResult<Option<OffsetDateTime>> {
        let mut tx = self.write().await?;
        // Failures older than a lock's length are forgotten: "in a row" means lately. A
        // lock in force stays as it is: guesses sent side by side must not lift it.
        let (failed, locked_until): (i64, Option<OffsetDateTime>) = sqlx::query_as(
            "insert into sign_in_throttle (key_hash, district_id, failures, locked_until, updated_at) values (?1, ?4, 1, null, ?2)
             on conflict (key_hash) do update set updated_at = ?2,
             failures = case when sign_in_throttle.locked_until > ?2 then sign_in_throttle.failures
                             when sign_in_throttle.updated_at < ?3 then 1
                             else sign_in_throttle.failures + 1 end,
             locked_until = case when sign_in_throttle.locked_until > ?2 then sign_in_throttle.locked_until end
             returning failures, locked_until",
        )
        .bind(throttle_key(&self.keys, key))
        .bind(now)
        .bind(now - lock_for)
        .bind(by.map_or("", |by| by.district_id.as_str()))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let locked = if let Some(until) = locked_until.filter(|until| *until > now) {
            Some(until)
        } else if failed >= i64::from(lock_after) {
            let until = now + lock_for;
            sqlx::query(
                "update sign_in_throttle set failures = 0, locked_until = ?1 where key_hash = ?2",
            )
            .bind(until)
            .bind(throttle_key(&self.keys, key))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if let Some(by) = by {
                audit(&mut tx, by, "user.lock", "user", &by.user_id).await?;
            }
            Some(until)
        } else {
            None
        };
        // What is a day old is of no more use to anyone.
        sqlx::query("delete from sign_in_throttle where updated_at < ?1")
            .bind(now - time::Duration::days(1))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(locked)
    }

    async fn create_session(
        &self,
        by: &Actor,
        token_hash: &str,
        expires_at: OffsetDateTime,
        key: SignInKey<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("delete from sign_in_throttle where key_hash = ?1")
            .bind(throttle_key(&self.keys, key))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("insert into sessions (token_hash, district_id, user_id, created_at, expires_at) values (?1, ?2, ?3, ?4, ?5)")
            .bind(token_hash)
            .bind(&by.district_id)
            .bind(&by.user_id)
            .bind(OffsetDateTime::now_utc())
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit(&mut tx, by, "session.create", "user", &by.user_id).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<User>> {
        let found: Option<SessionUserRow> = sqlx::query_as(
            "select u.id, u.district_id, u.name, u.phone_masked, u.birth_date, s.expires_at,
             (select json_group_array(json_array(role, scope_id)) from
                (select role, scope_id from user_roles where user_id = u.id order by role, scope_id)) as roles
             from sessions s join users u on u.id = s.user_id where s.token_hash = ?1",
        )
        .bind(token_hash)
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        Ok(found.and_then(|row| row.into_user(now)))
    }

    async fn delete_session(&self, by: &Actor, token_hash: &str) -> StoreResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("delete from sessions where token_hash = ?1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit(&mut tx, by, "session.delete", "user", &by.user_id).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn create_round(&self, by: &Actor, round: NewRound) -> StoreResult<Round> {
        let district_id = by.district_id.as_str();
        let id = new_id();
        let mut tx = self.write().await?;
        sqlx::query(
            "insert into rounds (id, district_id, title, budget_fen, opens_at, closes_at, status, created_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, 'draft', ?7)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&round.title)
        .bind(round.budget.get())
        .bind(round.opens_at)
        .bind(round.closes_at)
        .bind(OffsetDateTime::now_utc())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let created = load_round(&mut tx, district_id, &id).await?;
        audit(&mut tx, by, "round.create", "round", &id).await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn round(&self, district_id: &str, id: &str) -> StoreResult<Round> {
        let mut c = self.reader.acquire().await.map_err(db)?;
        load_round(&mut c, district_id, id).await
    }

    async fn transition_round(
        &self,
        by: &Actor,
        id: &str,
        action: RoundAction,
    ) -> StoreResult<Round> {
        let district_id = by.district_id.as_str();
        let mut tx = self.write().await?;
        let round = load_round(&mut tx, district_id, id).await?;
        let next = round.status.apply(action)?;
        sqlx::query("update rounds set status = ?1 where id = ?2")
            .bind(next.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let moved = load_round(&mut tx, district_id, id).await?;
        audit(&mut tx, by, &format!("round.{action}"), "round", id).await?;
        tx.commit().await.map_err(db)?;
        Ok(moved)
    }

    async fn create_project(&self, by: &Actor, project: NewProject) -> StoreResult<Project> {
        let district_id = by.district_id.as_str();
        let id = new_id();
        let mut tx = self.write().await?;
        let round = load_round(&mut tx, district_id, &project.round_id).await?;
        if !round.status.accepts_proposals() {
            return Err(DomainError::InvalidTransition {
                entity: "round",
                from: round.status.as_str(),
                action: "propose",
            }
            .into());
        }
        sqlx::query(
            "insert into projects (id, district_id, round_id, organization_id, title, area, min_age, max_age, capacity,
             unit_price_fen, sessions_offered, description, badges, status, created_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'submitted', ?14)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&project.round_id)
        .bind(&project.organization_id)
        .bind(&project.title)
        .bind(&project.area)
        .bind(project.min_age)
        .bind(project.max_age)
        .bind(project.capacity)
        .bind(project.unit_price.get())
        .bind(project.sessions_offered)
        .bind(&project.description)
        .bind(json(&project.badges))
        .bind(OffsetDateTime::now_utc())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let created = load_project(&mut tx, district_id, &id).await?;
        audit(&mut tx, by, "project.create", "project", &id).await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn project(&self, district_id: &str, id: &str) -> StoreResult<Project> {
        let mut c = self.reader.acquire().await.map_err(db)?;
        load_project(&mut c, district_id, id).await
    }

    async fn approve_project(
        &self,
        by: &Actor,
        id: &str,
        sessions_bought: u32,
    ) -> StoreResult<Project> {
        let district_id = by.district_id.as_str();
        let mut tx = self.write().await?;
        let project = load_project(&mut tx, district_id, id).await?;
        let round = load_round(&mut tx, district_id, &project.round_id).await?;
        let purchase = round::Purchase {
            sessions_bought,
            sessions_offered: project.sessions_offered,
            unit_price: Fen::parse("unit_price_fen", project.unit_price_fen)?,
            budget: Fen::parse("budget_fen", round.budget_fen)?,
            already_approved: Fen::parse("budget_fen", round.approved_fen)?,
        };
        let next = round::approve(project.status, round.status, purchase)?;
        sqlx::query("update projects set status = ?1, sessions_bought = ?2 where id = ?3")
            .bind(next.as_str())
            .bind(sessions_bought)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let moved = load_project(&mut tx, district_id, id).await?;
        audit(&mut tx, by, "project.approve", "project", id).await?;
        tx.commit().await.map_err(db)?;
        Ok(moved)
    }

    async fn reject_project(&self, by: &Actor, id: &str, reason: &str) -> StoreResult<Project> {
        let district_id = by.district_id.as_str();
        let mut tx = self.write().await?;
        let project = load_project(&mut tx, district_id, id).await?;
        let round = load_round(&mut tx, district_id, &project.round_id).await?;
        let next = round::decide(project.status, round.status, ProjectAction::Reject)?;
        sqlx::query("update projects set status = ?1, reason = ?2 where id = ?3")
            .bind(next.as_str())
            .bind(reason)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let moved = load_project(&mut tx, district_id, id).await?;
        audit(&mut tx, by, "project.reject", "project", id).await?;
        tx.commit().await.map_err(db)?;
        Ok(moved)
    }

    async fn menu(&self, district_id: &str) -> StoreResult<Vec<MenuItem>> {
        #[derive(FromRow)]
        struct MenuRow {
            id: String,
            title: String,
            area: String,
            organization_id: String,
            organization_name: String,
            min_age: i64,
            max_age: i64,
            capacity: i64,
            unit_price_fen: i64,
            sessions_left: i64,
            review_count: i64,
            rating_sum: f64,
        }
        let rows: Vec<MenuRow> = sqlx::query_as(
            "select p.id, p.title, p.area, p.organization_id, o.name as organization_name, p.min_age, p.max_age,
                p.capacity, p.unit_price_fen,
                p.sessions_bought - coalesce((select sum(x.sessions) from orders x where x.project_id = p.id
                    and x.status not in ('rejected', 'declined', 'cancelled')), 0) as sessions_left,
                (select count(*) from reviews v where v.organization_id = p.organization_id
                    and v.status = 'visible' and v.rating is not null and v.author_id is not null) as review_count,
                coalesce((select sum(v.rating) from reviews v where v.organization_id = p.organization_id
                    and v.status = 'visible' and v.rating is not null and v.author_id is not null), 0.0) as rating_sum
             from projects p join organizations o on o.id = p.organization_id
             join rounds r on r.id = p.round_id
             where p.district_id = ?1 and p.status = 'approved' and r.status != 'draft'
             order by p.id",
        )
        .bind(district_id)
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| MenuItem {
                id_key: r.id.clone(),
                project_id: r.id,
                title: r.title,
                area: r.area,
                organization: OrgRef {
                    id: r.organization_id,
                    name: r.organization_name,
                },
                min_age: count(r.min_age),
                max_age: count(r.max_age),
                capacity: count(r.capacity),
                unit_price_fen: r.unit_price_fen,
                sessions_left: count(r.sessions_left.max(0)),
                rating: (youthloop_domain::scorecard::bayesian_average(
                    count(r.review_count).into(),
                    r.rating_sum,
                ) * 100.0)
                    .round()
                    / 100.0,
                fit: None,
            })
            .collect())
    }

    async fn create_order(
        &self,
        actor: &Actor,
        order: NewOrder,
        now: OffsetDateTime,
    ) -> StoreResult<Order> {
        let district_id = actor.district_id.as_str();
        let mut tx = self.write().await?;
        let project = load_project(&mut tx, district_id, &order.project_id).await?;
        if project.status != ProjectStatus::Approved {
            return Err(StoreError::NotFound);
        }
        let community: Option<String> = sqlx::query_scalar(
            "select c.id from regions c join regions s on s.district_id = c.district_id
             and substr(c.path, 1, length(s.path)) = s.path
             where c.district_id = ?1 and c.id = ?2 and c.kind = 'community'
             and s.id in (select value from json_each(?3)) limit 1",
        )
        .bind(district_id)
        .bind(&order.community_id)
        .bind(json(&actor.region_ids()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if community.is_none() {
            return Err(StoreError::NotFound);
        }
        if order.sessions > sessions_left(&mut tx, &project).await? {
            return Err(DomainError::SoldOut.into());
        }
        let id = new_id();
        sqlx::query(
            "insert into orders (id, district_id, project_id, community_id, organization_id, sessions, window_start,
             window_end, venue, expected_participants, notes, status, status_at, created_by, created_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'submitted', ?12, ?13, ?12)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&project.id)
        .bind(&order.community_id)
        .bind(&project.organization_id)
        .bind(order.sessions)
        .bind(order.window_start)
        .bind(order.window_end)
        .bind(&order.venue)
        .bind(order.expected_participants)
        .bind(&order.notes)
        .bind(now)
        .bind(&actor.user_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_history(
            &mut tx,
            district_id,
            &id,
            OrderStatus::Submitted,
            &actor.user_id,
            None,
            now,
        )
        .await?;
        let created = load_order(&mut tx, actor, &id, now).await?;
        audit(&mut tx, actor, "order.create", "order", &id).await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn orders(
        &self,
        actor: &Actor,
        page: &Page,
        now: OffsetDateTime,
    ) -> StoreResult<Paged<Order>> {
        let mut c = self.reader.acquire().await.map_err(db)?;
        let sql = format!("select {ORDER_COLUMNS} from orders o where {ORDER_SCOPE} and o.id > ?5 order by o.id limit ?6");
        let rows = bind_scope(sqlx::query_as(&sql), actor)
            .bind(after(page))
            .bind(fetch_limit(page))
            .fetch_all(&mut *c)
            .await
            .map_err(db)?;
        let mut orders = Vec::with_capacity(rows.len());
        for row in rows {
            orders.push(into_order(&mut c, row, now).await?);
        }
        Ok(Paged::from_rows(orders, page, |o| o.id.clone()))
    }

    async fn order(&self, actor: &Actor, id: &str, now: OffsetDateTime) -> StoreResult<Order> {
        let mut c = self.reader.acquire().await.map_err(db)?;
        load_order(&mut c, actor, id, now).await
    }

    async fn transition_order(
        &self,
        actor: &Actor,
        id: &str,
        action: OrderAction,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<Order> {
        let mut tx = self.write().await?;
        let order = load_order(&mut tx, actor, id, now).await?;
        step_order(&mut tx, &order, action, &actor.user_id, reason, now).await?;
        let moved = load_order(&mut tx, actor, id, now).await?;
        audit(&mut tx, actor, &format!("order.{action}"), "order", id).await?;
        tx.commit().await.map_err(db)?;
        Ok(moved)
    }

    async fn create_activity(&self, by: &Actor, activity: NewActivity) -> StoreResult<Activity> {
        let district_id = by.district_id.as_str();
        let id = new_id();
        let mut tx = self.write().await?;
        if let Some(order_id) = &activity.order_id {
            let status: Option<String> = sqlx::query_scalar(
                "select status from orders where district_id = ?1 and id = ?2 and organization_id = ?3",
            )
            .bind(district_id)
            .bind(order_id)
            .bind(&activity.organization_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            let status: OrderStatus = parse_status(status.ok_or(StoreError::NotFound)?)?;
            if !status.takes_sessions() {
                return Err(DomainError::InvalidTransition {
                    entity: "order",
                    from: status.as_str(),
                    action: "schedule",
                }
                .into());
            }
            let using = ActivityStatus::ALL.iter().filter(|s| s.uses_a_session());
            let (sessions, scheduled): (i64, i64) = sqlx::query_as(&format!(
                "select o.sessions, (select count(*) from activities a where a.order_id = o.id and a.status in ({}))
                 from orders o where o.district_id = ?1 and o.id = ?2",
                sql_names(using)
            ))
            .bind(district_id)
            .bind(order_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            check_sessions(count(sessions), count(scheduled))?;
        }
        sqlx::query(
            "insert into activities (id, district_id, organization_id, order_id, title, description, starts_at, ends_at,
             venue, capacity, waitlist_capacity, min_age, max_age, registration_opens_at, registration_closes_at,
             badges, status, created_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'draft', ?17)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&activity.organization_id)
        .bind(&activity.order_id)
        .bind(&activity.title)
        .bind(&activity.description)
        .bind(activity.starts_at)
        .bind(activity.ends_at)
        .bind(&activity.venue)
        .bind(activity.capacity)
        .bind(activity.waitlist_capacity)
        .bind(activity.min_age)
        .bind(activity.max_age)
        .bind(activity.registration_opens_at)
        .bind(activity.registration_closes_at)
        .bind(json(&activity.badges))
        .bind(OffsetDateTime::now_utc())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let created = load_activity(
            &mut tx,
            district_id,
            &id,
            std::slice::from_ref(&activity.organization_id),
        )
        .await?;
        audit(&mut tx, by, "activity.create", "activity", &id).await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn activities(
        &self,
        district_id: &str,
        org_ids: &[String],
        page: &Page,
    ) -> StoreResult<Paged<Activity>> {
        let sql = format!(
            "select {ACTIVITY_COLUMNS} from activities a where a.district_id = ?1
             and (a.status != 'draft' or a.organization_id in (select value from json_each(?2)))
             and a.id > ?3 order by a.id limit ?4"
        );
        let rows: Vec<ActivityRow> = sqlx::query_as(&sql)
            .bind(district_id)
            .bind(json(&org_ids))
            .bind(after(page))
            .bind(fetch_limit(page))
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        let items = rows
            .into_iter()
            .map(ActivityRow::into_activity)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::from_rows(items, page, |a| a.id.clone()))
    }

    async fn activity(
        &self,
        district_id: &str,
        id: &str,
        org_ids: &[String],
    ) -> StoreResult<Activity> {
        let mut c = self.reader.acquire().await.map_err(db)?;
        load_activity(&mut c, district_id, id, org_ids).await
    }

    async fn transition_activity(
        &self,
        actor: &Actor,
        id: &str,
        action: ActivityAction,
        now: OffsetDateTime,
    ) -> StoreResult<Activity> {
        let org_ids = actor.org_ids();
        let district_id = actor.district_id.as_str();
        let mut tx = self.write().await?;
        let current = load_activity(&mut tx, district_id, id, &org_ids).await?;
        if !org_ids.contains(&current.organization_id) {
            return Err(StoreError::NotFound);
        }
        let next = current.status.apply(action)?;
        check_step_time(action, current.ends_at, now)?;
        if let (ActivityAction::Publish, Some(order_id)) = (action, &current.order_id) {
            // A session of an order is published only while the order stands.
            let order = load_order(&mut tx, actor, order_id, now).await?;
            if !order.status.takes_sessions() {
                return Err(DomainError::InvalidTransition {
                    entity: "order",
                    from: order.status.as_str(),
                    action: "publish",
                }
                .into());
            }
        }
        sqlx::query("update activities set status = ?1 where id = ?2")
            .bind(next.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        // What follows for the registrations: a finished activity marks who never came,
        // a cancelled one releases everyone; no one waits for either any more.
        match next {
            ActivityStatus::Finished => {
                settle_registrations(&mut tx, id, RegistrationAction::MarkNoShow, now).await?
            }
            ActivityStatus::Cancelled => {
                settle_registrations(&mut tx, id, RegistrationAction::Cancel, now).await?
            }
            _ => {}
        }
        // What follows for the order: scheduled with its first published session,
        // delivered when all its sessions are finished.
        if let Some(order_id) = &current.order_id {
            let order = load_order(&mut tx, actor, order_id, now).await?;
            let finished: i64 = sqlx::query_scalar(
                "select count(*) from activities where order_id = ?1 and status = 'finished'",
            )
            .bind(order_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let order_action = match (next, order.status) {
                (ActivityStatus::Published, OrderStatus::Accepted) => Some(OrderAction::Schedule),
                (ActivityStatus::Finished, OrderStatus::Scheduled)
                    if count(finished) >= order.sessions =>
                {
                    Some(OrderAction::Deliver)
                }
                _ => None,
            };
            if let Some(order_action) = order_action {
                step_order(&mut tx, &order, order_action, &actor.user_id, None, now).await?;
            }
        }
        let moved = load_activity(&mut tx, district_id, id, &org_ids).await?;
        audit(
            &mut tx,
            actor,
            &format!("activity.{action}"),
            "activity",
            id,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(moved)
    }

    async fn create_participants(
        &self,
        by: &Actor,
        people: Vec<NewParticipant>,
    ) -> StoreResult<Vec<Participant>> {
        let mut tx = self.write().await?;
        let mut made = Vec::with_capacity(people.len());
        for p in people {
            made.push(self.insert_participant(&mut tx, &by.district_id, p).await?);
        }
        let events: Vec<_> = made
            .iter()
            .map(|m| (by, "participant.create", "participant", m.id.as_str()))
            .collect();
        audit_many(&mut tx, &events).await?;
        tx.commit().await.map_err(db)?;
        Ok(made)
    }

    async fn children(
        &self,
        district_id: &str,
        guardian_id: &str,
        page: &Page,
    ) -> StoreResult<Paged<Participant>> {
        let rows: Vec<ParticipantRow> = sqlx::query_as(&format!(
            "select {PARTICIPANT_COLUMNS} from participants
             where district_id = ?1 and guardian_id = ?2 and id > ?3 order by id limit ?4"
        ))
        .bind(district_id)
        .bind(guardian_id)
        .bind(after(page))
        .bind(fetch_limit(page))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        let items = rows.into_iter().map(Participant::from).collect();
        Ok(Paged::from_rows(items, page, |p| p.id.clone()))
    }

    async fn participant_of(
        &self,
        district_id: &str,
        user_id: &str,
        participant_id: &str,
    ) -> StoreResult<Participant> {
        let row: ParticipantRow = sqlx::query_as(&format!(
            "select {PARTICIPANT_COLUMNS} from participants
             where district_id = ?1 and id = ?2 and (guardian_id = ?3 or user_id = ?3)"
        ))
        .bind(district_id)
        .bind(participant_id)
        .bind(user_id)
        .fetch_one(&self.reader)
        .await
        .map_err(db)?;
        Ok(row.into())
    }

    async fn give_consent(
        &self,
        by: &Actor,
        participant_id: &str,
        relation: &str,
    ) -> StoreResult<Consent> {
        let mut tx = self.write().await?;
        let child: Option<String> = sqlx::query_scalar(
            "select id from participants where district_id = ?1 and id = ?2 and guardian_id = ?3",
        )
        .bind(&by.district_id)
        .bind(participant_id)
        .bind(&by.user_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let child = child.ok_or(StoreError::NotFound)?;
        let live: Option<i64> = sqlx::query_scalar(
            "select 1 from consents where participant_id = ?1 and withdrawn_at is null",
        )
        .bind(&child)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if live.is_some() {
            return Err(StoreError::conflict(
                "consent_given",
                "已有有效同意 / Consent is already given",
            ));
        }
        let consent =
            insert_consent(&mut tx, &by.district_id, &child, &by.user_id, relation).await?;
        audit(&mut tx, by, "consent.give", "participant", &child).await?;
        tx.commit().await.map_err(db)?;
        Ok(consent)
    }

    async fn withdraw_consent(
        &self,
        by: &Actor,
        participant_id: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Withdrawal> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "update consents set withdrawn_at = ?1 where district_id = ?2 and participant_id = ?3
             and guardian_id = ?4 and withdrawn_at is null",
        )
        .bind(now)
        .bind(&by.district_id)
        .bind(participant_id)
        .bind(&by.user_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let consent = consents_of(&mut tx, participant_id)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        let cancelled = cancel_what_is_to_come(&mut tx, by, participant_id, now).await?;
        audit(
            &mut tx,
            by,
            "consent.withdraw",
            "participant",
            participant_id,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(Withdrawal {
            consent,
            cancelled_registrations: cancelled,
        })
    }

    async fn personal_data(&self, by: &Actor) -> StoreResult<PersonalData> {
        // On the writer: reading this is itself an event of the audit trail.
        let mut tx = self.write().await?;
        let user = load_user(&mut tx, Some(&by.district_id), &by.user_id).await?;
        let (phone, id_number): (String, Option<String>) =
            sqlx::query_as("select phone_sealed, id_number_sealed from users where id = ?1")
                .bind(&user.id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        let phone = self
            .keys
            .open(&format!("users.phone:{}", user.id), &phone)?;
        let id_number = id_number
            .map(|n| self.keys.open(&format!("users.id_number:{}", user.id), &n))
            .transpose()?;
        let people: Vec<(String, String, Date, String)> = sqlx::query_as(
            "select id, name, birth_date, id_number_sealed from participants
             where district_id = ?1 and (guardian_id = ?2 or user_id = ?2) order by id",
        )
        .bind(&by.district_id)
        .bind(&user.id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut participants = Vec::with_capacity(people.len());
        for (id, name, birth_date, sealed) in people {
            let sql = format!("select {REGISTRATION_COLUMNS} from registrations r where r.participant_id = ?1 order by r.id");
            let registrations: Vec<RegistrationRow> = sqlx::query_as(&sql)
                .bind(&id)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
            let badges: Vec<BadgeRow> = sqlx::query_as(
                "select id, badge_code, activity_id, awarded_at, confirmed_at from badge_awards where participant_id = ?1 order by id",
            )
            .bind(&id)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            participants.push(ParticipantData {
                id_number: self
                    .keys
                    .open(&format!("participants.id_number:{id}"), &sealed)?,
                consents: consents_of(&mut tx, &id).await?,
                registrations: registrations
                    .into_iter()
                    .map(RegistrationRow::into_registration)
                    .collect::<StoreResult<_>>()?,
                badges: badges.into_iter().map(badge_award).collect(),
                id,
                name,
                birth_date,
            });
        }
        let reviews: Vec<ReviewRow> = sqlx::query_as(&format!(
            "select {REVIEW_COLUMNS} from reviews where author_id = ?1 order by id"
        ))
        .bind(&user.id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        audit(&mut tx, by, "personal_data.export", "user", &user.id).await?;
        tx.commit().await.map_err(db)?;
        Ok(PersonalData {
            user: PersonData {
                id: user.id,
                name: user.name,
                phone,
                id_number,
                roles: user.roles,
            },
            participants,
            reviews: reviews
                .into_iter()
                .map(ReviewRow::into_review)
                .collect::<StoreResult<_>>()?,
        })
    }

    async fn erase(&self, by: &Actor, now: OffsetDateTime) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let erased_phone = self.keys.seal(&format!("users.phone:{}", by.user_id), "")?;
        let done = sqlx::query(
            "update users set name = '已注销用户', phone_hash = 'erased:' || id, phone_masked = '', phone_sealed = ?1,
             id_number_sealed = null, birth_date = null, password_hash = '!', erased_at = ?2
             where district_id = ?3 and id = ?4 and erased_at is null",
        )
        .bind(erased_phone)
        .bind(now)
        .bind(&by.district_id)
        .bind(&by.user_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let people: Vec<(String, Date)> =
            sqlx::query_as("select id, birth_date from participants where district_id = ?1 and (guardian_id = ?2 or user_id = ?2)")
                .bind(&by.district_id)
                .bind(&by.user_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
        for (id, birth_date) in people {
            // The year of birth stays, so that age-band statistics still add up.
            let year_only = Date::from_calendar_date(birth_date.year(), time::Month::January, 1)
                .unwrap_or(birth_date);
            sqlx::query(
                "update participants set name = '已删除', id_number_masked = '', id_number_sealed = ?1, id_number_hash = 'erased:' || id,
                 birth_date = ?2, erased_at = ?3 where id = ?4",
            )
            .bind(self.keys.seal(&format!("participants.id_number:{id}"), "")?)
            .bind(year_only)
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            sqlx::query("update consents set withdrawn_at = ?1 where participant_id = ?2 and withdrawn_at is null")
                .bind(now)
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            cancel_what_is_to_come(&mut tx, by, &id, now).await?;
        }
        // Ratings stay for the scorecards; the words, which may identify, go.
        sqlx::query("update reviews set text = '' where author_id = ?1")
            .bind(&by.user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("delete from sessions where user_id = ?1")
            .bind(&by.user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit(&mut tx, by, "user.erase", "user", &by.user_id).await?;
        tx.commit().await.map_err(db)?;
        // The old values still stand in the write-ahead log until it is copied back and
        // emptied: do that now, waiting for readers of older snapshots to finish.
        // The erasure itself is committed: a failure here is logged, never reported as one.
        let checkpoint: Result<(i64, i64, i64), _> =
            sqlx::query_as("pragma wal_checkpoint(truncate)")
                .fetch_one(&self.writer)
                .await;
        match checkpoint {
            Ok((0, _, _)) => {}
            Ok(_) => tracing::warn!(
                "the log was not emptied after an erasure: readers held it; the next checkpoint will"
            ),
            Err(e) => tracing::warn!(error = %e, "the log was not emptied after an erasure"),
        }
        Ok(())
    }

    async fn register(
        &self,
        by: &Actor,
        attempt: RegistrationAttempt,
        now: OffsetDateTime,
    ) -> StoreResult<Registered> {
        self.admissions
            .submit(Request {
                by: by.clone(),
                attempt,
                now,
            })
            .await
    }

    async fn cancel_registration(
        &self,
        actor: &Actor,
        id: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Registration> {
        let district_id = actor.district_id.as_str();
        let mut tx = self.write().await?;
        // Who may cancel: who made it, or the activity's organization.
        let found: Option<(String, String)> = sqlx::query_as(
            "select r.activity_id, r.status from registrations r join activities a on a.id = r.activity_id
             where r.district_id = ?1 and r.id = ?2
             and (r.made_by = ?3 or a.organization_id in (select value from json_each(?4)))",
        )
        .bind(district_id)
        .bind(id)
        .bind(&actor.user_id)
        .bind(json(&actor.org_ids()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let (activity_id, status) = found.ok_or(StoreError::NotFound)?;
        let was: RegistrationStatus = parse_status(status)?;
        let next = was.apply(RegistrationAction::Cancel)?;
        set_registration(&mut tx, id, next, now).await?;
        if was == RegistrationStatus::Confirmed {
            let activity =
                load_activity(&mut tx, district_id, &activity_id, &actor.org_ids()).await?;
            promote_first(&mut tx, &activity, now).await?;
        }
        let cancelled = load_registration(&mut tx, district_id, id).await?;
        audit(&mut tx, actor, "registration.cancel", "registration", id).await?;
        tx.commit().await.map_err(db)?;
        Ok(cancelled)
    }

    async fn registrations(
        &self,
        district_id: &str,
        activity_id: &str,
        page: &Page,
    ) -> StoreResult<Paged<Registration>> {
        let sql = format!(
            "select {REGISTRATION_COLUMNS} from registrations r where r.district_id = ?1 and r.activity_id = ?2
             and r.id > ?3 order by r.id limit ?4"
        );
        let rows: Vec<RegistrationRow> = sqlx::query_as(&sql)
            .bind(district_id)
            .bind(activity_id)
            .bind(after(page))
            .bind(fetch_limit(page))
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        let items = rows
            .into_iter()
            .map(RegistrationRow::into_registration)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::from_rows(items, page, |r| r.id.clone()))
    }

    async fn check_in(
        &self,
        by: &Actor,
        activity_id: &str,
        who: CheckinBy<'_>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<String>> {
        let district_id = by.district_id.as_str();
        let mut tx = self.write().await?;
        let activity = load_activity(&mut tx, district_id, activity_id, &[]).await?;
        let found: Option<(String, String, String, Date, bool)> = match who {
            CheckinBy::Participant { user_id, participant_id } => sqlx::query_as(&format!(
                "{CHECKIN_COLUMNS} where r.activity_id = ?1 and r.participant_id = ?2
                 and (p.guardian_id = ?3 or p.user_id = ?3) and r.status in ('confirmed', 'attended')"
            ))
            .bind(activity_id)
            .bind(participant_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?,
            CheckinBy::Staff { org_ids, registration_id } => {
                if !org_ids.contains(&activity.organization_id) {
                    return Err(StoreError::NotFound);
                }
                sqlx::query_as(&format!(
                    "{CHECKIN_COLUMNS} where r.activity_id = ?1 and r.id = ?2"
                ))
                .bind(activity_id)
                .bind(registration_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
            }
        };
        let (registration_id, status, participant_id, birth_date, has_consent) =
            found.ok_or(StoreError::NotFound)?;
        check_attendance(&Attendance {
            status: activity.status,
            starts_at: activity.starts_at,
            ends_at: activity.ends_at,
            window: district_settings(&mut tx, district_id).await?.checkin,
            birth_date,
            has_consent,
            now,
        })?;
        let status: RegistrationStatus = parse_status(status)?;
        // A second scan of the same code is harmless: it answers as the first did.
        if status != RegistrationStatus::Attended {
            let next = status.apply(RegistrationAction::Attend)?;
            set_registration(&mut tx, &registration_id, next, now).await?;
            audit(
                &mut tx,
                by,
                "registration.attend",
                "registration",
                &registration_id,
            )
            .await?;
            for code in &activity.badges {
                sqlx::query(
                    "insert into badge_awards (id, district_id, participant_id, badge_code, activity_id, awarded_at)
                     values (?1, ?2, ?3, ?4, ?5, ?6) on conflict do nothing",
                )
                .bind(new_id())
                .bind(district_id)
                .bind(&participant_id)
                .bind(code)
                .bind(activity_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(activity.badges)
    }

    async fn badges(
        &self,
        district_id: &str,
        participant_id: &str,
        page: &Page,
    ) -> StoreResult<Paged<BadgeAward>> {
        let rows: Vec<(
            String,
            String,
            String,
            OffsetDateTime,
            Option<OffsetDateTime>,
        )> = sqlx::query_as(
            "select id, badge_code, activity_id, awarded_at, confirmed_at from badge_awards
             where district_id = ?1 and participant_id = ?2 and id > ?3 order by id limit ?4",
        )
        .bind(district_id)
        .bind(participant_id)
        .bind(after(page))
        .bind(fetch_limit(page))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        let items = rows.into_iter().map(badge_award).collect();
        Ok(Paged::from_rows(items, page, |b| b.id.clone()))
    }

    async fn attended(
        &self,
        district_id: &str,
        activity_id: &str,
        user_id: &str,
    ) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "select 1 from registrations r join participants p on p.id = r.participant_id
             where r.district_id = ?1 and r.activity_id = ?2 and r.status = 'attended'
             and (p.guardian_id = ?3 or p.user_id = ?3) limit 1",
        )
        .bind(district_id)
        .bind(activity_id)
        .bind(user_id)
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        Ok(found.is_some())
    }

    async fn create_review(&self, by: &Actor, review: NewReview) -> StoreResult<Review> {
        let district_id = by.district_id.as_str();
        let mut tx = self.write().await?;
        let id = new_id();
        let ratings = review.ratings;
        let rating = ratings
            .map(|r| (r.mean() * 100.0).round() / 100.0)
            .or(review.rating);
        sqlx::query(
            "insert into reviews (id, district_id, target_kind, target_id, organization_id, author_id, author_role,
             content, organization_rating, effect, rating, text, status, reason, created_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(review.target.as_str())
        .bind(&review.target_id)
        .bind(&review.organization_id)
        .bind(&review.author_id)
        .bind(&review.author_role)
        .bind(ratings.map(|r| r.content))
        .bind(ratings.map(|r| r.organization))
        .bind(ratings.map(|r| r.effect))
        .bind(rating)
        .bind(&review.text)
        .bind(review.status.as_str())
        .bind(&review.reason)
        .bind(OffsetDateTime::now_utc())
        .execute(&mut *tx)
        .await
        .map_err(unique("already_reviewed", "您已评价过 / You have already reviewed this"))?;
        audit(&mut tx, by, "review.create", "review", &id).await?;
        tx.commit().await.map_err(db)?;
        let row: ReviewRow = sqlx::query_as(&format!(
            "select {REVIEW_COLUMNS} from reviews where id = ?1"
        ))
        .bind(&id)
        .fetch_one(&self.writer)
        .await
        .map_err(db)?;
        row.into_review()
    }

    async fn recent_comments(
        &self,
        district_id: &str,
        organization_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "select text from reviews where district_id = ?1 and organization_id = ?2 and target_kind = 'organization'
             order by id desc limit ?3",
        )
        .bind(district_id)
        .bind(organization_id)
        .bind(limit)
        .fetch_all(&self.reader)
        .await
        .map_err(db)
    }

    async fn reviews(
        &self,
        district_id: &str,
        organization_id: &str,
        page: &Page,
    ) -> StoreResult<Paged<Review>> {
        let rows: Vec<ReviewRow> = sqlx::query_as(&format!(
            "select {REVIEW_COLUMNS} from reviews
             where district_id = ?1 and organization_id = ?2 and status = 'visible' and id > ?3 order by id limit ?4"
        ))
        .bind(district_id)
        .bind(organization_id)
        .bind(after(page))
        .bind(fetch_limit(page))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        let items = rows
            .into_iter()
            .map(ReviewRow::into_review)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::from_rows(items, page, |r| r.id.clone()))
    }

    async fn open_case(&self, by: &Actor, case: NewCase) -> StoreResult<CaseFile> {
        let id = new_id();
        let now = OffsetDateTime::now_utc();
        let mut tx = self.write().await?;
        // The supervisor serves the same organization, as a social worker or its admin.
        let supervisor: Option<i64> = sqlx::query_scalar(
            "select 1 from user_roles where district_id = ?1 and user_id = ?2 and scope_id = ?3
             and role in ('social_worker', 'org_admin') and user_id != ?4 limit 1",
        )
        .bind(&by.district_id)
        .bind(&case.supervisor_id)
        .bind(&case.organization_id)
        .bind(&by.user_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if supervisor.is_none() {
            return Err(DomainError::invalid(
                "supervisor_id",
                "督导须为本机构的另一名社工或管理员 / The supervisor is another worker or admin of the organization",
            )
            .into());
        }
        sqlx::query(
            "insert into cases (id, district_id, organization_id, subject_name_sealed, subject_birth_date, category,
             status, worker_id, supervisor_id, guardian_name_sealed, consent_relation, consent_scope, consent_at, opened_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, 'intake', ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
        )
        .bind(&id)
        .bind(&by.district_id)
        .bind(&case.organization_id)
        .bind(self.keys.seal(&format!("cases.subject_name:{id}"), &case.subject_name)?)
        .bind(case.subject_birth_date)
        .bind(case.category.as_str())
        .bind(&by.user_id)
        .bind(&case.supervisor_id)
        .bind(self.keys.seal(&format!("cases.guardian_name:{id}"), &case.guardian_name)?)
        .bind(&case.relation)
        .bind(&case.consent_scope)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit(&mut tx, by, "case.open", "case", &id).await?;
        let file = self.load_case(&mut tx, by, &id, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(file)
    }

    async fn cases(&self, by: &Actor, now: OffsetDateTime) -> StoreResult<Vec<CaseSummary>> {
        let mut tx = self.write().await?;
        let sql = format!("select {CASE_COLUMNS} from cases c where {CASE_ACCESS} order by c.id");
        let rows: Vec<CaseRow> = sqlx::query_as(&sql)
            .bind(&by.district_id)
            .bind(&by.user_id)
            .bind(now)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        let summaries = rows
            .into_iter()
            .map(|r| self.case_summary(r, true))
            .collect::<StoreResult<Vec<_>>>()?;
        audit(&mut tx, by, "case.list", "user", &by.user_id).await?;
        tx.commit().await.map_err(db)?;
        Ok(summaries)
    }

    async fn case_file(&self, by: &Actor, id: &str, now: OffsetDateTime) -> StoreResult<CaseFile> {
        let mut tx = self.write().await?;
        let file = self.load_case(&mut tx, by, id, now).await?;
        audit(&mut tx, by, "case.read", "case", id).await?;
        tx.commit().await.map_err(db)?;
        Ok(file)
    }

    async fn record_case(
        &self,
        by: &Actor,
        id: &str,
        action: CaseAction,
        risk: Option<RiskLevel>,
        text: &str,
        now: OffsetDateTime,
    ) -> StoreResult<CaseFile> {
        let mut tx = self.write().await?;
        let file = self.load_case(&mut tx, by, id, now).await?;
        // Grantees read; only the worker and the supervisor write.
        if by.user_id != file.summary.worker_id && by.user_id != file.summary.supervisor_id {
            return Err(StoreError::NotFound);
        }
        let next = file.summary.status.apply(action)?;
        sqlx::query(
            "update cases set status = ?1, risk_level = coalesce(?2, risk_level),
             closed_at = case when ?1 = 'closed' then ?3 else closed_at end where id = ?4",
        )
        .bind(next.as_str())
        .bind(risk.map(RiskLevel::as_str))
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let note_id = new_id();
        sqlx::query(
            "insert into case_notes (id, district_id, case_id, kind, text_sealed, author_id, at) values (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(&note_id)
        .bind(&by.district_id)
        .bind(id)
        .bind(action.as_str())
        .bind(self.keys.seal(&format!("case_notes.text:{note_id}"), text)?)
        .bind(&by.user_id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit(&mut tx, by, &format!("case.{action}"), "case", id).await?;
        let file = self.load_case(&mut tx, by, id, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(file)
    }

    async fn grant_case(
        &self,
        by: &Actor,
        id: &str,
        grantee_id: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<CaseGrant> {
        let mut tx = self.write().await?;
        let file = self.load_case(&mut tx, by, id, now).await?;
        if by.user_id != file.summary.worker_id && by.user_id != file.summary.supervisor_id {
            return Err(StoreError::NotFound);
        }
        let colleague: Option<i64> = sqlx::query_scalar(
            "select 1 from user_roles r join cases c on c.organization_id = r.scope_id
             where c.id = ?1 and r.user_id = ?2 and r.role in ('social_worker', 'org_admin') limit 1",
        )
        .bind(id)
        .bind(grantee_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if colleague.is_none() {
            return Err(DomainError::invalid(
                "user_id",
                "只能授权给本机构的社工 / Grant only to a worker of the organization",
            )
            .into());
        }
        let grant = CaseGrant {
            id: new_id(),
            case_id: id.to_owned(),
            grantee_id: grantee_id.to_owned(),
            expires_at,
        };
        sqlx::query(
            "insert into case_grants (id, district_id, case_id, grantee_id, granted_by, expires_at, created_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(&grant.id)
        .bind(&by.district_id)
        .bind(id)
        .bind(grantee_id)
        .bind(&by.user_id)
        .bind(expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit(&mut tx, by, "case.grant", "case", id).await?;
        tx.commit().await.map_err(db)?;
        Ok(grant)
    }

    async fn case_counts(&self, district_id: &str) -> StoreResult<Vec<CaseCount>> {
        let rows: Vec<(String, Option<String>, String, i64)> = sqlx::query_as(
            "select category, risk_level, status, count(*) from cases where district_id = ?1
             group by category, risk_level, status order by category, risk_level, status",
        )
        .bind(district_id)
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|(category, risk, status, n)| {
                Ok(CaseCount {
                    category: parse_status(category)?,
                    risk_level: risk.map(parse_status).transpose()?,
                    status: parse_status(status)?,
                    count: count(n),
                })
            })
            .collect()
    }

    async fn reseal(&self, batch: u32) -> StoreResult<u64> {
        let current = format!("x1.{}.%", self.keys.primary_id());
        let mut tx = self.write().await?;
        let users: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "select id, phone_sealed, id_number_sealed from users
             where phone_sealed not like ?1 or (id_number_sealed is not null and id_number_sealed not like ?1) limit ?2",
        )
        .bind(&current)
        .bind(batch)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for (id, phone, id_number) in &users {
            let phone = self.keys.open(&format!("users.phone:{id}"), phone)?;
            let id_context = format!("users.id_number:{id}");
            let id_number = id_number
                .as_ref()
                .map(|n| self.keys.open(&id_context, n))
                .transpose()?;
            sqlx::query("update users set phone_hash = ?1, phone_sealed = ?2, id_number_sealed = ?3 where id = ?4")
                .bind(self.keys.lookup("phone", &phone))
                .bind(self.keys.seal(&format!("users.phone:{id}"), &phone)?)
                .bind(id_number.map(|n| self.keys.seal(&id_context, &n)).transpose()?)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let participants: Vec<(String, String)> = sqlx::query_as(
            "select id, id_number_sealed from participants where id_number_sealed not like ?1 limit ?2",
        )
        .bind(&current)
        .bind(batch)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for (id, sealed) in &participants {
            let context = format!("participants.id_number:{id}");
            let clear = self.keys.open(&context, sealed)?;
            sqlx::query(
                "update participants set id_number_sealed = ?1, id_number_hash = ?2 where id = ?3",
            )
            .bind(self.keys.seal(&context, &clear)?)
            .bind(self.keys.lookup("id_number", &clear))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        // Single sealed columns: (table, column, context prefix).
        let mut other = 0;
        for (table, column, context) in [
            ("cases", "subject_name_sealed", "cases.subject_name"),
            ("cases", "guardian_name_sealed", "cases.guardian_name"),
            ("case_notes", "text_sealed", "case_notes.text"),
        ] {
            let rows: Vec<(String, String)> = sqlx::query_as(&format!(
                "select id, {column} from {table} where {column} not like ?1 limit ?2"
            ))
            .bind(&current)
            .bind(batch)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            for (id, sealed) in &rows {
                let context = format!("{context}:{id}");
                let clear = self.keys.open(&context, sealed)?;
                sqlx::query(&format!("update {table} set {column} = ?1 where id = ?2"))
                    .bind(self.keys.seal(&context, &clear)?)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            other += rows.len();
        }
        let secrets: Vec<(String, String, String)> = sqlx::query_as(
            "select district_id, name, value_sealed from secrets where value_sealed not like ?1 limit ?2",
        )
        .bind(&current)
        .bind(batch)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for (district_id, name, sealed) in &secrets {
            let context = format!("secrets.value:{district_id}:{name}");
            let clear = self.keys.open(&context, sealed)?;
            sqlx::query(
                "update secrets set value_sealed = ?1 where district_id = ?2 and name = ?3",
            )
            .bind(self.keys.seal(&context, &clear)?)
            .bind(district_id)
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        other += secrets.len();
        tx.commit().await.map_err(db)?;
        Ok((users.len() + participants.len() + other) as u64)
    }

    async fn audit_events(&self, district_id: &str, page: &Page) -> StoreResult<Paged<AuditEntry>> {
        let after: i64 = page
            .after
            .as_deref()
            .and_then(|a| a.parse().ok())
            .unwrap_or(0);
        let rows: Vec<(i64, String, String, String, String, String, String, String)> = sqlx::query_as(
            "select seq, at, actor, action, record_kind, record_id, address, hash from audit_events
             where district_id = ?1 and seq > ?2 order by seq limit ?3",
        )
        .bind(district_id)
        .bind(after)
        .bind(fetch_limit(page))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        let items = rows
            .into_iter()
            .map(
                |(seq, at, actor, action, record_kind, record_id, address, hash)| AuditEntry {
                    seq,
                    at,
                    actor,
                    action,
                    record_kind,
                    record_id,
                    address,
                    hash,
                },
            )
            .collect();
        Ok(Paged::from_rows(items, page, |e| e.seq.to_string()))
    }

    async fn audit_chains(&self) -> StoreResult<Vec<AuditChain>> {
        #[derive(FromRow)]
        struct EventRow {
            district_id: String,
            seq: i64,
            at: String,
            actor: String,
            action: String,
            record_kind: String,
            record_id: String,
            address: String,
            prev_hash: String,
            hash: String,
        }
        let heads: Vec<(String, i64, String)> =
            sqlx::query_as("select district_id, seq, hash from audit_heads")
                .fetch_all(&self.reader)
                .await
                .map_err(db)?;
        let mut districts: Vec<String> =
            sqlx::query_scalar("select distinct district_id from audit_events")
                .fetch_all(&self.reader)
                .await
                .map_err(db)?;
        districts.extend(
            heads
                .iter()
                .map(|h| h.0.clone())
                .filter(|d| !districts.contains(d))
                .collect::<Vec<_>>(),
        );
        let mut chains = Vec::new();
        for district_id in districts {
            let rows: Vec<EventRow> = sqlx::query_as(
                "select district_id, seq, at, actor, action, record_kind, record_id, address, prev_hash, hash
                 from audit_events where district_id = ?1 order by seq",
            )
            .bind(&district_id)
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
            let events = rows
                .into_iter()
                .map(|r| audit::Event {
                    district_id: r.district_id,
                    seq: r.seq,
                    at: r.at,
                    actor: r.actor,
                    action: r.action,
                    record_kind: r.record_kind,
                    record_id: r.record_id,
                    address: r.address,
                    prev_hash: r.prev_hash,
                    hash: r.hash,
                })
                .collect();
            let head = heads
                .iter()
                .find(|h| h.0 == district_id)
                .map(|h| (h.1, h.2.clone()));
            chains.push(AuditChain {
                district_id,
                events,
                head,
            });
        }
        Ok(chains)
    }

    async fn upcoming(
        &self,
        district_id: &str,
        filter: &ActivityFilter,
    ) -> StoreResult<Vec<ActivityCard>> {
        reads::upcoming(&self.reader, district_id, filter).await
    }

    async fn my_registrations(
        &self,
        district_id: &str,
        user_id: &str,
    ) -> StoreResult<Vec<MyRegistration>> {
        reads::my_registrations(&self.reader, district_id, user_id).await
    }

    async fn rounds(&self, district_id: &str) -> StoreResult<Vec<Round>> {
        reads::rounds(&self.reader, district_id).await
    }

    async fn projects(&self, district_id: &str, round_id: &str) -> StoreResult<Vec<Project>> {
        reads::projects(&self.reader, district_id, round_id).await
    }

    async fn district_figures(&self, district_id: &str) -> StoreResult<DistrictFigures> {
        reads::district_figures(&self.reader, district_id).await
    }

    async fn activity_facts(&self, district_id: &str) -> StoreResult<Vec<ActivityFact>> {
        reads::activity_facts(&self.reader, district_id).await
    }

    async fn satisfaction_by_org(&self, district_id: &str) -> StoreResult<Vec<OrgSatisfaction>> {
        reads::satisfaction_by_org(&self.reader, district_id).await
    }

    async fn colleagues(
        &self,
        district_id: &str,
        organization_id: &str,
    ) -> StoreResult<Vec<Colleague>> {
        reads::colleagues(&self.reader, district_id, organization_id).await
    }

    async fn project_titles(
        &self,
        district_id: &str,
    ) -> StoreResult<std::collections::HashMap<String, String>> {
        reads::project_titles(&self.reader, district_id).await
    }

    async fn scorecard_facts(
        &self,
        district_id: &str,
        organization_id: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<Facts> {
        let (delivered, on_time, attended, no_show): (i64, i64, i64, i64) = sqlx::query_as(
            "select count(*),
                coalesce(sum(case when o.id is null or date(a.starts_at, '+8 hours') <= o.window_end then 1 else 0 end), 0),
                coalesce(sum((select count(*) from registrations r where r.activity_id = a.id and r.status = 'attended')), 0),
                coalesce(sum((select count(*) from registrations r where r.activity_id = a.id and r.status = 'no_show')), 0)
             from activities a left join orders o on o.id = a.order_id
             where a.district_id = ?1 and a.organization_id = ?2 and a.status = 'finished'
             and a.starts_at >= ?3 and a.starts_at < ?4",
        )
        .bind(district_id)
        .bind(organization_id)
        .bind(from)
        .bind(to)
        .fetch_one(&self.reader)
        .await
        .map_err(db)?;
        let (review_count, rating_sum): (i64, f64) = sqlx::query_as(
            "select count(*), coalesce(sum(rating), 0.0) from reviews
             where district_id = ?1 and organization_id = ?2 and status = 'visible' and rating is not null
             and author_id is not null
             and created_at >= ?3 and created_at < ?4",
        )
        .bind(district_id)
        .bind(organization_id)
        .bind(from)
        .bind(to)
        .fetch_one(&self.reader)
        .await
        .map_err(db)?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(Facts {
            sessions_delivered: n(delivered),
            sessions_on_time: n(on_time),
            attended: n(attended),
            no_show: n(no_show),
            review_count: n(review_count),
            rating_sum,
        })
    }
}
