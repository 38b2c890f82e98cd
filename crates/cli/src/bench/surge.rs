//! `youthloop bench surge`: floods one activity with registrations over HTTP on
//! loopback, checks that nothing was overbooked, doubled or lost, and measures in the
//! same run the limits the rate is compared to: the server's own `/healthz` rate at the
//! same concurrency, raw durable inserts into the same engine, and on PostgreSQL the
//! plain hot-row statement.

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::json;
use time::OffsetDateTime;
use tokio::io::{AsyncBufReadExt, BufReader};
use youthloop_domain::activity::ActivityAction;
use youthloop_domain::id::*;
use youthloop_domain::role::{Actor, Grant, Role};
use youthloop_domain::IdNumber;
use youthloop_server::clock::Clock;
use youthloop_store::bench::{Place, Target};
use youthloop_store::crypto::{DataKey, Keyring};
use youthloop_store::model::{NewActivity, NewParticipant, NewUser, Page, ParticipantKind};
use youthloop_store::Store;

use crate::Database;

#[derive(clap::Args)]
pub struct SurgeArgs {
    /// An empty database to fill and flood: sqlite://PATH or postgres://…. Without it, a
    /// new SQLite file in a temporary folder, removed afterwards.
    #[arg(long)]
    database: Option<String>,
    /// Concurrent HTTP clients, each with its own connection.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=4096))]
    clients: u32,
    /// Registration attempts, each by a different child.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..=2_000_000))]
    attempts: u32,
    /// Seats; by default half the attempts.
    #[arg(long)]
    capacity: Option<u32>,
    /// Waitlist places; by default what the seats leave of the attempts.
    #[arg(long)]
    waitlist: Option<u32>,
    /// One attempt in this many is sent again with the same Idempotency-Key (0: none).
    #[arg(long, default_value_t = 20)]
    retry_every: u32,
    /// One confirmed attempt in this many is cancelled right after (0: none).
    #[arg(long, default_value_t = 50)]
    cancel_every: u32,
    /// End the output with one line holding every figure as a JSON object.
    #[arg(long)]
    json: bool,
}

/// What a client saw for one attempt.
struct Seen {
    latency: Duration,
    status: u16,
    registration: Option<String>,
    /// Answered with a seat (not a waitlist place).
    seated: bool,
    /// The retry's registration, when the attempt was sent twice.
    retried: Option<Option<String>>,
    cancelled: bool,
    server_errors: usize,
}

pub async fn surge(args: SurgeArgs) -> anyhow::Result<()> {
    let attempts = args.attempts as usize;
    let clients = args.clients as usize;
    let capacity = args.capacity.unwrap_or(args.attempts / 2);
    let waitlist = args
        .waitlist
        .unwrap_or(args.attempts.saturating_sub(capacity));
    let scratch = match &args.database {
        Some(_) => None,
        None => Some(scratch_dir()?),
    };
    let url = match (&args.database, &scratch) {
        (Some(url), _) => url.clone(),
        (None, Some(dir)) => format!("sqlite://{}/surge.db", dir.0.display()),
        (None, None) => unreachable!("a scratch folder is made when no database is named"),
    };
    let database = Database::parse(&url)?;
    // PostgreSQL without a configured key: a throwaway one, handed to the server too.
    let generated_key = match database {
        Database::Postgres(_)
            if std::env::var_os("YOUTHLOOP_DATA_KEY").is_none()
                && std::env::var_os("YOUTHLOOP_KEY_FILE").is_none() =>
        {
            let bytes: [u8; 32] = rand::random();
            Some(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        }
        _ => None,
    };
    let keys = match &generated_key {
        Some(hex) => Keyring::single(DataKey::from_hex(hex)?),
        None => database.keyring()?,
    };
    let target = match database {
        Database::Sqlite(path) => Target::Sqlite(path),
        Database::Postgres(url) => Target::Postgres(url),
    };

    eprintln!(
        "preparing: the demo district, one activity, {attempts} children in {clients} families"
    );
    let store = database.open(true, keys).await?;
    if !store.is_empty().await? {
        bail!("the bench fills its own district: give it an empty database");
    }
    crate::demo::fill(store.as_ref(), 2026, Clock::system().now()).await?;
    let fixture = prepare(store.as_ref(), attempts, clients, capacity, waitlist).await?;
    drop(store);

    let mut server = Server::start(&url, generated_key.as_deref()).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(120))
        .build()?;
    let fixture = Arc::new(fixture);

    eprintln!("flooding: {attempts} attempts from {clients} clients");
    let started = Instant::now();
    let seen = flood(&client, &server.base, &fixture, clients, &args).await;
    let flood_time = started.elapsed();
    let batch = mean_batch(&client, &server.base).await.unwrap_or(1.0);

    eprintln!("measuring the HTTP ceiling: GET /healthz from {clients} clients");
    let health = healthz(&client, &server.base, clients, attempts.min(200_000)).await;
    server.stop().await;

    eprintln!("checking the line in the database");
    let line = youthloop_store::bench::line(target, &fixture.activity_id).await?;
    let checks = check(&seen, &line, capacity, waitlist);

    let batch_rows = batch.round().max(1.0) as usize;
    eprintln!("measuring the storage ceiling: {attempts} rows in transactions of {batch_rows}");
    let storage = youthloop_store::bench::storage_ceiling(target, attempts, batch_rows).await?;
    let hot_row = match target {
        Target::Postgres(url) => {
            let n = attempts.min(20_000);
            eprintln!("measuring the plain hot-row statement: {n} attempts from {clients} clients over 64 connections");
            Some(
                youthloop_store::bench::hot_row_baseline(url, n, clients, 64, i64::from(capacity))
                    .await?,
            )
        }
        Target::Sqlite(_) => None,
    };

    let mut latencies: Vec<Duration> = seen.iter().map(|s| s.latency).collect();
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    let secs = flood_time.as_secs_f64();
    let admitted = seen.iter().filter(|s| s.registration.is_some()).count();
    let seated = seen.iter().filter(|s| s.seated).count();
    let full = seen.iter().filter(|s| s.status == 409).count();
    let attempts_per_s = attempts as f64 / secs;
    let admitted_per_s = admitted as f64 / secs;
    let confirmed_per_s = seated as f64 / secs;
    let http_ceiling = health.per_second();
    let storage_ceiling = storage.per_second();
    let server_errors: usize = seen.iter().map(|s| s.server_errors).sum();
    let engine = match target {
        Target::Sqlite(_) => "sqlite",
        Target::Postgres(_) => "postgres",
    };

    println!("youthloop bench surge — {engine}, {}", machine());
    println!(
        "load: {attempts} attempts by distinct children from {clients} clients on loopback; capacity {capacity}, waitlist {waitlist}; every {}th retried with its Idempotency-Key, every {}th confirmed one cancelled",
        args.retry_every, args.cancel_every
    );
    println!(
        "flood: {secs:.2} s; {attempts_per_s:.0} attempts/s; {admitted_per_s:.0} admitted (201)/s, of them {confirmed_per_s:.0} confirmed/s; {full} answered full; mean batch {batch:.1}"
    );
    println!(
        "latency: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
        pct(0.50),
        pct(0.95),
        pct(0.99)
    );
    println!(
        "HTTP ceiling (GET /healthz, same clients): {http_ceiling:.0}/s; attempts reach {:.2} of it",
        attempts_per_s / http_ceiling
    );
    println!(
        "storage ceiling (durable inserts, one writer, {batch_rows} rows a commit): {storage_ceiling:.0}/s; admissions reach {:.2} of it",
        admitted_per_s / storage_ceiling
    );
    if let Some(hot) = &hot_row {
        println!(
            "plain hot-row statement (one transaction per attempt): {:.0}/s; attempts run at {:.1}× it",
            hot.per_second(),
            attempts_per_s / hot.per_second()
        );
    }
    println!(
        "checks: overbooked {}, duplicates {}, lost {}, server errors {}, waitlist in order: {}; in the database {} confirmed, {} waitlisted, {} cancelled",
        checks.overbooked,
        checks.duplicates,
        checks.lost,
        server_errors,
        if checks.in_order { "yes" } else { "NO" },
        checks.confirmed,
        checks.waitlisted,
        checks.cancelled
    );
    if args.json {
        let mut figures = json!({
            "engine": engine,
            "machine": machine(),
            "clients": clients,
            "attempts": attempts,
            "capacity": capacity,
            "waitlist": waitlist,
            "seconds": secs,
            "attempts_per_s": attempts_per_s,
            "confirmed_per_s": confirmed_per_s,
            "admitted_per_s": admitted_per_s,
            "mean_batch": batch,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "http_ceiling_per_s": http_ceiling,
            "storage_ceiling_per_s": storage_ceiling,
            "overbooked": checks.overbooked,
            "duplicates": checks.duplicates,
            "lost": checks.lost,
            "server_errors": server_errors,
            "waitlist_in_order": checks.in_order,
        });
        if let Some(hot) = &hot_row {
            figures["hot_row_baseline_per_s"] = json!(hot.per_second());
        }
        println!("{figures}");
    }
    if checks.overbooked + checks.duplicates + checks.lost + server_errors > 0 || !checks.in_order {
        bail!("the surge broke a promise: see the checks above");
    }
    Ok(())
}

/// The activity and the families the flood uses.
struct Fixture {
    activity_id: ActivityId,
    /// Per attempt: the child.
    participants: Vec<ParticipantId>,
    /// Per family: a session token.
    tokens: Vec<String>,
}

async fn prepare(
    store: &dyn Store,
    attempts: usize,
    clients: usize,
    capacity: u32,
    waitlist: u32,
) -> anyhow::Result<Fixture> {
    let now = Clock::system().now();
    let district = store
        .default_district()
        .await?
        .context("the demo made no district")?;
    let organization = store
        .organizations(&district, &Page::default())
        .await?
        .items
        .into_iter()
        .next()
        .context("the demo made no organization")?;
    let org = Actor {
        grants: vec![Grant {
            role: Role::OrgAdmin,
            scope_id: organization.id.to_string(),
        }],
        ..Actor::system(&district, now)
    };
    let activity = store
        .create_activity(
            &org,
            NewActivity {
                organization_id: organization.id.clone(),
                order_id: None,
                title: "报名压力测试 / Surge benchmark".to_owned(),
                description: "youthloop bench surge".to_owned(),
                starts_at: now + time::Duration::days(3),
                ends_at: now + time::Duration::days(3) + time::Duration::hours(2),
                venue: "压测场地 / Bench venue".to_owned(),
                capacity,
                waitlist_capacity: waitlist,
                min_age: 6,
                max_age: 18,
                registration_opens_at: now - time::Duration::hours(1),
                registration_closes_at: now + time::Duration::days(2),
                badges: Vec::new(),
            },
        )
        .await?;
    store
        .transition_activity(&org, &activity.id, ActivityAction::Publish, now)
        .await?;

    let families = clients.min(attempts);
    // Nobody signs in with it: sessions are made directly below.
    let password_hash = youthloop_server::auth::hash_password(rand_password())
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let mut tokens = Vec::with_capacity(families);
    let mut participants = vec![ParticipantId::default(); attempts];
    for f in 0..families {
        let user = store
            .create_user(
                &Actor::system(&district, now),
                NewUser {
                    phone: format!("170{f:08}"),
                    password_hash: password_hash.clone(),
                    name: format!("压测家长{f}"),
                    id_number: None,
                    birth_date: None,
                    grants: vec![Grant {
                        role: Role::Guardian,
                        scope_id: String::new(),
                    }],
                    is_participant: false,
                },
            )
            .await?;
        let guardian = Actor {
            user_id: user.id.clone(),
            grants: user.grants(),
            ..Actor::system(&district, now)
        };
        let token = youthloop_server::auth::new_token();
        store
            .create_session(
                &guardian,
                &youthloop_server::auth::token_hash(&token),
                now + time::Duration::hours(12),
                youthloop_store::model::SignInKey {
                    phone: &format!("170{f:08}"),
                    client: "bench",
                },
            )
            .await?;
        tokens.push(token);
        let mine: Vec<usize> = (f..attempts).step_by(families).collect();
        let children = mine
            .iter()
            .map(|&k| child(k, &user.id, now))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let made = store.create_participants(&guardian, children).await?;
        for (k, p) in mine.into_iter().zip(made) {
            participants[k] = p.id;
        }
    }
    Ok(Fixture {
        activity_id: activity.id,
        participants,
        tokens,
    })
}

/// The `k`th child: 8 to 13 years old (so a guardian's consent is on file), with a
/// valid, fictional ID number unique to `k`.
fn child(k: usize, guardian_id: &UserId, now: OffsetDateTime) -> anyhow::Result<NewParticipant> {
    let day = i64::try_from(k % 2000)?;
    let born = now.date() - time::Duration::days(8 * 366 + day);
    let first17 = format!(
        "990101{:04}{:02}{:02}{:03}",
        born.year(),
        u8::from(born.month()),
        born.day(),
        (k / 2000) % 1000
    );
    let check = char::from(IdNumber::check_char(first17.as_bytes()));
    let id = IdNumber::parse(&format!("{first17}{check}"))?;
    Ok(NewParticipant {
        id: None,
        kind: ParticipantKind::Child,
        name: format!("压测儿童{k}"),
        birth_date: id.birth_date(),
        id_number: id.as_str().to_owned(),
        guardian_id: Some(guardian_id.clone()),
        user_id: None,
        consent_relation: Some("母亲".to_owned()),
    })
}

fn rand_password() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn flood(
    client: &reqwest::Client,
    base: &str,
    fixture: &Arc<Fixture>,
    clients: usize,
    args: &SurgeArgs,
) -> Vec<Seen> {
    let next = Arc::new(AtomicUsize::new(0));
    let attempts = fixture.participants.len();
    let (retry_every, cancel_every) = (args.retry_every as usize, args.cancel_every as usize);
    let mut workers = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (client, next, fixture) = (client.clone(), next.clone(), fixture.clone());
        let url = format!(
            "{base}/api/v1/activities/{}/registrations",
            fixture.activity_id
        );
        let base = base.to_owned();
        workers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= attempts {
                    break seen;
                }
                let token = &fixture.tokens[k % fixture.tokens.len()];
                let body = json!({ "participant_id": fixture.participants[k] });
                let key = format!("surge-{k}");
                let send = || {
                    client
                        .post(&url)
                        .bearer_auth(token)
                        .header("Idempotency-Key", &key)
                        .json(&body)
                        .send()
                };
                let began = Instant::now();
                let (status, registration) = answer(send().await).await;
                let mut s = Seen {
                    latency: began.elapsed(),
                    status,
                    registration: registration.as_ref().map(|(id, _)| id.clone()),
                    seated: matches!(&registration, Some((_, state)) if state == "confirmed"),
                    retried: None,
                    cancelled: false,
                    server_errors: usize::from(status >= 500 || status == 0),
                };
                if retry_every > 0 && k % retry_every == retry_every / 2 {
                    let (again, registration) = answer(send().await).await;
                    s.server_errors += usize::from(again >= 500 || again == 0);
                    s.retried = Some(registration.map(|(id, _)| id));
                }
                if let Some((id, state)) = &registration {
                    if cancel_every > 0 && k % cancel_every == 1 && state == "confirmed" {
                        let cancel = client
                            .delete(format!("{base}/api/v1/registrations/{id}"))
                            .bearer_auth(token)
                            .send()
                            .await;
                        match cancel.map(|r| r.status().as_u16()) {
                            Ok(200) => s.cancelled = true,
                            Ok(code) if code < 500 => {}
                            _ => s.server_errors += 1,
                        }
                    }
                }
                seen.push(s);
            }
        }));
    }
    let mut seen = Vec::with_capacity(attempts);
    for worker in workers {
        seen.extend(worker.await.unwrap_or_default());
    }
    seen
}

/// The status and, for a 201, the registration's id and status (0: no answer at all).
async fn answer(response: reqwest::Result<reqwest::Response>) -> (u16, Option<(String, String)>) {
    let Ok(response) = response else {
        return (0, None);
    };
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let registration = (status == 201)
        .then(|| {
            Some((
                body["id"].as_str()?.to_owned(),
                body["status"].as_str()?.to_owned(),
            ))
        })
        .flatten();
    (status, registration)
}

/// Requests per second of `GET /healthz` from `clients` clients.
async fn healthz(
    client: &reqwest::Client,
    base: &str,
    clients: usize,
    requests: usize,
) -> youthloop_store::bench::Rate {
    let next = Arc::new(AtomicUsize::new(0));
    let url = format!("{base}/healthz");
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (client, next, url) = (client.clone(), next.clone(), url.clone());
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < requests {
                    if let Ok(r) = client.get(&url).send().await {
                        let _ = r.bytes().await;
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    youthloop_store::bench::Rate {
        count: requests,
        elapsed: started.elapsed(),
    }
}

/// The mean registrations per commit, from the server's own metrics.
async fn mean_batch(client: &reqwest::Client, base: &str) -> Option<f64> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let figure = |name: &str| -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
    };
    Some(
        figure("youthloop_registration_batch_size_sum ")?
            / figure("youthloop_registration_batch_size_count ")?,
    )
}

struct Checks {
    overbooked: usize,
    duplicates: usize,
    lost: usize,
    in_order: bool,
    confirmed: usize,
    waitlisted: usize,
    cancelled: usize,
}

/// What the clients were told against what the database holds.
fn check(seen: &[Seen], line: &[Place], capacity: u32, waitlist: u32) -> Checks {
    let count = |states: &[&str]| {
        line.iter()
            .filter(|p| states.contains(&p.status.as_str()))
            .count()
    };
    let confirmed = count(&["confirmed", "attended"]);
    let waitlisted = count(&["waitlisted"]);
    let overbooked =
        confirmed.saturating_sub(capacity as usize) + waitlisted.saturating_sub(waitlist as usize);
    let mut live = HashSet::new();
    let mut duplicates = line
        .iter()
        .filter(|p| p.status != "cancelled" && !live.insert(p.participant_id.as_str()))
        .count();
    // A retry must answer with the first registration, never a second one.
    duplicates += seen
        .iter()
        .filter(|s| matches!((&s.registration, &s.retried), (Some(first), Some(Some(again))) if first != again))
        .count();
    let held: HashMap<&str, &Place> = line.iter().map(|p| (p.id.as_str(), p)).collect();
    let lost = seen
        .iter()
        .filter_map(|s| s.registration.as_deref().map(|id| (id, s.cancelled)))
        .filter(|(id, cancelled)| match held.get(id) {
            None => true,
            Some(p) => *cancelled != (p.status == "cancelled"),
        })
        .count();
    let last_seated = line
        .iter()
        .filter(|p| matches!(p.status.as_str(), "confirmed" | "attended"))
        .map(|p| p.seq)
        .max();
    let first_waiting = line
        .iter()
        .filter(|p| p.status == "waitlisted")
        .map(|p| p.seq)
        .min();
    Checks {
        overbooked,
        duplicates,
        lost,
        in_order: match (last_seated, first_waiting) {
            (Some(seated), Some(waiting)) => seated < waiting,
            _ => true,
        },
        confirmed,
        waitlisted,
        cancelled: count(&["cancelled"]),
    }
}

/// A `youthloop serve` child process on a free loopback port.
struct Server {
    child: tokio::process::Child,
    base: String,
}

impl Server {
    async fn start(url: &str, data_key: Option<&str>) -> anyhow::Result<Self> {
        let mut command = tokio::process::Command::new(std::env::current_exe()?);
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--database", url])
            // One loopback address floods it: no limits per address, and the metrics
            // address stays free for whatever else runs on the machine.
            .args(["--rate-limits", "off", "--max-connections-per-address", "0"])
            .args(["--metrics-addr", "off"])
            .env("YOUTHLOOP_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(key) = data_key {
            command.env("YOUTHLOOP_DATA_KEY", key);
        }
        let mut child = command.spawn().context("starting youthloop serve")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    return Ok(addr.trim().to_owned());
                }
            }
            bail!("the server stopped before it listened")
        })
        .await
        .context("the server did not start within a minute")??;
        // Keep reading so that the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, base })
    }

    async fn stop(&mut self) {
        let _ = self.child.kill().await;
    }
}

/// A scratch folder, removed when dropped.
struct ScratchDir(std::path::PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch_dir() -> anyhow::Result<ScratchDir> {
    let dir = std::env::temp_dir().join(format!("youthloop-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(ScratchDir(dir))
}

/// The machine the figures come from.
fn machine() -> String {
    format!(
        "{}, client and server on one machine over loopback",
        super::machine()
    )
}
