//! `spawn_app(engine)`: a real `youthloop serve` process on a fresh database of either
//! engine, and a client with one method per HTTP verb.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection, SqliteConnection};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use youthloop_domain::IdNumber;
use youthloop_store::crypto::{write_key_file, DataKey};

pub const LEAGUE: &str = "13800000001";
pub const ORG_ADMIN: &str = "13800000002";
pub const OFFICER: &str = "13800000003";
pub const GUARDIAN: &str = "13800000004";
pub const YOUTH: &str = "13800000005";
pub const VOLUNTEER: &str = "13800000006";
pub const SOCIAL_WORKER: &str = "13800000007";
pub const EVALUATOR: &str = "13800000008";
pub const SQUAD_LEADER: &str = "13800000009";
pub const PASSWORD: &str = "demo12345";

/// The database engine a test runs on; every end-to-end test runs on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// Expands test functions `async fn name(engine: Engine)` into one test per engine, so
/// that a failure names the engine. `YOUTHLOOP_TEST_ENGINES=sqlite` leaves PostgreSQL
/// out on purpose, and says so.
#[macro_export]
macro_rules! on_every_engine {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case($crate::helpers::Engine::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    if $crate::helpers::engine_enabled("postgres") {
                        super::$case($crate::helpers::Engine::Postgres).await;
                    }
                }
            )*
        }
    };
}

pub fn engine_enabled(engine: &str) -> bool {
    let on = engine_enabled_quietly(engine);
    if !on {
        let chosen = std::env::var("YOUTHLOOP_TEST_ENGINES").unwrap_or_default();
        eprintln!("{engine} left out by YOUTHLOOP_TEST_ENGINES={chosen}");
    }
    on
}

fn engine_enabled_quietly(engine: &str) -> bool {
    let chosen =
        std::env::var("YOUTHLOOP_TEST_ENGINES").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    chosen.split(',').any(|e| e.trim() == engine)
}

pub const POSTGRES_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh database: a file in a temporary folder, or a database on the local
/// PostgreSQL server that is dropped with this value.
pub struct TestDatabase {
    pub engine: Engine,
    pub url: String,
    /// The SQLite file, for tests that look at the bytes on disk.
    pub path: Option<PathBuf>,
    pg_name: Option<String>,
    /// A seed outlives this value: a later run sweeps it.
    keep: bool,
}

fn postgres_admin() -> String {
    std::env::var("YOUTHLOOP_TEST_POSTGRES").unwrap_or_else(|_| POSTGRES_ADMIN.to_owned())
}

async fn pg_admin() -> PgConnection {
    let admin = postgres_admin();
    PgConnection::connect(&admin).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is not reachable at {admin} ({e}). Start it with \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, \
             or run SQLite alone on purpose with YOUTHLOOP_TEST_ENGINES=sqlite"
        )
    })
}

impl TestDatabase {
    pub async fn new(engine: Engine, dir: &Path) -> Self {
        Self::copy_of(engine, dir, None).await
    }

    fn sqlite_at(path: PathBuf) -> Self {
        Self {
            engine: Engine::Sqlite,
            url: format!("sqlite://{}", path.display()),
            path: Some(path),
            pg_name: None,
            keep: true,
        }
    }

    /// An empty PostgreSQL database that outlives this value (nothing drops it).
    async fn postgres_named(name: &str) -> Self {
        sqlx::query(&format!("create database {name}"))
            .execute(&mut pg_admin().await)
            .await
            .unwrap();
        Self {
            engine: Engine::Postgres,
            url: format!("{}/{name}", postgres_admin().rsplit_once('/').unwrap().0),
            path: None,
            pg_name: Some(name.to_owned()),
            keep: true,
        }
    }

    /// A new database, empty or a copy of `from` (which nobody may be using).
    pub async fn copy_of(engine: Engine, dir: &Path, from: Option<&TestDatabase>) -> Self {
        match engine {
            Engine::Sqlite => {
                let path = dir.join(format!("{}.db", uuid_like()));
                if let Some(source) = from.and_then(|f| f.path.as_ref()) {
                    for suffix in ["", "-wal", "-shm"] {
                        let src = format!("{}{suffix}", source.display());
                        if Path::new(&src).exists() {
                            std::fs::copy(&src, format!("{}{suffix}", path.display())).unwrap();
                        }
                    }
                }
                Self {
                    engine,
                    url: format!("sqlite://{}", path.display()),
                    path: Some(path),
                    pg_name: None,
                    keep: false,
                }
            }
            Engine::Postgres => {
                let name = format!("yl_test_{}", uuid_like());
                let template = from
                    .and_then(|f| f.pg_name.as_deref())
                    .map(|t| format!(" template {t}"))
                    .unwrap_or_default();
                let mut admin = pg_admin().await;
                // The template's last client may still be leaving: PostgreSQL copies no
                // database that someone is connected to.
                let mut tries = 0;
                while let Err(e) = sqlx::query(&format!("create database {name}{template}"))
                    .execute(&mut admin)
                    .await
                {
                    tries += 1;
                    assert!(
                        tries < 50 && e.to_string().contains("being accessed by other users"),
                        "create database {name}{template}: {e}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                let url = format!("{}/{name}", postgres_admin().rsplit_once('/').unwrap().0);
                Self {
                    engine,
                    url,
                    path: None,
                    pg_name: Some(name),
                    keep: false,
                }
            }
        }
    }

    /// Runs statements on the database directly, as someone with the file or the server.
    pub async fn execute(&self, statements: &[&str]) {
        match self.engine {
            Engine::Sqlite => {
                let mut c = SqliteConnection::connect(&self.url).await.unwrap();
                for sql in statements {
                    sqlx::query(sql).execute(&mut c).await.unwrap();
                }
                c.close().await.unwrap();
            }
            Engine::Postgres => {
                let mut c = PgConnection::connect(&self.url).await.unwrap();
                for sql in statements {
                    sqlx::query(sql).execute(&mut c).await.unwrap();
                }
                c.close().await.unwrap();
            }
        }
    }

    /// The first column of a query's rows, as text; `$1` is bound to `arg`.
    pub async fn strings(&self, sql: &str, arg: &str) -> Vec<String> {
        match self.engine {
            Engine::Sqlite => {
                let mut c = SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(&sql.replace("$1", "?1"))
                    .bind(arg)
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
            }
            Engine::Postgres => {
                let mut c = PgConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(sql)
                    .bind(arg)
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
            }
        }
    }

    /// Whether `needle` stands in the clear anywhere in the stored data: the file's bytes
    /// for SQLite, every row of every table as text for PostgreSQL.
    pub async fn holds_in_clear(&self, needle: &str) -> bool {
        match &self.path {
            Some(path) => {
                let mut bytes = std::fs::read(path).unwrap_or_default();
                bytes.extend(std::fs::read(format!("{}-wal", path.display())).unwrap_or_default());
                bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            }
            None => {
                let tables = self
                    .strings("select tablename::text from pg_tables where schemaname = 'public' and tablename != $1", "_sqlx_migrations")
                    .await;
                for table in tables {
                    let sql = format!(
                        "select count(*)::text from {table} t where t::text like '%' || $1 || '%'"
                    );
                    if self.strings(&sql, needle).await != ["0"] {
                        return true;
                    }
                }
                false
            }
        }
    }

    /// Row counts of every table and the audit chain heads: if none moved, nothing was
    /// written (every change writes an audit event).
    pub async fn snapshot(&self) -> Vec<String> {
        let tables = match self.engine {
            Engine::Sqlite => self.strings("select name from sqlite_master where type = 'table' and name != $1 order by name", "_sqlx_migrations").await,
            Engine::Postgres => {
                self.strings("select tablename::text from pg_tables where schemaname = 'public' and tablename != $1 order by 1", "_sqlx_migrations").await
            }
        };
        let mut snapshot = Vec::new();
        // Servers say which data key they use once a second: that is not data.
        for table in tables.into_iter().filter(|t| t != "key_holders") {
            let count = self
                .strings(
                    &format!("select cast(count(*) as text) from {table} where $1 = $1"),
                    "x",
                )
                .await;
            snapshot.push(format!("{table}: {}", count.join("")));
        }
        snapshot.extend(self.strings("select district_id || ':' || cast(seq as text) from audit_heads where $1 = $1 order by 1", "x").await);
        snapshot
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.clone().filter(|_| !self.keep) else {
            return;
        };
        // Drop runs outside async; a short-lived runtime on its own thread does the SQL.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut admin = PgConnection::connect(&postgres_admin())
                    .await
                    .map_err(std::io::Error::other)?;
                sqlx::query(&format!("drop database if exists {name} with (force)"))
                    .execute(&mut admin)
                    .await
                    .map_err(std::io::Error::other)?;
                Ok::<(), std::io::Error>(())
            })
        })
        .join();
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

pub struct TestApp {
    pub base: String,
    /// Where the server serves `/metrics` (its own loopback address).
    pub metrics: String,
    pub db: TestDatabase,
    pub client: reqwest::Client,
    /// The data key file the server and every command here use.
    pub key_file: PathBuf,
    _server: Child,
    _dir: TempDir,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_youthloop")
}

/// A `youthloop` command with the logs quiet and the data key file of `key_file`.
pub fn youthloop(key_file: &Path) -> Command {
    let mut command = Command::new(bin());
    command
        .env("YOUTHLOOP_LOG", "warn")
        .env("YOUTHLOOP_KEY_FILE", key_file)
        .env_remove("YOUTHLOOP_DATA_KEY");
    command
}

/// Starts a server with the demo district on a fresh database of `engine`: a copy of the
/// one made for this run, with a copy of its data key (a test may rotate it).
pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, &[]).await
}

/// Like [`spawn_app`], with more arguments for `youthloop serve`.
pub async fn spawn_app_with(engine: Engine, extra: &[&str]) -> TestApp {
    let seed = demo_seed(engine).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDatabase::copy_of(engine, dir.path(), Some(&seed.db)).await;
    let key_file = dir.path().join("data.key");
    std::fs::copy(&seed.key_file, &key_file).expect("copy the key file");
    start(db, key_file, dir, extra).await
}

/// The demo district of one engine, made once per test run: every test copies it (a file
/// copy for SQLite, `CREATE DATABASE … TEMPLATE` for PostgreSQL) instead of making it
/// again. Nothing serves it, so nothing writes to it.
pub struct Seed {
    pub db: TestDatabase,
    pub key_file: PathBuf,
}

static SQLITE_SEED: tokio::sync::OnceCell<Seed> = tokio::sync::OnceCell::const_new();
static POSTGRES_SEED: tokio::sync::OnceCell<Seed> = tokio::sync::OnceCell::const_new();

pub async fn demo_seed(engine: Engine) -> &'static Seed {
    let cell = match engine {
        Engine::Sqlite => &SQLITE_SEED,
        Engine::Postgres => &POSTGRES_SEED,
    };
    cell.get_or_init(|| async move {
        // A seed lives as long as the run; the folders and databases of runs that have
        // ended are swept here.
        sweep_seeds_of_ended_runs().await;
        let dir = seed_dir();
        std::fs::create_dir_all(&dir).expect("seed folder");
        let key_file = dir.join(format!("{}.key", engine.name()));
        write_key_file(&key_file, &[DataKey::generate()]).expect("key file");
        let db = match engine {
            Engine::Sqlite => TestDatabase::sqlite_at(dir.join("demo.db")),
            Engine::Postgres => TestDatabase::postgres_named(&seed_database()).await,
        };
        let status = youthloop(&key_file)
            .args(["demo", "--database", &db.url])
            .status()
            .await
            .expect("run youthloop demo");
        assert!(status.success(), "youthloop demo failed on {}", db.url);
        // The seed is never dropped: its database stays until a later run sweeps it.
        Seed { db, key_file }
    })
    .await
}

/// This run's seed folder and PostgreSQL database are named by its process id.
fn seed_dir() -> PathBuf {
    std::env::temp_dir().join(format!("youthloop-seed-{}", std::process::id()))
}

fn seed_database() -> String {
    format!("yl_seed_{}", std::process::id())
}

fn run_has_ended(pid: &str) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

async fn sweep_seeds_of_ended_runs() {
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("youthloop-seed-") {
                if run_has_ended(pid) {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
    }
    if !engine_enabled_quietly("postgres") {
        return;
    }
    let mut admin = pg_admin().await;
    let names: Vec<String> =
        sqlx::query_scalar("select datname from pg_database where datname like 'yl_seed_%'")
            .fetch_all(&mut admin)
            .await
            .unwrap_or_default();
    for name in names {
        if name.strip_prefix("yl_seed_").is_some_and(run_has_ended) {
            let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                .execute(&mut admin)
                .await;
        }
    }
}

/// Serves a database that is already filled (a copy), with its data key.
pub async fn serve_database(db: TestDatabase, key_file: PathBuf) -> TestApp {
    start(db, key_file, tempfile::tempdir().expect("temp dir"), &[]).await
}

async fn start(db: TestDatabase, key_file: PathBuf, dir: TempDir, extra: &[&str]) -> TestApp {
    let (Listening { base, metrics }, server) = spawn_server(
        &db.url,
        &key_file,
        false,
        &dir.path().join("server.log"),
        extra,
    )
    .await;
    TestApp {
        base,
        metrics,
        db,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client"),
        key_file,
        _server: server,
        _dir: dir,
    }
}

impl TestApp {
    /// Kills the server with SIGKILL, as a power cut or the OOM killer would, and waits.
    pub async fn crash(&mut self) {
        self._server.start_kill().expect("kill");
        self._server.wait().await.expect("wait");
    }

    /// Starts the server again on the same database and key; the address changes.
    pub async fn restart(&mut self) {
        let log = self._dir.path().join("server-restarted.log");
        let (listening, server) =
            spawn_server(&self.db.url, &self.key_file, false, &log, &[]).await;
        self.base = listening.base;
        self.metrics = listening.metrics;
        self._server = server;
    }
}

/// Another server process on the same database and key, as behind a load balancer.
pub async fn spawn_instance(app: &TestApp, n: usize, extra: &[&str]) -> (String, Child) {
    let log = app._dir.path().join(format!("server-{n}.log"));
    let (listening, child) = spawn_server(&app.db.url, &app.key_file, false, &log, extra).await;
    (listening.base, child)
}

/// Where a started server answers.
pub struct Listening {
    pub base: String,
    pub metrics: String,
}

/// Starts `youthloop serve` (with a clock the test may move, and metrics on a port of
/// their own) and returns its addresses once it listens.
pub async fn spawn_server(
    db_url: &str,
    key_file: &Path,
    demo: bool,
    log_path: &Path,
    extra: &[&str],
) -> (Listening, Child) {
    let log = std::fs::File::create(log_path).expect("log file");
    let mut command = youthloop(key_file);
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--database", db_url])
        .args(["--metrics-addr", "127.0.0.1:0", "--test-clock"])
        .args(extra);
    if demo {
        command.arg("--demo");
    }
    let mut server = command
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .expect("start youthloop serve");
    let stdout = server.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let listening = tokio::time::timeout(Duration::from_secs(120), async {
        let mut metrics = String::new();
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            if let Some(url) = line.strip_prefix("metrics on ") {
                metrics = url.to_owned();
            }
            if let Some(url) = line.strip_prefix("listening on ") {
                return Listening {
                    base: url.to_owned(),
                    metrics,
                };
            }
        }
        let log = std::fs::read_to_string(log_path).unwrap_or_default();
        if log.contains("--test-clock") {
            panic!("the server has no test clock: build with `--features youthloop/test-clock` (script/test does)\n{log}");
        }
        panic!("server exited before listening:\n{log}");
    })
    .await
    .expect("server did not start in time");
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (listening, server)
}

/// The time the tests plan from: a server's clock starts here and only moves forward
/// when a test moves it (`TestApp::advance_clock`), so what is planned from it lies
/// ahead of the server too.
pub fn wall_clock() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// A valid, fictional ID number of someone `age` years old today.
pub fn id_number(age: i32, serial: u32) -> String {
    let today = wall_clock().date();
    let born = today.replace_year(today.year() - age).expect("date") - time::Duration::days(30);
    let first17 = format!(
        "990101{:04}{:02}{:02}{:03}",
        born.year(),
        u8::from(born.month()),
        born.day(),
        // The demo's serials are 0–499: a test's person is never one of the demo's.
        500 + serial % 500
    );
    let check = char::from(IdNumber::check_char(first17.as_bytes()));
    format!("{first17}{check}")
}

pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

/// The date `d` days from today in Beijing time, as `YYYY-MM-DD` (an order's window).
pub fn in_days(d: i64) -> String {
    let day = youthloop_domain::parse::local_date(wall_clock()) + time::Duration::days(d);
    day.to_string()
}

pub fn in_hours(h: i64) -> String {
    rfc3339(wall_clock() + time::Duration::hours(h))
}

impl TestApp {
    pub async fn request(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.request_with(method, token, path, body, &[]).await
    }

    pub async fn request_with(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        assert!(status.as_u16() < 500, "{path} answered {status}: {value}");
        (status, value)
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        self.request(Method::GET, token, path, None).await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, token, path, Some(body)).await
    }

    /// Moves the server's clock forward, as the days pass for a real installation;
    /// returns the server's time now.
    pub async fn advance_clock(&self, seconds: i64) -> time::OffsetDateTime {
        let (status, body) = self
            .post(None, "/_test/clock", json!({ "seconds": seconds }))
            .await;
        assert_eq!(status, StatusCode::OK, "move the clock: {body}");
        time::OffsetDateTime::parse(
            body["now"].as_str().expect("now"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("a time")
    }

    /// Moves the server's clock to `at` (an RFC 3339 time), if that is ahead.
    pub async fn advance_clock_to(&self, at: &str) {
        let at = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .expect("a time");
        let now = self.advance_clock(0).await;
        if at > now {
            self.advance_clock((at - now).whole_seconds() + 1).await;
        }
    }

    /// Moves the server's clock to the start of an activity (check-in is open).
    pub async fn advance_to_activity(&self, activity_id: &str, field: &str) {
        let (_, activity) = self
            .get(None, &format!("/api/v1/activities/{activity_id}"))
            .await;
        self.advance_clock_to(activity[field].as_str().expect("a time"))
            .await;
    }

    /// Posts (signed in with `token`, or not if it is empty) and expects it done (200 or
    /// 201); returns the answer.
    #[track_caller]
    pub fn post_ok<'a>(
        &'a self,
        token: &'a str,
        path: &'a str,
        body: Value,
    ) -> impl std::future::Future<Output = Value> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let token = (!token.is_empty()).then_some(token);
            let (status, answer) = self.post(token, path, body).await;
            assert!(
                status == StatusCode::OK || status == StatusCode::CREATED,
                "{path} answered {status} at {caller}: {answer}"
            );
            answer
        }
    }

    /// Signs up a new guardian and signs them in; returns the bearer token.
    pub async fn new_guardian(&self, phone: &str, name: &str) -> String {
        const PASSWORD: &str = "river-stone-42";
        self.post_ok(
            "",
            "/api/v1/accounts",
            json!({"phone": phone, "password": PASSWORD, "name": name, "role": "guardian"}),
        )
        .await;
        self.sign_in_with(phone, PASSWORD).await
    }

    /// Signs in a demo account and returns the bearer token.
    pub async fn sign_in(&self, phone: &str) -> String {
        self.sign_in_with(phone, PASSWORD).await
    }

    pub async fn sign_in_with(&self, phone: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                None,
                "/api/v1/session",
                json!({"phone": phone, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "sign in {phone}: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// The scope of the user's first role.
    pub async fn scope_of(&self, token: &str) -> String {
        let (_, me) = self.get(Some(token), "/api/v1/me").await;
        me["roles"][0]["scope_id"]
            .as_str()
            .expect("scope")
            .to_owned()
    }
}

/// Asserts an error answer: its status, its code, and the error shape.
#[track_caller]
pub fn assert_error(answer: &(StatusCode, Value), status: u16, code: &str) {
    assert_eq!(answer.0.as_u16(), status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        answer.1
    );
}

/// What a flood needs: a published activity of the demo organization and `children` of
/// the demo guardian, all signed in.
pub struct Flood {
    pub org: String,
    pub guardian: String,
    pub activity_id: String,
    pub children: Vec<String>,
}

pub async fn flood_setup(app: &TestApp, capacity: u32, waitlist: u32, children: u32) -> Flood {
    let org = app.sign_in(ORG_ADMIN).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let (s, activity) = app
        .post(
            Some(&org),
            "/api/v1/activities",
            json!({"title": "热门活动", "starts_at": in_hours(48), "ends_at": in_hours(50), "venue": "大礼堂",
                   "capacity": capacity, "waitlist_capacity": waitlist, "min_age": 0, "max_age": 17,
                   "registration_opens_at": in_hours(-1), "registration_closes_at": in_hours(24)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{activity}");
    let activity_id = activity["id"].as_str().unwrap().to_owned();
    let (s, published) = app
        .post(
            Some(&org),
            &format!("/api/v1/activities/{activity_id}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{published}");
    let mut ids = Vec::new();
    for i in 0..children {
        let body = json!({"name": format!("孩子{i}"), "id_number": id_number(6 + (i % 10) as i32, 100 + i), "consent": true});
        let (s, child) = app.post(Some(&guardian), "/api/v1/children", body).await;
        assert_eq!(s, StatusCode::CREATED, "{child}");
        ids.push(child["id"].as_str().unwrap().to_owned());
    }
    Flood {
        org,
        guardian,
        activity_id,
        children: ids,
    }
}
