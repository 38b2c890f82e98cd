//! What an outside attack review found, each finding replayed as its original request
//! and answered as it should be now (issue 11).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// An activity of the demo organization, published, open for registration now.
async fn published(app: &TestApp, org: &str, body: Value) -> String {
    let activity = app.post_ok(org, "/api/v1/activities", body).await;
    let id = activity["id"].as_str().unwrap().to_owned();
    app.post_ok(org, &format!("/api/v1/activities/{id}/publish"), json!({}))
        .await;
    id
}

fn activity_in(hours: i64, capacity: u32, waitlist: u32, order_id: Option<&str>) -> Value {
    json!({"order_id": order_id, "title": "硬化测试活动", "starts_at": in_hours(hours), "ends_at": in_hours(hours + 2),
           "venue": "青禾社区活动室", "capacity": capacity, "waitlist_capacity": waitlist, "min_age": 0, "max_age": 17,
           "registration_opens_at": in_hours(-1), "registration_closes_at": in_hours(hours - 1)})
}

/// An order of `sessions` sessions of a demo organization's menu item, dispatched and
/// accepted: ready to be scheduled.
async fn accepted_order(app: &TestApp, league: &str, org: &str, sessions: u32) -> String {
    let officer = app.sign_in(OFFICER).await;
    let org_id = app.scope_of(org).await;
    let community = app.scope_of(&officer).await;
    let (_, menu) = app.get(None, "/api/v1/menu?limit=500").await;
    let item = menu["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["organization"]["id"] == org_id.as_str()
                && i["sessions_left"].as_u64() >= Some(u64::from(sessions))
        })
        .expect("a menu item of the demo organization with sessions left")
        .clone();
    let order = app
        .post_ok(
            &officer,
            "/api/v1/orders",
            json!({"project_id": item["project_id"], "community_id": community, "sessions": sessions,
                   "window_start": in_days(0), "window_end": in_days(60), "venue": "青禾社区活动室",
                   "expected_participants": 20, "notes": ""}),
        )
        .await;
    let id = order["id"].as_str().unwrap().to_owned();
    for (token, step) in [(league, "dispatch"), (org, "accept")] {
        app.post_ok(token, &format!("/api/v1/orders/{id}/{step}"), json!({}))
            .await;
    }
    id
}

async fn first_child(app: &TestApp, guardian: &str) -> String {
    let (_, children) = app.get(Some(guardian), "/api/v1/children").await;
    children["items"][0]["id"].as_str().unwrap().to_owned()
}

/// Finding 1: check-in, finishing, reviews and payment wait for the activity's time, and
/// an order takes no more activities than its sessions.
async fn nothing_is_recorded_before_it_happens(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let org = app.sign_in(ORG_ADMIN).await;
    let officer = app.sign_in(OFFICER).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let child = first_child(&app, &guardian).await;

    // An order of two sessions takes two activities, not a third.
    let order = accepted_order(&app, &league, &org, 2).await;
    let month = 30 * 24;
    let first = published(&app, &org, activity_in(month, 10, 0, Some(&order))).await;
    let second = published(&app, &org, activity_in(month + 24, 10, 0, Some(&order))).await;
    let before = app.db.snapshot().await;
    let third = app
        .post(
            Some(&org),
            "/api/v1/activities",
            activity_in(month + 48, 10, 0, Some(&order)),
        )
        .await;
    assert_error(&third, 409, "sessions_used");
    assert_eq!(
        app.db.snapshot().await,
        before,
        "the refusal changed something"
    );

    // Thirty days ahead: no check-in by code or by hand, no review, no finishing.
    let registered = app
        .post_ok(
            &guardian,
            &format!("/api/v1/activities/{first}/registrations"),
            json!({"participant_id": child}),
        )
        .await;
    let registration = registered["id"].as_str().unwrap().to_owned();
    let (_, code) = app
        .get(
            Some(&org),
            &format!("/api/v1/activities/{first}/checkin-code"),
        )
        .await;
    let checkin = format!("/api/v1/activities/{first}/checkin");
    let by_code = json!({"code": code["code"], "participant_id": child});
    let by_hand = json!({"registration_id": registration});
    let before = app.db.snapshot().await;
    assert_error(
        &app.post(Some(&guardian), &checkin, by_code).await,
        409,
        "checkin_not_open",
    );
    assert_error(
        &app.post(Some(&org), &checkin, by_hand.clone()).await,
        409,
        "checkin_not_open",
    );
    let review = json!({"content": 5, "organization": 5, "effect": 5, "text": "还没开始就评价"});
    let reviews = format!("/api/v1/activities/{first}/reviews");
    assert_error(
        &app.post(Some(&guardian), &reviews, review.clone()).await,
        403,
        "not_attended",
    );
    for activity in [&first, &second] {
        let early = app
            .post(
                Some(&org),
                &format!("/api/v1/activities/{activity}/finish"),
                json!({}),
            )
            .await;
        assert_error(&early, 409, "not_ended");
    }
    let (_, still) = app
        .get(Some(&officer), &format!("/api/v1/orders/{order}"))
        .await;
    assert_eq!(
        still["status"], "scheduled",
        "not delivered before it happened"
    );
    let confirm = app
        .post(
            Some(&officer),
            &format!("/api/v1/orders/{order}/confirm"),
            json!({}),
        )
        .await;
    assert_error(&confirm, 409, "invalid_transition");
    let settle = app
        .post(
            Some(&league),
            &format!("/api/v1/orders/{order}/settle"),
            json!({}),
        )
        .await;
    assert_error(&settle, 409, "invalid_transition");
    assert_eq!(
        app.db.snapshot().await,
        before,
        "a refusal changed something"
    );

    // The day comes (a month on: everyone signs in again), and check-in opens.
    app.advance_to_activity(&first, "starts_at").await;
    let org = app.sign_in(ORG_ADMIN).await;
    let officer = app.sign_in(OFFICER).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let (s, attended) = app.post(Some(&org), &checkin, by_hand.clone()).await;
    assert_eq!(
        (s, attended["status"].as_str()),
        (StatusCode::OK, Some("attended")),
        "{attended}"
    );
    // Attended but not over yet: the review waits for the end.
    assert_error(
        &app.post(Some(&guardian), &reviews, review.clone()).await,
        409,
        "not_ended",
    );
    // Over: check-in has closed, finishing and reviewing are open.
    app.advance_to_activity(&first, "ends_at").await;
    app.advance_clock(60).await;
    let (_, late) = app
        .get(
            Some(&org),
            &format!("/api/v1/activities/{first}/checkin-code"),
        )
        .await;
    let late = app
        .post(
            Some(&guardian),
            &checkin,
            json!({"code": late["code"], "participant_id": child}),
        )
        .await;
    assert_error(&late, 409, "checkin_closed");
    let finished = app
        .post_ok(
            &org,
            &format!("/api/v1/activities/{first}/finish"),
            json!({}),
        )
        .await;
    assert_eq!(finished["status"], "finished");
    let (s, _) = app.post(Some(&guardian), &reviews, review).await;
    assert_eq!(s, StatusCode::CREATED);
    // One of two sessions is over: the order is not delivered, so not paid either.
    let (_, still) = app
        .get(Some(&officer), &format!("/api/v1/orders/{order}"))
        .await;
    assert_eq!(still["status"], "scheduled");
    app.advance_to_activity(&second, "ends_at").await;
    let org = app.sign_in(ORG_ADMIN).await;
    let officer = app.sign_in(OFFICER).await;
    app.post_ok(
        &org,
        &format!("/api/v1/activities/{second}/finish"),
        json!({}),
    )
    .await;
    let (_, delivered) = app
        .get(Some(&officer), &format!("/api/v1/orders/{order}"))
        .await;
    assert_eq!(delivered["status"], "delivered");
    app.post_ok(
        &officer,
        &format!("/api/v1/orders/{order}/confirm"),
        json!({}),
    )
    .await;
    let league = app.sign_in(LEAGUE).await;
    let settled = app
        .post_ok(
            &league,
            &format!("/api/v1/orders/{order}/settle"),
            json!({}),
        )
        .await;
    assert_eq!(settled["status"], "settled");
}

/// The check-in window is the district's to set: here two hours before the start.
async fn the_checkin_window_is_the_districts_setting(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let org = app.sign_in(ORG_ADMIN).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let child = first_child(&app, &guardian).await;
    let (_, defaults) = app.get(Some(&league), "/api/v1/settings").await;
    assert_eq!(
        defaults["checkin"],
        json!({"opens_minutes_before": 30, "closes_minutes_after": 0})
    );
    let wide = json!({"checkin": {"opens_minutes_before": 2000, "closes_minutes_after": 0}});
    let refused = app
        .request(Method::PUT, Some(&league), "/api/v1/settings", Some(wide))
        .await;
    assert_error(&refused, 422, "invalid");
    assert_eq!(refused.1["error"]["field"], "checkin.opens_minutes_before");
    let activity = published(&app, &org, activity_in(2, 5, 0, None)).await;
    let (_, registered) = app
        .post(
            Some(&guardian),
            &format!("/api/v1/activities/{activity}/registrations"),
            json!({"participant_id": child}),
        )
        .await;
    let by_hand = json!({"registration_id": registered["id"]});
    let checkin = format!("/api/v1/activities/{activity}/checkin");
    assert_error(
        &app.post(Some(&org), &checkin, by_hand.clone()).await,
        409,
        "checkin_not_open",
    );
    let early = json!({"checkin": {"opens_minutes_before": 150, "closes_minutes_after": 30}});
    let (s, _) = app
        .request(Method::PUT, Some(&league), "/api/v1/settings", Some(early))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, attended) = app.post(Some(&org), &checkin, by_hand).await;
    assert_eq!(
        (s, attended["status"].as_str()),
        (StatusCode::OK, Some("attended")),
        "{attended}"
    );
}

/// Finding 2: one person is one participant in a district.
async fn one_person_is_one_participant(engine: Engine) {
    let app = spawn_app(engine).await;
    let first = app.sign_in(GUARDIAN).await;
    let second = app.new_guardian("13766660001", "另一位家长").await;
    let child = id_number(9, 301);
    let add = |name: &str| json!({"name": name, "id_number": child, "consent": true});
    let (s, _) = app
        .post(Some(&first), "/api/v1/children", add("小一"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let before = app.db.snapshot().await;
    assert_error(
        &app.post(Some(&second), "/api/v1/children", add("小一"))
            .await,
        409,
        "person_exists",
    );
    assert_error(
        &app.post(Some(&first), "/api/v1/children", add("小一"))
            .await,
        409,
        "child_exists",
    );
    // The refusal tells that an ID number is known: past ten in an hour, every attempt
    // answers 429, a new ID number as a known one, so it cannot be used to test many.
    for _ in 0..10 {
        let again = app
            .post(Some(&second), "/api/v1/children", add("小一"))
            .await;
        assert_error(&again, 409, "person_exists");
    }
    let fresh = json!({"name": "小三", "id_number": id_number(9, 304), "consent": true});
    let blocked = app
        .post(Some(&second), "/api/v1/children", fresh.clone())
        .await;
    assert_error(&blocked, 429, "rate_limited");
    assert_error(
        &app.post(Some(&second), "/api/v1/children", add("小一"))
            .await,
        429,
        "rate_limited",
    );
    let (s, _) = app.post(Some(&first), "/api/v1/children", fresh).await;
    assert_eq!(s, StatusCode::CREATED, "another family is not held up");

    // Two sign-ups with one ID number: the second is refused, and so is a youth who is
    // already someone's child.
    let youth = id_number(15, 302);
    let sign_up = |phone: &str, id: &str| json!({"phone": phone, "password": "river-stone-42", "name": "青少年", "role": "youth", "id_number": id});
    let (s, _) = app
        .post(None, "/api/v1/accounts", sign_up("13766660002", &youth))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mid = app.db.snapshot().await;
    assert_error(
        &app.post(None, "/api/v1/accounts", sign_up("13766660003", &youth))
            .await,
        409,
        "person_exists",
    );
    let teen = id_number(15, 303);
    let (s, _) = app
        .post(
            Some(&first),
            "/api/v1/children",
            json!({"name": "小二", "id_number": teen, "consent": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let after_teen = app.db.snapshot().await;
    assert_error(
        &app.post(None, "/api/v1/accounts", sign_up("13766660004", &teen))
            .await,
        409,
        "person_exists",
    );
    assert_eq!(
        app.db.snapshot().await,
        after_teen,
        "a refused sign-up changed something"
    );
    assert_ne!(before, mid);
}

/// Writes the beginning of a request and never finishes it.
async fn unfinished(addr: &str) -> TcpStream {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    socket
}

/// Whether the server closed the socket (or reset it) within `within`.
async fn closed(socket: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 512];
    loop {
        match tokio::time::timeout(within, socket.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // A 408 answer or the like may come first; the close follows.
            Ok(Ok(_)) => continue,
        }
    }
}

/// Finding 3: idle and half-sent connections are closed, an address holds a bounded
/// number of them, and the process asks for as many open files as it may.
async fn idle_connections_are_closed(engine: Engine) {
    let app = spawn_app(engine).await;
    let (base, server) = spawn_instance(
        &app,
        2,
        &[
            "--header-timeout",
            "2",
            "--body-timeout",
            "2",
            "--max-connections-per-address",
            "20",
        ],
    )
    .await;
    let addr = base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(unfinished(&addr).await);
    }
    // Past the cap, a connection from the same address is closed at once.
    let mut extra = unfinished(&addr).await;
    assert!(
        closed(&mut extra, Duration::from_secs(1)).await,
        "the 21st connection was kept"
    );
    // Another address is not held up meanwhile.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let health = other.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    // Unfinished headers are cut off after the header timeout.
    for socket in &mut held {
        assert!(
            closed(socket, Duration::from_secs(10)).await,
            "a half-sent request was kept open"
        );
    }
    let health = app
        .client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "the address may connect again"
    );

    // A body that never finishes arriving is answered 408 and closed.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(
        b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"phone\":",
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");

    // The process asked for every open file the system allows.
    let pid = server.id().unwrap();
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let open_files: Vec<&str> = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        open_files[3], open_files[4],
        "soft limit raised to the hard one: {limits}"
    );
}

/// Finding 4: guessing from one address locks that address out, not the owner, and a
/// known phone answers as an unknown one does.
async fn guessing_elsewhere_never_locks_the_owner_out(engine: Engine) {
    let app = spawn_app(engine).await;
    let app = &app;
    let try_password = |phone: &'static str| async move {
        app.post(
            None,
            "/api/v1/session",
            json!({"phone": phone, "password": "not-the-password-1"}),
        )
        .await
    };
    for phone in [LEAGUE, "13799990000"] {
        let mut answers = Vec::new();
        for _ in 0..6 {
            let (s, body) = try_password(phone).await;
            answers.push((
                s.as_u16(),
                body["error"]["code"].as_str().unwrap().to_owned(),
            ));
        }
        let expected: Vec<(u16, String)> = [401, 401, 401, 401, 429, 429]
            .iter()
            .zip([
                "invalid_credentials",
                "invalid_credentials",
                "invalid_credentials",
                "invalid_credentials",
                "account_locked",
                "account_locked",
            ])
            .map(|(s, c)| (*s, c.to_owned()))
            .collect();
        assert_eq!(
            answers, expected,
            "{phone}: a known and an unknown phone answer alike"
        );
    }
    // From here even the right password waits…
    let locked = app
        .post(
            None,
            "/api/v1/session",
            json!({"phone": LEAGUE, "password": PASSWORD}),
        )
        .await;
    assert_error(&locked, 429, "account_locked");
    // …but the owner, elsewhere, signs in.
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 3]))
        .build()
        .unwrap();
    let res = elsewhere
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"phone": LEAGUE, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the owner was locked out by someone else"
    );

    // Behind a trusted proxy the client is the one its X-Forwarded-For names; from
    // anyone else the header counts for nothing.
    let (proxied, _proxy) = spawn_instance(app, 2, &["--trusted-proxy", "127.0.0.1"]).await;
    let (direct, _direct) = spawn_instance(app, 3, &[]).await;
    let attempt = |base: &str, forwarded: &str, password: &str| {
        app.client
            .post(format!("{base}/api/v1/session"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"phone": ORG_ADMIN, "password": password}))
            .send()
    };
    for base in [&proxied, &direct] {
        for _ in 0..5 {
            attempt(base, "203.0.113.7", "not-the-password-1")
                .await
                .unwrap();
        }
        let attacker = attempt(base, "203.0.113.7", PASSWORD).await.unwrap();
        assert_eq!(attacker.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let owner = attempt(&proxied, "198.51.100.9", PASSWORD).await.unwrap();
    assert_eq!(
        owner.status(),
        StatusCode::OK,
        "the proxy's client is told apart"
    );
    let spoofed = attempt(&direct, "198.51.100.9", PASSWORD).await.unwrap();
    assert_eq!(
        spoofed.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a header from an untrusted peer changes nothing"
    );
}

/// Findings 5 and 6: sign-up refuses weak passwords, and a registered phone in any
/// spelling is named as taken (rate limited per address, as decided in the README).
async fn sign_up_refuses_weak_passwords_and_says_a_phone_is_taken(engine: Engine) {
    let app = spawn_app(engine).await;
    let before = app.db.snapshot().await;
    let phone = "13766661111";
    for weak in [
        "12345678",
        "password",
        "aaaaaaaa",
        "        ",
        "abc\u{7}defgh12",
        phone,
        "demo12345",
    ] {
        let answer = app
            .post(
                None,
                "/api/v1/accounts",
                json!({"phone": phone, "password": weak, "name": "家长", "role": "guardian"}),
            )
            .await;
        assert_error(&answer, 422, "invalid");
        assert_eq!(
            answer.1["error"]["field"], "password",
            "{weak:?}: {}",
            answer.1
        );
    }
    assert_eq!(
        app.db.snapshot().await,
        before,
        "a refused sign-up changed something"
    );
    let taken = app
        .post(None, "/api/v1/accounts", json!({"phone": "+86 138-0000-0004", "password": "river-stone-42", "name": "家长", "role": "guardian"}))
        .await;
    assert_error(&taken, 409, "phone_taken");
    let mut limited = false;
    for i in 0..25 {
        let (s, _) = app
            .post(None, "/api/v1/accounts", json!({"phone": format!("1376666{i:04}"), "password": "river-stone-42", "name": "家长", "role": "guardian"}))
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "sign-up is not limited per address");
}

/// Findings 7 and 8: the form token changes at sign-in, and personal answers are never
/// cached.
async fn form_tokens_rotate_and_personal_answers_are_not_cached(engine: Engine) {
    let app = spawn_app(engine).await;
    // Not following the redirect: its cookies are what this looks at.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = |cookie: &str, body: String| {
        client
            .post(format!("{}/signin", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie.to_owned())
            .header("origin", &app.base)
            .body(body)
            .send()
    };
    let res = form(
        "youthloop_csrf=before-sign-in",
        format!("phone={GUARDIAN}&password={PASSWORD}&next=/me&_csrf=before-sign-in"),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .collect();
    let fresh = cookies
        .iter()
        .find_map(|c| c.strip_prefix("youthloop_csrf="))
        .and_then(|c| c.split(';').next())
        .expect("a new form cookie at sign-in");
    assert_ne!(fresh, "before-sign-in");
    assert!(cookies.iter().any(|c| c.starts_with("youthloop_session=")));

    let guardian = app.sign_in(GUARDIAN).await;
    let worker = app.sign_in(SOCIAL_WORKER).await;
    for (token, path) in [
        (&guardian, "/api/v1/me/export".to_owned()),
        (&guardian, "/api/v1/me".to_owned()),
        (&worker, "/api/v1/cases".to_owned()),
        (
            &worker,
            format!("/api/v1/cases/{}", "01234567-89ab-7def-8123-456789abcdef"),
        ),
    ] {
        let res = app
            .client
            .get(format!("{}{path}", app.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{path}"
        );
    }
}

/// Finding 9: the files are the owner's alone, the check-in secret is sealed, and an
/// erasure leaves nothing readable in the file or its log.
async fn data_at_rest_is_private_sealed_and_erased(engine: Engine) {
    let app = spawn_app(engine).await;
    if let Some(path) = &app.db.path {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{file} is {mode:o}");
        }
    }
    let org = app.sign_in(ORG_ADMIN).await;
    let activity = published(&app, &org, activity_in(48, 5, 0, None)).await;
    let (s, _) = app
        .get(
            Some(&org),
            &format!("/api/v1/activities/{activity}/checkin-code"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let sealed = app
        .db
        .strings(
            "select value_sealed from secrets where name = $1",
            "checkin",
        )
        .await;
    assert_eq!(sealed.len(), 1);
    assert!(
        sealed[0].starts_with("x1."),
        "the check-in secret is not sealed: {}",
        sealed[0]
    );

    let name = "抹去测试家长甲";
    let child_name = "抹去测试孩子乙";
    let parent = app.new_guardian("13766662222", name).await;
    app.post_ok(
        &parent,
        "/api/v1/children",
        json!({"name": child_name, "id_number": id_number(8, 401), "consent": true}),
    )
    .await;
    assert!(
        app.db.holds_in_clear(child_name).await,
        "the search itself works"
    );
    let (s, _) = app
        .request(Method::DELETE, Some(&parent), "/api/v1/me", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    for erased in [name, child_name] {
        assert!(
            !app.db.holds_in_clear(erased).await,
            "{erased} is still readable after the erasure"
        );
    }
}

/// Finding 11: a youth profile goes to its own officers and the League only.
async fn a_profile_is_for_its_own_officers(engine: Engine) {
    let app = spawn_app(engine).await;
    let officer = app.sign_in(OFFICER).await;
    let league = app.sign_in(LEAGUE).await;
    let own = app.scope_of(&officer).await;
    let (_, regions) = app.get(Some(&league), "/api/v1/regions?limit=500").await;
    let other = regions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "community" && r["id"] != own.as_str() && r["profile"].is_object())
        .expect("another community with a profile")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let app = &app;
    let profile = |token: &str, id: &str| {
        let path = format!("/api/v1/regions/{id}");
        let token = token.to_owned();
        async move { app.get(Some(&token), &path).await.1["profile"].is_object() }
    };
    assert!(
        profile(&officer, &own).await,
        "an officer sees their own community"
    );
    assert!(
        !profile(&officer, &other).await,
        "an officer reads another community's profile"
    );
    assert!(
        profile(&league, &other).await,
        "the League sees every profile"
    );
    let (_, listed) = app.get(Some(&officer), "/api/v1/regions?limit=500").await;
    let shown: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["profile"].is_object())
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        shown,
        [own.as_str()],
        "the list shows only the officer's own"
    );
    // The menu ranks by fit for anyone; the figures, made from a profile, are for those
    // who may see it.
    let fits = |token: Option<String>, community: String| async move {
        let path = format!("/api/v1/menu?community={community}&limit=500");
        let (_, menu) = app.get(token.as_deref(), &path).await;
        menu["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["fit"].as_f64())
            .collect::<Vec<_>>()
    };
    assert!(fits(Some(officer.clone()), own.clone())
        .await
        .iter()
        .all(Option::is_some));
    assert!(fits(None, own.clone()).await.iter().all(Option::is_none));
    assert!(fits(Some(officer.clone()), other.clone())
        .await
        .iter()
        .all(Option::is_none));
}

/// Finding 12: times stay within reach, and nothing is planned wholly in the past.
async fn dates_are_bounded(engine: Engine) {
    let app = spawn_app(engine).await;
    let org = app.sign_in(ORG_ADMIN).await;
    let league = app.sign_in(LEAGUE).await;
    let officer = app.sign_in(OFFICER).await;
    let community = app.scope_of(&officer).await;
    let (_, menu) = app.get(None, "/api/v1/menu?limit=500").await;
    let project = menu["items"][0]["project_id"].clone();
    let before = app.db.snapshot().await;
    let activity = |starts: &str, ends: &str, opens: &str, closes: &str| {
        json!({"title": "t", "starts_at": starts, "ends_at": ends, "venue": "v", "capacity": 5, "min_age": 6, "max_age": 12,
               "registration_opens_at": opens, "registration_closes_at": closes})
    };
    for (body, field) in [
        (
            activity(
                "0000-01-01T00:00:00Z",
                &in_hours(2),
                &in_hours(-1),
                &in_hours(1),
            ),
            "starts_at",
        ),
        (
            activity(
                &in_hours(1),
                "9999-12-31T00:00:00Z",
                &in_hours(-1),
                &in_hours(1),
            ),
            "ends_at",
        ),
        (
            activity(
                &in_hours(-72),
                &in_hours(-70),
                &in_hours(-80),
                &in_hours(-73),
            ),
            "ends_at",
        ),
    ] {
        let answer = app.post(Some(&org), "/api/v1/activities", body).await;
        assert_error(&answer, 422, "invalid");
        assert_eq!(answer.1["error"]["field"], field, "{}", answer.1);
    }
    let order = |start: String, end: String| {
        json!({"project_id": project, "community_id": community, "sessions": 1, "window_start": start, "window_end": end,
               "venue": "v", "expected_participants": 5, "notes": ""})
    };
    for (body, field) in [
        (order(in_days(-40), in_days(-10)), "window_end"),
        (order("0001-01-01".into(), in_days(3)), "window_start"),
        (order(in_days(0), "9999-12-31".into()), "window_end"),
    ] {
        let answer = app.post(Some(&officer), "/api/v1/orders", body).await;
        assert_error(&answer, 422, "invalid");
        assert_eq!(answer.1["error"]["field"], field, "{}", answer.1);
    }
    let round = app
        .post(Some(&league), "/api/v1/rounds", json!({"title": "远", "budget_fen": 100, "opens_at": in_hours(0), "closes_at": "9999-01-01T00:00:00Z"}))
        .await;
    assert_error(&round, 422, "invalid");
    assert_eq!(round.1["error"]["field"], "closes_at");
    assert_eq!(
        app.db.snapshot().await,
        before,
        "a refusal changed something"
    );
}

/// Finding 13: withdrawing consent stops processing: the child's places in what is to
/// come are given up (to the waitlist), check-in is refused, past records stay.
async fn withdrawn_consent_cancels_what_is_to_come(engine: Engine) {
    let app = spawn_app(engine).await;
    let org = app.sign_in(ORG_ADMIN).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let child = first_child(&app, &guardian).await;
    let (_, badges_before) = app
        .get(
            Some(&guardian),
            &format!("/api/v1/participants/{child}/badges"),
        )
        .await;
    let other = app.new_guardian("13766663333", "候补家长").await;
    let (_, waiting) = app
        .post(
            Some(&other),
            "/api/v1/children",
            json!({"name": "候补孩子", "id_number": id_number(9, 501), "consent": true}),
        )
        .await;
    let waiting = waiting["id"].as_str().unwrap().to_owned();
    let activity = published(&app, &org, activity_in(3, 1, 1, None)).await;
    let register = format!("/api/v1/activities/{activity}/registrations");
    let (_, seat) = app
        .post(Some(&guardian), &register, json!({"participant_id": child}))
        .await;
    assert_eq!(seat["status"], "confirmed", "{seat}");
    let (_, line) = app
        .post(Some(&other), &register, json!({"participant_id": waiting}))
        .await;
    assert_eq!(line["status"], "waitlisted", "{line}");

    let (s, withdrawn) = app
        .request(
            Method::DELETE,
            Some(&guardian),
            &format!("/api/v1/children/{child}/consent"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{withdrawn}");
    assert_eq!(withdrawn["cancelled_registrations"], json!([seat["id"]]));
    let (_, regs) = app.get(Some(&org), &register).await;
    let status = |id: &Value| {
        regs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == *id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&seat["id"]), "cancelled");
    assert_eq!(
        status(&line["id"]),
        "confirmed",
        "the seat went to the first waiting"
    );
    // Nothing more is recorded for the child, by code or by hand.
    app.advance_to_activity(&activity, "starts_at").await;
    let by_hand = app
        .post(
            Some(&org),
            &format!("/api/v1/activities/{activity}/checkin"),
            json!({"registration_id": seat["id"]}),
        )
        .await;
    assert!(
        by_hand.0 == StatusCode::CONFLICT || by_hand.0 == StatusCode::NOT_FOUND,
        "{by_hand:?}"
    );
    let (_, badges_after) = app
        .get(
            Some(&guardian),
            &format!("/api/v1/participants/{child}/badges"),
        )
        .await;
    assert_eq!(
        badges_before, badges_after,
        "what took place stays on record"
    );
    // The family's page says what happened.
    let page = app
        .client
        .get(format!("{}/me?ok=consent_withdrawn_cancelled", app.base))
        .bearer_auth(&guardian)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("尚未进行的报名已全部取消"), "{page}");
}

/// Finding 14: list parameters live in the query, a cursor nobody handed out is 422,
/// and a page answers with the API's status.
async fn cursors_parameters_and_page_statuses_follow_the_api(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, doc) = app.get(None, "/api/v1/openapi.json").await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if ["limit", "cursor", "district", "community", "period"]
                    .contains(&parameter["name"].as_str().unwrap())
                {
                    assert_eq!(parameter["in"], "query", "{method} {path}: {parameter}");
                }
            }
        }
    }
    let league = app.sign_in(LEAGUE).await;
    for path in [
        "/api/v1/activities",
        "/api/v1/organizations",
        "/api/v1/regions",
        "/api/v1/orders",
        "/api/v1/menu",
        "/api/v1/audit",
    ] {
        let answer = app
            .get(Some(&league), &format!("{path}?cursor=bogus"))
            .await;
        assert_error(&answer, 422, "invalid");
        assert_eq!(answer.1["error"]["field"], "cursor", "{path}: {}", answer.1);
    }

    // A page form on another family's registration: 404, as in the API.
    let guardian = app.sign_in(GUARDIAN).await;
    let org = app.sign_in(ORG_ADMIN).await;
    let activity = published(&app, &org, activity_in(48, 5, 0, None)).await;
    let child = first_child(&app, &guardian).await;
    let (_, registered) = app
        .post(
            Some(&guardian),
            &format!("/api/v1/activities/{activity}/registrations"),
            json!({"participant_id": child}),
        )
        .await;
    let youth = app.sign_in(YOUTH).await;
    let session = youthloop_server::auth::token_hash(&youth);
    let token = youthloop_server::auth::form_token("n0nce", Some(&session));
    let res = app
        .client
        .post(format!(
            "{}/registrations/{}/cancel",
            app.base,
            registered["id"].as_str().unwrap()
        ))
        .bearer_auth(&youth)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", "youthloop_csrf=n0nce")
        .header("origin", &app.base)
        .body(format!("_csrf={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Page sign-ins past the limit: 429, as in the API.
    let mut statuses = Vec::new();
    for i in 0..32 {
        let res = app
            .client
            .post(format!("{}/signin", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", "youthloop_csrf=n0nce")
            .header("origin", &app.base)
            .body(format!(
                "phone=1379999{i:04}&password=wrong-wrong-1&next=/&_csrf=n0nce"
            ))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(!statuses.contains(&422), "{statuses:?}");
}

crate::on_every_engine!(
    nothing_is_recorded_before_it_happens,
    the_checkin_window_is_the_districts_setting,
    one_person_is_one_participant,
    idle_connections_are_closed,
    guessing_elsewhere_never_locks_the_owner_out,
    sign_up_refuses_weak_passwords_and_says_a_phone_is_taken,
    form_tokens_rotate_and_personal_answers_are_not_cached,
    data_at_rest_is_private_sealed_and_erased,
    a_profile_is_for_its_own_officers,
    dates_are_bounded,
    withdrawn_consent_cancels_what_is_to_come,
    cursors_parameters_and_page_statuses_follow_the_api,
);
