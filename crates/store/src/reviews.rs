//! Reviewing (点评): reviews and comments, and the facts a scorecard is made of.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use youthloop_domain::activity::{ActivityStatus, RegistrationStatus};
use youthloop_domain::evaluation::Grade;
use youthloop_domain::id::*;
use youthloop_domain::order::OrderStatus;
use youthloop_domain::review::{ModerationAction, ReviewStatus};
use youthloop_domain::role::Actor;
use youthloop_domain::scorecard::{self, Facts};
use youthloop_domain::DomainError;

use crate::model::*;
use crate::rows::*;
use crate::sql::Conn;
use crate::sql::{query, query_scalar};
use crate::{SqlStore, StoreError, StoreResult};

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

    // Moderation.
    /// One review with text in `status`, of the scope's organizations, oldest first.
    async fn moderation_queue(
        &self,
        district_id: &DistrictId,
        scope: &ReviewScope,
        status: ReviewStatus,
        page: &Page,
    ) -> StoreResult<Paged<Review>>;

    /// A review of the scope; `NotFound` outside it.
    async fn review(
        &self,
        district_id: &DistrictId,
        scope: &ReviewScope,
        id: &ReviewId,
    ) -> StoreResult<Review>;

    /// Publishes or hides a review of the scope, with the reason for hiding; audited.
    async fn moderate_review(
        &self,
        by: &Actor,
        scope: &ReviewScope,
        id: &ReviewId,
        action: ModerationAction,
        reason: Option<&str>,
    ) -> StoreResult<Review>;

    // Third-party evaluation.
    /// Records an evaluator's scores; once per evaluator, organization and round.
    async fn create_evaluation(&self, by: &Actor, e: NewEvaluation) -> StoreResult<Evaluation>;

    /// An organization's evaluations, newest first.
    async fn evaluations(
        &self,
        district_id: &DistrictId,
        organization_id: &OrganizationId,
        page: &Page,
    ) -> StoreResult<Paged<Evaluation>>;

    /// Each organization's latest grade in the district.
    async fn latest_grades(
        &self,
        district_id: &DistrictId,
    ) -> StoreResult<Vec<(OrganizationId, Grade)>>;

    /// The organization's one public reply under a review of the scope; audited.
    async fn reply_to_review(
        &self,
        by: &Actor,
        scope: &ReviewScope,
        id: &ReviewId,
        text: &str,
    ) -> StoreResult<Review>;
}

const EVALUATION_COLUMNS: &str = "e.id, e.organization_id, e.round_id, r.title as round_title, e.evaluator_id,
    e.management, e.professional_service, e.outcomes, e.finance, e.satisfaction, e.total, e.grade, e.notes,
    e.created_at";

/// The scope as a statement's two arguments: whether it is the whole district, and the
/// organizations otherwise.
fn scope_args(scope: &ReviewScope) -> (bool, Vec<OrganizationId>) {
    match scope {
        ReviewScope::District => (true, Vec::new()),
        ReviewScope::Organizations(ids) => (false, ids.clone()),
    }
}

async fn load_review(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    scope: &ReviewScope,
    id: &ReviewId,
) -> StoreResult<Review> {
    let (whole, orgs) = scope_args(scope);
    query(&format!(
        "select {REVIEW_COLUMNS} from reviews
         where id = $1 and district_id = $2 and ($3 or organization_id = any($4))"
    ))
    .bind(id)
    .bind(district_id)
    .bind(whole)
    .bind(orgs)
    .fetch_optional(c)
    .await?
    .ok_or(StoreError::NotFound)
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
        let mut c = self.pools.read();
        let sessions: Vec<(OffsetDateTime, Option<Date>, Option<i64>, i64, i64)> = query(
            "select a.starts_at, o.window_end, p.unit_price_fen,
                (select count(*) from registrations r where r.activity_id = a.id and r.status = $5),
                (select count(*) from registrations r where r.activity_id = a.id and r.status = $6)
             from activities a left join orders o on o.id = a.order_id
             left join projects p on p.id = o.project_id
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
        .fetch_all(&mut c)
        .await?;
        // Ratings that stand: verified ones (the author's part is on record), whatever a
        // moderator did with their text. Anonymous ratings never count.
        let (review_count, rating_sum, complaints, district_count, district_sum): (
            i64,
            f64,
            i64,
            i64,
            f64,
        ) = query(
            "select
                    count(case when organization_id = $2 then 1 end),
                    coalesce(sum(case when organization_id = $2 then rating end), 0.0),
                    count(case when organization_id = $2 and rating <= $5 then 1 end),
                    count(*),
                    coalesce(sum(rating), 0.0)
                 from reviews
                 where district_id = $1 and rating is not null and author_id is not null
                 and created_at >= $3 and created_at < $4",
        )
        .bind(district_id)
        .bind(organization_id)
        .bind(from)
        .bind(to)
        .bind(scorecard::COMPLAINT_RATING)
        .fetch_one(&mut c)
        .await?;
        // Orders delivered in the period, and whether the community then confirmed them.
        let (delivered, accepted): (i64, i64) = query(
            "select count(*), count(case when exists (select 1 from order_history c
                    where c.order_id = h.order_id and c.status = $5) then 1 end)
             from order_history h join orders o on o.id = h.order_id
             where h.district_id = $1 and o.organization_id = $2 and h.status = $6
             and h.at >= $3 and h.at < $4",
        )
        .bind(district_id)
        .bind(organization_id)
        .bind(from)
        .bind(to)
        .bind(OrderStatus::Confirmed.as_str())
        .bind(OrderStatus::Delivered.as_str())
        .fetch_one(&mut c)
        .await?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let mut facts = Facts {
            review_count: n(review_count),
            rating_sum,
            complaints: n(complaints),
            orders_delivered: n(delivered),
            orders_accepted: n(accepted),
            district_review_count: n(district_count),
            district_rating_sum: district_sum,
            ..Facts::default()
        };
        for (starts_at, window_end, unit_price, attended, no_show) in sessions {
            facts.count_session(starts_at, window_end, n(attended), n(no_show));
            if let Some(price) = unit_price {
                facts.count_bought(n(price), n(attended));
            }
        }
        Ok(facts)
    }

    async fn moderation_queue(
        &self,
        district_id: &DistrictId,
        scope: &ReviewScope,
        status: ReviewStatus,
        page: &Page,
    ) -> StoreResult<Paged<Review>> {
        let (whole, orgs) = scope_args(scope);
        query(&format!(
            "select {REVIEW_COLUMNS} from reviews
             where district_id = $1 and status = $2 and text <> '' and ($3 or organization_id = any($4))
             and id > $5 order by id limit $6"
        ))
        .bind(district_id)
        .bind(status.as_str())
        .bind(whole)
        .bind(orgs)
        .fetch_page(&mut self.pools.read(), page, Ok, |r: &Review| r.id.clone())
        .await
    }

    async fn review(
        &self,
        district_id: &DistrictId,
        scope: &ReviewScope,
        id: &ReviewId,
    ) -> StoreResult<Review> {
        load_review(&mut self.pools.read(), district_id, scope, id).await
    }

    async fn moderate_review(
        &self,
        by: &Actor,
        scope: &ReviewScope,
        id: &ReviewId,
        action: ModerationAction,
        reason: Option<&str>,
    ) -> StoreResult<Review> {
        let mut tx = self.write().await?;
        let review = load_review(&mut tx.conn(), &by.district_id, scope, id).await?;
        let next = review.status.moderate(action)?;
        query("update reviews set status = $1, reason = $2 where id = $3")
            .bind(next.as_str())
            .bind(reason)
            .bind(id)
            .execute(&mut tx.conn())
            .await?;
        tx.audit(by, &format!("review.{action}"), "review", id)
            .await?;
        let moved = load_review(&mut tx.conn(), &by.district_id, scope, id).await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn reply_to_review(
        &self,
        by: &Actor,
        scope: &ReviewScope,
        id: &ReviewId,
        text: &str,
    ) -> StoreResult<Review> {
        let mut tx = self.write().await?;
        let review = load_review(&mut tx.conn(), &by.district_id, scope, id).await?;
        if review.reply.is_some() {
            return Err(StoreError::conflict(
                "already_replied",
                "已回复过这条评论 / This comment already has a reply",
            ));
        }
        if review.status != ReviewStatus::Visible {
            return Err(DomainError::InvalidTransition {
                entity: "review",
                from: review.status.as_str(),
                action: "reply",
            }
            .into());
        }
        query("update reviews set reply = $1, replied_at = $2 where id = $3")
            .bind(text)
            .bind(by.at)
            .bind(id)
            .execute(&mut tx.conn())
            .await?;
        tx.audit(by, "review.reply", "review", id).await?;
        let replied = load_review(&mut tx.conn(), &by.district_id, scope, id).await?;
        tx.commit().await?;
        Ok(replied)
    }

    async fn create_evaluation(&self, by: &Actor, e: NewEvaluation) -> StoreResult<Evaluation> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        // The organization and the round must be the district's.
        crate::rounds::load_round(&mut tx.conn(), district_id, &e.round_id).await?;
        let org: Option<i32> =
            query_scalar("select 1 from organizations where id = $1 and district_id = $2")
                .bind(&e.organization_id)
                .bind(district_id)
                .fetch_optional(&mut tx.conn())
                .await?;
        if org.is_none() {
            return Err(StoreError::NotFound);
        }
        let id: String = new_id();
        let i = e.indicators;
        query(
            "insert into evaluations (id, district_id, organization_id, round_id, evaluator_id, management,
             professional_service, outcomes, finance, satisfaction, total, grade, notes, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&e.organization_id)
        .bind(&e.round_id)
        .bind(&by.user_id)
        .bind(i64::from(i.management))
        .bind(i64::from(i.professional_service))
        .bind(i64::from(i.outcomes))
        .bind(i64::from(i.finance))
        .bind(i64::from(i.satisfaction))
        .bind(e.total)
        .bind(e.grade.as_str())
        .bind(&e.notes)
        .bind(by.at)
        .execute(&mut tx.conn())
        .await
        .map_err(unique(
            "already_evaluated",
            "您已评估过该机构本批次 / You have already evaluated this organization for this round",
        ))?;
        tx.audit(by, "evaluation.create", "evaluation", &id).await?;
        let made = query(&format!(
            "select {EVALUATION_COLUMNS} from evaluations e join rounds r on r.id = e.round_id where e.id = $1"
        ))
        .bind(&id)
        .fetch_one(&mut tx.conn())
        .await?;
        tx.commit().await?;
        Ok(made)
    }

    async fn evaluations(
        &self,
        district_id: &DistrictId,
        organization_id: &OrganizationId,
        page: &Page,
    ) -> StoreResult<Paged<Evaluation>> {
        // Ids are UUIDv7: newest first is the ids from high to low.
        let bound = page.after.clone().unwrap_or_default();
        let rows: Vec<Evaluation> = query(&format!(
            "select {EVALUATION_COLUMNS} from evaluations e join rounds r on r.id = e.round_id
             where e.district_id = $1 and e.organization_id = $2 and ($3 = '' or e.id < $3)
             order by e.id desc limit $4"
        ))
        .bind(district_id)
        .bind(organization_id)
        .bind(bound)
        .bind(i64::from(page.limit.min(Page::MAX)) + 1)
        .fetch_all(&mut self.pools.read())
        .await?;
        Ok(Paged::from_rows(rows, page, |e: &Evaluation| e.id.clone()))
    }

    async fn latest_grades(
        &self,
        district_id: &DistrictId,
    ) -> StoreResult<Vec<(OrganizationId, Grade)>> {
        let rows: Vec<(String, String)> = query(
            "select e.organization_id, e.grade from evaluations e
             where e.district_id = $1 and e.id = (select max(x.id) from evaluations x
                where x.district_id = e.district_id and x.organization_id = e.organization_id)",
        )
        .bind(district_id)
        .fetch_all(&mut self.pools.read())
        .await?;
        rows.into_iter()
            .map(|(org, grade)| Ok((OrganizationId::from(org.as_str()), parse_status(grade)?)))
            .collect()
    }
}
