//! The way up from SQLite: copies a whole installation — every table, every history
//! row, the audit trail — into an empty PostgreSQL database in one transaction, and
//! proves the copy by row counts and a checksum of each table on both sides.

use sha2::{Digest, Sha256};
use sqlx::postgres::PgRow;
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{Connection, PgConnection, Row, SqliteConnection};
use std::str::FromStr;
use time::{Date, OffsetDateTime};

use crate::{StoreError, StoreResult};

/// The tables in an order that satisfies every foreign key. `key_holders` and
/// `job_leases` are left out: they name the running servers of the installation copied
/// from, not data.
const TABLES: [&str; 38] = [
    "districts",
    "secrets",
    "sign_in_throttle",
    "regions",
    "organizations",
    "users",
    "user_roles",
    "sessions",
    "participants",
    "rounds",
    "projects",
    "orders",
    "order_history",
    "dispatch_plans",
    "activities",
    "registrations",
    "idempotency_keys",
    "badge_awards",
    "reviews",
    "evaluations",
    "notices",
    "outbox_events",
    "consents",
    "cases",
    "case_notes",
    "case_grants",
    "volunteers",
    "teams",
    "squads",
    "squad_members",
    "tasks",
    "shifts",
    "rosters",
    "assignments",
    "service_hours",
    "certificates",
    "audit_events",
    "audit_heads",
];

/// What one table holds: its rows and their checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: &'static str,
    pub rows: u64,
    pub checksum: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Bytes(Vec<u8>),
    Time(OffsetDateTime),
    Day(Date),
}

impl Cell {
    /// One form for both engines, so that equal data hashes equal.
    fn canonical(&self) -> String {
        match self {
            Cell::Null => "∅".to_owned(),
            Cell::Text(t) => format!("t{}:{t}", t.len()),
            Cell::Int(i) => format!("i{i}"),
            Cell::Float(f) => format!("f{f:?}"),
            Cell::Bytes(b) => format!("b{}", hex::encode(b)),
            // PostgreSQL keeps microseconds; SQLite kept what sqlx wrote (nanoseconds).
            Cell::Time(t) => format!("s{}", t.unix_timestamp_nanos().div_euclid(1000)),
            Cell::Day(d) => format!("d{d}"),
        }
    }
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e)
}

/// A column and its PostgreSQL type, which says how to read the SQLite value.
struct Column {
    name: String,
    kind: String,
}

fn decode<'r, R: Row>(row: &'r R, i: usize, kind: &str) -> Result<Cell, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<Vec<u8>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<OffsetDateTime>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<Date>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let cell = match kind {
        "bigint" => row.try_get::<Option<i64>, _>(i)?.map(Cell::Int),
        "double precision" => row.try_get::<Option<f64>, _>(i)?.map(Cell::Float),
        "bytea" => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Cell::Bytes),
        "timestamp with time zone" => row.try_get::<Option<OffsetDateTime>, _>(i)?.map(Cell::Time),
        "date" => row.try_get::<Option<Date>, _>(i)?.map(Cell::Day),
        _ => row.try_get::<Option<String>, _>(i)?.map(Cell::Text),
    };
    Ok(cell.unwrap_or(Cell::Null))
}

fn checksum(rows: &[Vec<Cell>]) -> String {
    // Sorted, so that the engines' different collations cannot change the result.
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(Cell::canonical)
                .collect::<Vec<_>>()
                .join("\u{1f}")
        })
        .collect();
    lines.sort();
    let mut h = Sha256::new();
    for line in &lines {
        h.update(line.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

fn select(table: &str, columns: &[Column]) -> String {
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    // Parents before children within the self-referencing tables: a correction of
    // hours is recorded after what it corrects.
    let order = match table {
        "regions" => " order by length(path)",
        "service_hours" => " order by recorded_at, id",
        _ => "",
    };
    format!("select {} from {table}{order}", names.join(", "))
}

/// Copies the SQLite database at `sqlite_path` into the PostgreSQL database at
/// `postgres_url`, which must be migrated and empty. All or nothing: the target
/// transaction commits only after every table's count and checksum match.
pub async fn sqlite_to_postgres(
    sqlite_path: &str,
    postgres_url: &str,
) -> StoreResult<Vec<TableCopy>> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{sqlite_path}"))
        .map_err(db)?
        .read_only(true);
    let mut source = SqliteConnection::connect_with(&options).await?;
    let mut target = PgConnection::connect(postgres_url).await?;
    let existing: i64 = sqlx::query_scalar("select count(*) from districts")
        .fetch_one(&mut target)
        .await?;
    if existing > 0 {
        return Err(StoreError::conflict(
            "not_empty",
            "the target database is not empty; it must be new",
        ));
    }
    // One read transaction: a consistent snapshot even while a server writes.
    let mut read = source.begin().await?;
    let mut write = target.begin().await?;
    let mut report = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        if table == "registrations" {
            // The target's triggers count every registration copied in, from zero.
            sqlx::query("update activities set seats_taken = 0, waitlisted = 0")
                .execute(&mut *write)
                .await?;
        }
        let columns: Vec<Column> = sqlx::query_as::<_, (String, String)>(
            "select column_name::text, data_type::text from information_schema.columns
             where table_schema = 'public' and table_name = $1 order by ordinal_position",
        )
        .bind(table)
        .fetch_all(&mut *write)
        .await?
        .into_iter()
        .map(|(name, kind)| Column { name, kind })
        .collect();
        let source_columns: Vec<String> =
            sqlx::query_scalar(&format!("select name from pragma_table_info('{table}')"))
                .fetch_all(&mut *read)
                .await?;
        let mut expected: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let mut found: Vec<&str> = source_columns.iter().map(String::as_str).collect();
        expected.sort_unstable();
        found.sort_unstable();
        if expected != found {
            return Err(StoreError::Other(format!(
                "{table}: the engines' columns differ: {found:?} vs {expected:?}"
            )));
        }
        let sql = select(table, &columns);
        let rows: Vec<SqliteRow> = sqlx::query(&sql).fetch_all(&mut *read).await?;
        let cells = rows
            .iter()
            .map(|row| {
                (0..columns.len())
                    .map(|i| decode(row, i, &columns[i].kind))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let insert = format!(
            "insert into {table} ({}) values ({})",
            columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            placeholders.join(", ")
        );
        for row in &cells {
            let mut q = sqlx::query(&insert);
            for (cell, column) in row.iter().zip(&columns) {
                q = match (cell, column.kind.as_str()) {
                    (Cell::Text(t), _) => q.bind(t.clone()),
                    (Cell::Int(i), _) => q.bind(*i),
                    (Cell::Float(f), _) => q.bind(*f),
                    (Cell::Bytes(b), _) => q.bind(b.clone()),
                    (Cell::Time(t), _) => q.bind(*t),
                    (Cell::Day(d), _) => q.bind(*d),
                    (Cell::Null, "bigint") => q.bind(None::<i64>),
                    (Cell::Null, "double precision") => q.bind(None::<f64>),
                    (Cell::Null, "bytea") => q.bind(None::<Vec<u8>>),
                    (Cell::Null, "timestamp with time zone") => q.bind(None::<OffsetDateTime>),
                    (Cell::Null, "date") => q.bind(None::<Date>),
                    (Cell::Null, _) => q.bind(None::<String>),
                };
            }
            q.execute(&mut *write).await?;
        }
        let copied: Vec<PgRow> = sqlx::query(&sql).fetch_all(&mut *write).await?;
        let copied = copied
            .iter()
            .map(|row| {
                (0..columns.len())
                    .map(|i| decode(row, i, &columns[i].kind))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        let (want, got) = (checksum(&cells), checksum(&copied));
        if cells.len() != copied.len() || want != got {
            return Err(StoreError::Other(format!(
                "{table}: the copy differs ({} rows, checksum {want}; copied {} rows, checksum {got})",
                cells.len(),
                copied.len()
            )));
        }
        report.push(TableCopy {
            table,
            rows: cells.len() as u64,
            checksum: want,
        });
    }
    // The counts the triggers rebuilt are the source's.
    let counts = "select id, seats_taken, waitlisted from activities order by id";
    let want: Vec<(String, i64, i64)> = sqlx::query_as(counts).fetch_all(&mut *read).await?;
    let got: Vec<(String, i64, i64)> = sqlx::query_as(counts).fetch_all(&mut *write).await?;
    if want != got {
        return Err(StoreError::Other(
            "activities: the seat counts differ after the copy".to_owned(),
        ));
    }
    write.commit().await?;
    read.rollback().await?;
    Ok(report)
}
