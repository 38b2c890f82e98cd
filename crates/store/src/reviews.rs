//! Reviewing (点评): reviews and comments, and the facts a scorecard is made of.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use youthloop_domain::activity::{ActivityStatus, RegistrationStatus};
use youthloop_domain::id::*;
use youthloop_domain::review::ReviewStatus;
use youthloop_domain::role::Actor;
use youthloop_domain::scorecard::Facts;

use crate::model::*;
use crate::rows::*;
use crate::sql::{query, query_scalar};
use crate::{SqlStore, StoreResult};

#[async_trait]
pub trait Reviews: Send + Sync {
    // Review and the scorecard.
    /// Whether the user, or a child of theirs, attended the activity.
    async fn attended(
        &self,
        district_id: &DistrictId,
        activity_id: &ActivityId,
        user_id: &UserId,
    ) -> StoreResult<bool>;

    async fn create_review(&self, by: &Actor, review: NewReview) -> StoreResult<Review>;

    async fn recent_comments(
        &self,
        district_id: &DistrictId,
        organization_id: &OrganizationId,
        limit: u32,
    ) -> StoreResult<Vec<String>>;

    async fn reviews(
        &self,
        district_id: &DistrictId,
        organization_id: &OrganizationId,
        page: &Page,
    ) -> StoreResult<Paged<Review>>;

    async fn scorecard_facts(
        &self,
        district_id: &DistrictId,
        organization_id: &OrganizationId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<Facts>;
}

#[async_trait]
impl Reviews for SqlStore {
    async fn attended(
        &self,
        district_id: &DistrictId,
        activity_id: &ActivityId,
        user_id: &UserId,
    ) -> StoreResult<bool> {
        let found: Option<i32> = query_scalar(&format!(
            "select 1 from registrations r join participants p on p.id = r.participant_id
             where r.district_id = $1 and r.activity_id = $2 and r.status = {}
             and (p.guardian_id = $3 or p.user_id = $3) limit 1",
            sql_name(RegistrationStatus::Attended)
        ))
        .bind(district_id)
        .bind(activity_id)
        .bind(user_id)
        .fetch_optional(&mut self.pools.read())
        .await?;
        Ok(found.is_some())
    }

    async fn create_review(&self, by: &Actor, review: NewReview) -> StoreResult<Review> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        let id: String = new_id();
        let ratings = review.ratings;
        let rating = ratings
            .map(|r| (r.mean() * 100.0).round() / 100.0)
            .or(review.rating);
        query(
            "insert into reviews (id, district_id, target_kind, target_id, organization_id, author_id, author_role,
             content, organization_rating, effect, rating, text, status, reason, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(review.target.as_str())
        .bind(&review.target_id)
        .bind(&review.organization_id)
        .bind(&review.author_id)
        .bind(&review.author_role)
        .bind(ratings.map(|r| i64::from(r.content)))
        .bind(ratings.map(|r| i64::from(r.organization)))
        .bind(ratings.map(|r| i64::from(r.effect)))
        .bind(rating)
        .bind(&review.text)
        .bind(review.status.as_str())
        .bind(&review.reason)
        .bind(by.at)
        .execute(&mut tx.conn())
        .await
        .map_err(unique("already_reviewed", "您已评价过 / You have already reviewed this"))?;
        tx.audit(by, "review.create", "review", &id).await?;
        tx.commit().await?;
        query(&format!(
            "select {REVIEW_COLUMNS} from reviews where id = $1"
        ))
        .bind(&id)
        .fetch_one(&mut self.pools.fresh())
        .await
        .map_err(db)
    }

    async fn recent_comments(
        &self,
        district_id: &DistrictId,
        organization_id: &OrganizationId,
        limit: u32,
    ) -> StoreResult<Vec<String>> {
        query_scalar(
            "select text from reviews where district_id = $1 and organization_id = $2 and target_kind = 'organization'
             order by id desc limit $3",
        )
        .bind(district_id)
        .bind(organization_id)
        .bind(i64::from(limit))
        .fetch_all(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn reviews(
        &self,
        district_id: &DistrictId,
        organization_id: &OrganizationId,
        page: &Page,
    ) -> StoreResult<Paged<Review>> {
        query(&format!(
            "select {REVIEW_COLUMNS} from reviews
             where district_id = $1 and organization_id = $2 and status = {} and id > $3 order by id limit $4",
            sql_name(ReviewStatus::Visible)
        ))
        .bind(district_id)
        .bind(organization_id)
        .fetch_page(&mut self.pools.read(), page, Ok, |r: &Review| r.id.clone())
        .await
    }

    async fn scorecard_facts(
        &self,
        district_id: &DistrictId,
        organization_id: &OrganizationId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<Facts> {
        let sessions: Vec<(OffsetDateTime, Option<Date>, i64, i64)> = query(
            "select a.starts_at, o.window_end,
                (select count(*) from registrations r where r.activity_id = a.id and r.status = $5),
                (select count(*) from registrations r where r.activity_id = a.id and r.status = $6)
             from activities a left join orders o on o.id = a.order_id
             where a.district_id = $1 and a.organization_id = $2 and a.status = $7
             and a.starts_at >= $3 and a.starts_at < $4",
        )
        .bind(district_id)
        .bind(organization_id)
        .bind(from)
        .bind(to)
        .bind(RegistrationStatus::Attended.as_str())
        .bind(RegistrationStatus::NoShow.as_str())
        .bind(ActivityStatus::Finished.as_str())
        .fetch_all(&mut self.pools.read())
        .await?;
        let (review_count, rating_sum): (i64, f64) = query(&format!(
            "select count(*), coalesce(sum(rating), 0.0) from reviews
             where district_id = $1 and organization_id = $2 and status = {} and rating is not null
             and author_id is not null
             and created_at >= $3 and created_at < $4",
            sql_name(ReviewStatus::Visible)
        ))
        .bind(district_id)
        .bind(organization_id)
        .bind(from)
        .bind(to)
        .fetch_one(&mut self.pools.read())
        .await?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let mut facts = Facts {
            review_count: n(review_count),
            rating_sum,
            ..Facts::default()
        };
        for (starts_at, window_end, attended, no_show) in sessions {
            facts.count_session(starts_at, window_end, n(attended), n(no_show));
        }
        Ok(facts)
    }
}
