//! Buying (买菜): funding rounds, the projects proposed into them, and the menu
//! communities order from.

use async_trait::async_trait;
use sqlx::FromRow;
use youthloop_domain::id::*;
use youthloop_domain::order::OrderStatus;
use youthloop_domain::role::Actor;
use youthloop_domain::round::{self, ProjectAction, RoundAction};
use youthloop_domain::round::{ProjectStatus, RoundStatus};
use youthloop_domain::{DomainError, Fen};

use crate::model::*;
use crate::rows::*;
use crate::sql::{query, query_scalar, Conn};
use crate::{SqlStore, StoreResult};

#[async_trait]
pub trait Rounds: Send + Sync {
    // Buy: rounds, projects, the menu.
    async fn create_round(&self, by: &Actor, round: NewRound) -> StoreResult<Round>;

    async fn round(&self, district_id: &DistrictId, id: &RoundId) -> StoreResult<Round>;

    async fn transition_round(
        &self,
        by: &Actor,
        id: &RoundId,
        action: RoundAction,
    ) -> StoreResult<Round>;

    async fn create_project(&self, by: &Actor, project: NewProject) -> StoreResult<Project>;

    async fn project(&self, district_id: &DistrictId, id: &ProjectId) -> StoreResult<Project>;

    async fn approve_project(
        &self,
        by: &Actor,
        id: &ProjectId,
        sessions_bought: u32,
    ) -> StoreResult<Project>;

    async fn reject_project(
        &self,
        by: &Actor,
        id: &ProjectId,
        reason: &str,
    ) -> StoreResult<Project>;

    async fn menu(&self, district_id: &DistrictId) -> StoreResult<Vec<MenuItem>>;
}

#[async_trait]
impl Rounds for SqlStore {
    async fn create_round(&self, by: &Actor, round: NewRound) -> StoreResult<Round> {
        let district_id = &by.district_id;
        let id = new_id();
        let mut tx = self.write().await?;
        query(
            "insert into rounds (id, district_id, title, budget_fen, opens_at, closes_at, status, created_at)
             values ($1, $2, $3, $4, $5, $6, $8, $7)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&round.title)
        .bind(round.budget.get())
        .bind(round.opens_at)
        .bind(round.closes_at)
        .bind(by.at)
        .bind(RoundStatus::Draft.as_str())
        .execute(&mut tx.conn())
        .await?;
        let created = load_round(&mut tx.conn(), district_id, &id).await?;
        tx.audit(by, "round.create", "round", &id).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn round(&self, district_id: &DistrictId, id: &RoundId) -> StoreResult<Round> {
        let mut c = self.pools.read();
        load_round(&mut c, district_id, id).await
    }

    async fn transition_round(
        &self,
        by: &Actor,
        id: &RoundId,
        action: RoundAction,
    ) -> StoreResult<Round> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        let round = load_round(&mut tx.conn(), district_id, id).await?;
        let next = round.status.apply(action)?;
        query("update rounds set status = $1 where id = $2")
            .bind(next.as_str())
            .bind(id)
            .execute(&mut tx.conn())
            .await?;
        let moved = load_round(&mut tx.conn(), district_id, id).await?;
        tx.audit(by, &format!("round.{action}"), "round", id)
            .await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn create_project(&self, by: &Actor, project: NewProject) -> StoreResult<Project> {
        let district_id = &by.district_id;
        let id = new_id();
        let mut tx = self.write().await?;
        let round = load_round(&mut tx.conn(), district_id, &project.round_id).await?;
        if !round.status.accepts_proposals() {
            return Err(DomainError::InvalidTransition {
                entity: "round",
                from: round.status.as_str(),
                action: "propose",
            }
            .into());
        }
        query(&format!(
            "insert into projects (id, district_id, round_id, organization_id, title, area, min_age, max_age, capacity,
             unit_price_fen, sessions_offered, description, badges, status, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, {}, $14)",
            sql_name(ProjectStatus::Submitted)
        ))
        .bind(&id)
        .bind(district_id)
        .bind(&project.round_id)
        .bind(&project.organization_id)
        .bind(&project.title)
        .bind(&project.area)
        .bind(i64::from(project.min_age))
        .bind(i64::from(project.max_age))
        .bind(i64::from(project.capacity))
        .bind(project.unit_price.get())
        .bind(i64::from(project.sessions_offered))
        .bind(&project.description)
        .bind(json(&project.badges))
        .bind(by.at)
        .execute(&mut tx.conn())
        .await?;
        let created = load_project(&mut tx.conn(), district_id, &id).await?;
        tx.audit(by, "project.create", "project", &id).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn project(&self, district_id: &DistrictId, id: &ProjectId) -> StoreResult<Project> {
        let mut c = self.pools.read();
        load_project(&mut c, district_id, id).await
    }

    async fn approve_project(
        &self,
        by: &Actor,
        id: &ProjectId,
        sessions_bought: u32,
    ) -> StoreResult<Project> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        let project = load_project(&mut tx.conn(), district_id, id).await?;
        let round = load_round(&mut tx.conn(), district_id, &project.round_id).await?;
        let purchase = round::Purchase {
            sessions_bought,
            sessions_offered: project.sessions_offered,
            unit_price: Fen::parse("unit_price_fen", project.unit_price_fen)?,
            budget: Fen::parse("budget_fen", round.budget_fen)?,
            already_approved: Fen::parse("budget_fen", round.approved_fen)?,
        };
        let next = round::approve(project.status, round.status, purchase)?;
        query("update projects set status = $1, sessions_bought = $2 where id = $3")
            .bind(next.as_str())
            .bind(i64::from(sessions_bought))
            .bind(id)
            .execute(&mut tx.conn())
            .await?;
        let moved = load_project(&mut tx.conn(), district_id, id).await?;
        tx.audit(by, "project.approve", "project", id).await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn reject_project(
        &self,
        by: &Actor,
        id: &ProjectId,
        reason: &str,
    ) -> StoreResult<Project> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        let project = load_project(&mut tx.conn(), district_id, id).await?;
        let round = load_round(&mut tx.conn(), district_id, &project.round_id).await?;
        let next = round::decide(project.status, round.status, ProjectAction::Reject)?;
        query("update projects set status = $1, reason = $2 where id = $3")
            .bind(next.as_str())
            .bind(reason)
            .bind(id)
            .execute(&mut tx.conn())
            .await?;
        let moved = load_project(&mut tx.conn(), district_id, id).await?;
        tx.audit(by, "project.reject", "project", id).await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn menu(&self, district_id: &DistrictId) -> StoreResult<Vec<MenuItem>> {
        #[derive(FromRow)]
        struct MenuRow {
            id: String,
            title: String,
            area: String,
            organization_id: String,
            organization_name: String,
            min_age: i64,
            max_age: i64,
            capacity: i64,
            unit_price_fen: i64,
            sessions_left: i64,
            review_count: i64,
            rating_sum: f64,
        }
        let holding = sql_names(OrderStatus::ALL.iter().filter(|s| s.holds_sessions()));
        // Verified ratings count whatever a moderator does with their text.
        let rows: Vec<MenuRow> = query(&format!(
            "select p.id, p.title, p.area, p.organization_id, o.name as organization_name, p.min_age, p.max_age,
                p.capacity, p.unit_price_fen,
                p.sessions_bought - coalesce((select cast(sum(x.sessions) as bigint) from orders x where x.project_id = p.id
                    and x.status in ({holding})), 0) as sessions_left,
                (select count(*) from reviews v where v.organization_id = p.organization_id
                    and v.rating is not null and v.author_id is not null) as review_count,
                coalesce((select sum(v.rating) from reviews v where v.organization_id = p.organization_id
                    and v.rating is not null and v.author_id is not null), 0.0) as rating_sum
             from projects p join organizations o on o.id = p.organization_id
             join rounds r on r.id = p.round_id
             where p.district_id = $1 and p.status = {} and r.status != {}
             order by p.id",
            sql_name(ProjectStatus::Approved),
            sql_name(RoundStatus::Draft),
        ))
        .bind(district_id)
        .fetch_all(&mut self.pools.read())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| MenuItem {
                id_key: r.id.clone(),
                project_id: r.id.into(),
                title: r.title,
                area: r.area,
                organization: OrgRef {
                    id: r.organization_id.into(),
                    name: r.organization_name,
                },
                min_age: count(r.min_age),
                max_age: count(r.max_age),
                capacity: count(r.capacity),
                unit_price_fen: r.unit_price_fen,
                sessions_left: count(r.sessions_left.max(0)),
                rating: (youthloop_domain::scorecard::bayesian_average(
                    count(r.review_count).into(),
                    r.rating_sum,
                    youthloop_domain::scorecard::PRIOR_MEAN,
                ) * 100.0)
                    .round()
                    / 100.0,
                fit: None,
            })
            .collect())
    }
}

pub(crate) async fn load_round(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    id: &RoundId,
) -> StoreResult<Round> {
    let sql = format!(
        "select {} from rounds r where r.district_id = $1 and r.id = $2",
        round_columns()
    );
    query(&sql)
        .bind(district_id)
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .map_err(db)
}

pub(crate) async fn load_project(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    id: &ProjectId,
) -> StoreResult<Project> {
    query("select * from projects where district_id = $1 and id = $2")
        .bind(district_id)
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .map_err(db)
}

/// Sessions of a menu item not yet held by a live order.
pub(crate) async fn sessions_left(c: &mut Conn<'_>, project: &Project) -> StoreResult<u32> {
    let held: i64 = query_scalar(&format!(
        "select cast(coalesce(sum(sessions), 0) as bigint) from orders where project_id = $1
         and status in ({})",
        sql_names(OrderStatus::ALL.iter().filter(|s| s.holds_sessions()))
    ))
    .bind(&project.id)
    .fetch_one(&mut *c)
    .await?;
    Ok(project.sessions_bought.saturating_sub(count(held)))
}
