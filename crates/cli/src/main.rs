//! The `youthloop` command.

mod bench;
mod demo;

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use youthloop_domain::role::{Grant, Role};
use youthloop_domain::Phone;
use youthloop_server::clock::Clock;
use youthloop_server::config::ConnectionLimits;
use youthloop_server::Settings;
use youthloop_store::crypto::{key_file_keys, write_key_file, DataKey, Keyring};
use youthloop_store::model::NewUser;
use youthloop_store::Store;
use youthloop_store::{postgres, sqlite};

#[derive(Parser)]
#[command(
    name = "youthloop",
    version,
    about = "青年服务闭环平台 / The closed loop of youth services"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DatabaseArg {
    /// Where the data lives: sqlite://PATH (the default, one file) or postgres://….
    #[arg(
        long,
        env = "YOUTHLOOP_DATABASE",
        default_value = "sqlite://youthloop.db"
    )]
    database: String,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the platform: migrations first, then the HTTP server.
    Serve {
        /// The address to listen on.
        #[arg(long, env = "YOUTHLOOP_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        #[command(flatten)]
        db: DatabaseArg,
        /// A PostgreSQL replica for lists, menus and scorecards (dashboards).
        #[arg(long, env = "YOUTHLOOP_READ_DATABASE")]
        read_database: Option<String>,
        /// Fill an empty database with the demo district first.
        #[arg(long, env = "YOUTHLOOP_DEMO")]
        demo: bool,
        /// Session lifetime in hours.
        #[arg(long, env = "YOUTHLOOP_SESSION_HOURS", default_value_t = 12)]
        session_hours: i64,
        /// Largest request body in bytes.
        #[arg(long, env = "YOUTHLOOP_BODY_LIMIT", default_value_t = 64 * 1024)]
        body_limit: usize,
        /// Mark the session cookie Secure (when served behind TLS).
        #[arg(long, env = "YOUTHLOOP_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Send Strict-Transport-Security (when served behind TLS).
        #[arg(long, env = "YOUTHLOOP_HSTS")]
        hsts: bool,
        /// Rate limits on sign-in, sign-up and public comments: `off` only for load tests.
        #[arg(long, env = "YOUTHLOOP_RATE_LIMITS", default_value = "on", value_parser = ["on", "off"])]
        rate_limits: String,
        /// Failed sign-ins in a row that lock a phone from one address.
        #[arg(long, env = "YOUTHLOOP_LOCK_AFTER", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
        lock_after: u32,
        /// Minutes a phone stays locked from that address.
        #[arg(long, env = "YOUTHLOOP_LOCK_MINUTES", default_value_t = 15, value_parser = clap::value_parser!(i64).range(1..=1440))]
        lock_minutes: i64,
        /// The address people reach the site at behind a proxy, e.g. https://youth.example.gov.cn
        #[arg(long, env = "YOUTHLOOP_PUBLIC_URL")]
        public_url: Option<String>,
        /// Where /metrics is served (Prometheus), loopback by default; `off` for nowhere.
        #[arg(long, env = "YOUTHLOOP_METRICS_ADDR", default_value = "127.0.0.1:9464")]
        metrics_addr: String,
        /// Seconds a client may take to send a request's headers (also how long an idle
        /// kept-alive connection stays open).
        #[arg(long, env = "YOUTHLOOP_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
        header_timeout: u64,
        /// Seconds a client may take to send a request's body.
        #[arg(long, env = "YOUTHLOOP_BODY_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
        body_timeout: u64,
        /// Open connections one client address may hold; 0 for no cap (behind a proxy).
        #[arg(
            long,
            env = "YOUTHLOOP_MAX_CONNECTIONS_PER_ADDRESS",
            default_value_t = 256
        )]
        max_connections_per_address: usize,
        /// Proxies in front whose X-Forwarded-For names the client (comma-separated).
        #[arg(
            long = "trusted-proxy",
            env = "YOUTHLOOP_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Seconds between runs of the background jobs (escalating overdue orders).
        #[arg(long, env = "YOUTHLOOP_JOBS_EVERY", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        jobs_every: u64,
        /// A clock the tests move forward over HTTP, on loopback only; only in a build
        /// with the `test-clock` feature, which the test suite makes.
        #[cfg(feature = "test-clock")]
        #[arg(long, hide = true)]
        test_clock: bool,
    },
    /// Fills an empty database with a fictional, deterministic demo data set.
    Demo {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long, value_enum, default_value_t = Size::District)]
        size: Size,
        /// The seed of the random generator: the same seed gives the same data.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Runs the database migrations and exits.
    Migrate {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Copies a whole SQLite installation into an empty PostgreSQL database and verifies
    /// every table's row count and checksum. Keep using the same data key afterwards.
    MigrateData {
        /// The source: sqlite://PATH.
        #[arg(long)]
        from: String,
        /// The target: postgres://…, migrated here, and refused unless empty.
        #[arg(long)]
        to: String,
    },
    /// Re-encrypts all personal data under a new data key; servers keep reading throughout.
    RotateKey {
        #[command(flatten)]
        db: DatabaseArg,
        /// How long running servers have to follow the new key before the rotation
        /// gives up and keeps the old keys.
        #[arg(long, default_value_t = 60)]
        follow_seconds: u64,
    },
    /// Benchmarks that print their figures against limits measured in the same run.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Files for other systems.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Makes a real installation's district and its first League account. The password
    /// comes from YOUTHLOOP_ADMIN_PASSWORD or is read from standard input.
    Init {
        #[command(flatten)]
        db: DatabaseArg,
        /// The district's name, e.g. 北辰区.
        #[arg(long)]
        district: String,
        /// The district's 12-digit statistical division code.
        #[arg(long, default_value = "000000000000")]
        district_code: String,
        /// The League administrator's mobile phone: the sign-in name.
        #[arg(long)]
        admin_phone: String,
        /// The administrator's name.
        #[arg(long, default_value = "团区委管理员")]
        admin_name: String,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Floods one activity with registrations over HTTP and checks every promise.
    Surge(bench::surge::SurgeArgs),
    /// Solves a realistic volunteer roster with HiGHS beside a first-come fill and the LP bound.
    Roster(bench::roster::RosterArgs),
    /// Splits a realistic round of orders for more sessions than are left, fairly, with
    /// HiGHS beside first come, first served.
    Dispatch(bench::dispatch::DispatchArgs),
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The district's volunteer service hours of a period as an Excel file in the columns
    /// the national volunteer system imports (ID numbers in the clear; audited).
    Hours {
        #[command(flatten)]
        db: DatabaseArg,
        /// The first day, YYYY-MM-DD (Beijing time).
        #[arg(long, value_parser = parse_day)]
        from: time::Date,
        /// The last day, included.
        #[arg(long, value_parser = parse_day)]
        to: time::Date,
        /// Where to write it; volunteer-hours-FROM-TO.xlsx by default.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn parse_day(text: &str) -> Result<time::Date, String> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("{text}: expected YYYY-MM-DD"))
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Checks every district's hash chain; names the first broken link and exits non-zero.
    Verify {
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Size {
    District,
    City,
}

/// Where the data lives, parsed from a URL. A path without a scheme is refused, so
/// that a typo never silently creates a new, empty database.
enum Database<'a> {
    Sqlite(&'a str),
    Postgres(&'a str),
}

impl<'a> Database<'a> {
    fn parse(url: &'a str) -> anyhow::Result<Self> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                bail!("the sqlite URL names no file: {url}");
            }
            return Ok(Database::Sqlite(path));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url));
        }
        bail!("unknown database URL {url:?}: use sqlite://PATH or postgres://…")
    }

    /// The key file: `YOUTHLOOP_KEY_FILE`, or for SQLite the file beside the database.
    fn key_file(&self) -> Option<PathBuf> {
        match (std::env::var_os("YOUTHLOOP_KEY_FILE"), self) {
            (Some(file), _) => Some(PathBuf::from(file)),
            (None, Database::Sqlite(path)) => Some(PathBuf::from(format!("{path}.key"))),
            (None, Database::Postgres(_)) => None,
        }
    }

    /// The data key: `YOUTHLOOP_DATA_KEY` (64 hexadecimal characters), else the key file.
    /// A key file is made (mode 0600) only together with a new SQLite database, so that
    /// a lost key is never silently replaced by one that cannot read the data.
    fn keyring(&self) -> anyhow::Result<Keyring> {
        if let Ok(hex) = std::env::var("YOUTHLOOP_DATA_KEY") {
            let key =
                DataKey::from_hex(&hex).map_err(|e| anyhow::anyhow!("YOUTHLOOP_DATA_KEY: {e}"))?;
            return Ok(Keyring::single(key));
        }
        let Some(file) = self.key_file() else {
            bail!(
                "PostgreSQL needs a data key: set YOUTHLOOP_DATA_KEY to 64 hexadecimal characters \
                 (for example from `openssl rand -hex 32`) or YOUTHLOOP_KEY_FILE to a key file"
            );
        };
        let new_database = matches!(self, Database::Sqlite(path) if !Path::new(path).exists());
        Keyring::from_file(&file, new_database).map_err(|e| {
            anyhow::anyhow!(
                "{e}: the personal data in this database cannot be read without its data key; \
                 restore the key file or set YOUTHLOOP_DATA_KEY"
            )
        })
    }

    async fn open(&self, create: bool, keys: Keyring) -> anyhow::Result<Arc<dyn Store>> {
        Ok(match self {
            Database::Sqlite(path) => {
                if !create && !Path::new(path).exists() {
                    bail!("{path} does not exist");
                }
                Arc::new(
                    sqlite::open(path, create, keys)
                        .await
                        .with_context(|| format!("opening {path}"))?,
                )
            }
            Database::Postgres(url) => Arc::new(
                postgres::open(url, keys)
                    .await
                    .context("opening the PostgreSQL database")?,
            ),
        })
    }
}

async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let db = Database::parse(url)?;
    db.open(true, db.keyring()?).await
}

/// Opens a store for work that reads no personal data (verifying the audit trail): an
/// auditor needs no data key, so a throwaway one stands in.
async fn open_store_without_keys(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    Database::parse(url)?
        .open(false, Keyring::single(DataKey::generate()))
        .await
}

/// Puts a new data key first, lets running servers follow, re-encrypts every sealed
/// value under it in short batches, then retires the old keys.
async fn rotate_key(url: &str, follow_seconds: u64) -> anyhow::Result<()> {
    let db = Database::parse(url)?;
    if std::env::var_os("YOUTHLOOP_DATA_KEY").is_some() {
        bail!("the data key comes from YOUTHLOOP_DATA_KEY; rotation rewrites a key file: unset it and use YOUTHLOOP_KEY_FILE");
    }
    let Some(file) = db.key_file() else {
        bail!("rotation rewrites a key file: set YOUTHLOOP_KEY_FILE");
    };
    let old = key_file_keys(&file)?;
    let new = DataKey::generate();
    write_key_file(
        &file,
        &std::iter::once(new.clone())
            .chain(old.iter().cloned())
            .collect::<Vec<_>>(),
    )?;
    println!(
        "key {} is now primary; waiting for running servers to follow",
        new.id()
    );
    let store = db.open(false, Keyring::from_file(&file, false)?).await?;
    servers_follow(
        store.as_ref(),
        new.id(),
        Duration::from_secs(follow_seconds),
    )
    .await?;
    let mut total = 0;
    loop {
        let done = store.reseal(500).await?;
        if done == 0 {
            break;
        }
        total += done;
    }
    write_key_file(&file, std::slice::from_ref(&new))?;
    println!(
        "re-encrypted {total} rows under key {}; retired {} old key(s)",
        new.id(),
        old.len()
    );
    Ok(())
}

/// Waits until every running server seals with `key_id`, as each says once a second
/// (`key_holders`). A server whose beat stops for five seconds has stopped and is left
/// out; one that beats on without following fails the rotation before any key retires.
async fn servers_follow(store: &dyn Store, key_id: &str, within: Duration) -> anyhow::Result<()> {
    use std::collections::HashMap;
    use std::time::Instant;
    let started = Instant::now();
    // When each server was last seen to beat, and its beat then.
    let mut seen: HashMap<String, (i64, Instant)> = HashMap::new();
    loop {
        let now = Instant::now();
        let mut waiting = Vec::new();
        for holder in store.key_holders().await? {
            let last = seen
                .entry(holder.instance.clone())
                .or_insert((holder.beat, now));
            if holder.beat != last.0 {
                *last = (holder.beat, now);
            }
            let gone = now.duration_since(last.1) > Duration::from_secs(5);
            if holder.key_id != key_id && !gone {
                waiting.push(holder.instance);
            }
        }
        if waiting.is_empty() {
            return Ok(());
        }
        if started.elapsed() > within {
            bail!(
                "{} running server(s) did not follow the new key in {} s ({}); \
                 the old keys stay in the key file",
                waiting.len(),
                within.as_secs(),
                waiting.join(", ")
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("YOUTHLOOP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // Bad input from the user (exit 2) and failures (1) look the same here; the
            // message says which.
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            addr,
            db,
            read_database,
            demo,
            session_hours,
            body_limit,
            secure_cookies,
            hsts,
            rate_limits,
            lock_after,
            lock_minutes,
            public_url,
            metrics_addr,
            header_timeout,
            body_timeout,
            max_connections_per_address,
            trusted_proxies,
            jobs_every,
            #[cfg(feature = "test-clock")]
            test_clock,
        } => {
            #[cfg(not(feature = "test-clock"))]
            let test_clock = false;
            let metrics_addr = match metrics_addr.as_str() {
                "off" => None,
                addr => Some(
                    addr.parse()
                        .map_err(|e| anyhow::anyhow!("--metrics-addr {addr}: {e}"))?,
                ),
            };
            let public_url = public_url
                .map(|url| url.trim_end_matches('/').to_owned())
                .filter(|url| !url.is_empty());
            if let Some(url) = &public_url {
                let host = url
                    .strip_prefix("https://")
                    .or_else(|| url.strip_prefix("http://"));
                if host.is_none_or(|h| h.is_empty() || h.contains('/')) {
                    bail!("--public-url must be http(s)://host[:port] with no path, e.g. https://youth.example.gov.cn");
                }
            }
            if !(1..=24 * 30).contains(&session_hours) {
                bail!("--session-hours must be 1 to 720");
            }
            let store: Arc<dyn Store> =
                match (read_database.as_deref(), Database::parse(&db.database)?) {
                    (None, _) => open_store(&db.database).await?,
                    (Some(read), database @ Database::Postgres(url)) => {
                        Database::parse(read)?;
                        Arc::new(
                            postgres::open_with_replica(url, Some(read), database.keyring()?)
                                .await?,
                        )
                    }
                    (Some(_), Database::Sqlite(_)) => {
                        bail!("--read-database is for PostgreSQL replicas")
                    }
                };
            // One clock for the demo it fills and the server it starts.
            let clock = Arc::new(Clock::new(test_clock));
            if demo {
                if store.is_empty().await? {
                    tracing::info!("filling the empty database with the demo district");
                    demo::fill(store.as_ref(), 2026, clock.now()).await?;
                } else if !demo::is_demo(store.as_ref()).await? {
                    tracing::warn!("--demo ignored: the database already holds a district that is not the demo");
                }
            }
            if demo::is_demo(store.as_ref()).await? {
                demo::announce_accounts();
            }
            let settings = Settings {
                addr,
                session_ttl: time::Duration::hours(session_hours),
                body_limit,
                secure_cookies,
                hsts,
                rate_limits: rate_limits == "on",
                lock_after,
                lock_for: time::Duration::minutes(lock_minutes),
                public_url,
                metrics_addr,
                connections: ConnectionLimits {
                    header_timeout: std::time::Duration::from_secs(header_timeout),
                    body_timeout: std::time::Duration::from_secs(body_timeout),
                    per_address: max_connections_per_address,
                },
                trusted_proxies,
                jobs_every: std::time::Duration::from_secs(jobs_every),
            };
            youthloop_server::serve(store, settings, clock).await?;
            Ok(())
        }
        Command::Demo { db, size, seed } => {
            if matches!(size, Size::City) {
                bail!("--size city is not built yet; use --size district");
            }
            let store = open_store(&db.database).await?;
            if !store.is_empty().await? {
                bail!("the database is not empty; demo data goes only into an empty database");
            }
            demo::fill(store.as_ref(), seed, Clock::system().now()).await?;
            demo::announce_accounts();
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => {
            let store = open_store_without_keys(&db.database).await?;
            for chain in store.audit_chains().await? {
                let head = chain.head.as_ref().map(|(seq, hash)| (*seq, hash.as_str()));
                match youthloop_domain::audit::verify(
                    chain.district_id.as_str(),
                    &chain.events,
                    head,
                ) {
                    Ok(n) => println!(
                        "district {}: {n} events, the chain is whole",
                        chain.district_id
                    ),
                    Err(broken) => bail!("the audit chain is broken: {broken}"),
                }
            }
            Ok(())
        }
        Command::Bench {
            command: BenchCommand::Surge(args),
        } => bench::surge::surge(args).await,
        Command::Bench {
            command: BenchCommand::Roster(args),
        } => bench::roster::run(&args),
        Command::Bench {
            command: BenchCommand::Dispatch(args),
        } => bench::dispatch::run(&args),
        Command::Export {
            command: ExportCommand::Hours { db, from, to, out },
        } => {
            if to < from {
                bail!("--to is before --from");
            }
            let store = open_store(&db.database).await?;
            let Some(district) = store.default_district().await? else {
                bail!("the database holds no district");
            };
            let by = youthloop_domain::role::Actor::system(&district, Clock::system().now());
            let rows = store.hours_export(&by, (from, to)).await?;
            let bytes = youthloop_server::services::export::hours_workbook(&rows)?;
            let out =
                out.unwrap_or_else(|| PathBuf::from(format!("volunteer-hours-{from}-{to}.xlsx")));
            std::fs::write(&out, bytes).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "{} records of service hours written to {}",
                rows.len(),
                out.display()
            );
            Ok(())
        }
        Command::RotateKey { db, follow_seconds } => rotate_key(&db.database, follow_seconds).await,
        Command::MigrateData { from, to } => {
            let (Database::Sqlite(path), Database::Postgres(url)) =
                (Database::parse(&from)?, Database::parse(&to)?)
            else {
                bail!("migrate-data copies --from sqlite://PATH --to postgres://…");
            };
            if !Path::new(path).exists() {
                bail!("{path} does not exist");
            }
            // Opening runs the migrations; the copy needs no data key (sealed values move as they are).
            postgres::open(url, Keyring::single(DataKey::generate())).await?;
            let report = youthloop_store::copy::sqlite_to_postgres(path, url).await?;
            for table in &report {
                println!(
                    "{:<18} {:>7} rows  sha256 {}",
                    table.table,
                    table.rows,
                    &table.checksum[..16]
                );
            }
            println!(
                "copied and verified {} tables; serve it with the same data key (YOUTHLOOP_KEY_FILE={}.key or YOUTHLOOP_DATA_KEY)",
                report.len(),
                path
            );
            Ok(())
        }
        Command::Migrate { db } => {
            open_store(&db.database).await?;
            println!("migrations are up to date");
            Ok(())
        }
        Command::Init {
            db,
            district,
            district_code,
            admin_phone,
            admin_name,
        } => {
            let phone =
                Phone::parse(&admin_phone).map_err(|e| anyhow::anyhow!("--admin-phone: {e}"))?;
            let code = youthloop_domain::region::parse_division_code(&district_code)
                .map_err(|e| anyhow::anyhow!("--district-code: {e}"))?;
            let password = match std::env::var("YOUTHLOOP_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("Password for {admin_phone} (8 to 128 characters):");
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            youthloop_server::auth::check_password(&password, &[admin_phone.as_str()])
                .map_err(|e| anyhow::anyhow!("password: {}", e.message))?;
            let store = open_store(&db.database).await?;
            let now = Clock::system().now();
            let created = store.create_district(&district, &code, now).await?;
            let hash = youthloop_server::auth::hash_password(password)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            store
                .create_user(
                    &youthloop_domain::role::Actor::system(&created.id, now),
                    NewUser {
                        phone: phone.as_str().to_owned(),
                        password_hash: hash,
                        name: admin_name,
                        id_number: None,
                        birth_date: None,
                        grants: vec![Grant {
                            role: Role::LeagueAdmin,
                            scope_id: created.id.to_string(),
                        }],
                        is_participant: false,
                    },
                )
                .await?;
            println!(
                "district {} ({}) made; sign in as {}",
                created.name, created.id, phone
            );
            Ok(())
        }
    }
}
