//! Bad input gets a 4xx in the error shape and changes nothing in the database.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// Who sends it (a token, or "" for nobody), where, what, and the status, code and field expected.
type Case<'a> = (&'a str, String, Value, u16, &'a str, Option<&'a str>);

async fn bad_input_is_refused_and_changes_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let officer = app.sign_in(OFFICER).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let community_id = app.scope_of(&officer).await;
    let (_, menu) = app.get(None, "/api/v1/menu").await;
    let project_id = menu["items"][0]["project_id"].as_str().unwrap().to_owned();
    let (_, orgs) = app.get(None, "/api/v1/organizations").await;
    let org_id = orgs["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, activities) = app.get(None, "/api/v1/activities").await;
    let activity_id = activities["items"][0]["id"].as_str().unwrap().to_owned();

    let before = app.db.snapshot().await;

    let round = |patch: Value| {
        let mut body = json!({"title": "批次", "budget_fen": 100, "opens_at": in_hours(0), "closes_at": in_hours(1)});
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let order = |patch: Value| {
        let mut body = json!({"project_id": project_id, "community_id": community_id, "sessions": 1,
            "window_start": in_days(0), "window_end": in_days(1), "venue": "v", "expected_participants": 1});
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    let long = "长".repeat(101);
    let cases: Vec<Case> = vec![
        (
            &league,
            "/api/v1/rounds".into(),
            round(json!({"title": null})),
            422,
            "invalid",
            Some("title"),
        ),
        (
            &league,
            "/api/v1/rounds".into(),
            round(json!({"extra": 1})),
            422,
            "invalid",
            Some("extra"),
        ),
        (
            &league,
            "/api/v1/rounds".into(),
            round(json!({"budget_fen": "many"})),
            422,
            "invalid",
            Some("budget_fen"),
        ),
        (
            &league,
            "/api/v1/rounds".into(),
            round(json!({"budget_fen": -1})),
            422,
            "invalid",
            Some("budget_fen"),
        ),
        (
            &league,
            "/api/v1/rounds".into(),
            round(json!({"budget_fen": 1e30})),
            422,
            "invalid",
            Some("budget_fen"),
        ),
        (
            &league,
            "/api/v1/rounds".into(),
            round(json!({"title": long})),
            422,
            "invalid",
            Some("title"),
        ),
        (
            &league,
            "/api/v1/rounds".into(),
            round(json!({"title": "   "})),
            422,
            "invalid",
            Some("title"),
        ),
        (
            &league,
            "/api/v1/rounds".into(),
            round(json!({"opens_at": "yesterday"})),
            422,
            "invalid",
            Some("opens_at"),
        ),
        (
            &league,
            "/api/v1/rounds".into(),
            round(json!({"closes_at": in_hours(-5)})),
            422,
            "invalid",
            Some("closes_at"),
        ),
        (
            &league,
            "/api/v1/rounds".into(),
            json!([1, 2]),
            422,
            "invalid",
            None,
        ),
        (
            &league,
            "/api/v1/rounds/no-such-round/open".into(),
            json!({}),
            404,
            "not_found",
            None,
        ),
        (
            &league,
            "/api/v1/projects/no-such-project/approve".into(),
            json!({"sessions_bought": 1}),
            404,
            "not_found",
            None,
        ),
        (
            &league,
            format!("/api/v1/projects/{project_id}/approve"),
            json!({"sessions_bought": 0}),
            422,
            "invalid",
            Some("sessions_bought"),
        ),
        (
            &league,
            "/api/v1/orders/no-such-order/dispatch".into(),
            json!({}),
            404,
            "not_found",
            None,
        ),
        (
            &league,
            "/api/v1/organizations".into(),
            json!({"name": "n", "credit_code": "91350100M000100Y44", "areas": ["safety"], "address": "a"}),
            422,
            "invalid",
            Some("credit_code"),
        ),
        (
            &league,
            "/api/v1/organizations".into(),
            json!({"name": "n", "credit_code": "91350100M000100Y43", "areas": ["cooking"], "address": "a"}),
            422,
            "invalid",
            Some("area"),
        ),
        (
            &league,
            "/api/v1/organizations".into(),
            json!({"name": "n", "credit_code": "91350100M000100Y43", "areas": ["safety"], "address": "a",
                   "contact_phone": "call us"}),
            422,
            "invalid",
            Some("contact_phone"),
        ),
        (
            &league,
            "/api/v1/users".into(),
            json!({"phone": "12345", "password": "river-stone-42", "name": "n", "roles": []}),
            422,
            "invalid",
            Some("phone"),
        ),
        (
            &league,
            "/api/v1/users".into(),
            json!({"phone": "13711112222", "password": "short", "name": "n", "roles": []}),
            422,
            "invalid",
            Some("password"),
        ),
        (
            &league,
            "/api/v1/users".into(),
            json!({"phone": "13711112222", "password": "river-stone-42", "name": "n", "roles": [{"role": "emperor", "scope_id": "x"}]}),
            422,
            "invalid",
            Some("roles[0].role"),
        ),
        (
            &officer,
            "/api/v1/orders".into(),
            order(json!({"sessions": 0})),
            422,
            "invalid",
            Some("sessions"),
        ),
        (
            &officer,
            "/api/v1/orders".into(),
            order(json!({"sessions": 4_294_967_297_i64})),
            422,
            "invalid",
            Some("sessions"),
        ),
        (
            &officer,
            "/api/v1/orders".into(),
            order(json!({"window_start": "2026-13-01"})),
            422,
            "invalid",
            Some("window_start"),
        ),
        (
            &officer,
            "/api/v1/orders".into(),
            order(json!({"window_end": "2026-11-01"})),
            422,
            "invalid",
            Some("window_end"),
        ),
        (
            &officer,
            "/api/v1/orders".into(),
            order(json!({"venue": null})),
            422,
            "invalid",
            Some("venue"),
        ),
        (
            &officer,
            "/api/v1/orders".into(),
            order(json!({"project_id": "no-such-project"})),
            404,
            "not_found",
            None,
        ),
        (
            &officer,
            "/api/v1/orders".into(),
            order(json!({"community_id": "no-such-community"})),
            404,
            "not_found",
            None,
        ),
        (
            &officer,
            format!("/api/v1/regions/{community_id}/profile"),
            json!({"age_6_8": -5}),
            422,
            "invalid",
            Some("age_6_8"),
        ),
        (
            &guardian,
            "/api/v1/children".into(),
            json!({"name": "小明", "id_number": "110105194912310021", "consent": true}),
            422,
            "invalid",
            Some("id_number"),
        ),
        (
            &guardian,
            "/api/v1/children".into(),
            json!({"name": "小明", "id_number": id_number(8, 3), "consent": false}),
            422,
            "invalid",
            Some("consent"),
        ),
        (
            &guardian,
            "/api/v1/activities/no-such-activity/registrations".into(),
            json!({"participant_id": "x"}),
            404,
            "not_found",
            None,
        ),
        (
            &guardian,
            format!("/api/v1/activities/{activity_id}/registrations"),
            json!({"participant_id": "not-my-child"}),
            404,
            "not_found",
            None,
        ),
        (
            &guardian,
            format!("/api/v1/activities/{activity_id}/reviews"),
            json!({"content": 6, "organization": 5, "effect": 5}),
            422,
            "invalid",
            Some("content"),
        ),
        (
            "",
            format!("/api/v1/organizations/{org_id}/comments"),
            json!({"text": "好".repeat(501)}),
            422,
            "invalid",
            Some("text"),
        ),
        (
            "",
            format!("/api/v1/organizations/{org_id}/comments"),
            json!({"text": "好", "rating": 6}),
            422,
            "invalid",
            Some("rating"),
        ),
        (
            "",
            "/api/v1/organizations/no-such-org/comments".into(),
            json!({"text": "好"}),
            404,
            "not_found",
            None,
        ),
        (
            "",
            "/api/v1/accounts?district=no-such-district".into(),
            json!({"phone": "13722223333", "password": "river-stone-42", "name": "n", "role": "guardian"}),
            404,
            "not_found",
            Some("district"),
        ),
        (
            "",
            "/api/v1/accounts".into(),
            json!({"phone": "13722223333", "password": "river-stone-42", "name": "n", "role": "league_admin"}),
            422,
            "invalid",
            Some("role"),
        ),
        (
            "",
            "/api/v1/accounts".into(),
            json!({"phone": "13722223333", "password": "river-stone-42", "name": "n", "role": "youth", "id_number": id_number(9, 4)}),
            422,
            "invalid",
            Some("id_number"),
        ),
        (
            "",
            "/api/v1/accounts".into(),
            json!({"phone": "13722223333", "password": "river-stone-42", "name": "n", "role": "volunteer"}),
            422,
            "invalid",
            Some("id_number"),
        ),
    ];
    for (who, path, body, status, code, field) in &cases {
        let token = (!who.is_empty()).then_some(*who);
        let method = if path.ends_with("/profile") {
            Method::PUT
        } else {
            Method::POST
        };
        let answer = app.request(method, token, path, Some(body.clone())).await;
        assert_error(&answer, *status, code);
        if let Some(field) = field {
            assert_eq!(
                answer.1["error"]["field"], *field,
                "{path} {body}: {}",
                answer.1
            );
        }
    }

    // Bodies that are not JSON, not declared JSON, or too large.
    let raw = |body: &'static str, content_type: &'static str| {
        app.client
            .post(format!("{}/api/v1/rounds", app.base))
            .bearer_auth(&league)
            .header("content-type", content_type)
            .body(body)
    };
    for (req, status, code) in [
        (
            raw("{\"title\": ", "application/json"),
            400,
            "malformed_json",
        ),
        (raw("not json", "application/json"), 400, "malformed_json"),
        (
            raw("{} trailing", "application/json"),
            400,
            "malformed_json",
        ),
        (raw("{}", "text/plain"), 415, "unsupported_media_type"),
    ] {
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], code);
    }
    let huge = format!("{{\"title\": \"{}\"}}", "x".repeat(100 * 1024));
    let res = app
        .client
        .post(format!("{}/api/v1/rounds", app.base))
        .bearer_auth(&league)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_large");
    for query in ["limit=0", "limit=501", "limit=abc", "nonsense=1"] {
        let answer = app
            .get(Some(&league), &format!("/api/v1/orders?{query}"))
            .await;
        assert_error(&answer, 422, "invalid");
    }
    let answer = app
        .get(
            None,
            "/api/v1/organizations/no-such-org/scorecard?period=1800",
        )
        .await;
    assert_error(&answer, 422, "invalid");

    assert_eq!(
        app.db.snapshot().await,
        before,
        "bad input must change nothing"
    );
}

crate::on_every_engine!(bad_input_is_refused_and_changes_nothing);
