//! The HTML pages: server-rendered (askama), Chinese first, phone first, every form
//! working without JavaScript. Pages call the same use cases as the JSON API (the
//! functions in `services/`), so no rule is written twice; they only parse forms and
//! render.

pub mod assets;
mod calendar;
mod casework;
mod charts;
mod community;
mod dispatching;
mod evaluation;
mod guardian;
pub mod i18n;
mod league;
mod moderation;
mod orders;
mod organization;
mod public;
mod rostering;
mod volunteering;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::CookieJar;
use fluent_templates::fluent_bundle::FluentValue;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use time::{Date, OffsetDateTime};
use youthloop_domain::activity::{ActivityStatus, Availability, RegistrationStatus, Seats};
use youthloop_domain::id::{DistrictId, OrganizationId};
use youthloop_domain::role::Role;

use crate::auth::new_token;
use crate::error::AppError;
use crate::extract::{CurrentUser, MaybeUser, SESSION_COOKIE};
use crate::state::AppState;
pub use i18n::Lang;

/// The cookie holding the form token (double submit: a form's hidden `_csrf` must match
/// it, and a cross-site page can neither read the cookie nor set it).
const CSRF_COOKIE: &str = "youthloop_csrf";

/// What every page knows: the language, who is signed in, the form token, and the
/// error of a form being shown again.
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<CurrentUser>,
    pub csrf: String,
    pub path: String,
    pub notice: Option<Notice>,
    pub error: Option<FormError>,
    /// The request's time, from the server's clock.
    pub now: OffsetDateTime,
}

/// What the page before said happened, shown once at the top.
pub struct Notice {
    pub text: String,
    /// It asks for attention rather than confirms (a place in line is not a seat).
    pub waits: bool,
}

/// A refused form: the message in the page's language, at its field if it names one.
pub struct FormError {
    pub field: Option<String>,
    pub message: String,
    /// The status the API gives the same refusal: 422 for a field, 404 out of scope,
    /// 409 for a state that does not allow it, 429 when rate limited.
    pub status: StatusCode,
}

impl Ctx {
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.lang
            .t_with(key, &[(name, FluentValue::from(value.to_string()))])
    }

    pub fn t2(
        &self,
        key: &str,
        name: &str,
        value: impl std::fmt::Display,
        name2: &str,
        value2: impl std::fmt::Display,
    ) -> String {
        self.lang.t_with(
            key,
            &[
                (name, FluentValue::from(value.to_string())),
                (name2, FluentValue::from(value2.to_string())),
            ],
        )
    }

    /// `适龄 8–12 岁` / `Ages 8–12`.
    pub fn ages(&self, min: impl Copied<u32>, max: impl Copied<u32>) -> String {
        self.t1(
            "ages",
            "range",
            format!("{}–{}", min.copied(), max.copied()),
        )
    }

    pub fn decimal(&self, x: impl Copied<f64>) -> String {
        format!("{:.1}", x.copied())
    }

    pub fn percent(&self, share: impl Copied<f64>) -> String {
        format!("{:.0}%", share.copied() * 100.0)
    }

    /// A scorecard period (`2026`, `2026-Q4`, `2026-12`) as words: 2026年第4季度.
    pub fn period(&self, period: &str) -> String {
        let mut parts = period.splitn(2, '-');
        let year = parts.next().unwrap_or_default();
        match parts.next() {
            None => self.t1("period-year", "year", year),
            Some(q) if q.starts_with('Q') => {
                self.t2("period-quarter", "year", year, "quarter", &q[1..])
            }
            Some(m) => self.t2(
                "period-month",
                "year",
                year,
                "month",
                m.trim_start_matches('0'),
            ),
        }
    }

    /// A service area's name in the page's language.
    pub fn area(&self, code: &str) -> String {
        self.named(&youthloop_domain::region::SERVICE_AREAS, code)
    }

    /// The name of `code` in a `(code, Chinese, English)` table, in the page's language.
    fn named(&self, table: &[(&str, &str, &str)], code: &str) -> String {
        table.iter().find(|(c, _, _)| *c == code).map_or_else(
            || code.to_owned(),
            |(_, zh, en)| (if self.lang == Lang::Zh { zh } else { en }).to_string(),
        )
    }

    /// A badge's name in the page's language.
    pub fn badge(&self, code: &str) -> String {
        youthloop_domain::badge::find(code).map_or_else(
            || code.to_owned(),
            |b| {
                (if self.lang == Lang::Zh {
                    b.name
                } else {
                    b.name_en
                })
                .to_owned()
            },
        )
    }

    /// A skill's name in the page's language.
    pub fn skill(&self, code: &str) -> String {
        self.named(youthloop_domain::volunteer::SKILLS, code)
    }

    /// The text key naming a state, role or step: `order-submitted`.
    pub fn label_key(&self, kind: &str, value: impl std::fmt::Display) -> String {
        format!("{kind}-{value}").replace('_', "-")
    }

    /// The name of a state, role or step as the page shows it.
    pub fn label(&self, kind: &str, value: impl std::fmt::Display) -> String {
        let key = self.label_key(kind, value.to_string());
        if self.lang.has(&key) {
            self.t(&key)
        } else {
            value.to_string()
        }
    }

    /// The error message at `field`, if the form was refused for it.
    pub fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field.as_deref() == Some(field))
            .map(|e| e.message.as_str())
    }

    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }

    pub fn is(&self, role: &str) -> bool {
        let Some(role) = Role::parse(role) else {
            return false;
        };
        self.user.as_ref().is_some_and(|u| u.actor.has_any(&[role]))
    }

    /// What the League pays is for those who buy, order, sell or evaluate services, not
    /// for families.
    pub fn sees_prices(&self) -> bool {
        self.user.as_ref().is_some_and(|u| {
            u.actor.has_any(&[
                Role::LeagueAdmin,
                Role::CityAdmin,
                Role::Evaluator,
                Role::OrgAdmin,
                Role::OrgStaff,
                Role::CommunityOfficer,
            ])
        })
    }

    pub fn user_id(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.user.id.as_str())
    }

    pub fn user_name(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.user.name.as_str())
    }

    /// A moment as the platform's people read it: Beijing time, with the weekday.
    pub fn when(&self, at: impl Copied<OffsetDateTime>) -> String {
        self.lang.when(at.copied(), self.today())
    }

    /// From one moment to another, the day once when both fall on it.
    pub fn span(
        &self,
        from: impl Copied<OffsetDateTime>,
        to: impl Copied<OffsetDateTime>,
    ) -> String {
        self.lang.span(from.copied(), to.copied(), self.today())
    }

    /// The day of a moment, in Beijing.
    pub fn day(&self, at: impl Copied<OffsetDateTime>) -> String {
        self.date(youthloop_domain::parse::local_date(at.copied()))
    }

    /// A day near now with its weekday, the year only when it is not this one:
    /// `12月7日（周一）`.
    pub fn weekday_date(&self, day: impl Copied<Date>) -> String {
        self.lang.day_of(day.copied(), self.today())
    }

    pub fn date(&self, day: impl Copied<Date>) -> String {
        self.lang.date(day.copied())
    }

    /// Minutes served as hours and minutes: 2小时30分钟 · 2 h 30 min.
    pub fn duration(&self, minutes: impl Copied<u32>) -> String {
        let minutes = minutes.copied();
        let (h, m) = (minutes / 60, minutes % 60);
        match (h, m) {
            (0, m) => self.t1("minutes", "n", m),
            (h, 0) => self.t1("hours", "n", h),
            (h, m) => self.t2("hours-minutes", "h", h, "m", m),
        }
    }

    /// What a family can do about `a` now.
    pub fn availability(&self, a: &youthloop_store::model::Activity) -> Availability {
        let seats = Seats {
            capacity: a.capacity,
            waitlist_capacity: a.waitlist_capacity,
            confirmed: a.confirmed_count,
            waitlisted: a.waitlist_count,
        };
        Availability::of(
            a.status,
            seats,
            a.registration_opens_at,
            a.registration_closes_at,
            self.now,
        )
    }

    /// The availability of `a` in words: `报名中，剩余 3 个名额`, `名额已满，可排队候补…`.
    pub fn available(&self, a: &youthloop_store::model::Activity) -> String {
        match self.availability(a) {
            Availability::Open { seats_left } => self.t1("avail-open", "n", seats_left),
            Availability::Waitlist { waiting, .. } => self.t1("avail-waitlist", "n", waiting),
            other => self.t(&format!("avail-{}", other.key())),
        }
    }

    /// The three or four main places of the signed-in role, for the tab bar a phone
    /// shows at the bottom (as in the mini-programs people know): address, text key and
    /// icon.
    pub fn tabs(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        let home = ("/", "nav-home", "home");
        let menu = ("/menu", "nav-menu", "grid");
        if self.is("league_admin") {
            vec![
                home,
                ("/league", "nav-league", "flag"),
                menu,
                ("/league/dashboard", "nav-dashboard", "chart"),
            ]
        } else if self.is("evaluator") {
            vec![
                home,
                ("/evaluate", "nav-evaluate", "check"),
                ("/league/dashboard", "nav-dashboard", "chart"),
            ]
        } else if self.is("community_officer") {
            vec![home, menu, ("/community", "nav-community", "pin")]
        } else if self.is("org_admin") {
            vec![
                home,
                ("/org", "nav-org", "org"),
                ("/cases", "nav-cases", "folder"),
            ]
        } else if self.is("org_staff") {
            vec![home, ("/org", "nav-org", "org")]
        } else if self.is("social_worker") {
            vec![home, ("/cases", "nav-cases", "folder")]
        } else if self.is("squad_leader") {
            vec![
                home,
                ("/volunteer", "nav-volunteer", "heart"),
                ("/squad", "nav-squad", "team"),
                ("/me", "nav-me", "user"),
            ]
        } else if self.is("volunteer") {
            vec![
                home,
                ("/volunteer", "nav-volunteer", "heart"),
                ("/me", "nav-me", "user"),
            ]
        } else if self.signed_in() {
            vec![home, ("/me", "nav-me", "user")]
        } else {
            vec![home, menu, ("/signin", "sign-in", "user")]
        }
    }

    /// Whether `href` is the tab of the page shown: the longest tab address the page is
    /// at or under (the home page only itself).
    pub fn here(&self, href: &str) -> bool {
        let path = self.path.split('?').next().unwrap_or("");
        let under = |tab: &str| {
            if tab == "/" {
                path == "/"
            } else {
                path == tab || path.starts_with(&format!("{tab}/"))
            }
        };
        let tabs = self.tabs();
        let best = tabs
            .iter()
            .map(|t| t.0)
            .filter(|t| under(t))
            .max_by_key(|t| t.len());
        best == Some(href)
    }

    /// A case's number as people say it: `个案0003`.
    pub fn case_number(&self, number: impl Copied<u32>) -> String {
        self.t1("case-number", "no", format!("{:04}", number.copied()))
    }

    /// Whether to offer 签到 for a registration: it holds a seat, and its activity is
    /// today and has not ended (the venue's window itself is checked on check-in).
    pub fn offers_check_in(
        &self,
        registration: impl Copied<RegistrationStatus>,
        activity: impl Copied<ActivityStatus>,
        starts_at: impl Copied<OffsetDateTime>,
        ends_at: impl Copied<OffsetDateTime>,
    ) -> bool {
        let running = matches!(
            activity.copied(),
            ActivityStatus::Published | ActivityStatus::Closed
        );
        registration.copied().holds_seat()
            && running
            && youthloop_domain::parse::local_date(starts_at.copied()) == self.today()
            && self.now < ends_at.copied()
    }

    fn today(&self) -> Date {
        youthloop_domain::parse::local_date(self.now)
    }

    /// Fen as yuan: `¥1,234.50`.
    pub fn yuan(&self, fen: impl Copied<i64>) -> String {
        let fen = fen.copied();
        let yuan = fen / 100;
        let cents = (fen % 100).abs();
        let digits = yuan.abs().to_string();
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        let sign = if fen < 0 { "-" } else { "" };
        format!("{sign}¥{grouped}.{cents:02}")
    }

    /// A fresh key for a form that must take effect once however often it is sent.
    pub fn once_key(&self) -> String {
        new_token()
    }

    pub fn css(&self) -> &'static str {
        assets::css_href()
    }

    /// The other language, for the switch in the header.
    pub fn other_lang(&self) -> Lang {
        match self.lang {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Shows the form again with the error: the API's message in the page's language.
    pub fn refused(mut self, e: AppError) -> Self {
        self.error = Some(FormError {
            status: e.status,
            field: e.field,
            message: self.lang.pick(&e.message),
        });
        self
    }
}

/// What each field of the forms is called, for an error summary that names it: the
/// form's name of a field and the text key of its label.
const FIELD_LABELS: &[(&str, &str)] = &[
    ("age", "filter-age"),
    ("area", "filter-area"),
    ("assignment_id", "volunteer"),
    ("badges", "field-badges"),
    ("budget_yuan", "budget-yuan"),
    ("capacity", "capacity"),
    ("category", "case-category"),
    ("closes_at", "closes-at"),
    ("code", "checkin-code"),
    ("community", "filter-community"),
    ("consent", "field-consent"),
    ("content", "review-content"),
    ("date", "filter-date"),
    ("description", "description"),
    ("effect", "review-effect"),
    ("ends_at", "field-ends-at"),
    ("expected_participants", "expected-participants"),
    ("finance", "ind-finance"),
    ("expires_at", "grant-expires"),
    ("from", "period-from"),
    ("given", "field-consent"),
    ("guardian_name", "guardian-name"),
    ("id_number", "id-number"),
    ("management", "ind-management"),
    ("max_age", "max-age"),
    ("min_age", "min-age"),
    ("minutes", "field-minutes"),
    ("name", "name"),
    ("need_tags", "field-need-tags"),
    ("notes", "field-notes"),
    ("opens_at", "opens-at"),
    ("order", "field-order"),
    ("org", "filter-org"),
    ("organization", "review-organization"),
    ("organization_id", "field-organization"),
    ("outcomes", "ind-outcomes"),
    ("participant_id", "who-takes-part"),
    ("password", "password"),
    ("phone", "phone"),
    ("professional_service", "ind-professional-service"),
    ("project_id", "field-project"),
    ("project", "field-project"),
    ("q", "menu-search"),
    ("reason", "field-reason"),
    ("registration_closes_at", "field-registration-closes-at"),
    ("registration_opens_at", "field-registration-opens-at"),
    ("relation", "field-relation"),
    ("risk_level", "risk"),
    ("role", "field-role"),
    ("round_id", "field-round"),
    ("satisfaction", "ind-satisfaction"),
    ("scope", "consent-scope"),
    ("sessions", "sessions"),
    ("sessions_bought", "field-sessions-bought"),
    ("sessions_offered", "sessions-offered"),
    ("starts_at", "field-starts-at"),
    ("subject_birth_date", "birth-date"),
    ("subject_name", "case-subject-name"),
    ("supervisor_id", "case-supervisor"),
    ("text", "field-text"),
    ("title", "field-title"),
    ("to", "period-to"),
    ("unit_price_yuan", "unit-price-yuan"),
    ("user_id", "grant-to"),
    ("venue", "venue"),
    ("waitlist_capacity", "waitlist-capacity"),
    ("window_end", "window-end"),
    ("window_start", "window-start"),
];

impl Ctx {
    /// A refusal at a field, naming the field: `名称：不能为空`. A field inside another
    /// (`consent.given`) is named by its last part.
    pub fn field_problem(&self, field: &str, problem: &str) -> String {
        let last = field.rsplit('.').next().unwrap_or(field);
        match FIELD_LABELS.iter().find(|(name, _)| *name == last) {
            Some((_, label)) => {
                self.t2("field-problem", "field", self.t(label), "problem", problem)
            }
            None => problem.to_owned(),
        }
    }
}

/// A date typed or picked in a form (`2026-12-07`); its field named when it is not one.
pub(super) fn form_date(field: &str, raw: &str) -> Result<Date, AppError> {
    Date::parse(
        raw.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        AppError::invalid(
            field,
            "请填写日期，如 2026-12-07 / Enter a date such as 2026-12-07",
        )
    })
}

/// The address this site is reached at, for links that leave the page (QR codes): the
/// configured public address, else the request's host.
pub(super) fn site_origin(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let scheme = if state.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// A QR code of `link` as inline SVG.
pub(super) fn qr_svg(link: &str) -> Result<String, AppError> {
    use qrcode::render::svg;
    let qr = qrcode::QrCode::new(link.as_bytes())
        .map_err(AppError::internal)?
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    // The renderer's XML declaration has no place inside HTML.
    Ok(qr
        .find("<svg")
        .map_or(qr.as_str(), |at| &qr[at..])
        .to_owned())
}

/// A value a template hands over as itself or by reference (askama borrows
/// arguments), taken by copy.
pub trait Copied<T> {
    fn copied(self) -> T;
}

impl<T: Copy> Copied<T> for T {
    fn copied(self) -> T {
        self
    }
}

impl<T: Copy> Copied<T> for &T {
    fn copied(self) -> T {
        *self
    }
}

impl<T: Copy> Copied<T> for &&T {
    fn copied(self) -> T {
        **self
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    ok: Option<String>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let lang = Lang::of(&parts.headers);
        let user = MaybeUser::from_request_parts(parts, state).await?.0;
        let nonce = csrf_of(parts).unwrap_or_default();
        // Bound to the session cookie the browser holds, valid or not, exactly as the
        // form is checked when it comes back.
        let session = crate::extract::session_hash(parts);
        let csrf = crate::auth::form_token(&nonce, session.as_deref());
        // Only known notices are shown: the query names a text, it never carries one.
        let notice = axum::extract::Query::<NoticeQuery>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.ok)
            .map(|key| format!("ok-{key}"))
            .filter(|key| lang.has(key))
            .map(|key| Notice {
                text: lang.t(&key),
                waits: key == "ok-waitlisted",
            });
        Ok(Ctx {
            lang,
            user,
            csrf,
            path: page_address(parts),
            notice,
            error: None,
            now: state.now(),
        })
    }
}

/// The address of the page being shown, for the language switch to come back to: the
/// request's own for a GET, else the page the form was on (a form shown again lives at
/// an address that only takes posts).
fn page_address(parts: &Parts) -> String {
    if parts.method == Method::GET {
        return parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
    }
    let referer = parts
        .headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|at| &rest[at..]))
        .unwrap_or("/");
    public::local_path(referer).to_owned()
}

impl Ctx {
    /// A page for no one in particular, with no form on it (the error pages).
    pub fn anonymous(lang: Lang, path: &str, now: OffsetDateTime) -> Self {
        Ctx {
            lang,
            user: None,
            csrf: String::new(),
            path: path.to_owned(),
            notice: None,
            error: None,
            now,
        }
    }

    /// The signed-in user, or a redirect to sign in.
    pub fn user(&self) -> Result<&CurrentUser, PageError> {
        self.user
            .as_ref()
            .ok_or_else(|| PageError(AppError::unauthorized()))
    }

    /// The signed-in user holding one of `roles`; 403 otherwise.
    pub fn require(&self, roles: &[Role]) -> Result<&CurrentUser, PageError> {
        let user = self.user()?;
        user.require(roles)?;
        Ok(user)
    }
}

/// A page's error: rendered as an HTML page in the visitor's language by `page_layer`.
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl From<youthloop_store::StoreError> for PageError {
    fn from(e: youthloop_store::StoreError) -> Self {
        PageError(e.into())
    }
}

impl From<youthloop_domain::DomainError> for PageError {
    fn from(e: youthloop_domain::DomainError) -> Self {
        PageError(e.into())
    }
}

/// What `page_layer` needs to draw the error page.
#[derive(Clone)]
struct Failure {
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut response = self.0.status.into_response();
        response.extensions_mut().insert(Failure {
            message: self.0.message,
        });
        response
    }
}

pub type PageResult = Result<Response, PageError>;

/// Renders a template as the page's answer.
pub fn render(template: &impl Template) -> PageResult {
    render_with(StatusCode::OK, template)
}

/// A page, or the form on it shown again with its error, under the error's status.
pub fn show(template: &impl Template, c: &Ctx) -> PageResult {
    match &c.error {
        Some(error) => render_with(error.status, template),
        None => render(template),
    }
}

fn render_with(status: StatusCode, template: &impl Template) -> PageResult {
    let html = template.render().map_err(AppError::internal)?;
    Ok((status, Html(html)).into_response())
}

/// After a successful form: back to a page, with a notice named by `ok`.
/// The district's organizations' names by id, to name what a page lists.
pub(super) async fn organization_names(
    state: &AppState,
    district: &DistrictId,
) -> Result<std::collections::HashMap<OrganizationId, String>, PageError> {
    Ok(state
        .store
        .organizations(district, &youthloop_store::model::Page::all())
        .await?
        .items
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

pub fn done(to: &str, ok: &str) -> PageResult {
    let sep = if to.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{to}{sep}ok={ok}")).into_response())
}

/// Back to `to` with the cookies another answer set (a new session, a cleared one).
pub fn redirect_with_cookie(to: &str, cookie: &str) -> PageResult {
    let mut response = Redirect::to(to).into_response();
    let cookie = HeaderValue::from_str(cookie).map_err(AppError::internal)?;
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// A step that cannot be undone is posted first without `confirm`: the page then asks,
/// and only the second post, with `confirm=yes`, acts. It works without JavaScript.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Confirm {
    confirm: String,
    /// The page the step was asked from, to go back to.
    back: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    c: Ctx,
    question: String,
    yes: String,
    action: String,
    back: String,
}

impl Confirm {
    /// Whether this post is the second one, which acts.
    pub fn confirmed(&self) -> bool {
        self.confirm == "yes"
    }

    /// The page that asks `question` before posting to `action` again; `yes` names the
    /// step on its button.
    pub fn ask(&self, c: Ctx, action: &str, question: String, yes: &str) -> PageResult {
        let page = ConfirmPage {
            question,
            yes: c.t(yes),
            action: action.to_owned(),
            back: public::local_path(&c.path).to_owned(),
            c,
        };
        let html = page.render().map_err(AppError::internal)?;
        Ok(Html(html).into_response())
    }

    /// Where to go after the step: the page it was asked from, else `default`.
    pub fn back_or(&self, default: &str) -> String {
        match public::local_path(&self.back) {
            "/" => default.to_owned(),
            back => back.to_owned(),
        }
    }
}

/// A form with nothing but its token (a button).
#[derive(Deserialize, Default)]
pub struct NoFields {}

/// A form's fields, after its token was checked against the cookie.
pub struct PageForm<T>(pub T);

#[derive(Deserialize)]
struct TokenOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (parts, body) = req.into_parts();
        let session = crate::extract::session_hash(&parts);
        let expected = csrf_of(&parts)
            .filter(|nonce| !nonce.is_empty())
            .map(|nonce| crate::auth::form_token(&nonce, session.as_deref()));
        let expected_seen = expected.is_some();
        let same_origin =
            crate::extract::from_this_site(&parts, state.settings.public_url.as_deref());
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| {
                if crate::listen::timed_out(&e) {
                    AppError::body_timed_out()
                } else {
                    AppError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "too_large",
                        "表单内容过多 / The form is too large",
                    )
                }
            })?;
        let sent: TokenOnly = serde_html_form::from_bytes(&bytes).map_err(|e| bad_form(&e))?;
        let token_ok = expected.is_some_and(|cookie| {
            !cookie.is_empty()
                && youthloop_domain::checkin::constant_time_eq(
                    cookie.as_bytes(),
                    sent.csrf.as_bytes(),
                )
        });
        if !token_ok || !same_origin {
            tracing::warn!(
                token_ok,
                same_origin,
                cookie = expected_seen,
                "form refused: its token or origin does not match"
            );
            return Err(PageError(AppError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "表单已过期或来源不明，请刷新页面后重试 / The form expired or came from elsewhere: reload the page and try again",
            )));
        }
        // serde_html_form reads repeated fields (checkboxes) into a list.
        serde_html_form::from_bytes(&bytes)
            .map(PageForm)
            .map_err(|e| bad_form(&e))
    }
}

fn bad_form(e: &dyn std::fmt::Display) -> PageError {
    PageError(AppError::new(
        StatusCode::BAD_REQUEST,
        "bad_form",
        format!("表单格式错误 / Malformed form: {e}"),
    ))
}

/// The token a new visitor is given before any cookie exists.
#[derive(Clone)]
struct FreshToken(String);

fn csrf_of(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<FreshToken>()
        .map(|t| t.0.clone())
        .or_else(|| {
            CookieJar::from_headers(&parts.headers)
                .get(CSRF_COOKIE)
                .map(|c| c.value().to_owned())
        })
}

/// Gives every visitor a form token, sets what pages may load, and draws the page of
/// any error a page handler returned.
async fn page_layer(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let lang = Lang::of(req.headers());
    let path = req.uri().path().to_owned();
    let wanted = req.uri().to_string();
    // Kept for an error page, which shows the header as the person is signed in.
    let headers = req.headers().clone();
    let is_get = req.method() == Method::GET;
    let has_token = CookieJar::from_headers(req.headers())
        .get(CSRF_COOKIE)
        .is_some();
    let fresh = (!has_token).then(new_token);
    if let Some(token) = &fresh {
        req.extensions_mut().insert(FreshToken(token.clone()));
    }
    let mut response = next.run(req).await;
    // Signing in or out replaces the form cookie: a token from before means nothing after.
    let session_changed = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|c| c.as_bytes().starts_with(SESSION_COOKIE.as_bytes()));
    let fresh = fresh.or_else(|| session_changed.then(new_token));
    if let Some(failure) = response.extensions_mut().remove::<Failure>() {
        let status = response.status();
        response = if status == StatusCode::UNAUTHORIZED {
            let next = if is_get { wanted } else { "/".to_owned() };
            let query = serde_html_form::to_string([("next", next)]).unwrap_or_default();
            Redirect::to(&format!("/signin?{query}")).into_response()
        } else {
            let mut c = Ctx::anonymous(lang, &path, state.now());
            c.user = signed_in(&state, headers).await;
            error_page(c, status, &failure.message)
        };
    }
    if let Some(token) = fresh {
        let secure = state.settings.cookie_security();
        if let Ok(cookie) = HeaderValue::from_str(&format!(
            "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
        )) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    // Browsers send `Origin: null` on a form post from a `no-referrer` page, and the
    // form check needs the real origin; nothing leaves this site either way.
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages hold personal data (case notes, a family's children): nothing of them stays
    // in the browser's cache once the person has moved on or signed out.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Ctx,
    status: u16,
    title: String,
    message: String,
}

/// Who the session cookie of `headers` signs in, if anyone: read again for an error
/// page, whose handler's own reading went with its failure.
async fn signed_in(state: &AppState, headers: axum::http::HeaderMap) -> Option<CurrentUser> {
    let (mut parts, ()) = Request::new(()).into_parts();
    parts.headers = headers;
    MaybeUser::from_request_parts(&mut parts, state)
        .await
        .ok()
        .and_then(|u| u.0)
}

fn error_page(c: Ctx, status: StatusCode, message: &str) -> Response {
    let lang = c.lang;
    let key = format!("error-{}", status.as_u16());
    let title = if lang.has(&key) {
        lang.t(&key)
    } else {
        lang.t("error-other")
    };
    let page = ErrorPage {
        c,
        status: status.as_u16(),
        title,
        message: lang.pick(message),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::internal(e).into_response(),
    }
}

/// Any path that is not the API's: an HTML 404 in the visitor's language.
pub async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request<Body>,
) -> Response {
    if req.uri().path().starts_with("/api/") {
        return AppError::not_found().into_response();
    }
    let lang = Lang::of(req.headers());
    let message = AppError::not_found().message;
    let mut c = Ctx::anonymous(lang, req.uri().path(), state.now());
    c.user = signed_in(&state, req.headers().clone()).await;
    error_page(c, StatusCode::NOT_FOUND, &message)
}

pub fn router(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .merge(public::routes())
        .merge(guardian::routes())
        .merge(community::routes())
        .merge(orders::routes())
        .merge(organization::routes())
        .merge(league::routes())
        .merge(dispatching::routes())
        .merge(evaluation::routes())
        .merge(moderation::routes())
        .merge(casework::routes())
        .merge(volunteering::routes())
        .merge(rostering::routes())
        .method_not_allowed_fallback(|| async {
            PageError(AppError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "该页面不支持此操作 / This page does not take that request",
            ))
        })
        .layer(middleware::from_fn_with_state(state, page_layer));
    // Assets stay outside the page layer: no cookie on them, so that they can be cached.
    Router::new()
        .merge(pages)
        .route("/assets/app.css", get(assets::css))
        .route("/assets/icon.svg", get(assets::icon))
        .route("/favicon.ico", get(assets::icon))
}

#[cfg(test)]
mod tests {
    use super::FIELD_LABELS;

    /// Every field a form sends has a name the error summary can say.
    #[test]
    fn every_form_field_has_a_label() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut fields = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let html = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for marker in ["name=\"", "m::input(c, \"", "m::textarea(c, \""] {
                for rest in html.split(marker).skip(1) {
                    // A macro's own parameter (`{{ name }}`) is filled by its callers.
                    match rest.split_once('"') {
                        Some((name, _)) if !name.contains('{') => {
                            fields.insert(name.to_owned());
                        }
                        _ => {}
                    }
                }
            }
        }
        // The page's own plumbing, not fields a person fills in.
        for plumbing in [
            "_csrf",
            "key",
            "next",
            "back",
            "viewport",
            "theme-color",
            "confirm",
        ] {
            fields.remove(plumbing);
        }
        assert!(fields.len() > 20, "{fields:?}");
        for field in &fields {
            let label = FIELD_LABELS.iter().find(|(name, _)| name == field);
            let Some((_, key)) = label else {
                panic!("no label for the form field {field}");
            };
            assert!(Lang::Zh.has(key) && Lang::En.has(key), "no text for {key}");
        }
        let c = super::Ctx::anonymous(Lang::Zh, "/", time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(c.field_problem("title", "不能为空"), "名称：不能为空");
        assert_eq!(
            c.field_problem("consent.given", "须同意"),
            "监护人同意：须同意"
        );
    }

    use super::Lang;
    use youthloop_domain::activity::{ActivityAction, ActivityStatus, RegistrationStatus};
    use youthloop_domain::case::{CaseAction, CaseCategory, CaseStatus, RiskLevel};
    use youthloop_domain::moderation::HoldReason;
    use youthloop_domain::order::{OrderAction, OrderStatus};
    use youthloop_domain::review::ReviewStatus;
    use youthloop_domain::role::Role;
    use youthloop_domain::round::{ProjectStatus, RoundAction, RoundStatus};
    use youthloop_domain::volunteer::{AssignmentStatus, RosterStatus};

    /// Every state, step and role a page may name has its text in both languages, so no
    /// page ever falls back to a raw `snake_case` value.
    #[test]
    fn every_state_has_a_name_in_both_languages() {
        fn names<T: std::fmt::Display>(kind: &str, all: &[T]) -> Vec<String> {
            all.iter()
                .map(|v| format!("{kind}-{v}").replace('_', "-"))
                .collect()
        }
        let keys = [
            names("order", OrderStatus::ALL),
            names("step", OrderAction::ALL),
            names("round", RoundStatus::ALL),
            names("round-step", RoundAction::ALL),
            names("project", ProjectStatus::ALL),
            names("activity", ActivityStatus::ALL),
            names("activity-step", ActivityAction::ALL),
            names("reg", RegistrationStatus::ALL),
            names("case", CaseStatus::ALL),
            names("case-step", CaseAction::ALL),
            names("risk", RiskLevel::ALL),
            names("category", CaseCategory::ALL),
            names("role", Role::ALL),
            names("assignment", AssignmentStatus::ALL),
            names("roster", RosterStatus::ALL),
            names("review", ReviewStatus::ALL),
            names("review-kind", &["comment", "activity", "order"]),
            names("hold", HoldReason::ALL),
        ]
        .concat();
        for key in keys {
            assert!(
                Lang::Zh.has(&key) && Lang::En.has(&key),
                "no text for {key}"
            );
        }
    }

    #[test]
    fn money_reads_as_yuan() {
        let c = super::Ctx::anonymous(Lang::Zh, "/", time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(c.yuan(12_345_678_i64), "¥123,456.78");
        assert_eq!(c.yuan(5_i64), "¥0.05");
        assert_eq!(c.yuan(-150_000_i64), "-¥1,500.00");
    }
}
