//! The role-and-scope matrix: every route, every role; and records of another district
//! or community answer 404.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const PERSONAS: [(&str, &str); 9] = [
    ("league_admin", LEAGUE),
    ("org_admin", ORG_ADMIN),
    ("community_officer", OFFICER),
    ("guardian", GUARDIAN),
    ("youth", YOUTH),
    ("volunteer", VOLUNTEER),
    ("social_worker", SOCIAL_WORKER),
    ("evaluator", EVALUATOR),
    ("squad_leader", SQUAD_LEADER),
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
    "squad_leader",
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
    "squad_leader",
];

struct Route {
    method: Method,
    path: String,
    body: Option<Value>,
    allowed: &'static [&'static str],
    /// Where an allowed persona acts when it needs a target of its own (a second
    /// cancel needs a second order).
    own: HashMap<&'static str, (String, Option<Value>)>,
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
        own: HashMap::new(),
    }
}

impl Route {
    fn own(mut self, persona: &'static str, path: String, body: Option<Value>) -> Self {
        self.own.insert(persona, (path, body));
        self
    }
}

/// The personas, signed in, each from an address of its own (as behind the proxy the
/// server trusts), so that per-address limits count each alone.
struct Personas {
    tokens: HashMap<&'static str, String>,
}

impl Personas {
    fn token(&self, persona: &str) -> Option<&str> {
        self.tokens.get(persona).map(String::as_str)
    }

    fn address(persona: &str) -> String {
        let n = EVERYONE.iter().position(|p| *p == persona).unwrap_or(0);
        format!("192.0.2.{}", n + 1)
    }

    async fn call(
        &self,
        app: &TestApp,
        persona: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let address = Self::address(persona);
        app.request_with(
            method,
            self.token(persona),
            path,
            body,
            &[("x-forwarded-for", &address)],
        )
        .await
    }

    /// A call that must succeed: a fixture's step.
    async fn ok(
        &self,
        app: &TestApp,
        persona: &str,
        method: Method,
        path: &str,
        body: Value,
    ) -> Value {
        let (status, answer) = self.call(app, persona, method, path, Some(body)).await;
        assert!(
            status.is_success(),
            "{path} as {persona}: {status} {answer}"
        );
        answer
    }

    async fn post(&self, app: &TestApp, persona: &str, path: &str, body: Value) -> Value {
        self.ok(app, persona, Method::POST, path, body).await
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// Targets made for the matrix: each allowed call finds what it needs in the state it
/// needs, so that an allowed call must succeed.
struct Fixtures<'a> {
    app: &'a TestApp,
    who: &'a Personas,
    community: String,
    org: String,
}

impl Fixtures<'_> {
    /// A round as the League makes it, moved on by `steps`.
    async fn round(&self, steps: &[&str]) -> String {
        let round = self
            .who
            .post(
                self.app,
                "league_admin",
                "/api/v1/rounds",
                json!({"title": "矩阵批次", "budget_fen": 1_000_000, "opens_at": in_hours(0), "closes_at": in_hours(24)}),
            )
            .await;
        let round = id(&round);
        for step in steps {
            self.who
                .post(
                    self.app,
                    "league_admin",
                    &format!("/api/v1/rounds/{round}/{step}"),
                    json!({}),
                )
                .await;
        }
        round
    }

    async fn proposal(&self, round: &str) -> String {
        let project = self
            .who
            .post(
                self.app,
                "org_admin",
                &format!("/api/v1/rounds/{round}/projects"),
                json!({"title": "矩阵项目", "area": "safety", "min_age": 6, "max_age": 12, "capacity": 10,
                       "unit_price_fen": 100, "sessions_offered": 3}),
            )
            .await;
        id(&project)
    }

    /// An order of one session from the menu, moved on by `steps` (as the League and
    /// the organization take them).
    async fn order(&self, steps: &[(&'static str, &str)]) -> String {
        let (_, menu) = self.app.get(None, "/api/v1/menu?limit=500").await;
        let item = menu["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["organization"]["id"] == self.org.as_str())
            // Submissions only ask: the item with the most left has room for every
            // order the matrix dispatches.
            .max_by_key(|i| i["sessions_left"].as_u64())
            .filter(|i| i["sessions_left"].as_u64() >= Some(8))
            .expect("a menu item of the demo organization with sessions left")
            .clone();
        let order = self
            .who
            .post(
                self.app,
                "community_officer",
                "/api/v1/orders",
                json!({"project_id": item["project_id"], "community_id": self.community, "sessions": 1,
                       "window_start": in_days(0), "window_end": in_days(30), "venue": "矩阵活动室",
                       "expected_participants": 10}),
            )
            .await;
        let order = id(&order);
        for (persona, step) in steps {
            self.who
                .post(
                    self.app,
                    persona,
                    &format!("/api/v1/orders/{order}/{step}"),
                    json!({}),
                )
                .await;
        }
        order
    }

    /// An activity of the organization starting in ten minutes (check-in is open) and
    /// over in forty; published unless asked for a draft.
    async fn activity(&self, order: Option<&str>, publish: bool) -> String {
        let now = wall_clock();
        let at = |minutes: i64| rfc3339(now + time::Duration::minutes(minutes));
        let activity = self
            .who
            .post(
                self.app,
                "org_admin",
                "/api/v1/activities",
                json!({"order_id": order, "title": "矩阵活动", "starts_at": at(10), "ends_at": at(40),
                       "venue": "矩阵活动室", "capacity": 20, "min_age": 0, "max_age": 17,
                       "registration_opens_at": at(-60), "registration_closes_at": at(5)}),
            )
            .await;
        let activity = id(&activity);
        if publish {
            self.who
                .post(
                    self.app,
                    "org_admin",
                    &format!("/api/v1/activities/{activity}/publish"),
                    json!({}),
                )
                .await;
        }
        activity
    }

    /// Registers and checks in each of `people` (persona, participant) at `activity`.
    async fn attend(&self, activity: &str, people: &[(&'static str, &str)]) {
        for (persona, participant) in people {
            self.who
                .post(
                    self.app,
                    persona,
                    &format!("/api/v1/activities/{activity}/registrations"),
                    json!({"participant_id": participant}),
                )
                .await;
        }
        for (persona, participant) in people {
            let code = self.code(activity).await;
            self.who
                .post(
                    self.app,
                    persona,
                    &format!("/api/v1/activities/{activity}/checkin"),
                    json!({"code": code, "participant_id": participant}),
                )
                .await;
        }
    }

    async fn code(&self, activity: &str) -> String {
        let (_, code) = self
            .who
            .call(
                self.app,
                "org_admin",
                Method::GET,
                &format!("/api/v1/activities/{activity}/checkin-code"),
                None,
            )
            .await;
        code["code"].as_str().expect("a code").to_owned()
    }

    /// A case of the social worker, supervised by the organization's admin, moved on
    /// by `steps`.
    async fn case(&self, supervisor: &str, steps: &[&str]) -> String {
        let case = self
            .who
            .post(
                self.app,
                "social_worker",
                "/api/v1/cases",
                json!({"subject_name": "赵小安", "subject_birth_date": "2012-01-01", "category": "family",
                       "supervisor_id": supervisor,
                       "consent": {"guardian_name": "赵父", "relation": "父亲", "scope": "个案服务", "given": true}}),
            )
            .await;
        let case = id(&case);
        for step in steps {
            let body = if *step == "assess" {
                json!({"text": "评估", "risk_level": "low"})
            } else {
                json!({"text": "记录"})
            };
            self.who
                .post(
                    self.app,
                    "social_worker",
                    &format!("/api/v1/cases/{case}/{step}"),
                    body,
                )
                .await;
        }
        case
    }
}

/// Every route, as every persona: a persona the route is not for is refused (401, 403,
/// or 404 when the record is outside its reach), and one it is for succeeds (2xx).
async fn every_route_for_every_role(engine: Engine) {
    let app = spawn_app_with(engine, &["--trusted-proxy", "127.0.0.1"]).await;
    let mut tokens = HashMap::new();
    for (role, phone) in PERSONAS {
        tokens.insert(role, app.sign_in(phone).await);
    }
    let who = Personas { tokens };
    let t = |r: &str| who.token(r).unwrap().to_owned();
    let org_id = app.scope_of(&t("org_admin")).await;
    let community_id = app.scope_of(&t("community_officer")).await;
    let me = |r: &str| {
        let token = t(r);
        let app = &app;
        async move { id(&app.get(Some(&token), "/api/v1/me").await.1) }
    };
    let supervisor_id = me("org_admin").await;
    let youth_id = me("youth").await;
    let volunteer_id = me("volunteer").await;
    let fx = Fixtures {
        app: &app,
        who: &who,
        community: community_id.clone(),
        org: org_id.clone(),
    };
    let (_, children) = app.get(Some(&t("guardian")), "/api/v1/children").await;
    let child_id = id(&children["items"][0]);
    let child = |name: &str, serial: u32| {
        let who = &who;
        let app = &app;
        let name = name.to_owned();
        async move {
            id(&who
                .post(
                    app,
                    "guardian",
                    "/api/v1/children",
                    json!({"name": name, "id_number": id_number(8, serial), "consent": true}),
                )
                .await)
        }
    };
    let withdrawn_child = child("小撤", 11).await;
    who.ok(
        &app,
        "guardian",
        Method::DELETE,
        &format!("/api/v1/children/{withdrawn_child}/consent"),
        json!(null),
    )
    .await;
    let consenting_child = child("小同", 12).await;

    // Rounds and proposals in the states their steps need.
    let draft_round = fx.round(&[]).await;
    let open_round = fx.round(&["open"]).await;
    let proposing_round = fx.round(&["open"]).await;
    let reviewing_round = fx.round(&["open", "review"]).await;
    let awarded_round = fx.round(&["open", "review", "award"]).await;
    let deciding_round = fx.round(&["open"]).await;
    let to_approve = fx.proposal(&deciding_round).await;
    let to_reject = fx.proposal(&deciding_round).await;
    who.post(
        &app,
        "league_admin",
        &format!("/api/v1/rounds/{deciding_round}/review"),
        json!({}),
    )
    .await;
    // Orders in the states their steps need.
    let dispatched = [("league_admin", "dispatch")];
    let to_dispatch = fx.order(&[]).await;
    let to_refuse = fx.order(&[]).await;
    let to_accept = fx.order(&dispatched).await;
    let to_decline = fx.order(&dispatched).await;
    let cancelled_by_officer = fx.order(&[]).await;
    let cancelled_by_league = fx.order(&[]).await;
    let accepted = [("league_admin", "dispatch"), ("org_admin", "accept")];
    let to_confirm = fx.order(&accepted).await;
    let to_settle = fx.order(&accepted).await;
    let declined = fx.order(&dispatched).await;
    who.post(
        &app,
        "org_admin",
        &format!("/api/v1/orders/{declined}/decline"),
        json!({"reason": "人手不足"}),
    )
    .await;
    let (_, alternatives) = app
        .get(
            Some(&t("league_admin")),
            &format!("/api/v1/orders/{declined}/alternatives"),
        )
        .await;
    let alternative = alternatives["items"][0]["project_id"].clone();
    assert!(alternative.is_string(), "{alternatives}");
    // Activities: a draft, one to cancel, one to register for, one to check in at,
    // and ones that will be over (to finish, to review, to deliver the two orders).
    let draft = fx.activity(None, false).await;
    let to_cancel = fx.activity(None, true).await;
    let to_register = fx.activity(None, true).await;
    let to_check_in = fx.activity(None, true).await;
    for (persona, participant) in [("guardian", &child_id), ("youth", &youth_id)] {
        who.post(
            &app,
            persona,
            &format!("/api/v1/activities/{to_check_in}/registrations"),
            json!({"participant_id": participant}),
        )
        .await;
    }
    let to_finish = fx.activity(None, true).await;
    let to_review = fx.activity(None, true).await;
    fx.attend(&to_review, &[("guardian", &child_id), ("youth", &youth_id)])
        .await;
    let delivering = [
        fx.activity(Some(&to_confirm), true).await,
        fx.activity(Some(&to_settle), true).await,
    ];
    // Cases in the states their steps need: one each for the worker and the supervisor.
    let mut cases = HashMap::new();
    for (step, before) in [
        ("assess", &[][..]),
        ("plan", &["assess"][..]),
        ("sessions", &["assess", "plan"][..]),
        ("review", &["assess", "plan", "sessions"][..]),
        ("close", &["assess", "plan", "sessions", "review"][..]),
    ] {
        for persona in ["social_worker", "org_admin"] {
            cases.insert((step, persona), fx.case(&supervisor_id, before).await);
        }
    }
    let case_id = fx.case(&supervisor_id, &[]).await;
    // The demo volunteer leaves the demo squad, to join the matrix's; a team and a
    // squad of it, led by no one.
    let (_, leader) = who
        .call(&app, "squad_leader", Method::GET, "/api/v1/me", None)
        .await;
    let demo_squad = leader["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["role"] == "squad_leader")
        .map(|g| g["scope_id"].as_str().unwrap().to_owned())
        .unwrap();
    who.ok(
        &app,
        "league_admin",
        Method::DELETE,
        &format!("/api/v1/squads/{demo_squad}/members/{volunteer_id}"),
        json!(null),
    )
    .await;
    let team_id = id(&who
        .post(
            &app,
            "league_admin",
            "/api/v1/teams",
            json!({"name": "突击队"}),
        )
        .await);
    let squad_id = id(&who
        .post(
            &app,
            "league_admin",
            &format!("/api/v1/teams/{team_id}/squads"),
            json!({"name": "小分队", "region_id": community_id}),
        )
        .await);
    // A League task with a shift three days on, for sign-ups and rosters.
    let task_id = id(&who
        .post(
            &app,
            "league_admin",
            "/api/v1/tasks",
            json!({"title": "助老", "area": "volunteering", "region_id": community_id, "venue": "社区中心"}),
        )
        .await);
    let shift = |hours: i64| json!({"starts_at": in_hours(hours), "ends_at": in_hours(hours + 2), "needed": 5});
    let shift_id = id(&who
        .post(
            &app,
            "league_admin",
            &format!("/api/v1/tasks/{task_id}/shifts"),
            shift(72),
        )
        .await);
    let intake = json!({"subject_name": "赵小安", "subject_birth_date": "2012-01-01", "category": "family",
        "supervisor_id": supervisor_id,
        "consent": {"guardian_name": "赵父", "relation": "父亲", "scope": "个案服务", "given": true}});

    // Comments on the demo organization for its moderators, from an address of their
    // own: four held (to publish and to hide, by the League and by the organization) and
    // one shown, to answer.
    let mut comments = Vec::new();
    for text in [
        "加微信 aa111 领",
        "加微信 bb222 领",
        "加微信 cc333 领",
        "加微信 dd444 领",
        "活动很好，谢谢老师",
    ] {
        let (status, posted) = app
            .request_with(
                Method::POST,
                None,
                &format!("/api/v1/organizations/{org_id}/comments"),
                Some(json!({"text": text})),
                &[("x-forwarded-for", "198.51.100.7")],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{posted}");
        comments.push(id(&posted));
    }
    let moderate = |step: &str, body: Option<Value>, league: &str, org: &str| {
        let path = |comment: &str| format!("/api/v1/comments/{comment}/{step}");
        route(
            Method::POST,
            path(league),
            body.clone(),
            &["league_admin", "org_admin"],
        )
        .own("org_admin", path(org), body)
    };

    let reason = || Some(json!({"reason": "测试"}));
    let review = || Some(json!({"content": 5, "organization": 5, "effect": 5}));
    let order_step = |order: &str, step: &str, body: Option<Value>, allowed| {
        route(
            Method::POST,
            format!("/api/v1/orders/{order}/{step}"),
            body,
            allowed,
        )
    };
    let case_step = |step: &'static str, body: Value| {
        let path = |persona| format!("/api/v1/cases/{}/{step}", cases[&(step, persona)]);
        route(
            Method::POST,
            path("social_worker"),
            Some(body.clone()),
            &["social_worker", "org_admin"],
        )
        .own("org_admin", path("org_admin"), Some(body))
    };
    // The check-in code is read now, as a person at the venue reads it, and used first,
    // while it is current.
    let code = fx.code(&to_check_in).await;
    let checkin = |participant: &str| Some(json!({"code": code, "participant_id": participant}));
    let checkin_path = format!("/api/v1/activities/{to_check_in}/checkin");
    let routes_now = vec![
        route(Method::POST, checkin_path.clone(), checkin(&child_id), &["guardian", "youth"])
            .own("youth", checkin_path, checkin(&youth_id)),
        route(Method::GET, "/api/v1/me".into(), None, SIGNED_IN),
        route(Method::GET, "/api/v1/regions".into(), None, EVERYONE),
        route(Method::GET, format!("/api/v1/regions/{community_id}"), None, EVERYONE),
        route(
            Method::PUT,
            format!("/api/v1/regions/{community_id}/profile"),
            Some(json!({"age_6_8": 10})),
            &["league_admin", "community_officer"],
        ),
        route(Method::GET, "/api/v1/organizations".into(), None, EVERYONE),
        route(Method::GET, format!("/api/v1/organizations/{org_id}"), None, EVERYONE),
        route(
            Method::POST,
            "/api/v1/organizations".into(),
            Some(json!({"name": "新组织", "credit_code": "91350100M000100Y43", "areas": ["safety"], "address": "某路1号"})),
            &["league_admin"],
        ),
        route(
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"phone": "13700001111", "password": "river-stone-42", "name": "新社工", "roles": [{"role": "social_worker", "scope_id": org_id}]})),
            &["league_admin", "org_admin"],
        )
        .own(
            "org_admin",
            "/api/v1/users".into(),
            Some(json!({"phone": "13700001112", "password": "river-stone-42", "name": "另一社工", "roles": [{"role": "social_worker", "scope_id": org_id}]})),
        ),
        route(Method::GET, "/api/v1/settings".into(), None, &["league_admin"]),
        route(
            Method::PUT,
            "/api/v1/settings".into(),
            Some(json!({"checkin": {"opens_minutes_before": 45, "closes_minutes_after": 15}})),
            &["league_admin"],
        ),
        route(
            Method::POST,
            "/api/v1/rounds".into(),
            Some(json!({"title": "r", "budget_fen": 1, "opens_at": in_hours(0), "closes_at": in_hours(1)})),
            &["league_admin"],
        ),
        route(Method::GET, format!("/api/v1/rounds/{draft_round}"), None, SIGNED_IN),
        route(
            Method::POST,
            format!("/api/v1/rounds/{proposing_round}/projects"),
            Some(json!({"title": "p", "area": "safety", "min_age": 6, "max_age": 9, "capacity": 5, "unit_price_fen": 1, "sessions_offered": 1})),
            &["org_admin"],
        ),
        route(Method::POST, format!("/api/v1/rounds/{draft_round}/open"), None, &["league_admin"]),
        route(Method::POST, format!("/api/v1/rounds/{open_round}/review"), None, &["league_admin"]),
        route(Method::POST, format!("/api/v1/rounds/{reviewing_round}/award"), None, &["league_admin"]),
        route(Method::POST, format!("/api/v1/rounds/{awarded_round}/close"), None, &["league_admin"]),
        route(
            Method::POST,
            format!("/api/v1/projects/{to_approve}/approve"),
            Some(json!({"sessions_bought": 1})),
            &["league_admin"],
        ),
        route(Method::POST, format!("/api/v1/projects/{to_reject}/reject"), reason(), &["league_admin"]),
        route(Method::GET, "/api/v1/menu".into(), None, EVERYONE),
        route(Method::GET, "/api/v1/orders".into(), None, SIGNED_IN),
        order_step(&to_dispatch, "dispatch", None, &["league_admin"]),
        order_step(&to_refuse, "reject", reason(), &["league_admin"]),
        order_step(&to_accept, "accept", None, &["org_admin"]),
        order_step(&to_decline, "decline", reason(), &["org_admin"]),
        order_step(&cancelled_by_officer, "cancel", reason(), &["community_officer", "league_admin"])
            .own("league_admin", format!("/api/v1/orders/{cancelled_by_league}/cancel"), reason()),
        route(
            Method::POST,
            "/api/v1/activities".into(),
            Some(json!({"title": "a", "starts_at": in_hours(2), "ends_at": in_hours(3), "venue": "v", "capacity": 1, "min_age": 6, "max_age": 9, "registration_opens_at": in_hours(0), "registration_closes_at": in_hours(1)})),
            &["org_admin"],
        ),
        route(Method::GET, "/api/v1/activities".into(), None, EVERYONE),
        route(Method::GET, format!("/api/v1/activities/{to_register}"), None, EVERYONE),
        route(Method::GET, format!("/api/v1/activities/{to_register}/registrations"), None, &["org_admin"]),
        route(Method::GET, format!("/api/v1/activities/{to_register}/checkin-code"), None, &["org_admin"]),
        route(
            Method::POST,
            format!("/api/v1/activities/{to_register}/registrations"),
            Some(json!({"participant_id": child_id})),
            &["guardian", "youth"],
        )
        .own(
            "youth",
            format!("/api/v1/activities/{to_register}/registrations"),
            Some(json!({"participant_id": youth_id})),
        ),
        route(Method::POST, format!("/api/v1/activities/{draft}/publish"), None, &["org_admin"]),
        route(Method::POST, format!("/api/v1/activities/{to_cancel}/cancel"), None, &["org_admin"]),
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
            &["guardian", "league_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/organizations/{org_id}/comments"),
            Some(json!({"text": "很好的组织", "rating": 5})),
            EVERYONE,
        ),
        route(Method::GET, format!("/api/v1/organizations/{org_id}/reviews"), None, EVERYONE),
        route(Method::GET, format!("/api/v1/organizations/{org_id}/scorecard"), None, EVERYONE),
        route(Method::GET, "/api/v1/moderation/comments".into(), None, &["league_admin", "org_admin"]),
        route(
            Method::POST,
            "/api/v1/evaluations".into(),
            Some(json!({"organization_id": org_id, "round_id": awarded_round, "notes": "矩阵评估",
                "indicators": {"management": 80, "professional_service": 85, "outcomes": 90, "finance": 75, "satisfaction": 88}})),
            &["evaluator"],
        ),
        route(
            Method::GET,
            format!("/api/v1/organizations/{org_id}/evaluations"),
            None,
            &["league_admin", "org_admin", "evaluator"],
        ),
        route(Method::GET, "/api/v1/rounds".into(), None, &["league_admin", "evaluator"]),
        route(Method::GET, format!("/api/v1/rounds/{reviewing_round}/ranking"), None, &["league_admin"]),
        route(Method::GET, format!("/api/v1/orders/{declined}/alternatives"), None, &["league_admin"]),
        route(Method::POST, "/api/v1/dispatch-plans".into(), Some(json!({})), &["league_admin"]),
        route(
            Method::POST,
            format!("/api/v1/orders/{declined}/redispatch"),
            Some(json!({"project_id": alternative})),
            &["league_admin"],
        ),
        moderate("publish", None, &comments[0], &comments[1]),
        moderate("hide", reason(), &comments[2], &comments[3]),
        route(
            Method::POST,
            format!("/api/v1/comments/{}/replies", comments[4]),
            Some(json!({"text": "谢谢您的评价"})),
            &["org_admin"],
        ),
        route(Method::POST, "/api/v1/cases".into(), Some(intake), &["social_worker"]),
        route(Method::GET, "/api/v1/cases".into(), None, &["social_worker", "org_admin"]),
        route(Method::GET, format!("/api/v1/cases/{case_id}"), None, &["social_worker", "org_admin"]),
        case_step("assess", json!({"text": "评估", "risk_level": "low"})),
        case_step("plan", json!({"text": "计划"})),
        case_step("sessions", json!({"text": "面谈"})),
        case_step("review", json!({"text": "回顾"})),
        case_step("close", json!({"text": "结案"})),
        route(
            Method::POST,
            format!("/api/v1/cases/{case_id}/grants"),
            Some(json!({"user_id": supervisor_id, "expires_at": in_hours(24)})),
            &["social_worker", "org_admin"],
        ),
        route(Method::GET, "/api/v1/cases/stats".into(), None, &["league_admin", "evaluator"]),
        route(Method::GET, "/api/v1/audit".into(), None, &["league_admin", "evaluator"]),
        route(
            Method::POST,
            format!("/api/v1/children/{withdrawn_child}/consent"),
            Some(json!({"relation": "母亲"})),
            &["guardian"],
        ),
        route(
            Method::DELETE,
            format!("/api/v1/children/{consenting_child}/consent"),
            None,
            &["guardian"],
        ),
        route(Method::GET, "/api/v1/me/export".into(), None, SIGNED_IN),
        // Volunteers: the profile first, which membership needs.
        route(
            Method::PUT,
            "/api/v1/me/volunteer".into(),
            Some(json!({"skills": ["first_aid"], "availability": [], "max_minutes_per_week": 240})),
            &["volunteer", "squad_leader"],
        ),
        route(Method::GET, "/api/v1/me/volunteer".into(), None, &["volunteer", "squad_leader"]),
        route(Method::POST, "/api/v1/teams".into(), Some(json!({"name": "队"})), &["league_admin"]),
        route(Method::GET, "/api/v1/teams".into(), None, &["league_admin", "squad_leader"]),
        route(
            Method::POST,
            format!("/api/v1/teams/{team_id}/squads"),
            Some(json!({"name": "分队", "region_id": community_id})),
            &["league_admin"],
        ),
        route(Method::GET, "/api/v1/squads".into(), None, &["league_admin", "squad_leader"]),
        route(
            Method::POST,
            format!("/api/v1/squads/{squad_id}/members"),
            Some(json!({"volunteer_id": volunteer_id})),
            &["league_admin"],
        ),
        route(
            Method::DELETE,
            format!("/api/v1/squads/{squad_id}/members/{volunteer_id}"),
            None,
            &["league_admin"],
        ),
        route(
            Method::POST,
            "/api/v1/tasks".into(),
            Some(json!({"title": "助老", "area": "志愿公益", "region_id": community_id, "venue": "社区中心"})),
            &["league_admin", "org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/tasks/{task_id}/shifts"),
            Some(shift(96)),
            &["league_admin"],
        ),
        route(Method::GET, "/api/v1/shifts".into(), None, SIGNED_IN),
        route(
            Method::POST,
            format!("/api/v1/shifts/{shift_id}/signups"),
            None,
            &["volunteer", "squad_leader"],
        ),
        // The squad leader is on the shift now, and leads the squad they serve in.
        route(
            Method::GET,
            format!("/api/v1/shifts/{shift_id}/checkin-code"),
            None,
            &["league_admin", "squad_leader"],
        ),
        route(Method::GET, "/api/v1/me/assignments".into(), None, &["volunteer", "squad_leader"]),
        route(Method::GET, "/api/v1/me/hours".into(), None, &["volunteer", "squad_leader"]),
        route(Method::GET, "/api/v1/me/certificates".into(), None, &["volunteer", "squad_leader"]),
        route(
            Method::POST,
            "/api/v1/rosters".into(),
            Some(json!({"from": in_days(2), "to": in_days(4)})),
            &["league_admin"],
        ),
    ];
    let mut failures = Vec::new();
    check(&app, &who, &routes_now, &mut failures).await;

    // Forty-one minutes on, the short activities are over: the two orders' sessions are
    // finished (so both are delivered), and one of them confirmed.
    app.advance_clock(41 * 60).await;
    for activity in &delivering {
        who.post(
            &app,
            "org_admin",
            &format!("/api/v1/activities/{activity}/finish"),
            json!({}),
        )
        .await;
    }
    who.post(
        &app,
        "community_officer",
        &format!("/api/v1/orders/{to_settle}/confirm"),
        json!({}),
    )
    .await;
    let routes_later = vec![
        route(
            Method::POST,
            format!("/api/v1/activities/{to_finish}/finish"),
            None,
            &["org_admin"],
        ),
        route(
            Method::POST,
            format!("/api/v1/activities/{to_review}/reviews"),
            review(),
            &["guardian", "youth"],
        ),
        order_step(&to_confirm, "reviews", review(), &["community_officer"]),
        order_step(&to_confirm, "confirm", None, &["community_officer"]),
        order_step(&to_settle, "settle", None, &["league_admin"]),
        // Last: it ends the accounts that may use it.
        route(
            Method::DELETE,
            "/api/v1/me".into(),
            None,
            &["guardian", "youth", "volunteer", "squad_leader"],
        ),
    ];
    check(&app, &who, &routes_later, &mut failures).await;
    assert!(
        failures.is_empty(),
        "{} wrong answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Calls each route as every persona, refused ones first (so an allowed call's change
/// cannot hide a refusal), and notes each answer that is not what the persona is owed.
async fn check(app: &TestApp, who: &Personas, routes: &[Route], failures: &mut Vec<String>) {
    for r in routes {
        let mut order: Vec<&str> = EVERYONE
            .iter()
            .copied()
            .filter(|p| !r.allowed.contains(p))
            .collect();
        order.extend(r.allowed.iter().copied());
        for persona in order {
            let (path, body) = r
                .own
                .get(persona)
                .cloned()
                .unwrap_or_else(|| (r.path.clone(), r.body.clone()));
            let body = body.or_else(|| (r.method == Method::POST).then(|| json!({})));
            let (status, answer) = who.call(app, persona, r.method.clone(), &path, body).await;
            let ok = if r.allowed.contains(&persona) {
                status.is_success()
            } else {
                matches!(
                    status,
                    StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                )
            };
            if !ok {
                failures.push(format!(
                    "{} {path} as {persona}: {status} {answer}",
                    r.method
                ));
            }
            if status.is_client_error() {
                assert!(
                    answer["error"]["code"].is_string(),
                    "error shape: {} {path} {answer}",
                    r.method,
                );
            }
        }
    }
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
