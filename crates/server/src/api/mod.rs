//! The JSON API under `/api/v1`, and its OpenAPI document.

pub mod activities;
pub mod cases;
pub mod orders;
pub mod regions;
pub mod reviews;
pub mod rounds;
pub mod session;
pub mod settings;

use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use utoipa::{Modify, OpenApi};

use crate::startup::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "youthloop API", version = "1", description = "青年服务闭环平台 JSON API / The closed loop of youth services"),
    paths(
        session::sign_in, session::sign_out, session::me, session::sign_up, session::export, session::erase,
        activities::give_consent, activities::withdraw_consent,
        cases::open_case, cases::list_cases, cases::get_case, cases::assess, cases::plan, cases::session_note,
        cases::review, cases::close, cases::grant, cases::stats, cases::audit_trail,
        regions::list_regions, regions::get_region, regions::put_profile,
        settings::get_settings, settings::put_settings,
        regions::list_organizations, regions::get_organization, regions::create_organization, regions::create_user,
        rounds::create_round, rounds::get_round, rounds::open_round, rounds::review_round, rounds::award_round,
        rounds::close_round, rounds::propose, rounds::approve, rounds::reject, rounds::menu,
        orders::create_order, orders::list_orders, orders::get_order, orders::dispatch, orders::reject,
        orders::accept, orders::decline, orders::cancel, orders::confirm, orders::settle,
        activities::create_activity, activities::list_activities, activities::get_activity, activities::publish,
        activities::cancel, activities::finish, activities::add_child, activities::list_children,
        activities::register, activities::cancel_registration, activities::list_registrations,
        activities::checkin_code, activities::check_in, activities::badges,
        reviews::review_activity, reviews::review_order, reviews::comment, reviews::list_reviews, reviews::scorecard,
    ),
    tags(
        (name = "session", description = "登录与注册 / Sign-in and sign-up"),
        (name = "regions", description = "行政区划与青少年画像 / Regions and youth profiles"),
        (name = "organizations", description = "社会组织与账号 / Organizations and accounts"),
        (name = "buy", description = "买菜：采购批次与菜单 / Buy: rounds and the menu"),
        (name = "order", description = "点单、派单、接单、验收、结算 / Order, dispatch, accept, confirm, settle"),
        (name = "activities", description = "做饭与品尝：活动、报名、签到、奖章 / Activities, registration, check-in, badges"),
        (name = "review", description = "点评与评估 / Reviews and the scorecard"),
        (name = "cases", description = "个案：仅限承办社工、督导与授权者 / Casework for the assigned worker, supervisor and grantees"),
        (name = "trust", description = "同意、个人数据下载与删除 / Consent, personal data download and erasure"),
    ),
    modifiers(&ErrorsEverywhere),
)]
pub struct ApiDoc;

/// Any operation may also answer in the error shape (400 malformed JSON, 401, 413, 415,
/// 429, …): the document says so once, as every operation's default response.
struct ErrorsEverywhere;

impl Modify for ErrorsEverywhere {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = ResponseBuilder::new()
            .description("错误 / An error: {\"error\": {\"code\", \"message\", \"field\"?}}")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                operation
                    .responses
                    .responses
                    .entry("default".to_owned())
                    .or_insert_with(|| error.clone().into());
            }
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route("/session", post(session::sign_in).delete(session::sign_out))
        .route("/me", get(session::me).delete(session::erase))
        .route("/me/export", get(session::export))
        .route(
            "/children/{id}/consent",
            post(activities::give_consent).delete(activities::withdraw_consent),
        )
        .route("/accounts", post(session::sign_up))
        .route("/regions", get(regions::list_regions))
        .route("/regions/{id}", get(regions::get_region))
        .route("/regions/{id}/profile", put(regions::put_profile))
        .route(
            "/organizations",
            get(regions::list_organizations).post(regions::create_organization),
        )
        .route("/organizations/{id}", get(regions::get_organization))
        .route("/organizations/{id}/comments", post(reviews::comment))
        .route("/organizations/{id}/reviews", get(reviews::list_reviews))
        .route("/organizations/{id}/scorecard", get(reviews::scorecard))
        .route("/users", post(regions::create_user))
        .route(
            "/settings",
            get(settings::get_settings).put(settings::put_settings),
        )
        .route("/rounds", post(rounds::create_round))
        .route("/rounds/{id}", get(rounds::get_round))
        .route("/rounds/{id}/open", post(rounds::open_round))
        .route("/rounds/{id}/review", post(rounds::review_round))
        .route("/rounds/{id}/award", post(rounds::award_round))
        .route("/rounds/{id}/close", post(rounds::close_round))
        .route("/rounds/{id}/projects", post(rounds::propose))
        .route("/projects/{id}/approve", post(rounds::approve))
        .route("/projects/{id}/reject", post(rounds::reject))
        .route("/menu", get(rounds::menu))
        .route(
            "/orders",
            post(orders::create_order).get(orders::list_orders),
        )
        .route("/orders/{id}", get(orders::get_order))
        .route("/orders/{id}/dispatch", post(orders::dispatch))
        .route("/orders/{id}/reject", post(orders::reject))
        .route("/orders/{id}/accept", post(orders::accept))
        .route("/orders/{id}/decline", post(orders::decline))
        .route("/orders/{id}/cancel", post(orders::cancel))
        .route("/orders/{id}/confirm", post(orders::confirm))
        .route("/orders/{id}/settle", post(orders::settle))
        .route("/orders/{id}/reviews", post(reviews::review_order))
        .route(
            "/activities",
            post(activities::create_activity).get(activities::list_activities),
        )
        .route("/activities/{id}", get(activities::get_activity))
        .route("/activities/{id}/publish", post(activities::publish))
        .route("/activities/{id}/cancel", post(activities::cancel))
        .route("/activities/{id}/finish", post(activities::finish))
        .route(
            "/activities/{id}/registrations",
            post(activities::register).get(activities::list_registrations),
        )
        .route(
            "/activities/{id}/checkin-code",
            get(activities::checkin_code),
        )
        .route("/activities/{id}/checkin", post(activities::check_in))
        .route("/activities/{id}/reviews", post(reviews::review_activity))
        .route(
            "/children",
            post(activities::add_child).get(activities::list_children),
        )
        .route(
            "/registrations/{id}",
            delete(activities::cancel_registration),
        )
        .route("/participants/{id}/badges", get(activities::badges))
        .route("/cases", post(cases::open_case).get(cases::list_cases))
        .route("/cases/stats", get(cases::stats))
        .route("/audit", get(cases::audit_trail))
        .route("/cases/{id}", get(cases::get_case))
        .route("/cases/{id}/assess", post(cases::assess))
        .route("/cases/{id}/plan", post(cases::plan))
        .route("/cases/{id}/sessions", post(cases::session_note))
        .route("/cases/{id}/review", post(cases::review))
        .route("/cases/{id}/close", post(cases::close))
        .route("/cases/{id}/grants", post(cases::grant))
}
