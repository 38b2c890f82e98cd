//! Families: a guardian's children (with consent), registering and cancelling, the
//! registrations with their waitlist places, checking in by the venue's code, the
//! badge wall, reviews after attending, and the guardian's own data.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use youthloop_domain::id::*;
use youthloop_domain::role::Role;
use youthloop_store::model::{BadgeAward, MyRegistration, Page, Participant};

use super::{
    done, redirect_with_cookie, render, show, Confirm, Ctx, NoFields, PageError, PageForm,
    PageResult,
};
use crate::auth::new_token;
use crate::error::{AppError, AppResult};
use crate::extract::{CurrentUser, ListQuery};
use crate::services;
use crate::services::activities::{CheckinBody, ChildBody, ConsentBody, RegisterBody};
use crate::services::reviews::ReviewBody;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/me/erase", post(erase))
        .route("/children", post(add_child))
        .route("/children/{id}/consent", post(give_consent))
        .route("/children/{id}/consent/withdraw", post(withdraw_consent))
        .route("/activities/{id}/register", post(register))
        .route("/registrations/{id}/cancel", post(cancel))
        .route("/registrations/{id}/calendar.ics", get(calendar))
        .route(
            "/activities/{id}/checkin",
            get(check_in_form).post(check_in),
        )
        .route("/participants/{id}/badges", get(badge_wall))
        .route("/activities/{id}/review", post(review))
}

const FAMILY: &[Role] = &[Role::Guardian, Role::Youth];
/// Whoever signed up themselves: they download and erase their own data here.
const SELF_SERVICE: &[Role] = &[Role::Guardian, Role::Youth, Role::Volunteer];

/// Who the user may act for: their children, and themselves as a youth.
pub(super) async fn people_of(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Participant>> {
    let mut people = Vec::new();
    if user.actor.has(Role::Youth) {
        people.push(
            state
                .store
                .participant_of(
                    user.district(),
                    &user.user.id,
                    &user.user.id.as_participant(),
                )
                .await?,
        );
    }
    if user.actor.has(Role::Guardian) {
        let page = Page {
            limit: Page::MAX,
            after: None,
        };
        people.extend(
            state
                .store
                .children(user.district(), &user.user.id, &page)
                .await?
                .items,
        );
    }
    Ok(people)
}

/// A number typed into a form; its field named when it is not one.
pub(super) fn number(field: &str, raw: &str) -> AppResult<i64> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::invalid(field, "请填写数字 / Enter a number"))
}

/// A rating chosen on a form: nothing is chosen for the reviewer.
fn stars(field: &str, raw: &str) -> AppResult<i64> {
    if raw.trim().is_empty() {
        return Err(AppError::invalid(
            field,
            "请选择 1 到 5 颗星 / Choose 1 to 5 stars",
        ));
    }
    number(field, raw)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChildForm {
    name: String,
    id_number: String,
    relation: String,
    consent: Option<String>,
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    c: Ctx,
    people: Vec<Participant>,
    registrations: Vec<MyRegistration>,
    f: ChildForm,
}

impl MePage {
    /// What the family attended and has not reviewed yet, one per activity.
    fn to_review(&self) -> Vec<&MyRegistration> {
        let mut seen = std::collections::HashSet::new();
        self.registrations
            .iter()
            .filter(|r| {
                r.status == youthloop_domain::activity::RegistrationStatus::Attended && !r.reviewed
            })
            .filter(|r| seen.insert(r.activity_id.clone()))
            .collect()
    }
}

async fn me_page(state: &AppState, c: Ctx, f: ChildForm) -> PageResult {
    let user = c.require(SELF_SERVICE)?;
    let people = people_of(state, user).await?;
    let registrations = state
        .store
        .my_registrations(user.district(), &user.user.id)
        .await?;
    let page = MePage {
        c,
        people,
        registrations,
        f,
    };
    show(&page, &page.c)
}

async fn me(State(state): State<AppState>, c: Ctx) -> PageResult {
    me_page(&state, c, ChildForm::default()).await
}

async fn add_child(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(f): PageForm<ChildForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let body = ChildBody {
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        consent: f.consent.is_some(),
        relation: (!f.relation.trim().is_empty()).then(|| f.relation.clone()),
    };
    match services::activities::add_child(&state, &user, body).await {
        Ok(_) => done("/me", "child_added"),
        Err(e) => me_page(&state, c.refused(e), f).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RelationForm {
    relation: String,
}

async fn give_consent(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ParticipantId>,
    PageForm(f): PageForm<RelationForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let body = ConsentBody {
        relation: (!f.relation.trim().is_empty()).then_some(f.relation),
    };
    match services::activities::give_consent(&state, &user, &id, body).await {
        Ok(_) => done("/me", "consent_given"),
        Err(e) => me_page(&state, c.refused(e), ChildForm::default()).await,
    }
}

async fn withdraw_consent(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ParticipantId>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let user = c.user()?.clone();
    match services::activities::withdraw_consent(&state, &user, &id).await {
        // Say what withdrawing stopped: places in what is still to come are gone.
        Ok(w) if !w.cancelled_registrations.is_empty() => {
            done("/me", "consent_withdrawn_cancelled")
        }
        Ok(_) => done("/me", "consent_withdrawn"),
        Err(e) => me_page(&state, c.refused(e), ChildForm::default()).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    participant_id: ParticipantId,
    /// Made when the form was drawn: sending the form twice registers once.
    key: String,
}

async fn register(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ActivityId>,
    PageForm(f): PageForm<RegisterForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let key = if f.key.is_empty() { new_token() } else { f.key };
    let body = RegisterBody {
        participant_id: f.participant_id,
    };
    match services::activities::register(&state, &user, &id, body, Some(&key)).await {
        Ok(r) if r.status.waits() => done(&format!("/activities/{id}"), "waitlisted"),
        Ok(_) => done(&format!("/activities/{id}"), "registered"),
        Err(e) => super::public::activity_page(&state, c.refused(e), &id).await,
    }
}

/// A registration of the user's children or of the user: anyone else's is not found.
async fn own_registration(
    state: &AppState,
    user: &CurrentUser,
    id: &RegistrationId,
) -> Result<MyRegistration, PageError> {
    let mine = state
        .store
        .my_registrations(user.district(), &user.user.id)
        .await?;
    mine.into_iter()
        .find(|r| r.id == *id)
        .ok_or_else(|| PageError(AppError::not_found()))
}

/// A registration as a calendar file, for the phone's calendar.
async fn calendar(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<RegistrationId>,
) -> PageResult {
    let r = own_registration(&state, c.user()?, &id).await?;
    let summary = c.t2(
        "calendar-summary",
        "title",
        &r.activity_title,
        "name",
        &r.participant_name,
    );
    let event = super::calendar::Event {
        uid: &format!("{id}@youthloop"),
        starts_at: r.starts_at,
        ends_at: r.ends_at,
        summary: &summary,
        location: &r.venue,
        description: &c.t("calendar-description"),
        stamp: c.now,
    };
    let headers = [
        (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"youthloop.ics\"",
        ),
    ];
    Ok((headers, super::calendar::ics(&event)).into_response())
}

async fn cancel(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<RegistrationId>,
    PageForm(f): PageForm<Confirm>,
) -> PageResult {
    let user = c.user()?.clone();
    if !f.confirmed() {
        // Only one's own: someone else's registration is not found, asked or not.
        let r = own_registration(&state, &user, &id).await?;
        let question = c.t2(
            "confirm-cancel-registration",
            "name",
            &r.participant_name,
            "title",
            &r.activity_title,
        );
        let action = format!("/registrations/{id}/cancel");
        return f.ask(c, &action, question, "cancel-registration");
    }
    let cancelled = services::activities::cancel_registration(&state, &user, &id).await?;
    // Back to where it was asked from: the family's page stays the family's page.
    let back = f.back_or(&format!("/activities/{}", cancelled.activity_id));
    done(&back, "cancelled")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckinForm {
    code: String,
    participant_id: ParticipantId,
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckinPage {
    c: Ctx,
    activity_id: ActivityId,
    title: String,
    people: Vec<Participant>,
    f: CheckinForm,
}

async fn checkin_page(state: &AppState, c: Ctx, id: &ActivityId, f: CheckinForm) -> PageResult {
    let user = c.require(FAMILY)?;
    let activity = state.store.activity(user.district(), id, &[]).await?;
    let people = people_of(state, user).await?;
    let page = CheckinPage {
        activity_id: activity.id,
        title: activity.title,
        people,
        f,
        c,
    };
    show(&page, &page.c)
}

/// The venue's QR code opens this page with the code filled in.
async fn check_in_form(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ActivityId>,
    Query(f): Query<CheckinForm>,
) -> PageResult {
    checkin_page(&state, c, &id, f).await
}

async fn check_in(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ActivityId>,
    PageForm(f): PageForm<CheckinForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let body = CheckinBody {
        code: Some(f.code.trim().to_owned()),
        participant_id: Some(f.participant_id.clone()),
        registration_id: None,
    };
    match services::activities::check_in(&state, &user, &id, body).await {
        Ok(_) => done(
            &format!("/participants/{}/badges", f.participant_id),
            "checked_in",
        ),
        Err(e) => checkin_page(&state, c.refused(e), &id, f).await,
    }
}

#[derive(Template)]
#[template(path = "badges.html")]
struct BadgeWall {
    c: Ctx,
    person: Participant,
    badges: Vec<BadgeAward>,
}

async fn badge_wall(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ParticipantId>,
) -> PageResult {
    let user = c.require(FAMILY)?;
    let person = state
        .store
        .participant_of(user.district(), &user.user.id, &id)
        .await?;
    let query = ListQuery {
        limit: Some(500),
        ..ListQuery::default()
    };
    let badges = services::activities::badges(&state, user, &person.id, &query)
        .await?
        .items;
    render(&BadgeWall { c, person, badges })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    content: String,
    organization: String,
    effect: String,
    text: String,
}

impl ReviewForm {
    pub(super) fn body(&self) -> AppResult<ReviewBody> {
        Ok(ReviewBody {
            content: stars("content", &self.content)?,
            organization: stars("organization", &self.organization)?,
            effect: stars("effect", &self.effect)?,
            text: self.text.clone(),
        })
    }
}

async fn review(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ActivityId>,
    PageForm(f): PageForm<ReviewForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let outcome = async {
        let body = f.body()?;
        services::reviews::review_activity(&state, &user, &id, body)
            .await
            .map(|_| ())
    }
    .await;
    match outcome {
        Ok(()) => done(&format!("/activities/{id}"), "reviewed"),
        Err(e) => super::public::activity_page(&state, c.refused(e), &id).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EraseForm {
    confirm: Option<String>,
}

/// Erasing cannot be undone: the form asks for a tick first.
async fn erase(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(f): PageForm<EraseForm>,
) -> PageResult {
    if f.confirm.is_none() {
        let unticked = AppError::invalid(
            "confirm",
            "请勾选确认后再删除 / Tick the box to confirm the erasure",
        );
        return me_page(&state, c.refused(unticked), ChildForm::default()).await;
    }
    let user = c.user()?.clone();
    services::session::erase(&state, &user).await?;
    redirect_with_cookie("/?ok=erased", &services::session::cleared_cookie(&state))
}
