//! The OpenAPI document describes every route of API.md.

use serde_json::Value;

use crate::helpers::*;

const API_ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/session"),
    ("delete", "/api/v1/session"),
    ("get", "/api/v1/me"),
    ("post", "/api/v1/accounts"),
    ("get", "/api/v1/regions"),
    ("get", "/api/v1/regions/{id}"),
    ("put", "/api/v1/regions/{id}/profile"),
    ("get", "/api/v1/organizations"),
    ("get", "/api/v1/organizations/{id}"),
    ("post", "/api/v1/organizations"),
    ("post", "/api/v1/users"),
    ("post", "/api/v1/rounds"),
    ("post", "/api/v1/rounds/{id}/open"),
    ("post", "/api/v1/rounds/{id}/review"),
    ("post", "/api/v1/rounds/{id}/award"),
    ("post", "/api/v1/rounds/{id}/close"),
    ("post", "/api/v1/rounds/{id}/projects"),
    ("post", "/api/v1/projects/{id}/approve"),
    ("post", "/api/v1/projects/{id}/reject"),
    ("get", "/api/v1/menu"),
    ("post", "/api/v1/orders"),
    ("get", "/api/v1/orders"),
    ("get", "/api/v1/orders/{id}"),
    ("post", "/api/v1/orders/{id}/dispatch"),
    ("post", "/api/v1/orders/{id}/reject"),
    ("post", "/api/v1/orders/{id}/accept"),
    ("post", "/api/v1/orders/{id}/decline"),
    ("post", "/api/v1/orders/{id}/cancel"),
    ("post", "/api/v1/orders/{id}/confirm"),
    ("post", "/api/v1/orders/{id}/settle"),
    ("get", "/api/v1/orders/{id}/alternatives"),
    ("post", "/api/v1/orders/{id}/redispatch"),
    ("post", "/api/v1/dispatch-plans"),
    ("post", "/api/v1/dispatch-plans/{id}/apply"),
    ("post", "/api/v1/activities"),
    ("post", "/api/v1/activities/{id}/publish"),
    ("post", "/api/v1/activities/{id}/cancel"),
    ("post", "/api/v1/activities/{id}/finish"),
    ("get", "/api/v1/activities"),
    ("get", "/api/v1/activities/{id}"),
    ("post", "/api/v1/children"),
    ("get", "/api/v1/children"),
    ("post", "/api/v1/activities/{id}/registrations"),
    ("delete", "/api/v1/registrations/{id}"),
    ("get", "/api/v1/activities/{id}/registrations"),
    ("get", "/api/v1/activities/{id}/checkin-code"),
    ("post", "/api/v1/activities/{id}/checkin"),
    ("get", "/api/v1/participants/{id}/badges"),
    ("post", "/api/v1/activities/{id}/reviews"),
    ("post", "/api/v1/orders/{id}/reviews"),
    ("post", "/api/v1/organizations/{id}/comments"),
    ("get", "/api/v1/organizations/{id}/reviews"),
    ("get", "/api/v1/organizations/{id}/scorecard"),
    ("get", "/api/v1/moderation/comments"),
    ("post", "/api/v1/comments/{id}/publish"),
    ("post", "/api/v1/comments/{id}/hide"),
    ("post", "/api/v1/comments/{id}/replies"),
    ("post", "/api/v1/evaluations"),
    ("get", "/api/v1/rounds/{id}/ranking"),
    ("get", "/api/v1/organizations/{id}/evaluations"),
    ("get", "/api/v1/rounds"),
    ("get", "/api/v1/me/volunteer"),
    ("put", "/api/v1/me/volunteer"),
    ("post", "/api/v1/teams"),
    ("get", "/api/v1/teams"),
    ("post", "/api/v1/teams/{id}/squads"),
    ("get", "/api/v1/squads"),
    ("post", "/api/v1/squads/{id}/members"),
    ("delete", "/api/v1/squads/{id}/members/{volunteer_id}"),
    ("post", "/api/v1/tasks"),
    ("post", "/api/v1/tasks/{id}/shifts"),
    ("get", "/api/v1/shifts"),
    ("post", "/api/v1/shifts/{id}/signups"),
    ("post", "/api/v1/rosters"),
    ("post", "/api/v1/rosters/{id}/publish"),
    ("post", "/api/v1/assignments/{id}/accept"),
    ("post", "/api/v1/assignments/{id}/decline"),
    ("get", "/api/v1/me/assignments"),
    ("get", "/api/v1/shifts/{id}/checkin-code"),
    ("post", "/api/v1/shifts/{id}/checkin"),
    ("post", "/api/v1/shifts/{id}/checkout"),
    ("get", "/api/v1/me/hours"),
    ("post", "/api/v1/hours/{id}/corrections"),
    ("post", "/api/v1/me/certificates"),
    ("get", "/api/v1/me/certificates"),
    ("get", "/api/v1/certificates/{serial}"),
];

async fn the_document_covers_every_route_of_api_md(engine: Engine) {
    let app = spawn_app(engine).await;
    let (status, doc) = app.get(None, "/api/v1/openapi.json").await;
    assert!(status.is_success());
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let missing: Vec<String> = API_ROUTES
        .iter()
        .filter(|(method, path)| doc["paths"][path][method] == Value::Null)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "not in the OpenAPI document: {missing:?}"
    );
    // And every documented route answers something other than "no such route".
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            let zero = "00000000-0000-0000-0000-000000000000";
            let concrete = path
                .replace("{id}", zero)
                .replace("{volunteer_id}", zero)
                .replace("{serial}", "ZYFW2026000001ABCD");
            let res = app
                .client
                .request(
                    method.to_uppercase().parse().unwrap(),
                    format!("{}{concrete}", app.base),
                )
                .send()
                .await
                .unwrap();
            assert_ne!(
                res.status().as_u16(),
                405,
                "{method} {path} is documented but not routed"
            );
            assert!(
                res.status().as_u16() < 500,
                "{method} {path}: {}",
                res.status()
            );
        }
    }
}

crate::on_every_engine!(the_document_covers_every_route_of_api_md);
