//! The hardened surface: rate limits, lockout, security headers, hostile text.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn repeated_failures_lock_the_account_and_floods_get_429() {
    let app = spawn_app().await;
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

#[tokio::test]
async fn answers_carry_security_headers_and_hostile_text_comes_back_inert() {
    let app = spawn_app().await;
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
