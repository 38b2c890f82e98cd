//! Regions and users: the district's regions and youth profiles, organizations,
//! accounts, sign-in with its throttle, and sessions.

use async_trait::async_trait;
use time::OffsetDateTime;
use youthloop_domain::id::*;
use youthloop_domain::region::{RegionKind, YouthProfile};
use youthloop_domain::role::Actor;

use crate::model::*;
use crate::rows::*;
use crate::sql::{query, query_scalar, Conn};
use crate::{SqlStore, StoreError, StoreResult};

#[async_trait]
pub trait People: Send + Sync {
    // Districts, regions, organizations, users.
    async fn create_district(
        &self,
        name: &str,
        code: &str,
        now: OffsetDateTime,
    ) -> StoreResult<District>;

    async fn create_region(&self, by: &Actor, region: NewRegion) -> StoreResult<Region>;

    async fn regions(&self, district_id: &DistrictId, page: &Page) -> StoreResult<Paged<Region>>;

    async fn region(&self, district_id: &DistrictId, id: &RegionId) -> StoreResult<Region>;

    /// Every community of the district, with its youth profile if it has one.
    async fn communities(&self, district_id: &DistrictId) -> StoreResult<Vec<Region>>;

    /// Whether `region_id` is `scope_id` or lies under it.
    async fn region_within(
        &self,
        district_id: &DistrictId,
        region_id: &RegionId,
        scope_ids: &[RegionId],
    ) -> StoreResult<bool>;

    /// The regions at or under any of `scope_ids`: what a scope reaches, in one read.
    async fn regions_under(
        &self,
        district_id: &DistrictId,
        scope_ids: &[RegionId],
    ) -> StoreResult<std::collections::HashSet<RegionId>>;

    async fn set_profile(
        &self,
        by: &Actor,
        id: &RegionId,
        profile: &YouthProfile,
    ) -> StoreResult<Region>;

    async fn create_organization(
        &self,
        by: &Actor,
        org: NewOrganization,
    ) -> StoreResult<Organization>;

    async fn organizations(
        &self,
        district_id: &DistrictId,
        page: &Page,
    ) -> StoreResult<Paged<Organization>>;

    async fn organization(
        &self,
        district_id: &DistrictId,
        id: &OrganizationId,
    ) -> StoreResult<Organization>;

    async fn create_user(&self, by: &Actor, user: NewUser) -> StoreResult<User>;

    async fn user(&self, district_id: &DistrictId, id: &UserId) -> StoreResult<User>;

    /// For sign-in: the user with this phone and their password hash.
    async fn credentials(&self, phone: &str) -> StoreResult<Option<Credentials>>;

    /// Until when sign-in with this phone from this client is locked, if it is now.
    async fn sign_in_lock(
        &self,
        key: SignInKey<'_>,
        now: OffsetDateTime,
    ) -> StoreResult<Option<OffsetDateTime>>;

    /// Counts a failed sign-in of a phone from a client, known account or not; the
    /// `lock_after`-th in a row locks that pair until `now + lock_for`, which is returned.
    /// `by` is the account's, when the phone is known, for the audit trail.
    async fn sign_in_failed(
        &self,
        by: Option<&Actor>,
        key: SignInKey<'_>,
        lock_after: u32,
        lock_for: time::Duration,
        now: OffsetDateTime,
    ) -> StoreResult<Option<OffsetDateTime>>;

    /// Starts a session, and forgets the failures of the phone and client that signed in.
    async fn create_session(
        &self,
        by: &Actor,
        token_hash: &str,
        expires_at: OffsetDateTime,
        key: SignInKey<'_>,
    ) -> StoreResult<()>;

    async fn session_user(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<User>>;

    async fn delete_session(&self, by: &Actor, token_hash: &str) -> StoreResult<()>;
}

#[async_trait]
impl People for SqlStore {
    async fn create_district(
        &self,
        name: &str,
        code: &str,
        now: OffsetDateTime,
    ) -> StoreResult<District> {
        let id = new_id();
        let mut tx = self.write().await?;
        query("insert into districts (id, district_id, name, code, created_at) values ($1, $1, $2, $3, $4)")
            .bind(&id)
            .bind(name)
            .bind(code)
            .bind(now)
            .execute(&mut tx.conn())
            .await
            .map_err(unique("district_exists", "该区划代码的区已存在 / A district with this code exists"))?;
        // The district is also the root of its regions, so scopes can name it.
        query(
            "insert into regions (id, district_id, parent_id, name, kind, code, path) values ($1, $1, null, $2, 'district', $3, '/' || $1 || '/')",
        )
        .bind(&id)
        .bind(name)
        .bind(code)
        .execute(&mut tx.conn())
        .await?;
        tx.audit(&Actor::system(&id, now), "district.create", "district", &id)
            .await?;
        tx.commit().await?;
        Ok(District {
            id,
            name: name.to_owned(),
            code: code.to_owned(),
        })
    }

    async fn create_region(&self, by: &Actor, region: NewRegion) -> StoreResult<Region> {
        let district_id = &by.district_id;
        let id = new_id();
        let mut tx = self.write().await?;
        let parent_id = region
            .parent_id
            .clone()
            .unwrap_or_else(|| district_id.as_root_region());
        let parent_path: String =
            query_scalar("select path from regions where district_id = $1 and id = $2")
                .bind(district_id)
                .bind(&parent_id)
                .fetch_one(&mut tx.conn())
                .await?;
        let profile = region.profile.as_ref().map(json);
        query(
            "insert into regions (id, district_id, parent_id, name, kind, code, path, profile) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&parent_id)
        .bind(&region.name)
        .bind(region.kind.as_str())
        .bind(&region.code)
        .bind(format!("{parent_path}{id}/"))
        .bind(profile)
        .execute(&mut tx.conn())
        .await
        .map_err(unique("region_exists", "该区划代码已存在 / A region with this code exists"))?;
        tx.audit(by, "region.create", "region", &id).await?;
        tx.commit().await?;
        Ok(Region {
            id,
            name: region.name,
            kind: region.kind,
            parent_id: Some(parent_id),
            code: region.code,
            profile: region.profile,
        })
    }

    async fn communities(&self, district_id: &DistrictId) -> StoreResult<Vec<Region>> {
        query(&format!(
            "select id, name, kind, parent_id, code, profile from regions where district_id = $1 and kind = {} order by id",
            sql_name(RegionKind::Community)
        ))
        .bind(district_id)
        .fetch_all(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn regions(&self, district_id: &DistrictId, page: &Page) -> StoreResult<Paged<Region>> {
        query(
            "select id, name, kind, parent_id, code, profile from regions where district_id = $1 and id > $2 order by id limit $3",
        )
        .bind(district_id)
        .fetch_page(&mut self.pools.read(), page, Ok, |r: &Region| r.id.to_string())
        .await
    }

    async fn region(&self, district_id: &DistrictId, id: &RegionId) -> StoreResult<Region> {
        query("select id, name, kind, parent_id, code, profile from regions where district_id = $1 and id = $2")
                .bind(district_id)
                .bind(id)
                .fetch_one(&mut self.pools.read())
                .await
                .map_err(db)
    }

    async fn region_within(
        &self,
        district_id: &DistrictId,
        region_id: &RegionId,
        scope_ids: &[RegionId],
    ) -> StoreResult<bool> {
        let found: Option<i32> = query_scalar(
            "select 1 from regions c join regions s on s.district_id = c.district_id
             and substr(c.path, 1, length(s.path)) = s.path
             where c.district_id = $1 and c.id = $2 and s.id = any($3) limit 1",
        )
        .bind(district_id)
        .bind(region_id)
        .bind(scope_ids.to_vec())
        .fetch_optional(&mut self.pools.read())
        .await?;
        Ok(found.is_some())
    }

    async fn regions_under(
        &self,
        district_id: &DistrictId,
        scope_ids: &[RegionId],
    ) -> StoreResult<std::collections::HashSet<RegionId>> {
        let ids: Vec<String> = query_scalar(
            "select c.id from regions c join regions s on s.district_id = c.district_id
             and substr(c.path, 1, length(s.path)) = s.path
             where c.district_id = $1 and s.id = any($2)",
        )
        .bind(district_id)
        .bind(scope_ids.to_vec())
        .fetch_all(&mut self.pools.read())
        .await?;
        Ok(ids.into_iter().map(RegionId::from).collect())
    }

    async fn set_profile(
        &self,
        by: &Actor,
        id: &RegionId,
        profile: &YouthProfile,
    ) -> StoreResult<Region> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        let done = query("update regions set profile = $1 where district_id = $2 and id = $3 and kind != 'district'")
            .bind(json(profile))
            .bind(district_id)
            .bind(id)
            .execute(&mut tx.conn())
            .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        tx.audit(by, "region.profile", "region", id).await?;
        tx.commit().await?;
        self.region(district_id, id).await
    }

    async fn create_organization(
        &self,
        by: &Actor,
        org: NewOrganization,
    ) -> StoreResult<Organization> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        let id = new_id();
        query(
            "insert into organizations (id, district_id, name, credit_code, areas, address, status, created_at,
             contact_phone)
             values ($1, $2, $3, $4, $5, $6, 'active', $7, $8)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&org.name)
        .bind(&org.credit_code)
        .bind(json(&org.areas))
        .bind(&org.address)
        .bind(by.at)
        .bind(org.contact_phone.as_deref().unwrap_or(""))
        .execute(&mut tx.conn())
        .await
        .map_err(unique("credit_code_taken", "该统一社会信用代码已登记 / This credit code is already registered"))?;
        tx.audit(by, "organization.create", "organization", &id)
            .await?;
        tx.commit().await?;
        Ok(Organization {
            id,
            name: org.name,
            credit_code: org.credit_code,
            areas: org.areas,
            address: org.address,
            status: "active".to_owned(),
            contact_phone: org.contact_phone,
        })
    }

    async fn organizations(
        &self,
        district_id: &DistrictId,
        page: &Page,
    ) -> StoreResult<Paged<Organization>> {
        query(
            "select id, name, credit_code, areas, address, status, nullif(contact_phone, '') as contact_phone from organizations
             where district_id = $1 and id > $2 order by id limit $3",
        )
        .bind(district_id)
        .fetch_page(&mut self.pools.read(), page, Ok, |o: &Organization| {
            o.id.to_string()
        })
        .await
    }

    async fn organization(
        &self,
        district_id: &DistrictId,
        id: &OrganizationId,
    ) -> StoreResult<Organization> {
        query(
            "select id, name, credit_code, areas, address, status, nullif(contact_phone, '') as contact_phone from organizations where district_id = $1 and id = $2",
        )
        .bind(district_id)
        .bind(id)
        .fetch_one(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn create_user(&self, by: &Actor, user: NewUser) -> StoreResult<User> {
        let district_id = &by.district_id;
        let id: UserId = new_id();
        let mut tx = self.write().await?;
        // During a key rotation a phone may still be hashed under the retired key, where
        // the unique index cannot see it: look under every key in force.
        let taken: Option<String> = query_scalar("select id from users where phone_hash = any($1)")
            .bind(self.keys.lookups("phone", &user.phone))
            .fetch_optional(&mut tx.conn())
            .await?;
        if taken.is_some() {
            return Err(StoreError::conflict(
                "phone_taken",
                "该手机号已注册 / This phone number is already registered",
            ));
        }
        query(
            "insert into users (id, district_id, phone_hash, phone_sealed, password_hash, name, id_number_sealed, birth_date, created_at,
             phone_masked)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(self.keys.lookup("phone", &user.phone))
        .bind(self.keys.seal(&format!("users.phone:{id}"), &user.phone)?)
        .bind(&user.password_hash)
        .bind(&user.name)
        .bind(user.id_number.as_ref().map(|n| self.keys.seal(&format!("users.id_number:{id}"), n)).transpose()?)
        .bind(user.birth_date)
        .bind(by.at)
        .bind(masked_phone(&user.phone))
        .execute(&mut tx.conn())
        .await
        .map_err(unique("phone_taken", "该手机号已注册 / This phone number is already registered"))?;
        for grant in &user.grants {
            // A self-scoped role names the user, whose id exists only now.
            let scope = if grant.scope_id.is_empty() {
                id.as_str()
            } else {
                &grant.scope_id
            };
            query("insert into user_roles (district_id, user_id, role, scope_id) values ($1, $2, $3, $4)")
                .bind(district_id)
                .bind(&id)
                .bind(grant.role.as_str())
                .bind(scope)
                .execute(&mut tx.conn())
                .await
                .map_err(unique("role_exists", "角色重复 / Duplicate role"))?;
        }
        if let (true, Some(id_number), Some(birth_date)) =
            (user.is_participant, &user.id_number, user.birth_date)
        {
            let known = self
                .known_person(&mut tx.conn(), district_id, id_number)
                .await?;
            person_known(known, None)?;
            query(
                "insert into participants (id, district_id, kind, name, birth_date, id_number_sealed, id_number_hash, user_id, created_at,
                 id_number_masked)
                 values ($1, $2, 'youth', $3, $4, $5, $6, $1, $7, $8)",
            )
            .bind(&id)
            .bind(district_id)
            .bind(&user.name)
            .bind(birth_date)
            .bind(self.keys.seal(&format!("participants.id_number:{id}"), id_number)?)
            .bind(self.keys.lookup("id_number", id_number))
            .bind(by.at)
            .bind(masked_id_number(id_number))
            .execute(&mut tx.conn())
            .await?;
        }
        let created = load_user(&mut tx.conn(), Some(district_id), &id).await?;
        tx.audit(by, "user.create", "user", &id).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn user(&self, district_id: &DistrictId, id: &UserId) -> StoreResult<User> {
        let mut c = self.pools.fresh();
        load_user(&mut c, Some(district_id), id).await
    }

    async fn credentials(&self, phone: &str) -> StoreResult<Option<Credentials>> {
        let mut c = self.pools.fresh();
        let found: Option<(String, String)> =
            query("select id, password_hash from users where phone_hash = any($1)")
                .bind(self.keys.lookups("phone", phone))
                .fetch_optional(&mut c)
                .await?;
        match found {
            Some((id, password_hash)) => Ok(Some(Credentials {
                user: load_user(&mut c, None, &id.into()).await?,
                password_hash,
            })),
            None => Ok(None),
        }
    }

    async fn sign_in_lock(
        &self,
        key: SignInKey<'_>,
        now: OffsetDateTime,
    ) -> StoreResult<Option<OffsetDateTime>> {
        let until: Option<Option<OffsetDateTime>> =
            query_scalar("select locked_until from sign_in_throttle where key_hash = $1")
                .bind(throttle_key(&self.keys, key))
                .fetch_optional(&mut self.pools.fresh())
                .await?;
        Ok(until.flatten().filter(|until| *until > now))
    }

    async fn sign_in_failed(
        &self,
        by: Option<&Actor>,
        key: SignInKey<'_>,
        lock_after: u32,
        lock_for: time::Duration,
        now: OffsetDateTime,
    ) -> StoreResult<Option<OffsetDateTime>> {
        let mut tx = self.write().await?;
        // Failures older than a lock's length are forgotten: "in a row" means lately. A
        // lock in force stays as it is: guesses sent side by side must not lift it.
        let (failed, locked_until): (i64, Option<OffsetDateTime>) = query(
            "insert into sign_in_throttle (key_hash, district_id, failures, locked_until, updated_at) values ($1, $4, 1, null, $2)
             on conflict (key_hash) do update set updated_at = $2,
             failures = case when sign_in_throttle.locked_until > $2 then sign_in_throttle.failures
                             when sign_in_throttle.updated_at < $3 then 1
                             else sign_in_throttle.failures + 1 end,
             locked_until = case when sign_in_throttle.locked_until > $2 then sign_in_throttle.locked_until end
             returning failures, locked_until",
        )
        .bind(throttle_key(&self.keys, key))
        .bind(now)
        .bind(now - lock_for)
        .bind(by.map_or("", |by| by.district_id.as_str()))
        .fetch_one(&mut tx.conn())
        .await?;
        let locked = if let Some(until) = locked_until.filter(|until| *until > now) {
            Some(until)
        } else if failed >= i64::from(lock_after) {
            let until = now + lock_for;
            query(
                "update sign_in_throttle set failures = 0, locked_until = $1 where key_hash = $2",
            )
            .bind(until)
            .bind(throttle_key(&self.keys, key))
            .execute(&mut tx.conn())
            .await?;
            if let Some(by) = by {
                tx.audit(by, "user.lock", "user", &by.user_id).await?;
            }
            Some(until)
        } else {
            None
        };
        // What is a day old is of no more use to anyone.
        query("delete from sign_in_throttle where updated_at < $1")
            .bind(now - time::Duration::days(1))
            .execute(&mut tx.conn())
            .await?;
        tx.commit().await?;
        Ok(locked)
    }

    async fn create_session(
        &self,
        by: &Actor,
        token_hash: &str,
        expires_at: OffsetDateTime,
        key: SignInKey<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        query("delete from sign_in_throttle where key_hash = $1")
            .bind(throttle_key(&self.keys, key))
            .execute(&mut tx.conn())
            .await?;
        query("insert into sessions (token_hash, district_id, user_id, created_at, expires_at) values ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(&by.district_id)
            .bind(&by.user_id)
            .bind(by.at)
            .bind(expires_at)
            .execute(&mut tx.conn())
            .await?;
        tx.audit(by, "session.create", "user", &by.user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<User>> {
        // One row per role (one without any), read in one query on every request.
        let rows: Vec<SessionUserRow> = query(
            "select u.id, u.district_id, u.name, u.phone_masked, u.birth_date, s.expires_at,
             r.role, r.scope_id
             from sessions s join users u on u.id = s.user_id
             left join user_roles r on r.user_id = u.id
             where s.token_hash = $1 order by r.role, r.scope_id",
        )
        .bind(token_hash)
        .fetch_all(&mut self.pools.fresh())
        .await?;
        Ok(SessionUserRow::into_user(rows, now))
    }

    async fn delete_session(&self, by: &Actor, token_hash: &str) -> StoreResult<()> {
        let mut tx = self.write().await?;
        query("delete from sessions where token_hash = $1")
            .bind(token_hash)
            .execute(&mut tx.conn())
            .await?;
        tx.audit(by, "session.delete", "user", &by.user_id).await?;
        tx.commit().await?;
        Ok(())
    }
}

pub(crate) async fn load_user(
    c: &mut Conn<'_>,
    district_id: Option<&DistrictId>,
    id: &UserId,
) -> StoreResult<User> {
    let row: UserRow = query(
        "select id, district_id, name, phone_masked, birth_date from users where id = $1 and ($2 is null or district_id = $2)",
    )
    .bind(id)
    .bind(district_id)
    .fetch_one(&mut *c)
    .await?;
    let roles: Vec<(String, String)> =
        query("select role, scope_id from user_roles where user_id = $1 order by role, scope_id")
            .bind(id)
            .fetch_all(&mut *c)
            .await?;
    Ok(row.into_user(roles))
}
