//! The next round bought on the record: a round's proposals ranked by the rule in
//! `domain::ranking`, each with the evidence its score rests on.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use youthloop_domain::id::*;
use youthloop_domain::ranking::{self, Evidence, Reach};
use youthloop_domain::role::Role;
use youthloop_domain::scorecard::last_twelve_months;

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::services::reviews::{card, Scorecard};
use crate::state::AppState;

/// A round's proposals, best first, and the rule that ranks them.
#[derive(Serialize, ToSchema)]
pub struct Ranking {
    pub round_id: String,
    pub items: Vec<RankedProposal>,
    /// The record counted is the organizations' scorecards over this window.
    #[serde(with = "time::serde::rfc3339")]
    pub record_from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub record_to: OffsetDateTime,
    pub rule_zh: &'static str,
    pub rule_en: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct RankedProposal {
    pub project_id: String,
    pub organization_id: String,
    pub title: String,
    pub area: String,
    pub min_age: u32,
    pub max_age: u32,
    pub unit_price_fen: i64,
    pub sessions_offered: u32,
    /// `submitted`, `approved` or `rejected`.
    pub status: String,
    /// 0–100, the sum of the parts in `evidence`.
    pub score: f64,
    /// The organization's latest grade is D.
    pub flagged: bool,
    pub evidence: RankingEvidence,
}

/// What a score rests on, each part with its points.
#[derive(Serialize, ToSchema)]
pub struct RankingEvidence {
    /// The organization's scorecard over the record window.
    pub record: Scorecard,
    /// Whether it has anything on record (sessions delivered or reviews); without, the
    /// record counts as the neutral 60.
    pub has_record: bool,
    pub record_points: f64,
    /// The latest third-party grade, if any.
    pub grade: Option<String>,
    pub grade_points: f64,
    #[schema(value_type = Object)]
    pub fit: Reach,
    pub fit_points: f64,
}

/// Ranks a round's proposals for the League.
pub async fn ranking(state: &AppState, user: &CurrentUser, id: &RoundId) -> AppResult<Ranking> {
    user.require(&[Role::LeagueAdmin])?;
    let district = user.district();
    let round = state.store.round(district, id).await?;
    let projects = state.store.projects(district, &round.id).await?;
    let profiles: Vec<_> = state
        .store
        .communities(district)
        .await?
        .into_iter()
        .filter_map(|c| c.profile)
        .collect();
    let grades: HashMap<_, _> = state
        .store
        .latest_grades(district)
        .await?
        .into_iter()
        .collect();
    let (from, to) = last_twelve_months(state.today());
    let mut records = HashMap::new();
    for org in projects.iter().map(|p| &p.organization_id) {
        if !records.contains_key(org) {
            let facts = state.store.scorecard_facts(district, org, from, to).await?;
            records.insert(org.clone(), facts);
        }
    }
    let window = format!(
        "{}/{}",
        from.to_offset(youthloop_domain::parse::SHANGHAI).date(),
        to.to_offset(youthloop_domain::parse::SHANGHAI).date()
    );
    let mut items: Vec<RankedProposal> = projects
        .into_iter()
        .map(|p| {
            let facts = &records[&p.organization_id];
            let record = card(p.organization_id.clone(), window.clone(), facts);
            let has_record = facts.sessions_delivered > 0 || facts.review_count > 0;
            let grade = grades.get(&p.organization_id).copied();
            let evidence = Evidence {
                record: has_record.then_some(record.score),
                grade,
                reach: ranking::reach(&profiles, p.min_age, p.max_age, &p.area),
            };
            let ranked = ranking::rank(&evidence);
            RankedProposal {
                project_id: p.id.into(),
                organization_id: p.organization_id.into(),
                title: p.title,
                area: p.area,
                min_age: p.min_age,
                max_age: p.max_age,
                unit_price_fen: p.unit_price_fen,
                sessions_offered: p.sessions_offered,
                status: p.status.as_str().to_owned(),
                score: ranked.score,
                flagged: ranked.flagged,
                evidence: RankingEvidence {
                    record,
                    has_record,
                    record_points: ranked.record_points,
                    grade: grade.map(|g| g.as_str().to_owned()),
                    grade_points: ranked.grade_points,
                    fit: evidence.reach,
                    fit_points: ranked.fit_points,
                },
            }
        })
        .collect();
    // Best first; a tie goes to the proposal made first (ids are time-ordered).
    items.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.project_id.cmp(&b.project_id))
    });
    Ok(Ranking {
        round_id: round.id.into(),
        items,
        record_from: from,
        record_to: to,
        rule_zh: ranking::RULE_ZH,
        rule_en: ranking::RULE_EN,
    })
}
