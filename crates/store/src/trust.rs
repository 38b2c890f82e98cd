//! Trust and audit: liveness, secrets and settings, a guardian's consent, a family's
//! own data and its erasure, re-sealing under a new key, and the audit chain.

use std::collections::HashMap;

use async_trait::async_trait;
use rand::RngCore;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use youthloop_domain::audit;
use youthloop_domain::id::*;
use youthloop_domain::role::Actor;
use youthloop_domain::settings::DistrictSettings;

use crate::activities::cancel_what_is_to_come;
use crate::admission::{self};
use crate::model::*;
use crate::people::load_user;
use crate::rows::*;
use crate::sql::{args, insert_rows, query, query_scalar, Conn};
use crate::{SqlStore, StoreError, StoreResult};

#[async_trait]
pub trait Trust: Send + Sync {
    /// Answers when the database does.
    async fn ping(&self) -> StoreResult<()>;

    /// Whether no district exists yet (a fresh installation).
    async fn is_empty(&self) -> StoreResult<bool>;

    /// The district anonymous visitors see when they name none: the first one made.
    async fn default_district(&self) -> StoreResult<Option<DistrictId>>;

    /// A per-district secret, made on first use and shared by every server instance.
    async fn secret(&self, district_id: &DistrictId, name: &str) -> StoreResult<Vec<u8>>;

    /// What the district's League office has tuned (defaults for the rest).
    async fn settings(&self, district_id: &DistrictId) -> StoreResult<DistrictSettings>;

    async fn set_settings(&self, by: &Actor, settings: DistrictSettings) -> StoreResult<()>;

    /// A guardian gives consent for their child.
    async fn give_consent(
        &self,
        by: &Actor,
        participant_id: &ParticipantId,
        relation: &str,
    ) -> StoreResult<Consent>;

    /// A guardian withdraws their live consent for their child: processing stops, so the
    /// child's registrations for activities not yet over are cancelled.
    async fn withdraw_consent(
        &self,
        by: &Actor,
        participant_id: &ParticipantId,
        now: OffsetDateTime,
    ) -> StoreResult<Withdrawal>;

    /// All data held about the acting user and their children, in the clear; audited.
    async fn personal_data(&self, by: &Actor) -> StoreResult<PersonalData>;

    /// Erases what identifies the acting user and their children; counts stay. Their
    /// registrations for what is still to come are cancelled, as on withdrawn consent.
    async fn erase(&self, by: &Actor, now: OffsetDateTime) -> StoreResult<()>;

    /// Re-encrypts up to `batch` rows still sealed under a retired key (and their lookup
    /// hashes), in one short transaction; 0 when none is left. Readers are never held up.
    async fn reseal(&self, batch: u32) -> StoreResult<u64>;

    /// One district's audit events, oldest first, paged by sequence number.
    async fn audit_events(
        &self,
        district_id: &DistrictId,
        page: &Page,
    ) -> StoreResult<Paged<AuditEntry>>;

    /// Every district's audit events in chain order, with the head kept beside them.
    async fn audit_chains(&self) -> StoreResult<Vec<AuditChain>>;

    /// A running server says which data key it seals with (after re-reading a key file
    /// that changed), and beats.
    async fn hold_keys(&self, instance: &str) -> StoreResult<()>;

    /// A server that stops says so.
    async fn release_keys(&self, instance: &str) -> StoreResult<()>;

    /// The running servers and their keys, as they last said.
    async fn key_holders(&self) -> StoreResult<Vec<KeyHolder>>;
}

#[async_trait]
impl Trust for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        query("select 1").execute(&mut self.pools.read()).await?;
        Ok(())
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        let n: i64 = query_scalar("select count(*) from districts")
            .fetch_one(&mut self.pools.read())
            .await?;
        Ok(n == 0)
    }

    async fn default_district(&self) -> StoreResult<Option<DistrictId>> {
        let id: Option<String> = query_scalar("select id from districts order by id limit 1")
            .fetch_optional(&mut self.pools.read())
            .await?;
        Ok(id.map(DistrictId::from))
    }

    async fn secret(&self, district_id: &DistrictId, name: &str) -> StoreResult<Vec<u8>> {
        let context = format!("secrets.value:{district_id}:{name}");
        let known: Option<String> =
            query_scalar("select value_sealed from secrets where district_id = $1 and name = $2")
                .bind(district_id)
                .bind(name)
                .fetch_optional(&mut self.pools.fresh())
                .await?;
        if let Some(sealed) = known {
            return open_secret(&self.keys, &context, &sealed);
        }
        let mut fresh = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut fresh);
        // The first writer wins; every instance then reads the same value.
        let mut tx = self.write().await?;
        query("insert into secrets (district_id, name, value_sealed) values ($1, $2, $3) on conflict do nothing")
            .bind(district_id)
            .bind(name)
            .bind(self.keys.seal(&context, &hex::encode(&fresh))?)
            .execute(&mut tx.conn())
            .await?;
        let sealed: String =
            query_scalar("select value_sealed from secrets where district_id = $1 and name = $2")
                .bind(district_id)
                .bind(name)
                .fetch_one(&mut tx.conn())
                .await?;
        tx.commit().await?;
        open_secret(&self.keys, &context, &sealed)
    }

    async fn settings(&self, district_id: &DistrictId) -> StoreResult<DistrictSettings> {
        let mut c = self.pools.fresh();
        district_settings(&mut c, district_id).await
    }

    async fn set_settings(&self, by: &Actor, settings: DistrictSettings) -> StoreResult<()> {
        let mut tx = self.write().await?;
        query("update districts set settings = $1 where id = $2")
            .bind(json(&settings))
            .bind(&by.district_id)
            .execute(&mut tx.conn())
            .await?;
        tx.audit(by, "district.settings", "district", &by.district_id)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn give_consent(
        &self,
        by: &Actor,
        participant_id: &ParticipantId,
        relation: &str,
    ) -> StoreResult<Consent> {
        let mut tx = self.write().await?;
        let consent = give_once(
            &mut tx.conn(),
            by,
            participant_id,
            relation,
            ("registration", "已有有效同意 / Consent is already given"),
        )
        .await?;
        tx.audit(by, "consent.give", "participant", participant_id)
            .await?;
        tx.commit().await?;
        Ok(consent)
    }

    async fn withdraw_consent(
        &self,
        by: &Actor,
        participant_id: &ParticipantId,
        now: OffsetDateTime,
    ) -> StoreResult<Withdrawal> {
        let mut tx = self.write().await?;
        let done = query(
            "update consents set withdrawn_at = $1 where district_id = $2 and participant_id = $3
             and guardian_id = $4 and withdrawn_at is null",
        )
        .bind(now)
        .bind(&by.district_id)
        .bind(participant_id)
        .bind(&by.user_id)
        .execute(&mut tx.conn())
        .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        let consent = consents_of(&mut tx.conn(), participant_id)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        let cancelled = cancel_what_is_to_come(&mut tx.conn(), by, participant_id, now).await?;
        tx.audit(by, "consent.withdraw", "participant", participant_id)
            .await?;
        tx.commit().await?;
        Ok(Withdrawal {
            consent,
            cancelled_registrations: cancelled,
        })
    }

    async fn personal_data(&self, by: &Actor) -> StoreResult<PersonalData> {
        // On the writer: reading this is itself an event of the audit trail.
        let mut tx = self.write().await?;
        let user = load_user(&mut tx.conn(), Some(&by.district_id), &by.user_id).await?;
        let (phone, id_number): (String, Option<String>) =
            query("select phone_sealed, id_number_sealed from users where id = $1")
                .bind(&user.id)
                .fetch_one(&mut tx.conn())
                .await?;
        let phone = self
            .keys
            .open(&format!("users.phone:{}", user.id), &phone)?;
        let id_number = id_number
            .map(|n| self.keys.open(&format!("users.id_number:{}", user.id), &n))
            .transpose()?;
        let people: Vec<(String, String, Date, String)> = query(
            "select id, name, birth_date, id_number_sealed from participants
             where district_id = $1 and (guardian_id = $2 or user_id = $2) order by id",
        )
        .bind(&by.district_id)
        .bind(&user.id)
        .fetch_all(&mut tx.conn())
        .await?;
        let mut participants = Vec::with_capacity(people.len());
        for (id, name, birth_date, sealed) in people {
            let id = ParticipantId::from(id);
            let sql = format!(
                "select {} where r.participant_id = $1 order by r.id",
                registration_columns()
            );
            let registrations: Vec<RegistrationRow> =
                query(&sql).bind(&id).fetch_all(&mut tx.conn()).await?;
            let badges: Vec<BadgeRow> = query(
                "select id, badge_code, activity_id, awarded_at, confirmed_at from badge_awards where participant_id = $1 order by id",
            )
            .bind(&id)
            .fetch_all(&mut tx.conn())
            .await?;
            participants.push(ParticipantData {
                id_number: self
                    .keys
                    .open(&format!("participants.id_number:{id}"), &sealed)?,
                consents: consents_of(&mut tx.conn(), &id).await?,
                registrations: registrations
                    .into_iter()
                    .map(RegistrationRow::into_registration)
                    .collect::<StoreResult<_>>()?,
                badges: badges.into_iter().map(badge_award).collect(),
                id,
                name,
                birth_date,
            });
        }
        let reviews: Vec<Review> = query(&format!(
            "select {REVIEW_COLUMNS} from reviews where author_id = $1 order by id"
        ))
        .bind(&user.id)
        .fetch_all(&mut tx.conn())
        .await?;
        tx.audit(by, "personal_data.export", "user", &user.id)
            .await?;
        tx.commit().await?;
        Ok(PersonalData {
            user: PersonData {
                id: user.id,
                name: user.name,
                phone,
                id_number,
                roles: user.roles,
            },
            participants,
            reviews,
        })
    }

    async fn erase(&self, by: &Actor, now: OffsetDateTime) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let erased_phone = self.keys.seal(&format!("users.phone:{}", by.user_id), "")?;
        let done = query(
            "update users set name = '已注销用户', phone_hash = 'erased:' || id, phone_masked = '', phone_sealed = $1,
             id_number_sealed = null, birth_date = null, password_hash = '!', erased_at = $2
             where district_id = $3 and id = $4 and erased_at is null",
        )
        .bind(erased_phone)
        .bind(now)
        .bind(&by.district_id)
        .bind(&by.user_id)
        .execute(&mut tx.conn())
        .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        let people: Vec<(String, Date)> =
            query("select id, birth_date from participants where district_id = $1 and (guardian_id = $2 or user_id = $2)")
                .bind(&by.district_id)
                .bind(&by.user_id)
                .fetch_all(&mut tx.conn())
                .await?;
        for (id, birth_date) in people {
            let id = ParticipantId::from(id);
            // The year of birth stays, so that age-band statistics still add up.
            let year_only = Date::from_calendar_date(birth_date.year(), time::Month::January, 1)
                .unwrap_or(birth_date);
            query(
                "update participants set name = '已删除', id_number_masked = '', id_number_sealed = $1, id_number_hash = 'erased:' || id,
                 birth_date = $2, erased_at = $3 where id = $4",
            )
            .bind(self.keys.seal(&format!("participants.id_number:{id}"), "")?)
            .bind(year_only)
            .bind(now)
            .bind(&id)
            .execute(&mut tx.conn())
            .await?;
            query("update consents set withdrawn_at = $1 where participant_id = $2 and withdrawn_at is null")
                .bind(now)
                .bind(&id)
                .execute(&mut tx.conn())
                .await?;
            cancel_what_is_to_come(&mut tx.conn(), by, &id, now).await?;
        }
        // Ratings stay for the scorecards; the words, which may identify, go.
        query("update reviews set text = '' where author_id = $1")
            .bind(&by.user_id)
            .execute(&mut tx.conn())
            .await?;
        query("delete from sessions where user_id = $1")
            .bind(&by.user_id)
            .execute(&mut tx.conn())
            .await?;
        tx.audit(by, "user.erase", "user", &by.user_id).await?;
        tx.commit().await?;
        self.pools.after_erase().await;
        Ok(())
    }

    async fn reseal(&self, batch: u32) -> StoreResult<u64> {
        let current = format!("x1.{}.%", self.keys.primary_id());
        let mut tx = self.write().await?;
        let users: Vec<(String, String, Option<String>)> = query(
            "select id, phone_sealed, id_number_sealed from users
             where phone_sealed not like $1 or (id_number_sealed is not null and id_number_sealed not like $1) limit $2",
        )
        .bind(&current)
        .bind(i64::from(batch))
        .fetch_all(&mut tx.conn())
        .await?;
        for (id, phone, id_number) in &users {
            let phone = self.keys.open(&format!("users.phone:{id}"), phone)?;
            let id_context = format!("users.id_number:{id}");
            let id_number = id_number
                .as_ref()
                .map(|n| self.keys.open(&id_context, n))
                .transpose()?;
            query("update users set phone_hash = $1, phone_sealed = $2, id_number_sealed = $3 where id = $4")
                .bind(self.keys.lookup("phone", &phone))
                .bind(self.keys.seal(&format!("users.phone:{id}"), &phone)?)
                .bind(id_number.map(|n| self.keys.seal(&id_context, &n)).transpose()?)
                .bind(id)
                .execute(&mut tx.conn())
                .await?;
        }
        let participants: Vec<(String, String)> = query(
            "select id, id_number_sealed from participants where id_number_sealed not like $1 limit $2",
        )
        .bind(&current)
        .bind(i64::from(batch))
        .fetch_all(&mut tx.conn())
        .await?;
        for (id, sealed) in &participants {
            let context = format!("participants.id_number:{id}");
            let clear = self.keys.open(&context, sealed)?;
            query(
                "update participants set id_number_sealed = $1, id_number_hash = $2 where id = $3",
            )
            .bind(self.keys.seal(&context, &clear)?)
            .bind(self.keys.lookup("id_number", &clear))
            .bind(id)
            .execute(&mut tx.conn())
            .await?;
        }
        // Single sealed columns: (table, column, context prefix).
        let mut other = 0;
        for (table, column, context) in [
            ("cases", "subject_name_sealed", "cases.subject_name"),
            ("cases", "guardian_name_sealed", "cases.guardian_name"),
            ("case_notes", "text_sealed", "case_notes.text"),
        ] {
            let rows: Vec<(String, String)> = query(&format!(
                "select id, {column} from {table} where {column} not like $1 limit $2"
            ))
            .bind(&current)
            .bind(i64::from(batch))
            .fetch_all(&mut tx.conn())
            .await?;
            for (id, sealed) in &rows {
                let context = format!("{context}:{id}");
                let clear = self.keys.open(&context, sealed)?;
                query(&format!("update {table} set {column} = $1 where id = $2"))
                    .bind(self.keys.seal(&context, &clear)?)
                    .bind(id)
                    .execute(&mut tx.conn())
                    .await?;
            }
            other += rows.len();
        }
        let secrets: Vec<(String, String, String)> = query(
            "select district_id, name, value_sealed from secrets where value_sealed not like $1 limit $2",
        )
        .bind(&current)
        .bind(i64::from(batch))
        .fetch_all(&mut tx.conn())
        .await?;
        for (district_id, name, sealed) in &secrets {
            let context = format!("secrets.value:{district_id}:{name}");
            let clear = self.keys.open(&context, sealed)?;
            query("update secrets set value_sealed = $1 where district_id = $2 and name = $3")
                .bind(self.keys.seal(&context, &clear)?)
                .bind(district_id)
                .bind(name)
                .execute(&mut tx.conn())
                .await?;
        }
        other += secrets.len();
        tx.commit().await?;
        Ok((users.len() + participants.len() + other) as u64)
    }

    async fn audit_events(
        &self,
        district_id: &DistrictId,
        page: &Page,
    ) -> StoreResult<Paged<AuditEntry>> {
        let after: i64 = page
            .after
            .as_deref()
            .and_then(|a| a.parse().ok())
            .unwrap_or(0);
        let items: Vec<AuditEntry> = query(
            "select seq, at, actor, action, record_kind, record_id, address, hash from audit_events
             where district_id = $1 and seq > $2 order by seq limit $3",
        )
        .bind(district_id)
        .bind(after)
        .bind(fetch_limit(page))
        .fetch_all(&mut self.pools.read())
        .await?;
        Ok(Paged::from_rows(items, page, |e| e.seq.to_string()))
    }

    async fn audit_chains(&self) -> StoreResult<Vec<AuditChain>> {
        #[derive(FromRow)]
        struct EventRow {
            district_id: String,
            seq: i64,
            at: String,
            actor: String,
            action: String,
            record_kind: String,
            record_id: String,
            address: String,
            prev_hash: String,
            hash: String,
        }
        let heads: Vec<(String, i64, String)> =
            query("select district_id, seq, hash from audit_heads")
                .fetch_all(&mut self.pools.read())
                .await?;
        let mut districts: Vec<String> =
            query_scalar("select distinct district_id from audit_events")
                .fetch_all(&mut self.pools.read())
                .await?;
        districts.extend(
            heads
                .iter()
                .map(|h| h.0.clone())
                .filter(|d| !districts.contains(d))
                .collect::<Vec<_>>(),
        );
        let mut chains = Vec::new();
        for district_id in districts {
            let district_id = DistrictId::from(district_id);
            let rows: Vec<EventRow> = query(
                "select district_id, seq, at, actor, action, record_kind, record_id, address, prev_hash, hash
                 from audit_events where district_id = $1 order by seq",
            )
            .bind(&district_id)
            .fetch_all(&mut self.pools.read())
            .await?;
            let events = rows
                .into_iter()
                .map(|r| audit::Event {
                    district_id: r.district_id,
                    seq: r.seq,
                    at: r.at,
                    actor: r.actor,
                    action: r.action,
                    record_kind: r.record_kind,
                    record_id: r.record_id,
                    address: r.address,
                    prev_hash: r.prev_hash,
                    hash: r.hash,
                })
                .collect();
            let head = heads
                .iter()
                .find(|h| h.0 == district_id.as_str())
                .map(|h| (h.1, h.2.clone()));
            chains.push(AuditChain {
                district_id,
                events,
                head,
            });
        }
        Ok(chains)
    }

    async fn hold_keys(&self, instance: &str) -> StoreResult<()> {
        let key_id = self.keys.primary_id();
        let mut tx = self.write().await?;
        query(
            "insert into key_holders (instance, key_id, beat) values ($1, $2, 1)
             on conflict (instance) do update set key_id = excluded.key_id, beat = key_holders.beat + 1",
        )
        .bind(instance)
        .bind(key_id)
        .execute(&mut tx.conn())
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn release_keys(&self, instance: &str) -> StoreResult<()> {
        let mut tx = self.write().await?;
        query("delete from key_holders where instance = $1")
            .bind(instance)
            .execute(&mut tx.conn())
            .await?;
        tx.commit().await.map_err(db)
    }

    async fn key_holders(&self) -> StoreResult<Vec<KeyHolder>> {
        query("select instance, key_id, beat from key_holders order by instance")
            .fetch_all(&mut self.pools.fresh())
            .await
            .map_err(db)
    }
}

/// The district's settings; defaults for what it never set.
pub(crate) async fn district_settings(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
) -> StoreResult<DistrictSettings> {
    let text: String = query_scalar("select settings from districts where id = $1")
        .bind(district_id)
        .fetch_one(&mut *c)
        .await?;
    Ok(from_json(&text))
}

/// Appends an event to the district's audit chain, inside the caller's transaction, so
/// that a change and its record of who made it commit together or not at all.
pub(crate) async fn audit(
    c: &mut Conn<'_>,
    by: &Actor,
    action: &str,
    kind: &str,
    record_id: impl AsRef<str>,
) -> StoreResult<()> {
    audit_many(c, &[(by, action, kind, record_id.as_ref())]).await
}

impl crate::engine::Tx {
    /// Appends an event to the audit chain inside this transaction: see [`audit`].
    pub(crate) async fn audit(
        &mut self,
        by: &Actor,
        action: &str,
        kind: &str,
        record_id: impl AsRef<str>,
    ) -> StoreResult<()> {
        audit(&mut self.conn(), by, action, kind, record_id).await
    }
}

/// Appends events in order, reading each district's head once and moving it once.
pub(crate) async fn audit_many(
    c: &mut Conn<'_>,
    events: &[(&Actor, &str, &str, &str)],
) -> StoreResult<()> {
    let mut heads: HashMap<DistrictId, (i64, String)> = HashMap::new();
    let mut links = Vec::new();
    for &(by, action, kind, record_id) in events {
        if !heads.contains_key(&by.district_id) {
            let head: Option<(i64, String)> =
                query("select seq, hash from audit_heads where district_id = $1")
                    .bind(&by.district_id)
                    .fetch_optional(&mut *c)
                    .await?;
            if let Some(head) = head {
                heads.insert(by.district_id.clone(), head);
            }
        }
        let link = admission::link(heads.get(&by.district_id), by, action, kind, record_id)?;
        heads.insert(link.district_id.clone(), (link.seq, link.hash.clone()));
        links.push(link);
    }
    if links.is_empty() {
        return Ok(());
    }
    let rows = links.iter().map(|l| {
        args![
            &l.id,
            &l.district_id,
            l.seq,
            &l.at,
            &l.actor,
            &l.action,
            &l.kind,
            &l.record_id,
            &l.address,
            &l.prev_hash,
            &l.hash
        ]
    });
    insert_rows(
        c,
        "insert into audit_events (id, district_id, seq, at, actor, action, record_kind, record_id, address, prev_hash, hash)",
        rows,
    )
    .await?;
    for (district_id, (seq, hash)) in heads {
        query(
            "insert into audit_heads (district_id, seq, hash) values ($1, $2, $3)
             on conflict (district_id) do update set seq = excluded.seq, hash = excluded.hash",
        )
        .bind(district_id)
        .bind(seq)
        .bind(hash)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// A guardian's consent of `scope` for their own child, unless one is live already
/// (`given` says so).
pub(crate) async fn give_once(
    c: &mut Conn<'_>,
    by: &Actor,
    participant_id: &ParticipantId,
    relation: &str,
    (scope, given): (&str, &'static str),
) -> StoreResult<Consent> {
    let child: Option<String> = query_scalar(
        "select id from participants where district_id = $1 and id = $2 and guardian_id = $3",
    )
    .bind(&by.district_id)
    .bind(participant_id)
    .bind(&by.user_id)
    .fetch_optional(&mut *c)
    .await?;
    let child = ParticipantId::from(child.ok_or(StoreError::NotFound)?);
    let live: Option<i32> = query_scalar(
        "select 1 from consents where participant_id = $1 and scope = $2 and withdrawn_at is null",
    )
    .bind(&child)
    .bind(scope)
    .fetch_optional(&mut *c)
    .await?;
    if live.is_some() {
        return Err(StoreError::conflict("consent_given", given));
    }
    insert_consent(
        c,
        (&by.district_id, by.at),
        &child,
        &by.user_id,
        relation,
        scope,
    )
    .await
}

/// A consent of `scope`: `registration` (the platform keeps and uses the child's data)
/// or `volunteer` (a child of 14 to 17 may volunteer).
pub(crate) async fn insert_consent(
    c: &mut Conn<'_>,
    (district_id, at): (&DistrictId, OffsetDateTime),
    participant_id: &ParticipantId,
    guardian_id: &UserId,
    relation: &str,
    scope: &str,
) -> StoreResult<Consent> {
    let consent = Consent {
        id: new_id(),
        participant_id: participant_id.to_owned(),
        relation: relation.to_owned(),
        scope: scope.to_owned(),
        given_at: at,
        withdrawn_at: None,
    };
    query(
        "insert into consents (id, district_id, participant_id, guardian_id, relation, scope, given_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&consent.id)
    .bind(district_id)
    .bind(participant_id)
    .bind(guardian_id)
    .bind(relation)
    .bind(&consent.scope)
    .bind(consent.given_at)
    .execute(&mut *c)
    .await?;
    Ok(consent)
}

pub(crate) async fn consents_of(
    c: &mut Conn<'_>,
    participant_id: &ParticipantId,
) -> StoreResult<Vec<Consent>> {
    query(
        "select id, participant_id, relation, scope, given_at, withdrawn_at from consents
         where participant_id = $1 order by given_at, id",
    )
    .bind(participant_id)
    .fetch_all(&mut *c)
    .await
    .map_err(db)
}
