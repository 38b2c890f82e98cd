//! Personal data at rest: sealed in the file, found by keyed hash, re-keyed live.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

async fn phones_and_id_numbers_are_sealed_and_survive_a_key_rotation(engine: Engine) {
    let app = spawn_app(engine).await;
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

    for clear in [GUARDIAN, LEAGUE, child_id.as_str()] {
        assert!(
            !app.db.holds_in_clear(clear).await,
            "{clear} is stored in the clear"
        );
    }
    assert!(
        app.db.holds_in_clear("小封").await,
        "the search itself works: names are not sealed"
    );

    let key_file = &app.key_file;
    let before = std::fs::read_to_string(key_file).unwrap();
    let out = youthloop(key_file)
        .args(["rotate-key", "--database", &app.db.url])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(key_file).unwrap();
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

async fn consent_decides_registration_and_what_organizations_see(engine: Engine) {
    let app = spawn_app(engine).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let org = app.sign_in(ORG_ADMIN).await;
    let no_consent = app
        .post(
            Some(&guardian),
            "/api/v1/children",
            json!({"name": "小同", "id_number": id_number(9, 77), "consent": false}),
        )
        .await;
    assert_error(&no_consent, 422, "invalid");
    let (_, child) = app
        .post(Some(&guardian), "/api/v1/children", json!({"name": "小同", "id_number": id_number(9, 77), "consent": true, "relation": "母亲"}))
        .await;
    let child = child["id"].as_str().unwrap().to_owned();
    let (_, activity) = app
        .post(
            Some(&org),
            "/api/v1/activities",
            json!({"title": "同意测试", "starts_at": in_hours(30), "ends_at": in_hours(32), "venue": "v", "capacity": 5,
                   "min_age": 6, "max_age": 12, "registration_opens_at": in_hours(-1), "registration_closes_at": in_hours(20)}),
        )
        .await;
    let activity = activity["id"].as_str().unwrap().to_owned();
    app.post(
        Some(&org),
        &format!("/api/v1/activities/{activity}/publish"),
        json!({}),
    )
    .await;
    let register = format!("/api/v1/activities/{activity}/registrations");
    let list = format!("/api/v1/activities/{activity}/registrations");

    let (s, first) = app
        .post(Some(&guardian), &register, json!({"participant_id": child}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (_, regs) = app.get(Some(&org), &list).await;
    assert_eq!(regs["items"][0]["participant_name"], "小同");

    // Withdrawn: no new registration, and the organization no longer sees the name.
    let (s, withdrawn) = app
        .request(
            reqwest::Method::DELETE,
            Some(&guardian),
            &format!("/api/v1/children/{child}/consent"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{withdrawn}");
    assert!(withdrawn["withdrawn_at"].is_string());
    let (_, regs) = app.get(Some(&org), &list).await;
    assert!(regs["items"][0].get("participant_name").is_none(), "{regs}");
    app.request(
        reqwest::Method::DELETE,
        Some(&guardian),
        &format!("/api/v1/registrations/{}", first["id"].as_str().unwrap()),
        None,
    )
    .await;
    let refused = app
        .post(Some(&guardian), &register, json!({"participant_id": child}))
        .await;
    assert_error(&refused, 409, "consent_required");
    let twice = app
        .request(
            reqwest::Method::DELETE,
            Some(&guardian),
            &format!("/api/v1/children/{child}/consent"),
            None,
        )
        .await;
    assert_error(&twice, 404, "not_found");

    // Given again: registration works again. Another guardian cannot touch it.
    let other = app.sign_in(YOUTH).await;
    let meddling = app
        .post(
            Some(&other),
            &format!("/api/v1/children/{child}/consent"),
            json!({}),
        )
        .await;
    assert_error(&meddling, 403, "forbidden");
    let (s, _) = app
        .post(
            Some(&guardian),
            &format!("/api/v1/children/{child}/consent"),
            json!({"relation": "父亲"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, again) = app
        .post(Some(&guardian), &register, json!({"participant_id": child}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
}

async fn a_guardian_downloads_everything_and_then_erases_it(engine: Engine) {
    let app = spawn_app(engine).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let (s, data) = app.get(Some(&guardian), "/api/v1/me/export").await;
    assert_eq!(s, StatusCode::OK, "{data}");
    assert_eq!(
        data["user"]["phone"], GUARDIAN,
        "the owner sees the clear value"
    );
    let participants = data["participants"].as_array().unwrap();
    assert_eq!(participants.len(), 2);
    for child in participants {
        assert_eq!(child["id_number"].as_str().unwrap().len(), 18);
        assert!(!child["consents"].as_array().unwrap().is_empty());
    }
    assert!(participants
        .iter()
        .any(|c| !c["registrations"].as_array().unwrap().is_empty()));

    let (s, answer) = app
        .request(reqwest::Method::DELETE, Some(&guardian), "/api/v1/me", None)
        .await;
    assert_eq!(
        (s, answer["status"].as_str()),
        (StatusCode::OK, Some("erased"))
    );
    let gone = app.get(Some(&guardian), "/api/v1/me").await;
    assert_error(&gone, 401, "unauthorized");
    let sign_in = app
        .post(
            None,
            "/api/v1/session",
            json!({"phone": GUARDIAN, "password": PASSWORD}),
        )
        .await;
    assert_error(&sign_in, 401, "invalid_credentials");
    // The phone is free for a new account, and the file no longer holds the old data.
    let (s, _) = app
        .post(None, "/api/v1/accounts", json!({"phone": GUARDIAN, "password": "new-parent-1", "name": "新用户", "role": "guardian"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let league = app.sign_in(LEAGUE).await;
    for child in participants {
        let (s, badges) = app
            .get(
                Some(&league),
                &format!(
                    "/api/v1/participants/{}/badges",
                    child["id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "counts stay: {badges}");
    }
    let staff = app.sign_in(EVALUATOR).await;
    let (s, _) = app.get(Some(&staff), "/api/v1/me/export").await;
    assert_eq!(
        s,
        StatusCode::OK,
        "everyone may see what is held about them"
    );
    let refused = app
        .request(reqwest::Method::DELETE, Some(&staff), "/api/v1/me", None)
        .await;
    assert_error(&refused, 403, "forbidden");
}

/// A server that keeps sealing with the old key (its key file is elsewhere and was not
/// rewritten) holds the rotation back: the old key is not retired under it.
async fn a_server_left_on_the_old_key_stops_the_rotation(engine: Engine) {
    let app = spawn_app(engine).await;
    let stale = app.key_file.with_file_name("stale.key");
    std::fs::copy(&app.key_file, &stale).unwrap();
    let log = stale.with_file_name("stale-server.log");
    let (_, _stale_server) = spawn_server(&app.db.url, &stale, false, &log, &[]).await;
    let before = std::fs::read_to_string(&app.key_file).unwrap();
    let out = youthloop(&app.key_file)
        .args([
            "rotate-key",
            "--database",
            &app.db.url,
            "--follow-seconds",
            "3",
        ])
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the rotation went on: {said}");
    assert!(said.contains("did not follow the new key"), "{said}");
    let after = std::fs::read_to_string(&app.key_file).unwrap();
    let keys = |text: &str| text.lines().filter(|l| !l.starts_with('#')).count();
    assert_eq!(
        keys(&after),
        keys(&before) + 1,
        "the old key stays beside the new"
    );
    // What the stale server holds is still readable by the first: nothing was retired.
    let token = app.sign_in(GUARDIAN).await;
    let (s, _) = app.get(Some(&token), "/api/v1/me/export").await;
    assert_eq!(s, StatusCode::OK);
}

crate::on_every_engine!(
    a_server_left_on_the_old_key_stops_the_rotation,
    phones_and_id_numbers_are_sealed_and_survive_a_key_rotation,
    consent_decides_registration_and_what_organizations_see,
    a_guardian_downloads_everything_and_then_erases_it
);
