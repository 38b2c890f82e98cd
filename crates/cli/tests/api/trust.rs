//! Personal data at rest: sealed in the file, found by keyed hash, re-keyed live.

use reqwest::StatusCode;
use serde_json::json;
use tokio::process::Command;

use crate::helpers::*;

/// Every byte of the database and its write-ahead log.
fn raw_database(app: &TestApp) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        bytes.extend(
            std::fs::read(format!("{}{suffix}", app.db_path.display())).unwrap_or_default(),
        );
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn phones_and_id_numbers_are_sealed_and_survive_a_key_rotation() {
    let app = spawn_app().await;
    let guardian = app.sign_in(GUARDIAN).await;
    let child_id = id_number(9, 42);
    let (s, _) = app
        .post(
            Some(&guardian),
            "/api/v1/children",
            json!({"name": "小封", "id_number": child_id, "consent": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let again = app
        .post(
            Some(&guardian),
            "/api/v1/children",
            json!({"name": "小封", "id_number": child_id, "consent": true}),
        )
        .await;
    assert_error(&again, 409, "child_exists");

    let raw = raw_database(&app);
    for clear in [GUARDIAN, LEAGUE, child_id.as_str()] {
        assert!(
            !contains(&raw, clear),
            "{clear} stands in the database file in the clear"
        );
    }

    let key_file = format!("{}.key", app.db_path.display());
    let before = std::fs::read_to_string(&key_file).unwrap();
    let out = Command::new(bin())
        .args(["rotate-key", "--database"])
        .arg(format!("sqlite://{}", app.db_path.display()))
        .env("YOUTHLOOP_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&key_file).unwrap();
    assert_ne!(before, after);
    assert_eq!(
        after.lines().filter(|l| !l.starts_with('#')).count(),
        1,
        "the old key is retired"
    );

    // The running server follows: sign-in finds the phone by its new hash, and a
    // duplicate ID number is still found.
    let token = app.sign_in(GUARDIAN).await;
    let again = app
        .post(
            Some(&token),
            "/api/v1/children",
            json!({"name": "小封", "id_number": child_id, "consent": true}),
        )
        .await;
    assert_error(&again, 409, "child_exists");
    let (s, _) = app
        .post(
            Some(&token),
            "/api/v1/children",
            json!({"name": "小新", "id_number": id_number(7, 43), "consent": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}
