//! An organization: proposing projects into an open round, incoming orders, scheduling
//! and publishing activities, an activity's registrations with check-in by hand, the
//! venue's check-in screen (a QR code that rotates), finishing an activity.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};
use youthloop_domain::activity::{ActivityAction, ActivityStatus};
use youthloop_domain::id::*;
use youthloop_domain::role::Role;
use youthloop_domain::round::RoundStatus;
use youthloop_store::model::{
    Activity, ActivityCard, ActivityFilter, Order, Page, Project, Registration, Round,
};

use super::community::orders_of;
use super::guardian::number;
use super::public::areas;
use super::{done, render, show, Ctx, NoFields, PageError, PageForm, PageResult};
use crate::error::{AppError, AppResult};
use crate::extract::CurrentUser;
use crate::services;
use crate::services::activities::{ActivityBody, CheckinBody};
use crate::services::rounds::ProjectBody;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/org", get(desk))
        .route("/rounds/{id}/propose", get(propose_form).post(propose))
        .route("/org/activities/new", get(new_activity))
        .route("/org/activities", post(create_activity))
        .route("/org/activities/{id}", get(registrations))
        .route("/org/activities/{id}/screen", get(screen))
        .route("/org/activities/{id}/attend/{registration}", post(attend))
        .route("/org/activities/{id}/{action}", post(move_activity))
}

const STAFF: &[Role] = &[Role::OrgAdmin, Role::OrgStaff];

fn org_of(user: &CurrentUser) -> Result<OrganizationId, PageError> {
    Ok(services::rounds::acting_org(user, None)?)
}

#[derive(Template)]
#[template(path = "org.html")]
struct DeskPage {
    c: Ctx,
    open_rounds: Vec<Round>,
    proposals: Vec<Project>,
    orders: Vec<Order>,
    /// Project titles by id, to name each order.
    titles: HashMap<ProjectId, String>,
    activities: Vec<ActivityCard>,
}

async fn desk(State(state): State<AppState>, c: Ctx) -> PageResult {
    let user = c.require(STAFF)?;
    let org = org_of(user)?;
    let district = user.district().to_owned();
    let rounds = state.store.rounds(&district).await?;
    let mut proposals = Vec::new();
    for round in rounds.iter().take(5) {
        proposals.extend(
            state
                .store
                .projects(&district, &round.id)
                .await?
                .into_iter()
                .filter(|p| p.organization_id == org),
        );
    }
    let open_rounds = rounds
        .into_iter()
        .filter(|r| r.status == RoundStatus::Open)
        .collect();
    let orders = orders_of(&state, user).await?;
    let filter = ActivityFilter {
        organization_id: Some(org),
        every_state: true,
        from: Some(state.now() - Duration::days(30)),
        limit: 100,
        ..ActivityFilter::default()
    };
    let activities = state.store.upcoming(&district, &filter).await?;
    let titles = state.store.project_titles(&district).await?;
    render(&DeskPage {
        c,
        open_rounds,
        proposals,
        orders,
        titles,
        activities,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProjectForm {
    title: String,
    area: String,
    min_age: String,
    max_age: String,
    capacity: String,
    unit_price_yuan: String,
    sessions_offered: String,
    description: String,
    badges: Vec<String>,
}

/// Yuan typed with up to two decimals, as fen.
pub(super) fn fen(field: &str, raw: &str) -> AppResult<i64> {
    let bad = || {
        AppError::invalid(
            field,
            "请填写金额，如 1200 或 1200.50 / Enter an amount such as 1200 or 1200.50",
        )
    };
    let raw = raw.trim();
    let (whole, cents) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || cents.len() > 2 || !digits(whole) || !digits(cents) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{cents:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|f| f.checked_add(cents))
        .ok_or_else(bad)
}

impl ProjectForm {
    fn body(&self) -> AppResult<ProjectBody> {
        Ok(ProjectBody {
            title: self.title.clone(),
            area: self.area.clone(),
            min_age: number("min_age", &self.min_age)?,
            max_age: number("max_age", &self.max_age)?,
            capacity: number("capacity", &self.capacity)?,
            unit_price_fen: fen("unit_price_yuan", &self.unit_price_yuan)?,
            sessions_offered: number("sessions_offered", &self.sessions_offered)?,
            description: self.description.clone(),
            badges: self.badges.clone(),
            organization_id: None,
        })
    }
}

#[derive(Template)]
#[template(path = "propose.html")]
struct ProposePage {
    c: Ctx,
    round: Round,
    areas: Vec<(&'static str, &'static str)>,
    badges: Vec<&'static str>,
    f: ProjectForm,
}

async fn propose_page(state: &AppState, c: Ctx, id: &RoundId, f: ProjectForm) -> PageResult {
    let user = c.require(STAFF)?;
    let round = services::rounds::round(state, user, id).await?;
    let page = ProposePage {
        areas: areas(c.lang),
        badges: youthloop_domain::badge::BASIC_BADGES
            .iter()
            .map(|b| b.code)
            .collect(),
        round,
        f,
        c,
    };
    show(&page, &page.c)
}

async fn propose_form(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<RoundId>,
) -> PageResult {
    propose_page(&state, c, &id, ProjectForm::default()).await
}

async fn propose(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<RoundId>,
    PageForm(f): PageForm<ProjectForm>,
) -> PageResult {
    let user = c.require(STAFF)?.clone();
    let proposed = async {
        let body = f.body()?;
        services::rounds::propose(&state, &user, &id, body)
            .await
            .map(|_| ())
    }
    .await;
    match proposed {
        Ok(()) => done("/org", "proposed"),
        Err(e) => {
            propose_page(
                &state,
                c.refused(e.renamed("unit_price_fen", "unit_price_yuan")),
                &id,
                f,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActivityForm {
    order: String,
    title: String,
    description: String,
    starts_at: String,
    ends_at: String,
    venue: String,
    capacity: String,
    waitlist_capacity: String,
    min_age: String,
    max_age: String,
    registration_opens_at: String,
    registration_closes_at: String,
}

/// A `datetime-local` field: Beijing time as the people typing it mean it.
pub(super) fn moment(field: &str, raw: &str) -> AppResult<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    PrimitiveDateTime::parse(raw.trim(), format)
        .map(|t| t.assume_offset(youthloop_domain::parse::SHANGHAI))
        .map_err(|_| {
            AppError::invalid(
                field,
                "请填写日期和时间，如 2026-12-05 09:00 / Enter a date and time such as 2026-12-05 09:00",
            )
        })
}

pub(super) fn local_input(at: OffsetDateTime) -> String {
    let local = at.to_offset(youthloop_domain::parse::SHANGHAI);
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    )
}

impl ActivityForm {
    fn body(&self) -> AppResult<ActivityBody> {
        Ok(ActivityBody {
            order_id: (!self.order.is_empty()).then(|| self.order.as_str().into()),
            title: self.title.clone(),
            description: self.description.clone(),
            starts_at: moment("starts_at", &self.starts_at)?,
            ends_at: moment("ends_at", &self.ends_at)?,
            venue: self.venue.clone(),
            capacity: number("capacity", &self.capacity)?,
            waitlist_capacity: if self.waitlist_capacity.trim().is_empty() {
                0
            } else {
                number("waitlist_capacity", &self.waitlist_capacity)?
            },
            min_age: number("min_age", &self.min_age)?,
            max_age: number("max_age", &self.max_age)?,
            registration_opens_at: moment("registration_opens_at", &self.registration_opens_at)?,
            registration_closes_at: moment("registration_closes_at", &self.registration_closes_at)?,
            badges: None,
            organization_id: None,
        })
    }

    /// A form filled from the order: its project, venue and window.
    fn from_order(order: &Order, project: &Project, now: OffsetDateTime) -> Self {
        let start = order
            .window_start
            .with_hms(9, 0, 0)
            .map(|t| t.assume_offset(youthloop_domain::parse::SHANGHAI))
            .unwrap_or(now)
            .max(now + Duration::days(2));
        ActivityForm {
            order: order.id.to_string(),
            title: project.title.clone(),
            description: project.description.clone(),
            starts_at: local_input(start),
            ends_at: local_input(start + Duration::hours(2)),
            venue: order.venue.clone(),
            capacity: project.capacity.to_string(),
            waitlist_capacity: (project.capacity / 2).to_string(),
            min_age: project.min_age.to_string(),
            max_age: project.max_age.to_string(),
            registration_opens_at: local_input(now),
            registration_closes_at: local_input(start - Duration::hours(12)),
        }
    }
}

#[derive(Template)]
#[template(path = "activity_new.html")]
struct NewActivityPage {
    c: Ctx,
    f: ActivityForm,
}

impl NewActivityPage {
    fn fields(&self) -> [(&'static str, &'static str, &str, &'static str); 9] {
        let f = &self.f;
        [
            ("starts_at", "starts-at", &f.starts_at, "datetime-local"),
            ("ends_at", "ends-at", &f.ends_at, "datetime-local"),
            ("venue", "venue", &f.venue, "text"),
            ("capacity", "capacity", &f.capacity, "number"),
            (
                "waitlist_capacity",
                "waitlist-capacity",
                &f.waitlist_capacity,
                "number",
            ),
            ("min_age", "min-age", &f.min_age, "number"),
            ("max_age", "max-age", &f.max_age, "number"),
            (
                "registration_opens_at",
                "registration-opens-at",
                &f.registration_opens_at,
                "datetime-local",
            ),
            (
                "registration_closes_at",
                "registration-closes-at",
                &f.registration_closes_at,
                "datetime-local",
            ),
        ]
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OrderQuery {
    order: String,
}

async fn new_activity(
    State(state): State<AppState>,
    c: Ctx,
    Query(q): Query<OrderQuery>,
) -> PageResult {
    let user = c.require(STAFF)?;
    let f = if q.order.is_empty() {
        ActivityForm::default()
    } else {
        let order = state
            .store
            .order(&user.actor, &q.order.as_str().into(), state.now())
            .await?;
        let project = state
            .store
            .project(user.district(), &order.project_id)
            .await?;
        ActivityForm::from_order(&order, &project, state.now())
    };
    render(&NewActivityPage { c, f })
}

async fn create_activity(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(f): PageForm<ActivityForm>,
) -> PageResult {
    let user = c.require(STAFF)?.clone();
    let created = async {
        let body = f.body()?;
        services::activities::create_activity(&state, &user, body)
            .await
            .map(|a| a.id)
    }
    .await;
    match created {
        Ok(id) => done(&format!("/org/activities/{id}"), "activity_created"),
        Err(e) => {
            let page = NewActivityPage { c: c.refused(e), f };
            show(&page, &page.c)
        }
    }
}

async fn move_activity(
    State(state): State<AppState>,
    c: Ctx,
    Path((id, action)): Path<(ActivityId, String)>,
    PageForm(f): PageForm<super::Confirm>,
) -> PageResult {
    let user = c.require(STAFF)?.clone();
    let step = ActivityAction::parse(&action).ok_or_else(|| PageError(AppError::not_found()))?;
    if step.irreversible() && !f.confirmed() {
        let question = c.t(&format!("confirm-activity-{step}"));
        let yes = format!("activity-step-{step}");
        return f.ask(c, &format!("/org/activities/{id}/{step}"), question, &yes);
    }
    services::activities::move_activity(&state, &user, &id, step).await?;
    done(&format!("/org/activities/{id}"), "activity_moved")
}

#[derive(Template)]
#[template(path = "org_activity.html")]
struct RegistrationsPage {
    c: Ctx,
    a: Activity,
    /// What the organization may do with the activity now.
    steps: Vec<ActivityAction>,
    /// Still to be finished: people check in, by the screen's code or by hand.
    open_for_checkin: bool,
    registrations: Vec<Registration>,
}

impl RegistrationsPage {
    /// How many hold a seat, wait, and will not come: they add up to the list.
    fn counts(&self) -> String {
        let seated = self.registrations.iter().filter(|r| r.status.holds_seat());
        let waiting = self.registrations.iter().filter(|r| r.status.waits());
        let (seated, waiting) = (seated.count(), waiting.count());
        let other = self.registrations.len() - seated - waiting;
        let n = |v: usize| FluentValue::from(v.to_string());
        self.c.lang.t_with(
            "roster-counts",
            &[
                ("seated", n(seated)),
                ("waiting", n(waiting)),
                ("other", n(other)),
            ],
        )
    }

    /// A name that two people on the list share, so each needs their ID's tail.
    fn name_repeats(&self, name: &str) -> bool {
        let same = |r: &&Registration| r.participant_name.as_deref() == Some(name);
        self.registrations.iter().filter(same).count() > 1
    }

    /// A step that cannot be undone is outlined as a warning; the others are plain.
    fn step_class(&self, step: &ActivityAction) -> &'static str {
        if step.irreversible() {
            "danger"
        } else {
            "secondary"
        }
    }
}

async fn registrations(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ActivityId>,
) -> PageResult {
    let user = c.require(STAFF)?;
    let a = services::activities::own_activity(&state, user, &id).await?;
    let page = Page {
        limit: Page::MAX,
        after: None,
    };
    let mut registrations = state
        .store
        .registrations(user.district(), &a.id, &page)
        .await?
        .items;
    // Who comes first, then who waits in their order, then who will not come.
    registrations.sort_by_key(|r| (!r.status.holds_seat(), !r.status.waits(), r.position));
    let steps = youthloop_domain::allowed(a.status, ActivityAction::ALL, ActivityStatus::apply);
    render(&RegistrationsPage {
        c,
        open_for_checkin: steps.contains(&ActivityAction::Finish),
        steps,
        a,
        registrations,
    })
}

async fn attend(
    State(state): State<AppState>,
    c: Ctx,
    Path((id, registration)): Path<(ActivityId, RegistrationId)>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let user = c.require(STAFF)?.clone();
    let body = CheckinBody {
        code: None,
        participant_id: None,
        registration_id: Some(registration),
    };
    services::activities::check_in(&state, &user, &id, body).await?;
    done(&format!("/org/activities/{id}"), "checked_in")
}

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    c: Ctx,
    a: Activity,
    code: String,
    qr: String,
    link: String,
}

/// The venue's screen: the current code and a QR code of the check-in page with the code
/// in it. It reloads itself (no script) well before the code rotates.
async fn screen(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ActivityId>,
    headers: HeaderMap,
) -> PageResult {
    let user = c.require(STAFF)?;
    let a = services::activities::own_activity(&state, user, &id).await?;
    let code = services::activities::code_of(&state, user, &a).await?.code;
    let origin = super::site_origin(&state, &headers);
    let link = format!("{origin}/activities/{}/checkin?code={code}", a.id);
    let qr = super::qr_svg(&link)?;
    render(&ScreenPage {
        c,
        a,
        code,
        qr,
        link,
    })
}

#[cfg(test)]
mod tests {
    use super::fen;

    #[test]
    fn yuan_become_fen() {
        assert_eq!(fen("p", "1200").unwrap(), 120_000);
        assert_eq!(fen("p", "1200.5").unwrap(), 120_050);
        assert_eq!(fen("p", " 0.05 ").unwrap(), 5);
        for bad in [
            "",
            "1.234",
            "-1",
            "abc",
            "1,200",
            ".5",
            "99999999999999999999",
        ] {
            assert_eq!(
                fen("p", bad).unwrap_err().field.as_deref(),
                Some("p"),
                "{bad}"
            );
        }
    }
}
