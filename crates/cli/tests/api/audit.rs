//! `youthloop audit verify` on the demo database, and on copies tampered with directly.

use std::path::Path;

use crate::helpers::*;

async fn run(key_file: &Path, args: &[&str]) -> (bool, String) {
    let out = youthloop(key_file).args(args).output().await.unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Whoever edits the database directly can first drop the triggers that guard the table.
fn unguard(engine: Engine) -> [&'static str; 2] {
    match engine {
        Engine::Sqlite => [
            "drop trigger audit_events_no_update",
            "drop trigger audit_events_no_delete",
        ],
        Engine::Postgres => [
            "drop trigger audit_events_no_update on audit_events",
            "drop trigger audit_events_no_delete on audit_events",
        ],
    }
}

async fn verify_finds_every_kind_of_tampering(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    // A copy of the demo district `youthloop demo` made for this run.
    let seed = demo_seed(engine).await;
    let demo = TestDatabase::copy_of(engine, dir.path(), Some(&seed.db)).await;
    // The auditor needs no data key.
    let (ok, text) = run(
        &dir.path().join("no-such.key"),
        &["audit", "verify", "--database", &demo.url],
    )
    .await;
    assert!(ok && text.contains("the chain is whole"), "{text}");

    // The table refuses changes made through SQL while its guards stand.
    let guarded = std::panic::AssertUnwindSafe(
        demo.execute(&["update audit_events set actor = 'x' where seq = 1"]),
    );
    assert!(
        futures::FutureExt::catch_unwind(guarded).await.is_err(),
        "append-only"
    );

    let cases: [(&str, &[&str], &str); 4] = [
        (
            "edited",
            &["update audit_events set record_id = 'forged' where seq = 100"],
            "event 100: its content was changed",
        ),
        (
            "deleted",
            &["delete from audit_events where seq = 50"],
            "event 50: an event is missing",
        ),
        (
            "reordered",
            &[
                "update audit_events set seq = -1 where seq = 10",
                "update audit_events set seq = 10 where seq = 11",
                "update audit_events set seq = 11 where seq = -1",
            ],
            "event 10: does not link",
        ),
        (
            "cut",
            &["delete from audit_events where seq = (select max(seq) from audit_events)"],
            "were removed",
        ),
    ];
    for (name, statements, expected) in cases {
        let copy = TestDatabase::copy_of(engine, dir.path(), Some(&demo)).await;
        let mut all: Vec<&str> = unguard(engine).to_vec();
        all.extend_from_slice(statements);
        copy.execute(&all).await;
        let (ok, text) = run(
            &seed.key_file,
            &["audit", "verify", "--database", &copy.url],
        )
        .await;
        assert!(!ok, "{name}: verify passed a tampered chain: {text}");
        assert!(text.contains(expected), "{name}: {text}");
    }
}

crate::on_every_engine!(verify_finds_every_kind_of_tampering);
