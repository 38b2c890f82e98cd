//! The role-and-scope matrix: every route, every role; and records of another district
//! or community answer 404.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const PERSONAS: [(&str, &str); 8] = [
    ("league_admin", LEAGUE),
    ("org_admin", ORG_ADMIN),
    ("community_officer", OFFICER),
    ("guardian", GUARDIAN),
    ("youth", YOUTH),
    ("volunteer", VOLUNTEER),
    ("social_worker", SOCIAL_WORKER),
    ("evaluator", EVALUATOR),
];

const SIGNED_IN: &[&str] = &[
    "league_admin",
    "org_admin",
    "community_officer",
    "guardian",
    "youth",
    "volunteer",
    "social_worker",
    "evaluator",
];
const EVERYONE: &[&str] = &[
    "anonymous",
    "league_admin",
    "org_admin",
    "community_officer",
    "guardian",
    "youth",
    "volunteer",
    "social_worker",
    "evaluator",
];

struct Route {
    method: Method,
    path: String,
    body: Option<Value>,
    allowed: &'static [&'static str],
}

fn route(
    method: Method,
    path: String,
    body: Option<Value>,
    allowed: &'static [&'static str],
) -> Route {
    Route {
        method,
        path,
        body,
        allowed,
    }
}

async fn every_route_for_every_role(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut tokens = HashMap::new();
    for (role, phone) in PERSONAS {
        tokens.insert(role, app.sign_in(phone).await);
    }
    let t = |r: &str| tokens[r].clone();
    let org_id = app.scope_of(&t("org_admin")).await;
    let community_id = app.scope_of(&t("community_officer")).await;
    let (_, orders) = app
        .get(Some(&t("community_officer")), "/api/v1/orders?limit=500")
        .await;
    let order_id = orders["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, activities) = app.get(None, "/api/v1/activities?limit=500").await;
    let activity_id = activities["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["organization_id"] == org_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, children) = app.get(Some(&t("guardian")), "/api/v1/children").await;
    let child_id = children["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, menu) = app.get(None, "/api/v1/menu").await;
    let project_id = menu["items"][0]["project_id"].as_str().unwrap().to_owned();
    let (_, round) = app
        .post(
            Some(&t("league_admin")),
            "/api/v1/rounds",
            json!({"title": "矩阵", "budget_fen": 100, "opens_at": in_hours(0), "closes_at": in_hours(1)}),
        )
        .await;
    let round_id = round["id"].as_str().unwrap().to_owned();
    let supervisor_id = app.get(Some(&t("org_admin")), "/api/v1/me").await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let intake = json!({"subject_name": "赵小安", "subject_birth_date": "2012-01-01", "category": "family",
        "supervisor_id": supervisor_id,
        "consent": {"guardian_name": "赵父", "relation": "父亲", "scope": "个案服务", "given": true}});
    let (s, case) = app
        .post(Some(&t("social_worker")), "/api/v1/cases", intake.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let case_id = case["id"].as_str().unwrap().to_owned();

    let reason = || Some(json!({"reason": "测试"}));
    let review = || Some(json!({"content": 5, "organization": 5, "effect": 5}));
    let routes = vec![
        route(Method::GET, "/api/v1/me".into(), None, SIGNED_IN),
        route(Method::GET, "/api/v1/regions".into(), None, EVERYONE),
        route(
            Method::GET,
            format!("/api/v1/regions/{community_id}"),
            None,
            EVERYONE,
        ),
        route(
            Method::PUT,
            format!("/api/v1/regions/{community_id}/profile"),
            Some(json!({"age_6_8": 10})),
            &["league_admin", "community_officer"],
        ),
        route(Method::GET, "/api/v1/organizations".into(), None, EVERYONE),
        route(
            Method::GET,
            format!("/api/v1/organizations/{org_id}"),
            None,
            EVERYONE,
        ),
        route(
            Method::POST,
            "/api/v1/organizations".into(),
            Some(
                json!({"name": "新组织", "credit_code": "91350100M000100Y43", "areas": ["safety"], "address": "某路1号"}),
            ),
            &["league_admin"],
        ),
        route(
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"phone": "13700001111", "password": "river-stone-42", "name": "新社工", "roles": [{"role": "social_worker", "scope_id": org_id}]}),
            ),
            &["league_admin", "org_admin"],
        ),
        route(
            Method::GET,
            "/api/v1/settings".into(),
            None,
            &["league_admin"],
        ),
        route(
            Method::PUT,
            "/api/v1/settings".into(),
            Some(json!({"checkin": {"opens_minutes_before": 45, "closes_minutes_after": 15}})),
            &["league_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/rounds/{round_id}/projects"),
            Some(
                json!({"title": "p", "area": "safety", "min_age": 6, "max_age": 9, "capacity": 5, "unit_price_fen": 1, "sessions_offered": 1}),
            ),
            &["org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/rounds/{round_id}/open"),
            None,
            &["league_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/rounds/{round_id}/review"),
            None,
            &["league_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/rounds/{round_id}/award"),
            None,
            &["league_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/rounds/{round_id}/close"),
            None,
            &["league_admin"],
        ),
        route(
            Method::POST,
            "/api/v1/rounds".into(),
            Some(
                json!({"title": "r", "budget_fen": 1, "opens_at": in_hours(0), "closes_at": in_hours(1)}),
            ),
            &["league_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/projects/{project_id}/approve"),
            Some(json!({"sessions_bought": 1})),
            &["league_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/projects/{project_id}/reject"),
            reason(),
            &["league_admin"],
        ),
        route(Method::GET, "/api/v1/menu".into(), None, EVERYONE),
        route(
            Method::POST,
            "/api/v1/orders".into(),
            Some(
                json!({"project_id": project_id, "community_id": community_id, "sessions": 1, "window_start": in_days(0), "window_end": in_days(1), "venue": "v", "expected_participants": 1}),
            ),
            &["community_officer"],
        ),
        route(Method::GET, "/api/v1/orders".into(), None, SIGNED_IN),
        route(
            Method::POST,
            format!("/api/v1/orders/{order_id}/dispatch"),
            None,
            &["league_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/orders/{order_id}/reject"),
            reason(),
            &["league_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/orders/{order_id}/accept"),
            None,
            &["org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/orders/{order_id}/decline"),
            reason(),
            &["org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/orders/{order_id}/confirm"),
            None,
            &["community_officer"],
        ),
        route(
            Method::POST,
            format!("/api/v1/orders/{order_id}/settle"),
            None,
            &["league_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/orders/{order_id}/reviews"),
            review(),
            &["community_officer"],
        ),
        route(
            Method::POST,
            format!("/api/v1/orders/{order_id}/cancel"),
            reason(),
            &["community_officer", "league_admin"],
        ),
        route(
            Method::POST,
            "/api/v1/activities".into(),
            Some(
                json!({"title": "a", "starts_at": in_hours(2), "ends_at": in_hours(3), "venue": "v", "capacity": 1, "min_age": 6, "max_age": 9, "registration_opens_at": in_hours(0), "registration_closes_at": in_hours(1)}),
            ),
            &["org_admin"],
        ),
        route(Method::GET, "/api/v1/activities".into(), None, EVERYONE),
        route(
            Method::GET,
            format!("/api/v1/activities/{activity_id}"),
            None,
            EVERYONE,
        ),
        route(
            Method::GET,
            format!("/api/v1/activities/{activity_id}/registrations"),
            None,
            &["org_admin"],
        ),
        route(
            Method::GET,
            format!("/api/v1/activities/{activity_id}/checkin-code"),
            None,
            &["org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/activities/{activity_id}/registrations"),
            Some(json!({"participant_id": child_id})),
            &["guardian", "youth"],
        ),
        route(
            Method::POST,
            format!("/api/v1/activities/{activity_id}/checkin"),
            Some(json!({"code": "123456", "participant_id": child_id})),
            &["guardian", "youth"],
        ),
        route(
            Method::POST,
            format!("/api/v1/activities/{activity_id}/reviews"),
            review(),
            &["guardian", "youth"],
        ),
        route(
            Method::POST,
            format!("/api/v1/activities/{activity_id}/publish"),
            None,
            &["org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/activities/{activity_id}/finish"),
            None,
            &["org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/activities/{activity_id}/cancel"),
            None,
            &["org_admin"],
        ),
        route(Method::GET, "/api/v1/children".into(), None, &["guardian"]),
        route(
            Method::POST,
            "/api/v1/children".into(),
            Some(json!({"name": "小新", "id_number": id_number(7, 7), "consent": true})),
            &["guardian"],
        ),
        route(
            Method::GET,
            format!("/api/v1/participants/{child_id}/badges"),
            None,
            &["guardian", "league_admin", "evaluator"],
        ),
        route(
            Method::POST,
            format!("/api/v1/organizations/{org_id}/comments"),
            Some(json!({"text": "很好的组织", "rating": 5})),
            EVERYONE,
        ),
        route(
            Method::GET,
            format!("/api/v1/organizations/{org_id}/reviews"),
            None,
            EVERYONE,
        ),
        route(
            Method::GET,
            format!("/api/v1/organizations/{org_id}/scorecard"),
            None,
            EVERYONE,
        ),
        route(
            Method::POST,
            "/api/v1/cases".into(),
            Some(intake),
            &["social_worker"],
        ),
        route(
            Method::GET,
            "/api/v1/cases".into(),
            None,
            &["social_worker", "org_admin"],
        ),
        route(
            Method::GET,
            format!("/api/v1/cases/{case_id}"),
            None,
            &["social_worker", "org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/cases/{case_id}/assess"),
            Some(json!({"text": "评估", "risk_level": "low"})),
            &["social_worker", "org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/cases/{case_id}/plan"),
            Some(json!({"text": "计划"})),
            &["social_worker", "org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/cases/{case_id}/sessions"),
            Some(json!({"text": "面谈"})),
            &["social_worker", "org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/cases/{case_id}/review"),
            Some(json!({"text": "回顾"})),
            &["social_worker", "org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/cases/{case_id}/close"),
            Some(json!({"text": "结案"})),
            &["social_worker", "org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/cases/{case_id}/grants"),
            Some(json!({"user_id": supervisor_id, "expires_at": in_hours(24)})),
            &["social_worker", "org_admin"],
        ),
        route(
            Method::GET,
            "/api/v1/cases/stats".into(),
            None,
            &["league_admin", "evaluator"],
        ),
        route(
            Method::GET,
            "/api/v1/audit".into(),
            None,
            &["league_admin", "evaluator"],
        ),
        route(
            Method::POST,
            format!("/api/v1/children/{child_id}/consent"),
            Some(json!({"relation": "母亲"})),
            &["guardian"],
        ),
        route(
            Method::DELETE,
            format!("/api/v1/children/{child_id}/consent"),
            None,
            &["guardian"],
        ),
        route(Method::GET, "/api/v1/me/export".into(), None, SIGNED_IN),
        // Last: it ends the accounts that may use it.
        route(
            Method::DELETE,
            "/api/v1/me".into(),
            None,
            &["guardian", "youth", "volunteer"],
        ),
    ];

    let mut failures = Vec::new();
    for r in &routes {
        // Refused roles first, so an allowed call's change cannot hide a refusal.
        let mut order: Vec<&str> = EVERYONE
            .iter()
            .copied()
            .filter(|p| !r.allowed.contains(p))
            .collect();
        order.extend(r.allowed.iter().copied());
        for persona in order {
            let token = (persona != "anonymous").then(|| t(persona));
            let body = r
                .body
                .clone()
                .or_else(|| (r.method == Method::POST).then(|| json!({})));
            let (status, answer) = app
                .request(r.method.clone(), token.as_deref(), &r.path, body)
                .await;
            let refused = matches!(
                status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            );
            let allowed = r.allowed.contains(&persona);
            let ok = if allowed {
                !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                    || answer["error"]["code"] == "not_attended"
            } else {
                refused
            };
            if !ok {
                failures.push(format!(
                    "{} {} as {persona}: {status} {answer}",
                    r.method, r.path
                ));
            }
            if status.is_client_error() {
                assert!(
                    answer["error"]["code"].is_string(),
                    "error shape: {} {} {answer}",
                    r.method,
                    r.path
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} wrong answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn other_districts_and_communities_are_not_found(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let officer = app.sign_in(OFFICER).await;
    let community_id = app.scope_of(&officer).await;
    let (_, orders) = app.get(Some(&league), "/api/v1/orders?limit=500").await;
    let orders = orders["items"].as_array().unwrap().clone();
    let (_, activities) = app.get(None, "/api/v1/activities").await;
    let activity_id = activities["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, orgs) = app.get(None, "/api/v1/organizations").await;
    let org_id = orgs["items"][0]["id"].as_str().unwrap().to_owned();

    // A second district on the same installation.
    let out = youthloop(&app.key_file)
        .args([
            "init",
            "--district",
            "另一个区",
            "--district-code",
            "990200000000",
            "--admin-phone",
            "13700000009",
        ])
        .args(["--database", &app.db.url])
        .env("YOUTHLOOP_ADMIN_PASSWORD", "other-district-1")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other = app.sign_in_with("13700000009", "other-district-1").await;
    let order_id = orders[0]["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/orders/{order_id}"),
        format!("/api/v1/activities/{activity_id}"),
        format!("/api/v1/organizations/{org_id}"),
        format!("/api/v1/regions/{community_id}"),
        format!("/api/v1/organizations/{org_id}/scorecard"),
    ] {
        let answer = app.get(Some(&other), &path).await;
        assert_error(&answer, 404, "not_found");
    }
    let dispatch = app
        .post(
            Some(&other),
            &format!("/api/v1/orders/{order_id}/dispatch"),
            json!({}),
        )
        .await;
    assert_error(&dispatch, 404, "not_found");
    let (_, their_orders) = app.get(Some(&other), "/api/v1/orders").await;
    assert_eq!(their_orders["items"], json!([]));

    // A community officer sees only the orders of their community.
    let (_, mine) = app.get(Some(&officer), "/api/v1/orders?limit=500").await;
    let mine = mine["items"].as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(mine
        .iter()
        .all(|o| o["community_id"] == community_id.as_str()));
    let elsewhere = orders
        .iter()
        .find(|o| o["community_id"] != community_id.as_str())
        .expect("an order elsewhere");
    let answer = app
        .get(
            Some(&officer),
            &format!("/api/v1/orders/{}", elsewhere["id"].as_str().unwrap()),
        )
        .await;
    assert_error(&answer, 404, "not_found");
    let profile = app
        .request(
            Method::PUT,
            Some(&officer),
            &format!(
                "/api/v1/regions/{}/profile",
                elsewhere["community_id"].as_str().unwrap()
            ),
            Some(json!({"age_6_8": 1})),
        )
        .await;
    assert_error(&profile, 404, "not_found");
}

async fn an_action_uses_only_the_reach_of_the_role_it_needs(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let district = app.scope_of(&league).await;
    let (_, orders) = app.get(Some(&league), "/api/v1/orders?limit=500").await;
    let dispatched = orders["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["status"] == "dispatched")
        .expect("a dispatched order");
    let (_, orgs) = app.get(None, "/api/v1/organizations").await;
    let other_org = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] != dispatched["organization_id"])
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Staff of another organization who is also an evaluator of the district.
    let (s, _) = app
        .post(
            Some(&league),
            "/api/v1/users",
            json!({"phone": "13755556666", "password": "two-hats-1", "name": "两顶帽子",
                   "roles": [{"role": "evaluator", "scope_id": district}, {"role": "org_staff", "scope_id": other_org}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let two_hats = app.sign_in_with("13755556666", "two-hats-1").await;
    let (s, _) = app
        .get(
            Some(&two_hats),
            &format!("/api/v1/orders/{}", dispatched["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "an evaluator reads the district's orders"
    );
    let accept = app
        .post(
            Some(&two_hats),
            &format!(
                "/api/v1/orders/{}/accept",
                dispatched["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_error(&accept, 404, "not_found");
}

crate::on_every_engine!(
    every_route_for_every_role,
    other_districts_and_communities_are_not_found,
    an_action_uses_only_the_reach_of_the_role_it_needs
);
