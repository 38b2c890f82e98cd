//! The PostgreSQL engine: for a city or a province, and for many server instances on
//! one database. Writers take one transaction-scoped advisory lock, which serializes
//! them as SQLite's single writer does, so the read-then-write rules (seats, budgets,
//! the audit chain) hold across instances. `synchronous_commit` stays on: a confirmed
//! write is on disk. The use cases are the shared ones (see `sql` and `engine`).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};

use crate::crypto::Keyring;
use crate::engine::Pools;
use crate::rows::db;
use crate::{SqlStore, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Connects to `url` and runs the migrations.
pub async fn open(url: &str, keys: Keyring) -> StoreResult<SqlStore> {
    open_with_replica(url, None, keys).await
}

/// Like [`open`], with lists, menus and scorecards read from a replica at `read_url`.
/// Sign-in, sessions, secrets and every read inside a change stay on the primary, so a
/// replica's lag never signs anyone out or breaks a rule.
pub async fn open_with_replica(
    url: &str,
    read_url: Option<&str>,
    keys: Keyring,
) -> StoreResult<SqlStore> {
    let writer = connect(url, 8).await?;
    MIGRATOR.run(&writer).await?;
    let reader = match read_url {
        Some(read_url) => connect(read_url, 8).await?,
        None => writer.clone(),
    };
    // Registrations get connections of their own: under a flood every request's
    // session lookup queues for the shared pool, and a batch must not wait behind them.
    let admissions = PgPoolOptions::new()
        .max_connections(2)
        .test_before_acquire(false)
        .connect_with(PgConnectOptions::from_str(url).map_err(db)?)
        .await?;
    Ok(SqlStore::new(
        Pools::Postgres { writer, reader },
        Pools::Postgres {
            writer: admissions.clone(),
            reader: admissions,
        },
        keys,
    ))
}

/// A write transaction holding the writers' lock: one writer at a time, across every
/// server instance on this database.
pub(crate) async fn begin_write(pool: &PgPool) -> StoreResult<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(WRITERS_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

async fn connect(url: &str, connections: u32) -> StoreResult<PgPool> {
    PgPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(60))
        .connect_with(PgConnectOptions::from_str(url).map_err(db)?)
        .await
        .map_err(db)
}

/// The advisory lock key of the writers ("yl" in ASCII).
const WRITERS_LOCK: i64 = 0x796c;
