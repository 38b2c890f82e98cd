//! Casework for at-risk minors: a social worker's cases through intake (with the
//! guardian's consent), assessment, plan, sessions, review and closure, and grants to a
//! colleague that expire; a supervisor sees the cases they supervise.

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use youthloop_domain::case::{CaseAction, CaseCategory, CaseStatus, RiskLevel};
use youthloop_domain::id::*;
use youthloop_domain::role::Role;
use youthloop_store::model::{CaseFile, CaseSummary, Colleague};

use super::organization::moment;
use super::{done, show, Ctx, PageError, PageForm, PageResult};
use crate::error::{AppError, AppResult};
use crate::extract::CurrentUser;
use crate::services;
use crate::services::cases::{CaseConsentBody, CaseNoteBody, GrantBody, IntakeBody};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(cases).post(open_case))
        .route("/cases/{id}", get(case))
        .route("/cases/{id}/grant", post(grant))
        .route("/cases/{id}/record/{action}", post(record))
}

const CASE_ROLES: &[Role] = &[Role::SocialWorker, Role::OrgAdmin];

async fn colleagues(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Colleague>> {
    let Some(org) = user
        .actor
        .scopes(CASE_ROLES)
        .into_iter()
        .next()
        .map(OrganizationId::from)
    else {
        return Ok(Vec::new());
    };
    Ok(state
        .store
        .colleagues(user.district(), &org)
        .await?
        .into_iter()
        .filter(|c| c.id != user.user.id)
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IntakeForm {
    subject_name: String,
    subject_birth_date: String,
    category: String,
    supervisor_id: UserId,
    guardian_name: String,
    relation: String,
    scope: String,
    given: Option<String>,
}

impl IntakeForm {
    fn body(&self) -> AppResult<IntakeBody> {
        let birth = super::form_date("subject_birth_date", &self.subject_birth_date)?;
        Ok(IntakeBody {
            subject_name: self.subject_name.clone(),
            subject_birth_date: birth,
            category: self.category.clone(),
            supervisor_id: self.supervisor_id.clone(),
            consent: CaseConsentBody {
                guardian_name: self.guardian_name.clone(),
                relation: self.relation.clone(),
                scope: self.scope.clone(),
                given: self.given.is_some(),
            },
        })
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    c: Ctx,
    cases: Vec<CaseSummary>,
    colleagues: Vec<Colleague>,
    categories: &'static [CaseCategory],
    f: IntakeForm,
}

async fn cases_page(state: &AppState, c: Ctx, f: IntakeForm) -> PageResult {
    let user = c.require(CASE_ROLES)?;
    let cases = services::cases::cases(state, user).await?;
    let colleagues = colleagues(state, user).await?;
    let page = CasesPage {
        c,
        cases,
        colleagues,
        categories: CaseCategory::ALL,
        f,
    };
    show(&page, &page.c)
}

async fn cases(State(state): State<AppState>, c: Ctx) -> PageResult {
    cases_page(&state, c, IntakeForm::default()).await
}

/// The API names the consent's fields `consent.x`; the form names them `x`.
fn plain_field(mut e: AppError) -> AppError {
    e.field = e.field.map(|f| f.trim_start_matches("consent.").to_owned());
    e
}

async fn open_case(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(f): PageForm<IntakeForm>,
) -> PageResult {
    let user = c.require(CASE_ROLES)?.clone();
    let opened = async {
        let body = f.body()?;
        services::cases::open_case(&state, &user, body)
            .await
            .map(|file| file.summary.id)
    }
    .await;
    match opened {
        Ok(id) => done(&format!("/cases/{id}"), "case_opened"),
        Err(e) => cases_page(&state, c.refused(plain_field(e)), f).await,
    }
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    c: Ctx,
    file: CaseFile,
    next: Vec<CaseAction>,
    /// The assigned worker and the supervisor record and grant; a grantee only reads.
    can_write: bool,
    risks: &'static [RiskLevel],
    colleagues: Vec<Colleague>,
}

async fn case_page(state: &AppState, c: Ctx, id: &CaseId) -> PageResult {
    let user = c.require(CASE_ROLES)?;
    let file = services::cases::case_file(state, user, id).await?;
    let colleagues = colleagues(state, user).await?;
    let me = &user.user.id;
    let page = CasePage {
        can_write: file.summary.worker_id == *me || file.summary.supervisor_id == *me,
        next: youthloop_domain::allowed(file.summary.status, CaseAction::ALL, CaseStatus::apply),
        risks: RiskLevel::ALL,
        file,
        colleagues,
        c,
    };
    show(&page, &page.c)
}

async fn case(State(state): State<AppState>, c: Ctx, Path(id): Path<CaseId>) -> PageResult {
    case_page(&state, c, &id).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
    text: String,
    risk_level: String,
}

async fn record(
    State(state): State<AppState>,
    c: Ctx,
    Path((id, action)): Path<(CaseId, String)>,
    PageForm(f): PageForm<NoteForm>,
) -> PageResult {
    let user = c.require(CASE_ROLES)?.clone();
    let action = CaseAction::parse(&action).ok_or_else(|| PageError(AppError::not_found()))?;
    let body = CaseNoteBody {
        text: f.text,
        risk_level: (!f.risk_level.is_empty()).then_some(f.risk_level),
    };
    match services::cases::record(&state, &user, &id, action, body).await {
        Ok(_) => done(&format!("/cases/{id}"), "case_recorded"),
        Err(e) => case_page(&state, c.refused(e), &id).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GrantForm {
    user_id: UserId,
    expires_at: String,
}

async fn grant(
    State(state): State<AppState>,
    c: Ctx,
    Path(id): Path<CaseId>,
    PageForm(f): PageForm<GrantForm>,
) -> PageResult {
    let user = c.require(CASE_ROLES)?.clone();
    let granted = async {
        let expires_at = moment("expires_at", &f.expires_at)?;
        services::cases::grant(
            &state,
            &user,
            &id,
            GrantBody {
                user_id: f.user_id,
                expires_at,
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    match granted {
        Ok(()) => done(&format!("/cases/{id}"), "granted"),
        Err(e) => case_page(&state, c.refused(e), &id).await,
    }
}
