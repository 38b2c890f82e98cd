//! The store's conformance cases: each is generic over `Store` and expanded into one
//! test per engine, so that a failure names the engine.

// A test that cannot go on should stop loudly where it is.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sqlx::{Connection, PgConnection};
use time::{Duration, OffsetDateTime};
use youthloop_domain::activity::{ActivityAction, RegistrationStatus};
use youthloop_domain::id::*;
use youthloop_domain::order::{OrderAction, OrderStatus};
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
    district: DistrictId,
    sys: Actor,
    community: RegionId,
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
                contact_phone: Some("010-62345678".into()),
            },
        )
        .await
        .unwrap();
    let org_admin = user(s, &district, "13900000001", Role::OrgAdmin, org.id.as_str()).await;
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

async fn user<S: Store>(
    s: &S,
    district: &DistrictId,
    phone: &str,
    role: Role,
    scope: &str,
) -> User {
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

async fn child<S: Store>(s: &S, w: &World, n: u32) -> ParticipantId {
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
    activity: &ActivityId,
    participant: &ParticipantId,
    key: Option<&str>,
) -> Result<Registered, StoreError> {
    let attempt = RegistrationAttempt {
        activity_id: activity.clone(),
        participant_id: participant.clone(),
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
    let of = |id: &RegistrationId| line.iter().find(|r| &r.id == id).unwrap().clone();
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
        youthloop_domain::audit::verify(w.district.as_str(), &chain.events, head),
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
        .my_registrations(&w.district, &UserId::from("someone-else"))
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
        .upcoming(&DistrictId::from("another-district"), &all)
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

/// Someone holding `role` in `scope`, acting now.
async fn acting<S: Store>(s: &S, w: &World, phone: &str, role: Role, scope: &str) -> Actor {
    let u = user(s, &w.district, phone, role, scope).await;
    Actor {
        user_id: u.id.clone(),
        grants: u.grants(),
        ..w.sys.clone()
    }
}

/// People: regions under a scope, profiles, failed sign-ins locking a phone and client
/// until a sign-in from there succeeds, and sessions that end.
async fn regions_sign_in_and_sessions<S: Store>(s: &S) {
    let w = world(s).await;
    // The district is the root of its regions, under the district's own id.
    let root = RegionId::from(w.district.as_str());
    let under = s
        .regions_under(&w.district, std::slice::from_ref(&root))
        .await
        .unwrap();
    assert!(under.contains(&w.community) && under.contains(&root));
    assert!(s
        .region_within(&w.district, &w.community, std::slice::from_ref(&root))
        .await
        .unwrap());
    assert!(!s
        .region_within(&w.district, &root, std::slice::from_ref(&w.community))
        .await
        .unwrap());
    let profile =
        youthloop_domain::region::YouthProfile::parse(10, 20, 30, 40, 1, 2, 3, &[]).unwrap();
    let region = s.set_profile(&w.sys, &w.community, &profile).await.unwrap();
    assert_eq!(region.profile, Some(profile));

    let found = s.credentials("13900000002").await.unwrap().unwrap();
    assert_eq!(found.user.id, w.guardian.id);
    assert!(s.credentials("13900000009").await.unwrap().is_none());
    let key = SignInKey {
        phone: "13900000002",
        client: "10.0.0.1",
    };
    let lock_for = Duration::minutes(15);
    for _ in 0..2 {
        let locked = s
            .sign_in_failed(None, key, 3, lock_for, now())
            .await
            .unwrap();
        assert!(locked.is_none());
    }
    let locked = s
        .sign_in_failed(None, key, 3, lock_for, now())
        .await
        .unwrap();
    assert!(locked.is_some(), "the third failure locks");
    assert!(s.sign_in_lock(key, now()).await.unwrap().is_some());
    let elsewhere = SignInKey {
        client: "10.0.0.2",
        ..key
    };
    assert!(s.sign_in_lock(elsewhere, now()).await.unwrap().is_none());
    assert!(
        s.sign_in_lock(key, now() + lock_for + Duration::seconds(1))
            .await
            .unwrap()
            .is_none(),
        "a lock ends"
    );

    let me = guardian(&w);
    s.create_session(&me, "hash-1", now() + Duration::hours(1), key)
        .await
        .unwrap();
    assert!(
        s.sign_in_lock(key, now()).await.unwrap().is_none(),
        "a sign-in forgets the failures"
    );
    let user = s.session_user("hash-1", now()).await.unwrap().unwrap();
    assert_eq!(
        (user.id.as_str(), user.grants().len()),
        (w.guardian.id.as_str(), 1)
    );
    assert!(s
        .session_user("hash-1", now() + Duration::hours(2))
        .await
        .unwrap()
        .is_none());
    s.delete_session(&me, "hash-1").await.unwrap();
    assert!(s.session_user("hash-1", now()).await.unwrap().is_none());
}

/// The loop in the store: a project bought, ordered, dispatched, accepted, scheduled,
/// attended and finished (the order delivered), confirmed, settled and reviewed; the
/// badges, the attendance and the scorecard's facts follow.
async fn an_order_goes_round_the_loop<S: Store>(s: &S) {
    let w = world(s).await;
    let league = acting(s, &w, "13900000003", Role::LeagueAdmin, w.district.as_str()).await;
    let officer = acting(
        s,
        &w,
        "13900000004",
        Role::CommunityOfficer,
        w.community.as_str(),
    )
    .await;
    let org_id = w.org.org_ids()[0].clone();
    let round = s
        .create_round(
            &league,
            NewRound {
                title: "批次".into(),
                budget: Fen::parse("b", 10_000).unwrap(),
                opens_at: now(),
                closes_at: now() + Duration::days(1),
            },
        )
        .await
        .unwrap();
    s.transition_round(&league, &round.id, RoundAction::Open)
        .await
        .unwrap();
    let project = s
        .create_project(
            &w.org,
            NewProject {
                round_id: round.id.clone(),
                organization_id: org_id.clone(),
                title: "安全小卫士".into(),
                area: "safety".into(),
                min_age: 6,
                max_age: 12,
                capacity: 10,
                unit_price: Fen::parse("p", 1_000).unwrap(),
                sessions_offered: 3,
                description: String::new(),
                badges: vec!["laodong".into()],
            },
        )
        .await
        .unwrap();
    s.transition_round(&league, &round.id, RoundAction::Review)
        .await
        .unwrap();
    s.approve_project(&league, &project.id, 2).await.unwrap();
    let menu = s.menu(&w.district).await.unwrap();
    assert_eq!(menu[0].sessions_left, 2);

    let today = youthloop_domain::parse::local_date(now());
    let order = s
        .create_order(
            &officer,
            NewOrder {
                project_id: project.id.clone(),
                community_id: w.community.clone(),
                sessions: 1,
                window_start: today,
                window_end: today + Duration::days(10),
                venue: "社区活动室".into(),
                expected_participants: 10,
                notes: String::new(),
            },
            now(),
        )
        .await
        .unwrap();
    // Submitted, the order only asks; dispatched, it holds its session.
    assert_eq!(s.menu(&w.district).await.unwrap()[0].sessions_left, 2);
    let step = |actor: &Actor, action| {
        let (actor, id) = (actor.clone(), order.id.clone());
        async move { s.transition_order(&actor, &id, action, None, now()).await }
    };
    assert!(matches!(
        step(&w.org, OrderAction::Accept).await,
        Err(StoreError::NotFound | StoreError::Domain(_))
    ));
    step(&league, OrderAction::Dispatch).await.unwrap();
    assert_eq!(s.menu(&w.district).await.unwrap()[0].sessions_left, 1);
    step(&w.org, OrderAction::Accept).await.unwrap();
    let activity = s
        .create_activity(
            &w.org,
            NewActivity {
                order_id: Some(order.id.clone()),
                ..new_activity(&w, 5, 0)
            },
        )
        .await
        .unwrap();
    s.transition_activity(&w.org, &activity.id, ActivityAction::Publish, now())
        .await
        .unwrap();
    let scheduled = s.order(&officer, &order.id, now()).await.unwrap();
    assert_eq!(scheduled.status, OrderStatus::Scheduled);

    let kid = child(s, &w, 1).await;
    let absent = child(s, &w, 2).await;
    let registered = register(s, &w, &activity.id, &kid, None).await.unwrap();
    register(s, &w, &activity.id, &absent, None).await.unwrap();
    let org_ids = w.org.org_ids();
    let badges = s
        .check_in(
            &w.org,
            &activity.id,
            CheckinBy::Staff {
                org_ids: &org_ids,
                registration_id: &registered.id,
            },
            activity.starts_at,
        )
        .await
        .unwrap();
    assert_eq!(badges, ["laodong"]);
    let after = activity.ends_at + Duration::minutes(1);
    s.transition_activity(&w.org, &activity.id, ActivityAction::Finish, after)
        .await
        .unwrap();
    let line = s
        .registrations(&w.district, &activity.id, &Page::all())
        .await
        .unwrap();
    let mut statuses: Vec<_> = line.items.iter().map(|r| r.status).collect();
    statuses.sort_by_key(|s| s.as_str());
    assert_eq!(
        statuses,
        [RegistrationStatus::Attended, RegistrationStatus::NoShow]
    );
    let delivered = s.order(&officer, &order.id, after).await.unwrap();
    assert_eq!(delivered.status, OrderStatus::Delivered);
    s.transition_order(&officer, &order.id, OrderAction::Confirm, None, after)
        .await
        .unwrap();
    let settled = s
        .transition_order(&league, &order.id, OrderAction::Settle, None, after)
        .await
        .unwrap();
    assert_eq!(settled.status, OrderStatus::Settled);
    assert!(settled.history.len() >= 6, "{:?}", settled.history);

    assert!(s
        .attended(&w.district, &activity.id, &w.guardian.id)
        .await
        .unwrap());
    let wall = s.badges(&w.district, &kid, &Page::all()).await.unwrap();
    assert_eq!(wall.items.len(), 1);
    let review = s
        .create_review(
            &officer,
            NewReview {
                target: youthloop_domain::review::ReviewTarget::Order,
                target_id: order.id.to_string(),
                organization_id: org_id.clone(),
                author_id: Some(officer.user_id.clone()),
                author_role: "community_officer".into(),
                ratings: Some(youthloop_domain::review::Ratings::parse(5, 4, 3).unwrap()),
                rating: None,
                text: "孩子们很喜欢".into(),
                status: youthloop_domain::review::ReviewStatus::Visible,
                reason: None,
            },
        )
        .await
        .unwrap();
    let listed = s.reviews(&w.district, &org_id, &Page::all()).await.unwrap();
    assert_eq!(listed.items[0].id, review.id);
    // A parent's low rating whose text waits for a moderator, then is hidden by the
    // organization: still a complaint on the record. An anonymous five counts nowhere.
    let parent = guardian(&w);
    let low = s
        .create_review(
            &parent,
            NewReview {
                target: youthloop_domain::review::ReviewTarget::Activity,
                target_id: activity.id.to_string(),
                organization_id: org_id.clone(),
                author_id: Some(parent.user_id.clone()),
                author_role: "guardian".into(),
                ratings: Some(youthloop_domain::review::Ratings::parse(1, 2, 1).unwrap()),
                rating: None,
                text: "太差了 加我微信聊".into(),
                status: youthloop_domain::review::ReviewStatus::Held,
                reason: Some("contact".into()),
            },
        )
        .await
        .unwrap();
    let hidden = s
        .moderate_review(
            &w.org,
            &ReviewScope::Organizations(org_ids.clone()),
            &ReviewId::from(low.id.as_str()),
            youthloop_domain::review::ModerationAction::Hide,
            Some("含联系方式"),
        )
        .await
        .unwrap();
    assert_eq!(
        hidden.status,
        youthloop_domain::review::ReviewStatus::Hidden
    );
    s.create_review(
        &Actor::visitor(&w.district, "203.0.113.9", now()),
        NewReview {
            target: youthloop_domain::review::ReviewTarget::Organization,
            target_id: org_id.to_string(),
            organization_id: org_id.clone(),
            author_id: None,
            author_role: "public".into(),
            ratings: None,
            rating: Some(5.0),
            text: "很好".into(),
            status: youthloop_domain::review::ReviewStatus::Visible,
            reason: None,
        },
    )
    .await
    .unwrap();
    let facts = s
        .scorecard_facts(
            &w.district,
            &org_id,
            now() - Duration::days(1),
            now() + Duration::days(30),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            facts.sessions_delivered,
            facts.sessions_on_time,
            facts.attended,
            facts.no_show,
            facts.review_count
        ),
        (1, 1, 1, 1, 2)
    );
    assert!((facts.rating_sum - (4.0 + 4.0 / 3.0)).abs() < 0.01);
    assert_eq!(facts.complaints, 1);
    assert_eq!((facts.orders_delivered, facts.orders_accepted), (1, 1));
    assert_eq!((facts.cost_fen, facts.bought_attended), (1_000, 1));
    assert_eq!(facts.district_review_count, 2);
    assert!((facts.district_rating_sum - facts.rating_sum).abs() < 1e-9);
    // A period that ended before any of it holds none of it.
    let before = s
        .scorecard_facts(
            &w.district,
            &org_id,
            now() - Duration::days(60),
            now() - Duration::days(1),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            before.sessions_delivered,
            before.review_count,
            before.orders_delivered,
            before.district_review_count
        ),
        (0, 0, 0, 0)
    );
}

/// Trust: consent withdrawn stops a child's registrations to come and hides the name;
/// given again; a family's data downloaded whole, then erased; secrets and settings
/// kept per district; the servers' key holders.
async fn consent_data_and_secrets<S: Store>(s: &S) {
    let w = world(s).await;
    let me = guardian(&w);
    let a = open_activity(s, &w, 5, 0).await;
    let kid = child(s, &w, 1).await;
    let registered = register(s, &w, &a.id, &kid, None).await.unwrap();
    let named = |line: Paged<Registration>| line.items[0].participant_name.clone();
    let line = s
        .registrations(&w.district, &a.id, &Page::all())
        .await
        .unwrap();
    assert_eq!(named(line), Some("孩子1".to_owned()));
    let withdrawn = s.withdraw_consent(&me, &kid, now()).await.unwrap();
    assert_eq!(withdrawn.cancelled_registrations, [registered.id]);
    let line = s
        .registrations(&w.district, &a.id, &Page::all())
        .await
        .unwrap();
    assert_eq!(named(line), None, "no consent, no name");
    assert!(register(s, &w, &a.id, &kid, None).await.is_err());
    s.give_consent(&me, &kid, "母亲").await.unwrap();
    assert!(
        s.give_consent(&me, &kid, "母亲").await.is_err(),
        "consent is live"
    );

    let data = s.personal_data(&me).await.unwrap();
    assert_eq!(data.user.phone, "13900000002");
    assert_eq!(data.participants.len(), 1);
    s.erase(&me, now()).await.unwrap();
    assert!(s.credentials("13900000002").await.unwrap().is_none());
    let data = s.personal_data(&me).await.unwrap();
    assert_ne!(data.participants[0].name, "孩子1");

    let secret = s.secret(&w.district, "checkin").await.unwrap();
    assert_eq!(secret.len(), 32);
    assert_eq!(s.secret(&w.district, "checkin").await.unwrap(), secret);
    let mut settings = s.settings(&w.district).await.unwrap();
    settings.checkin.opens_minutes_before = 45;
    s.set_settings(&w.sys, settings).await.unwrap();
    assert_eq!(
        s.settings(&w.district)
            .await
            .unwrap()
            .checkin
            .opens_minutes_before,
        45
    );

    s.hold_keys("server-a").await.unwrap();
    s.hold_keys("server-a").await.unwrap();
    let holders = s.key_holders().await.unwrap();
    assert_eq!(
        holders
            .iter()
            .map(|h| (h.instance.as_str(), h.beat))
            .collect::<Vec<_>>(),
        [("server-a", 2)]
    );
    s.release_keys("server-a").await.unwrap();
    assert!(s.key_holders().await.unwrap().is_empty());
}

/// Casework: the worker and the supervisor read and write; a grantee reads until the
/// grant ends and never writes; others do not find the case; counts carry no content.
async fn casework_is_for_those_who_serve_the_child<S: Store>(s: &S) {
    let w = world(s).await;
    let org_id = w.org.org_ids()[0].clone();
    let worker = acting(s, &w, "13900000005", Role::SocialWorker, org_id.as_str()).await;
    let colleague = acting(s, &w, "13900000006", Role::SocialWorker, org_id.as_str()).await;
    let stranger = acting(s, &w, "13900000007", Role::SocialWorker, org_id.as_str()).await;
    let file = s
        .open_case(
            &worker,
            NewCase {
                organization_id: org_id.clone(),
                subject_name: "赵小安".into(),
                subject_birth_date: time::macros::date!(2013 - 04 - 01),
                category: youthloop_domain::case::CaseCategory::Bullying,
                supervisor_id: w.org.user_id.clone(),
                guardian_name: "赵父".into(),
                relation: "父亲".into(),
                consent_scope: "个案服务".into(),
            },
        )
        .await
        .unwrap();
    let id = file.summary.id.clone();
    assert_eq!(file.subject_name, "赵小安");
    assert_eq!(file.summary.number, 1, "the district's first case");
    let second = NewCase {
        organization_id: org_id.clone(),
        subject_name: "钱小乐".into(),
        subject_birth_date: time::macros::date!(2012 - 06 - 01),
        category: youthloop_domain::case::CaseCategory::Truancy,
        supervisor_id: w.org.user_id.clone(),
        guardian_name: "钱母".into(),
        relation: "母亲".into(),
        consent_scope: "个案服务".into(),
    };
    let second = s.open_case(&colleague, second).await.unwrap();
    assert_eq!(
        second.summary.number, 2,
        "numbers count the district's cases"
    );
    let listed = s.cases(&worker, now()).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_ne!(listed[0].subject, "赵小安", "lists mask the name");
    let assessed = s
        .record_case(
            &worker,
            &id,
            youthloop_domain::case::CaseAction::Assess,
            Some(youthloop_domain::case::RiskLevel::High),
            "评估",
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        assessed.summary.risk_level,
        Some(youthloop_domain::case::RiskLevel::High)
    );
    assert!(
        s.case_file(&w.org, &id, now()).await.is_ok(),
        "the supervisor reads"
    );
    assert!(matches!(
        s.case_file(&stranger, &id, now()).await,
        Err(StoreError::NotFound)
    ));
    let until = now() + Duration::hours(1);
    s.grant_case(&worker, &id, &colleague.user_id, until, now())
        .await
        .unwrap();
    assert!(s.case_file(&colleague, &id, now()).await.is_ok());
    assert!(s
        .record_case(
            &colleague,
            &id,
            youthloop_domain::case::CaseAction::Plan,
            None,
            "计划",
            now()
        )
        .await
        .is_err());
    assert!(matches!(
        s.case_file(&colleague, &id, until + Duration::seconds(1))
            .await,
        Err(StoreError::NotFound)
    ));
    let counts = s.case_counts(&w.district).await.unwrap();
    assert_eq!(counts.iter().map(|c| c.count).sum::<u32>(), 2, "both cases");
}

/// Volunteering: numbers per district in order, a profile replaced in place, teams and
/// squads with their counts, a leader granted their role, one squad per volunteer.
async fn volunteers_number_in_order_and_serve_in_one_squad<S: Store>(s: &S) {
    let w = world(s).await;
    let profile = |skills: &[&str]| NewVolunteer {
        skills: skills.iter().map(|s| (*s).to_owned()).collect(),
        availability: vec![
            youthloop_domain::volunteer::Window::parse(6, "09:00", "12:00").unwrap(),
        ],
        home_region_id: Some(w.community.clone()),
        max_minutes_per_week: 240,
    };
    let first = acting(s, &w, "13755550001", Role::Volunteer, "").await;
    let second = acting(s, &w, "13755550002", Role::Volunteer, "").await;
    let a = s
        .save_volunteer(&first, profile(&["first_aid"]))
        .await
        .unwrap();
    let b = s.save_volunteer(&second, profile(&[])).await.unwrap();
    assert_eq!(
        (a.volunteer_no.as_str(), b.volunteer_no.as_str()),
        ("ZY000001", "ZY000002")
    );
    let again = s
        .save_volunteer(&first, profile(&["teaching"]))
        .await
        .unwrap();
    assert_eq!(again.volunteer_no, "ZY000001", "a profile keeps its number");
    assert_eq!(again.skills, vec!["teaching".to_owned()]);
    assert_eq!(again.availability[0].from, 9 * 60);

    let team = s.create_team(&w.sys, "突击队", None).await.unwrap();
    let squad = s
        .create_squad(
            &w.sys,
            NewSquad {
                team_id: team.clone(),
                name: "小分队".into(),
                region_id: w.community.clone(),
                leader_id: Some(second.user_id.clone()),
            },
        )
        .await
        .unwrap();
    let leader = s.user(&w.district, &second.user_id).await.unwrap();
    assert!(leader
        .grants()
        .iter()
        .any(|g| g.role == Role::SquadLeader && g.scope_id == squad.as_str()));
    s.add_member(&w.sys, &squad, &first.user_id).await.unwrap();
    s.add_member(&w.sys, &squad, &second.user_id).await.unwrap();
    let other = s
        .create_squad(
            &w.sys,
            NewSquad {
                team_id: team.clone(),
                name: "另一分队".into(),
                region_id: w.community.clone(),
                leader_id: None,
            },
        )
        .await
        .unwrap();
    let taken = s
        .add_member(&w.sys, &other, &first.user_id)
        .await
        .unwrap_err();
    assert!(
        matches!(
            taken,
            StoreError::Conflict {
                code: "already_in_a_squad",
                ..
            }
        ),
        "{taken:?}"
    );
    let page = Page::default();
    assert_eq!(s.team(&w.district, &team).await.unwrap().member_count, 2);
    let squads = s
        .squads(&w.district, Some(&team), &page)
        .await
        .unwrap()
        .items;
    let counts: Vec<i64> = squads.iter().map(|q| q.member_count).collect();
    assert_eq!(counts.iter().sum::<i64>(), 2);
    s.remove_member(&w.sys, &squad, &first.user_id)
        .await
        .unwrap();
    assert!(matches!(
        s.remove_member(&w.sys, &squad, &first.user_id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.team(&w.district, &team).await.unwrap().member_count, 1);
    // A region that is not the district's is refused.
    let bad_region = NewSquad {
        team_id: team,
        name: "x".into(),
        region_id: RegionId::from("nowhere"),
        leader_id: None,
    };
    assert!(s.create_squad(&w.sys, bad_region).await.is_err());
}

/// Enrolment from the League's list: all numbered in order after those already there,
/// in their squads, with no password anyone can match; a list with a phone already
/// registered changes nothing.
async fn a_list_enrols_whole_or_not_at_all<S: Store>(s: &S) {
    let w = world(s).await;
    let before = acting(s, &w, "13755551001", Role::Volunteer, "").await;
    let profile = NewVolunteer {
        skills: vec!["first_aid".to_owned()],
        availability: vec![],
        home_region_id: Some(w.community.clone()),
        max_minutes_per_week: 300,
    };
    s.save_volunteer(&before, profile.clone()).await.unwrap();
    let team = s.create_team(&w.sys, "突击队", None).await.unwrap();
    let squad = s
        .create_squad(
            &w.sys,
            NewSquad {
                team_id: team,
                name: "小分队".into(),
                region_id: w.community.clone(),
                leader_id: None,
            },
        )
        .await
        .unwrap();
    let person = |n: u32, squad: Option<SquadId>| Enrollee {
        phone: format!("1375555{:04}", 2000 + n),
        name: format!("队员{n}"),
        id_number: "11010519491231002X".into(),
        birth_date: time::macros::date!(1949 - 12 - 31),
        profile: profile.clone(),
        squad_id: squad,
    };
    let ids = s
        .enroll_volunteers(
            &w.sys,
            vec![
                person(1, Some(squad.clone())),
                person(2, None),
                person(3, Some(squad.clone())),
            ],
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    let numbers: Vec<String> = numbers_of(s, &w.district, &ids).await;
    assert_eq!(numbers, vec!["ZY000002", "ZY000003", "ZY000004"]);
    let members = s.squad_members(&w.district, &squad).await.unwrap();
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, vec!["队员1", "队员3"]);
    let found = s
        .credentials("13755552002")
        .await
        .unwrap()
        .expect("enrolled");
    assert_eq!(found.password_hash, "", "no password until they set one");
    assert!(found
        .user
        .grants()
        .iter()
        .any(|g| g.role == Role::Volunteer));
    // One phone on the list is taken: nobody on it is enrolled.
    let refused = s
        .enroll_volunteers(&w.sys, vec![person(4, None), person(1, None)])
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::Conflict {
                code: "phone_taken",
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(s.credentials("13755552004").await.unwrap().is_none());
}

async fn numbers_of<S: Store>(s: &S, district: &DistrictId, ids: &[UserId]) -> Vec<String> {
    let mut numbers = Vec::new();
    for id in ids {
        let v = s.volunteer(district, id).await.unwrap().expect("a profile");
        numbers.push(v.volunteer_no);
    }
    numbers
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
    regions_sign_in_and_sessions,
    an_order_goes_round_the_loop,
    consent_data_and_secrets,
    casework_is_for_those_who_serve_the_child,
    volunteers_number_in_order_and_serve_in_one_squad,
    a_list_enrols_whole_or_not_at_all,
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
    async fn seats(&self, activity_id: &ActivityId) -> (i64, i64) {
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
    let mut insert = |participant: &ParticipantId, status: RegistrationStatus| {
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

/// Re-keying: data sealed under one key is re-sealed under the next in batches, after
/// which the old key can go and everything is still found and read.
async fn everything_is_resealed_under_a_new_key(open: impl AsyncFn(Keyring) -> SqlStore) {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (DataKey::generate(), DataKey::generate());
    let file = dir.path().join("keys");
    youthloop_store::crypto::write_key_file(&file, std::slice::from_ref(&old)).unwrap();
    let s = open(Keyring::from_file(&file, false).unwrap()).await;
    let w = world(&s).await;
    child(&s, &w, 1).await;
    drop(s);
    youthloop_store::crypto::write_key_file(&file, &[new.clone(), old]).unwrap();
    let s = open(Keyring::from_file(&file, false).unwrap()).await;
    let mut resealed = 0;
    loop {
        let done = s.reseal(2).await.unwrap();
        if done == 0 {
            break;
        }
        resealed += done;
    }
    assert!(resealed >= 3, "users and the child: {resealed}");
    drop(s);
    youthloop_store::crypto::write_key_file(&file, &[new]).unwrap();
    let s = open(Keyring::from_file(&file, false).unwrap()).await;
    let found = s.credentials("13900000002").await.unwrap();
    assert_eq!(found.map(|c| c.user.id), Some(w.guardian.id.clone()));
    let data = s.personal_data(&guardian(&w)).await.unwrap();
    assert_eq!(data.participants[0].name, "孩子1");
    assert_eq!(data.user.phone, "13900000002");
}

#[tokio::test]
async fn sqlite_reseals_under_a_new_key() {
    if !engine_enabled("sqlite") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db").to_string_lossy().into_owned();
    everything_is_resealed_under_a_new_key(async |keys| {
        youthloop_store::sqlite::open(&path, true, keys)
            .await
            .unwrap()
    })
    .await;
}

#[tokio::test]
async fn postgres_reseals_under_a_new_key() {
    if !engine_enabled("postgres") {
        return;
    }
    let (db, first) = postgres().await;
    drop(first);
    let url = format!("{}/{}", db.admin_url.rsplit_once('/').unwrap().0, db.name);
    everything_is_resealed_under_a_new_key(async |keys| {
        youthloop_store::postgres::open(&url, keys).await.unwrap()
    })
    .await;
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
