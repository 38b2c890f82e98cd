//! Volunteers (志愿者): their profiles, and the teams and squads they serve in.

use async_trait::async_trait;
use youthloop_domain::id::*;
use youthloop_domain::role::{Actor, Role};
use youthloop_domain::DomainError;

use crate::model::*;
use crate::rows::*;
use crate::sql::{args, insert_rows, query, query_scalar, Conn};
use crate::{SqlStore, StoreResult};

#[async_trait]
pub trait Volunteering: Send + Sync {
    async fn volunteer(
        &self,
        district_id: &DistrictId,
        user_id: &UserId,
    ) -> StoreResult<Option<Volunteer>>;

    /// Creates or replaces the acting user's profile; a new volunteer gets the district's
    /// next volunteer number.
    async fn save_volunteer(&self, by: &Actor, profile: NewVolunteer) -> StoreResult<Volunteer>;

    /// Enrolls many volunteers in one transaction (all or none), numbered in order:
    /// each a user with the volunteer role, a profile and no password.
    async fn enroll_volunteers(
        &self,
        by: &Actor,
        people: Vec<Enrollee>,
    ) -> StoreResult<Vec<UserId>>;

    async fn create_team(
        &self,
        by: &Actor,
        name: &str,
        leader_id: Option<&UserId>,
    ) -> StoreResult<TeamId>;

    async fn teams(&self, district_id: &DistrictId, page: &Page) -> StoreResult<Paged<Team>>;

    async fn team(&self, district_id: &DistrictId, id: &TeamId) -> StoreResult<Team>;

    async fn create_squad(&self, by: &Actor, squad: NewSquad) -> StoreResult<SquadId>;

    /// The district's squads, or one team's.
    async fn squads(
        &self,
        district_id: &DistrictId,
        team_id: Option<&TeamId>,
        page: &Page,
    ) -> StoreResult<Paged<Squad>>;

    async fn squad(&self, district_id: &DistrictId, id: &SquadId) -> StoreResult<Squad>;

    /// The squad a volunteer serves in, if any.
    async fn squad_of(
        &self,
        district_id: &DistrictId,
        volunteer_id: &UserId,
    ) -> StoreResult<Option<Squad>>;

    /// A squad's members, by volunteer number.
    async fn squad_members(
        &self,
        district_id: &DistrictId,
        squad_id: &SquadId,
    ) -> StoreResult<Vec<Member>>;

    /// Puts a volunteer in a squad; one squad at a time.
    async fn add_member(
        &self,
        by: &Actor,
        squad_id: &SquadId,
        volunteer_id: &UserId,
    ) -> StoreResult<()>;

    async fn remove_member(
        &self,
        by: &Actor,
        squad_id: &SquadId,
        volunteer_id: &UserId,
    ) -> StoreResult<()>;
}

const VOLUNTEER_COLUMNS: &str =
    "user_id, volunteer_no, skills, availability, home_region_id, max_minutes_per_week";

/// A team's members: those in any of its squads.
const TEAM_COLUMNS: &str = "t.id, t.name, t.leader_id,
    (select count(*) from squad_members m join squads s on s.id = m.squad_id where s.team_id = t.id) as member_count";

const SQUAD_COLUMNS: &str = "s.id, s.team_id, s.name, s.region_id, s.leader_id,
    (select count(*) from squad_members m where m.squad_id = s.id) as member_count";

/// Grants the leader of a team or squad their role over it.
async fn grant_leader(
    c: &mut Conn<'_>,
    by: &Actor,
    leader_id: Option<&UserId>,
    role: Role,
    scope: &str,
) -> StoreResult<()> {
    let Some(leader_id) = leader_id else {
        return Ok(());
    };
    query("insert into user_roles (district_id, user_id, role, scope_id) values ($1, $2, $3, $4)")
        .bind(&by.district_id)
        .bind(leader_id)
        .bind(role.as_str())
        .bind(scope)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Refuses, as bad input on `field`, an id that names no row of `table` in the district.
async fn must_exist(
    c: &mut Conn<'_>,
    district_id: &DistrictId,
    (table, key): (&str, &str),
    id: &str,
    (field, what): (&'static str, &str),
) -> StoreResult<()> {
    let found: Option<i32> = query_scalar(&format!(
        "select 1 from {table} where district_id = $1 and {key} = $2"
    ))
    .bind(district_id)
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(DomainError::invalid(field, format!("本区没有这个{what}")).into()),
    }
}

const USER: (&str, &str) = ("users", "id");
const REGION: (&str, &str) = ("regions", "id");
const VOLUNTEER: (&str, &str) = ("volunteers", "user_id");
const LEADER: (&str, &str) = ("leader_id", "用户 / No such user in this district");

#[async_trait]
impl Volunteering for SqlStore {
    async fn volunteer(
        &self,
        district_id: &DistrictId,
        user_id: &UserId,
    ) -> StoreResult<Option<Volunteer>> {
        query(&format!(
            "select {VOLUNTEER_COLUMNS} from volunteers where district_id = $1 and user_id = $2"
        ))
        .bind(district_id)
        .bind(user_id)
        .fetch_optional(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn save_volunteer(&self, by: &Actor, profile: NewVolunteer) -> StoreResult<Volunteer> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        if let Some(region_id) = &profile.home_region_id {
            let field = ("home_region_id", "地区 / No such region in this district");
            must_exist(
                &mut tx.conn(),
                district_id,
                REGION,
                region_id.as_str(),
                field,
            )
            .await?;
        }
        let updated = query(
            "update volunteers set skills = $3, availability = $4, home_region_id = $5, max_minutes_per_week = $6,
             updated_at = $7 where district_id = $1 and user_id = $2",
        )
        .bind(district_id)
        .bind(&by.user_id)
        .bind(json(&profile.skills))
        .bind(json(&profile.availability))
        .bind(&profile.home_region_id)
        .bind(i64::from(profile.max_minutes_per_week))
        .bind(by.at)
        .execute(&mut tx.conn())
        .await?;
        if updated == 0 {
            // Numbers follow each other per district; writes are serialized, so the
            // count cannot change underneath.
            let count: i64 = query_scalar("select count(*) from volunteers where district_id = $1")
                .bind(district_id)
                .fetch_one(&mut tx.conn())
                .await?;
            query(
                "insert into volunteers (user_id, district_id, volunteer_no, skills, availability, home_region_id,
                 max_minutes_per_week, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(&by.user_id)
            .bind(district_id)
            .bind(youthloop_domain::volunteer::volunteer_no(count + 1))
            .bind(json(&profile.skills))
            .bind(json(&profile.availability))
            .bind(&profile.home_region_id)
            .bind(i64::from(profile.max_minutes_per_week))
            .bind(by.at)
            .execute(&mut tx.conn())
            .await?;
        }
        tx.audit(by, "volunteer.save", "volunteer", &by.user_id)
            .await?;
        tx.commit().await?;
        self.volunteer(district_id, &by.user_id)
            .await?
            .ok_or(crate::StoreError::NotFound)
    }

    async fn enroll_volunteers(
        &self,
        by: &Actor,
        people: Vec<Enrollee>,
    ) -> StoreResult<Vec<UserId>> {
        let district_id = &by.district_id;
        let ids: Vec<UserId> = people.iter().map(|_| new_id()).collect();
        let mut users = Vec::with_capacity(people.len());
        for (id, p) in ids.iter().zip(&people) {
            users.push(args![
                id,
                district_id,
                self.keys.lookup("phone", &p.phone),
                self.keys.seal(&format!("users.phone:{id}"), &p.phone)?,
                // No argon2 hash matches an empty one: no password, no sign-in.
                "",
                &p.name,
                self.keys
                    .seal(&format!("users.id_number:{id}"), &p.id_number)?,
                p.birth_date,
                by.at,
                masked_phone(&p.phone)
            ]);
        }
        let mut tx = self.write().await?;
        insert_rows(
            &mut tx.conn(),
            "insert into users (id, district_id, phone_hash, phone_sealed, password_hash, name, id_number_sealed,
             birth_date, created_at, phone_masked)",
            users.into_iter(),
        )
        .await
        .map_err(unique(
            "phone_taken",
            "名单中有手机号已注册 / A phone number on the list is already registered",
        ))?;
        insert_rows(
            &mut tx.conn(),
            "insert into user_roles (district_id, user_id, role, scope_id)",
            ids.iter()
                .map(|id| args![district_id, id, Role::Volunteer.as_str(), id]),
        )
        .await?;
        let before: i64 = query_scalar("select count(*) from volunteers where district_id = $1")
            .bind(district_id)
            .fetch_one(&mut tx.conn())
            .await?;
        let profiles = ids
            .iter()
            .zip(&people)
            .zip(before + 1..)
            .map(|((id, p), n)| {
                args![
                    id,
                    district_id,
                    youthloop_domain::volunteer::volunteer_no(n),
                    json(&p.profile.skills),
                    json(&p.profile.availability),
                    &p.profile.home_region_id,
                    p.profile.max_minutes_per_week,
                    by.at,
                    by.at
                ]
            });
        insert_rows(
            &mut tx.conn(),
            "insert into volunteers (user_id, district_id, volunteer_no, skills, availability, home_region_id,
             max_minutes_per_week, created_at, updated_at)",
            profiles,
        )
        .await?;
        let members = ids.iter().zip(&people).filter_map(|(id, p)| {
            let squad = p.squad_id.as_ref()?;
            Some(args![district_id, squad, id, by.at])
        });
        insert_rows(
            &mut tx.conn(),
            "insert into squad_members (district_id, squad_id, volunteer_id, joined_at)",
            members,
        )
        .await?;
        let events: Vec<(&Actor, &str, &str, &str)> = ids
            .iter()
            .map(|id| (by, "volunteer.enroll", "user", id.as_str()))
            .collect();
        crate::trust::audit_many(&mut tx.conn(), &events).await?;
        tx.commit().await?;
        Ok(ids)
    }

    async fn create_team(
        &self,
        by: &Actor,
        name: &str,
        leader_id: Option<&UserId>,
    ) -> StoreResult<TeamId> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        if let Some(leader_id) = leader_id {
            must_exist(
                &mut tx.conn(),
                district_id,
                USER,
                leader_id.as_str(),
                ("leader_id", "用户 / No such user in this district"),
            )
            .await?;
        }
        let id: TeamId = new_id();
        query("insert into teams (id, district_id, name, leader_id, created_at) values ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(district_id)
            .bind(name)
            .bind(leader_id)
            .bind(by.at)
            .execute(&mut tx.conn())
            .await?;
        grant_leader(&mut tx.conn(), by, leader_id, Role::TeamLeader, id.as_str()).await?;
        tx.audit(by, "team.create", "team", &id).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn teams(&self, district_id: &DistrictId, page: &Page) -> StoreResult<Paged<Team>> {
        query(&format!(
            "select {TEAM_COLUMNS} from teams t where t.district_id = $1 and t.id > $2 order by t.id limit $3"
        ))
        .bind(district_id)
        .fetch_page(&mut self.pools.read(), page, Ok, |t: &Team| t.id.to_string())
        .await
    }

    async fn team(&self, district_id: &DistrictId, id: &TeamId) -> StoreResult<Team> {
        query(&format!(
            "select {TEAM_COLUMNS} from teams t where t.district_id = $1 and t.id = $2"
        ))
        .bind(district_id)
        .bind(id)
        .fetch_one(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn create_squad(&self, by: &Actor, squad: NewSquad) -> StoreResult<SquadId> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        if let Some(leader_id) = &squad.leader_id {
            must_exist(
                &mut tx.conn(),
                district_id,
                USER,
                leader_id.as_str(),
                LEADER,
            )
            .await?;
        }
        let field = ("region_id", "地区 / No such region in this district");
        must_exist(
            &mut tx.conn(),
            district_id,
            REGION,
            squad.region_id.as_str(),
            field,
        )
        .await?;
        let id: SquadId = new_id();
        query(
            "insert into squads (id, district_id, team_id, name, region_id, leader_id, created_at)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(district_id)
        .bind(&squad.team_id)
        .bind(&squad.name)
        .bind(&squad.region_id)
        .bind(&squad.leader_id)
        .bind(by.at)
        .execute(&mut tx.conn())
        .await?;
        grant_leader(
            &mut tx.conn(),
            by,
            squad.leader_id.as_ref(),
            Role::SquadLeader,
            id.as_str(),
        )
        .await?;
        tx.audit(by, "squad.create", "squad", &id).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn squads(
        &self,
        district_id: &DistrictId,
        team_id: Option<&TeamId>,
        page: &Page,
    ) -> StoreResult<Paged<Squad>> {
        query(&format!(
            "select {SQUAD_COLUMNS} from squads s where s.district_id = $1
             and ($2 is null or s.team_id = $2) and s.id > $3 order by s.id limit $4"
        ))
        .bind(district_id)
        .bind(team_id)
        .fetch_page(&mut self.pools.read(), page, Ok, |s: &Squad| {
            s.id.to_string()
        })
        .await
    }

    async fn squad(&self, district_id: &DistrictId, id: &SquadId) -> StoreResult<Squad> {
        query(&format!(
            "select {SQUAD_COLUMNS} from squads s where s.district_id = $1 and s.id = $2"
        ))
        .bind(district_id)
        .bind(id)
        .fetch_one(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn squad_of(
        &self,
        district_id: &DistrictId,
        volunteer_id: &UserId,
    ) -> StoreResult<Option<Squad>> {
        query(&format!(
            "select {SQUAD_COLUMNS} from squads s join squad_members m on m.squad_id = s.id
             where s.district_id = $1 and m.volunteer_id = $2"
        ))
        .bind(district_id)
        .bind(volunteer_id)
        .fetch_optional(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn squad_members(
        &self,
        district_id: &DistrictId,
        squad_id: &SquadId,
    ) -> StoreResult<Vec<Member>> {
        query(
            "select v.user_id, v.volunteer_no, u.name from squad_members m
             join volunteers v on v.user_id = m.volunteer_id join users u on u.id = m.volunteer_id
             where m.district_id = $1 and m.squad_id = $2 and u.erased_at is null order by v.volunteer_no",
        )
        .bind(district_id)
        .bind(squad_id)
        .fetch_all(&mut self.pools.read())
        .await
        .map_err(db)
    }

    async fn add_member(
        &self,
        by: &Actor,
        squad_id: &SquadId,
        volunteer_id: &UserId,
    ) -> StoreResult<()> {
        let district_id = &by.district_id;
        let mut tx = self.write().await?;
        let field = (
            "volunteer_id",
            "志愿者 / No such volunteer in this district",
        );
        must_exist(
            &mut tx.conn(),
            district_id,
            VOLUNTEER,
            volunteer_id.as_str(),
            field,
        )
        .await?;
        query("insert into squad_members (district_id, squad_id, volunteer_id, joined_at) values ($1, $2, $3, $4)")
            .bind(district_id)
            .bind(squad_id)
            .bind(volunteer_id)
            .bind(by.at)
            .execute(&mut tx.conn())
            .await
            .map_err(unique("already_in_a_squad", "这位志愿者已在一个小分队中 / This volunteer is already in a squad"))?;
        tx.audit(by, "squad.add_member", "squad", squad_id).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_member(
        &self,
        by: &Actor,
        squad_id: &SquadId,
        volunteer_id: &UserId,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let removed = query("delete from squad_members where district_id = $1 and squad_id = $2 and volunteer_id = $3")
            .bind(&by.district_id)
            .bind(squad_id)
            .bind(volunteer_id)
            .execute(&mut tx.conn())
            .await?;
        if removed == 0 {
            return Err(crate::StoreError::NotFound);
        }
        tx.audit(by, "squad.remove_member", "squad", squad_id)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
