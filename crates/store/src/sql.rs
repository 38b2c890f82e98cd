//! One SQL text for both engines. A statement is written once, PostgreSQL's way (`$n`
//! placeholders, `= any($n)` for a list, `cast(… as bigint)`), its arguments are kept
//! as owned values, and the connection it runs on decides how they are bound: SQLite
//! reads `$n` as PostgreSQL does and takes a list as JSON through `json_each`.
//!
//! Owned arguments instead of generics over `sqlx::Database`: every use case compiles
//! once, and the bounds each engine needs (how a type encodes, how a row decodes) are
//! gathered here in [`Record`] instead of on every function.

use std::borrow::Cow;

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, FromRow, PgConnection, PgPool, SqliteConnection, SqlitePool};
use time::{Date, OffsetDateTime};
use youthloop_domain::id::*;

use crate::model::{Page, Paged};
use crate::rows::json;
use crate::StoreResult;

/// A value bound to a placeholder. `None` keeps its type, so that PostgreSQL knows what
/// `$n is null` compares.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
    Bool(Option<bool>),
    Time(Option<OffsetDateTime>),
    Date(Option<Date>),
    Bytes(Option<Vec<u8>>),
    /// Compared with `= any($n)`.
    List(Vec<String>),
}

/// What may be bound to a placeholder.
pub(crate) trait IntoArg {
    fn into_arg(self) -> Arg;
}

macro_rules! into_arg {
    ($variant:ident: $($t:ty => $f:expr),* $(,)?) => {$(
        impl IntoArg for $t {
            fn into_arg(self) -> Arg {
                #[allow(clippy::redundant_closure_call)]
                Arg::$variant(($f)(self))
            }
        }
    )*};
}

into_arg!(Text:
    String => Some,
    &String => |v: &String| Some(v.clone()),
    &str => |v: &str| Some(v.to_owned()),
    Option<String> => |v| v,
    &Option<String> => |v: &Option<String>| v.clone(),
    Option<&String> => |v: Option<&String>| v.cloned(),
    Option<&str> => |v: Option<&str>| v.map(str::to_owned),
);
into_arg!(Int:
    i64 => Some,
    &i64 => |v: &i64| Some(*v),
    i32 => |v| Some(i64::from(v)),
    u32 => |v| Some(i64::from(v)),
    Option<i64> => |v| v,
    Option<u32> => |v: Option<u32>| v.map(i64::from),
);
into_arg!(Real: f64 => Some, Option<f64> => |v| v);
into_arg!(Bool: bool => Some, Option<bool> => |v| v);
into_arg!(Time:
    OffsetDateTime => Some,
    &OffsetDateTime => |v: &OffsetDateTime| Some(*v),
    Option<OffsetDateTime> => |v| v,
);
into_arg!(Date: Date => Some, Option<Date> => |v| v);
into_arg!(Bytes: Vec<u8> => Some);
into_arg!(List:
    Vec<String> => |v| v,
    &[String] => |v: &[String]| v.to_vec(),
    &Vec<String> => |v: &Vec<String>| v.clone(),
    Vec<&String> => |v: Vec<&String>| v.into_iter().cloned().collect(),
    &Vec<&String> => |v: &Vec<&String>| v.iter().map(|s| (*s).clone()).collect(),
);

/// Ids bind as the text they are.
macro_rules! id_args {
    ($($id:ty),*) => {$(
        into_arg!(Text:
            $id => |v: $id| Some(v.into_string()),
            &$id => |v: &$id| Some(v.as_str().to_owned()),
            Option<$id> => |v: Option<$id>| v.map(<$id>::into_string),
            &Option<$id> => |v: &Option<$id>| v.as_ref().map(|v| v.as_str().to_owned()),
            Option<&$id> => |v: Option<&$id>| v.map(|v| v.as_str().to_owned()),
        );
        into_arg!(List:
            Vec<$id> => |v: Vec<$id>| v.into_iter().map(<$id>::into_string).collect(),
            &[$id] => |v: &[$id]| v.iter().map(|v| v.as_str().to_owned()).collect(),
            &Vec<$id> => |v: &Vec<$id>| v.iter().map(|v| v.as_str().to_owned()).collect(),
            &Vec<&$id> => |v: &Vec<&$id>| v.iter().map(|v| v.as_str().to_owned()).collect(),
        );
    )*};
}
youthloop_domain::for_each_id!(id_args);

/// A row type both engines can decode: what `#[derive(FromRow)]` and tuples give.
pub(crate) trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// Where a statement runs: a connection (inside a transaction or held for a while) or
/// a pool (each statement on whichever connection is free).
pub(crate) enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
    SqlitePool(&'c SqlitePool),
    PgPool(&'c PgPool),
}

/// Runs `$run` with the executor of `$conn` and the arguments bound in its dialect.
macro_rules! on_engine {
    ($conn:expr, $sql:expr, |$text:ident, $args:ident, $exec:ident| $run:expr) => {
        match $conn {
            Conn::Sqlite(c) => {
                let ($text, $args) = $sql.for_sqlite()?;
                let $exec = &mut **c;
                $run
            }
            Conn::SqlitePool(p) => {
                let ($text, $args) = $sql.for_sqlite()?;
                let $exec = *p;
                $run
            }
            Conn::Postgres(c) => {
                let ($text, $args) = $sql.for_postgres()?;
                let $exec = &mut **c;
                $run
            }
            Conn::PgPool(p) => {
                let ($text, $args) = $sql.for_postgres()?;
                let $exec = *p;
                $run
            }
        }
    };
}

/// Adds each of `values` to an engine's `args`; a list as `$list` makes it.
macro_rules! add_all {
    ($args:ident, $values:expr, |$list:ident| $bind_list:expr) => {
        for value in $values {
            match value {
                Arg::Text(v) => $args.add(v),
                Arg::Int(v) => $args.add(v),
                Arg::Real(v) => $args.add(v),
                Arg::Bool(v) => $args.add(v),
                Arg::Time(v) => $args.add(v),
                Arg::Date(v) => $args.add(v),
                Arg::Bytes(v) => $args.add(v),
                Arg::List($list) => $args.add($bind_list),
            }
            .map_err(sqlx::Error::Encode)?;
        }
    };
}

/// A statement and its arguments. Its methods answer `sqlx::Error`, so that each call
/// site says what a failure means (`db`, or `unique(…)` for a taken name).
#[must_use]
pub(crate) struct Sql<'q> {
    text: &'q str,
    args: Vec<Arg>,
}

/// A statement whose rows are one column each.
#[must_use]
pub(crate) struct Scalar<'q>(Sql<'q>);

pub(crate) fn query(text: &str) -> Sql<'_> {
    Sql {
        text,
        args: Vec::new(),
    }
}

pub(crate) fn query_scalar(text: &str) -> Scalar<'_> {
    Scalar(query(text))
}

impl<'q> Sql<'q> {
    pub(crate) fn bind(mut self, value: impl IntoArg) -> Self {
        self.args.push(value.into_arg());
        self
    }

    /// SQLite's text and arguments: `= any($n)` becomes a `json_each` over the list,
    /// which is bound as a JSON array.
    fn for_sqlite(self) -> Result<(Cow<'q, str>, SqliteArguments<'static>), sqlx::Error> {
        let text = if self.text.contains("= any($") {
            Cow::Owned(lists_as_json_each(self.text))
        } else {
            Cow::Borrowed(self.text)
        };
        let mut args = SqliteArguments::default();
        add_all!(args, self.args, |list| json(&list));
        Ok((text, args))
    }

    fn for_postgres(self) -> Result<(Cow<'q, str>, PgArguments), sqlx::Error> {
        let mut args = PgArguments::default();
        add_all!(args, self.args, |list| list);
        Ok((Cow::Borrowed(self.text), args))
    }

    /// Runs the statement; the number of rows it changed.
    pub(crate) async fn execute(self, conn: &mut Conn<'_>) -> Result<u64, sqlx::Error> {
        on_engine!(conn, self, |text, args, exec| Ok(sqlx::query_with(
            &text, args
        )
        .execute(exec)
        .await?
        .rows_affected()))
    }

    pub(crate) async fn fetch_all<T: Record>(
        self,
        conn: &mut Conn<'_>,
    ) -> Result<Vec<T>, sqlx::Error> {
        on_engine!(conn, self, |text, args, exec| sqlx::query_as_with(
            &text, args
        )
        .fetch_all(exec)
        .await)
    }

    pub(crate) async fn fetch_optional<T: Record>(
        self,
        conn: &mut Conn<'_>,
    ) -> Result<Option<T>, sqlx::Error> {
        on_engine!(conn, self, |text, args, exec| sqlx::query_as_with(
            &text, args
        )
        .fetch_optional(exec)
        .await)
    }

    pub(crate) async fn fetch_one<T: Record>(self, conn: &mut Conn<'_>) -> Result<T, sqlx::Error> {
        self.fetch_optional(conn)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

impl Sql<'_> {
    /// The page after `page.after` of a statement that ends
    /// `… and x.id > $n order by x.id limit $m`: binds those two, converts each row,
    /// and names the next page by `cursor` of its last item.
    pub(crate) async fn fetch_page<R: Record, T>(
        self,
        conn: &mut Conn<'_>,
        page: &Page,
        convert: impl FnMut(R) -> StoreResult<T>,
        cursor: impl Fn(&T) -> String,
    ) -> StoreResult<Paged<T>> {
        let rows: Vec<R> = self
            .bind(page.after.as_deref().unwrap_or(""))
            .bind(i64::from(page.limit.min(Page::MAX)) + 1)
            .fetch_all(conn)
            .await?;
        let items = rows.into_iter().map(convert).collect::<StoreResult<_>>()?;
        Ok(Paged::from_rows(items, page, cursor))
    }
}

impl<'q> Scalar<'q> {
    pub(crate) fn bind(self, value: impl IntoArg) -> Self {
        Self(self.0.bind(value))
    }

    pub(crate) async fn fetch_all<T>(self, conn: &mut Conn<'_>) -> Result<Vec<T>, sqlx::Error>
    where
        (T,): Record,
    {
        let rows: Vec<(T,)> = self.0.fetch_all(conn).await?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }

    pub(crate) async fn fetch_optional<T>(
        self,
        conn: &mut Conn<'_>,
    ) -> Result<Option<T>, sqlx::Error>
    where
        (T,): Record,
    {
        let row: Option<(T,)> = self.0.fetch_optional(conn).await?;
        Ok(row.map(|(v,)| v))
    }

    pub(crate) async fn fetch_one<T>(self, conn: &mut Conn<'_>) -> Result<T, sqlx::Error>
    where
        (T,): Record,
    {
        let (v,): (T,) = self.0.fetch_one(conn).await?;
        Ok(v)
    }
}

/// Rewrites each `= any($n)` as `in (select value from json_each($n))`.
fn lists_as_json_each(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(at) = rest.find("= any($") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "= any(".len()..];
        let end = after.find(')').unwrap_or(after.len());
        out.push_str("in (select value from json_each(");
        out.push_str(&after[..end]);
        out.push_str("))");
        rest = &after[(end + 1).min(after.len())..];
    }
    out.push_str(rest);
    out
}

/// One row's arguments for [`insert_rows`]: `args![&a.id, a.seq, a.at]`.
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        vec![$($crate::sql::IntoArg::into_arg($value)),*]
    };
}
pub(crate) use args;

/// Inserts rows with `into` (`insert into t (a, b)`), a thousand to a statement: inside
/// both engines' limits on bound values.
pub(crate) async fn insert_rows(
    conn: &mut Conn<'_>,
    into: &str,
    rows: impl Iterator<Item = Vec<Arg>>,
) -> Result<(), sqlx::Error> {
    // Collected first: the caller's iterator is not held across an await.
    let mut rows = rows.collect::<Vec<_>>().into_iter();
    loop {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(1000).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        let columns = chunk.first().map_or(0, Vec::len);
        let text = format!("{into} values {}", values(chunk.len(), columns));
        let mut statement = query(&text);
        statement.args = chunk.into_iter().flatten().collect();
        statement.execute(conn).await?;
    }
}

/// Rows of `(…), (…)` placeholders for a multi-row insert, numbered from `$1`:
/// `rows` rows of `columns` each.
fn values(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_become_json_each_for_sqlite() {
        assert_eq!(
            lists_as_json_each("a.id = any($3) and (b = $1 or c.x = any($12))"),
            "a.id in (select value from json_each($3)) and (b = $1 or c.x in (select value from json_each($12)))"
        );
        assert_eq!(lists_as_json_each("no lists here"), "no lists here");
    }

    #[test]
    fn values_number_every_cell() {
        assert_eq!(values(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
