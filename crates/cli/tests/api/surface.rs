//! The hardened surface: rate limits, lockout, security headers, hostile text.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

async fn repeated_failures_lock_the_account_and_floods_get_429(engine: Engine) {
    let app = spawn_app(engine).await;
    for attempt in 1..=5 {
        let answer = app
            .post(
                None,
                "/api/v1/session",
                json!({"phone": OFFICER, "password": "guess-guess"}),
            )
            .await;
        let expected = if attempt < 5 {
            "invalid_credentials"
        } else {
            "account_locked"
        };
        assert_eq!(
            answer.1["error"]["code"], expected,
            "attempt {attempt}: {}",
            answer.1
        );
    }
    // Locked: even the right password waits, and says so without telling it was right.
    let locked = app
        .post(
            None,
            "/api/v1/session",
            json!({"phone": OFFICER, "password": PASSWORD}),
        )
        .await;
    assert_error(&locked, 429, "account_locked");
    // Others are not affected.
    app.sign_in(LEAGUE).await;

    // Public comments: five a minute from one address.
    let (_, orgs) = app.get(None, "/api/v1/organizations").await;
    let org = orgs["items"][0]["id"].as_str().unwrap();
    let path = format!("/api/v1/organizations/{org}/comments");
    for i in 0..5 {
        let (s, _) = app
            .post(None, &path, json!({"text": format!("第{i}条评论")}))
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let flood = app.post(None, &path, json!({"text": "再来一条"})).await;
    assert_error(&flood, 429, "rate_limited");

    // Sign-in: thirty a minute from one address, whatever the phones.
    let mut limited = false;
    for i in 0..32 {
        let answer = app
            .post(
                None,
                "/api/v1/session",
                json!({"phone": format!("1370000{i:04}"), "password": "whatever-1"}),
            )
            .await;
        if answer.0 == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(answer.1["error"]["code"], "rate_limited");
            limited = true;
            break;
        }
    }
    assert!(limited, "no 429 after 30 sign-ins from one address");
}

async fn answers_carry_security_headers_and_hostile_text_comes_back_inert(engine: Engine) {
    let app = spawn_app(engine).await;
    let res = app
        .client
        .get(format!("{}/api/v1/menu", app.base))
        .send()
        .await
        .unwrap();
    let headers = res.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert!(
        headers.get("strict-transport-security").is_none(),
        "HSTS only when configured behind TLS"
    );

    // Script, markup and SQL meta-characters are data: stored and returned as sent,
    // as JSON strings, never interpreted.
    let league = app.sign_in(LEAGUE).await;
    let hostile = [
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        "'; drop table rounds; --",
        "\" or 1=1 --",
        "%' union select * from users --",
        "\\\\'\\\"\\u0000",
    ];
    for text in hostile {
        let (s, round) = app
            .post(Some(&league), "/api/v1/rounds", json!({"title": text, "budget_fen": 1, "opens_at": in_hours(0), "closes_at": in_hours(1)}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{text}: {round}");
        let (_, back) = app
            .get(
                Some(&league),
                &format!("/api/v1/rounds/{}", round["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(back["title"], text.trim());
    }
    let (s, _) = app.get(None, "/api/v1/menu").await;
    assert_eq!(s, StatusCode::OK, "the tables are still there");
}

/// Phone-like (11 digits from 1) and ID-like (17 digits and a check) runs standing alone.
fn full_numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || (chars[j] == 'X' && j - i == 17)) {
            j += 1;
        }
        let bounded = j == chars.len() || !chars[j].is_ascii_alphanumeric();
        let run: String = chars[i..j].iter().collect();
        if bounded && ((run.len() == 11 && run.starts_with('1')) || run.len() == 18) {
            found.push(run);
        }
        i = j.max(i + 1);
    }
    found
}

#[test]
fn the_number_finder_finds_numbers_and_not_ids() {
    assert_eq!(full_numbers("call 13800000001 now"), ["13800000001"]);
    assert_eq!(
        full_numbers("{\"id\":\"99010120140101123X\"}"),
        ["99010120140101123X"]
    );
    assert!(
        full_numbers("01a226af-7d8e-726a-a734-123456789012 2026-11-29T09:50:54Z 490000").is_empty()
    );
}

async fn no_answer_shows_a_full_phone_or_id_number_to_anyone(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let org = app.sign_in(ORG_ADMIN).await;
    let worker = app.sign_in(SOCIAL_WORKER).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let org_id = app.scope_of(&org).await;
    let supervisor_id = app.get(Some(&org), "/api/v1/me").await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, case) = app
        .post(
            Some(&worker),
            "/api/v1/cases",
            json!({"subject_name": "钱小多", "subject_birth_date": "2014-02-02", "category": "truancy", "supervisor_id": supervisor_id,
                   "consent": {"guardian_name": "钱母", "relation": "母亲", "scope": "个案服务", "given": true}}),
        )
        .await;
    let (_, orders) = app.get(Some(&league), "/api/v1/orders").await;
    let (_, activities) = app.get(None, "/api/v1/activities").await;
    let (_, children) = app.get(Some(&guardian), "/api/v1/children").await;
    let activity = activities["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["organization_id"] == org_id.as_str())
        .unwrap();
    let paths = [
        "/api/v1/me".to_owned(),
        "/api/v1/regions?limit=500".into(),
        "/api/v1/organizations".into(),
        "/api/v1/menu".into(),
        "/api/v1/orders?limit=500".into(),
        format!(
            "/api/v1/orders/{}",
            orders["items"][0]["id"].as_str().unwrap()
        ),
        "/api/v1/activities?limit=500".into(),
        format!(
            "/api/v1/activities/{}/registrations?limit=500",
            activity["id"].as_str().unwrap()
        ),
        "/api/v1/children".into(),
        format!(
            "/api/v1/participants/{}/badges",
            children["items"][0]["id"].as_str().unwrap()
        ),
        format!("/api/v1/organizations/{org_id}/reviews?limit=500"),
        format!("/api/v1/organizations/{org_id}/scorecard"),
        "/api/v1/cases".into(),
        format!("/api/v1/cases/{}", case["id"].as_str().unwrap()),
        "/api/v1/cases/stats".into(),
        "/api/v1/audit?limit=500".into(),
        "/api/v1/openapi.json".into(),
    ];
    let mut personas = vec![("anonymous", None)];
    for phone in [
        LEAGUE,
        ORG_ADMIN,
        OFFICER,
        GUARDIAN,
        YOUTH,
        VOLUNTEER,
        SOCIAL_WORKER,
        EVALUATOR,
        SQUAD_LEADER,
    ] {
        personas.push((phone, Some(app.sign_in(phone).await)));
    }
    let mut seen = 0;
    for (who, token) in &personas {
        for path in &paths {
            let (status, answer) = app.get(token.as_deref(), path).await;
            if status.is_success() {
                seen += 1;
            }
            let numbers = full_numbers(&answer.to_string());
            assert!(numbers.is_empty(), "{path} as {who} shows {numbers:?}");
        }
    }
    assert!(seen > 60, "the walk read too little: {seen}");
    // Masked where shown: the signed-in user's phone, a guardian's children's ID numbers.
    let (_, me) = app.get(Some(&guardian), "/api/v1/me").await;
    assert_eq!(me["phone_masked"], "138****0004");
    for child in children["items"].as_array().unwrap() {
        let masked = child["id_number_masked"].as_str().unwrap();
        assert!(
            masked.len() == 18 && &masked[6..14] == "********",
            "{masked}"
        );
    }
    // Only the owner's own download holds them, in the clear.
    let (_, mine) = app.get(Some(&guardian), "/api/v1/me/export").await;
    assert!(full_numbers(&mine.to_string()).contains(&GUARDIAN.to_owned()));
}

/// Markup, script and SQL in one string, as an attacker would post it.
const HOSTILE: &str = "<script>alert(1)</script>'; drop table users;--\"";
/// The same for the short fields (a relation: 20 characters).
const HOSTILE_SHORT: &str = "<b>'or 1=1--\"</b>";

async fn every_free_text_field_keeps_hostile_text_as_inert_data(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let org = app.sign_in(ORG_ADMIN).await;
    let officer = app.sign_in(OFFICER).await;
    let worker = app.sign_in(SOCIAL_WORKER).await;
    let community = app.scope_of(&officer).await;
    let h = HOSTILE;

    let (_, organization) = app
        .post(Some(&league), "/api/v1/organizations", json!({"name": h, "credit_code": "91350100M000100Y43", "areas": ["safety"], "address": h}))
        .await;
    let (_, back) = app
        .get(
            None,
            &format!(
                "/api/v1/organizations/{}",
                organization["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(
        (back["name"].as_str(), back["address"].as_str()),
        (Some(h), Some(h))
    );

    let (_, region) = app
        .request(
            reqwest::Method::PUT,
            Some(&officer),
            &format!("/api/v1/regions/{community}/profile"),
            Some(json!({"need_tags": ["<b>x</b>'--"]})),
        )
        .await;
    assert_eq!(region["profile"]["need_tags"][0], "<b>x</b>'--");

    let (_, round) = app
        .post(Some(&league), "/api/v1/rounds", json!({"title": h, "budget_fen": 1_000_000, "opens_at": in_hours(0), "closes_at": in_hours(9)}))
        .await;
    let round_id = round["id"].as_str().unwrap();
    assert_eq!(round["title"], h);
    app.post(
        Some(&league),
        &format!("/api/v1/rounds/{round_id}/open"),
        json!({}),
    )
    .await;
    let (_, project) = app
        .post(
            Some(&org),
            &format!("/api/v1/rounds/{round_id}/projects"),
            json!({"title": h, "area": "safety", "min_age": 6, "max_age": 17, "capacity": 5, "unit_price_fen": 100, "sessions_offered": 3, "description": h}),
        )
        .await;
    assert_eq!(
        (project["title"].as_str(), project["description"].as_str()),
        (Some(h), Some(h))
    );
    let project_id = project["id"].as_str().unwrap();
    app.post(
        Some(&league),
        &format!("/api/v1/projects/{project_id}/approve"),
        json!({"sessions_bought": 3}),
    )
    .await;
    let (_, menu) = app.get(None, "/api/v1/menu?limit=500").await;
    assert!(menu["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["title"] == h));

    let (_, order) = app
        .post(
            Some(&officer),
            "/api/v1/orders",
            json!({"project_id": project_id, "community_id": community, "sessions": 1, "window_start": in_days(0),
                   "window_end": in_days(30), "venue": h, "expected_participants": 5, "notes": h}),
        )
        .await;
    let (_, back) = app
        .get(
            Some(&officer),
            &format!("/api/v1/orders/{}", order["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(
        (back["venue"].as_str(), back["notes"].as_str()),
        (Some(h), Some(h))
    );
    let (_, rejected) = app
        .post(
            Some(&league),
            &format!("/api/v1/orders/{}/reject", order["id"].as_str().unwrap()),
            json!({"reason": h}),
        )
        .await;
    assert_eq!(rejected["reason"], h);

    let (_, activity) = app
        .post(
            Some(&org),
            "/api/v1/activities",
            json!({"title": h, "description": h, "starts_at": in_hours(3), "ends_at": in_hours(4), "venue": h, "capacity": 5,
                   "min_age": 6, "max_age": 17, "registration_opens_at": in_hours(-1), "registration_closes_at": in_hours(2)}),
        )
        .await;
    let activity_id = activity["id"].as_str().unwrap();
    app.post(
        Some(&org),
        &format!("/api/v1/activities/{activity_id}/publish"),
        json!({}),
    )
    .await;
    let (_, back) = app
        .get(None, &format!("/api/v1/activities/{activity_id}"))
        .await;
    assert_eq!(
        (
            back["title"].as_str(),
            back["description"].as_str(),
            back["venue"].as_str()
        ),
        (Some(h), Some(h), Some(h))
    );

    let (s, account) = app
        .post(None, "/api/v1/accounts", json!({"phone": "13733334444", "password": "hostile-pass-1", "name": h, "role": "guardian"}))
        .await;
    assert_eq!(
        (s, account["name"].as_str()),
        (StatusCode::CREATED, Some(h))
    );
    let parent = app.sign_in_with("13733334444", "hostile-pass-1").await;
    let (_, child) = app
        .post(
            Some(&parent),
            "/api/v1/children",
            json!({"name": h, "id_number": id_number(10, 5), "consent": true, "relation": HOSTILE_SHORT}),
        )
        .await;
    assert_eq!(child["name"], h);
    let child_id = child["id"].as_str().unwrap();
    app.post(
        Some(&parent),
        &format!("/api/v1/activities/{activity_id}/registrations"),
        json!({"participant_id": child_id}),
    )
    .await;
    let (_, regs) = app
        .get(
            Some(&org),
            &format!("/api/v1/activities/{activity_id}/registrations"),
        )
        .await;
    assert_eq!(regs["items"][0]["participant_name"], h);
    app.advance_clock(3 * 3600).await;
    let (_, code) = app
        .get(
            Some(&org),
            &format!("/api/v1/activities/{activity_id}/checkin-code"),
        )
        .await;
    app.post(
        Some(&parent),
        &format!("/api/v1/activities/{activity_id}/checkin"),
        json!({"code": code["code"], "participant_id": child_id}),
    )
    .await;
    app.advance_clock(3600).await;
    let (s, _) = app
        .post(
            Some(&parent),
            &format!("/api/v1/activities/{activity_id}/reviews"),
            json!({"content": 5, "organization": 5, "effect": 5, "text": h}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, comment) = app
        .post(
            None,
            &format!(
                "/api/v1/organizations/{}/comments",
                organization["id"].as_str().unwrap()
            ),
            json!({"text": h}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{comment}");
    let (_, reviews) = app
        .get(
            None,
            &format!(
                "/api/v1/organizations/{}/reviews?limit=500",
                activity["organization_id"].as_str().unwrap()
            ),
        )
        .await;
    assert!(reviews["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["text"] == h));

    let supervisor_id = app.get(Some(&org), "/api/v1/me").await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, case) = app
        .post(
            Some(&worker),
            "/api/v1/cases",
            json!({"subject_name": h, "subject_birth_date": "2014-02-02", "category": "other", "supervisor_id": supervisor_id,
                   "consent": {"guardian_name": h, "relation": HOSTILE_SHORT, "scope": h, "given": true}}),
        )
        .await;
    let (_, case) = app
        .post(
            Some(&worker),
            &format!("/api/v1/cases/{}/assess", case["id"].as_str().unwrap()),
            json!({"text": h, "risk_level": "low"}),
        )
        .await;
    assert_eq!(
        (
            case["subject_name"].as_str(),
            case["notes"][0]["text"].as_str()
        ),
        (Some(h), Some(h))
    );
    assert_eq!(case["consent"]["guardian_name"], h);

    // Every answer was JSON, and the tables are all still there.
    let res = app
        .client
        .get(format!("{}/api/v1/organizations", app.base))
        .send()
        .await
        .unwrap();
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(app.sign_in(GUARDIAN).await.len(), 43);
}

async fn anonymous_ratings_do_not_move_the_scorecard_and_codes_cannot_be_guessed(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, orgs) = app.get(None, "/api/v1/organizations").await;
    let org = orgs["items"][3]["id"].as_str().unwrap().to_owned();
    let (_, before) = app
        .get(None, &format!("/api/v1/organizations/{org}/scorecard"))
        .await;
    let (_, menu_before) = app.get(None, "/api/v1/menu?limit=500").await;
    for i in 0..5 {
        let (s, _) = app
            .post(
                None,
                &format!("/api/v1/organizations/{org}/comments"),
                json!({"text": format!("五星好评{i}"), "rating": 5}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (_, after) = app
        .get(None, &format!("/api/v1/organizations/{org}/scorecard"))
        .await;
    assert_eq!(before, after, "unverified ratings are not satisfaction");
    let (_, menu_after) = app.get(None, "/api/v1/menu?limit=500").await;
    assert_eq!(menu_before, menu_after);

    // Guessing the six digits: ten tries a minute per user and activity.
    let guardian = app.sign_in(GUARDIAN).await;
    let (_, children) = app.get(Some(&guardian), "/api/v1/children").await;
    let child = children["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, activities) = app.get(None, "/api/v1/activities?limit=500").await;
    let activity = activities["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["status"] == "published")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut limited = false;
    for guess in 0..12 {
        let answer = app
            .post(
                Some(&guardian),
                &format!("/api/v1/activities/{activity}/checkin"),
                json!({"code": format!("{guess:06}"), "participant_id": child}),
            )
            .await;
        if answer.0 == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "no limit on guessing check-in codes");
}

/// Spam in the disguises an outside review used waits for a moderator, with its reason,
/// and never shows in the public list; an everyday comment with a price, a time and an
/// address shows at once.
async fn disguised_spam_waits_and_everyday_comments_show(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, orgs) = app.get(None, "/api/v1/organizations").await;
    let org = orgs["items"][2]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/organizations/{org}/comments");
    let posted = |text: &'static str| {
        let (app, path) = (&app, &path);
        async move {
            let (s, answer) = app.post(None, path, json!({"text": text})).await;
            assert_eq!(s, StatusCode::CREATED, "{answer}");
            answer["status"].as_str().unwrap().to_owned()
        }
    };
    let everyday = "周六上午9:30在青禾路18号，材料费15元，孩子8岁玩得很开心";
    let spam = [
        "Ｈｔｔｐｓ：／／ｅｖｉｌ．ｃｏｍ 领福利",
        "ｂｅｔ３６５ 注册就送",
        "联系我 一三九一二三四五六七八",
        "wx: abc12345 优惠多多",
    ];
    assert_eq!(posted(everyday).await, "visible");
    for text in spam {
        assert_eq!(posted(text).await, "held", "{text}");
    }
    let (_, reviews) = app
        .get(
            None,
            &format!("/api/v1/organizations/{org}/reviews?limit=500"),
        )
        .await;
    let shown: Vec<&str> = reviews["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["text"].as_str())
        .collect();
    assert!(shown.contains(&everyday), "{shown:?}");
    for text in spam {
        assert!(!shown.contains(&text), "{text} is shown");
    }
    let page = app
        .client
        .get(format!("{}/organizations/{org}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("青禾路18号"),
        "the everyday comment is on the page"
    );
    assert!(!page.contains("abc12345") && !page.contains("ｅｖｉｌ"));
}

crate::on_every_engine!(
    disguised_spam_waits_and_everyday_comments_show,
    repeated_failures_lock_the_account_and_floods_get_429,
    answers_carry_security_headers_and_hostile_text_comes_back_inert,
    no_answer_shows_a_full_phone_or_id_number_to_anyone,
    every_free_text_field_keeps_hostile_text_as_inert_data,
    anonymous_ratings_do_not_move_the_scorecard_and_codes_cannot_be_guessed
);
