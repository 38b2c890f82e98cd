//! The evaluator's page (第三方评估): score an organization for a round on the district's
//! weighted indicators, and see each organization's latest grade.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use youthloop_domain::evaluation::{Grade, Weights};
use youthloop_domain::id::*;
use youthloop_domain::role::Role;
use youthloop_store::model::{Organization, Page, Round};

use super::{done, show, Ctx, PageForm, PageResult};
use crate::error::{AppError, AppResult};
use crate::services;
use crate::services::evaluations::{EvaluationBody, IndicatorsBody};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/evaluate", get(form).post(evaluate))
}

/// The indicators in the order the form asks them: field name and text key.
const INDICATORS: [(&str, &str); 5] = [
    ("management", "ind-management"),
    ("professional_service", "ind-professional-service"),
    ("outcomes", "ind-outcomes"),
    ("finance", "ind-finance"),
    ("satisfaction", "ind-satisfaction"),
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EvaluationForm {
    round_id: String,
    organization_id: String,
    management: String,
    professional_service: String,
    outcomes: String,
    finance: String,
    satisfaction: String,
    notes: String,
}

impl EvaluationForm {
    fn value(&self, field: &str) -> &str {
        match field {
            "management" => &self.management,
            "professional_service" => &self.professional_service,
            "outcomes" => &self.outcomes,
            "finance" => &self.finance,
            _ => &self.satisfaction,
        }
    }

    fn body(&self) -> AppResult<EvaluationBody> {
        let score = |field: &'static str| -> AppResult<i64> {
            self.value(field).trim().parse().map_err(|_| {
                AppError::invalid(field, "请填写0到100的整数 / A whole number from 0 to 100")
            })
        };
        Ok(EvaluationBody {
            organization_id: OrganizationId::from(self.organization_id.as_str()),
            round_id: RoundId::from(self.round_id.as_str()),
            indicators: IndicatorsBody {
                management: score("management")?,
                professional_service: score("professional_service")?,
                outcomes: score("outcomes")?,
                finance: score("finance")?,
                satisfaction: score("satisfaction")?,
            },
            notes: self.notes.clone(),
        })
    }
}

#[derive(Template)]
#[template(path = "evaluate.html")]
struct EvaluatePage {
    c: Ctx,
    rounds: Vec<Round>,
    orgs: Vec<Organization>,
    weights: Weights,
    grades: HashMap<OrganizationId, Grade>,
    f: EvaluationForm,
}

impl EvaluatePage {
    /// Each indicator: its field, its label with the weight, and what was typed.
    fn indicators(&self) -> Vec<(&'static str, String, &str)> {
        let w = self.weights;
        let weights = [
            w.management,
            w.professional_service,
            w.outcomes,
            w.finance,
            w.satisfaction,
        ];
        INDICATORS
            .iter()
            .zip(weights)
            .map(|((field, key), weight)| {
                let label = self.c.t2(
                    "indicator-weighted",
                    "name",
                    self.c.t(key),
                    "weight",
                    weight,
                );
                (*field, label, self.f.value(field))
            })
            .collect()
    }

    fn grade(&self, org: &Organization) -> String {
        self.grades.get(&org.id).map_or_else(
            || self.c.t("grade-none"),
            |g| self.c.t1("grade-is", "grade", g),
        )
    }

    fn chosen_round(&self, r: &Round) -> bool {
        self.f.round_id == r.id.as_str()
    }

    fn chosen_org(&self, o: &Organization) -> bool {
        self.f.organization_id == o.id.as_str()
    }
}

async fn page(state: &AppState, c: Ctx, f: EvaluationForm) -> PageResult {
    let user = c.require(&[Role::Evaluator])?;
    let district = user.district().clone();
    let rounds = services::evaluations::rounds(state, user).await?.items;
    let orgs = state
        .store
        .organizations(&district, &Page::all())
        .await?
        .items;
    let weights = state.store.settings(&district).await?.evaluation_weights;
    let grades = state
        .store
        .latest_grades(&district)
        .await?
        .into_iter()
        .collect();
    let page = EvaluatePage {
        c,
        rounds,
        orgs,
        weights,
        grades,
        f,
    };
    show(&page, &page.c)
}

async fn form(State(state): State<AppState>, c: Ctx) -> PageResult {
    page(&state, c, EvaluationForm::default()).await
}

async fn evaluate(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(f): PageForm<EvaluationForm>,
) -> PageResult {
    let user = c.require(&[Role::Evaluator])?.clone();
    let made = async {
        let body = f.body()?;
        services::evaluations::evaluate(&state, &user, body).await
    }
    .await;
    match made {
        Ok(_) => done("/evaluate", "evaluated"),
        Err(e) => {
            let e = INDICATORS.iter().fold(e, |e, (field, _)| {
                e.renamed(&format!("indicators.{field}"), field)
            });
            page(&state, c.refused(e), f).await
        }
    }
}
