//! What `youthloop bench surge` measures underneath the platform: the line an activity
//! ended with, and the two limits its figures are compared to — raw durable inserts of
//! registration-sized rows (the storage ceiling) and, on PostgreSQL, the plain hot-row
//! statement a careful engineer would write first. Scratch tables are made for the
//! measurement and dropped after it.

use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use youthloop_domain::id::ActivityId;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, QueryBuilder, SqlitePool};
use time::OffsetDateTime;

use crate::rows::{db, new_id};
use crate::StoreResult;

/// The database measured, as `youthloop` names it.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    /// The path of the SQLite file.
    Sqlite(&'a str),
    /// The PostgreSQL URL.
    Postgres(&'a str),
}

/// One registration of the line, in the order the server admitted them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Place {
    pub id: String,
    pub participant_id: String,
    pub status: String,
    pub seq: i64,
}

/// Every registration of an activity, by place in line.
pub async fn line(target: Target<'_>, activity_id: &ActivityId) -> StoreResult<Vec<Place>> {
    const SQL: &str =
        "select id, participant_id, status, seq from registrations where activity_id = $1 order by seq";
    match target {
        Target::Sqlite(path) => sqlx::query_as(SQL)
            .bind(activity_id.as_str())
            .fetch_all(&sqlite(path).await?)
            .await
            .map_err(db),
        Target::Postgres(url) => sqlx::query_as(SQL)
            .bind(activity_id.as_str())
            .fetch_all(&postgres(url, 1).await?)
            .await
            .map_err(db),
    }
}

/// A measured rate.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub count: usize,
    pub elapsed: Duration,
}

impl Rate {
    pub fn per_second(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

const SCRATCH: &str = "bench_registrations";

/// Makes (or drops) the scratch table, shaped like `registrations` with its indexes;
/// a macro because the statements run on either engine's pool.
macro_rules! scratch {
    ($pool:expr, $make:expr) => {{
        let mut statements = vec![format!("drop table if exists {SCRATCH}")];
        if $make {
            statements.extend([
                format!(
                    "create table {SCRATCH} (id text primary key, district_id text not null, activity_id text not null,
                     participant_id text not null, made_by text not null, status text not null, seq bigint not null,
                     created_at timestamptz not null, updated_at timestamptz not null)"
                ),
                format!("create unique index {SCRATCH}_live on {SCRATCH}(activity_id, participant_id)"),
                format!("create index {SCRATCH}_line on {SCRATCH}(activity_id, status, seq)"),
            ]);
        }
        for statement in statements {
            sqlx::query(&statement).execute($pool).await?;
        }
    }};
}

/// Inserts `rows` registration-sized rows in transactions of `batch` rows, one writer,
/// each commit durable (SQLite `synchronous=FULL` in WAL mode, PostgreSQL with
/// `synchronous_commit` on): the most a registration path with that batch size could
/// ever write.
pub async fn storage_ceiling(target: Target<'_>, rows: usize, batch: usize) -> StoreResult<Rate> {
    let batch = batch.clamp(1, 1000);
    // The same body for both engines' pool types.
    macro_rules! insert_batches {
        ($pool:expr) => {{
            let pool = $pool;
            scratch!(&pool, true);
            let started = Instant::now();
            let mut left = rows;
            while left > 0 {
                let n = left.min(batch);
                let mut tx = pool.begin().await?;
                let mut insert = QueryBuilder::new(format!(
                    "insert into {SCRATCH} (id, district_id, activity_id, participant_id, made_by, status, seq, created_at, updated_at) "
                ));
                let now = SCRATCH_TIME;
                insert.push_values(0..n, |mut row, i| {
                    row.push_bind(new_id::<String>())
                        .push_bind(new_id::<String>())
                        .push_bind(new_id::<String>())
                        .push_bind(new_id::<String>())
                        .push_bind(new_id::<String>())
                        .push_bind("confirmed")
                        .push_bind(i64::try_from(i).unwrap_or(i64::MAX))
                        .push_bind(now)
                        .push_bind(now);
                });
                insert.build().execute(&mut *tx).await?;
                tx.commit().await?;
                left -= n;
            }
            let elapsed = started.elapsed();
            scratch!(&pool, false);
            Ok(Rate {
                count: rows,
                elapsed,
            })
        }};
    }
    match target {
        Target::Sqlite(path) => insert_batches!(sqlite(path).await?),
        Target::Postgres(url) => insert_batches!(postgres(url, 1).await?),
    }
}

/// The plain hot-row registration: per attempt one transaction that takes a seat with
/// `UPDATE … SET confirmed = confirmed + 1 WHERE … AND confirmed < capacity RETURNING`
/// and inserts the registration, `clients` at a time over `connections` connections.
/// The attempts go to one activity of `capacity` seats.
pub async fn hot_row_baseline(
    url: &str,
    attempts: usize,
    clients: usize,
    connections: u32,
    capacity: i64,
) -> StoreResult<Rate> {
    let pool = postgres(url, connections).await?;
    scratch!(&pool, true);
    for statement in [
        "drop table if exists bench_activities",
        "create table bench_activities (id text primary key, confirmed bigint not null, capacity bigint not null)",
    ] {
        sqlx::query(statement).execute(&pool).await?;
    }
    let activity = new_id::<String>();
    sqlx::query("insert into bench_activities (id, confirmed, capacity) values ($1, 0, $2)")
        .bind(&activity)
        .bind(capacity)
        .execute(&pool)
        .await?;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..clients.max(1) {
        let (pool, next, activity) = (pool.clone(), next.clone(), activity.clone());
        workers.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < attempts {
                hot_row_attempt(&pool, &activity).await?;
            }
            StoreResult::Ok(())
        }));
    }
    for worker in workers {
        worker
            .await
            .map_err(|e| crate::StoreError::Other(e.to_string()))??;
    }
    let elapsed = started.elapsed();
    sqlx::query("drop table bench_activities")
        .execute(&pool)
        .await?;
    scratch!(&pool, false);
    Ok(Rate {
        count: attempts,
        elapsed,
    })
}

/// When the scratch rows say they were made: their time means nothing.
const SCRATCH_TIME: OffsetDateTime = time::macros::datetime!(2026-01-01 00:00 UTC);

async fn hot_row_attempt(pool: &PgPool, activity: &str) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    let seat: Option<i64> = sqlx::query_scalar(
        "update bench_activities set confirmed = confirmed + 1
         where id = $1 and confirmed < capacity returning confirmed",
    )
    .bind(activity)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(seq) = seat {
        let now = SCRATCH_TIME;
        sqlx::query(&format!(
            "insert into {SCRATCH} (id, district_id, activity_id, participant_id, made_by, status, seq, created_at, updated_at)
             values ($1, $2, $3, $4, $5, 'confirmed', $6, $7, $7)"
        ))
        .bind(new_id::<String>())
        .bind(new_id::<String>())
        .bind(activity)
        .bind(new_id::<String>())
        .bind(new_id::<String>())
        .bind(seq)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await.map_err(db)
}

async fn sqlite(path: &str) -> StoreResult<SqlitePool> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
        .map_err(db)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10));
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(db)
}

async fn postgres(url: &str, connections: u32) -> StoreResult<PgPool> {
    PgPoolOptions::new()
        .max_connections(connections.max(1))
        .acquire_timeout(Duration::from_secs(120))
        .connect_with(PgConnectOptions::from_str(url).map_err(db)?)
        .await
        .map_err(db)
}
