//! What the pages list and count: read-only queries, on the readers (which may lag a
//! replica behind the primary).

use async_trait::async_trait;
use youthloop_domain::activity::{ActivityStatus, RegistrationStatus};
use youthloop_domain::id::*;
use youthloop_domain::review::{ReviewStatus, ReviewTarget};
use youthloop_domain::role::Role;

use crate::model::{
    ActivityCard, ActivityFact, Colleague, DistrictFigures, MyRegistration, OrgSatisfaction,
};
use crate::model::{ActivityFilter, Project, Round};
use crate::rows::{db, sql_name, sql_names, ACTIVITY_COLUMNS};
use crate::sql::query;
use crate::{SqlStore, StoreResult};

/// Activities to list, soonest first: published ones, or every state with `$3`.
pub(crate) fn upcoming_sql() -> String {
    format!(
        "select {ACTIVITY_COLUMNS}, g.name as organization_name, o.community_id,
            c.name as community_name, p.area
         from activities a
         join organizations g on g.id = a.organization_id
         left join orders o on o.id = a.order_id
         left join regions c on c.id = o.community_id
         left join projects p on p.id = o.project_id
         where a.district_id = $1
           and ($2 is null or a.organization_id = $2)
           and (a.status = {published} or $3)
           and ($4 is null or a.ends_at > $4)
           and ($5 is null or a.starts_at < $5)
           and ($6 is null or o.community_id = $6)
           and ($7 is null or p.area = $7)
           and ($8 is null or (a.min_age <= $8 and a.max_age >= $8))
         order by a.starts_at, a.id
         limit $9",
        published = sql_name(ActivityStatus::Published)
    )
}

/// The registrations of a user's children and of the user as a youth, newest first.
pub(crate) fn my_registrations_sql() -> String {
    format!(
        "select r.id, r.participant_id, p.name as participant_name,
        r.status, case when r.status = {waiting} then
            (select count(*) from registrations w where w.activity_id = r.activity_id
             and w.status = {waiting} and w.seq <= r.seq) end as position,
        a.id as activity_id, a.title as activity_title, a.starts_at, a.ends_at, a.venue,
        a.status as activity_status,
        exists (select 1 from reviews v where v.district_id = r.district_id and v.author_id = $2
                and v.target_kind = {activity} and v.target_id = a.id) as reviewed
     from registrations r
     join participants p on p.id = r.participant_id
     join activities a on a.id = r.activity_id
     where r.district_id = $1 and (p.guardian_id = $2 or p.user_id = $2)
     order by a.starts_at desc, r.id
     limit 500",
        waiting = sql_name(RegistrationStatus::Waitlisted),
        activity = sql_name(ReviewTarget::Activity),
    )
}

pub(crate) fn rounds_sql() -> String {
    format!(
        "select {} from rounds r where r.district_id = $1 order by r.opens_at desc, r.id desc limit 200",
        crate::rows::round_columns()
    )
}

pub(crate) const PROJECTS: &str =
    "select * from projects where district_id = $1 and round_id = $2 order by id";

pub(crate) fn figures_sql() -> String {
    let visible = sql_name(ReviewStatus::Visible);
    format!(
        "select
     (select count(*) from organizations where district_id = $1) as organizations,
     (select count(distinct user_id) from user_roles where district_id = $1 and role = {}) as social_workers,
     (select count(*) from activities where district_id = $1 and status in ({held})) as activities,
     (select count(distinct participant_id) from registrations where district_id = $1 and status = {}) as participants,
     (select avg(rating) from reviews where district_id = $1 and status = {visible} and rating is not null) as satisfaction,
     (select count(*) from reviews where district_id = $1 and status = {visible} and rating is not null) as reviews",
        sql_name(Role::SocialWorker),
        sql_name(RegistrationStatus::Attended),
        held = held_activities(),
    )
}

/// Activities that take or took place: published, or finished.
fn held_activities() -> String {
    sql_names([ActivityStatus::Published, ActivityStatus::Finished])
}

pub(crate) fn activity_facts_sql() -> String {
    format!(
        "select a.starts_at, p.area
     from activities a
     left join orders o on o.id = a.order_id
     left join projects p on p.id = o.project_id
     where a.district_id = $1 and a.status in ({})",
        held_activities()
    )
}

pub(crate) fn satisfaction_by_org_sql() -> String {
    format!(
        "select g.id as organization_id, g.name,
        avg(v.rating) as rating, count(v.id) as reviews
     from organizations g
     left join reviews v on v.organization_id = g.id and v.status = {} and v.rating is not null
     where g.district_id = $1
     group by g.id, g.name
     order by g.name",
        sql_name(ReviewStatus::Visible)
    )
}

/// The people who work for an organization (any role scoped to it), by name.
pub(crate) const COLLEAGUES: &str = "select distinct u.id, u.name from users u
     join user_roles r on r.user_id = u.id
     where r.district_id = $1 and r.scope_id = $2
     order by u.name, u.id";

/// Every project's title in a district, for lists of orders.
pub(crate) const PROJECT_TITLES: &str = "select id, title from projects where district_id = $1";

/// What the pages list and count.
#[async_trait]
pub trait Listings: Send + Sync {
    // What the pages list and count (read-only, on the readers).
    async fn upcoming(
        &self,
        district_id: &DistrictId,
        filter: &ActivityFilter,
    ) -> StoreResult<Vec<ActivityCard>>;

    /// The registrations of the user's children and of the user as a youth.
    async fn my_registrations(
        &self,
        district_id: &DistrictId,
        user_id: &UserId,
    ) -> StoreResult<Vec<MyRegistration>>;

    async fn rounds(&self, district_id: &DistrictId) -> StoreResult<Vec<Round>>;

    async fn projects(
        &self,
        district_id: &DistrictId,
        round_id: &RoundId,
    ) -> StoreResult<Vec<Project>>;

    async fn district_figures(&self, district_id: &DistrictId) -> StoreResult<DistrictFigures>;

    async fn activity_facts(&self, district_id: &DistrictId) -> StoreResult<Vec<ActivityFact>>;

    async fn satisfaction_by_org(
        &self,
        district_id: &DistrictId,
    ) -> StoreResult<Vec<OrgSatisfaction>>;

    async fn colleagues(
        &self,
        district_id: &DistrictId,
        organization_id: &OrganizationId,
    ) -> StoreResult<Vec<Colleague>>;

    /// Every project's title in the district, by project id.
    async fn project_titles(
        &self,
        district_id: &DistrictId,
    ) -> StoreResult<std::collections::HashMap<ProjectId, String>>;
}

#[async_trait]
impl Listings for SqlStore {
    async fn upcoming(
        &self,
        district_id: &DistrictId,
        filter: &ActivityFilter,
    ) -> StoreResult<Vec<ActivityCard>> {
        query(&upcoming_sql())
            .bind(district_id)
            .bind(&filter.organization_id)
            .bind(filter.every_state)
            .bind(filter.from)
            .bind(filter.to)
            .bind(&filter.community_id)
            .bind(&filter.area)
            .bind(filter.age.map(i64::from))
            .bind(i64::from(filter.limit.clamp(1, 500)))
            .fetch_all(&mut self.pools.read())
            .await
            .map_err(db)
    }

    async fn my_registrations(
        &self,
        district_id: &DistrictId,
        user_id: &UserId,
    ) -> StoreResult<Vec<MyRegistration>> {
        query(&my_registrations_sql())
            .bind(district_id)
            .bind(user_id)
            .fetch_all(&mut self.pools.read())
            .await
            .map_err(db)
    }

    async fn rounds(&self, district_id: &DistrictId) -> StoreResult<Vec<Round>> {
        query(&rounds_sql())
            .bind(district_id)
            .fetch_all(&mut self.pools.read())
            .await
            .map_err(db)
    }

    async fn projects(
        &self,
        district_id: &DistrictId,
        round_id: &RoundId,
    ) -> StoreResult<Vec<Project>> {
        query(PROJECTS)
            .bind(district_id)
            .bind(round_id)
            .fetch_all(&mut self.pools.read())
            .await
            .map_err(db)
    }

    async fn district_figures(&self, district_id: &DistrictId) -> StoreResult<DistrictFigures> {
        query(&figures_sql())
            .bind(district_id)
            .fetch_one(&mut self.pools.read())
            .await
            .map_err(db)
    }

    async fn activity_facts(&self, district_id: &DistrictId) -> StoreResult<Vec<ActivityFact>> {
        query(&activity_facts_sql())
            .bind(district_id)
            .fetch_all(&mut self.pools.read())
            .await
            .map_err(db)
    }

    async fn satisfaction_by_org(
        &self,
        district_id: &DistrictId,
    ) -> StoreResult<Vec<OrgSatisfaction>> {
        query(&satisfaction_by_org_sql())
            .bind(district_id)
            .fetch_all(&mut self.pools.read())
            .await
            .map_err(db)
    }

    async fn colleagues(
        &self,
        district_id: &DistrictId,
        organization_id: &OrganizationId,
    ) -> StoreResult<Vec<Colleague>> {
        query(COLLEAGUES)
            .bind(district_id)
            .bind(organization_id)
            .fetch_all(&mut self.pools.read())
            .await
            .map_err(db)
    }

    async fn project_titles(
        &self,
        district_id: &DistrictId,
    ) -> StoreResult<std::collections::HashMap<ProjectId, String>> {
        let rows: Vec<(String, String)> = query(PROJECT_TITLES)
            .bind(district_id)
            .fetch_all(&mut self.pools.read())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, title)| (id.into(), title))
            .collect())
    }
}
