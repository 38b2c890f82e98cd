//! `youthloop bench surge` at a small size, as the suite runs it: the figures are not
//! judged here (timings are never asserted), the promises are — and the bench itself
//! must find them kept in the database it filled.

use serde_json::Value;

use crate::helpers::*;

async fn surge_keeps_every_promise(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(engine, dir.path()).await;
    let key_file = dir.path().join("data.key");
    youthloop_store::crypto::write_key_file(
        &key_file,
        &[youthloop_store::crypto::DataKey::generate()],
    )
    .unwrap();
    // 40 seats and 40 waitlist places for 120 attempts: admissions, waitlist and `full`.
    let out = youthloop(&key_file)
        .args(["bench", "surge", "--database", &db.url])
        .args([
            "--clients",
            "24",
            "--attempts",
            "120",
            "--capacity",
            "40",
            "--waitlist",
            "40",
        ])
        .args(["--retry-every", "5", "--cancel-every", "7", "--json"])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench surge failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figures: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    for promise in ["overbooked", "duplicates", "lost", "server_errors"] {
        assert_eq!(figures[promise], 0, "{promise} in {figures}");
    }
    assert_eq!(figures["waitlist_in_order"], true);
    for figure in [
        "attempts_per_s",
        "confirmed_per_s",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "http_ceiling_per_s",
        "storage_ceiling_per_s",
    ] {
        assert!(
            figures[figure].as_f64().unwrap() > 0.0,
            "{figure} in {figures}"
        );
    }
    assert_eq!(
        figures.get("hot_row_baseline_per_s").is_some(),
        engine == Engine::Postgres,
        "the hot-row baseline is PostgreSQL's: {figures}"
    );
    // What the bench counted, the database holds: seats and waitlist exactly full
    // (cancelled seats went to the waitlist), the rest turned away.
    let live = db
        .strings(
            "select r.status from registrations r join activities a on a.id = r.activity_id
             where a.title like $1 and r.status in ('confirmed', 'waitlisted')",
            "报名压力测试%",
        )
        .await;
    let confirmed = live.iter().filter(|s| *s == "confirmed").count();
    assert_eq!(
        confirmed, 40,
        "every freed seat is taken again from the waitlist"
    );
    assert!(live.len() <= 80);
}

crate::on_every_engine!(surge_keeps_every_promise);
