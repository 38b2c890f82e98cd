//! Volunteers: a volunteer's own profile, the League's teams and squads, and leaders
//! who reach only their own squads.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn a_volunteer_keeps_a_profile_with_a_number_and_bad_input_changes_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let community = app.scope_of(&app.sign_in(OFFICER).await).await;
    let sign_up = |phone: &'static str, age: i32, serial: u32| {
        let app = &app;
        let body = json!({"phone": phone, "password": "river-stone-42", "name": "志愿者",
            "role": "volunteer", "id_number": id_number(age, serial)});
        async move { app.post(None, "/api/v1/accounts", body).await }
    };
    // Under 14 nobody volunteers: refused at sign-up, with nothing made.
    assert_error(&sign_up("13766661000", 13, 401).await, 422, "age");
    let no_account = json!({"phone": "13766661000", "password": "river-stone-42"});
    assert_error(
        &app.post(None, "/api/v1/session", no_account).await,
        401,
        "invalid_credentials",
    );
    assert_eq!(sign_up("13766661001", 25, 402).await.0, StatusCode::CREATED);
    let volunteer = app.sign_in_with("13766661001", "river-stone-42").await;
    assert_error(
        &app.get(Some(&volunteer), "/api/v1/me/volunteer").await,
        404,
        "not_found",
    );

    let profile = json!({"skills": ["first_aid", "teaching"],
        "availability": [{"weekday": 6, "from": "08:30", "to": "12:00"}, {"weekday": 3, "from": "18:30", "to": "21:00"}],
        "home_region_id": community, "max_minutes_per_week": 480});
    let (s, saved) = app
        .request(
            Method::PUT,
            Some(&volunteer),
            "/api/v1/me/volunteer",
            Some(profile.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    let number = saved["volunteer_no"].as_str().unwrap().to_owned();
    assert!(number.starts_with("ZY"), "{number}");
    assert_eq!(
        saved["availability"][0],
        json!({"weekday": 6, "from": "08:30", "to": "12:00"})
    );
    assert_eq!(saved["consent_live"], true, "an adult needs no consent");

    // Bad input: a clear error on the field, and the profile as it was.
    for (change, field) in [
        (json!({"skills": ["juggling"]}), "skills"),
        (
            json!({"availability": [{"weekday": 8, "from": "08:00", "to": "09:00"}]}),
            "availability",
        ),
        (
            json!({"availability": [{"weekday": 1, "from": "10:00", "to": "09:00"}]}),
            "availability",
        ),
        (json!({"max_minutes_per_week": -60}), "max_minutes_per_week"),
        (
            json!({"home_region_id": "00000000-0000-0000-0000-000000000000"}),
            "home_region_id",
        ),
    ] {
        let mut body = profile.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let answer = app
            .request(
                Method::PUT,
                Some(&volunteer),
                "/api/v1/me/volunteer",
                Some(body),
            )
            .await;
        assert_error(&answer, 422, "invalid");
        assert_eq!(answer.1["error"]["field"], field, "{}", answer.1);
    }
    // Sending back what was read is accepted, and keeps the number.
    let mut again = saved.clone();
    again["max_minutes_per_week"] = json!(240);
    let (s, after) = app
        .request(
            Method::PUT,
            Some(&volunteer),
            "/api/v1/me/volunteer",
            Some(again),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{after}");
    assert_eq!(after["volunteer_no"], number.as_str());
    assert_eq!(after["max_minutes_per_week"], 240);
    assert_eq!(after["skills"], json!(["first_aid", "teaching"]));

    // The demo volunteer already has a number of their own.
    let demo = app.sign_in(VOLUNTEER).await;
    let (_, theirs) = app.get(Some(&demo), "/api/v1/me/volunteer").await;
    assert_ne!(theirs["volunteer_no"], number.as_str(), "{theirs}");

    // From 14 to 17 a profile may be kept, but serving waits for a guardian's consent.
    assert_eq!(sign_up("13766661002", 16, 403).await.0, StatusCode::CREATED);
    let teen = app.sign_in_with("13766661002", "river-stone-42").await;
    let (s, young) = app
        .request(
            Method::PUT,
            Some(&teen),
            "/api/v1/me/volunteer",
            Some(profile.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{young}");
    assert_eq!(young["consent_live"], false);

    // Only volunteers have a volunteer profile.
    let guardian = app.sign_in(GUARDIAN).await;
    assert_error(
        &app.request(
            Method::PUT,
            Some(&guardian),
            "/api/v1/me/volunteer",
            Some(profile),
        )
        .await,
        403,
        "forbidden",
    );
}

async fn teams_and_squads_are_led_and_a_leader_reaches_only_their_own(engine: Engine) {
    let app = spawn_app(engine).await;
    let league = app.sign_in(LEAGUE).await;
    let volunteer = app.sign_in(VOLUNTEER).await;
    let leader = app.sign_in(GUARDIAN).await;
    let community = app.scope_of(&app.sign_in(OFFICER).await).await;
    let me = |token: String| {
        let app = &app;
        async move { id(&app.get(Some(&token), "/api/v1/me").await.1) }
    };
    let leader_id = me(leader.clone()).await;
    let volunteer_id = me(volunteer.clone()).await;

    // The demo volunteer serves in the squad the ninth demo account leads; its leader
    // takes them out, so that they may join another.
    let demo_leader = app.sign_in(SQUAD_LEADER).await;
    let (_, roles) = app.get(Some(&demo_leader), "/api/v1/me").await;
    let demo_squad = roles["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["role"] == "squad_leader")
        .map(|g| g["scope_id"].as_str().unwrap().to_owned())
        .expect("the ninth demo account leads a squad");
    let members_of_demo_squad = || {
        let (app, demo_leader, demo_squad) = (&app, &demo_leader, &demo_squad);
        async move {
            let (_, squads) = app.get(Some(demo_leader), "/api/v1/squads").await;
            let listed = squads["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| id(s) == *demo_squad)
                .cloned()
                .unwrap();
            listed["member_count"].as_i64().unwrap()
        }
    };
    let before = members_of_demo_squad().await;
    assert!(
        before >= 2,
        "the volunteer and their leader, and others: {before}"
    );
    let out = format!("/api/v1/squads/{demo_squad}/members/{volunteer_id}");
    assert_error(
        &app.request(Method::DELETE, Some(&leader), &out, None).await,
        404,
        "not_found",
    );
    assert_eq!(
        members_of_demo_squad().await,
        before,
        "a refusal changes nothing"
    );
    assert_eq!(
        app.request(Method::DELETE, Some(&demo_leader), &out, None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(members_of_demo_squad().await, before - 1);

    // Only the League makes teams; a leader must be a user of the district.
    assert_error(
        &app.post(
            Some(&leader),
            "/api/v1/teams",
            json!({"name": "第一突击队"}),
        )
        .await,
        403,
        "forbidden",
    );
    let bad_leader = app
        .post(
            Some(&league),
            "/api/v1/teams",
            json!({"name": "队", "leader_id": "00000000-0000-0000-0000-000000000000"}),
        )
        .await;
    assert_error(&bad_leader, 422, "invalid");
    assert_error(
        &app.post(Some(&league), "/api/v1/teams", json!({"name": "  "}))
            .await,
        422,
        "invalid",
    );
    let (s, team) = app
        .post(
            Some(&league),
            "/api/v1/teams",
            json!({"name": "第一突击队"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{team}");
    let team = id(&team);
    let squad = |leader: Option<&str>| {
        let (app, league, team, community) = (&app, &league, &team, &community);
        let body = json!({"name": "小分队", "region_id": community, "leader_id": leader});
        async move {
            let (s, squad) = app
                .post(Some(league), &format!("/api/v1/teams/{team}/squads"), body)
                .await;
            assert_eq!(s, StatusCode::CREATED, "{squad}");
            id(&squad)
        }
    };
    let mine = squad(Some(&leader_id)).await;
    let other = squad(None).await;

    // The squad's leader adds and removes members of their squad only; to them the
    // other squad does not exist.
    let add = |token: &str, squad: &str| {
        let (app, token, squad, body) = (
            &app,
            token.to_owned(),
            squad.to_owned(),
            json!({"volunteer_id": volunteer_id}),
        );
        async move {
            app.post(
                Some(&token),
                &format!("/api/v1/squads/{squad}/members"),
                body,
            )
            .await
        }
    };
    assert_error(&add(&leader, &other).await, 404, "not_found");
    assert_eq!(add(&leader, &mine).await.0, StatusCode::CREATED);
    assert_error(&add(&league, &other).await, 409, "already_in_a_squad");
    let (_, squads) = app
        .get(Some(&leader), &format!("/api/v1/squads?team={team}"))
        .await;
    let counts: Vec<(String, i64)> = squads["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (id(s), s["member_count"].as_i64().unwrap()))
        .collect();
    assert!(
        counts.contains(&(mine.clone(), 1)) && counts.contains(&(other.clone(), 0)),
        "{counts:?}"
    );
    let (_, teams) = app.get(Some(&league), "/api/v1/teams").await;
    let listed = teams["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| id(t) == team)
        .unwrap();
    assert_eq!(listed["member_count"], 1);

    // Neither a volunteer nor anyone who leads nothing reads the lists.
    assert_error(
        &app.get(Some(&volunteer), "/api/v1/teams").await,
        403,
        "forbidden",
    );
    let remove = |token: &str, squad: &str| {
        let (app, token, path) = (
            &app,
            token.to_owned(),
            format!("/api/v1/squads/{squad}/members/{volunteer_id}"),
        );
        async move { app.request(Method::DELETE, Some(&token), &path, None).await }
    };
    assert_error(&remove(&leader, &other).await, 404, "not_found");
    assert_eq!(remove(&leader, &mine).await.0, StatusCode::NO_CONTENT);
    assert_error(&remove(&leader, &mine).await, 404, "not_found");
}

crate::on_every_engine!(
    a_volunteer_keeps_a_profile_with_a_number_and_bad_input_changes_nothing,
    teams_and_squads_are_led_and_a_leader_reaches_only_their_own
);
