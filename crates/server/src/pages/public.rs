//! What anyone may see: the home page with the menu and upcoming activities, the menu,
//! an activity, an organization with its scorecard and reviews, a volunteer certificate's
//! check; signing in and up; the language switch.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use time::{Date, Duration, OffsetDateTime, Time};
use youthloop_domain::activity::{ActivityStatus, RegistrationStatus};
use youthloop_domain::id::*;
use youthloop_domain::region::{RegionKind, SERVICE_AREAS};
use youthloop_domain::role::Role;
use youthloop_store::model::{
    Activity, ActivityCard, ActivityFilter, MenuItem, Organization, Page, Participant, Region,
    Review,
};

use super::i18n::{Lang, LANG_COOKIE};
use super::{
    done, redirect_with_cookie, render, show, Ctx, NoFields, PageError, PageForm, PageResult,
};
use crate::extract::{ClientAddr, MaybeUser};
use crate::services;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/menu", get(menu))
        .route("/activities/{id}", get(activity))
        .route("/organizations/{id}", get(organization))
        .route("/certificates/{serial}", get(certificate))
        .route("/signin", get(sign_in_form).post(sign_in))
        .route("/signup", get(sign_up_form).post(sign_up))
        .route("/signout", post(sign_out))
        .route("/lang/{code}", get(switch_language))
}

/// The district the page shows: the user's, else the default one.
pub(super) async fn district_of(state: &AppState, c: &Ctx) -> Result<DistrictId, PageError> {
    Ok(MaybeUser(c.user.clone()).district(state, None).await?)
}

pub(super) async fn communities(
    state: &AppState,
    district: &DistrictId,
) -> Result<Vec<Region>, PageError> {
    let page = Page {
        limit: Page::MAX,
        after: None,
    };
    Ok(state
        .store
        .regions(district, &page)
        .await?
        .items
        .into_iter()
        .filter(|r| r.kind == RegionKind::Community)
        .collect())
}

/// The service areas as `(code, name in the page's language)`.
pub(super) fn areas(lang: Lang) -> Vec<(&'static str, &'static str)> {
    SERVICE_AREAS
        .iter()
        .map(|(code, zh, en)| (*code, if lang == Lang::Zh { *zh } else { *en }))
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    community: String,
    area: String,
    age: String,
    date: String,
}

impl Filters {
    /// What the form asks for; a value that does not parse is ignored, not an error:
    /// a filter is a question, and the page answers the rest of it.
    fn to_filter(&self, now: OffsetDateTime) -> ActivityFilter {
        let day = Date::parse(
            &self.date,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok();
        let start_of = |d: Date| {
            d.with_time(Time::MIDNIGHT)
                .assume_offset(youthloop_domain::parse::SHANGHAI)
        };
        let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        ActivityFilter {
            organization_id: None,
            every_state: false,
            from: Some(day.map_or(now, start_of).max(now)),
            to: day.map(|d| start_of(d) + Duration::days(1)),
            community_id: nonempty(&self.community).map(RegionId::from),
            area: nonempty(&self.area),
            age: age_asked(&self.age),
            limit: 50,
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Ctx,
    menu: Vec<MenuItem>,
    activities: Vec<ActivityCard>,
    communities: Vec<Region>,
    areas: Vec<(&'static str, &'static str)>,
    f: Filters,
}

async fn home(State(state): State<AppState>, c: Ctx, Query(f): Query<Filters>) -> PageResult {
    let district = district_of(&state, &c).await?;
    let mut menu = state.store.menu(&district).await?;
    menu.sort_by(|a, b| b.rating.total_cmp(&a.rating));
    menu.truncate(6);
    let activities = state
        .store
        .upcoming(&district, &f.to_filter(state.now()))
        .await?;
    let page = HomePage {
        menu,
        activities,
        communities: communities(&state, &district).await?,
        areas: areas(c.lang),
        f,
        c,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "menu.html")]
struct MenuPage {
    c: Ctx,
    items: Vec<MenuItem>,
    community: Option<Region>,
    f: MenuFilters,
    areas: Vec<(&'static str, &'static str)>,
    /// The organizations on the menu, to filter by, by name.
    orgs: Vec<(OrganizationId, String)>,
}

/// An age typed into a filter, if it is one a young person can be.
fn age_asked(text: &str) -> Option<u32> {
    text.trim().parse().ok().filter(|a| *a <= 30)
}

/// The menu's search: words in the title or the organization's name, a service area,
/// an age it is for, an organization.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MenuFilters {
    q: String,
    area: String,
    age: String,
    org: String,
}

impl MenuFilters {
    fn keeps(&self, item: &MenuItem) -> bool {
        let q = self.q.trim().to_lowercase();
        let words = q.is_empty()
            || item.title.to_lowercase().contains(&q)
            || item.organization.name.to_lowercase().contains(&q);
        let area = self.area.is_empty() || item.area == self.area;
        let age =
            age_asked(&self.age).is_none_or(|age| (item.min_age..=item.max_age).contains(&age));
        let org = self.org.is_empty() || item.organization.id == self.org;
        words && area && age && org
    }
}

async fn menu(State(state): State<AppState>, c: Ctx, Query(f): Query<MenuFilters>) -> PageResult {
    let district = district_of(&state, &c).await?;
    // A community officer sees the menu ranked by fit for their community.
    let community_id = c
        .user
        .as_ref()
        .and_then(|u| u.actor.region_ids().into_iter().next());
    let community = match &community_id {
        Some(id) => Some(state.store.region(&district, id).await?),
        None => None,
    };
    let page = Page {
        limit: 500,
        after: None,
    };
    let viewer = MaybeUser(c.user.clone());
    let all = services::rounds::menu(&state, &viewer, &district, community_id.as_ref(), &page)
        .await?
        .items;
    let mut orgs: Vec<(OrganizationId, String)> = all
        .iter()
        .map(|i| (i.organization.id.clone(), i.organization.name.clone()))
        .collect();
    orgs.sort_by(|a, b| a.1.cmp(&b.1));
    orgs.dedup();
    let items = all.into_iter().filter(|i| f.keeps(i)).collect();
    render(&MenuPage {
        areas: areas(c.lang),
        c,
        items,
        community,
        f,
        orgs,
    })
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    c: Ctx,
    a: Activity,
    org: Organization,
    /// The signed-in family's children and youth who may register.
    people: Vec<Participant>,
    /// Their registrations for this activity.
    mine: Vec<(RegistrationId, String, RegistrationStatus, Option<u32>)>,
    attended: bool,
    is_organizer: bool,
}

impl ActivityPage {
    /// A telephone number as a `tel:` link dials it.
    fn dialable(&self, phone: &str) -> String {
        youthloop_domain::ContactPhone::parse(phone)
            .map_or_else(|_| String::new(), |p| p.dialable())
    }

    /// Finished or cancelled: no seats to count, nothing to sign in to.
    fn over(&self) -> bool {
        matches!(
            self.a.status,
            ActivityStatus::Finished | ActivityStatus::Cancelled
        )
    }

    /// Someone of this family may check in now (see `Ctx::offers_check_in`).
    fn may_check_in(&self) -> bool {
        let a = &self.a;
        self.mine
            .iter()
            .any(|(_, _, s, _)| self.c.offers_check_in(s, a.status, a.starts_at, a.ends_at))
    }
}

pub(super) async fn activity_page(state: &AppState, c: Ctx, id: &ActivityId) -> PageResult {
    let district = district_of(state, &c).await?;
    let org_ids = c
        .user
        .as_ref()
        .map(|u| u.actor.org_ids())
        .unwrap_or_default();
    let a = state.store.activity(&district, id, &org_ids).await?;
    let org = state
        .store
        .organization(&district, &a.organization_id)
        .await?;
    let (mut people, mut mine) = (Vec::new(), Vec::new());
    if let Some(user) = c
        .user
        .as_ref()
        .filter(|u| u.actor.has_any(&[Role::Guardian, Role::Youth]))
    {
        people = super::guardian::people_of(state, user).await?;
        mine = state
            .store
            .my_registrations(&district, &user.user.id)
            .await?
            .into_iter()
            .filter(|r| r.activity_id == a.id)
            .map(|r| (r.id, r.participant_name, r.status, r.position))
            .collect();
    }
    // Reviewing is for those of the family who took part.
    let attended = mine
        .iter()
        .any(|(_, _, status, _)| *status == RegistrationStatus::Attended);
    let page = ActivityPage {
        is_organizer: org_ids.contains(&a.organization_id),
        a,
        org,
        people,
        mine,
        attended,
        c,
    };
    show(&page, &page.c)
}

async fn activity(State(state): State<AppState>, c: Ctx, Path(id): Path<ActivityId>) -> PageResult {
    activity_page(&state, c, &id).await
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage {
    c: Ctx,
    org: Organization,
    card: services::reviews::Scorecard,
    /// This year, quarter and month, to choose the scorecard's period from.
    periods: [String; 3],
    reviews: Vec<Review>,
    activities: Vec<ActivityCard>,
}

impl OrganizationPage {
    fn rule(&self) -> &'static str {
        match self.c.lang {
            Lang::Zh => self.card.rule_zh,
            Lang::En => self.card.rule_en,
        }
    }

    /// A dash where there is nothing to make the figure of.
    fn acceptance(&self) -> String {
        self.card
            .acceptance_rate
            .map_or_else(|| "—".to_owned(), |r| self.c.percent(r))
    }

    fn cost_per_attendee(&self) -> String {
        self.card
            .cost_per_attendee_fen
            .map_or_else(|| "—".to_owned(), |f| self.c.yuan(fen(f)))
    }

    fn cost(&self) -> String {
        self.c.yuan(fen(self.card.cost_fen))
    }
}

fn fen(amount: u64) -> i64 {
    i64::try_from(amount).unwrap_or(i64::MAX)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeriodQuery {
    period: Option<String>,
}

async fn organization(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<OrganizationId>,
    Query(q): Query<PeriodQuery>,
) -> PageResult {
    let district = district_of(&state, &c).await?;
    let org = state.store.organization(&district, &id).await?;
    let card =
        services::reviews::scorecard(&state, &district, &org.id, q.period.as_deref()).await?;
    let today = state.today();
    let (year, month) = (today.year(), u8::from(today.month()));
    let periods = [
        year.to_string(),
        format!("{year}-Q{}", (month - 1) / 3 + 1),
        format!("{year}-{month:02}"),
    ];
    let page = Page {
        limit: 20,
        after: None,
    };
    let reviews = state.store.reviews(&district, &org.id, &page).await?.items;
    let filter = ActivityFilter {
        organization_id: Some(org.id.clone()),
        from: Some(state.now()),
        limit: 20,
        ..ActivityFilter::default()
    };
    let activities = state.store.upcoming(&district, &filter).await?;
    render(&OrganizationPage {
        c,
        org,
        card,
        periods,
        reviews,
        activities,
    })
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    c: Ctx,
    cert: services::shifts::PublicCertificate,
}

/// A certificate's public check, where its QR code leads: the masked name, volunteer
/// number, period, time served, issuer, and whether it still stands.
async fn certificate(
    State(state): State<AppState>,
    c: Ctx,
    Path(serial): Path<String>,
) -> PageResult {
    let cert = services::shifts::public_certificate(&state, &serial).await?;
    render(&CertificatePage { c, cert })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignInForm {
    phone: String,
    password: String,
    next: String,
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    c: Ctx,
    f: SignInForm,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

async fn sign_in_form(c: Ctx, Query(q): Query<NextQuery>) -> PageResult {
    let f = SignInForm {
        next: q.next,
        ..SignInForm::default()
    };
    render(&SignInPage { c, f })
}

/// Only a path of this site: never send a signed-in user elsewhere.
pub(super) fn local_path(next: &str) -> &str {
    // Browsers drop tabs and newlines from an address and read `\` as `/`: `/\t/x` and
    // `/\\x` would lead to another site as surely as `//x`.
    let bytes = next.as_bytes();
    let local = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && !bytes.iter().any(|b| *b < 0x20 || *b == 0x7f || *b == b'\\');
    if local {
        next
    } else {
        "/"
    }
}

async fn sign_in(
    State(state): State<AppState>,
    c: Ctx,
    address: ClientAddr,
    PageForm(f): PageForm<SignInForm>,
) -> PageResult {
    let body = services::session::SignIn {
        phone: f.phone.clone(),
        password: f.password.clone(),
    };
    match services::session::sign_in(&state, &address.0, body).await {
        // Hold the new session, and go where the visitor was going.
        Ok(signed_in) => redirect_with_cookie(
            local_path(&f.next),
            &services::session::session_cookie(&state, &signed_in.token),
        ),
        Err(e) => {
            let f = SignInForm {
                password: String::new(),
                ..f
            };
            let page = SignInPage { c: c.refused(e), f };
            show(&page, &page.c)
        }
    }
}

async fn sign_out(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let Some(user) = c.user else {
        return Ok(Redirect::to("/").into_response());
    };
    services::session::sign_out(&state, &user).await?;
    redirect_with_cookie(
        "/?ok=signed_out",
        &services::session::cleared_cookie(&state),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignUpForm {
    phone: String,
    password: String,
    name: String,
    role: String,
    id_number: String,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage {
    c: Ctx,
    f: SignUpForm,
}

async fn sign_up_form(c: Ctx) -> PageResult {
    let f = SignUpForm {
        role: "guardian".to_owned(),
        ..SignUpForm::default()
    };
    render(&SignUpPage { c, f })
}

async fn sign_up(
    State(state): State<AppState>,
    c: Ctx,
    address: ClientAddr,
    PageForm(f): PageForm<SignUpForm>,
) -> PageResult {
    let body = services::session::SignUp {
        phone: f.phone.clone(),
        password: f.password.clone(),
        name: f.name.clone(),
        role: f.role.clone(),
        id_number: (!f.id_number.trim().is_empty()).then(|| f.id_number.clone()),
    };
    match services::session::sign_up(&state, &address.0, None, body).await {
        Ok(_) => done("/signin", "signed_up"),
        Err(e) => {
            let f = SignUpForm {
                password: String::new(),
                ..f
            };
            let page = SignUpPage { c: c.refused(e), f };
            show(&page, &page.c)
        }
    }
}

async fn switch_language(Path(code): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let mut response = Redirect::to(local_path(&q.next)).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    )) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(local_path("/me"), "/me");
        assert_eq!(local_path("//evil.example/x"), "/");
        assert_eq!(local_path("https://evil.example"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path("/\t/evil.example"), "/");
        assert_eq!(local_path("/\n/evil.example"), "/");
        assert_eq!(local_path("/orders/new?project=1"), "/orders/new?project=1");
    }
}
