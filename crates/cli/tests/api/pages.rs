//! The pages over plain HTTP: every page of every role in both languages with no text
//! key left untranslated; and the trust rules where people read: hostile text comes back
//! escaped, no page shows a full ID number or phone number, a form without its token
//! changes nothing, and each role reaches only its own pages.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const HOSTILE: &str = "<script>alert('x')</script><!--";

impl TestApp {
    /// A page as `token`'s holder sees it, in `lang` (`zh` or `en`).
    async fn page(&self, token: Option<&str>, path: &str, lang: &str) -> (StatusCode, String) {
        let cookie = format!("youthloop_lang={lang}");
        let (status, body) = self
            .request_with(Method::GET, token, path, None, &[("cookie", &cookie)])
            .await;
        match body {
            Value::String(html) => (status, html),
            other => panic!("{path} answered JSON, not a page: {other}"),
        }
    }
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

async fn every_page_in_both_languages_escaped_and_masked(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let org = app.sign_in(ORG_ADMIN).await;
    let officer = app.sign_in(OFFICER).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let youth = app.sign_in(YOUTH).await;
    let worker = app.sign_in(SOCIAL_WORKER).await;
    let volunteer = app.sign_in(VOLUNTEER).await;
    let org_id = app.scope_of(&org).await;

    // Hostile text wherever someone may type it and a page shows it.
    let (s, round) = app
        .post(Some(&league), "/api/v1/rounds",
            json!({"title": format!("批次{HOSTILE}"), "budget_fen": 1_000_000, "opens_at": in_hours(-1), "closes_at": in_hours(24 * 30)}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{round}");
    let round_id = id_of(&round);
    let (s, child) = app
        .post(
            Some(&guardian),
            "/api/v1/children",
            json!({"name": format!("小{HOSTILE}"), "id_number": id_number(9, 77), "consent": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{child}");
    let child_id = id_of(&child);
    let (_, menu) = app.get(Some(&officer), "/api/v1/menu").await;
    let project_id = menu["items"][0]["project_id"]
        .as_str()
        .expect("a menu item")
        .to_owned();
    let community_id = app.scope_of(&officer).await;
    let (s, order) = app
        .post(Some(&officer), "/api/v1/orders",
            json!({"project_id": project_id, "community_id": community_id, "sessions": 1,
                   "window_start": in_days(30), "window_end": in_days(60),
                   "venue": format!("会议室{HOSTILE}"), "expected_participants": 10, "notes": HOSTILE}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{order}");
    let order_id = id_of(&order);
    let (s, activity) = app
        .post(Some(&org), "/api/v1/activities",
            json!({"title": format!("活动{HOSTILE}"), "description": HOSTILE, "starts_at": in_hours(48), "ends_at": in_hours(50),
                   "venue": "活动室", "capacity": 10, "min_age": 6, "max_age": 14,
                   "registration_opens_at": in_hours(-1), "registration_closes_at": in_hours(24)}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{activity}");
    let activity_id = id_of(&activity);
    let (s, _) = app
        .post(
            Some(&org),
            &format!("/api/v1/activities/{activity_id}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            Some(&guardian),
            &format!("/api/v1/activities/{activity_id}/registrations"),
            json!({"participant_id": child_id}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let supervisor_id = id_of(&app.get(Some(&org), "/api/v1/me").await.1);
    let (s, case) = app
        .post(Some(&worker), "/api/v1/cases",
            json!({"subject_name": format!("张{HOSTILE}"), "subject_birth_date": "2013-04-01", "category": "bullying",
                   "supervisor_id": supervisor_id,
                   "consent": {"guardian_name": "张母", "relation": "母亲", "scope": "个案服务", "given": true}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let case_id = id_of(&case);

    // What no page may show in full: the guardian's children's ID numbers, every phone.
    let (_, export) = app.get(Some(&guardian), "/api/v1/me/export").await;
    let mut secrets: Vec<String> = export["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|p| p["id_number"].as_str().expect("id number").to_owned())
        .collect();
    assert!(secrets.len() >= 3, "{export}");
    secrets.extend((1..=8).map(|n| format!("1380000000{n}")));

    let public = [
        "/".to_owned(),
        "/menu".to_owned(),
        format!("/activities/{activity_id}"),
        format!("/organizations/{org_id}"),
        "/signin".to_owned(),
        "/signup".to_owned(),
    ];
    let by_role: Vec<(&str, Vec<String>)> = vec![
        (
            "guardian",
            vec![
                "/me".into(),
                format!("/activities/{activity_id}"),
                format!("/activities/{activity_id}/checkin"),
                format!("/participants/{child_id}/badges"),
            ],
        ),
        (
            "youth",
            vec!["/me".into(), format!("/activities/{activity_id}")],
        ),
        (
            "officer",
            vec![
                "/community".into(),
                "/menu".into(),
                format!("/orders/new?project={project_id}"),
                format!("/orders/{order_id}"),
            ],
        ),
        (
            "org",
            vec![
                "/org".into(),
                format!("/rounds/{round_id}/propose"),
                "/org/activities/new".into(),
                format!("/org/activities/new?order={order_id}"),
                format!("/org/activities/{activity_id}"),
                format!("/org/activities/{activity_id}/screen"),
                format!("/activities/{activity_id}"),
                format!("/orders/{order_id}"),
                "/cases".into(),
                format!("/cases/{case_id}"),
            ],
        ),
        (
            "league",
            vec![
                "/league".into(),
                format!("/league/rounds/{round_id}"),
                "/league/dispatch".into(),
                "/league/dashboard".into(),
                "/league/cases".into(),
                "/league/audit".into(),
                format!("/orders/{order_id}"),
            ],
        ),
        ("worker", vec!["/cases".into(), format!("/cases/{case_id}")]),
        ("volunteer", vec!["/me".into()]),
    ];
    let token_of = |role: &str| match role {
        "guardian" => guardian.as_str(),
        "youth" => youth.as_str(),
        "officer" => officer.as_str(),
        "org" => org.as_str(),
        "league" => league.as_str(),
        "volunteer" => volunteer.as_str(),
        _ => worker.as_str(),
    };
    let mut visits: Vec<(Option<&str>, String)> =
        public.iter().map(|p| (None, p.clone())).collect();
    for (role, paths) in &by_role {
        visits.extend(paths.iter().map(|p| (Some(token_of(role)), p.clone())));
    }
    let mut escaped_seen = 0;
    for (token, path) in &visits {
        for (lang, tag, home) in [("zh", "zh-CN", "首页"), ("en", "en", "Home")] {
            let (status, html) = app.page(*token, path, lang).await;
            let at = format!("{path} in {lang}");
            assert_eq!(status, StatusCode::OK, "{at}: {html}");
            assert!(html.contains(&format!("<html lang=\"{tag}\">")), "{at}");
            assert!(html.contains(home), "{at} is not in its language");
            assert!(
                !html.contains("Unknown localization"),
                "{at} has an untranslated key"
            );
            assert!(!html.contains("<script"), "{at} carries a script");
            assert!(!html.contains("<!--"), "{at} lets a comment through");
            // askama writes `<` as `&#60;`; either spelling is escaped.
            escaped_seen +=
                html.matches("&#60;script&#62;").count() + html.matches("&lt;script&gt;").count();
            for secret in &secrets {
                assert!(
                    !html.contains(secret.as_str()),
                    "{at} shows {secret} in full"
                );
            }
        }
    }
    assert!(
        escaped_seen >= 10,
        "hostile text reached only {escaped_seen} pages"
    );
}

async fn forms_need_their_token_and_roles_their_own_pages(engine: Engine) {
    let app = spawn_app(engine).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let officer = app.sign_in(OFFICER).await;
    let children = |body: Value| body["items"].as_array().map_or(0, Vec::len);
    let before = children(app.get(Some(&guardian), "/api/v1/children").await.1);

    // A form posted without the token, with a wrong one, or from another site changes nothing.
    let form = format!("name=x&id_number={}&consent=yes", id_number(9, 5));
    let attempts = [
        (form.clone(), "youthloop_csrf=abc".to_owned(), None),
        (
            format!("{form}&_csrf=abd"),
            "youthloop_csrf=abc".to_owned(),
            None,
        ),
        (format!("{form}&_csrf=abc"), String::new(), None),
        (
            format!("{form}&_csrf=abc"),
            "youthloop_csrf=abc".to_owned(),
            Some("https://evil.example"),
        ),
    ];
    for (body, cookie, origin) in attempts {
        let mut req = app
            .client
            .post(format!("{}/children", app.base))
            .bearer_auth(&guardian)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if !cookie.is_empty() {
            req = req.header("cookie", cookie);
        }
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        let res = req.send().await.expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let html = res.text().await.expect("body");
        assert!(html.contains("表单已过期"), "{html}");
    }
    // The form cookie alone is not the token once signed in: the token is bound to the
    // session, so one planted or read before sign-in does not work after it.
    let post = |token: String| {
        app.client
            .post(format!("{}/children", app.base))
            .bearer_auth(&guardian)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", "youthloop_csrf=abc")
            .header("origin", &app.base)
            .body(format!("{form}&_csrf={token}"))
            .send()
    };
    let unbound = post("abc".to_owned()).await.expect("post");
    assert_eq!(unbound.status(), StatusCode::FORBIDDEN);
    // With the token the same form works: the refusals above were for the token alone.
    let session = youthloop_server::auth::token_hash(&guardian);
    let bound = youthloop_server::auth::form_token("abc", Some(&session));
    let res = post(bound).await.expect("post");
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        children(app.get(Some(&guardian), "/api/v1/children").await.1),
        before + 1
    );

    // The JSON API too: a change made with the session cookie must come from this site;
    // a bearer token is not sent by a browser on its own, so it needs no such check.
    let cookie = format!("youthloop_session={guardian}");
    let child = json!({"name": "y", "id_number": id_number(10, 6), "consent": true});
    let (status, body) = app
        .request_with(
            Method::POST,
            None,
            "/api/v1/children",
            Some(child.clone()),
            &[("cookie", &cookie), ("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (403, Some("cross_site"))
    );
    let (status, _) = app
        .request_with(
            Method::POST,
            None,
            "/api/v1/children",
            Some(child),
            &[("cookie", &cookie), ("origin", &app.base)],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let after = children(app.get(Some(&guardian), "/api/v1/children").await.1);
    assert_eq!(after, before + 2);

    // Each role reaches its own pages only; a visitor is sent to sign in.
    for (token, path) in [
        (&guardian, "/league"),
        (&guardian, "/org"),
        (&guardian, "/cases"),
        (&officer, "/me"),
        (&officer, "/cases"),
        (&officer, "/league/dashboard"),
        (&guardian, "/league/cases"),
        (&officer, "/league/audit"),
    ] {
        let (status, html) = app.page(Some(token), path, "zh").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {html}");
        assert!(html.contains("无权"), "{path}");
    }
    let (status, html) = app.page(None, "/me", "zh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("action=\"/signin\"") && html.contains("value=\"/me\""),
        "{html}"
    );
    let (status, html) = app
        .request_with(
            Method::DELETE,
            None,
            "/me",
            None,
            &[("cookie", "youthloop_lang=en")],
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(format!("{html}").contains("Not allowed here"), "{html}");
    let (status, html) = app.page(None, "/no/such/page", "en").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"), "{html}");
}

impl TestApp {
    /// Posts a page's form as the browser would (the form token bound to the session),
    /// follows the redirect, and answers the page it lands on.
    async fn submit(&self, token: &str, action: &str, form: &str) -> (StatusCode, String) {
        let session = youthloop_server::auth::token_hash(token);
        let csrf = youthloop_server::auth::form_token("abc", Some(&session));
        let res = self
            .client
            .post(format!("{}{action}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", "youthloop_csrf=abc; youthloop_lang=zh")
            .header("origin", &self.base)
            .body(format!("{form}&_csrf={csrf}"))
            .send()
            .await
            .expect("post");
        (res.status(), res.text().await.expect("body"))
    }
}

async fn a_full_activity_says_waitlist_before_and_after_joining(engine: Engine) {
    let app = spawn_app(engine).await;
    let flood = flood_setup(&app, 1, 2, 3).await;
    let page = format!("/activities/{}", flood.activity_id);
    let register = format!("{page}/register");

    let (_, html) = app.page(Some(&flood.guardian), &page, "zh").await;
    assert!(html.contains("报名中，剩余 1 个名额"), "{html}");
    // Whom to ask, and where: the organizer's telephone dials, the venue opens a map.
    assert!(
        html.contains("咨询电话</strong> <a href=\"tel:099961000000\">0999-61000000</a>"),
        "{html}"
    );
    assert!(
        html.contains("https://uri.amap.com/search?keyword="),
        "{html}"
    );
    let (s, html) = app
        .submit(
            &flood.guardian,
            &register,
            &format!("participant_id={}", flood.children[0]),
        )
        .await;
    assert!(s.is_success(), "{s}");
    assert!(html.contains("报名成功"), "{html}");

    // Full now: the page offers the waitlist, in words and on the button.
    assert!(
        html.contains("名额已满，可排队候补（已有 0 人候补）"),
        "{html}"
    );
    assert!(
        !html.contains("报名中"),
        "a full activity is not simply open: {html}"
    );
    assert!(html.contains(">排队候补</button>"), "{html}");
    let (s, html) = app
        .submit(
            &flood.guardian,
            &register,
            &format!("participant_id={}", flood.children[1]),
        )
        .await;
    assert!(s.is_success(), "{s}");
    assert!(
        !html.contains("报名成功"),
        "a place in line is not a seat: {html}"
    );
    assert!(html.contains("notice wait"), "{html}");
    assert!(html.contains("已进入候补名单"), "{html}");
    assert!(html.contains("候补第 1 位"), "{html}");

    // The same in English.
    let (_, html) = app.page(Some(&flood.guardian), &page, "en").await;
    assert!(
        html.contains("Full: you can join the waitlist (waiting: 1)"),
        "{html}"
    );
}

async fn a_refused_form_names_its_field_in_the_summary(engine: Engine) {
    let app = spawn_app(engine).await;
    let guardian = app.sign_in(GUARDIAN).await;
    let form = format!("name=&id_number={}&consent=yes", id_number(9, 77));
    let (s, html) = app.submit(&guardian, "/children", &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let summary = html.split("class=\"problem\"").nth(1).expect("a summary");
    let summary = summary.split("</div>").next().unwrap_or_default();
    assert!(summary.contains("href=\"#f-name\">姓名："), "{summary}");
}

async fn a_refusal_keeps_the_signed_in_header(engine: Engine) {
    let app = spawn_app(engine).await;
    let evaluator = app.sign_in(EVALUATOR).await;
    for path in ["/cases", "/no/such/page"] {
        let (s, html) = app.page(Some(&evaluator), path, "zh").await;
        assert!(
            s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
            "{path}: {s}"
        );
        assert!(
            html.contains(">退出<"),
            "{path}: signed in, so sign-out is offered: {html}"
        );
        assert!(!html.contains(">登录<"), "{path}: {html}");
        assert!(!html.contains("HTTP 4"), "{path}: {html}");
    }
}

async fn the_league_reads_case_counts_and_the_audit_trail(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let (s, html) = app.page(Some(&league), "/league/cases", "zh").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("全区共有个案 3 件"),
        "the demo's caseload: {html}"
    );
    for subject in ["林小禾", "林**", "周一鸣", "陈思远"] {
        assert!(
            !html.contains(subject),
            "counts only, never whose: {subject}"
        );
    }
    let (s, html) = app.page(Some(&league), "/league/audit", "zh").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("第 1 条"), "{html}");
    assert!(html.contains("新建区"), "actions in words: {html}");
    let evaluator = app.sign_in(EVALUATOR).await;
    let (s, _) = app.page(Some(&evaluator), "/league/cases", "en").await;
    assert_eq!(s, StatusCode::OK);
}

async fn the_menu_finds_by_words_area_age_and_organization(engine: Engine) {
    let app = spawn_app(engine).await;
    let titles = |html: &str| -> Vec<String> {
        html.split("<h3>")
            .skip(1)
            .filter_map(|rest| rest.split("</h3>").next().map(str::to_owned))
            .collect()
    };
    let (_, all) = app.page(None, "/menu", "zh").await;
    let all = titles(&all);
    assert!(all.len() > 5, "{all:?}");
    let (_, html) = app.page(None, "/menu?q=%E6%B3%95%E5%BA%AD", "zh").await; // 法庭
    let found = titles(&html);
    assert!(!found.is_empty() && found.len() < all.len(), "{found:?}");
    assert!(found.iter().all(|t| t.contains("法庭")), "{found:?}");
    let (_, html) = app.page(None, "/menu?area=safety&age=16", "zh").await;
    assert!(titles(&html).len() < all.len());
    for card in html.split("<h3>").skip(1) {
        assert!(card.contains("安全自护"), "{card}");
    }
    let (_, html) = app
        .page(None, "/menu?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA", "zh")
        .await;
    assert!(titles(&html).is_empty());

    // What the League pays is for those who buy and order, not for families.
    let guardian = app.sign_in(GUARDIAN).await;
    for token in [None, Some(guardian.as_str())] {
        let (_, html) = app.page(token, "/menu", "zh").await;
        assert!(!html.contains("每场"), "{html}");
        let (_, html) = app.page(token, "/", "zh").await;
        assert!(!html.contains("每场") && !html.contains('¥'), "{html}");
    }
    let officer = app.sign_in(OFFICER).await;
    let (_, html) = app.page(Some(&officer), "/menu", "zh").await;
    assert!(html.contains("每场"), "{html}");
}

async fn the_dashboard_adds_up(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let (_, html) = app.page(Some(&league), "/league/dashboard", "zh").await;
    let tile = html
        .split("已举办和即将举办的活动<b>")
        .nth(1)
        .and_then(|rest| rest.split("</b>").next())
        .and_then(|n| n.parse::<u32>().ok())
        .expect("the activities tile");
    // The per-area chart is the dashboard's second: each bar's value follows its rect.
    let chart = html.split("<figure").nth(2).expect("the per-area chart");
    let bars: u32 = chart
        .split("</rect>")
        .skip(1)
        .filter_map(|rest| {
            rest.split('>')
                .nth(1)?
                .split('<')
                .next()?
                .parse::<u32>()
                .ok()
        })
        .sum();
    assert!(tile > 0);
    assert_eq!(bars, tile, "the bars add up to the tile");
}

async fn a_registration_goes_into_the_phones_calendar(engine: Engine) {
    let app = spawn_app(engine).await;
    let flood = flood_setup(&app, 2, 0, 1).await;
    let (s, registered) = app
        .post(
            Some(&flood.guardian),
            &format!("/api/v1/activities/{}/registrations", flood.activity_id),
            json!({"participant_id": flood.children[0]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{registered}");
    let id = id_of(&registered);
    let (_, me) = app.page(Some(&flood.guardian), "/me", "zh").await;
    let link = format!("/registrations/{id}/calendar.ics");
    assert!(me.contains(&link), "{me}");
    assert!(me.contains("加入日历"), "{me}");

    let res = app
        .client
        .get(format!("{}{link}", app.base))
        .bearer_auth(&flood.guardian)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    let kind = res.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(kind.starts_with("text/calendar"), "{kind}");
    let ics = res.text().await.expect("body");
    assert!(ics.contains("BEGIN:VEVENT\r\n"), "{ics}");
    assert!(ics.contains("SUMMARY:热门活动（孩子0）\r\n"), "{ics}");
    assert!(ics.contains("LOCATION:大礼堂\r\n"), "{ics}");

    // Only the family's own.
    let youth = app.sign_in(YOUTH).await;
    let (s, _) = app.page(Some(&youth), &link, "zh").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

crate::on_every_engine!(
    the_menu_finds_by_words_area_age_and_organization,
    the_league_reads_case_counts_and_the_audit_trail,
    a_registration_goes_into_the_phones_calendar,
    the_dashboard_adds_up,
    a_refusal_keeps_the_signed_in_header,
    every_page_in_both_languages_escaped_and_masked,
    forms_need_their_token_and_roles_their_own_pages,
    a_full_activity_says_waitlist_before_and_after_joining,
    a_refused_form_names_its_field_in_the_summary,
);
