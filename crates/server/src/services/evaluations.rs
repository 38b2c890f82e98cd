//! Third-party evaluation (第三方评估): the evaluator scores an organization for a round
//! on the district's weighted indicators; the League, evaluators and the organization
//! itself read the results. And the rounds an evaluator chooses from.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use youthloop_domain::evaluation::{Grade, Indicators};
use youthloop_domain::id::*;
use youthloop_domain::parse::optional_text;
use youthloop_domain::role::Role;
use youthloop_store::model::{Evaluation, NewEvaluation, Paged, Round};

use crate::error::{AppError, AppResult};
use crate::extract::{CurrentUser, ListQuery};
use crate::state::AppState;

/// The five indicators, each 0–100.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct IndicatorsBody {
    /// 内部治理与管理
    pub management: i64,
    /// 专业服务
    pub professional_service: i64,
    /// 服务成效
    pub outcomes: i64,
    /// 财务管理
    pub finance: i64,
    /// 服务对象满意度
    pub satisfaction: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationBody {
    #[schema(value_type = String)]
    pub organization_id: OrganizationId,
    #[schema(value_type = String)]
    pub round_id: RoundId,
    pub indicators: IndicatorsBody,
    #[serde(default)]
    pub notes: String,
}

/// An evaluation as it was made: the scores, the weighted total and its grade.
#[derive(Serialize, ToSchema)]
pub struct EvaluationView {
    pub id: String,
    pub organization_id: String,
    pub round_id: String,
    pub round_title: String,
    pub indicators: IndicatorsBody,
    /// Out of 100, weighted by the district's settings when it was made.
    pub total: f64,
    /// A from 90, B from 75, C from 60, D below.
    #[schema(example = "B")]
    pub grade: String,
    pub notes: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub created_at: OffsetDateTime,
}

impl From<Evaluation> for EvaluationView {
    fn from(e: Evaluation) -> Self {
        Self {
            id: e.id,
            organization_id: e.organization_id.into(),
            round_id: e.round_id.into(),
            round_title: e.round_title,
            indicators: IndicatorsBody {
                management: e.management,
                professional_service: e.professional_service,
                outcomes: e.outcomes,
                finance: e.finance,
                satisfaction: e.satisfaction,
            },
            total: e.total,
            grade: e.grade.as_str().to_owned(),
            notes: e.notes,
            created_at: e.created_at,
        }
    }
}

/// The evaluator scores an organization for a round; the district's weights make the
/// total.
pub async fn evaluate(
    state: &AppState,
    user: &CurrentUser,
    b: EvaluationBody,
) -> AppResult<Evaluation> {
    user.require(&[Role::Evaluator])?;
    let i = b.indicators;
    let indicators = Indicators::parse([
        i.management,
        i.professional_service,
        i.outcomes,
        i.finance,
        i.satisfaction,
    ])?;
    let notes = optional_text("notes", &b.notes, 2000)?;
    let weights = state
        .store
        .settings(user.district())
        .await?
        .evaluation_weights;
    let total = weights.total(indicators);
    let evaluation = NewEvaluation {
        organization_id: b.organization_id,
        round_id: b.round_id,
        indicators,
        total,
        grade: Grade::of(total),
        notes,
    };
    Ok(state
        .store
        .create_evaluation(&user.actor, evaluation)
        .await?)
}

/// An organization's evaluations, newest first: for the League, evaluators and the
/// organization's own staff.
pub async fn evaluations(
    state: &AppState,
    user: &CurrentUser,
    id: &OrganizationId,
    q: &ListQuery,
) -> AppResult<Paged<Evaluation>> {
    let own = user
        .actor
        .only(&[Role::OrgAdmin, Role::OrgStaff])
        .org_ids()
        .contains(id);
    if !own && !user.actor.has_any(&[Role::LeagueAdmin, Role::Evaluator]) {
        return Err(AppError::forbidden());
    }
    let org = state.store.organization(user.district(), id).await?;
    Ok(state
        .store
        .evaluations(user.district(), &org.id, &q.page()?)
        .await?)
}

/// The district's rounds, newest first (League, evaluators).
pub async fn rounds(state: &AppState, user: &CurrentUser) -> AppResult<Paged<Round>> {
    user.require(&[Role::LeagueAdmin, Role::Evaluator])?;
    let items = state.store.rounds(user.district()).await?;
    Ok(Paged {
        items,
        next_cursor: None,
    })
}
