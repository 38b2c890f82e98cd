//! Casework for at-risk minors: every call audited; only the assigned worker, the
//! supervisor and holders of a live grant read a case.

use async_trait::async_trait;
use time::OffsetDateTime;
use youthloop_domain::case::CaseStatus;
use youthloop_domain::case::{CaseAction, RiskLevel};
use youthloop_domain::id::*;
use youthloop_domain::role::Actor;
use youthloop_domain::role::Role;
use youthloop_domain::DomainError;

use crate::model::*;
use crate::rows::*;
use crate::sql::{query, query_scalar, Conn};
use crate::{SqlStore, StoreError, StoreResult};

/// Who serves cases in an organization: its social workers and its admin.
const CASE_STAFF: [Role; 2] = [Role::SocialWorker, Role::OrgAdmin];

#[async_trait]
pub trait Casework: Send + Sync {
    // Casework: every call is audited; reads and writes are for the assigned worker,
    // the supervisor and holders of a live grant only.
    async fn open_case(&self, by: &Actor, case: NewCase) -> StoreResult<CaseFile>;

    async fn cases(&self, by: &Actor, now: OffsetDateTime) -> StoreResult<Vec<CaseSummary>>;

    async fn case_file(
        &self,
        by: &Actor,
        id: &CaseId,
        now: OffsetDateTime,
    ) -> StoreResult<CaseFile>;

    /// Records an assessment, plan, session, review or closure, moving the case on.
    async fn record_case(
        &self,
        by: &Actor,
        id: &CaseId,
        action: youthloop_domain::case::CaseAction,
        risk: Option<youthloop_domain::case::RiskLevel>,
        text: &str,
        now: OffsetDateTime,
    ) -> StoreResult<CaseFile>;

    /// The worker or supervisor lets a colleague read the case until `expires_at`.
    async fn grant_case(
        &self,
        by: &Actor,
        id: &CaseId,
        grantee_id: &UserId,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<CaseGrant>;

    /// Counts by category, risk and state: never content.
    async fn case_counts(&self, district_id: &DistrictId) -> StoreResult<Vec<CaseCount>>;
}

#[async_trait]
impl Casework for SqlStore {
    async fn open_case(&self, by: &Actor, case: NewCase) -> StoreResult<CaseFile> {
        let id = new_id();
        let now = by.at;
        let mut tx = self.write().await?;
        // The supervisor serves the same organization, as a social worker or its admin.
        let supervisor: Option<i32> = query_scalar(&format!(
            "select 1 from user_roles where district_id = $1 and user_id = $2 and scope_id = $3
             and role in ({}) and user_id != $4 limit 1",
            sql_names(CASE_STAFF)
        ))
        .bind(&by.district_id)
        .bind(&case.supervisor_id)
        .bind(&case.organization_id)
        .bind(&by.user_id)
        .fetch_optional(&mut tx.conn())
        .await?;
        if supervisor.is_none() {
            return Err(DomainError::invalid(
                "supervisor_id",
                "督导须为本机构的另一名社工或管理员 / The supervisor is another worker or admin of the organization",
            )
            .into());
        }
        // The next number of the district: writers take turns, so no two read the same.
        let case_no: i64 = query_scalar(
            "select cast(coalesce(max(case_no), 0) + 1 as bigint) from cases where district_id = $1",
        )
        .bind(&by.district_id)
        .fetch_one(&mut tx.conn())
        .await?;
        query(
            "insert into cases (id, district_id, organization_id, subject_name_sealed, subject_birth_date, category,
             status, worker_id, supervisor_id, guardian_name_sealed, consent_relation, consent_scope, consent_at, opened_at,
             case_no)
             values ($1, $2, $3, $4, $5, $6, $13, $7, $8, $9, $10, $11, $12, $12, $14)",
        )
        .bind(&id)
        .bind(&by.district_id)
        .bind(&case.organization_id)
        .bind(self.keys.seal(&format!("cases.subject_name:{id}"), &case.subject_name)?)
        .bind(case.subject_birth_date)
        .bind(case.category.as_str())
        .bind(&by.user_id)
        .bind(&case.supervisor_id)
        .bind(self.keys.seal(&format!("cases.guardian_name:{id}"), &case.guardian_name)?)
        .bind(&case.relation)
        .bind(&case.consent_scope)
        .bind(now)
        .bind(CaseStatus::Intake.as_str())
        .bind(case_no)
        .execute(&mut tx.conn())
        .await?;
        tx.audit(by, "case.open", "case", &id).await?;
        let file = self.load_case(&mut tx.conn(), by, &id, now).await?;
        tx.commit().await?;
        Ok(file)
    }

    async fn cases(&self, by: &Actor, now: OffsetDateTime) -> StoreResult<Vec<CaseSummary>> {
        let mut tx = self.write().await?;
        let sql = format!("select {CASE_COLUMNS} from cases c where {CASE_ACCESS} order by c.id");
        let rows: Vec<CaseRow> = query(&sql)
            .bind(&by.district_id)
            .bind(&by.user_id)
            .bind(now)
            .fetch_all(&mut tx.conn())
            .await?;
        let summaries = rows
            .into_iter()
            .map(|r| self.case_summary(r, true))
            .collect::<StoreResult<Vec<_>>>()?;
        tx.audit(by, "case.list", "user", &by.user_id).await?;
        tx.commit().await?;
        Ok(summaries)
    }

    async fn case_file(
        &self,
        by: &Actor,
        id: &CaseId,
        now: OffsetDateTime,
    ) -> StoreResult<CaseFile> {
        let mut tx = self.write().await?;
        let file = self.load_case(&mut tx.conn(), by, id, now).await?;
        tx.audit(by, "case.read", "case", id).await?;
        tx.commit().await?;
        Ok(file)
    }

    async fn record_case(
        &self,
        by: &Actor,
        id: &CaseId,
        action: CaseAction,
        risk: Option<RiskLevel>,
        text: &str,
        now: OffsetDateTime,
    ) -> StoreResult<CaseFile> {
        let mut tx = self.write().await?;
        let file = self.load_case(&mut tx.conn(), by, id, now).await?;
        // Grantees read; only the worker and the supervisor write.
        if by.user_id != file.summary.worker_id && by.user_id != file.summary.supervisor_id {
            return Err(StoreError::NotFound);
        }
        let next = file.summary.status.apply(action)?;
        query(
            "update cases set status = $1, risk_level = coalesce($2, risk_level),
             closed_at = case when $5 then $3 else closed_at end where id = $4",
        )
        .bind(next.as_str())
        .bind(risk.map(RiskLevel::as_str))
        .bind(now)
        .bind(id)
        .bind(next == CaseStatus::Closed)
        .execute(&mut tx.conn())
        .await?;
        let note_id: String = new_id();
        query(
            "insert into case_notes (id, district_id, case_id, kind, text_sealed, author_id, at) values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&note_id)
        .bind(&by.district_id)
        .bind(id)
        .bind(action.as_str())
        .bind(self.keys.seal(&format!("case_notes.text:{note_id}"), text)?)
        .bind(&by.user_id)
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
        tx.audit(by, &format!("case.{action}"), "case", id).await?;
        let file = self.load_case(&mut tx.conn(), by, id, now).await?;
        tx.commit().await?;
        Ok(file)
    }

    async fn grant_case(
        &self,
        by: &Actor,
        id: &CaseId,
        grantee_id: &UserId,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<CaseGrant> {
        let mut tx = self.write().await?;
        let file = self.load_case(&mut tx.conn(), by, id, now).await?;
        if by.user_id != file.summary.worker_id && by.user_id != file.summary.supervisor_id {
            return Err(StoreError::NotFound);
        }
        let colleague: Option<i32> = query_scalar(&format!(
            "select 1 from user_roles r join cases c on c.organization_id = r.scope_id
             where c.id = $1 and r.user_id = $2 and r.role in ({}) limit 1",
            sql_names(CASE_STAFF)
        ))
        .bind(id)
        .bind(grantee_id)
        .fetch_optional(&mut tx.conn())
        .await?;
        if colleague.is_none() {
            return Err(DomainError::invalid(
                "user_id",
                "只能授权给本机构的社工 / Grant only to a worker of the organization",
            )
            .into());
        }
        let grant = CaseGrant {
            id: new_id(),
            case_id: id.to_owned(),
            grantee_id: grantee_id.to_owned(),
            expires_at,
        };
        query(
            "insert into case_grants (id, district_id, case_id, grantee_id, granted_by, expires_at, created_at)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&grant.id)
        .bind(&by.district_id)
        .bind(id)
        .bind(grantee_id)
        .bind(&by.user_id)
        .bind(expires_at)
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
        tx.audit(by, "case.grant", "case", id).await?;
        tx.commit().await?;
        Ok(grant)
    }

    async fn case_counts(&self, district_id: &DistrictId) -> StoreResult<Vec<CaseCount>> {
        let rows: Vec<(String, Option<String>, String, i64)> = query(
            "select category, risk_level, status, count(*) from cases where district_id = $1
             group by category, risk_level, status order by category, risk_level, status",
        )
        .bind(district_id)
        .fetch_all(&mut self.pools.read())
        .await?;
        rows.into_iter()
            .map(|(category, risk, status, n)| {
                Ok(CaseCount {
                    category: parse_status(category)?,
                    risk_level: risk.map(parse_status).transpose()?,
                    status: parse_status(status)?,
                    count: count(n),
                })
            })
            .collect()
    }
}

impl SqlStore {
    pub(crate) fn case_summary(&self, r: CaseRow, masked: bool) -> StoreResult<CaseSummary> {
        let name = self.keys.open(
            &format!("cases.subject_name:{}", r.id),
            &r.subject_name_sealed,
        )?;
        Ok(CaseSummary {
            subject: if masked {
                youthloop_domain::parse::mask_name(&name)
            } else {
                name
            },
            id: r.id,
            number: count(r.case_no),
            status: parse_status(r.status)?,
            category: parse_status(r.category)?,
            risk_level: r.risk_level.map(parse_status).transpose()?,
            worker_id: r.worker_id,
            supervisor_id: r.supervisor_id,
            opened_at: r.opened_at,
        })
    }

    /// A whole case, if `by` may read it; inside the caller's transaction.
    pub(crate) async fn load_case(
        &self,
        c: &mut Conn<'_>,
        by: &Actor,
        id: &CaseId,
        now: OffsetDateTime,
    ) -> StoreResult<CaseFile> {
        let sql = format!("select {CASE_COLUMNS} from cases c where {CASE_ACCESS} and c.id = $4");
        let row: CaseRow = query(&sql)
            .bind(&by.district_id)
            .bind(&by.user_id)
            .bind(now)
            .bind(id)
            .fetch_one(&mut *c)
            .await?;
        let guardian_name = self.keys.open(
            &format!("cases.guardian_name:{id}"),
            &row.guardian_name_sealed,
        )?;
        let consent = CaseConsent {
            guardian_name,
            relation: row.consent_relation.clone(),
            scope: row.consent_scope.clone(),
            given_at: row.consent_at,
        };
        let subject_birth_date = row.subject_birth_date;
        let summary = self.case_summary(row, false)?;
        let notes: Vec<(String, String, String, String, OffsetDateTime)> =
            query("select id, kind, text_sealed, author_id, at from case_notes where case_id = $1 order by id")
                .bind(id)
                .fetch_all(&mut *c)
                .await?;
        let notes = notes
            .into_iter()
            .map(|(note_id, kind, sealed, author_id, at)| {
                Ok(CaseNote {
                    text: self
                        .keys
                        .open(&format!("case_notes.text:{note_id}"), &sealed)?,
                    id: note_id,
                    kind: parse_status(kind)?,
                    author_id: author_id.into(),
                    at,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let grants: Vec<(String, String, OffsetDateTime)> = query(
            "select id, grantee_id, expires_at from case_grants where case_id = $1 and expires_at > $2 order by id",
        )
        .bind(id)
        .bind(now)
        .fetch_all(&mut *c)
        .await?;
        Ok(CaseFile {
            subject_name: summary.subject.clone(),
            summary,
            subject_birth_date,
            consent,
            notes,
            grants: grants
                .into_iter()
                .map(|(grant_id, grantee_id, expires_at)| CaseGrant {
                    id: grant_id,
                    case_id: id.clone(),
                    grantee_id: grantee_id.into(),
                    expires_at,
                })
                .collect(),
        })
    }
}

/// Who may read a case: the worker, the supervisor, a live grant.
/// Binds: $1 district, $2 user, $3 now.
pub(crate) const CASE_ACCESS: &str = "c.district_id = $1 and (c.worker_id = $2 or c.supervisor_id = $2
    or exists (select 1 from case_grants g where g.case_id = c.id and g.grantee_id = $2 and g.expires_at > $3))";
