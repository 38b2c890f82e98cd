//! The JSON API under `/api/v1`, and its OpenAPI document.

pub mod activities;
pub mod cases;
pub mod dispatch;
pub mod evaluations;
pub mod moderation;
pub mod orders;
pub mod regions;
pub mod reviews;
pub mod rounds;
pub mod session;
pub mod settings;
pub mod shifts;
pub mod volunteers;

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "youthloop API", version = "1", description = "青年服务闭环平台 JSON API / The closed loop of youth services"),
    tags(
        (name = "session", description = "登录与注册 / Sign-in and sign-up"),
        (name = "regions", description = "行政区划与青少年画像 / Regions and youth profiles"),
        (name = "organizations", description = "社会组织与账号 / Organizations and accounts"),
        (name = "buy", description = "买菜：采购批次与菜单 / Buy: rounds and the menu"),
        (name = "order", description = "点单、派单、接单、验收、结算 / Order, dispatch, accept, confirm, settle"),
        (name = "activities", description = "做饭与品尝：活动、报名、签到、奖章 / Activities, registration, check-in, badges"),
        (name = "review", description = "点评与评估 / Reviews and the scorecard"),
        (name = "cases", description = "个案：仅限承办社工、督导与授权者 / Casework for the assigned worker, supervisor and grantees"),
        (name = "volunteers", description = "志愿者、突击队与小分队 / Volunteers, teams and squads"),
        (name = "trust", description = "同意、个人数据下载与删除 / Consent, personal data download and erasure"),
    ),
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

/// The API's routes and its OpenAPI document, both from each handler's one declaration
/// (`#[utoipa::path]`): a route cannot be served undocumented or documented unserved.
pub fn router() -> Router<AppState> {
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::sign_in, session::sign_out))
        .routes(routes!(session::me, session::erase))
        .routes(routes!(session::export))
        .routes(routes!(
            activities::give_consent,
            activities::withdraw_consent
        ))
        .routes(routes!(session::sign_up))
        .routes(routes!(regions::list_regions))
        .routes(routes!(regions::get_region))
        .routes(routes!(regions::put_profile))
        .routes(routes!(
            regions::list_organizations,
            regions::create_organization
        ))
        .routes(routes!(regions::get_organization))
        .routes(routes!(reviews::comment))
        .routes(routes!(reviews::list_reviews))
        .routes(routes!(reviews::scorecard))
        .routes(routes!(moderation::queue))
        .routes(routes!(moderation::publish))
        .routes(routes!(moderation::hide))
        .routes(routes!(moderation::reply))
        .routes(routes!(regions::create_user))
        .routes(routes!(settings::get_settings, settings::put_settings))
        .routes(routes!(rounds::create_round, evaluations::list_rounds))
        .routes(routes!(evaluations::evaluate))
        .routes(routes!(evaluations::list_evaluations))
        .routes(routes!(rounds::get_round))
        .routes(routes!(rounds::ranking))
        .routes(routes!(rounds::open_round))
        .routes(routes!(rounds::review_round))
        .routes(routes!(rounds::award_round))
        .routes(routes!(rounds::close_round))
        .routes(routes!(rounds::propose))
        .routes(routes!(rounds::approve))
        .routes(routes!(rounds::reject))
        .routes(routes!(rounds::menu))
        .routes(routes!(orders::create_order, orders::list_orders))
        .routes(routes!(orders::get_order))
        .routes(routes!(orders::dispatch))
        .routes(routes!(orders::reject))
        .routes(routes!(orders::accept))
        .routes(routes!(orders::decline))
        .routes(routes!(orders::cancel))
        .routes(routes!(orders::confirm))
        .routes(routes!(orders::settle))
        .routes(routes!(orders::alternatives))
        .routes(routes!(orders::redispatch))
        .routes(routes!(dispatch::propose))
        .routes(routes!(dispatch::apply))
        .routes(routes!(reviews::review_order))
        .routes(routes!(
            activities::create_activity,
            activities::list_activities
        ))
        .routes(routes!(activities::get_activity))
        .routes(routes!(activities::publish))
        .routes(routes!(activities::cancel))
        .routes(routes!(activities::finish))
        .routes(routes!(
            activities::register,
            activities::list_registrations
        ))
        .routes(routes!(activities::checkin_code))
        .routes(routes!(activities::check_in))
        .routes(routes!(reviews::review_activity))
        .routes(routes!(activities::add_child, activities::list_children))
        .routes(routes!(activities::cancel_registration))
        .routes(routes!(activities::badges))
        .routes(routes!(cases::open_case, cases::list_cases))
        .routes(routes!(cases::stats))
        .routes(routes!(cases::audit_trail))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::assess))
        .routes(routes!(cases::plan))
        .routes(routes!(cases::session_note))
        .routes(routes!(cases::review))
        .routes(routes!(cases::close))
        .routes(routes!(cases::grant))
        .routes(routes!(volunteers::get_profile, volunteers::put_profile))
        .routes(routes!(volunteers::create_team, volunteers::list_teams))
        .routes(routes!(volunteers::create_squad))
        .routes(routes!(volunteers::list_squads))
        .routes(routes!(volunteers::add_member))
        .routes(routes!(volunteers::remove_member))
        .routes(routes!(shifts::create_task))
        .routes(routes!(shifts::create_shift))
        .routes(routes!(shifts::list_shifts))
        .routes(routes!(shifts::sign_up))
        .routes(routes!(shifts::propose_roster))
        .routes(routes!(shifts::get_roster))
        .routes(routes!(shifts::publish_roster))
        .routes(routes!(shifts::accept))
        .routes(routes!(shifts::decline))
        .routes(routes!(shifts::my_assignments))
        .routes(routes!(shifts::shift_code))
        .routes(routes!(shifts::check_in))
        .routes(routes!(shifts::check_out))
        .routes(routes!(shifts::my_hours))
        .routes(routes!(shifts::correct_hours))
        .routes(routes!(shifts::issue_certificate, shifts::my_certificates))
        .routes(routes!(shifts::get_certificate))
        .routes(routes!(shifts::consent_to_volunteering))
        .routes(routes!(shifts::export_hours))
        .split_for_parts();
    ErrorsEverywhere.modify(&mut openapi);
    let openapi = Arc::new(openapi);
    router.route(
        "/api/v1/openapi.json",
        get(move || async move { Json(openapi.as_ref().clone()) }),
    )
}
