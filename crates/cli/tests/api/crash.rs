//! A crash at any moment loses no confirmed write: kill the server with SIGKILL in the
//! middle of a flood, start it again, and every registration answered 201 is there,
//! once, and nothing is over capacity.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn a_killed_server_keeps_every_confirmed_registration(engine: Engine) {
    let mut app = spawn_app(engine).await;
    let Flood {
        guardian,
        activity_id,
        children,
        ..
    } = flood_setup(&app, 40, 20, 150).await;

    // The flood, with the kill in its middle: once some answers have come back.
    let url = format!("{}/api/v1/activities/{activity_id}/registrations", app.base);
    let answered = Arc::new(AtomicUsize::new(0));
    let flood: Vec<_> = children
        .iter()
        .enumerate()
        .map(|(i, child)| {
            let (client, url, token, answered) = (
                app.client.clone(),
                url.clone(),
                guardian.clone(),
                answered.clone(),
            );
            let body = json!({"participant_id": child});
            tokio::spawn(async move {
                let sent = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("crash-{i}"))
                    .json(&body)
                    .send()
                    .await;
                let answer = match sent {
                    Ok(res) => {
                        let status = res.status();
                        res.json::<Value>().await.ok().map(|v| (status, v))
                    }
                    Err(_) => None,
                };
                answered.fetch_add(1, Ordering::SeqCst);
                answer
            })
        })
        .collect();
    while answered.load(Ordering::SeqCst) < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    app.crash().await;
    let mut confirmed_by_client = HashMap::new();
    for (i, task) in flood.into_iter().enumerate() {
        if let Some((status, body)) = task.await.unwrap() {
            assert!(status.as_u16() < 500, "{status}: {body}");
            if status == StatusCode::CREATED {
                confirmed_by_client.insert(body["id"].as_str().unwrap().to_owned(), i);
            }
        }
    }
    assert!(
        !confirmed_by_client.is_empty(),
        "the kill came before any answer"
    );

    app.restart().await;
    let (s, _) = app.get(None, "/readyz").await;
    assert_eq!(s, StatusCode::OK, "it serves again");
    let org = app.sign_in(ORG_ADMIN).await;
    let (_, regs) = app
        .get(
            Some(&org),
            &format!("/api/v1/activities/{activity_id}/registrations?limit=500"),
        )
        .await;
    let regs = regs["items"].as_array().unwrap();
    let stored: HashSet<&str> = regs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in confirmed_by_client.keys() {
        assert!(
            stored.contains(id.as_str()),
            "registration {id} was answered 201 and then lost"
        );
    }
    let mut per_participant = HashMap::new();
    for r in regs {
        *per_participant
            .entry(r["participant_id"].as_str().unwrap())
            .or_insert(0) += 1;
    }
    assert!(
        per_participant.values().all(|n| *n == 1),
        "a participant registered twice"
    );
    let (_, after) = app
        .get(None, &format!("/api/v1/activities/{activity_id}"))
        .await;
    assert!(
        after["confirmed_count"].as_u64().unwrap() <= 40
            && after["waitlist_count"].as_u64().unwrap() <= 20,
        "{after}"
    );

    // Retrying every request with its key changes none of the answers already given.
    let guardian = app.sign_in(GUARDIAN).await;
    let path = format!("/api/v1/activities/{activity_id}/registrations");
    for (id, i) in &confirmed_by_client {
        let (s, again) = app
            .request_with(
                reqwest::Method::POST,
                Some(&guardian),
                &path,
                Some(json!({"participant_id": children[*i]})),
                &[("Idempotency-Key", &format!("crash-{i}"))],
            )
            .await;
        assert_eq!(
            (s, again["id"].as_str()),
            (StatusCode::CREATED, Some(id.as_str()))
        );
    }
}

crate::on_every_engine!(a_killed_server_keeps_every_confirmed_registration);
