//! Casework: the whole flow, who may read it, and its audit trail.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn casework_is_read_only_by_those_who_serve_the_child(engine: Engine) {
    let app = spawn_app(engine).await;
    let worker = app.sign_in(SOCIAL_WORKER).await;
    let supervisor = app.sign_in(ORG_ADMIN).await;
    let league = app.sign_in(LEAGUE).await;
    let org_id = app.scope_of(&supervisor).await;
    let supervisor_id = app.get(Some(&supervisor), "/api/v1/me").await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, colleague) = app
        .post(
            Some(&supervisor),
            "/api/v1/users",
            json!({"phone": "13711110000", "password": "colleague-river-7", "name": "同事", "roles": [{"role": "social_worker", "scope_id": org_id}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{colleague}");
    let colleague_id = colleague["id"].as_str().unwrap().to_owned();
    let colleague = app.sign_in_with("13711110000", "colleague-river-7").await;

    let intake = json!({"subject_name": "李小雨", "subject_birth_date": "2013-04-01", "category": "bullying",
        "supervisor_id": supervisor_id,
        "consent": {"guardian_name": "李母", "relation": "母亲", "scope": "个案服务及必要的信息记录", "given": true}});
    let mut no_consent = intake.clone();
    no_consent["consent"]["given"] = json!(false);
    assert_error(
        &app.post(Some(&worker), "/api/v1/cases", no_consent).await,
        422,
        "invalid",
    );
    // The demo district has a caseload of its own; this case adds one to it.
    let (_, before) = app.get(Some(&league), "/api/v1/cases/stats").await;
    let (s, case) = app.post(Some(&worker), "/api/v1/cases", intake).await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert_eq!(
        (case["status"].as_str(), case["subject_name"].as_str()),
        (Some("intake"), Some("李小雨"))
    );
    let id = case["id"].as_str().unwrap().to_owned();
    let path = |tail: &str| format!("/api/v1/cases/{id}{tail}");

    // The League sees counts, never content.
    assert_error(&app.get(Some(&league), &path("")).await, 403, "forbidden");
    assert_error(
        &app.get(Some(&league), "/api/v1/cases").await,
        403,
        "forbidden",
    );
    let (_, stats) = app.get(Some(&league), "/api/v1/cases/stats").await;
    let new_bullying = |stats: &Value| {
        stats["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| {
                k["category"] == "bullying" && k["risk_level"].is_null() && k["status"] == "intake"
            })
            .map_or(0, |k| k["count"].as_u64().unwrap())
    };
    assert_eq!(new_bullying(&stats), new_bullying(&before) + 1, "{stats}");
    for count in stats["items"].as_array().unwrap() {
        let fields: Vec<&String> = count.as_object().unwrap().keys().collect();
        assert_eq!(
            fields,
            ["category", "count", "risk_level", "status"],
            "counts only"
        );
    }
    // A colleague without a grant finds nothing.
    assert_error(
        &app.get(Some(&colleague), &path("")).await,
        404,
        "not_found",
    );
    let (_, theirs) = app.get(Some(&colleague), "/api/v1/cases").await;
    assert_eq!(theirs["items"], json!([]));
    let (_, mine) = app.get(Some(&worker), "/api/v1/cases").await;
    let listed = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str());
    assert_eq!(listed.unwrap()["subject"], "李**", "lists mask the name");

    // The flow, with a transition the state refuses.
    assert_error(
        &app.post(Some(&worker), &path("/close"), json!({"text": "太早"}))
            .await,
        409,
        "invalid_transition",
    );
    assert_error(
        &app.post(Some(&worker), &path("/assess"), json!({"text": "无等级"}))
            .await,
        422,
        "invalid",
    );
    for (step, body) in [
        (
            "/assess",
            json!({"text": "校园欺凌，情绪低落", "risk_level": "high"}),
        ),
        ("/plan", json!({"text": "每周一次个别辅导，联系学校"})),
        ("/sessions", json!({"text": "第一次面谈：建立关系"})),
        ("/sessions", json!({"text": "第二次面谈：情绪疏导"})),
        ("/review", json!({"text": "情绪好转，欺凌已制止"})),
    ] {
        let (s, answer) = app.post(Some(&worker), &path(step), body).await;
        assert_eq!(s, StatusCode::OK, "{step}: {answer}");
    }

    // A grant that expires lets a colleague read, never write.
    let expires_at = app.advance_clock(0).await + time::Duration::hours(1);
    let (s, grant) = app
        .post(
            Some(&worker),
            &path("/grants"),
            json!({"user_id": colleague_id, "expires_at": rfc3339(expires_at)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{grant}");
    let (s, read) = app.get(Some(&colleague), &path("")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(read["notes"].as_array().unwrap().len(), 5);
    assert_eq!(read["risk_level"], "high");
    assert_error(
        &app.post(Some(&colleague), &path("/close"), json!({"text": "x"}))
            .await,
        404,
        "not_found",
    );
    // An hour later, the grant has ended.
    app.advance_clock_to(&rfc3339(expires_at)).await;
    assert_error(
        &app.get(Some(&colleague), &path("")).await,
        404,
        "not_found",
    );

    // The supervisor reads and closes.
    let (s, closed) = app
        .post(
            Some(&supervisor),
            &path("/close"),
            json!({"text": "目标达成，结案"}),
        )
        .await;
    assert_eq!(
        (s, closed["status"].as_str()),
        (StatusCode::OK, Some("closed"))
    );

    // Every read and write is in the audit trail; notes are sealed in the file.
    let actions = app
        .db
        .strings(
            "select action from audit_events where record_id = $1 order by seq",
            &id,
        )
        .await;
    assert_eq!(
        actions,
        [
            "case.open",
            "case.assess",
            "case.plan",
            "case.session",
            "case.session",
            "case.review",
            "case.grant",
            "case.read",
            "case.close"
        ],
    );
    assert!(
        !app.db.holds_in_clear("情绪疏导").await,
        "a note in the clear"
    );
}

crate::on_every_engine!(casework_is_read_only_by_those_who_serve_the_child);
