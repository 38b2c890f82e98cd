//! Volunteers at work, end to end: a shift signed up for, checked into and out of, its
//! hours corrected and certified, the certificate verified by anyone; a roster
//! proposed, published, accepted and declined; minors only with a guardian's consent.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an id in {v}"))
        .to_owned()
}

/// Any time of any day: availability never stands in these tests' way.
fn always() -> Value {
    let days: Vec<Value> = (1..=7)
        .map(|d| json!({"weekday": d, "from": "00:00", "to": "24:00"}))
        .collect();
    Value::Array(days)
}

/// Signs up a volunteer of `age` with a profile; returns their token.
async fn volunteer(app: &TestApp, phone: &str, age: i32, serial: u32, community: &str) -> String {
    let (s, body) = app
        .post(
            None,
            "/api/v1/accounts",
            json!({"phone": phone, "password": "river-stone-42", "name": "志愿者",
                "role": "volunteer", "id_number": id_number(age, serial)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let token = app.sign_in_with(phone, "river-stone-42").await;
    let profile = json!({"skills": ["first_aid"], "availability": always(),
        "home_region_id": community, "max_minutes_per_week": 900});
    let (s, body) = app
        .request(
            Method::PUT,
            Some(&token),
            "/api/v1/me/volunteer",
            Some(profile),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    token
}

/// A Beijing time `days` from today at `hh:mm`, as RFC 3339.
fn beijing(days: i64, hh: u8, mm: u8) -> String {
    format!("{}T{hh:02}:{mm:02}:00+08:00", in_days(days))
}

async fn shifts_of(app: &TestApp, token: &str, task: &str) -> Vec<Value> {
    let (s, list) = app
        .get(Some(token), &format!("/api/v1/shifts?task={task}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list["items"].as_array().unwrap().clone()
}

async fn a_shift_is_served_recorded_certified_and_verified(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let community = app.scope_of(&app.sign_in(OFFICER).await).await;
    let task = id(&app
        .post_ok(
            &league,
            "/api/v1/tasks",
            json!({"title": "社区助老服务", "area": "志愿公益", "region_id": community,
                "venue": "青禾社区党群服务中心", "description": "陪伴老人、协助就餐"}),
        )
        .await);
    let shift_path = format!("/api/v1/tasks/{task}/shifts");
    let shift = |from: String, to: String, needed: i64, skills: Value| json!({"starts_at": from, "ends_at": to, "needed": needed, "skills": skills, "min_age": 16});

    // Bad shifts: a clear error on the field, and no shift made.
    for (body, field) in [
        (
            shift(beijing(3, 11, 0), beijing(3, 9, 0), 2, json!([])),
            "ends_at",
        ),
        (
            shift(beijing(3, 9, 0), beijing(3, 11, 0), -2, json!([])),
            "needed",
        ),
        (
            shift(beijing(3, 9, 0), beijing(3, 11, 0), 2, json!(["juggling"])),
            "skills",
        ),
        (
            shift(beijing(-3, 9, 0), beijing(-3, 11, 0), 2, json!([])),
            "starts_at",
        ),
    ] {
        let answer = app.post(Some(&league), &shift_path, body).await;
        assert_error(&answer, 422, "invalid");
        assert_eq!(answer.1["error"]["field"], field, "{}", answer.1);
    }
    assert!(shifts_of(&app, &league, &task).await.is_empty());

    let morning = id(&app
        .post_ok(
            &league,
            &shift_path,
            shift(beijing(3, 9, 0), beijing(3, 12, 0), 2, json!([])),
        )
        .await);
    let same_time = id(&app
        .post_ok(
            &league,
            &shift_path,
            shift(beijing(3, 10, 0), beijing(3, 11, 0), 5, json!([])),
        )
        .await);
    let drivers = id(&app
        .post_ok(
            &league,
            &shift_path,
            shift(beijing(3, 14, 0), beijing(3, 16, 0), 1, json!(["driving"])),
        )
        .await);
    // Someone who runs nothing adds no shift to the League's task.
    assert_error(
        &app.post(
            Some(&app.sign_in(SQUAD_LEADER).await),
            &shift_path,
            shift(beijing(3, 9, 0), beijing(3, 12, 0), 2, json!([])),
        )
        .await,
        404,
        "not_found",
    );

    let adult = volunteer(&app, "13766662001", 25, 601, &community).await;
    let sign_up = |token: &str, shift: &str, key: &str| {
        let (app, token, path, key) = (
            &app,
            token.to_owned(),
            format!("/api/v1/shifts/{shift}/signups"),
            key.to_owned(),
        );
        async move {
            app.request_with(
                Method::POST,
                Some(&token),
                &path,
                None,
                &[("Idempotency-Key", &key)],
            )
            .await
        }
    };
    let (s, signed) = sign_up(&adult, &morning, "k-1").await;
    assert_eq!(s, StatusCode::CREATED, "{signed}");
    assert_eq!(signed["status"], "assigned");
    let (s, again) = sign_up(&adult, &morning, "k-1").await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "a retry answers the first sign-up: {again}"
    );
    assert_eq!(again["id"], signed["id"]);
    assert_error(
        &sign_up(&adult, &morning, "k-2").await,
        409,
        "already_signed_up",
    );
    assert_error(&sign_up(&adult, &same_time, "k-3").await, 409, "overlaps");
    assert_error(&sign_up(&adult, &drivers, "k-4").await, 422, "skills");
    assert_error(
        &sign_up(&adult, &morning, "k-1-other").await,
        409,
        "already_signed_up",
    );

    // 14 to 17: refused until a guardian consents in their own account.
    let teen_id_number = id_number(16, 602);
    let teen = volunteer(&app, "13766662002", 16, 602, &community).await;
    assert_error(&sign_up(&teen, &morning, "t-1").await, 422, "consent");
    let guardian = app.new_guardian("13766662003", "家长").await;
    let child = id(&app
        .post_ok(
            &guardian,
            "/api/v1/children",
            json!({"name": "志愿者", "id_number": teen_id_number, "consent": true}),
        )
        .await);
    app.post_ok(
        &guardian,
        &format!("/api/v1/children/{child}/volunteering"),
        json!({}),
    )
    .await;
    assert_error(
        &app.post(
            Some(&guardian),
            &format!("/api/v1/children/{child}/volunteering"),
            json!({}),
        )
        .await,
        409,
        "consent_given",
    );
    let (_, profile) = app.get(Some(&teen), "/api/v1/me/volunteer").await;
    assert_eq!(profile["consent_live"], true, "{profile}");
    let (s, teen_signed) = sign_up(&teen, &morning, "t-2").await;
    assert_eq!(s, StatusCode::CREATED, "{teen_signed}");
    // Two of two places are taken.
    let late = volunteer(&app, "13766662004", 30, 604, &community).await;
    assert_error(&sign_up(&late, &morning, "l-1").await, 409, "full");
    let listed = shifts_of(&app, &league, &task).await;
    let m = listed.iter().find(|s| id(s) == morning).unwrap();
    assert_eq!(
        (m["needed"].as_u64(), m["assigned"].as_u64()),
        (Some(2), Some(2))
    );
    let (_, open) = app.get(Some(&late), "/api/v1/shifts?open=true").await;
    let open_ids: Vec<String> = open["items"].as_array().unwrap().iter().map(id).collect();
    assert!(
        open_ids.contains(&same_time) && !open_ids.contains(&morning),
        "{open}"
    );
    assert!(
        !open_ids.contains(&drivers),
        "a shift needing skills they lack: {open}"
    );

    // Check-in opens 30 minutes before; the code rotates; check-out before check-in is
    // refused; minutes are clipped to the shift.
    let code_path = format!("/api/v1/shifts/{morning}/checkin-code");
    let checkin = format!("/api/v1/shifts/{morning}/checkin");
    let checkout = format!("/api/v1/shifts/{morning}/checkout");
    let (_, code) = app.get(Some(&league), &code_path).await;
    assert_error(
        &app.post(Some(&adult), &checkin, json!({"code": code["code"]}))
            .await,
        409,
        "checkin_not_open",
    );
    let start = time::OffsetDateTime::parse(
        &beijing(3, 9, 0),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    app.advance_clock_to(&rfc3339(start - time::Duration::minutes(10)))
        .await;
    // Days passed: sessions have expired, everyone signs in again.
    let league = app.sign_in(LEAGUE).await;
    let adult = app.sign_in_with("13766662001", "river-stone-42").await;
    let (_, code) = app.get(Some(&league), &code_path).await;
    assert_error(
        &app.post(Some(&adult), &checkin, json!({"code": "000000x"}))
            .await,
        422,
        "invalid",
    );
    let done = app
        .post_ok(&adult, &checkin, json!({"code": code["code"]}))
        .await;
    assert_eq!(done["status"], "checked_in");
    let teen_assignment = id(&teen_signed);
    assert_error(
        &app.post(
            Some(&league),
            &checkout,
            json!({"assignment_id": teen_assignment}),
        )
        .await,
        409,
        "invalid_transition",
    );
    // A squad leader whose squad has nobody on this shift does not reach it.
    let squad_leader = app.sign_in(SQUAD_LEADER).await;
    assert_error(
        &app.get(Some(&squad_leader), &code_path).await,
        404,
        "not_found",
    );
    assert_error(
        &app.post(
            Some(&squad_leader),
            &checkin,
            json!({"assignment_id": teen_assignment}),
        )
        .await,
        404,
        "not_found",
    );
    app.post_ok(&league, &checkin, json!({"assignment_id": teen_assignment}))
        .await;
    app.advance_clock_to(&rfc3339(start + time::Duration::minutes(110)))
        .await;
    let (_, code) = app.get(Some(&league), &code_path).await;
    let out = app
        .post_ok(&adult, &checkout, json!({"code": code["code"]}))
        .await;
    assert_eq!(
        (out["status"].as_str(), out["minutes"].as_u64()),
        (Some("completed"), Some(110))
    );
    let out = app
        .post_ok(
            &league,
            &checkout,
            json!({"assignment_id": teen_assignment}),
        )
        .await;
    assert_eq!(out["minutes"].as_u64(), Some(110));

    // Hours: one record, corrected by a new one; nothing edited.
    let (_, hours) = app.get(Some(&adult), "/api/v1/me/hours").await;
    assert_eq!(hours["total_minutes"], 110, "{hours}");
    let record = id(&hours["items"][0]);
    assert_eq!(hours["items"][0]["title"], "社区助老服务");
    let correct = format!("/api/v1/hours/{record}/corrections");
    for (body, field) in [
        (json!({"minutes": -5, "reason": "签到晚录"}), "minutes"),
        (json!({"minutes": 110, "reason": "签到晚录"}), "minutes"),
        (json!({"minutes": 120, "reason": " "}), "reason"),
    ] {
        let answer = app.post(Some(&league), &correct, body).await;
        assert_error(&answer, 422, "invalid");
        assert_eq!(answer.1["error"]["field"], field, "{}", answer.1);
    }
    assert_error(
        &app.post(
            Some(&adult),
            &correct,
            json!({"minutes": 600, "reason": "我多干了"}),
        )
        .await,
        404,
        "not_found",
    );
    assert_error(
        &app.post(
            Some(&squad_leader),
            &correct,
            json!({"minutes": 600, "reason": "x"}),
        )
        .await,
        404,
        "not_found",
    );
    let fixed = app
        .post_ok(
            &league,
            &correct,
            json!({"minutes": 120, "reason": "提前到岗，按排班记录"}),
        )
        .await;
    assert_eq!(fixed["corrects"], record.as_str());
    assert_error(
        &app.post(
            Some(&league),
            &correct,
            json!({"minutes": 100, "reason": "再改"}),
        )
        .await,
        409,
        "already_corrected",
    );
    let (_, hours) = app.get(Some(&adult), "/api/v1/me/hours").await;
    assert_eq!(hours["total_minutes"], 120, "{hours}");
    assert_eq!(
        hours["items"].as_array().unwrap().len(),
        2,
        "both records kept"
    );

    // A certificate of the period, verified by anyone, showing no full name.
    let empty = app
        .post(
            Some(&adult),
            "/api/v1/me/certificates",
            json!({"from": in_days(-40), "to": in_days(-30)}),
        )
        .await;
    assert_error(&empty, 422, "invalid");
    let issued = app
        .post_ok(
            &adult,
            "/api/v1/me/certificates",
            json!({"from": in_days(0), "to": in_days(3)}),
        )
        .await;
    assert_eq!(issued["total_minutes"], 120);
    let serial = issued["serial"].as_str().unwrap();
    let (s, public) = app
        .get(None, &format!("/api/v1/certificates/{serial}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{public}");
    assert_eq!(public["volunteer"]["name"], "志＊＊");
    assert!(public["volunteer"]["volunteer_no"]
        .as_str()
        .unwrap()
        .starts_with("ZY"));
    assert_eq!(
        (public["total_minutes"].as_u64(), public["valid"].as_bool()),
        (Some(120), Some(true))
    );
    assert!(
        public["issuer"].as_str().unwrap().starts_with("共青团"),
        "{public}"
    );
    assert!(!public.to_string().contains(&teen_id_number));
    // The volunteer's own list holds it, with the page it is checked on.
    let (_, mine) = app.get(Some(&adult), "/api/v1/me/certificates").await;
    assert_eq!(mine["items"][0]["serial"], serial, "{mine}");
    assert_eq!(
        mine["items"][0]["url"],
        format!("/certificates/{serial}").as_str()
    );
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");
    assert_error(
        &app.get(None, "/api/v1/certificates/ZYFW2026999999ABCD")
            .await,
        404,
        "not_found",
    );

    // The League's export: the columns the national system imports, the standing
    // minutes as hours, the ID number in the clear; from the page's API and the command.
    let period = format!("from={}&to={}", in_days(0), in_days(3));
    assert_error(
        &app.get(Some(&adult), &format!("/api/v1/hours/export?{period}"))
            .await,
        403,
        "forbidden",
    );
    let res = app
        .client
        .get(format!("{}/api/v1/hours/export?{period}", app.base))
        .bearer_auth(&league)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let sheet = read_sheet(res.bytes().await.unwrap().to_vec());
    assert_eq!(
        sheet[0][..6],
        [
            "姓名",
            "证件类型",
            "证件号码",
            "服务时长",
            "服务日期",
            "项目名称"
        ]
    );
    let row = sheet
        .iter()
        .find(|r| r[2] == id_number(25, 601))
        .unwrap_or_else(|| panic!("the adult's row in {sheet:?}"));
    assert_eq!(
        (row[1].as_str(), row[3].as_str(), row[5].as_str()),
        ("居民身份证", "2", "社区助老服务")
    );
    let teen_row = sheet.iter().find(|r| r[2] == teen_id_number).unwrap();
    assert_eq!(teen_row[0], "志愿者");
    let file = app.key_file.with_file_name("hours.xlsx");
    let out = youthloop(&app.key_file)
        .args([
            "export",
            "hours",
            "--from",
            &in_days(0),
            "--to",
            &in_days(3),
            "--out",
        ])
        .arg(&file)
        .args(["--database", &app.db.url])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(read_sheet(std::fs::read(&file).unwrap()), sheet);

    // The page its QR code leads to; and once an hour behind it is corrected, the
    // certificate says it no longer stands.
    let page = |app: &TestApp| {
        let url = format!("{}/certificates/{serial}", app.base);
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let html = page(&app).await;
    assert!(
        html.contains("志＊＊") && html.contains("此证明真实有效"),
        "{html}"
    );
    assert!(html.contains("2小时"), "{html}");
    let latest = id(&fixed);
    app.post_ok(
        &league,
        &format!("/api/v1/hours/{latest}/corrections"),
        json!({"minutes": 90, "reason": "核对签到表后更正"}),
    )
    .await;
    let (_, public) = app
        .get(None, &format!("/api/v1/certificates/{serial}"))
        .await;
    assert_eq!(public["valid"], false, "{public}");
    assert!(page(&app).await.contains("此证明已失效"));
}

/// The first sheet of a workbook, every cell as text.
fn read_sheet(bytes: Vec<u8>) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("an xlsx file");
    let range = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    range
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect()
}

async fn a_roster_is_proposed_published_accepted_and_declined(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let community = app.scope_of(&app.sign_in(OFFICER).await).await;
    let task = id(&app
        .post_ok(
            &league,
            "/api/v1/tasks",
            json!({"title": "文明交通劝导", "area": "volunteering", "region_id": community,
                "venue": "青禾路口"}),
        )
        .await);
    let shift_path = format!("/api/v1/tasks/{task}/shifts");
    let mut shifts = Vec::new();
    // At dawn, when none of the demo's 4,000 volunteers gives time: only this test's
    // people can fill these places, so what the roster does with them is certain.
    for (from, to) in [((5, 30), (6, 30)), ((6, 30), (7, 30))] {
        shifts.push(id(&app
            .post_ok(
                &league,
                &shift_path,
                json!({"starts_at": beijing(5, from.0, from.1), "ends_at": beijing(5, to.0, to.1),
                    "needed": 20, "skills": []}),
            )
            .await));
    }
    let adult = volunteer(&app, "13766663001", 25, 701, &community).await;
    let (_, profile) = app.get(Some(&adult), "/api/v1/me/volunteer").await;
    let adult_no = profile["volunteer_no"].as_str().unwrap().to_owned();
    // Fourteen without a guardian's consent: in no roster.
    let young = volunteer(&app, "13766663002", 14, 702, &community).await;
    let (_, profile) = app.get(Some(&young), "/api/v1/me/volunteer").await;
    let young_no = profile["volunteer_no"].as_str().unwrap().to_owned();

    let window = json!({"from": in_days(4), "to": in_days(6)});
    assert_error(
        &app.post(Some(&adult), "/api/v1/rosters", window.clone())
            .await,
        403,
        "forbidden",
    );
    assert_error(
        &app.post(
            Some(&league),
            "/api/v1/rosters",
            json!({"from": in_days(6), "to": in_days(4)}),
        )
        .await,
        422,
        "invalid",
    );
    let ours = |a: &Value| shifts.iter().any(|s| a["shift_id"] == s.as_str());
    let roster = app
        .post_ok(&league, "/api/v1/rosters", window.clone())
        .await;
    assert_eq!(roster["status"], "proposed");
    assert_eq!(roster["proven_optimal"], true, "{roster}");
    let proposed: Vec<&Value> = roster["assignments"].as_array().unwrap().iter().collect();
    let mine: Vec<&&Value> = proposed
        .iter()
        .filter(|a| a["volunteer_no"] == adult_no.as_str() && ours(a))
        .collect();
    assert_eq!(mine.len(), 2, "the adult on both shifts: {roster}");
    assert!(
        proposed
            .iter()
            .all(|a| a["volunteer_no"] != young_no.as_str()),
        "a 14-year-old without consent is in no roster: {roster}"
    );
    assert!(proposed.iter().all(|a| a["status"] == "proposed"));
    // Nothing is binding before publishing: the volunteer sees no invitation.
    let (_, before) = app.get(Some(&adult), "/api/v1/me/assignments").await;
    assert!(before["items"].as_array().unwrap().is_empty(), "{before}");

    let published = app
        .post_ok(
            &league,
            &format!("/api/v1/rosters/{}/publish", id(&roster)),
            json!({}),
        )
        .await;
    assert_eq!(published["status"], "published");
    assert_eq!(published["invited"].as_u64(), Some(proposed.len() as u64));
    assert_error(
        &app.post(
            Some(&league),
            &format!("/api/v1/rosters/{}/publish", id(&roster)),
            json!({}),
        )
        .await,
        409,
        "invalid_transition",
    );
    let (_, invited) = app.get(Some(&adult), "/api/v1/me/assignments").await;
    // The demo's own open shifts fall in the window too: only this task's count here.
    let invited: Vec<Value> = invited["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| ours(a))
        .cloned()
        .collect();
    assert_eq!(invited.len(), 2);
    assert!(invited.iter().all(|a| a["status"] == "invited"));
    let (first, second) = (id(&invited[0]), id(&invited[1]));
    // Only the volunteer answers their invitation.
    assert_error(
        &app.post(
            Some(&league),
            &format!("/api/v1/assignments/{first}/accept"),
            json!({}),
        )
        .await,
        403,
        "forbidden",
    );
    assert_error(
        &app.post(
            Some(&young),
            &format!("/api/v1/assignments/{first}/accept"),
            json!({}),
        )
        .await,
        404,
        "not_found",
    );
    let accepted = app
        .post_ok(
            &adult,
            &format!("/api/v1/assignments/{first}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(accepted["status"], "assigned");
    let declined = app
        .post_ok(
            &adult,
            &format!("/api/v1/assignments/{second}/decline"),
            json!({"reason": "那天要加班"}),
        )
        .await;
    assert_eq!(declined["status"], "declined");
    assert_error(
        &app.post(
            Some(&adult),
            &format!("/api/v1/assignments/{second}/accept"),
            json!({}),
        )
        .await,
        409,
        "invalid_transition",
    );

    // A new proposal keeps the accepted place and never proposes the declined one again.
    let again = app.post_ok(&league, "/api/v1/rosters", window).await;
    assert!(
        again["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| !ours(a) || a["volunteer_no"] != adult_no.as_str()),
        "{again}"
    );
    let (_, listed) = app
        .get(Some(&league), &format!("/api/v1/shifts?task={task}"))
        .await;
    let held: u64 = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["assigned"].as_u64().unwrap())
        .sum();
    assert!(held >= 1, "the accepted place holds: {listed}");
}

crate::on_every_engine!(
    a_shift_is_served_recorded_certified_and_verified,
    a_roster_is_proposed_published_accepted_and_declined
);
