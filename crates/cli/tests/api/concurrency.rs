//! 200 concurrent registrations for 50 seats and 20 waitlist places.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

async fn a_flood_never_overbooks_and_retries_create_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let Flood {
        org,
        guardian,
        activity_id,
        children,
    } = flood_setup(&app, 50, 20, 200).await;
    let path = format!("/api/v1/activities/{activity_id}/registrations");
    let attempt = |i: usize| {
        let (app, path, guardian, child) = (&app, &path, &guardian, children[i].clone());
        async move {
            let key = format!("flood-{i}");
            app.request_with(
                Method::POST,
                Some(guardian),
                path,
                Some(json!({"participant_id": child})),
                &[("Idempotency-Key", &key)],
            )
            .await
        }
    };
    let answers = futures::future::join_all((0..200).map(attempt)).await;
    let count = |status: &str| {
        answers
            .iter()
            .filter(|(_, a)| a["status"] == status)
            .count()
    };
    let full = answers
        .iter()
        .filter(|(s, a)| *s == StatusCode::CONFLICT && a["error"]["code"] == "full")
        .count();
    assert_eq!(
        (count("confirmed"), count("waitlisted"), full),
        (50, 20, 130)
    );
    let positions: HashSet<u64> = answers
        .iter()
        .filter_map(|(_, a)| a["position"].as_u64())
        .collect();
    assert_eq!(positions, (1..=20).collect(), "one waitlist order");

    // Retries with the same keys answer as the first time and add nothing.
    let retries = futures::future::join_all((0..200).step_by(10).map(attempt)).await;
    for (k, retry) in retries.iter().enumerate() {
        assert_eq!(retry.1, answers[k * 10].1, "retry of flood-{}", k * 10);
    }
    let (_, after) = app
        .get(None, &format!("/api/v1/activities/{activity_id}"))
        .await;
    assert_eq!(
        (
            after["confirmed_count"].as_u64(),
            after["waitlist_count"].as_u64()
        ),
        (Some(50), Some(20))
    );
    let (_, regs) = app.get(Some(&org), &format!("{path}?limit=500")).await;
    assert_eq!(regs["items"].as_array().unwrap().len(), 70);
}

crate::on_every_engine!(a_flood_never_overbooks_and_retries_create_nothing);
