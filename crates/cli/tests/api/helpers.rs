//! `spawn_app()`: a real `youthloop serve` process on a temporary SQLite file, and a
//! client with one method per HTTP verb.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use youthloop_domain::IdNumber;

pub const LEAGUE: &str = "13800000001";
pub const ORG_ADMIN: &str = "13800000002";
pub const OFFICER: &str = "13800000003";
pub const GUARDIAN: &str = "13800000004";
pub const YOUTH: &str = "13800000005";
pub const VOLUNTEER: &str = "13800000006";
pub const SOCIAL_WORKER: &str = "13800000007";
pub const EVALUATOR: &str = "13800000008";
pub const PASSWORD: &str = "demo12345";

pub struct TestApp {
    pub base: String,
    pub db_path: PathBuf,
    pub client: reqwest::Client,
    _server: Child,
    _dir: TempDir,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_youthloop")
}

/// Starts a server with the demo district on a fresh database file.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("youthloop.db");
    let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
    let mut server = Command::new(bin())
        .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--database"])
        .arg(format!("sqlite://{}", db_path.display()))
        .env("YOUTHLOOP_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .expect("start youthloop serve");
    let stdout = server.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            if let Some(url) = line.strip_prefix("listening on ") {
                return url.to_owned();
            }
        }
        let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
        panic!("server exited before listening:\n{log}");
    })
    .await
    .expect("server did not start in time");
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    TestApp {
        base,
        db_path,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client"),
        _server: server,
        _dir: dir,
    }
}

/// A valid, fictional ID number of someone `age` years old today.
pub fn id_number(age: i32, serial: u32) -> String {
    let today = time::OffsetDateTime::now_utc().date();
    let born = today.replace_year(today.year() - age).expect("date") - time::Duration::days(30);
    let first17 = format!(
        "990101{:04}{:02}{:02}{:03}",
        born.year(),
        u8::from(born.month()),
        born.day(),
        serial % 1000
    );
    let check = char::from(IdNumber::check_char(first17.as_bytes()));
    format!("{first17}{check}")
}

pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

pub fn in_hours(h: i64) -> String {
    rfc3339(time::OffsetDateTime::now_utc() + time::Duration::hours(h))
}

impl TestApp {
    pub async fn request(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.request_with(method, token, path, body, &[]).await
    }

    pub async fn request_with(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        assert!(status.as_u16() < 500, "{path} answered {status}: {value}");
        (status, value)
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        self.request(Method::GET, token, path, None).await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, token, path, Some(body)).await
    }

    /// Signs in a demo account and returns the bearer token.
    pub async fn sign_in(&self, phone: &str) -> String {
        self.sign_in_with(phone, PASSWORD).await
    }

    pub async fn sign_in_with(&self, phone: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                None,
                "/api/v1/session",
                json!({"phone": phone, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "sign in {phone}: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// The scope of the user's first role.
    pub async fn scope_of(&self, token: &str) -> String {
        let (_, me) = self.get(Some(token), "/api/v1/me").await;
        me["roles"][0]["scope_id"]
            .as_str()
            .expect("scope")
            .to_owned()
    }
}

/// Asserts an error answer: its status, its code, and the error shape.
#[track_caller]
pub fn assert_error(answer: &(StatusCode, Value), status: u16, code: &str) {
    assert_eq!(answer.0.as_u16(), status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        answer.1
    );
}
