//! Volunteers at work: tasks and their shifts, sign-ups and rosters, check-in and out,
//! service hours that are never edited, and certificates anyone can verify.

use std::collections::HashSet;

use async_trait::async_trait;
use time::{Date, Duration, OffsetDateTime};
use youthloop_domain::id::*;
use youthloop_domain::parse::local_date;
use youthloop_domain::role::Actor;
use youthloop_domain::volunteer::{
    self, AssignmentAction, AssignmentStatus, HoursEntry, RosterStatus, Span,
};
use youthloop_domain::DomainError;

use crate::model::*;
use crate::rows::*;
use crate::sql::{args, insert_rows, query, query_scalar, Conn};
use crate::{SqlStore, StoreError, StoreResult, Trust};

#[async_trait]
pub trait Serving: Send + Sync {
    async fn create_task(&self, by: &Actor, task: NewTask) -> StoreResult<TaskId>;

    async fn task(&self, district_id: &DistrictId, id: &TaskId) -> StoreResult<Task>;

    async fn create_shift(
        &self,
        by: &Actor,
        task_id: &TaskId,
        shift: NewShift,
    ) -> StoreResult<ShiftId>;

    async fn shift(&self, district_id: &DistrictId, id: &ShiftId) -> StoreResult<ShiftLine>;

    /// Shifts by the filter, soonest first, at most 500.
    async fn shifts(
        &self,
        district_id: &DistrictId,
        filter: &ShiftFilter,
    ) -> StoreResult<Vec<ShiftLine>>;

    /// The acting volunteer takes a place on a shift (age, skills and consent are the
    /// service's to check first). A retry with the same key answers the first
    /// assignment again (`true`).
    async fn sign_up(
        &self,
        by: &Actor,
        shift_id: &ShiftId,
        key: Option<&str>,
    ) -> StoreResult<(Assignment, bool)>;

    /// Everything a roster over `window` (Beijing dates, both included) depends on; a
    /// team's roster uses the team's volunteers.
    async fn roster_inputs(
        &self,
        district_id: &DistrictId,
        window: (Date, Date),
        team_id: Option<&TeamId>,
    ) -> StoreResult<RosterInputs>;

    /// Keeps a proposed roster; earlier proposals that are still unpublished and
    /// propose places on the same shifts are superseded.
    async fn save_roster(&self, by: &Actor, roster: NewRoster) -> StoreResult<Roster>;

    async fn roster(&self, district_id: &DistrictId, id: &RosterId) -> StoreResult<Roster>;

    /// The roster's proposals: `(assignments, unmet)` as the API shows them.
    async fn roster_assignments(
        &self,
        district_id: &DistrictId,
        id: &RosterId,
    ) -> StoreResult<Vec<Assignment>>;

    /// Publishes a roster: each proposal still fitting becomes an invitation, the rest
    /// are cancelled with the reason. Answers how many were invited.
    async fn publish_roster(&self, by: &Actor, id: &RosterId) -> StoreResult<u32>;

    async fn assignment(
        &self,
        district_id: &DistrictId,
        id: &AssignmentId,
    ) -> StoreResult<Assignment>;

    /// Moves an assignment by `action` (accept, decline, check in, cancel); a decline or
    /// cancellation keeps its reason.
    async fn move_assignment(
        &self,
        by: &Actor,
        id: &AssignmentId,
        action: AssignmentAction,
        reason: Option<&str>,
    ) -> StoreResult<Assignment>;

    /// Checks a volunteer out and records their hours, clipped to the shift.
    async fn check_out(&self, by: &Actor, id: &AssignmentId) -> StoreResult<HoursRecord>;

    /// A volunteer's assignments, soonest first.
    async fn assignments_of(
        &self,
        district_id: &DistrictId,
        volunteer_id: &UserId,
    ) -> StoreResult<Vec<Assignment>>;

    async fn shift_assignments(
        &self,
        district_id: &DistrictId,
        shift_id: &ShiftId,
    ) -> StoreResult<Vec<Assignment>>;

    /// A volunteer's hours records, newest first, corrected ones included.
    async fn hours_of(
        &self,
        district_id: &DistrictId,
        volunteer_id: &UserId,
    ) -> StoreResult<Vec<HoursRecord>>;

    async fn hours_record(
        &self,
        district_id: &DistrictId,
        id: &HoursId,
    ) -> StoreResult<HoursRecord>;

    /// A new record that corrects `id` (which must still stand) to `minutes`.
    async fn correct_hours(
        &self,
        by: &Actor,
        id: &HoursId,
        minutes: u32,
        reason: &str,
    ) -> StoreResult<HoursRecord>;

    /// Issues the acting volunteer a certificate of their standing minutes served in
    /// `period`; refused for a period without any.
    async fn issue_certificate(&self, by: &Actor, period: (Date, Date))
        -> StoreResult<Certificate>;

    /// A certificate by its serial, in any district: the serial is the key.
    async fn certificate(&self, serial: &str) -> StoreResult<Certificate>;

    /// A volunteer's certificates, the latest first.
    async fn certificates_of(
        &self,
        district_id: &DistrictId,
        volunteer_id: &UserId,
    ) -> StoreResult<Vec<Certificate>>;

    /// The standing hours served in `period`, with names and ID numbers in the clear,
    /// for the national volunteer system; audited.
    async fn hours_export(
        &self,
        by: &Actor,
        period: (Date, Date),
    ) -> StoreResult<Vec<HoursExportRow>>;

    /// A guardian consents to their child (14 to 17) volunteering.
    async fn consent_to_volunteering(
        &self,
        by: &Actor,
        participant_id: &ParticipantId,
        relation: &str,
    ) -> StoreResult<Consent>;

    /// Whether a guardian's consent to volunteering is live for this user: given for a
    /// child of theirs with the user's ID number.
    async fn volunteering_consent(
        &self,
        district_id: &DistrictId,
        user_id: &UserId,
    ) -> StoreResult<bool>;
}

/// Statuses that hold a place (see `AssignmentStatus::holds_place`).
/// The statuses for which `keep` holds, as an SQL list: the domain says which.
fn statuses(keep: fn(AssignmentStatus) -> bool) -> String {
    sql_names(AssignmentStatus::ALL.iter().copied().filter(|s| keep(*s)))
}

fn holding() -> String {
    statuses(AssignmentStatus::holds_place)
}

fn shift_columns() -> String {
    format!(
        "s.id, s.task_id, t.title, t.region_id, t.venue, s.starts_at, s.ends_at, s.needed,
         (select count(*) from assignments a where a.shift_id = s.id and a.status in ({})) as assigned,
         s.skills, s.min_age, t.organization_id, t.team_id",
        holding()
    )
}

const ASSIGNMENT_SELECT: &str =
    "select a.id, a.shift_id, a.volunteer_id, v.volunteer_no, a.roster_id, a.status,
    a.reason, t.title, t.venue, s.starts_at, s.ends_at, a.checked_in_at, a.checked_out_at
    from assignments a join shifts s on s.id = a.shift_id join tasks t on t.id = s.task_id
    join volunteers v on v.user_id = a.volunteer_id";

const HOURS_SELECT: &str =
    "select h.id, h.volunteer_id, h.shift_id, h.content, h.place, h.starts_at,
    h.ends_at, h.served_on, h.minutes, h.organization, h.recorded_by, u.name as recorded_by_name,
    h.recorded_at, h.corrects, h.reason,
    exists (select 1 from service_hours c where c.corrects = h.id) as corrected
    from service_hours h join users u on u.id = h.recorded_by";

const CERTIFICATE_SELECT: &str = "select c.serial, c.volunteer_id, v.volunteer_no, u.name, c.period_from,
    c.period_to, c.total_minutes, c.issuer, c.issued_at,
    (select cast(coalesce(sum(h.minutes), 0) as bigint) from service_hours h where h.volunteer_id = c.volunteer_id
     and h.served_on >= c.period_from and h.served_on <= c.period_to
     and not exists (select 1 from service_hours x where x.corrects = h.id)) as standing_minutes
    from certificates c join volunteers v on v.user_id = c.volunteer_id join users u on u.id = c.volunteer_id";

/// The League committee of a district, as it signs: 共青团示例区委员会.
async fn league_of(c: &mut Conn<'_>, district_id: &DistrictId) -> StoreResult<String> {
    let name: String = query_scalar("select name from districts where id = $1")
        .bind(district_id)
        .fetch_one(&mut *c)
        .await?;
    Ok(format!("共青团{name}委员会"))
}

/// The first instant of a Beijing date, and of the day after another, in UTC as times
/// are stored (SQLite compares them as text).
fn beijing_bounds((from, to): (Date, Date)) -> (OffsetDateTime, OffsetDateTime) {
    let start = |d: Date| {
        d.midnight()
            .assume_offset(youthloop_domain::parse::SHANGHAI)
            .to_offset(time::UtcOffset::UTC)
    };
    (start(from), start(to.next_day().unwrap_or(to)))
}

/// The shifts a volunteer holds a place on around `span`: what overlaps and the week's
/// minutes are counted against.
async fn held_spans(c: &mut Conn<'_>, volunteer_id: &UserId, span: Span) -> StoreResult<Vec<Span>> {
    let rows: Vec<(OffsetDateTime, OffsetDateTime)> = query(&format!(
        "select s.starts_at, s.ends_at from assignments a join shifts s on s.id = a.shift_id
         where a.volunteer_id = $1 and a.status in ({}) and s.starts_at < $2 and s.ends_at > $3",
        holding()
    ))
    .bind(volunteer_id)
    .bind(span.end + Duration::days(8))
    .bind(span.start - Duration::days(8))
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(start, end)| Span { start, end })
        .collect())
}

async fn shift_in(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    id: &ShiftId,
) -> StoreResult<ShiftLine> {
    query(&format!(
        "select {} from shifts s join tasks t on t.id = s.task_id where s.district_id = $1 and s.id = $2",
        shift_columns()
    ))
    .bind(district_id)
    .bind(id)
    .fetch_one(&mut *c)
    .await
    .map_err(db)
}

async fn assignment_in(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    id: &AssignmentId,
) -> StoreResult<Assignment> {
    query(&format!(
        "{ASSIGNMENT_SELECT} where a.district_id = $1 and a.id = $2"
    ))
    .bind(district_id)
    .bind(id)
    .fetch_one(&mut *c)
    .await
    .map_err(db)
}

async fn hours_in(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    id: &HoursId,
) -> StoreResult<HoursRecord> {
    query(&format!(
        "{HOURS_SELECT} where h.district_id = $1 and h.id = $2"
    ))
    .bind(district_id)
    .bind(id)
    .fetch_one(&mut *c)
    .await
    .map_err(db)
}

async fn set_status(
    c: &mut Conn<'_>,
    by: &Actor,
    id: &AssignmentId,
    status: AssignmentStatus,
    reason: Option<&str>,
) -> StoreResult<()> {
    query("update assignments set status = $2, reason = coalesce($3, reason), updated_at = $4 where id = $1")
        .bind(id)
        .bind(status.as_str())
        .bind(reason)
        .bind(by.at)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The users among `ids` whose ID number a guardian has consented to volunteering for.
async fn consenting(
    store: &SqlStore,
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    ids: &[UserId],
) -> StoreResult<HashSet<UserId>> {
    let mut found = HashSet::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let sealed: Vec<(String, Option<String>)> =
        query("select id, id_number_sealed from users where id = any($1)")
            .bind(ids)
            .fetch_all(&mut *c)
            .await?;
    for (id, sealed) in sealed {
        let Some(sealed) = sealed else { continue };
        let clear = store.keys.open(&format!("users.id_number:{id}"), &sealed)?;
        let live: Option<i32> = query_scalar(
            "select 1 from consents k join participants p on p.id = k.participant_id
             where p.district_id = $1 and p.id_number_hash = any($2) and p.guardian_id is not null
             and k.scope = 'volunteer' and k.withdrawn_at is null limit 1",
        )
        .bind(district_id)
        .bind(store.keys.lookups("id_number", &clear))
        .fetch_optional(&mut *c)
        .await?;
        if live.is_some() {
            found.insert(UserId::from(id));
        }
    }
    Ok(found)
}

#[async_trait]
impl Serving for SqlStore {
    async fn create_task(&self, by: &Actor, task: NewTask) -> StoreResult<TaskId> {
        let mut tx = self.write().await?;
        let region_ok: Option<i32> =
            query_scalar("select 1 from regions where district_id = $1 and id = $2")
                .bind(&by.district_id)
                .bind(&task.region_id)
                .fetch_optional(&mut tx.conn())
                .await?;
        if region_ok.is_none() {
            return Err(DomainError::invalid(
                "region_id",
                "本区没有这个地区 / No such region in this district",
            )
            .into());
        }
        if let Some(activity_id) = &task.activity_id {
            let found: Option<i32> =
                query_scalar("select 1 from activities where district_id = $1 and id = $2")
                    .bind(&by.district_id)
                    .bind(activity_id)
                    .fetch_optional(&mut tx.conn())
                    .await?;
            if found.is_none() {
                return Err(DomainError::invalid(
                    "activity_id",
                    "本区没有这个活动 / No such activity in this district",
                )
                .into());
            }
        }
        let id: TaskId = new_id();
        query(
            "insert into tasks (id, district_id, title, area, description, region_id, venue, activity_id,
             organization_id, team_id, created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&id)
        .bind(&by.district_id)
        .bind(&task.title)
        .bind(&task.area)
        .bind(&task.description)
        .bind(&task.region_id)
        .bind(&task.venue)
        .bind(&task.activity_id)
        .bind(&task.organization_id)
        .bind(&task.team_id)
        .bind(&by.user_id)
        .bind(by.at)
        .execute(&mut tx.conn())
        .await?;
        tx.audit(by, "task.create", "task", &id).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn task(&self, district_id: &DistrictId, id: &TaskId) -> StoreResult<Task> {
        query(
            "select id, title, area, description, region_id, venue, activity_id, organization_id, team_id,
             created_by from tasks where district_id = $1 and id = $2",
        )
        .bind(district_id)
        .bind(id)
        .fetch_one(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn create_shift(
        &self,
        by: &Actor,
        task_id: &TaskId,
        shift: NewShift,
    ) -> StoreResult<ShiftId> {
        let mut tx = self.write().await?;
        let id: ShiftId = new_id();
        query(
            "insert into shifts (id, district_id, task_id, starts_at, ends_at, needed, skills, min_age, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(&by.district_id)
        .bind(task_id)
        .bind(shift.starts_at)
        .bind(shift.ends_at)
        .bind(shift.needed)
        .bind(json(&shift.skills))
        .bind(u32::from(shift.min_age))
        .bind(by.at)
        .execute(&mut tx.conn())
        .await?;
        tx.audit(by, "shift.create", "shift", &id).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn shift(&self, district_id: &DistrictId, id: &ShiftId) -> StoreResult<ShiftLine> {
        shift_in(&mut self.pools.read(), district_id, id).await
    }

    async fn shifts(
        &self,
        district_id: &DistrictId,
        filter: &ShiftFilter,
    ) -> StoreResult<Vec<ShiftLine>> {
        query(&format!(
            "select {} from shifts s join tasks t on t.id = s.task_id where s.district_id = $1
             and s.ends_at > $2 and ($3 is null or s.starts_at < $3) and ($4 is null or s.task_id = $4)
             and ($5 is null or t.team_id = $5) order by s.starts_at, s.id limit 500",
            shift_columns()
        ))
        .bind(district_id)
        .bind(filter.after)
        .bind(filter.before)
        .bind(&filter.task_id)
        .bind(&filter.team_id)
        .fetch_all(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn sign_up(
        &self,
        by: &Actor,
        shift_id: &ShiftId,
        key: Option<&str>,
    ) -> StoreResult<(Assignment, bool)> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        if let Some(key) = key {
            let earlier: Option<(String, String)> = query(
                "select id, shift_id from assignments where volunteer_id = $1 and idempotency_key = $2",
            )
            .bind(&by.user_id)
            .bind(key)
            .fetch_optional(&mut tx.conn())
            .await?;
            if let Some((id, shift)) = earlier {
                if shift != shift_id.as_str() {
                    return Err(StoreError::conflict(
                        "idempotency_key_reused",
                        "该幂等键已用于另一请求 / This Idempotency-Key was used for another request",
                    ));
                }
                let earlier = assignment_in(&mut tx.conn(), district_id, &id.into()).await?;
                return Ok((earlier, true));
            }
        }
        let shift = shift_in(&mut tx.conn(), district_id, shift_id).await?;
        if shift.starts_at <= by.at {
            return Err(StoreError::conflict(
                "shift_started",
                "该班次已开始，不能再报名 / This shift has already started",
            ));
        }
        let mine: Option<(String, String)> = query(&format!(
            "select id, status from assignments where shift_id = $1 and volunteer_id = $2
             and status in ({})",
            statuses(AssignmentStatus::is_live)
        ))
        .bind(shift_id)
        .bind(&by.user_id)
        .fetch_optional(&mut tx.conn())
        .await?;
        if let Some((id, status)) = mine {
            if status != AssignmentStatus::Proposed.as_str() {
                return Err(StoreError::conflict(
                    "already_signed_up",
                    "您已在该班次中 / You are already on this shift",
                ));
            }
            // An unpublished proposal gives way to the volunteer's own word.
            let status = AssignmentStatus::Proposed.apply(AssignmentAction::Cancel)?;
            set_status(&mut tx.conn(), by, &id.into(), status, Some("self_sign_up")).await?;
        }
        let max: i64 = query_scalar(
            "select max_minutes_per_week from volunteers where district_id = $1 and user_id = $2",
        )
        .bind(district_id)
        .bind(&by.user_id)
        .fetch_optional(&mut tx.conn())
        .await?
        .ok_or_else(|| {
            StoreError::conflict(
                "no_profile",
                "请先填写志愿者资料 / Fill in your volunteer profile first",
            )
        })?;
        let held = held_spans(&mut tx.conn(), &by.user_id, shift.span()).await?;
        volunteer::check_place(
            shift.span(),
            shift.needed,
            shift.assigned,
            &held,
            u32::try_from(max).unwrap_or(0),
        )?;
        let id: AssignmentId = new_id();
        query(
            "insert into assignments (id, district_id, shift_id, volunteer_id, status, idempotency_key,
             created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(shift_id)
        .bind(&by.user_id)
        .bind(AssignmentStatus::Assigned.as_str())
        .bind(key)
        .bind(by.at)
        .execute(&mut tx.conn())
        .await?;
        tx.audit(by, "assignment.sign_up", "assignment", &id)
            .await?;
        let made = assignment_in(&mut tx.conn(), district_id, &id).await?;
        tx.commit().await?;
        Ok((made, false))
    }

    async fn roster_inputs(
        &self,
        district_id: &DistrictId,
        window: (Date, Date),
        team_id: Option<&TeamId>,
    ) -> StoreResult<RosterInputs> {
        // Whole ISO weeks around the window: minutes a week count what is held in them.
        let monday = |d: Date| d - Duration::days(i64::from(d.weekday().number_days_from_monday()));
        let weeks = (monday(window.0), monday(window.1) + Duration::days(6));
        let (after, before) = beijing_bounds(weeks);
        let mut c = self.pools.read();
        let shifts: Vec<ShiftLine> = query(&format!(
            "select {} from shifts s join tasks t on t.id = s.task_id where s.district_id = $1
             and s.starts_at >= $2 and s.starts_at < $3 order by s.starts_at, s.id",
            shift_columns()
        ))
        .bind(district_id)
        .bind(after)
        .bind(before)
        .fetch_all(&mut c)
        .await?;
        let shift_ids: Vec<&ShiftId> = shifts.iter().map(|s| &s.id).collect();
        let assignments: Vec<(String, String, String)> = query(
            "select shift_id, volunteer_id, status from assignments where shift_id = any($1)",
        )
        .bind(&shift_ids)
        .fetch_all(&mut c)
        .await?;
        let assignments = assignments
            .into_iter()
            .map(|(s, v, status)| {
                let status = AssignmentStatus::try_from(status).map_err(StoreError::Other)?;
                Ok((ShiftId::from(s), UserId::from(v), status))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let profiles: Vec<VolunteerRow> = query(
            "select v.user_id, v.volunteer_no, v.skills, v.availability, v.home_region_id, v.max_minutes_per_week,
             u.birth_date, q.region_id as squad_region_id
             from volunteers v join users u on u.id = v.user_id
             left join squad_members m on m.volunteer_id = v.user_id left join squads q on q.id = m.squad_id
             where v.district_id = $1 and u.erased_at is null and ($2 is null or q.team_id = $2)
             order by v.volunteer_no",
        )
        .bind(district_id)
        .bind(team_id)
        .fetch_all(&mut c)
        .await?;
        // Only minors need a guardian; adults' consent is their own.
        let minors: Vec<UserId> = profiles
            .iter()
            .filter(|v| {
                v.birth_date
                    .is_some_and(|b| youthloop_domain::parse::age_on(b, window.0) < 18)
            })
            .map(|v| v.profile.user_id.clone())
            .collect();
        let consenting = consenting(self, &mut c, district_id, &minors).await?;
        let volunteers = profiles
            .into_iter()
            .map(|v| RosterVolunteer {
                consent_live: consenting.contains(&v.profile.user_id),
                birth_date: v.birth_date,
                squad_region_id: v.squad_region_id.map(RegionId::from),
                profile: v.profile,
            })
            .collect();
        let regions: Vec<(String, Option<String>)> =
            query("select id, parent_id from regions where district_id = $1")
                .bind(district_id)
                .fetch_all(&mut c)
                .await?;
        Ok(RosterInputs {
            shifts,
            volunteers,
            assignments,
            regions: regions
                .into_iter()
                .map(|(id, parent)| (id.into(), parent.map(RegionId::from)))
                .collect(),
        })
    }

    async fn save_roster(&self, by: &Actor, roster: NewRoster) -> StoreResult<Roster> {
        let mut tx = self.write().await?;
        let id: RosterId = new_id();
        // Earlier proposals over the same shifts give way: only one can be published.
        let shift_ids: Vec<&ShiftId> = roster.proposals.iter().map(|(s, _)| s).collect();
        let superseded: Vec<String> = query_scalar(
            "select distinct a.roster_id from assignments a join rosters r on r.id = a.roster_id
             where a.shift_id = any($1) and r.status = 'proposed'",
        )
        .bind(&shift_ids)
        .fetch_all(&mut tx.conn())
        .await?;
        for old in &superseded {
            query("update rosters set status = $2 where id = $1")
                .bind(old)
                .bind(RosterStatus::Superseded.as_str())
                .execute(&mut tx.conn())
                .await?;
            query(
                "update assignments set status = $3, reason = 'superseded', updated_at = $2
                   where roster_id = $1 and status = $4",
            )
            .bind(old)
            .bind(by.at)
            .bind(AssignmentStatus::Cancelled.as_str())
            .bind(AssignmentStatus::Proposed.as_str())
            .execute(&mut tx.conn())
            .await?;
        }
        query(
            "insert into rosters (id, district_id, team_id, window_from, window_to, status, unmet, proven_optimal,
             objective, bound, seconds, made_by, created_at) values ($1, $2, $3, $4, $5, 'proposed', $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&id)
        .bind(&by.district_id)
        .bind(&roster.team_id)
        .bind(roster.window.0)
        .bind(roster.window.1)
        .bind(roster.unmet)
        .bind(i64::from(roster.proven_optimal))
        .bind(roster.objective)
        .bind(roster.bound)
        .bind(roster.seconds)
        .bind(&by.user_id)
        .bind(by.at)
        .execute(&mut tx.conn())
        .await?;
        let rows = roster.proposals.iter().map(|(shift, volunteer)| {
            let aid: AssignmentId = new_id();
            args![
                aid,
                &by.district_id,
                shift,
                volunteer,
                &id,
                AssignmentStatus::Proposed.as_str(),
                by.at,
                by.at
            ]
        });
        insert_rows(
            &mut tx.conn(),
            "insert into assignments (id, district_id, shift_id, volunteer_id, roster_id, status, created_at, updated_at)",
            rows,
        )
        .await?;
        tx.audit(by, "roster.propose", "roster", &id).await?;
        tx.commit().await?;
        self.roster(&by.district_id, &id).await
    }

    async fn roster(&self, district_id: &DistrictId, id: &RosterId) -> StoreResult<Roster> {
        query(
            "select id, team_id, window_from, window_to, status, unmet, proven_optimal, seconds
             from rosters where district_id = $1 and id = $2",
        )
        .bind(district_id)
        .bind(id)
        .fetch_one(&mut self.pools.fresh())
        .await
        .map_err(db)
    }

    async fn roster_assignments(
        &self,
        district_id: &DistrictId,
        id: &RosterId,
    ) -> StoreResult<Vec<Assignment>> {
        query(&format!(
            "{ASSIGNMENT_SELECT} where a.district_id = $1 and a.roster_id = $2 order by s.starts_at, a.id"
        ))
        .bind(district_id)
        .bind(id)
        .fetch_all(&mut self.pools.fresh())
        .await
        .map_err(db)
    }

    async fn publish_roster(&self, by: &Actor, id: &RosterId) -> StoreResult<u32> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        let status: String =
            query_scalar("select status from rosters where district_id = $1 and id = $2")
                .bind(district_id)
                .bind(id)
                .fetch_one(&mut tx.conn())
                .await
                .map_err(db)?;
        let status = RosterStatus::try_from(status)
            .map_err(StoreError::Other)?
            .publish()?;
        let proposals: Vec<Assignment> = query(&format!(
            "{ASSIGNMENT_SELECT} where a.roster_id = $1 and a.status = 'proposed' order by s.starts_at, a.id"
        ))
        .bind(id)
        .fetch_all(&mut tx.conn())
        .await?;
        let mut invited = 0;
        for a in proposals {
            // Things may have moved since the proposal: a sign-up took the place, the
            // volunteer took another shift at that time, the shift began.
            let shift = shift_in(&mut tx.conn(), district_id, &a.shift_id).await?;
            let max: i64 =
                query_scalar("select max_minutes_per_week from volunteers where user_id = $1")
                    .bind(&a.volunteer_id)
                    .fetch_one(&mut tx.conn())
                    .await?;
            let held = held_spans(&mut tx.conn(), &a.volunteer_id, shift.span()).await?;
            let fits = if shift.starts_at <= by.at {
                Err(DomainError::AlreadyEnded)
            } else {
                volunteer::check_place(
                    shift.span(),
                    shift.needed,
                    shift.assigned,
                    &held,
                    u32::try_from(max).unwrap_or(0),
                )
            };
            let (next, reason) = match fits {
                Ok(()) => (a.status.apply(AssignmentAction::Publish)?, None),
                Err(e) => (a.status.apply(AssignmentAction::Cancel)?, Some(e.code())),
            };
            invited += u32::from(next == AssignmentStatus::Invited);
            set_status(&mut tx.conn(), by, &a.id, next, reason).await?;
        }
        query("update rosters set status = $2, published_at = $3 where id = $1")
            .bind(id)
            .bind(status.as_str())
            .bind(by.at)
            .execute(&mut tx.conn())
            .await?;
        tx.audit(by, "roster.publish", "roster", id).await?;
        tx.commit().await?;
        Ok(invited)
    }

    async fn assignment(
        &self,
        district_id: &DistrictId,
        id: &AssignmentId,
    ) -> StoreResult<Assignment> {
        assignment_in(&mut self.pools.fresh(), district_id, id).await
    }

    async fn move_assignment(
        &self,
        by: &Actor,
        id: &AssignmentId,
        action: AssignmentAction,
        reason: Option<&str>,
    ) -> StoreResult<Assignment> {
        let mut tx = self.write().await?;
        let a = assignment_in(&mut tx.conn(), &by.district_id, id).await?;
        let next = a.status.apply(action)?;
        set_status(&mut tx.conn(), by, id, next, reason).await?;
        if action == AssignmentAction::CheckIn {
            query("update assignments set checked_in_at = $2 where id = $1")
                .bind(id)
                .bind(by.at)
                .execute(&mut tx.conn())
                .await?;
        }
        tx.audit(by, &format!("assignment.{action}"), "assignment", id)
            .await?;
        let moved = assignment_in(&mut tx.conn(), &by.district_id, id).await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn check_out(&self, by: &Actor, id: &AssignmentId) -> StoreResult<HoursRecord> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        let a = assignment_in(&mut tx.conn(), district_id, id).await?;
        let next = a.status.apply(AssignmentAction::CheckOut)?;
        let checked_in = a.checked_in_at.unwrap_or(a.starts_at);
        let minutes = volunteer::served_minutes((a.starts_at, a.ends_at), checked_in, by.at)?;
        // What the record says was served: the check-in to check-out, within the shift.
        let start = checked_in.max(a.starts_at);
        let end = by.at.min(a.ends_at).max(start);
        query("update assignments set status = $2, checked_out_at = $3, updated_at = $3 where id = $1")
            .bind(id)
            .bind(next.as_str())
            .bind(by.at)
            .execute(&mut tx.conn())
            .await?;
        let organization: Option<String> = query_scalar(
            "select o.name from shifts s join tasks t on t.id = s.task_id join organizations o on o.id = t.organization_id
             where s.id = $1",
        )
        .bind(&a.shift_id)
        .fetch_optional(&mut tx.conn())
        .await?;
        let organization = match organization {
            Some(name) => name,
            None => league_of(&mut tx.conn(), district_id).await?,
        };
        let hours_id: HoursId = new_id();
        query(
            "insert into service_hours (id, district_id, volunteer_id, assignment_id, shift_id, content, place,
             starts_at, ends_at, served_on, minutes, organization, recorded_by, recorded_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&hours_id)
        .bind(district_id)
        .bind(&a.volunteer_id)
        .bind(id)
        .bind(&a.shift_id)
        .bind(&a.title)
        .bind(&a.venue)
        .bind(start)
        .bind(end)
        .bind(local_date(start))
        .bind(minutes)
        .bind(organization)
        .bind(&by.user_id)
        .bind(by.at)
        .execute(&mut tx.conn())
        .await?;
        tx.audit(by, "assignment.check_out", "assignment", id)
            .await?;
        let record = hours_in(&mut tx.conn(), district_id, &hours_id).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn assignments_of(
        &self,
        district_id: &DistrictId,
        volunteer_id: &UserId,
    ) -> StoreResult<Vec<Assignment>> {
        query(&format!(
            "{ASSIGNMENT_SELECT} where a.district_id = $1 and a.volunteer_id = $2 order by s.starts_at desc, a.id limit 200"
        ))
        .bind(district_id)
        .bind(volunteer_id)
        .fetch_all(&mut self.pools.fresh())
        .await
        .map_err(db)
    }

    async fn shift_assignments(
        &self,
        district_id: &DistrictId,
        shift_id: &ShiftId,
    ) -> StoreResult<Vec<Assignment>> {
        query(&format!(
            "{ASSIGNMENT_SELECT} where a.district_id = $1 and a.shift_id = $2 order by v.volunteer_no, a.id"
        ))
        .bind(district_id)
        .bind(shift_id)
        .fetch_all(&mut self.pools.fresh())
        .await
        .map_err(db)
    }

    async fn hours_of(
        &self,
        district_id: &DistrictId,
        volunteer_id: &UserId,
    ) -> StoreResult<Vec<HoursRecord>> {
        query(&format!(
            "{HOURS_SELECT} where h.district_id = $1 and h.volunteer_id = $2 order by h.served_on desc, h.recorded_at desc, h.id"
        ))
        .bind(district_id)
        .bind(volunteer_id)
        .fetch_all(&mut self.pools.fresh())
        .await
        .map_err(db)
    }

    async fn hours_record(
        &self,
        district_id: &DistrictId,
        id: &HoursId,
    ) -> StoreResult<HoursRecord> {
        hours_in(&mut self.pools.fresh(), district_id, id).await
    }

    async fn correct_hours(
        &self,
        by: &Actor,
        id: &HoursId,
        minutes: u32,
        reason: &str,
    ) -> StoreResult<HoursRecord> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        let old = hours_in(&mut tx.conn(), district_id, id).await?;
        if old.corrected {
            return Err(StoreError::conflict(
                "already_corrected",
                "该记录已被更正，请更正最新的记录 / This record was already corrected; correct the latest one",
            ));
        }
        let new_id_: HoursId = new_id();
        query(
            "insert into service_hours (id, district_id, volunteer_id, assignment_id, shift_id, content, place,
             starts_at, ends_at, served_on, minutes, organization, recorded_by, recorded_at, corrects, reason)
             select $1, district_id, volunteer_id, assignment_id, shift_id, content, place, starts_at, ends_at,
             served_on, $2, organization, $3, $4, id, $5 from service_hours where id = $6",
        )
        .bind(&new_id_)
        .bind(minutes)
        .bind(&by.user_id)
        .bind(by.at)
        .bind(reason)
        .bind(id)
        .execute(&mut tx.conn())
        .await?;
        tx.audit(by, "hours.correct", "hours", &new_id_).await?;
        let record = hours_in(&mut tx.conn(), district_id, &new_id_).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn issue_certificate(
        &self,
        by: &Actor,
        period: (Date, Date),
    ) -> StoreResult<Certificate> {
        // Outside the transaction: the secret may be made on first use.
        let secret = self.secret(&by.district_id, "certificate").await?;
        let mut tx = self.write().await?;
        let entries: Vec<(String, i64, Option<String>)> = query(
            "select id, minutes, corrects from service_hours where district_id = $1 and volunteer_id = $2
             and served_on >= $3 and served_on <= $4",
        )
        .bind(&by.district_id)
        .bind(&by.user_id)
        .bind(period.0)
        .bind(period.1)
        .fetch_all(&mut tx.conn())
        .await?;
        let entries: Vec<HoursEntry> = entries
            .into_iter()
            .map(|(id, minutes, corrects)| HoursEntry {
                id,
                minutes: u32::try_from(minutes).unwrap_or(0),
                corrects,
            })
            .collect();
        let total = volunteer::standing_minutes(&entries);
        if total == 0 {
            return Err(DomainError::invalid(
                "to",
                "这段时间内没有志愿服务时长，不能出具证明 / No service hours in this period to certify",
            )
            .into());
        }
        let year = local_date(by.at).year();
        let issued: i64 = query_scalar(
            "select count(*) from certificates where district_id = $1 and serial like $2",
        )
        .bind(&by.district_id)
        .bind(format!("ZYFW{year}%"))
        .fetch_one(&mut tx.conn())
        .await?;
        let number = u32::try_from(issued + 1).unwrap_or(u32::MAX);
        let serial = volunteer::certificate_serial(
            year,
            number,
            &volunteer::certificate_tag(&secret, year, number),
        );
        let issuer = league_of(&mut tx.conn(), &by.district_id).await?;
        query(
            "insert into certificates (serial, district_id, volunteer_id, period_from, period_to, total_minutes,
             issuer, issued_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&serial)
        .bind(&by.district_id)
        .bind(&by.user_id)
        .bind(period.0)
        .bind(period.1)
        .bind(total)
        .bind(&issuer)
        .bind(by.at)
        .execute(&mut tx.conn())
        .await?;
        tx.audit(by, "certificate.issue", "certificate", &serial)
            .await?;
        let made = query(&format!("{CERTIFICATE_SELECT} where c.serial = $1"))
            .bind(&serial)
            .fetch_one(&mut tx.conn())
            .await?;
        tx.commit().await?;
        Ok(made)
    }

    async fn certificate(&self, serial: &str) -> StoreResult<Certificate> {
        query(&format!("{CERTIFICATE_SELECT} where c.serial = $1"))
            .bind(serial)
            .fetch_one(&mut self.pools.read())
            .await
            .map_err(db)
    }

    async fn certificates_of(
        &self,
        district_id: &DistrictId,
        volunteer_id: &UserId,
    ) -> StoreResult<Vec<Certificate>> {
        query(&format!(
            "{CERTIFICATE_SELECT} where c.district_id = $1 and c.volunteer_id = $2
             order by c.issued_at desc, c.serial desc"
        ))
        .bind(district_id)
        .bind(volunteer_id)
        .fetch_all(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn hours_export(
        &self,
        by: &Actor,
        period: (Date, Date),
    ) -> StoreResult<Vec<HoursExportRow>> {
        // On the writer: reading ID numbers in the clear is itself an audited event.
        let mut tx = self.write().await?;
        let rows: Vec<ExportRow> = query(
            "select u.id as user_id, u.name, u.id_number_sealed, v.volunteer_no, h.minutes, h.served_on, h.content,
             h.place, h.starts_at, h.ends_at, h.organization
             from service_hours h join users u on u.id = h.volunteer_id join volunteers v on v.user_id = h.volunteer_id
             where h.district_id = $1 and h.served_on >= $2 and h.served_on <= $3
             and not exists (select 1 from service_hours c where c.corrects = h.id)
             order by h.served_on, v.volunteer_no, h.starts_at",
        )
        .bind(&by.district_id)
        .bind(period.0)
        .bind(period.1)
        .fetch_all(&mut tx.conn())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id_number = match &r.id_number_sealed {
                Some(sealed) => self
                    .keys
                    .open(&format!("users.id_number:{}", r.user_id), sealed)?,
                None => String::new(),
            };
            out.push(HoursExportRow {
                name: r.name,
                id_number,
                volunteer_no: r.volunteer_no,
                minutes: u32::try_from(r.minutes).unwrap_or(0),
                served_on: r.served_on,
                project: r.content,
                place: r.place,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                organization: r.organization,
            });
        }
        tx.audit(by, "hours.export", "district", &by.district_id)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn consent_to_volunteering(
        &self,
        by: &Actor,
        participant_id: &ParticipantId,
        relation: &str,
    ) -> StoreResult<Consent> {
        let mut tx = self.write().await?;
        let consent = crate::trust::give_once(
            &mut tx.conn(),
            by,
            participant_id,
            relation,
            (
                "volunteer",
                "已同意孩子参加志愿服务 / Consent to volunteering is already given",
            ),
        )
        .await?;
        tx.audit(by, "consent.volunteer", "participant", participant_id)
            .await?;
        tx.commit().await?;
        Ok(consent)
    }

    async fn volunteering_consent(
        &self,
        district_id: &DistrictId,
        user_id: &UserId,
    ) -> StoreResult<bool> {
        let found = consenting(
            self,
            &mut self.pools.fresh(),
            district_id,
            std::slice::from_ref(user_id),
        )
        .await?;
        Ok(found.contains(user_id))
    }
}

/// A volunteer's profile with what a roster adds: birth date and squad's place.
#[derive(sqlx::FromRow)]
struct VolunteerRow {
    #[sqlx(flatten)]
    profile: Volunteer,
    birth_date: Option<Date>,
    squad_region_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ExportRow {
    user_id: String,
    name: String,
    id_number_sealed: Option<String>,
    volunteer_no: String,
    minutes: i64,
    served_on: Date,
    content: String,
    place: String,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    organization: String,
}
