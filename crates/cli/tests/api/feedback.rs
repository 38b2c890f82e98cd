//! The loop's feedback over HTTP. Moderation (审核): the queue of what the rules held,
//! publish and hide with a reason, the organization's one public reply, the district's
//! own words, every step in the audit trail. Scorecards per year, quarter and month.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_league_and_the_organization_moderate_and_the_organization_replies(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let org_admin = app.sign_in(ORG_ADMIN).await;
    let own = app.scope_of(&org_admin).await;
    let (_, orgs) = app.get(None, "/api/v1/organizations?limit=500").await;
    let other = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .find(|id| *id != own)
        .unwrap();
    let comment = |org: String, text: &'static str| {
        let app = &app;
        async move {
            let (s, posted) = app
                .post(
                    None,
                    &format!("/api/v1/organizations/{org}/comments"),
                    json!({"text": text}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{posted}");
            (
                posted["id"].as_str().unwrap().to_owned(),
                posted["status"].as_str().unwrap().to_owned(),
            )
        }
    };
    let (spam, status) = comment(own.clone(), "加微信 abc12345 领福利").await;
    assert_eq!(status, "held");
    let (elsewhere, _) = comment(other.clone(), "ｂｅｔ３６５ 注册就送").await;

    // The queue: the League sees the district's, the organization its own.
    let (s, league_queue) = app.get(Some(&league), "/api/v1/moderation/comments").await;
    assert_eq!(s, StatusCode::OK, "{league_queue}");
    let held = ids(&league_queue);
    assert!(held.contains(&spam) && held.contains(&elsewhere));
    let item = league_queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == spam.as_str())
        .unwrap();
    assert_eq!(item["status"], "held");
    assert_eq!(item["reason"], "contact");
    assert_eq!(item["organization_id"], own.as_str());
    assert!(item["created_at"].is_string() && item["text"].is_string());
    let (_, own_queue) = app
        .get(Some(&org_admin), "/api/v1/moderation/comments?status=held")
        .await;
    assert!(ids(&own_queue).contains(&spam));
    assert!(!ids(&own_queue).contains(&elsewhere), "not its own");
    for phone in [OFFICER, GUARDIAN, EVALUATOR, VOLUNTEER] {
        let token = app.sign_in(phone).await;
        let answer = app.get(Some(&token), "/api/v1/moderation/comments").await;
        assert_error(&answer, 403, "forbidden");
    }
    let bad = app
        .get(Some(&league), "/api/v1/moderation/comments?status=gone")
        .await;
    assert_error(&bad, 422, "invalid");
    assert_eq!(bad.1["error"]["field"], "status");

    // Another organization's comment is not the organization's to judge.
    let before = app.db.snapshot().await;
    let outside = app
        .post(
            Some(&org_admin),
            &format!("/api/v1/comments/{elsewhere}/publish"),
            json!({}),
        )
        .await;
    assert_error(&outside, 404, "not_found");
    let no_reason = app
        .post(
            Some(&league),
            &format!("/api/v1/comments/{spam}/hide"),
            json!({"reason": "  "}),
        )
        .await;
    assert_error(&no_reason, 422, "invalid");
    assert_eq!(no_reason.1["error"]["field"], "reason");
    assert_eq!(app.db.snapshot().await, before, "refusals change nothing");

    // Published, it shows; published twice is refused; hidden with a reason, it is gone.
    let public = format!("/api/v1/organizations/{own}/reviews?limit=500");
    let (s, published) = app
        .post(
            Some(&org_admin),
            &format!("/api/v1/comments/{spam}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, published["status"].as_str()),
        (StatusCode::OK, Some("visible"))
    );
    assert!(ids(&app.get(None, &public).await.1).contains(&spam));
    let again = app
        .post(
            Some(&league),
            &format!("/api/v1/comments/{spam}/publish"),
            json!({}),
        )
        .await;
    assert_error(&again, 409, "invalid_transition");
    let (s, hidden) = app
        .post(
            Some(&league),
            &format!("/api/v1/comments/{spam}/hide"),
            json!({"reason": "含联系方式，疑似广告"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{hidden}");
    assert_eq!(hidden["status"], "hidden");
    assert_eq!(hidden["reason"], "含联系方式，疑似广告");
    assert!(!ids(&app.get(None, &public).await.1).contains(&spam));
    let (_, hidden_queue) = app
        .get(Some(&league), "/api/v1/moderation/comments?status=removed")
        .await;
    assert!(
        ids(&hidden_queue).contains(&spam),
        "the older word for hidden"
    );
    let (_, by_name) = app
        .get(
            Some(&org_admin),
            &format!("/api/v1/moderation/comments?status={}", "已隐藏"),
        )
        .await;
    assert!(ids(&by_name).contains(&spam), "the Chinese name");

    // The organization answers an everyday comment once, in public; not a hidden one.
    let (kind, status) = comment(own.clone(), "周六的手工课很好，孩子回家还在讲").await;
    assert_eq!(status, "visible");
    let reply = |token: &str, id: &str, text: &str| {
        let (app, token, path, text) = (
            &app,
            token.to_owned(),
            format!("/api/v1/comments/{id}/replies"),
            text.to_owned(),
        );
        async move { app.post(Some(&token), &path, json!({"text": text})).await }
    };
    let (s, replied) = reply(&org_admin, &kind, "谢谢您的肯定，下周六继续开课！").await;
    assert_eq!(s, StatusCode::CREATED, "{replied}");
    assert_eq!(replied["reply"], "谢谢您的肯定，下周六继续开课！");
    assert!(replied["replied_at"].is_string());
    assert_error(
        &reply(&org_admin, &kind, "再说一遍").await,
        409,
        "already_replied",
    );
    assert_error(&reply(&league, &kind, "团区委回复").await, 403, "forbidden");
    assert_error(
        &reply(&org_admin, &spam, "回复").await,
        409,
        "invalid_transition",
    );
    assert_error(
        &reply(&org_admin, &elsewhere, "回复").await,
        404,
        "not_found",
    );
    let (_, listed) = app.get(None, &public).await;
    let shown = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == kind.as_str())
        .unwrap();
    assert_eq!(shown["reply"], "谢谢您的肯定，下周六继续开课！");
    let page = app
        .client
        .get(format!("{}/organizations/{own}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("谢谢您的肯定，下周六继续开课！"),
        "the reply is on the page"
    );

    // Each step in the audit trail, by its action.
    let actions = app
        .db
        .strings(
            "select action from audit_events where record_id = $1 order by seq",
            &spam,
        )
        .await;
    assert_eq!(actions, ["review.create", "review.publish", "review.hide"]);
    let actions = app
        .db
        .strings(
            "select action from audit_events where record_id = $1 order by seq",
            &kind,
        )
        .await;
    assert_eq!(actions, ["review.create", "review.reply"]);
}

/// The League adds a word of its own and it holds the next comment; settings sent
/// without words keep them.
async fn the_districts_own_words_hold_comments(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let (_, orgs) = app.get(None, "/api/v1/organizations").await;
    let org = orgs["items"][1]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/organizations/{org}/comments");
    let (_, first) = app
        .post(None, &path, json!({"text": "来玩斗地主赢现金"}))
        .await;
    assert_eq!(first["status"], "visible");
    let checkin = json!({"opens_minutes_before": 30, "closes_minutes_after": 0});
    let (s, set) = app
        .request(
            Method::PUT,
            Some(&league),
            "/api/v1/settings",
            Some(json!({"checkin": checkin, "moderation": {"advert": [" 斗地主赢现金 "]}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{set}");
    assert_eq!(set["moderation"]["advert"], json!(["斗地主赢现金"]));
    let (_, second) = app
        .post(None, &path, json!({"text": "周末来玩斗地主 赢 现金"}))
        .await;
    assert_eq!(second["status"], "held");
    let (s, kept) = app
        .request(
            Method::PUT,
            Some(&league),
            "/api/v1/settings",
            Some(json!({"checkin": checkin})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(kept["moderation"]["advert"], json!(["斗地主赢现金"]));
    let too_long = app
        .request(
            Method::PUT,
            Some(&league),
            "/api/v1/settings",
            Some(json!({"checkin": checkin, "moderation": {"abuse": ["长".repeat(41)]}})),
        )
        .await;
    assert_error(&too_long, 422, "invalid");
    assert_eq!(too_long.1["error"]["field"], "moderation.abuse");
}

/// The scorecard per year, quarter or month: the canonical period back, the figures
/// the API names with the counts they rest on, a month within its quarter within its
/// year, and a period that is none of these refused at its field.
async fn scorecards_answer_per_year_quarter_and_month(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, orgs) = app.get(None, "/api/v1/organizations").await;
    let org = orgs["items"][0]["id"].as_str().unwrap().to_owned();
    let card = |period: &str| {
        let (app, path) = (
            &app,
            format!("/api/v1/organizations/{org}/scorecard?period={period}"),
        );
        async move { app.get(None, &path).await }
    };
    let today = wall_clock().to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap());
    let (year, month) = (today.year(), u8::from(today.month()));
    let quarter = (month - 1) / 3 + 1;
    let (s, y) = card(&year.to_string()).await;
    assert_eq!(s, StatusCode::OK, "{y}");
    let (_, q) = card(&format!("{year}-q{quarter}")).await;
    assert_eq!(q["period"], format!("{year}-Q{quarter}"));
    let (_, m) = card(&format!("{year}-{month:02}")).await;
    assert_eq!(m["period"], format!("{year}-{month:02}"));
    for key in [
        "satisfaction_adjusted",
        "no_show_rate",
        "complaints",
        "score",
        "reviews",
        "district_mean",
        "orders_delivered",
        "cost_fen",
    ] {
        assert!(y[key].is_number(), "{key} in {y}");
    }
    for key in [
        "acceptance_rate",
        "cost_per_attendee_fen",
        "satisfaction_raw",
    ] {
        assert!(y[key].is_number() || y[key].is_null(), "{key} in {y}");
    }
    assert!(y["rule_zh"].as_str().unwrap().contains("贝叶斯"));
    let n = |v: &Value, k: &str| v[k].as_u64().unwrap();
    for key in [
        "sessions_delivered",
        "attended",
        "no_show",
        "reviews",
        "orders_delivered",
    ] {
        assert!(
            n(&y, key) >= n(&q, key) && n(&q, key) >= n(&m, key),
            "{key}"
        );
    }
    assert!(
        n(&y, "sessions_delivered") > 0,
        "the demo delivered this year: {y}"
    );
    let (attended, no_show) = (n(&y, "attended") as f64, n(&y, "no_show") as f64);
    let rate = y["no_show_rate"].as_f64().unwrap();
    assert!((rate - no_show / (attended + no_show)).abs() < 0.006, "{y}");
    for bad in ["2026-Q5", "2026-13", "26", "2026/07", "next"] {
        let answer = card(bad).await;
        assert_error(&answer, 422, "invalid");
        assert_eq!(answer.1["error"]["field"], "period", "{bad}");
    }
}

/// The evaluator scores the demo organization for a round: the district's weights make
/// the total and grade; a second time, a score out of range, an unknown organization and
/// weights that do not add up are refused; the League, the evaluator and the
/// organization read it, no one else.
async fn an_evaluator_scores_and_the_league_and_the_organization_read(engine: Engine) {
    let app = spawn_app(engine).await;
    let evaluator = app.sign_in(EVALUATOR).await;
    let league = app.sign_in(LEAGUE).await;
    let org_admin = app.sign_in(ORG_ADMIN).await;
    let org = app.scope_of(&org_admin).await;
    let (s, rounds) = app.get(Some(&evaluator), "/api/v1/rounds").await;
    assert_eq!(s, StatusCode::OK, "{rounds}");
    let round = rounds["items"][0]["id"].as_str().unwrap().to_owned();
    let body = |org: &str, finance: i64| {
        json!({"organization_id": org, "round_id": round, "notes": "台账齐全，个案记录规范",
               "indicators": {"management": 80, "professional_service": 90, "outcomes": 85,
                              "finance": finance, "satisfaction": 95}})
    };
    let before = app.db.snapshot().await;
    for (token, status) in [(&league, 403), (&org_admin, 403)] {
        let answer = app
            .post(Some(token), "/api/v1/evaluations", body(&org, 70))
            .await;
        assert_error(&answer, status, "forbidden");
    }
    let out_of_range = app
        .post(Some(&evaluator), "/api/v1/evaluations", body(&org, 101))
        .await;
    assert_error(&out_of_range, 422, "invalid");
    assert_eq!(out_of_range.1["error"]["field"], "indicators.finance");
    let unknown = app
        .post(
            Some(&evaluator),
            "/api/v1/evaluations",
            body("01a00000-0000-7000-8000-000000000000", 70),
        )
        .await;
    assert_error(&unknown, 404, "not_found");
    assert_eq!(app.db.snapshot().await, before, "refusals change nothing");

    // 20·80 + 30·90 + 25·85 + 15·70 + 10·95 = 8425: 84.3, a B.
    let (s, made) = app
        .post(Some(&evaluator), "/api/v1/evaluations", body(&org, 70))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    assert_eq!(made["total"], 84.3);
    assert_eq!(made["grade"], "B");
    let again = app
        .post(Some(&evaluator), "/api/v1/evaluations", body(&org, 70))
        .await;
    assert_error(&again, 409, "already_evaluated");

    let path = format!("/api/v1/organizations/{org}/evaluations");
    for token in [&league, &evaluator, &org_admin] {
        let (s, listed) = app.get(Some(token), &path).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(listed["items"][0]["id"], made["id"]);
        assert_eq!(listed["items"][0]["notes"], "台账齐全，个案记录规范");
    }
    for phone in [GUARDIAN, OFFICER, VOLUNTEER] {
        let token = app.sign_in(phone).await;
        assert_error(&app.get(Some(&token), &path).await, 403, "forbidden");
    }
    assert_eq!(app.get(None, &path).await.0, StatusCode::UNAUTHORIZED);

    // Weights are the district's: they must add up to 100.
    let checkin = json!({"opens_minutes_before": 30, "closes_minutes_after": 0});
    let weights = |finance: u32| {
        json!({"checkin": checkin, "evaluation_weights": {"management": 20, "professional_service": 30,
               "outcomes": 25, "finance": finance, "satisfaction": 10}})
    };
    let off = app
        .request(
            Method::PUT,
            Some(&league),
            "/api/v1/settings",
            Some(weights(5)),
        )
        .await;
    assert_error(&off, 422, "invalid");
    assert_eq!(off.1["error"]["field"], "evaluation_weights");
    let (s, set) = app
        .request(
            Method::PUT,
            Some(&league),
            "/api/v1/settings",
            Some(weights(15)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{set}");
    assert_eq!(set["evaluation_weights"]["finance"], 15);
}

crate::on_every_engine!(
    the_league_and_the_organization_moderate_and_the_organization_replies,
    the_districts_own_words_hold_comments,
    scorecards_answer_per_year_quarter_and_month,
    an_evaluator_scores_and_the_league_and_the_organization_read
);
