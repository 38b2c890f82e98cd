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

/// Rounds a figure as the ranking does.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A round with two proposals for the same young people: the demo organization, with a
/// delivery record and an A, and a new organization with no record and a D. The ranking
/// puts them in the order the rule says, each part from its evidence, the D flagged;
/// only the League reads it.
async fn a_new_round_is_ranked_on_the_record(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let org_admin = app.sign_in(ORG_ADMIN).await;
    let evaluator = app.sign_in(EVALUATOR).await;
    let demo_org = app.scope_of(&org_admin).await;

    let (s, newcomer) = app
        .post(
            Some(&league),
            "/api/v1/organizations",
            json!({"name": "新苗青少年服务中心", "credit_code": "91350100M000100Y43", "areas": ["safety"], "address": "青禾路8号"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{newcomer}");
    let newcomer = newcomer["id"].as_str().unwrap().to_owned();
    let (s, user) = app
        .post(
            Some(&league),
            "/api/v1/users",
            json!({"phone": "13711112222", "password": "river-stone-42", "name": "新苗管理员",
                   "roles": [{"role": "org_admin", "scope_id": newcomer}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{user}");
    let newcomer_admin = app.sign_in_with("13711112222", "river-stone-42").await;

    let (_, round) = app
        .post(
            Some(&league),
            "/api/v1/rounds",
            json!({"title": "2027年度采购", "budget_fen": 10_000_000, "opens_at": in_hours(-1), "closes_at": in_hours(24 * 30)}),
        )
        .await;
    let round = round["id"].as_str().unwrap().to_owned();
    app.post_ok(&league, &format!("/api/v1/rounds/{round}/open"), json!({}))
        .await;
    let propose = |token: &str, title: &str| {
        let (app, token, path) = (
            &app,
            token.to_owned(),
            format!("/api/v1/rounds/{round}/projects"),
        );
        let body = json!({"title": title, "area": "安全自护", "min_age": 6, "max_age": 18, "capacity": 30,
                          "unit_price_fen": 80_000, "sessions_offered": 10, "description": "防溺水、防诈骗"});
        async move {
            let (s, p) = app.post(Some(&token), &path, body).await;
            assert_eq!(s, StatusCode::CREATED, "{p}");
            p["id"].as_str().unwrap().to_owned()
        }
    };
    let theirs = propose(&org_admin, "暑期安全课堂").await;
    let new = propose(&newcomer_admin, "安全小卫士").await;

    let grade = |org: &str, all: i64| {
        let body = json!({"organization_id": org, "round_id": round, "notes": "",
            "indicators": {"management": all, "professional_service": all, "outcomes": all, "finance": all, "satisfaction": all}});
        let (app, evaluator) = (&app, &evaluator);
        async move {
            let (s, e) = app.post(Some(evaluator), "/api/v1/evaluations", body).await;
            assert_eq!(s, StatusCode::CREATED, "{e}");
            e["grade"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(grade(&demo_org, 95).await, "A");
    assert_eq!(grade(&newcomer, 50).await, "D");

    let path = format!("/api/v1/rounds/{round}/ranking");
    for token in [&org_admin, &evaluator] {
        assert_error(&app.get(Some(token), &path).await, 403, "forbidden");
    }
    assert_error(
        &app.get(
            Some(&league),
            "/api/v1/rounds/01a00000-0000-7000-8000-000000000000/ranking",
        )
        .await,
        404,
        "not_found",
    );
    let (s, ranking) = app.get(Some(&league), &path).await;
    assert_eq!(s, StatusCode::OK, "{ranking}");
    let items = ranking["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{ranking}");
    assert_eq!(
        items[0]["project_id"],
        theirs.as_str(),
        "the record ranks first: {ranking}"
    );
    assert_eq!(items[1]["project_id"], new.as_str());
    assert!(ranking["rule_zh"].as_str().unwrap().contains("D级"));

    // The fit from the communities' own profiles: ages 6–18 reach everyone, and the
    // communities that name safety as a need count twice.
    let (_, regions) = app.get(Some(&league), "/api/v1/regions?limit=500").await;
    let (mut youth, mut in_need, mut needy, mut communities) = (0u64, 0u64, 0u64, 0u64);
    for profile in regions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["profile"])
        .filter(|p| p.is_object())
    {
        let heads: u64 = ["age_6_8", "age_9_11", "age_12_14", "age_15_18"]
            .iter()
            .map(|k| profile[k].as_u64().unwrap())
            .sum();
        communities += 1;
        youth += heads;
        if profile["need_tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "safety" || t == "安全自护")
        {
            needy += 1;
            in_need += heads;
        }
    }
    assert!(
        youth > 0 && needy > 0,
        "the demo has profiles and a need for safety: {regions}"
    );
    let fit_points = round2(0.3 * (50.0 * (youth + in_need) as f64 / youth as f64).min(100.0));
    for item in items {
        let e = &item["evidence"];
        assert_eq!(e["fit"]["youth"], youth);
        assert_eq!(e["fit"]["youth_in_ages"], youth);
        assert_eq!(e["fit"]["youth_in_need"], in_need);
        assert_eq!(e["fit"]["communities_in_need"], needy);
        assert_eq!(e["fit"]["communities"], communities);
        assert_eq!(e["fit_points"], fit_points);
        let sum = ["record_points", "grade_points", "fit_points"]
            .iter()
            .map(|k| e[k].as_f64().unwrap())
            .sum::<f64>();
        assert!(
            (item["score"].as_f64().unwrap() - sum).abs() < 0.011,
            "{item}"
        );
    }
    let (ours, theirs_) = (&items[0], &items[1]);
    // The demo organization: its scorecard over the window at 40 %, an A at 30.
    assert_eq!(ours["organization_id"], demo_org.as_str());
    assert_eq!(ours["evidence"]["has_record"], true);
    assert!(ours["evidence"]["record"]["sessions_delivered"].as_u64() > Some(0));
    let record = ours["evidence"]["record"]["score"].as_f64().unwrap();
    assert_eq!(ours["evidence"]["record_points"], round2(0.4 * record));
    assert_eq!(
        (
            &ours["evidence"]["grade"],
            &ours["evidence"]["grade_points"]
        ),
        (&json!("A"), &json!(30.0))
    );
    assert_eq!(ours["flagged"], false);
    // The newcomer: nothing on record counts as 60 (24 points), a D as 40 (12), flagged.
    assert_eq!(theirs_["evidence"]["has_record"], false);
    assert_eq!(theirs_["evidence"]["record_points"], 24.0);
    assert_eq!(
        (
            &theirs_["evidence"]["grade"],
            &theirs_["evidence"]["grade_points"]
        ),
        (&json!("D"), &json!(12.0))
    );
    assert_eq!(theirs_["flagged"], true);
    assert_eq!(theirs_["score"], round2(24.0 + 12.0 + fit_points));
}

/// The first menu item with `sessions` left, of the organization if one is named.
async fn menu_item(app: &TestApp, org: Option<&str>, sessions: u64) -> Value {
    let (_, menu) = app.get(None, "/api/v1/menu?limit=500").await;
    menu["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            org.is_none_or(|o| i["organization"]["id"] == o)
                && i["sessions_left"].as_u64() >= Some(sessions)
        })
        .cloned()
        .expect("a menu item with sessions left")
}

/// A community's order of one session of `project`, as its officer sends it.
async fn order_of(app: &TestApp, officer: &str, community: &str, project: &Value) -> Value {
    let (s, order) = app
        .post(
            Some(officer),
            "/api/v1/orders",
            json!({"project_id": project, "community_id": community, "sessions": 1,
                   "window_start": in_days(3), "window_end": in_days(40), "venue": "青禾社区活动室",
                   "expected_participants": 25, "notes": "周六上午"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{order}");
    order
}

/// Three servers on one database, each running the overdue job every second: an order
/// past the district's own deadline (a day to dispatch) is escalated once — one mark,
/// one notice for the League, one outgoing event, one audit event — and shows in the
/// League's overdue queue; dispatching it ends the escalation.
async fn an_overdue_order_is_escalated_once_however_many_servers_run(engine: Engine) {
    let every = ["--jobs-every", "1"];
    let app = spawn_app_with(engine, &every).await;
    let (second, _s2) = spawn_instance(&app, 2, &every).await;
    let (third, _s3) = spawn_instance(&app, 3, &every).await;
    let league = app.sign_in(LEAGUE).await;
    let officer = app.sign_in(OFFICER).await;
    let community = app.scope_of(&officer).await;

    let settings = |dispatch_hours: u32| {
        json!({"checkin": {"opens_minutes_before": 30, "closes_minutes_after": 0},
               "deadlines": {"dispatch_hours": dispatch_hours, "accept_hours": 48}})
    };
    let never = app
        .request(
            Method::PUT,
            Some(&league),
            "/api/v1/settings",
            Some(settings(0)),
        )
        .await;
    assert_error(&never, 422, "invalid");
    assert_eq!(never.1["error"]["field"], "deadlines.dispatch_hours");
    let (s, set) = app
        .request(
            Method::PUT,
            Some(&league),
            "/api/v1/settings",
            Some(settings(24)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{set}");
    assert_eq!(set["deadlines"]["dispatch_hours"], 24);

    let item = menu_item(&app, None, 1).await;
    let order = order_of(&app, &officer, &community, &item["project_id"]).await;
    let id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (&order["overdue"], &order["escalated_at"]),
        (&json!(false), &Value::Null)
    );
    let overdue_queue = |token: String| {
        let app = &app;
        async move {
            let (s, page) = app
                .get(Some(&token), "/api/v1/orders?overdue=true&limit=500")
                .await;
            assert_eq!(s, StatusCode::OK, "{page}");
            let items = page["items"].as_array().unwrap().clone();
            assert!(items.iter().all(|o| o["overdue"] == true), "{page}");
            items
        }
    };
    assert!(!overdue_queue(league.clone())
        .await
        .iter()
        .any(|o| o["id"] == id.as_str()));

    // A day and an hour pass on every server at once; each runs the job as its clock
    // moves, and again every second after.
    let advance = |base: &str| {
        app.client
            .post(format!("{base}/_test/clock"))
            .json(&json!({"seconds": 25 * 3600}))
            .send()
    };
    let (a, b, c) = tokio::join!(advance(&app.base), advance(&second), advance(&third));
    for answer in [a, b, c] {
        assert_eq!(answer.unwrap().status(), StatusCode::OK);
    }
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    // Sessions last twelve hours: the League signs in again.
    let league = app.sign_in(LEAGUE).await;
    let queue = overdue_queue(league.clone()).await;
    let escalated = queue
        .iter()
        .find(|o| o["id"] == id.as_str())
        .expect("the order is in the League's overdue queue");
    assert!(escalated["escalated_at"].is_string(), "{escalated}");
    let count = |sql: &'static str| {
        let (app, id) = (&app, id.clone());
        async move { app.db.strings(sql, &id).await }
    };
    assert_eq!(
        count("select cast(count(*) as text) from audit_events where action = 'order.escalate' and record_id = $1").await,
        ["1"]
    );
    assert_eq!(count("select cast(count(*) as text) from notices where kind = 'order.overdue' and subject_id = $1").await, ["1"]);
    assert_eq!(count("select cast(count(*) as text) from outbox_events where kind = 'order.overdue' and subject_id = $1").await, ["1"]);
    let payload = count("select payload from outbox_events where subject_id = $1").await;
    assert!(
        payload[0].contains(&format!("\"order_id\":\"{id}\"")),
        "{payload:?}"
    );

    // The League acts: the order leaves the queue, its escalation ends with the step.
    let (s, dispatched) = app
        .post(
            Some(&league),
            &format!("/api/v1/orders/{id}/dispatch"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{dispatched}");
    assert_eq!(
        (&dispatched["overdue"], &dispatched["escalated_at"]),
        (&json!(false), &Value::Null)
    );
    assert!(!overdue_queue(league)
        .await
        .iter()
        .any(|o| o["id"] == id.as_str()));
}

/// A declined order's alternatives are other approved items of its service area with a
/// session left, best first for its community; the League redispatches it in one step to
/// one of them, and only to one of them.
async fn a_declined_order_is_redispatched_to_an_alternative(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let officer = app.sign_in(OFFICER).await;
    let org_admin = app.sign_in(ORG_ADMIN).await;
    let community = app.scope_of(&officer).await;
    let org = app.scope_of(&org_admin).await;
    let item = menu_item(&app, Some(&org), 1).await;
    let order = order_of(&app, &officer, &community, &item["project_id"]).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let alternatives_path = format!("/api/v1/orders/{id}/alternatives");
    assert_error(
        &app.get(Some(&league), &alternatives_path).await,
        409,
        "invalid_transition",
    );

    app.post_ok(&league, &format!("/api/v1/orders/{id}/dispatch"), json!({}))
        .await;
    app.post_ok(
        &org_admin,
        &format!("/api/v1/orders/{id}/decline"),
        json!({"reason": "档期冲突，社工不足"}),
    )
    .await;
    let (s, alternatives) = app.get(Some(&league), &alternatives_path).await;
    assert_eq!(s, StatusCode::OK, "{alternatives}");
    let items = alternatives["items"].as_array().unwrap();
    assert!(
        !items.is_empty(),
        "the demo sells {} elsewhere too",
        item["area"]
    );
    for alternative in items {
        assert_eq!(alternative["area"], item["area"], "{alternative}");
        assert_ne!(alternative["project_id"], item["project_id"]);
        assert!(alternative["sessions_left"].as_u64() >= Some(1));
    }
    let fits: Vec<f64> = items.iter().map(|i| i["fit"].as_f64().unwrap()).collect();
    assert!(
        fits.windows(2).all(|w| w[0] >= w[1]),
        "best first: {fits:?}"
    );

    let redispatch = |project: Value| {
        let (app, league, path) = (&app, &league, format!("/api/v1/orders/{id}/redispatch"));
        async move {
            app.post(Some(league), &path, json!({"project_id": project}))
                .await
        }
    };
    let before = app.db.snapshot().await;
    let same = redispatch(item["project_id"].clone()).await;
    assert_error(&same, 422, "invalid");
    assert_eq!(same.1["error"]["field"], "project_id");
    assert_error(
        &redispatch(json!("01a00000-0000-7000-8000-000000000000")).await,
        404,
        "not_found",
    );
    assert_eq!(app.db.snapshot().await, before, "refusals change nothing");

    let best = &items[0];
    let (s, moved) = redispatch(best["project_id"].clone()).await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_eq!(moved["status"], "dispatched");
    assert_eq!(moved["project_id"], best["project_id"]);
    assert_eq!(moved["organization_id"], best["organization"]["id"]);
    assert_eq!(moved["committed_fen"], best["unit_price_fen"]);
    let last = moved["history"].as_array().unwrap().last().unwrap().clone();
    assert!(last["note"].as_str().unwrap().contains("改派"), "{last}");
    assert_error(
        &redispatch(best["project_id"].clone()).await,
        409,
        "invalid_transition",
    );
    let audited = app
        .db
        .strings("select cast(count(*) as text) from audit_events where action = 'order.redispatch' and record_id = $1", &id)
        .await;
    assert_eq!(audited, ["1"]);
}

/// Three communities ask for six sessions of an item with three left: the plan serves
/// every community before any in full (one session each, against first come's three for
/// the first), is proven optimal, and applied in one step dispatches each order with the
/// sessions it got; a plan whose orders changed is refused and changes nothing, and a
/// plan is applied once.
async fn a_dispatch_plan_splits_what_is_left_fairly(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let org_admin = app.sign_in(ORG_ADMIN).await;
    let own = app.scope_of(&app.sign_in(OFFICER).await).await;

    // One item with three sessions, bought in a round of its own.
    let (_, round) = app
        .post(
            Some(&league),
            "/api/v1/rounds",
            json!({"title": "春季加购", "budget_fen": 1_000_000, "opens_at": in_hours(-1), "closes_at": in_hours(24 * 30)}),
        )
        .await;
    let round = round["id"].as_str().unwrap().to_owned();
    app.post_ok(&league, &format!("/api/v1/rounds/{round}/open"), json!({}))
        .await;
    let project = app
        .post_ok(
            &org_admin,
            &format!("/api/v1/rounds/{round}/projects"),
            json!({"title": "防溺水安全课", "area": "safety", "min_age": 6, "max_age": 18, "capacity": 30,
                   "unit_price_fen": 50_000, "sessions_offered": 3}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post_ok(
        &league,
        &format!("/api/v1/projects/{project}/approve"),
        json!({"sessions_bought": 3}),
    )
    .await;

    // Three communities with officers, each asking: 3 sessions for 30, 2 for 20, 1 for 10.
    let (_, regions) = app.get(Some(&league), "/api/v1/regions?limit=500").await;
    let mut communities: Vec<String> = regions["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "community" && r["id"] != own.as_str() && r["profile"].is_object())
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .take(2)
        .collect();
    communities.insert(0, own.clone());
    assert_eq!(communities.len(), 3, "{regions}");
    let mut officers = vec![app.sign_in(OFFICER).await];
    for (n, community) in communities.iter().enumerate().skip(1) {
        let phone = format!("1371111000{n}");
        app.post_ok(
            &league,
            "/api/v1/users",
            json!({"phone": phone, "password": "river-stone-42", "name": format!("社区书记{n}"),
                   "roles": [{"role": "community_officer", "scope_id": community}]}),
        )
        .await;
        officers.push(app.sign_in_with(&phone, "river-stone-42").await);
    }
    let ask = |n: usize, sessions: u32, expected: u32| {
        let (app, officer, community, project) = (
            &app,
            officers[n].clone(),
            communities[n].clone(),
            project.clone(),
        );
        async move {
            app.post_ok(
                &officer,
                "/api/v1/orders",
                json!({"project_id": project, "community_id": community, "sessions": sessions,
                       "window_start": in_days(3), "window_end": in_days(40), "venue": "社区活动室",
                       "expected_participants": expected}),
            )
            .await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let orders = [
        ask(0, 3, 30).await,
        ask(1, 2, 20).await,
        ask(2, 1, 10).await,
    ];

    for token in [&org_admin, &officers[0]] {
        assert_error(
            &app.post(Some(token), "/api/v1/dispatch-plans", json!({}))
                .await,
            403,
            "forbidden",
        );
    }
    let propose = || async {
        let (s, plan) = app
            .post(Some(&league), "/api/v1/dispatch-plans", json!({}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{plan}");
        plan
    };
    let got = |plan: &Value, order: &str| {
        plan["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["order_id"] == order)
            .map(|a| a["sessions"].as_u64().unwrap())
            .expect("the order is in the plan")
    };
    let first = propose().await;
    assert_eq!(first["proven_optimal"], true, "{first}");
    assert_eq!(
        orders.iter().map(|o| got(&first, o)).collect::<Vec<_>>(),
        [1, 1, 1],
        "{first}"
    );
    for (community, share) in communities.iter().zip(["part", "part", "all"]) {
        let c = first["communities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["community_id"] == community.as_str())
            .unwrap();
        assert_eq!(c["share"], share, "{c}");
    }
    assert!(first["covered_youth"].as_u64() >= Some(60), "{first}");

    // The third community withdraws: the plan no longer fits its orders.
    app.post_ok(
        &officers[2],
        &format!("/api/v1/orders/{}/cancel", orders[2]),
        json!({"reason": "活动改期"}),
    )
    .await;
    let apply = |plan: &Value| {
        let (app, league, path) = (
            &app,
            &league,
            format!(
                "/api/v1/dispatch-plans/{}/apply",
                plan["id"].as_str().unwrap()
            ),
        );
        async move { app.post(Some(league), &path, json!({})).await }
    };
    let before = app.db.snapshot().await;
    assert_error(&apply(&first).await, 409, "plan_outdated");
    assert_eq!(
        app.db.snapshot().await,
        before,
        "an outdated plan changes nothing"
    );

    // A new plan: both left are served, the third session goes to one of them.
    let second = propose().await;
    let split = [got(&second, &orders[0]), got(&second, &orders[1])];
    assert!(
        split.iter().all(|&n| n >= 1) && split.iter().sum::<u64>() == 3,
        "{second}"
    );
    let (s, applied) = apply(&second).await;
    assert_eq!(s, StatusCode::OK, "{applied}");
    assert!(applied["applied_at"].is_string());
    for (order, sessions) in orders.iter().zip(split) {
        let (_, o) = app
            .get(Some(&league), &format!("/api/v1/orders/{order}"))
            .await;
        assert_eq!(
            (o["status"].as_str(), o["sessions"].as_u64()),
            (Some("dispatched"), Some(sessions)),
            "{o}"
        );
        let note = o["history"].as_array().unwrap().last().unwrap()["note"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(note.contains("派单方案"), "{note}");
    }
    assert_error(&apply(&second).await, 409, "plan_applied");
    assert_error(
        &app.post(
            Some(&league),
            "/api/v1/dispatch-plans/01a00000-0000-7000-8000-000000000000/apply",
            json!({}),
        )
        .await,
        404,
        "not_found",
    );
}

crate::on_every_engine!(
    the_league_and_the_organization_moderate_and_the_organization_replies,
    the_districts_own_words_hold_comments,
    scorecards_answer_per_year_quarter_and_month,
    an_evaluator_scores_and_the_league_and_the_organization_read,
    a_new_round_is_ranked_on_the_record,
    an_overdue_order_is_escalated_once_however_many_servers_run,
    a_declined_order_is_redispatched_to_an_alternative,
    a_dispatch_plan_splits_what_is_left_fairly
);
