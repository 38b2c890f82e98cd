//! Casework (个案) for minors at risk. Only the assigned worker, the supervisor and
//! holders of a live grant read a case; the League sees counts, never content. The
//! store audits every call.

use crate::wire::ymd;
use serde::Deserialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use youthloop_domain::case::{parse_category, parse_risk, CaseAction};
use youthloop_domain::id::*;
use youthloop_domain::parse::{age_on, text};
use youthloop_domain::role::Role;
use youthloop_store::model::{
    AuditEntry, CaseCount, CaseFile, CaseGrant, CaseSummary, NewCase, Paged,
};

use crate::error::{AppError, AppResult};
use crate::extract::{CurrentUser, ListQuery};
use crate::state::AppState;

const CASE_ROLES: &[Role] = &[Role::SocialWorker, Role::OrgAdmin];

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseConsentBody {
    pub guardian_name: String,
    pub relation: String,
    /// What the guardian agreed to, e.g. 个案服务及必要的信息记录.
    pub scope: String,
    /// The guardian's consent is given (intake needs it).
    pub given: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeBody {
    pub subject_name: String,
    #[serde(with = "ymd")]
    #[schema(value_type = String, example = "2013-04-01")]
    pub subject_birth_date: Date,
    /// truancy, bullying, family, delinquency, psychological, left_behind, other
    pub category: String,
    #[schema(value_type = String)]
    pub supervisor_id: UserId,
    pub consent: CaseConsentBody,
}

/// Intake: a social worker opens a case for a minor with the guardian's consent.
pub async fn open_case(state: &AppState, user: &CurrentUser, b: IntakeBody) -> AppResult<CaseFile> {
    user.require(&[Role::SocialWorker])?;
    let organization_id = user
        .actor
        .scopes(&[Role::SocialWorker])
        .into_iter()
        .next()
        .map(OrganizationId::from)
        .ok_or_else(AppError::forbidden)?;
    if !b.consent.given {
        return Err(AppError::invalid(
            "consent.given",
            "接案须有监护人同意 / Intake needs the guardian's consent",
        ));
    }
    if !(0..18).contains(&age_on(b.subject_birth_date, state.today())) {
        return Err(AppError::invalid(
            "subject_birth_date",
            "个案对象须为未成年人 / The subject is a minor",
        ));
    }
    let case = NewCase {
        organization_id,
        subject_name: text("subject_name", &b.subject_name, 50)?,
        subject_birth_date: b.subject_birth_date,
        category: parse_category(&b.category)?,
        supervisor_id: b.supervisor_id,
        guardian_name: text("consent.guardian_name", &b.consent.guardian_name, 50)?,
        relation: text("consent.relation", &b.consent.relation, 20)?,
        consent_scope: text("consent.scope", &b.consent.scope, 200)?,
    };
    Ok(state.store.open_case(&user.actor, case).await?)
}

/// The cases the caller may read, names masked.
pub async fn cases(state: &AppState, user: &CurrentUser) -> AppResult<Vec<CaseSummary>> {
    user.require(CASE_ROLES)?;
    Ok(state.store.cases(&user.actor, state.now()).await?)
}

/// The whole case: for its worker, its supervisor, and live grants.
pub async fn case_file(state: &AppState, user: &CurrentUser, id: &CaseId) -> AppResult<CaseFile> {
    user.require(CASE_ROLES)?;
    Ok(state.store.case_file(&user.actor, id, state.now()).await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseNoteBody {
    pub text: String,
    /// With an assessment: low, medium, high or critical.
    pub risk_level: Option<String>,
}

/// Records an assessment, plan, session, review or closure.
pub async fn record(
    state: &AppState,
    user: &CurrentUser,
    id: &CaseId,
    action: CaseAction,
    b: CaseNoteBody,
) -> AppResult<CaseFile> {
    user.require(CASE_ROLES)?;
    let risk = match (&b.risk_level, action) {
        (Some(r), CaseAction::Assess) => Some(parse_risk(r)?),
        (None, CaseAction::Assess) => {
            return Err(AppError::invalid(
                "risk_level",
                "评估须给出风险等级 / An assessment gives a risk level",
            ))
        }
        (Some(_), _) => {
            return Err(AppError::invalid(
                "risk_level",
                "只有评估给出风险等级 / Only an assessment gives a risk level",
            ))
        }
        (None, _) => None,
    };
    let text = text("text", &b.text, 5000)?;
    Ok(state
        .store
        .record_case(&user.actor, id, action, risk, &text, state.now())
        .await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    #[schema(value_type = String)]
    pub user_id: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// The worker or supervisor lets a colleague read the case for at most 90 days.
pub async fn grant(
    state: &AppState,
    user: &CurrentUser,
    id: &CaseId,
    b: GrantBody,
) -> AppResult<CaseGrant> {
    user.require(CASE_ROLES)?;
    let now = state.now();
    if b.expires_at <= now || b.expires_at > now + time::Duration::days(90) {
        return Err(AppError::invalid(
            "expires_at",
            "授权须在90天内到期 / A grant ends within 90 days",
        ));
    }
    Ok(state
        .store
        .grant_case(
            &user.actor,
            id,
            &b.user_id,
            b.expires_at.to_offset(time::UtcOffset::UTC),
            now,
        )
        .await?)
}

/// Case counts by category, risk and state, for the League and evaluators: no content.
pub async fn stats(state: &AppState, user: &CurrentUser) -> AppResult<Vec<CaseCount>> {
    user.require(&[Role::LeagueAdmin, Role::Evaluator])?;
    Ok(state.store.case_counts(user.district()).await?)
}

/// The district's audit trail, oldest first: for the League and evaluators.
pub async fn audit_trail(
    state: &AppState,
    user: &CurrentUser,
    q: &ListQuery,
) -> AppResult<Paged<AuditEntry>> {
    user.require(&[Role::LeagueAdmin, Role::Evaluator])?;
    Ok(state
        .store
        .audit_events(user.district(), &q.numbered_page()?)
        .await?)
}
