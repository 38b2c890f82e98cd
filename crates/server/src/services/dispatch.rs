//! Dispatch plans (派单方案): when the submitted orders ask for more sessions than the
//! menu has left, the League asks for a plan that reaches the most young people weighted
//! by need, fairly across communities (solved exactly by the planner), reads what each
//! community gets and why, and applies it in one step.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use youthloop_domain::dispatch::{need_weight, youth_per_session, Share};
use youthloop_domain::id::*;
use youthloop_domain::region::YouthProfile;
use youthloop_domain::role::Role;
use youthloop_planner::dispatch::{self as planner, Instance};
use youthloop_store::model::{
    Allocation, CommunityAllocation, DispatchPlan, MenuItem, PlanDocument, WaitingOrder,
};

use crate::error::{AppError, AppResult};
use crate::extract::CurrentUser;
use crate::state::AppState;

/// A plan as the API shows it: the kept document (`allocations`: sessions per submitted
/// order, 0 leaves it waiting; `communities`: what each asked for and gets, and why —
/// `all`, `part`, `nothing` or `sold_out`; `covered_youth` against `first_come_youth`;
/// `weighted_coverage`, `bound`, `proven_optimal`, `seconds`) with its id and times.
#[derive(Serialize, ToSchema)]
pub struct DispatchPlanView {
    pub id: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub plan: PlanDocument,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub applied_at: Option<OffsetDateTime>,
}

impl From<DispatchPlan> for DispatchPlanView {
    fn from(p: DispatchPlan) -> Self {
        Self {
            id: p.id,
            plan: p.plan,
            created_at: p.created_at,
            applied_at: p.applied_at,
        }
    }
}

/// The planner's instance of the waiting orders, and the ids behind its indices.
struct Built {
    instance: Instance,
    communities: Vec<RegionId>,
}

/// Numbers each project and community in the order first met; an order's young people per
/// session and need weight come from its community's profile (`domain::dispatch`).
fn build(
    orders: &[WaitingOrder],
    menu: &HashMap<ProjectId, MenuItem>,
    profiles: &HashMap<RegionId, YouthProfile>,
) -> Built {
    let mut projects: Vec<&ProjectId> = Vec::new();
    let mut communities: Vec<RegionId> = Vec::new();
    let (mut project_at, mut community_at) = (HashMap::new(), HashMap::new());
    let mut instance = Instance::default();
    for o in orders {
        let project = *project_at.entry(&o.project_id).or_insert_with(|| {
            projects.push(&o.project_id);
            projects.len() - 1
        });
        let community = *community_at.entry(&o.community_id).or_insert_with(|| {
            communities.push(o.community_id.clone());
            communities.len() - 1
        });
        let item = menu.get(&o.project_id);
        let profile = profiles.get(&o.community_id);
        instance.orders.push(planner::Order {
            project,
            community,
            asked: o.sessions,
            youth_per_session: youth_per_session(
                o.expected_participants,
                item.map_or(0, |m| m.capacity),
                item.zip(profile)
                    .map(|(m, p)| p.heads_in(m.min_age, m.max_age)),
            ),
            need_weight: profile.map_or(1.0, need_weight),
        });
    }
    // A project no longer on the menu has nothing left to give.
    instance.projects = projects
        .iter()
        .map(|id| planner::Project {
            sessions_left: menu.get(*id).map_or(0, |m| m.sessions_left),
        })
        .collect();
    instance.communities = communities.len();
    Built {
        instance,
        communities,
    }
}

/// The League asks for a plan for every submitted order of the district; it is kept, to
/// be read and applied.
pub async fn propose(state: &AppState, user: &CurrentUser) -> AppResult<DispatchPlan> {
    user.require(&[Role::LeagueAdmin])?;
    let district = user.district();
    let orders = state.store.waiting_orders(district).await?;
    let menu: HashMap<_, _> = state
        .store
        .menu(district)
        .await?
        .into_iter()
        .map(|m| (m.project_id.clone(), m))
        .collect();
    let profiles: HashMap<_, _> = state
        .store
        .communities(district)
        .await?
        .into_iter()
        .filter_map(|c| Some((c.id, c.profile?)))
        .collect();
    let built = build(&orders, &menu, &profiles);
    let instance = built.instance.clone();
    let (plan, first_come) = tokio::task::spawn_blocking(move || {
        let plan = planner::plan(&instance, youthloop_planner::Options::default());
        let first_come = planner::youth(&instance, &planner::first_come(&instance));
        (plan, first_come)
    })
    .await
    .map_err(|e| AppError::internal(format!("the dispatch planner stopped: {e}")))?;
    let plan = plan.map_err(|e| AppError::internal(format!("the dispatch planner failed: {e}")))?;
    let instance = &built.instance;
    let sellable = |c: usize| {
        instance
            .orders
            .iter()
            .any(|o| o.community == c && instance.projects[o.project].sessions_left > 0)
    };
    let document = PlanDocument {
        allocations: orders
            .iter()
            .zip(&instance.orders)
            .zip(&plan.allocations)
            .map(|((o, p), &sessions)| Allocation {
                order_id: o.id.clone(),
                project_id: o.project_id.clone(),
                community_id: o.community_id.clone(),
                asked: o.sessions,
                sessions,
                youth_per_session: p.youth_per_session,
                need_weight: p.need_weight,
            })
            .collect(),
        communities: plan
            .communities
            .iter()
            .enumerate()
            .map(|(c, share)| CommunityAllocation {
                community_id: built.communities[c].clone(),
                asked: share.asked,
                got: share.got,
                share: Share::of(share.asked, share.got, sellable(c))
                    .as_str()
                    .to_owned(),
            })
            .collect(),
        covered_youth: plan.youth,
        first_come_youth: first_come,
        weighted_coverage: plan.covered,
        bound: plan.bound,
        proven_optimal: plan.proven_optimal,
        seconds: plan.seconds,
    };
    Ok(state
        .store
        .save_dispatch_plan(&user.actor, &document)
        .await?)
}

pub async fn plan(state: &AppState, user: &CurrentUser, id: &str) -> AppResult<DispatchPlan> {
    user.require(&[Role::LeagueAdmin])?;
    Ok(state.store.dispatch_plan(user.district(), id).await?)
}

/// The League applies a plan: every order it gives sessions is dispatched with them.
pub async fn apply(state: &AppState, user: &CurrentUser, id: &str) -> AppResult<DispatchPlan> {
    user.require(&[Role::LeagueAdmin])?;
    Ok(state
        .store
        .apply_dispatch_plan(&user.actor.only(&[Role::LeagueAdmin]), id, state.now())
        .await?)
}
