//! The store's conformance cases: each is generic over `Store` and expanded into one
//! test per engine, so that a failure names the engine.

// A test that cannot go on should stop loudly where it is.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sqlx::{Connection, PgConnection};
use time::{Duration, OffsetDateTime};
use youthloop_domain::activity::{ActivityAction, RegistrationStatus};
use youthloop_domain::region::RegionKind;
use youthloop_domain::role::{Actor, Grant, Role};
use youthloop_domain::round::RoundAction;
use youthloop_domain::{DomainError, Fen};
use youthloop_store::crypto::{DataKey, Keyring};
use youthloop_store::model::*;
use youthloop_store::prelude::*;
use youthloop_store::SqlStore;
use youthloop_store::StoreError;

/// A district with one community, one organization and one guardian.
struct World {
    district: String,
    sys: Actor,
    community: String,
    org: Actor,
    guardian: User,
}

/// The store's callers read the time from the server's clock; here, the wall's.
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

async fn world<S: Store>(s: &S) -> World {
    let district = s
        .create_district("测试区", "990900000000", now())
        .await
        .unwrap()
        .id;
    let sys = Actor::system(&district, now());
    let community = s
        .create_region(
            &sys,
            NewRegion {
                parent_id: None,
                name: "测试社区".into(),
                kind: RegionKind::Community,
                code: "990900001001".into(),
                profile: None,
            },
        )
        .await
        .unwrap()
        .id;
    let org = s
        .create_organization(
            &sys,
            NewOrganization {
                name: "测试组织".into(),
                credit_code: "91350100M000100Y43".into(),
                areas: vec!["safety".into()],
                address: "路".into(),
            },
        )
        .await
        .unwrap();
    let org_admin = user(s, &district, "13900000001", Role::OrgAdmin, &org.id).await;
    let guardian = user(s, &district, "13900000002", Role::Guardian, "").await;
    World {
        org: Actor {
            grants: org_admin.grants(),
            user_id: org_admin.id.clone(),
            ..sys.clone()
        },
        sys,
        district,
        community,
        guardian,
    }
}

async fn user<S: Store>(s: &S, district: &str, phone: &str, role: Role, scope: &str) -> User {
    s.create_user(
        &Actor::system(district, now()),
        NewUser {
            phone: phone.into(),
            password_hash: "not-a-real-hash".into(),
            name: "测试".into(),
            id_number: None,
            birth_date: None,
            grants: vec![Grant {
                role,
                scope_id: scope.into(),
            }],
            is_participant: false,
        },
    )
    .await
    .unwrap()
}

async fn child<S: Store>(s: &S, w: &World, n: u32) -> String {
    s.create_participant(
        &w.sys,
        NewParticipant {
            id: None,
            kind: ParticipantKind::Child,
            name: format!("孩子{n}"),
            birth_date: time::macros::date!(2016 - 05 - 01),
            id_number: format!("id-{n}"),
            guardian_id: Some(w.guardian.id.clone()),
            user_id: None,
            consent_relation: Some("父亲".into()),
        },
    )
    .await
    .unwrap()
    .id
}

fn new_activity(w: &World, capacity: u32, waitlist: u32) -> NewActivity {
    let now = OffsetDateTime::now_utc();
    NewActivity {
        organization_id: w.org.org_ids()[0].clone(),
        order_id: None,
        title: "测试活动".into(),
        description: String::new(),
        starts_at: now + Duration::days(2),
        ends_at: now + Duration::days(2) + Duration::hours(2),
        venue: "活动室".into(),
        capacity,
        waitlist_capacity: waitlist,
        min_age: 6,
        max_age: 14,
        registration_opens_at: now - Duration::hours(1),
        registration_closes_at: now + Duration::days(1),
        badges: vec!["laodong".into()],
    }
}

async fn open_activity<S: Store>(s: &S, w: &World, capacity: u32, waitlist: u32) -> Activity {
    let now = OffsetDateTime::now_utc();
    let activity = s
        .create_activity(&w.sys, new_activity(w, capacity, waitlist))
        .await
        .unwrap();
    s.transition_activity(&w.org, &activity.id, ActivityAction::Publish, now)
        .await
        .unwrap()
}

async fn register<S: Store>(
    s: &S,
    w: &World,
    activity: &str,
    participant: &str,
    key: Option<&str>,
) -> Result<Registered, StoreError> {
    let attempt = RegistrationAttempt {
        activity_id: activity.into(),
        participant_id: participant.into(),
        idempotency_key: key.map(str::to_owned),
    };
    s.register(&guardian(w), attempt, OffsetDateTime::now_utc())
        .await
}

fn guardian(w: &World) -> Actor {
    Actor {
        user_id: w.guardian.id.clone(),
        grants: w.guardian.grants(),
        ..w.sys.clone()
    }
}

async fn waitlist_is_promoted_in_order<S: Store>(s: &S) {
    let w = world(s).await;
    let a = open_activity(s, &w, 1, 2).await;
    let kids = [
        child(s, &w, 1).await,
        child(s, &w, 2).await,
        child(s, &w, 3).await,
        child(s, &w, 4).await,
    ];
    let first = register(s, &w, &a.id, &kids[0], None).await.unwrap();
    assert_eq!(first.status, RegistrationStatus::Confirmed);
    let second = register(s, &w, &a.id, &kids[1], None).await.unwrap();
    assert_eq!(
        (second.status, second.position),
        (RegistrationStatus::Waitlisted, Some(1))
    );
    let third = register(s, &w, &a.id, &kids[2], None).await.unwrap();
    assert_eq!(third.position, Some(2));
    assert!(matches!(
        register(s, &w, &a.id, &kids[3], None).await,
        Err(StoreError::Domain(DomainError::Full))
    ));
    s.cancel_registration(&guardian(&w), &first.id, OffsetDateTime::now_utc())
        .await
        .unwrap();
    let line = s
        .registrations(&w.district, &a.id, &Page::all())
        .await
        .unwrap()
        .items;
    let of = |id: &str| line.iter().find(|r| r.id == id).unwrap().clone();
    assert_eq!(
        of(&second.id).status,
        RegistrationStatus::Confirmed,
        "the first in line takes the seat"
    );
    assert_eq!(
        (of(&third.id).status, of(&third.id).position),
        (RegistrationStatus::Waitlisted, Some(1))
    );
}

async fn a_key_answers_once_and_only_for_its_request<S: Store>(s: &S) {
    let w = world(s).await;
    let a = open_activity(s, &w, 5, 0).await;
    let (one, two) = (child(s, &w, 1).await, child(s, &w, 2).await);
    let first = register(s, &w, &a.id, &one, Some("key-1")).await.unwrap();
    let again = register(s, &w, &a.id, &one, Some("key-1")).await.unwrap();
    assert_eq!(
        (again.id.as_str(), again.replayed),
        (first.id.as_str(), true)
    );
    let reused = register(s, &w, &a.id, &two, Some("key-1")).await;
    assert!(
        matches!(
            reused,
            Err(StoreError::Conflict {
                code: "idempotency_key_reused",
                ..
            })
        ),
        "{reused:?}"
    );
    assert_eq!(
        s.activity(&w.district, &a.id, &[])
            .await
            .unwrap()
            .confirmed_count,
        1
    );
}

async fn approvals_stay_within_the_budget<S: Store>(s: &S) {
    let w = world(s).await;
    let now = OffsetDateTime::now_utc();
    let round = s
        .create_round(
            &w.sys,
            NewRound {
                title: "批次".into(),
                budget: Fen::parse("b", 100).unwrap(),
                opens_at: now,
                closes_at: now + Duration::days(1),
            },
        )
        .await
        .unwrap();
    s.transition_round(&w.sys, &round.id, RoundAction::Open)
        .await
        .unwrap();
    let propose = || NewProject {
        round_id: round.id.clone(),
        organization_id: w.org.org_ids()[0].clone(),
        title: "项目".into(),
        area: "safety".into(),
        min_age: 6,
        max_age: 12,
        capacity: 10,
        unit_price: Fen::parse("p", 60).unwrap(),
        sessions_offered: 2,
        description: String::new(),
        badges: vec![],
    };
    let a = s.create_project(&w.sys, propose()).await.unwrap();
    let b = s.create_project(&w.sys, propose()).await.unwrap();
    s.approve_project(&w.sys, &a.id, 1).await.unwrap();
    let over = s.approve_project(&w.sys, &b.id, 1).await;
    assert!(
        matches!(over, Err(StoreError::Domain(DomainError::OverBudget))),
        "{over:?}"
    );
    assert_eq!(
        s.round(&w.district, &round.id).await.unwrap().approved_fen,
        60
    );
    assert_eq!(s.menu(&w.district).await.unwrap().len(), 1);
}

async fn every_change_is_in_one_whole_audit_chain<S: Store>(s: &S) {
    let w = world(s).await;
    let a = open_activity(s, &w, 1, 0).await;
    let kid = child(s, &w, 1).await;
    register(s, &w, &a.id, &kid, None).await.unwrap();
    let chains = s.audit_chains().await.unwrap();
    let chain = chains.iter().find(|c| c.district_id == w.district).unwrap();
    let actions: Vec<&str> = chain.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.first(), Some(&"district.create"));
    assert!(
        actions.ends_with(&[
            "activity.create",
            "activity.publish",
            "participant.create",
            "registration.create"
        ]),
        "{actions:?}"
    );
    let head = chain.head.as_ref().map(|(seq, hash)| (*seq, hash.as_str()));
    assert_eq!(
        youthloop_domain::audit::verify(&w.district, &chain.events, head),
        Ok(chain.events.len() as i64)
    );
    let registration = chain.events.last().unwrap();
    assert_eq!(
        (registration.actor.as_str(), registration.address.as_str()),
        (w.guardian.id.as_str(), "cli")
    );
}

async fn other_districts_are_not_found<S: Store>(s: &S) {
    let w = world(s).await;
    let a = open_activity(s, &w, 5, 0).await;
    let other = s
        .create_district("另一区", "990800000000", now())
        .await
        .unwrap()
        .id;
    assert!(matches!(
        s.activity(&other, &a.id, &[]).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.region(&other, &w.community).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.organization(&other, &w.org.org_ids()[0]).await,
        Err(StoreError::NotFound)
    ));
}

/// What the pages list and count reads the same on both engines.
async fn listings_answer_what_the_pages_ask<S: Store>(s: &S) {
    let w = world(s).await;
    let activity = open_activity(s, &w, 1, 1).await;
    let (a, b) = (child(s, &w, 1).await, child(s, &w, 2).await);
    register(s, &w, &activity.id, &a, None).await.unwrap();
    register(s, &w, &activity.id, &b, None).await.unwrap();
    let now = OffsetDateTime::now_utc();

    let all = ActivityFilter {
        from: Some(now),
        limit: 10,
        ..ActivityFilter::default()
    };
    let cards = s.upcoming(&w.district, &all).await.unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].organization_name, "测试组织");
    assert_eq!(cards[0].activity.confirmed_count, 1);
    let too_old = ActivityFilter {
        age: Some(15),
        ..all.clone()
    };
    assert!(s.upcoming(&w.district, &too_old).await.unwrap().is_empty());
    let another_day = ActivityFilter {
        to: Some(now + Duration::days(1)),
        ..all.clone()
    };
    assert!(s
        .upcoming(&w.district, &another_day)
        .await
        .unwrap()
        .is_empty());
    let elsewhere = ActivityFilter {
        community_id: Some(w.community.clone()),
        ..all.clone()
    };
    assert!(s
        .upcoming(&w.district, &elsewhere)
        .await
        .unwrap()
        .is_empty());
    let draft = s
        .create_activity(&w.sys, new_activity(&w, 1, 0))
        .await
        .unwrap();
    let ours = ActivityFilter {
        organization_id: Some(w.org.org_ids()[0].clone()),
        ..all.clone()
    };
    assert_eq!(s.upcoming(&w.district, &ours).await.unwrap().len(), 1);
    let desk = ActivityFilter {
        every_state: true,
        ..ours.clone()
    };
    let on_desk = s.upcoming(&w.district, &desk).await.unwrap();
    assert_eq!(on_desk.len(), 2);
    assert!(on_desk.iter().any(|c| c.activity.id == draft.id));
    let others = ActivityFilter {
        organization_id: Some("another-org".into()),
        ..desk.clone()
    };
    assert!(s.upcoming(&w.district, &others).await.unwrap().is_empty());

    let mine = s
        .my_registrations(&w.district, &w.guardian.id)
        .await
        .unwrap();
    let mut places: Vec<_> = mine
        .iter()
        .map(|r| (r.participant_name.as_str(), r.position))
        .collect();
    places.sort();
    assert_eq!(places, vec![("孩子1", None), ("孩子2", Some(1))]);
    assert!(s
        .my_registrations(&w.district, "someone-else")
        .await
        .unwrap()
        .is_empty());

    let figures = s.district_figures(&w.district).await.unwrap();
    assert_eq!(
        (
            figures.organizations,
            figures.activities,
            figures.participants
        ),
        (1, 1, 0)
    );
    assert_eq!(figures.satisfaction, None);
    assert_eq!(s.activity_facts(&w.district).await.unwrap().len(), 1);
    let orgs = s.satisfaction_by_org(&w.district).await.unwrap();
    assert_eq!((orgs.len(), orgs[0].reviews, orgs[0].rating), (1, 0, None));
    let colleagues = s
        .colleagues(&w.district, &w.org.org_ids()[0])
        .await
        .unwrap();
    assert_eq!(colleagues.len(), 1);
    assert!(s.rounds(&w.district).await.unwrap().is_empty());
    assert!(s.project_titles(&w.district).await.unwrap().is_empty());
    assert!(s
        .upcoming("another-district", &all)
        .await
        .unwrap()
        .is_empty());
}

macro_rules! conformance {
    ($engine:ident, $open:expr, [$($case:ident),* $(,)?]) => {
        mod $engine {
            $(
                #[tokio::test]
                async fn $case() {
                    if !super::engine_enabled(stringify!($engine)) {
                        return;
                    }
                    let (_guard, store) = $open.await;
                    super::$case(&store).await;
                }
            )*
        }
    };
}

/// One fixed key for the tests, so a reopened store reads what the first one wrote.
fn keyring() -> Keyring {
    Keyring::single(DataKey::from_hex(&"ab".repeat(32)).unwrap())
}

async fn sqlite() -> (tempfile::TempDir, SqlStore) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = youthloop_store::sqlite::open(path.to_str().unwrap(), true, keyring())
        .await
        .unwrap();
    (dir, store)
}

/// A fresh database on the local PostgreSQL server, dropped with its guard.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside async; a short-lived runtime on its own thread does the SQL.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut admin = PgConnection::connect(&admin_url)
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

pub const POSTGRES_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

async fn postgres() -> (PgDatabase, SqlStore) {
    let admin_url =
        std::env::var("YOUTHLOOP_TEST_POSTGRES").unwrap_or_else(|_| POSTGRES_ADMIN.to_owned());
    let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is not reachable at {admin_url} ({e}). Start it with \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, \
             or run SQLite alone on purpose with YOUTHLOOP_TEST_ENGINES=sqlite"
        )
    });
    let name = format!("yl_test_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(&format!("create database {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let store = youthloop_store::postgres::open(&url, keyring())
        .await
        .unwrap();
    (PgDatabase { admin_url, name }, store)
}

/// Whether the engine is among `YOUTHLOOP_TEST_ENGINES` (both by default). Leaving one
/// out is a choice made on purpose, and the test says so.
pub fn engine_enabled(engine: &str) -> bool {
    let chosen =
        std::env::var("YOUTHLOOP_TEST_ENGINES").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    let on = chosen.split(',').any(|e| e.trim() == engine);
    if !on {
        eprintln!("{engine} left out by YOUTHLOOP_TEST_ENGINES={chosen}");
    }
    on
}

macro_rules! on_every_engine {
    ($($case:ident),* $(,)?) => {
        conformance!(sqlite, super::sqlite(), [$($case),*]);
        conformance!(postgres, super::postgres(), [$($case),*]);
    };
}

on_every_engine!(
    waitlist_is_promoted_in_order,
    a_key_answers_once_and_only_for_its_request,
    approvals_stay_within_the_budget,
    other_districts_are_not_found,
    every_change_is_in_one_whole_audit_chain,
    listings_answer_what_the_pages_ask,
);

/// The database itself, reached as an operator would (for what the store keeps in SQL
/// for speed: the seat-count triggers and the one-live-registration index).
enum Raw {
    Sqlite(String),
    Postgres(String),
}

impl Raw {
    /// Runs `sql`; whether the database took it.
    async fn run(&self, sql: &str) -> bool {
        match self {
            Raw::Sqlite(path) => {
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                    .await
                    .unwrap();
                sqlx::query(sql).execute(&mut c).await.is_ok()
            }
            Raw::Postgres(url) => {
                let mut c = PgConnection::connect(url).await.unwrap();
                sqlx::query(sql).execute(&mut c).await.is_ok()
            }
        }
    }

    /// The activity's seats taken and places waitlisted, as the triggers keep them.
    async fn seats(&self, activity_id: &str) -> (i64, i64) {
        let sql = format!(
            "select cast(seats_taken as bigint), cast(waitlisted as bigint) from activities where id = '{activity_id}'"
        );
        match self {
            Raw::Sqlite(path) => {
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                    .await
                    .unwrap();
                sqlx::query_as(&sql).fetch_one(&mut c).await.unwrap()
            }
            Raw::Postgres(url) => {
                let mut c = PgConnection::connect(url).await.unwrap();
                sqlx::query_as(&sql).fetch_one(&mut c).await.unwrap()
            }
        }
    }
}

/// For every status and every change of status, the seats the database counts are
/// those `RegistrationStatus::holds_seat` and `waits` say, and two registrations of one
/// person for one activity are refused exactly when both are live: a status added to
/// the domain cannot slip past the SQL that keeps these for speed.
async fn the_database_counts_seats_as_the_domain_says(s: &SqlStore, raw: Raw) {
    let w = world(s).await;
    let a = open_activity(s, &w, 100, 100).await;
    let all = RegistrationStatus::ALL;
    let mut seq = 0;
    let mut insert = |participant: &str, status: RegistrationStatus| {
        seq += 1;
        format!(
            "insert into registrations (id, district_id, activity_id, participant_id, made_by, status, seq, created_at, updated_at)
             values ('r{seq}', '{}', '{}', '{participant}', '{}', '{status}', {seq}, current_timestamp, current_timestamp)",
            w.district, a.id, w.guardian.id
        )
    };
    let expected = |statuses: &[RegistrationStatus]| {
        let count = |f: fn(&RegistrationStatus) -> bool| {
            i64::try_from(statuses.iter().filter(|s| f(s)).count()).unwrap()
        };
        (count(|s| s.holds_seat()), count(|s| s.waits()))
    };
    // One registration in each status.
    let mut statuses = Vec::new();
    for (n, status) in all.iter().enumerate() {
        let kid = child(s, &w, 100 + u32::try_from(n).unwrap()).await;
        assert!(raw.run(&insert(&kid, *status)).await, "insert {status}");
        statuses.push(*status);
        assert_eq!(
            raw.seats(&a.id).await,
            expected(&statuses),
            "after {status}"
        );
    }
    // Every change of status of each of them.
    for first in 0..all.len() {
        let id = format!("r{}", first + 1);
        for to in all {
            let from = statuses[first];
            assert!(
                raw.run(&format!(
                    "update registrations set status = '{to}' where id = '{id}'"
                ))
                .await
            );
            statuses[first] = *to;
            assert_eq!(
                raw.seats(&a.id).await,
                expected(&statuses),
                "{from} to {to}"
            );
        }
    }
    // Two registrations of one person: refused exactly when both would be live.
    for (n, (one, two)) in all
        .iter()
        .flat_map(|one| all.iter().map(move |two| (*one, *two)))
        .enumerate()
    {
        let kid = child(s, &w, 200 + u32::try_from(n).unwrap()).await;
        assert!(raw.run(&insert(&kid, one)).await);
        let taken = raw.run(&insert(&kid, two)).await;
        assert_eq!(taken, !(one.is_live() && two.is_live()), "{one} then {two}");
    }
    // Deleting gives the seats back.
    assert!(raw.run("delete from registrations").await);
    assert_eq!(raw.seats(&a.id).await, (0, 0));
}

#[tokio::test]
async fn sqlite_counts_seats_as_the_domain_says() {
    if !engine_enabled("sqlite") {
        return;
    }
    let (dir, store) = sqlite().await;
    let path = dir.path().join("store.db").to_string_lossy().into_owned();
    the_database_counts_seats_as_the_domain_says(&store, Raw::Sqlite(path)).await;
}

#[tokio::test]
async fn postgres_counts_seats_as_the_domain_says() {
    if !engine_enabled("postgres") {
        return;
    }
    let (db, store) = postgres().await;
    let url = format!("{}/{}", db.admin_url.rsplit_once('/').unwrap().0, db.name);
    the_database_counts_seats_as_the_domain_says(&store, Raw::Postgres(url)).await;
}

/// What was confirmed is there after the store is closed and opened again.
#[tokio::test]
async fn sqlite_keeps_confirmed_writes_across_a_reopen() {
    let (dir, store) = sqlite().await;
    let w = world(&store).await;
    let a = open_activity(&store, &w, 5, 0).await;
    let kid = child(&store, &w, 1).await;
    let registered = register(&store, &w, &a.id, &kid, None).await.unwrap();
    drop(store);
    let path = dir.path().join("store.db");
    let reopened = youthloop_store::sqlite::open(path.to_str().unwrap(), false, keyring())
        .await
        .unwrap();
    let line = reopened
        .registrations(&w.district, &a.id, &Page::all())
        .await
        .unwrap();
    assert_eq!(line.items[0].id, registered.id);
}
