//! Three server processes on one database behave as one.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

async fn three_instances_flooded_at_once_behave_as_one(engine: Engine) {
    let app = spawn_app(engine).await;
    let (second, _s2) = spawn_instance(&app, 2, &[]).await;
    // On PostgreSQL the third reads its lists from a "replica" (here: the same server).
    let replica = ["--read-database", app.db.url.as_str()];
    let (third, _s3) = spawn_instance(
        &app,
        3,
        if engine == Engine::Postgres {
            &replica
        } else {
            &[]
        },
    )
    .await;
    let bases = [app.base.clone(), second, third];
    let call = |base: &str,
                method: Method,
                token: &str,
                path: &str,
                body: Option<Value>,
                key: Option<String>| {
        let mut req = app
            .client
            .request(method, format!("{base}{path}"))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // A session made on one instance works on the others.
    let guardian = app.sign_in(GUARDIAN).await;
    for base in &bases {
        let (s, me) = call(base, Method::GET, &guardian, "/api/v1/me", None, None).await;
        assert_eq!(
            (s, me["roles"][0]["role"].as_str()),
            (StatusCode::OK, Some("guardian")),
            "{base}"
        );
    }

    let Flood {
        org,
        activity_id,
        children,
        ..
    } = flood_setup(&app, 30, 10, 121).await;
    let path = format!("/api/v1/activities/{activity_id}/registrations");

    // One key sent to two instances at the same moment makes one registration.
    let same = |base: &str| {
        call(
            base,
            Method::POST,
            &guardian,
            &path,
            Some(json!({"participant_id": children[120]})),
            Some("twice-sent".to_owned()),
        )
    };
    let (a, b) = tokio::join!(same(&bases[0]), same(&bases[1]));
    assert_eq!((a.0, b.0), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(a.1["id"], b.1["id"], "one registration for one key");

    // 120 more through all three at once.
    let answers = futures::future::join_all((0..120).map(|i| {
        call(
            &bases[i % 3],
            Method::POST,
            &guardian,
            &path,
            Some(json!({"participant_id": children[i]})),
            Some(format!("flood-{i}")),
        )
    }))
    .await;
    let count = |status: &str| {
        answers
            .iter()
            .filter(|(_, a)| a["status"] == status)
            .count()
    };
    let full = answers
        .iter()
        .filter(|(s, a)| *s == StatusCode::CONFLICT && a["error"]["code"] == "full")
        .count();
    assert!(
        answers.iter().all(|(s, _)| s.as_u16() < 500),
        "no server error"
    );
    assert_eq!(
        (count("confirmed"), count("waitlisted"), full),
        (29, 10, 81),
        "30 seats, one taken by the first key"
    );
    let positions: HashSet<u64> = answers
        .iter()
        .filter_map(|(_, a)| a["position"].as_u64())
        .collect();
    assert_eq!(positions, (1..=10).collect(), "one waitlist order");
    let (_, after) = app
        .get(None, &format!("/api/v1/activities/{activity_id}"))
        .await;
    assert_eq!(
        (
            after["confirmed_count"].as_u64(),
            after["waitlist_count"].as_u64()
        ),
        (Some(30), Some(10))
    );
    let (_, regs) = app.get(Some(&org), &format!("{path}?limit=500")).await;
    assert_eq!(
        regs["items"].as_array().unwrap().len(),
        40,
        "nothing more was written"
    );
}

/// The tables of the installation rather than of a district: which data key each running
/// server seals with, and which server holds each background job's lease.
const INSTALLATION_TABLES: [&str; 2] = ["key_holders", "job_leases"];

/// Ready for an engine sharded by district: every table carries `district_id` (but the
/// installation's one), and no id comes from a sequence.
async fn every_table_carries_its_district(engine: Engine) {
    let app = spawn_app(engine).await;
    let (tables, has_district, sequences) = match engine {
        Engine::Sqlite => (
            "select name from sqlite_master where type = 'table' and name != $1 order by name",
            "select cast(count(*) as text) from pragma_table_info($1) where name = 'district_id'",
            "select cast(count(*) as text) from sqlite_master where name = 'sqlite_sequence' and $1 = $1",
        ),
        Engine::Postgres => (
            "select tablename::text from pg_tables where schemaname = 'public' and tablename != $1 order by 1",
            "select count(*)::text from information_schema.columns where table_schema = 'public' and table_name = $1 and column_name = 'district_id'",
            "select count(*)::text from information_schema.sequences where $1 = $1",
        ),
    };
    let tables = app.db.strings(tables, "_sqlx_migrations").await;
    assert!(tables.len() >= 20, "{tables:?}");
    // Reference tables on a sharded engine.
    for table in INSTALLATION_TABLES {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
        assert_eq!(app.db.strings(has_district, table).await, ["0"]);
    }
    for table in tables
        .iter()
        .filter(|t| !INSTALLATION_TABLES.contains(&t.as_str()))
    {
        assert_eq!(
            app.db.strings(has_district, table).await,
            ["1"],
            "{table} has no district_id"
        );
    }
    assert_eq!(
        app.db.strings(sequences, "x").await,
        ["0"],
        "ids come from UUIDv7, not sequences"
    );
}

crate::on_every_engine!(
    three_instances_flooded_at_once_behave_as_one,
    every_table_carries_its_district
);
