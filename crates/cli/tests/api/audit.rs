//! `youthloop audit verify` on the demo database, and on copies tampered with directly.

use std::path::Path;

use sqlx::{Connection, SqliteConnection};
use tokio::process::Command;

use crate::helpers::bin;

async fn youthloop(args: &[&str]) -> (bool, String) {
    let out = Command::new(bin())
        .args(args)
        .env("YOUTHLOOP_LOG", "warn")
        .output()
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Copies the database with its write-ahead log, as a thief with the file would.
fn copy(from: &Path, to: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let src = format!("{}{suffix}", from.display());
        if Path::new(&src).exists() {
            std::fs::copy(&src, format!("{}{suffix}", to.display())).unwrap();
        }
    }
}

async fn tamper(db: &Path, statements: &[&str]) {
    let mut conn = SqliteConnection::connect(&url(db)).await.unwrap();
    // Whoever edits the file directly can drop the triggers that guard the table.
    for sql in [
        "drop trigger audit_events_no_update",
        "drop trigger audit_events_no_delete",
    ]
    .iter()
    .chain(statements)
    {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();
}

#[tokio::test]
async fn verify_finds_every_kind_of_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo.db");
    let (ok, text) = youthloop(&["demo", "--database", &url(&demo)]).await;
    assert!(ok, "{text}");
    let (ok, text) = youthloop(&["audit", "verify", "--database", &url(&demo)]).await;
    assert!(ok && text.contains("the chain is whole"), "{text}");

    // The table refuses changes made through SQL while its guards stand.
    let mut conn = SqliteConnection::connect(&url(&demo)).await.unwrap();
    let refused = sqlx::query("update audit_events set actor = 'x' where seq = 1")
        .execute(&mut conn)
        .await;
    assert!(refused.is_err(), "append-only");
    conn.close().await.unwrap();

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
        let copy_path = dir.path().join(format!("{name}.db"));
        copy(&demo, &copy_path);
        tamper(&copy_path, statements).await;
        let (ok, text) = youthloop(&["audit", "verify", "--database", &url(&copy_path)]).await;
        assert!(!ok, "{name}: verify passed a tampered chain: {text}");
        assert!(text.contains(expected), "{name}: {text}");
    }
}
