//! What truly differs between the engines, matched in this one place: how a write
//! transaction begins (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's writers' lock), which
//! pool a read uses (a replica may lag; sign-in and secrets must see the latest commit),
//! and what follows an erasure. The statements themselves are shared (see `sql`).

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use crate::rows::db;
use crate::sql::Conn;
use crate::StoreResult;

#[derive(Clone)]
pub(crate) enum Pools {
    /// One writer connection and read-only readers on one file.
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
    },
    /// The primary, and the readers (a replica's, or the primary again).
    Postgres { writer: PgPool, reader: PgPool },
}

/// A write transaction: commit it, or drop it to roll back.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(tx) => Conn::Sqlite(tx),
            Tx::Postgres(tx) => Conn::Postgres(tx),
        }
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

impl Pools {
    /// A transaction that holds the one writer's place from its start, so that the
    /// read-then-write rules (seats, budgets, the audit chain) see no other writer.
    pub(crate) async fn write(&self) -> StoreResult<Tx> {
        Ok(match self {
            Pools::Sqlite { writer, .. } => Tx::Sqlite(crate::sqlite::begin_write(writer).await?),
            Pools::Postgres { writer, .. } => {
                Tx::Postgres(crate::postgres::begin_write(writer).await?)
            }
        })
    }

    /// For lists, menus and scorecards: may lag a replica behind the primary.
    pub(crate) fn read(&self) -> Conn<'_> {
        match self {
            Pools::Sqlite { reader, .. } => Conn::SqlitePool(reader),
            Pools::Postgres { reader, .. } => Conn::PgPool(reader),
        }
    }

    /// For what must see the latest commit: sign-in, sessions, secrets, settings.
    /// SQLite's readers share the writer's file, so they do.
    pub(crate) fn fresh(&self) -> Conn<'_> {
        match self {
            Pools::Sqlite { reader, .. } => Conn::SqlitePool(reader),
            Pools::Postgres { writer, .. } => Conn::PgPool(writer),
        }
    }

    /// After an erasure is committed: SQLite copies its log back into the file, so that
    /// the erased values are gone from disk too.
    pub(crate) async fn after_erase(&self) {
        if let Pools::Sqlite { writer, .. } = self {
            crate::sqlite::checkpoint(writer).await;
        }
    }
}

impl From<sqlx::Error> for crate::StoreError {
    fn from(e: sqlx::Error) -> Self {
        db(e)
    }
}
