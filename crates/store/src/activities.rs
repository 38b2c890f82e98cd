//! Cooking and tasting (做饭, 品尝): activities, participants, registrations
//! (admitted in batches), check-in and badges.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use youthloop_domain::activity::{
    check_attendance, check_step_time, ActivityAction, ActivityStatus, Attendance,
    RegistrationAction, RegistrationStatus,
};
use youthloop_domain::id::*;
use youthloop_domain::order::{check_sessions, OrderAction, OrderStatus};
use youthloop_domain::role::Actor;
use youthloop_domain::DomainError;

use crate::admission::{self, Admitted, BatchFacts, Plan, Request};
use crate::engine::Pools;
use crate::model::*;
use crate::orders::load_order;
use crate::orders::step_order;
use crate::rows::*;
use crate::sql::{args, insert_rows, query, query_scalar, Conn};
use crate::trust::audit;
use crate::trust::audit_many;
use crate::trust::district_settings;
use crate::trust::insert_consent;
use crate::{SqlStore, StoreError, StoreResult};

#[async_trait]
pub trait Activities: Send + Sync {
    // Cook and taste: activities, participants, registrations, check-in, badges.
    async fn create_activity(&self, by: &Actor, activity: NewActivity) -> StoreResult<Activity>;

    /// Published activities, and the caller's organizations' drafts.
    async fn activities(
        &self,
        district_id: &DistrictId,
        org_ids: &[OrganizationId],
        page: &Page,
    ) -> StoreResult<Paged<Activity>>;

    async fn activity(
        &self,
        district_id: &DistrictId,
        id: &ActivityId,
        org_ids: &[OrganizationId],
    ) -> StoreResult<Activity>;

    /// Moves an activity of one of `org_ids`, with what follows for its order and registrations.
    async fn transition_activity(
        &self,
        actor: &Actor,
        id: &ActivityId,
        action: ActivityAction,
        now: OffsetDateTime,
    ) -> StoreResult<Activity>;

    /// Adds participants in one transaction: all of them or none.
    async fn create_participants(
        &self,
        by: &Actor,
        people: Vec<NewParticipant>,
    ) -> StoreResult<Vec<Participant>>;

    async fn create_participant(
        &self,
        by: &Actor,
        participant: NewParticipant,
    ) -> StoreResult<Participant> {
        let mut made = self.create_participants(by, vec![participant]).await?;
        made.pop().ok_or(StoreError::NotFound)
    }

    async fn children(
        &self,
        district_id: &DistrictId,
        guardian_id: &UserId,
        page: &Page,
    ) -> StoreResult<Paged<Participant>>;

    /// A participant the user may act for: their child, or themselves as a youth.
    async fn participant_of(
        &self,
        district_id: &DistrictId,
        user_id: &UserId,
        participant_id: &ParticipantId,
    ) -> StoreResult<Participant>;

    async fn register(
        &self,
        by: &Actor,
        attempt: RegistrationAttempt,
        now: OffsetDateTime,
    ) -> StoreResult<Registered>;

    async fn cancel_registration(
        &self,
        actor: &Actor,
        id: &RegistrationId,
        now: OffsetDateTime,
    ) -> StoreResult<Registration>;

    async fn registrations(
        &self,
        district_id: &DistrictId,
        activity_id: &ActivityId,
        page: &Page,
    ) -> StoreResult<Paged<Registration>>;

    /// Marks attendance and records badge evidence; returns the activity's badge codes.
    async fn check_in(
        &self,
        by: &Actor,
        activity_id: &ActivityId,
        who: CheckinBy<'_>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<String>>;

    async fn badges(
        &self,
        district_id: &DistrictId,
        participant_id: &ParticipantId,
        page: &Page,
    ) -> StoreResult<Paged<BadgeAward>>;
}

#[async_trait]
impl Activities for SqlStore {
    async fn create_activity(&self, by: &Actor, activity: NewActivity) -> StoreResult<Activity> {
        let district_id = &by.district_id;
        let id = new_id();
        let mut tx = self.write().await?;
        if let Some(order_id) = &activity.order_id {
            let status: Option<String> = query_scalar(
                "select status from orders where district_id = $1 and id = $2 and organization_id = $3",
            )
            .bind(district_id)
            .bind(order_id)
            .bind(&activity.organization_id)
            .fetch_optional(&mut tx.conn())
            .await?;
            let status: OrderStatus = parse_status(status.ok_or(StoreError::NotFound)?)?;
            if !status.takes_sessions() {
                return Err(DomainError::InvalidTransition {
                    entity: "order",
                    from: status.as_str(),
                    action: "schedule",
                }
                .into());
            }
            let using = ActivityStatus::ALL.iter().filter(|s| s.uses_a_session());
            let (sessions, scheduled): (i64, i64) = query(&format!(
                "select o.sessions, (select count(*) from activities a where a.order_id = o.id and a.status in ({}))
                 from orders o where o.district_id = $1 and o.id = $2",
                sql_names(using)
            ))
            .bind(district_id)
            .bind(order_id)
            .fetch_one(&mut tx.conn())
            .await?;
            check_sessions(count(sessions), count(scheduled))?;
        }
        query(
            "insert into activities (id, district_id, organization_id, order_id, title, description, starts_at, ends_at,
             venue, capacity, waitlist_capacity, min_age, max_age, registration_opens_at, registration_closes_at,
             badges, status, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $18, $17)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&activity.organization_id)
        .bind(&activity.order_id)
        .bind(&activity.title)
        .bind(&activity.description)
        .bind(activity.starts_at)
        .bind(activity.ends_at)
        .bind(&activity.venue)
        .bind(i64::from(activity.capacity))
        .bind(i64::from(activity.waitlist_capacity))
        .bind(i64::from(activity.min_age))
        .bind(i64::from(activity.max_age))
        .bind(activity.registration_opens_at)
        .bind(activity.registration_closes_at)
        .bind(json(&activity.badges))
        .bind(by.at)
        .bind(ActivityStatus::Draft.as_str())
        .execute(&mut tx.conn())
        .await?;
        let created = load_activity(
            &mut tx.conn(),
            district_id,
            &id,
            std::slice::from_ref(&activity.organization_id),
        )
        .await?;
        tx.audit(by, "activity.create", "activity", &id).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn activities(
        &self,
        district_id: &DistrictId,
        org_ids: &[OrganizationId],
        page: &Page,
    ) -> StoreResult<Paged<Activity>> {
        // The list keeps `ActivityStatus::visible_to` in SQL, so that a page is full.
        let sql = format!(
            "select {ACTIVITY_COLUMNS} from activities a where a.district_id = $1
             and (a.status != {} or a.organization_id = any($2))
             and a.id > $3 order by a.id limit $4",
            sql_name(ActivityStatus::Draft)
        );
        query(&sql)
            .bind(district_id)
            .bind(org_ids.to_vec())
            .fetch_page(&mut self.pools.read(), page, Ok, |a: &Activity| {
                a.id.to_string()
            })
            .await
    }

    async fn activity(
        &self,
        district_id: &DistrictId,
        id: &ActivityId,
        org_ids: &[OrganizationId],
    ) -> StoreResult<Activity> {
        let mut c = self.pools.read();
        load_activity(&mut c, district_id, id, org_ids).await
    }

    async fn transition_activity(
        &self,
        actor: &Actor,
        id: &ActivityId,
        action: ActivityAction,
        now: OffsetDateTime,
    ) -> StoreResult<Activity> {
        let org_ids = actor.org_ids();
        let district_id = &actor.district_id;
        let mut tx = self.write().await?;
        let current = load_activity(&mut tx.conn(), district_id, id, &org_ids).await?;
        if !org_ids.contains(&current.organization_id) {
            return Err(StoreError::NotFound);
        }
        let next = current.status.apply(action)?;
        check_step_time(action, current.ends_at, now)?;
        if let (ActivityAction::Publish, Some(order_id)) = (action, &current.order_id) {
            // A session of an order is published only while the order stands.
            let order = load_order(&mut tx.conn(), actor, order_id, now).await?;
            if !order.status.takes_sessions() {
                return Err(DomainError::InvalidTransition {
                    entity: "order",
                    from: order.status.as_str(),
                    action: "publish",
                }
                .into());
            }
        }
        query("update activities set status = $1 where id = $2")
            .bind(next.as_str())
            .bind(id)
            .execute(&mut tx.conn())
            .await?;
        // What follows for the registrations: a finished activity marks who never came,
        // a cancelled one releases everyone; no one waits for either any more.
        match next {
            ActivityStatus::Finished => {
                settle_registrations(&mut tx.conn(), id, RegistrationAction::MarkNoShow, now)
                    .await?
            }
            ActivityStatus::Cancelled => {
                settle_registrations(&mut tx.conn(), id, RegistrationAction::Cancel, now).await?
            }
            _ => {}
        }
        // What follows for the order: scheduled with its first published session,
        // delivered when all its sessions are finished.
        if let Some(order_id) = &current.order_id {
            let order = load_order(&mut tx.conn(), actor, order_id, now).await?;
            let finished: i64 = query_scalar(&format!(
                "select count(*) from activities where order_id = $1 and status = {}",
                sql_name(ActivityStatus::Finished)
            ))
            .bind(order_id)
            .fetch_one(&mut tx.conn())
            .await?;
            let order_action = match (next, order.status) {
                (ActivityStatus::Published, OrderStatus::Accepted) => Some(OrderAction::Schedule),
                (ActivityStatus::Finished, OrderStatus::Scheduled)
                    if count(finished) >= order.sessions =>
                {
                    Some(OrderAction::Deliver)
                }
                _ => None,
            };
            if let Some(order_action) = order_action {
                step_order(
                    &mut tx.conn(),
                    &order,
                    order_action,
                    &actor.user_id,
                    None,
                    now,
                )
                .await?;
            }
        }
        let moved = load_activity(&mut tx.conn(), district_id, id, &org_ids).await?;
        tx.audit(actor, &format!("activity.{action}"), "activity", id)
            .await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn create_participants(
        &self,
        by: &Actor,
        people: Vec<NewParticipant>,
    ) -> StoreResult<Vec<Participant>> {
        let mut tx = self.write().await?;
        let mut made = Vec::with_capacity(people.len());
        for p in people {
            made.push(
                self.insert_participant(&mut tx.conn(), &by.district_id, by.at, p)
                    .await?,
            );
        }
        let events: Vec<_> = made
            .iter()
            .map(|m| (by, "participant.create", "participant", m.id.as_str()))
            .collect();
        audit_many(&mut tx.conn(), &events).await?;
        tx.commit().await?;
        Ok(made)
    }

    async fn children(
        &self,
        district_id: &DistrictId,
        guardian_id: &UserId,
        page: &Page,
    ) -> StoreResult<Paged<Participant>> {
        query(&format!(
            "select {PARTICIPANT_COLUMNS} from participants
             where district_id = $1 and guardian_id = $2 and id > $3 order by id limit $4"
        ))
        .bind(district_id)
        .bind(guardian_id)
        .fetch_page(&mut self.pools.read(), page, Ok, |p: &Participant| {
            p.id.to_string()
        })
        .await
    }

    async fn participant_of(
        &self,
        district_id: &DistrictId,
        user_id: &UserId,
        participant_id: &ParticipantId,
    ) -> StoreResult<Participant> {
        query(&format!(
            "select {PARTICIPANT_COLUMNS} from participants
             where district_id = $1 and id = $2 and (guardian_id = $3 or user_id = $3)"
        ))
        .bind(district_id)
        .bind(participant_id)
        .bind(user_id)
        .fetch_one(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn register(
        &self,
        by: &Actor,
        attempt: RegistrationAttempt,
        now: OffsetDateTime,
    ) -> StoreResult<Registered> {
        self.admissions
            .submit(Request {
                by: by.clone(),
                attempt,
                now,
            })
            .await
    }

    async fn cancel_registration(
        &self,
        actor: &Actor,
        id: &RegistrationId,
        now: OffsetDateTime,
    ) -> StoreResult<Registration> {
        let district_id = &actor.district_id;
        let mut tx = self.write().await?;
        // Who may cancel: who made it, or the activity's organization.
        let found: Option<(String, String)> = query(
            "select r.activity_id, r.status from registrations r join activities a on a.id = r.activity_id
             where r.district_id = $1 and r.id = $2
             and (r.made_by = $3 or a.organization_id = any($4))",
        )
        .bind(district_id)
        .bind(id)
        .bind(&actor.user_id)
        .bind(actor.org_ids())
        .fetch_optional(&mut tx.conn())
        .await?;
        let (activity_id, status) = found.ok_or(StoreError::NotFound)?;
        let activity_id = ActivityId::from(activity_id);
        let was: RegistrationStatus = parse_status(status)?;
        let next = was.apply(RegistrationAction::Cancel)?;
        set_registration(&mut tx.conn(), id, next, now).await?;
        if was == RegistrationStatus::Confirmed {
            let activity =
                load_activity(&mut tx.conn(), district_id, &activity_id, &actor.org_ids()).await?;
            promote_first(&mut tx.conn(), &activity, now).await?;
        }
        let cancelled = load_registration(&mut tx.conn(), district_id, id).await?;
        tx.audit(actor, "registration.cancel", "registration", id)
            .await?;
        tx.commit().await?;
        Ok(cancelled)
    }

    async fn registrations(
        &self,
        district_id: &DistrictId,
        activity_id: &ActivityId,
        page: &Page,
    ) -> StoreResult<Paged<Registration>> {
        let sql = format!(
            "select {} where r.district_id = $1 and r.activity_id = $2
             and r.id > $3 order by r.id limit $4",
            registration_columns()
        );
        query(&sql)
            .bind(district_id)
            .bind(activity_id)
            .fetch_page(
                &mut self.pools.read(),
                page,
                RegistrationRow::into_registration,
                |r| r.id.to_string(),
            )
            .await
    }

    async fn check_in(
        &self,
        by: &Actor,
        activity_id: &ActivityId,
        who: CheckinBy<'_>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<String>> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        let activity = load_activity(&mut tx.conn(), district_id, activity_id, &[]).await?;
        let found: Option<(String, String, String, Date, bool)> = match who {
            CheckinBy::Participant {
                user_id,
                participant_id,
            } => query(&format!(
                "{CHECKIN_COLUMNS} where r.activity_id = $1 and r.participant_id = $2
                 and (p.guardian_id = $3 or p.user_id = $3) and r.status in ({})",
                sql_names(RegistrationStatus::seated())
            ))
            .bind(activity_id)
            .bind(participant_id)
            .bind(user_id)
            .fetch_optional(&mut tx.conn())
            .await
            .map_err(db)?,
            CheckinBy::Staff {
                org_ids,
                registration_id,
            } => {
                if !org_ids.contains(&activity.organization_id) {
                    return Err(StoreError::NotFound);
                }
                query(&format!(
                    "{CHECKIN_COLUMNS} where r.activity_id = $1 and r.id = $2"
                ))
                .bind(activity_id)
                .bind(registration_id)
                .fetch_optional(&mut tx.conn())
                .await?
            }
        };
        let (registration_id, status, participant_id, birth_date, has_consent) =
            found.ok_or(StoreError::NotFound)?;
        let registration_id = RegistrationId::from(registration_id);
        check_attendance(&Attendance {
            status: activity.status,
            starts_at: activity.starts_at,
            ends_at: activity.ends_at,
            window: district_settings(&mut tx.conn(), district_id)
                .await?
                .checkin,
            birth_date,
            has_consent,
            now,
        })?;
        let status: RegistrationStatus = parse_status(status)?;
        // A second scan of the same code is harmless: it answers as the first did.
        if status != RegistrationStatus::Attended {
            let next = status.apply(RegistrationAction::Attend)?;
            set_registration(&mut tx.conn(), &registration_id, next, now).await?;
            tx.audit(by, "registration.attend", "registration", &registration_id)
                .await?;
            for code in &activity.badges {
                query(
                    "insert into badge_awards (id, district_id, participant_id, badge_code, activity_id, awarded_at)
                     values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
                )
                .bind(new_id::<String>())
                .bind(district_id)
                .bind(&participant_id)
                .bind(code)
                .bind(activity_id)
                .bind(now)
                .execute(&mut tx.conn())
                .await?;
            }
        }
        tx.commit().await?;
        Ok(activity.badges)
    }

    async fn badges(
        &self,
        district_id: &DistrictId,
        participant_id: &ParticipantId,
        page: &Page,
    ) -> StoreResult<Paged<BadgeAward>> {
        query(
            "select id, badge_code, activity_id, awarded_at, confirmed_at from badge_awards
             where district_id = $1 and participant_id = $2 and id > $3 order by id limit $4",
        )
        .bind(district_id)
        .bind(participant_id)
        .fetch_page(
            &mut self.pools.read(),
            page,
            |r| Ok(badge_award(r)),
            |b| b.id.clone(),
        )
        .await
    }
}

impl SqlStore {
    /// Adds one participant inside the caller's transaction (its audit event is the
    /// caller's to write).
    pub(crate) async fn insert_participant(
        &self,
        c: &mut Conn<'_>,
        district_id: &DistrictId,
        at: OffsetDateTime,
        p: NewParticipant,
    ) -> StoreResult<Participant> {
        let id = p.id.clone().unwrap_or_else(new_id);
        let known = self.known_person(c, district_id, &p.id_number).await?;
        person_known(known, p.guardian_id.as_ref())?;
        query(
            "insert into participants (id, district_id, kind, name, birth_date, id_number_sealed, id_number_hash,
             guardian_id, user_id, created_at, id_number_masked)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(p.kind.as_str())
        .bind(&p.name)
        .bind(p.birth_date)
        .bind(self.keys.seal(&format!("participants.id_number:{id}"), &p.id_number)?)
        .bind(self.keys.lookup("id_number", &p.id_number))
        .bind(&p.guardian_id)
        .bind(&p.user_id)
        .bind(at)
        .bind(masked_id_number(&p.id_number))
        .execute(&mut *c)
        .await
        .map_err(unique("child_exists", "该孩子已添加 / This child has already been added"))?;
        if let (Some(relation), Some(guardian_id)) = (&p.consent_relation, &p.guardian_id) {
            insert_consent(
                c,
                (district_id, at),
                &id,
                guardian_id,
                relation,
                "registration",
            )
            .await?;
        }
        Ok(Participant {
            id_number_masked: masked_id_number(&p.id_number),
            id,
            name: p.name,
            birth_date: p.birth_date,
            consent_live: p.consent_relation.is_some() && p.guardian_id.is_some(),
            guardian_id: p.guardian_id,
        })
    }

    /// Whoever holds `id_number` in the district already, under any key in force.
    pub(crate) async fn known_person(
        &self,
        c: &mut Conn<'_>,
        district_id: &DistrictId,
        id_number: &str,
    ) -> StoreResult<KnownPerson> {
        let guardian: Option<Option<String>> = query_scalar(
            "select guardian_id from participants where district_id = $1
             and id_number_hash = any($2) limit 1",
        )
        .bind(district_id)
        .bind(self.keys.lookups("id_number", id_number))
        .fetch_optional(&mut *c)
        .await?;
        Ok(guardian.map(|g| g.map(UserId::from)))
    }
}

/// Ends the line of an activity that is over: confirmed registrations take `action`
/// (no-show or cancel), and the waitlist is cancelled.
pub(crate) async fn settle_registrations(
    c: &mut Conn<'_>,
    activity_id: &ActivityId,
    action: RegistrationAction,
    now: OffsetDateTime,
) -> StoreResult<()> {
    for (from, action) in [
        (RegistrationStatus::Confirmed, action),
        (RegistrationStatus::Waitlisted, RegistrationAction::Cancel),
    ] {
        let to = from.apply(action)?;
        query("update registrations set status = $1, updated_at = $2 where activity_id = $3 and status = $4")
            .bind(to.as_str())
            .bind(now)
            .bind(activity_id)
            .bind(from.as_str())
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

pub(crate) async fn load_activity(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    id: &ActivityId,
    org_ids: &[OrganizationId],
) -> StoreResult<Activity> {
    let sql = format!(
        "select {ACTIVITY_COLUMNS} from activities a where a.district_id = $1 and a.id = $2"
    );
    let activity: Activity = query(&sql)
        .bind(district_id)
        .bind(id)
        .fetch_one(&mut *c)
        .await?;
    if activity
        .status
        .visible_to(&activity.organization_id, org_ids)
    {
        Ok(activity)
    } else {
        Err(StoreError::NotFound)
    }
}

pub(crate) async fn load_registration(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    id: &RegistrationId,
) -> StoreResult<Registration> {
    let sql = format!(
        "select {} where r.district_id = $1 and r.id = $2",
        registration_columns()
    );
    let row: RegistrationRow = query(&sql)
        .bind(district_id)
        .bind(id)
        .fetch_one(&mut *c)
        .await?;
    row.into_registration()
}

pub(crate) async fn set_registration(
    c: &mut Conn<'_>,
    id: &RegistrationId,
    status: RegistrationStatus,
    now: OffsetDateTime,
) -> StoreResult<()> {
    query("update registrations set status = $1, updated_at = $2 where id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Admits one batch of registrations in one transaction: read the facts, let
/// [`admission::plan`] decide, write the plan, commit once.
pub(crate) async fn admit_batch(
    pools: &Pools,
    requests: Vec<Request>,
) -> StoreResult<Vec<StoreResult<Registered>>> {
    let mut tx = pools.write().await?;
    let facts = admission_facts(&mut tx.conn(), &requests).await?;
    let plan = admission::plan(&requests, facts);
    write_admissions(&mut tx.conn(), &plan).await?;
    tx.commit().await?;
    Ok(plan.answers)
}

pub(crate) async fn admission_facts(
    c: &mut Conn<'_>,
    requests: &[Request],
) -> StoreResult<BatchFacts> {
    let wanted = BatchFacts::wanted(requests);
    let mut facts = BatchFacts::default();
    if !wanted.keys.is_empty() {
        let (users, keys): (Vec<UserId>, Vec<String>) = wanted.keys.iter().cloned().unzip();
        // Every pair of these users and keys, narrowed to the pairs asked for here.
        let kept: Vec<(String, String, String)> = query(
            "select user_id, key, body from idempotency_keys where user_id = any($1) and key = any($2)",
        )
        .bind(users)
        .bind(keys)
        .fetch_all(&mut *c)
        .await?;
        facts.kept = kept
            .into_iter()
            .map(|(u, k, b)| ((UserId::from(u), k), b))
            .filter(|(pair, _)| wanted.keys.contains(pair))
            .collect();
    }
    let ids: Vec<&ParticipantId> = wanted.participants.iter().collect();
    // Only the batch's activities matter: it reads (activity, participant) by the index.
    let activity_ids: Vec<&ActivityId> = wanted.activities.iter().map(|(_, id)| id).collect();
    let candidates: Vec<CandidateRow> = query(
        "select p.id, p.district_id, p.guardian_id, p.user_id, p.birth_date,
         exists (select 1 from consents c where c.participant_id = p.id and c.scope = 'registration' and c.withdrawn_at is null) as has_consent
         from participants p where p.id = any($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *c)
    .await?;
    for row in candidates {
        let (id, candidate) = row.into_parts();
        facts.candidates.insert(id, candidate);
    }
    let live = format!(
        "select activity_id, participant_id from registrations
         where participant_id = any($1) and activity_id = any($2) and status in ({})",
        sql_names(RegistrationStatus::live())
    );
    let live: Vec<(String, String)> = query(&live)
        .bind(&ids)
        .bind(&activity_ids)
        .fetch_all(&mut *c)
        .await?;
    facts
        .live
        .extend(live.into_iter().map(|(a, p)| (a.into(), p.into())));
    // Registrants see published activities only (not drafts).
    let sql = format!(
        "select {ACTIVITY_COLUMNS}, a.next_seq from activities a where a.district_id = $1 and a.id = $2 and a.status != {}",
        sql_name(ActivityStatus::Draft)
    );
    for (district_id, id) in wanted.activities {
        let found: Option<ActivityLineRow> = query(&sql)
            .bind(&district_id)
            .bind(&id)
            .fetch_optional(&mut *c)
            .await?;
        if let Some(row) = found {
            let activity = row.activity;
            facts
                .activities
                .insert((district_id, id), (activity, row.next_seq));
        }
    }
    Ok(facts)
}

pub(crate) async fn write_admissions(c: &mut Conn<'_>, plan: &Plan) -> StoreResult<()> {
    if plan.admitted.is_empty() {
        return Ok(());
    }
    let rows = plan.admitted.iter().map(|a| {
        args![
            &a.registered.id,
            &a.district_id,
            &a.registered.activity_id,
            &a.registered.participant_id,
            &a.by.user_id,
            a.registered.status.as_str(),
            a.seq,
            a.at,
            a.at
        ]
    });
    insert_rows(
        c,
        "insert into registrations (id, district_id, activity_id, participant_id, made_by, status, seq, created_at, updated_at)",
        rows,
    )
    .await?;
    let kept: Vec<(&Admitted, &String, &String)> = plan
        .admitted
        .iter()
        .filter_map(|a| a.kept.as_ref().map(|(key, body)| (a, key, body)))
        .collect();
    if !kept.is_empty() {
        let rows = kept
            .into_iter()
            .map(|(a, key, body)| args![&a.district_id, &a.by.user_id, key, body, a.at]);
        insert_rows(
            c,
            "insert into idempotency_keys (district_id, user_id, key, body, created_at)",
            rows,
        )
        .await?;
    }
    for (activity_id, next_seq) in &plan.next_seq {
        query("update activities set next_seq = $2 where id = $1")
            .bind(activity_id)
            .bind(next_seq)
            .execute(&mut *c)
            .await?;
    }
    let events: Vec<_> = plan
        .admitted
        .iter()
        .map(|a| {
            (
                &a.by,
                "registration.create",
                "registration",
                a.registered.id.as_str(),
            )
        })
        .collect();
    audit_many(c, &events).await
}

/// When consent ends (withdrawn, or the family erased), processing stops: the child's
/// registrations for activities not yet over are cancelled, each seat going to the first
/// in line; what took place stays on record. Returns the cancelled registrations.
pub(crate) async fn cancel_what_is_to_come(
    c: &mut Conn<'_>,
    by: &Actor,
    participant_id: &ParticipantId,
    now: OffsetDateTime,
) -> StoreResult<Vec<RegistrationId>> {
    let live: Vec<(String, String, String)> = query(&format!(
        "select r.id, r.status, r.activity_id from registrations r join activities a on a.id = r.activity_id
         where r.district_id = $1 and r.participant_id = $2 and r.status in ({}) and a.ends_at > $3
         order by r.id",
        sql_names(RegistrationStatus::cancellable())
    ))
    .bind(&by.district_id)
    .bind(participant_id)
    .bind(now)
    .fetch_all(&mut *c)
    .await?;
    let mut cancelled = Vec::with_capacity(live.len());
    for (registration_id, status, activity_id) in live {
        let (registration_id, activity_id) = (registration_id.into(), activity_id.into());
        let was: RegistrationStatus = parse_status(status)?;
        set_registration(
            c,
            &registration_id,
            was.apply(RegistrationAction::Cancel)?,
            now,
        )
        .await?;
        if was == RegistrationStatus::Confirmed {
            let activity = load_activity(c, &by.district_id, &activity_id, &[]).await?;
            promote_first(c, &activity, now).await?;
        }
        audit(
            c,
            by,
            "registration.cancel",
            "registration",
            &registration_id,
        )
        .await?;
        cancelled.push(registration_id);
    }
    Ok(cancelled)
}

/// Gives a freed seat to the first in line, if the activity still takes people.
pub(crate) async fn promote_first(
    c: &mut Conn<'_>,
    activity: &Activity,
    now: OffsetDateTime,
) -> StoreResult<()> {
    if !matches!(
        activity.status,
        ActivityStatus::Published | ActivityStatus::Closed
    ) {
        return Ok(());
    }
    let first: Option<(String, String)> = query(&format!(
        "select id, status from registrations where activity_id = $1 and status = {} order by seq limit 1",
        sql_name(RegistrationStatus::Waitlisted)
    ))
    .bind(&activity.id)
    .fetch_optional(&mut *c)
    .await?;
    if let Some((id, status)) = first {
        let next =
            parse_status::<RegistrationStatus>(status)?.apply(RegistrationAction::Promote)?;
        set_registration(c, &id.into(), next, now).await?;
    }
    Ok(())
}
