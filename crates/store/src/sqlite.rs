//! The embedded engine: one SQLite file in WAL mode, one writer connection (so that
//! write transactions never fight over the lock), a few readers, `synchronous=FULL` so
//! that a confirmed write survives a power cut. The use cases are the shared ones (see
//! `sql` and `engine`).

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::crypto::Keyring;
use crate::engine::Pools;
use crate::rows::db;
use crate::{SqlStore, StoreError, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Opens (creating if asked) the database at `path` and runs the migrations.
pub async fn open(path: &str, create: bool, keys: Keyring) -> StoreResult<SqlStore> {
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
        .await?;
    MIGRATOR.run(&writer).await?;
    let reader = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(60))
        .connect_with(options.read_only(true))
        .await?;
    Ok(SqlStore::new(
        Pools::Sqlite {
            writer: writer.clone(),
            reader: reader.clone(),
        },
        Pools::Sqlite { writer, reader },
        keys,
    ))
}

/// A write transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so that
/// another process writing the same file makes it wait, never fail midway.
pub(crate) async fn begin_write(pool: &SqlitePool) -> StoreResult<Transaction<'static, Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)
}

/// After an erasure: the old values still stand in the write-ahead log until it is
/// copied back and emptied, so do that now, waiting for readers of older snapshots.
/// The erasure itself is committed: a failure here is logged, never reported as one.
pub(crate) async fn checkpoint(writer: &SqlitePool) {
    let checkpoint: Result<(i64, i64, i64), _> = sqlx::query_as("pragma wal_checkpoint(truncate)")
        .fetch_one(writer)
        .await;
    match checkpoint {
        Ok((0, _, _)) => {}
        Ok(_) => tracing::warn!(
            "the log was not emptied after an erasure: readers held it; the next checkpoint will"
        ),
        Err(e) => tracing::warn!(error = %e, "the log was not emptied after an erasure"),
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
        let io = |source: std::io::Error| StoreError::File {
            path: file.to_owned(),
            source,
        };
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
