//! Volunteers and their squad leaders: my shifts with invitations to accept or decline,
//! open shifts near me that fit, checking in with the code shown at the shift, my hours
//! and certificates (printable, with a QR code of the public check); the squad leader's
//! members, this week, the check-in screen of a shift and hours to correct.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use time::{Date, Duration};
use youthloop_domain::id::*;
use youthloop_domain::role::Role;
use youthloop_domain::volunteer::{self, AssignmentAction, AssignmentStatus};
use youthloop_store::model::{Assignment, HoursRecord, Member, Squad, Volunteer};

use super::{done, form_date, render, show, Ctx, PageError, PageForm, PageResult};
use crate::auth::new_token;
use crate::error::AppError;
use crate::extract::CurrentUser;
use crate::services;
use crate::services::shifts::{
    CorrectionBody, HoursItem, MyCertificate, PeriodBody, ReasonBody, ShiftCheckinBody, ShiftItem,
    ShiftQuery,
};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/volunteer", get(home))
        .route("/volunteer/assignments/{id}/accept", post(accept))
        .route("/volunteer/assignments/{id}/decline", post(decline))
        .route("/volunteer/shifts/{id}/signup", post(sign_up))
        .route("/volunteer/certificates", post(issue_certificate))
        .route("/volunteer/certificates/{serial}", get(printable))
        .route("/shifts/{id}/checkin", get(check_in_form).post(check_in))
        .route("/shifts/{id}/checkout", post(check_out))
        .route("/squad", get(squad))
        .route("/squad/shifts/{id}", get(squad_shift))
        .route("/squad/shifts/{id}/{step}", post(check_for))
        .route("/squad/hours/{id}/correct", post(correct))
}

const VOLUNTEER: &[Role] = &[Role::Volunteer];
const SQUAD_LEADER: &[Role] = &[Role::SquadLeader];
/// How many open shifts the home page offers.
const OPEN_SHOWN: usize = 12;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeriodForm {
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "volunteer.html")]
struct HomePage {
    c: Ctx,
    profile: Option<Volunteer>,
    squad: Option<Squad>,
    /// Invitations and places, the soonest first; what is over is in the hours.
    shifts: Vec<Assignment>,
    open: Vec<ShiftItem>,
    total_minutes: u32,
    hours: Vec<HoursItem>,
    certificates: Vec<MyCertificate>,
    f: PeriodForm,
}

impl HomePage {
    /// A place the volunteer can check in or out of now, with the code shown there.
    fn at_shift(&self, a: &Assignment) -> bool {
        // Checking out stays open a while after the end, for who forgot.
        matches!(
            a.status,
            AssignmentStatus::Assigned | AssignmentStatus::CheckedIn
        ) && volunteer::checkin_is_open(a.starts_at, a.ends_at + Duration::hours(2), self.c.now)
    }

    fn invited(&self, a: &Assignment) -> bool {
        a.status.allows(AssignmentAction::Accept)
    }
}

/// This month so far: what a certificate form offers first.
fn this_month(today: Date) -> PeriodForm {
    PeriodForm {
        from: today.replace_day(1).unwrap_or(today).to_string(),
        to: today.to_string(),
    }
}

async fn home_page(state: &AppState, c: Ctx, f: Option<PeriodForm>) -> PageResult {
    let user = c.require(VOLUNTEER)?;
    let district = user.district();
    let me = &user.actor.user_id;
    let profile = state.store.volunteer(district, me).await?;
    let squad = state.store.squad_of(district, me).await?;
    let now = c.now;
    let shifts = state
        .store
        .assignments_of(district, me)
        .await?
        .into_iter()
        .filter(|a| {
            a.status != AssignmentStatus::Proposed
                && a.status != AssignmentStatus::Completed
                && a.ends_at + Duration::hours(2) > now
        })
        .collect();
    let open = match &profile {
        Some(p) => {
            let query = ShiftQuery {
                open: Some(true),
                task: None,
            };
            let mut open = services::shifts::shifts(state, user, &query).await?.items;
            // Near home first (the same community), then the soonest.
            let home = p.home_region_id.as_ref().map(|r| r.as_str().to_owned());
            open.sort_by_key(|s| (Some(&s.region_id) != home.as_ref(), s.starts_at));
            open.truncate(OPEN_SHOWN);
            open
        }
        None => Vec::new(),
    };
    let hours = services::shifts::my_hours(state, user).await?;
    let certificates = services::shifts::my_certificates(state, user).await?.items;
    let f = f.unwrap_or_else(|| this_month(state.today()));
    let page = HomePage {
        c,
        profile,
        squad,
        shifts,
        open,
        total_minutes: hours.total_minutes,
        hours: hours.items,
        certificates,
        f,
    };
    show(&page, &page.c)
}

async fn home(State(state): State<AppState>, c: Ctx) -> PageResult {
    home_page(&state, c, None).await
}

async fn accept(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<AssignmentId>,
    PageForm(_): PageForm<super::NoFields>,
) -> PageResult {
    let user = c.user()?.clone();
    match services::shifts::accept(&state, &user, &id).await {
        Ok(_) => done("/volunteer", "shift_accepted"),
        Err(e) => home_page(&state, c.refused(e), None).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeclineForm {
    reason: String,
}

async fn decline(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<AssignmentId>,
    PageForm(f): PageForm<DeclineForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let body = ReasonBody {
        reason: Some(f.reason),
    };
    match services::shifts::decline(&state, &user, &id, body).await {
        Ok(_) => done("/volunteer", "shift_declined"),
        Err(e) => home_page(&state, c.refused(e), None).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignUpForm {
    /// Made when the form was drawn: sending it twice signs up once.
    key: String,
}

async fn sign_up(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ShiftId>,
    PageForm(f): PageForm<SignUpForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let key = if f.key.is_empty() { new_token() } else { f.key };
    match services::shifts::sign_up(&state, &user, &id, Some(&key)).await {
        Ok(_) => done("/volunteer", "shift_signed_up"),
        Err(e) => home_page(&state, c.refused(e), None).await,
    }
}

async fn issue_certificate(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(f): PageForm<PeriodForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let issued = async {
        let body = PeriodBody {
            from: form_date("from", &f.from)?,
            to: form_date("to", &f.to)?,
        };
        services::shifts::issue_certificate(&state, &user, body).await
    }
    .await;
    match issued {
        Ok(issued) => done(
            &format!("/volunteer/certificates/{}", issued.serial),
            "certificate_issued",
        ),
        Err(e) => home_page(&state, c.refused(e), Some(f)).await,
    }
}

#[derive(Template)]
#[template(path = "volunteer_certificate.html")]
struct PrintablePage {
    c: Ctx,
    cert: MyCertificate,
    name: String,
    volunteer_no: String,
    qr: String,
    link: String,
}

/// The volunteer's own certificate to print or show, with a QR code of its public check.
async fn printable(
    State(state): State<AppState>,
    c: Ctx,
    Path(serial): Path<String>,
    headers: HeaderMap,
) -> PageResult {
    let user = c.require(VOLUNTEER)?;
    let cert = services::shifts::my_certificates(&state, user)
        .await?
        .items
        .into_iter()
        .find(|cert| cert.facts.serial == serial)
        .ok_or_else(|| PageError(AppError::not_found()))?;
    let volunteer_no = state
        .store
        .volunteer(user.district(), &user.actor.user_id)
        .await?
        .map(|v| v.volunteer_no)
        .unwrap_or_default();
    let link = format!("{}{}", super::site_origin(&state, &headers), cert.url);
    let qr = super::qr_svg(&link)?;
    render(&PrintablePage {
        name: user.user.name.clone(),
        volunteer_no,
        cert,
        qr,
        link,
        c,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

#[derive(Template)]
#[template(path = "shift_checkin.html")]
struct CheckinPage {
    c: Ctx,
    shift: Assignment,
    f: CodeForm,
}

/// The volunteer's own place on a shift; on anyone else's shift the page is not found.
async fn my_place(
    state: &AppState,
    user: &CurrentUser,
    id: &ShiftId,
) -> Result<Assignment, PageError> {
    state
        .store
        .assignments_of(user.district(), &user.actor.user_id)
        .await?
        .into_iter()
        .filter(|a| a.shift_id == *id)
        .max_by_key(|a| a.status.holds_place())
        .ok_or_else(|| PageError(AppError::not_found()))
}

async fn checkin_page(state: &AppState, c: Ctx, id: &ShiftId, f: CodeForm) -> PageResult {
    let user = c.require(VOLUNTEER)?;
    let shift = my_place(state, user, id).await?;
    let page = CheckinPage { c, shift, f };
    show(&page, &page.c)
}

/// The shift's QR code opens this page with the code filled in.
async fn check_in_form(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ShiftId>,
    Query(f): Query<CodeForm>,
) -> PageResult {
    checkin_page(&state, c, &id, f).await
}

async fn check_in(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ShiftId>,
    PageForm(f): PageForm<CodeForm>,
) -> PageResult {
    check_by_code(state, c, id, f, AssignmentAction::CheckIn).await
}

async fn check_out(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ShiftId>,
    PageForm(f): PageForm<CodeForm>,
) -> PageResult {
    check_by_code(state, c, id, f, AssignmentAction::CheckOut).await
}

/// Checks the volunteer in or out with the code shown at the shift.
async fn check_by_code(
    state: AppState,
    c: Ctx,
    id: ShiftId,
    f: CodeForm,
    step: AssignmentAction,
) -> PageResult {
    let user = c.user()?.clone();
    let body = ShiftCheckinBody {
        code: Some(f.code.trim().to_owned()),
        assignment_id: None,
    };
    let outcome = if step == AssignmentAction::CheckIn {
        services::shifts::check_in(&state, &user, &id, body).await
    } else {
        services::shifts::check_out(&state, &user, &id, body).await
    };
    match outcome {
        Ok(_) if step == AssignmentAction::CheckIn => done("/volunteer", "shift_checked_in"),
        Ok(_) => done("/volunteer", "shift_checked_out"),
        Err(e) => checkin_page(&state, c.refused(e), &id, f).await,
    }
}

// ---------------------------------------------------------------------------------------
// Squad leaders

/// One member's place on a shift this week, as the leader's table shows it.
pub struct WeekRow {
    pub member: Member,
    pub a: Assignment,
}

/// A member's record of hours that a leader may correct.
pub struct HoursRow {
    pub member: Member,
    pub h: HoursRecord,
}

#[derive(Template)]
#[template(path = "squad.html")]
struct SquadPage {
    c: Ctx,
    squad: Squad,
    members: Vec<Member>,
    week: Vec<WeekRow>,
    /// Shifts with members on them whose check-in is open now.
    now_on: Vec<WeekRow>,
    hours: Vec<HoursRow>,
}

/// The squad the caller leads (the first, when they lead more than one).
async fn led_squad(state: &AppState, user: &CurrentUser) -> Result<Squad, PageError> {
    let id = user
        .actor
        .scopes(SQUAD_LEADER)
        .into_iter()
        .next()
        .ok_or_else(|| PageError(AppError::forbidden()))?;
    Ok(state
        .store
        .squad(user.district(), &SquadId::from(id))
        .await?)
}

async fn squad_page(state: &AppState, c: Ctx) -> PageResult {
    let user = c.require(SQUAD_LEADER)?;
    let district = user.district();
    let squad = led_squad(state, user).await?;
    let members = state.store.squad_members(district, &squad.id).await?;
    let (first, last) = (state.today(), state.today() + Duration::days(6));
    let in_week = |a: &Assignment| {
        let day = youthloop_domain::parse::local_date(a.starts_at);
        first <= day && day <= last
    };
    let since = state.today() - Duration::days(30);
    let (mut week, mut hours) = (Vec::new(), Vec::new());
    for member in &members {
        for a in state
            .store
            .assignments_of(district, &member.user_id)
            .await?
        {
            if in_week(&a) && a.status.holds_place() {
                week.push(WeekRow {
                    member: member.clone(),
                    a,
                });
            }
        }
        for h in state.store.hours_of(district, &member.user_id).await? {
            if !h.corrected && h.served_on >= since {
                hours.push(HoursRow {
                    member: member.clone(),
                    h,
                });
            }
        }
    }
    week.sort_by_key(|r| (r.a.starts_at, r.member.volunteer_no.clone()));
    hours.sort_by_key(|r| std::cmp::Reverse(r.h.starts_at));
    let now = c.now;
    let mut now_on: Vec<WeekRow> = Vec::new();
    for r in &week {
        let open = volunteer::checkin_is_open(r.a.starts_at, r.a.ends_at, now);
        if open && !now_on.iter().any(|o| o.a.shift_id == r.a.shift_id) {
            now_on.push(WeekRow {
                member: r.member.clone(),
                a: r.a.clone(),
            });
        }
    }
    let page = SquadPage {
        c,
        squad,
        members,
        week,
        now_on,
        hours,
    };
    show(&page, &page.c)
}

async fn squad(State(state): State<AppState>, c: Ctx) -> PageResult {
    squad_page(&state, c).await
}

#[derive(Template)]
#[template(path = "squad_shift.html")]
struct ShiftScreen {
    c: Ctx,
    shift: youthloop_store::model::ShiftLine,
    code: String,
    qr: String,
    link: String,
    /// The leader's members on the shift.
    on_shift: Vec<WeekRow>,
}

impl ShiftScreen {
    fn opens(&self) -> time::OffsetDateTime {
        volunteer::checkin_opens(self.shift.starts_at)
    }

    /// Members are checked in only from when check-in opens.
    fn open(&self) -> bool {
        volunteer::checkin_is_open(self.shift.starts_at, self.shift.ends_at, self.c.now)
    }
}

/// A shift's check-in screen for the squad leader: the rotating code, a QR code of the
/// volunteers' check-in page, and the members on it to check in or out for them. It
/// reloads itself (no script) before the code rotates.
async fn squad_shift_page(
    state: &AppState,
    c: Ctx,
    id: &ShiftId,
    headers: &HeaderMap,
) -> PageResult {
    let user = c.require(SQUAD_LEADER)?;
    let district = user.district();
    let code = services::shifts::shift_code(state, user, id).await?.code;
    let shift = state.store.shift(district, id).await?;
    let squad = led_squad(state, user).await?;
    let mut on_shift = Vec::new();
    let members = state.store.squad_members(district, &squad.id).await?;
    for a in state.store.shift_assignments(district, id).await? {
        let member = members.iter().find(|m| m.user_id == a.volunteer_id);
        if let (Some(member), true) = (member, a.status.holds_place()) {
            on_shift.push(WeekRow {
                member: member.clone(),
                a,
            });
        }
    }
    let link = format!(
        "{}/shifts/{id}/checkin?code={code}",
        super::site_origin(state, headers)
    );
    let qr = super::qr_svg(&link)?;
    let page = ShiftScreen {
        c,
        shift,
        code,
        qr,
        link,
        on_shift,
    };
    show(&page, &page.c)
}

async fn squad_shift(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<ShiftId>,
    headers: HeaderMap,
) -> PageResult {
    squad_shift_page(&state, c, &id, &headers).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForForm {
    assignment_id: String,
}

/// The leader checks a member in or out.
async fn check_for(
    State(state): State<AppState>,
    c: Ctx,
    Path((id, step)): Path<(ShiftId, String)>,
    headers: HeaderMap,
    PageForm(f): PageForm<ForForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let body = ShiftCheckinBody {
        code: None,
        assignment_id: Some(f.assignment_id),
    };
    let outcome = match step.as_str() {
        "checkin" => services::shifts::check_in(&state, &user, &id, body).await,
        "checkout" => services::shifts::check_out(&state, &user, &id, body).await,
        _ => return Err(PageError(AppError::not_found())),
    };
    let ok = if step == "checkin" {
        "shift_checked_in"
    } else {
        "shift_checked_out"
    };
    match outcome {
        Ok(_) => done(&format!("/squad/shifts/{id}"), ok),
        Err(e) => squad_shift_page(&state, c.refused(e), &id, &headers).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CorrectionForm {
    minutes: String,
    reason: String,
}

async fn correct(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<HoursId>,
    PageForm(f): PageForm<CorrectionForm>,
) -> PageResult {
    let user = c.user()?.clone();
    let outcome = async {
        let body = CorrectionBody {
            minutes: super::guardian::number("minutes", &f.minutes)?,
            reason: f.reason.clone(),
        };
        services::shifts::correct_hours(&state, &user, &id, body).await
    }
    .await;
    match outcome {
        Ok(_) => done("/squad", "hours_corrected"),
        Err(e) => squad_page(&state, c.refused(e)).await,
    }
}
