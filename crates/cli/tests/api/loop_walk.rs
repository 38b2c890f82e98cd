//! The whole closed loop: buy → cook → order → take part → review, as each persona.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

async fn the_whole_loop_over_http(engine: Engine) {
    walk_the_loop(&spawn_app(engine).await).await;
}

/// The loop as each demo persona walks it, on a server with the demo district.
pub async fn walk_the_loop(app: &TestApp) {
    let league = app.sign_in(LEAGUE).await;
    let org = app.sign_in(ORG_ADMIN).await;
    let officer = app.sign_in(OFFICER).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let youth = app.sign_in(YOUTH).await;
    let org_id = app.scope_of(&org).await;
    let community_id = app.scope_of(&officer).await;
    let scorecard_path = format!("/api/v1/organizations/{org_id}/scorecard");
    let (_, before) = app.get(None, &scorecard_path).await;

    // 买菜 buy: the League opens a round; the organization proposes; the League approves.
    let (s, round) = app
        .post(
            Some(&league),
            "/api/v1/rounds",
            json!({"title": "冬季专项采购", "budget_fen": 1_000_000, "opens_at": in_hours(-1), "closes_at": in_hours(24 * 30)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{round}");
    assert_eq!(round["status"], "draft");
    let round_id = round["id"].as_str().unwrap();
    let early = app
        .post(
            Some(&org),
            &format!("/api/v1/rounds/{round_id}/projects"),
            project("太早", 100_000),
        )
        .await;
    assert_error(&early, 409, "invalid_transition");
    let (s, opened) = app
        .post(
            Some(&league),
            &format!("/api/v1/rounds/{round_id}/open"),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, opened["status"].as_str()),
        (StatusCode::OK, Some("open"))
    );
    let (s, proposal) = app
        .post(
            Some(&org),
            &format!("/api/v1/rounds/{round_id}/projects"),
            project("冬季安全课堂", 100_000),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{proposal}");
    assert_eq!(proposal["status"], "submitted");
    let project_id = proposal["id"].as_str().unwrap();
    let (_, dear) = app
        .post(
            Some(&org),
            &format!("/api/v1/rounds/{round_id}/projects"),
            project("昂贵项目", 900_000),
        )
        .await;
    let (s, approved) = app
        .post(
            Some(&league),
            &format!("/api/v1/projects/{project_id}/approve"),
            json!({"sessions_bought": 3}),
        )
        .await;
    assert_eq!(
        (s, approved["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{approved}"
    );
    let over = app
        .post(
            Some(&league),
            &format!("/api/v1/projects/{}/approve", dear["id"].as_str().unwrap()),
            json!({"sessions_bought": 1}),
        )
        .await;
    assert_error(&over, 409, "over_budget");

    // 点单 order: the community orders from the menu, ranked for it.
    let (_, menu) = app
        .get(
            Some(&officer),
            &format!("/api/v1/menu?community={community_id}&limit=500"),
        )
        .await;
    let item = menu["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["project_id"] == project_id)
        .expect("on the menu");
    assert_eq!(item["sessions_left"], 3);
    assert!(item["fit"].as_f64().is_some());
    let (s, order) = app
        .post(
            Some(&officer),
            "/api/v1/orders",
            json!({"project_id": project_id, "community_id": community_id, "sessions": 1,
                   "window_start": in_days(0), "window_end": in_days(30), "venue": "青禾社区活动室",
                   "expected_participants": 20, "notes": "周六上午"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{order}");
    assert_eq!(order["status"], "submitted");
    assert_eq!(order["overdue"], false);
    let order_id = order["id"].as_str().unwrap().to_owned();
    // A submission asks; only dispatch takes sessions. More than are left is refused.
    let ask = |sessions: u32| {
        let (app, officer) = (app, &officer);
        let body = json!({"project_id": project_id, "community_id": community_id, "sessions": sessions,
                          "window_start": in_days(0), "window_end": in_days(30), "venue": "x", "expected_participants": 1});
        async move { app.post(Some(officer), "/api/v1/orders", body).await }
    };
    assert_error(&ask(4).await, 409, "sold_out");
    let (s, wide) = ask(3).await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "three of three left may be asked for: {wide}"
    );

    // 派单 dispatch and 接单 accept.
    let accept_early = app
        .post(
            Some(&org),
            &format!("/api/v1/orders/{order_id}/accept"),
            json!({}),
        )
        .await;
    assert_error(&accept_early, 409, "invalid_transition");
    let (_, dispatched) = app
        .post(
            Some(&league),
            &format!("/api/v1/orders/{order_id}/dispatch"),
            json!({}),
        )
        .await;
    assert_eq!(dispatched["status"], "dispatched");
    assert_eq!(dispatched["committed_fen"], 100_000);
    // Dispatched, the session is taken: the wider request no longer fits.
    let short = app
        .post(
            Some(&league),
            &format!("/api/v1/orders/{}/dispatch", wide["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_error(&short, 409, "sold_out");
    assert_error(&ask(3).await, 409, "sold_out");
    let (_, accepted) = app
        .post(
            Some(&org),
            &format!("/api/v1/orders/{order_id}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(accepted["status"], "accepted");

    // 做饭 cook: the organization schedules and publishes a session of the order.
    let (s, activity) = app
        .post(
            Some(&org),
            "/api/v1/activities",
            json!({"order_id": order_id, "title": "冬季安全课堂 第1场", "starts_at": in_hours(2), "ends_at": in_hours(4),
                   "venue": "青禾社区活动室", "capacity": 2, "waitlist_capacity": 1, "min_age": 6, "max_age": 17,
                   "registration_opens_at": in_hours(-1), "registration_closes_at": in_hours(1)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{activity}");
    assert_eq!(activity["status"], "draft");
    assert_eq!(
        activity["badges"],
        json!(["laodong"]),
        "badges come from the project"
    );
    let activity_id = activity["id"].as_str().unwrap().to_owned();
    let (s, _) = app
        .get(None, &format!("/api/v1/activities/{activity_id}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a draft is not public");
    let (_, published) = app
        .post(
            Some(&org),
            &format!("/api/v1/activities/{activity_id}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(published["status"], "published");
    let (_, scheduled) = app
        .get(Some(&officer), &format!("/api/v1/orders/{order_id}"))
        .await;
    assert_eq!(scheduled["status"], "scheduled");

    // 品尝 take part: past capacity into the waitlist, then full.
    let (_, children) = app.get(Some(&guardian), "/api/v1/children").await;
    let kids: Vec<String> = children["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kids.len(), 2);
    let (s, new_guardian) = app
        .post(None, "/api/v1/accounts", json!({"phone": "13912345678", "password": "parent-pass-1", "name": "新家长", "role": "guardian"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{new_guardian}");
    let parent = app.sign_in_with("13912345678", "parent-pass-1").await;
    let (s, late_child) = app
        .post(
            Some(&parent),
            "/api/v1/children",
            json!({"name": "晚到", "id_number": id_number(9, 1), "consent": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{late_child}");
    let late_child = late_child["id"].as_str().unwrap().to_owned();
    let youth_id = app.get(Some(&youth), "/api/v1/me").await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let register = |token: String, participant: String, key: &'static str| {
        let app = &app;
        let path = format!("/api/v1/activities/{activity_id}/registrations");
        async move {
            app.request_with(
                Method::POST,
                Some(&token),
                &path,
                Some(json!({"participant_id": participant})),
                &[("Idempotency-Key", key)],
            )
            .await
        }
    };
    let first = register(guardian.clone(), kids[0].clone(), "k1").await;
    assert_eq!(
        (first.0, first.1["status"].as_str()),
        (StatusCode::CREATED, Some("confirmed")),
        "{}",
        first.1
    );
    let second = register(youth.clone(), youth_id.clone(), "k2").await;
    assert_eq!(second.1["status"], "confirmed", "{}", second.1);
    let third = register(parent.clone(), late_child.clone(), "k3").await;
    assert_eq!(
        (third.1["status"].as_str(), third.1["position"].as_u64()),
        (Some("waitlisted"), Some(1)),
        "{}",
        third.1
    );
    let fourth = register(guardian.clone(), kids[1].clone(), "k4").await;
    assert_error(&fourth, 409, "full");
    let again = register(guardian.clone(), kids[0].clone(), "k1").await;
    assert_eq!(again.1, first.1, "the same key answers the same");
    let twice = register(guardian.clone(), kids[0].clone(), "k5").await;
    assert_error(&twice, 409, "already_registered");

    // A cancellation promotes the first on the waitlist.
    let (s, cancelled) = app
        .request(
            Method::DELETE,
            Some(&guardian),
            &format!("/api/v1/registrations/{}", first.1["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(
        (s, cancelled["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    let (_, regs) = app
        .get(
            Some(&org),
            &format!("/api/v1/activities/{activity_id}/registrations"),
        )
        .await;
    let status_of = |id: &Value| {
        regs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == *id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of(&third.1["id"]), "confirmed", "promoted: {regs}");
    let rejoin = register(guardian.clone(), kids[1].clone(), "k6").await;
    assert_eq!(rejoin.1["status"], "waitlisted", "{}", rejoin.1);

    // Check-in opens 30 minutes before the start: two hours on, the session begins.
    app.advance_clock(2 * 3600).await;
    // Check-in with the rotating code; badges follow.
    let (_, code) = app
        .get(
            Some(&org),
            &format!("/api/v1/activities/{activity_id}/checkin-code"),
        )
        .await;
    let code = code["code"].as_str().unwrap().to_owned();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let bad = app
        .post(
            Some(&parent),
            &format!("/api/v1/activities/{activity_id}/checkin"),
            json!({"code": wrong, "participant_id": late_child}),
        )
        .await;
    assert_error(&bad, 422, "bad_checkin_code");
    for (token, participant) in [(&parent, &late_child), (&youth, &youth_id)] {
        let (s, checked) = app
            .post(
                Some(token),
                &format!("/api/v1/activities/{activity_id}/checkin"),
                json!({"code": code, "participant_id": participant}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{checked}");
        assert_eq!(
            checked,
            json!({"status": "attended", "badges": ["laodong"]})
        );
    }
    let (_, badges) = app
        .get(
            Some(&parent),
            &format!("/api/v1/participants/{late_child}/badges"),
        )
        .await;
    assert_eq!(badges["items"][0]["code"], "laodong");
    assert_eq!(badges["items"][0]["name"], "劳动章");
    let (s, _) = app
        .get(
            Some(&guardian),
            &format!("/api/v1/participants/{late_child}/badges"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another family's child");

    // The organization finishes the session once it is over: the order is delivered.
    app.advance_clock(2 * 3600).await;
    let (_, finished) = app
        .post(
            Some(&org),
            &format!("/api/v1/activities/{activity_id}/finish"),
            json!({}),
        )
        .await;
    assert_eq!(finished["status"], "finished");
    let (_, delivered) = app
        .get(Some(&officer), &format!("/api/v1/orders/{order_id}"))
        .await;
    assert_eq!(delivered["status"], "delivered");

    // 点评 review: who attended, and the community; then 验收 confirm and 结算 settle.
    let review = json!({"content": 5, "organization": 4, "effect": 5, "text": "孩子学到了很多"});
    let (s, r) = app
        .post(
            Some(&parent),
            &format!("/api/v1/activities/{activity_id}/reviews"),
            review.clone(),
        )
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::CREATED, Some("visible")),
        "{r}"
    );
    // A verified review's text is public too: contact details in it wait for a
    // moderator, while its ratings count on the scorecard all the same.
    let (s, held) = app
        .post(
            Some(&youth),
            &format!("/api/v1/activities/{activity_id}/reviews"),
            json!({"content": 5, "organization": 4, "effect": 5, "text": "想组队的加我 vx: kid2026abc"}),
        )
        .await;
    assert_eq!(
        (s, held["status"].as_str(), held["reason"].as_str()),
        (StatusCode::CREATED, Some("held"), Some("contact")),
        "{held}"
    );
    let not_there = app
        .post(
            Some(&guardian),
            &format!("/api/v1/activities/{activity_id}/reviews"),
            review.clone(),
        )
        .await;
    assert_error(&not_there, 403, "not_attended");
    let (s, _) = app
        .post(
            Some(&officer),
            &format!("/api/v1/orders/{order_id}/reviews"),
            json!({"content": 4, "organization": 4, "effect": 4}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, confirmed) = app
        .post(
            Some(&officer),
            &format!("/api/v1/orders/{order_id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(confirmed["status"], "confirmed");
    let (_, settled) = app
        .post(
            Some(&league),
            &format!("/api/v1/orders/{order_id}/settle"),
            json!({}),
        )
        .await;
    assert_eq!(settled["status"], "settled");
    let history: Vec<&str> = settled["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        [
            "submitted",
            "dispatched",
            "accepted",
            "scheduled",
            "delivered",
            "confirmed",
            "settled"
        ]
    );

    // The scorecard shows the delivered session, the attendance and the ratings.
    let (_, after) = app.get(None, &scorecard_path).await;
    let delta = |k: &str| after[k].as_f64().unwrap() - before[k].as_f64().unwrap();
    assert_eq!(delta("sessions_delivered"), 1.0, "{before} → {after}");
    assert_eq!(delta("reviews"), 3.0, "{before} → {after}");
    assert!(after["satisfaction"].as_f64().unwrap() > 3.0);
    assert!(after["attendance_rate"].as_f64().unwrap() > 0.0);
    let (_, reviews) = app
        .get(
            None,
            &format!("/api/v1/organizations/{org_id}/reviews?limit=500"),
        )
        .await;
    assert!(reviews["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["text"] == "孩子学到了很多"));
    assert!(
        !reviews.to_string().contains("kid2026abc"),
        "the held text is not shown"
    );
}

fn project(title: &str, unit_price_fen: i64) -> Value {
    json!({"title": title, "area": "safety", "min_age": 6, "max_age": 17, "capacity": 30,
           "unit_price_fen": unit_price_fen, "sessions_offered": 5, "description": "冬季安全自护", "badges": ["laodong"]})
}

async fn sessions_end_at_sign_out_and_bad_passwords_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let wrong = app
        .post(
            None,
            "/api/v1/session",
            json!({"phone": LEAGUE, "password": "wrong-password"}),
        )
        .await;
    assert_error(&wrong, 401, "invalid_credentials");
    let unknown = app
        .post(
            None,
            "/api/v1/session",
            json!({"phone": "13999999999", "password": "demo12345"}),
        )
        .await;
    assert_error(&unknown, 401, "invalid_credentials");
    let token = app.sign_in(GUARDIAN).await;
    let (s, me) = app.get(Some(&token), "/api/v1/me").await;
    assert_eq!(
        (s, me["roles"][0]["role"].as_str()),
        (StatusCode::OK, Some("guardian"))
    );
    // The cookie works like the token.
    let res = app
        .client
        .get(format!("{}/api/v1/me", app.base))
        .header("cookie", format!("youthloop_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (s, _) = app
        .request(Method::DELETE, Some(&token), "/api/v1/session", None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let stolen = app.get(Some(&token), "/api/v1/me").await;
    assert_error(&stolen, 401, "unauthorized");
    let res = app
        .client
        .get(format!("{}/api/v1/me", app.base))
        .header("cookie", format!("youthloop_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "a stolen cookie after sign-out"
    );
}

async fn operations_endpoints_answer(engine: Engine) {
    let app = spawn_app(engine).await;
    assert_eq!(app.get(None, "/healthz").await.0, StatusCode::OK);
    assert_eq!(app.get(None, "/readyz").await.0, StatusCode::OK);
    // Metrics are served on their own (loopback) address, not beside the site.
    assert_eq!(app.get(None, "/metrics").await.0, StatusCode::NOT_FOUND);
    let metrics = app
        .client
        .get(format!("{}/metrics", app.metrics))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    let metrics = metrics.text().await.unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    let (s, unknown) = app.get(None, "/api/v1/nothing-here").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(unknown["error"]["code"], "not_found");
}

async fn a_cancelled_order_takes_its_sessions_with_it_and_the_menu_pages(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let org = app.sign_in(ORG_ADMIN).await;
    let officer = app.sign_in(OFFICER).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let org_id = app.scope_of(&org).await;
    let community = app.scope_of(&officer).await;
    let (_, menu) = app.get(None, "/api/v1/menu?limit=500").await;
    let item = menu["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["organization"]["id"] == org_id.as_str() && i["sessions_left"].as_u64() > Some(0)
        })
        .unwrap();
    let (_, order) = app
        .post(
            Some(&officer),
            "/api/v1/orders",
            json!({"project_id": item["project_id"], "community_id": community, "sessions": 1, "window_start": in_days(0),
                   "window_end": in_days(30), "venue": "v", "expected_participants": 9}),
        )
        .await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    app.post(
        Some(&league),
        &format!("/api/v1/orders/{order_id}/dispatch"),
        json!({}),
    )
    .await;
    app.post(
        Some(&org),
        &format!("/api/v1/orders/{order_id}/accept"),
        json!({}),
    )
    .await;
    let (_, activity) = app
        .post(
            Some(&org),
            "/api/v1/activities",
            json!({"order_id": order_id, "title": "将取消", "starts_at": in_hours(30), "ends_at": in_hours(31), "venue": "v",
                   "capacity": 5, "min_age": 0, "max_age": 17, "registration_opens_at": in_hours(-1), "registration_closes_at": in_hours(20)}),
        )
        .await;
    let activity_id = activity["id"].as_str().unwrap().to_owned();
    app.post(
        Some(&org),
        &format!("/api/v1/activities/{activity_id}/publish"),
        json!({}),
    )
    .await;
    let (_, children) = app.get(Some(&guardian), "/api/v1/children").await;
    let (s, registration) = app
        .post(
            Some(&guardian),
            &format!("/api/v1/activities/{activity_id}/registrations"),
            json!({"participant_id": children["items"][0]["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{registration}");

    let (_, cancelled) = app
        .post(
            Some(&officer),
            &format!("/api/v1/orders/{order_id}/cancel"),
            json!({"reason": "场地取消"}),
        )
        .await;
    assert_eq!(
        (
            cancelled["status"].as_str(),
            cancelled["committed_fen"].as_i64()
        ),
        (Some("cancelled"), Some(0))
    );
    let (_, activity) = app
        .get(Some(&org), &format!("/api/v1/activities/{activity_id}"))
        .await;
    assert_eq!(activity["status"], "cancelled");
    let (_, regs) = app
        .get(
            Some(&org),
            &format!("/api/v1/activities/{activity_id}/registrations"),
        )
        .await;
    assert_eq!(regs["items"][0]["status"], "cancelled");

    // The menu pages through its ranking without losing or repeating an item.
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/menu?community={community}&limit=4");
    loop {
        let (s, page) = app.get(None, &path).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["project_id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/menu?community={community}&limit=4&cursor={cursor}")
            }
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        (seen.len(), unique.len()),
        (menu["items"].as_array().unwrap().len(), seen.len())
    );
}

crate::on_every_engine!(
    the_whole_loop_over_http,
    sessions_end_at_sign_out_and_bad_passwords_are_refused,
    operations_endpoints_answer,
    a_cancelled_order_takes_its_sessions_with_it_and_the_menu_pages
);

async fn the_demo_district_moves_to_postgres_and_the_loop_goes_on() {
    if !engine_enabled("postgres") {
        return;
    }
    let source = spawn_app(Engine::Sqlite).await;
    let guardian = source.sign_in(GUARDIAN).await;
    let (_, before) = source.get(Some(&guardian), "/api/v1/children").await;
    let dir = tempfile::tempdir().unwrap();
    let target = TestDatabase::new(Engine::Postgres, dir.path()).await;
    let moved = youthloop(&source.key_file)
        .args([
            "migrate-data",
            "--from",
            &source.db.url,
            "--to",
            &target.url,
        ])
        .output()
        .await
        .unwrap();
    let report = String::from_utf8_lossy(&moved.stdout);
    assert!(
        moved.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&moved.stderr)
    );
    assert!(
        report.contains("audit_events") && report.contains("copied and verified 38 tables"),
        "{report}"
    );
    let again = youthloop(&source.key_file)
        .args([
            "migrate-data",
            "--from",
            &source.db.url,
            "--to",
            &target.url,
        ])
        .output()
        .await
        .unwrap();
    assert!(!again.status.success(), "a non-empty target is refused");
    let verify = youthloop(&source.key_file)
        .args(["audit", "verify", "--database", &target.url])
        .output()
        .await
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    let copy = serve_database(target, source.key_file.clone()).await;
    let guardian = copy.sign_in(GUARDIAN).await;
    let (_, after) = copy.get(Some(&guardian), "/api/v1/children").await;
    assert_eq!(before, after, "the same children, names and all");
    let (_, data) = copy.get(Some(&guardian), "/api/v1/me/export").await;
    assert_eq!(
        data["user"]["phone"], GUARDIAN,
        "sealed values moved and open with the same key"
    );
    walk_the_loop(&copy).await;
}

#[tokio::test]
async fn the_demo_district_moves_from_sqlite_to_postgres() {
    the_demo_district_moves_to_postgres_and_the_loop_goes_on().await;
}
