//! The demo district: fictional and deterministic (a seeded generator; no real person,
//! place code or credit code). It is built through the same store calls the server
//! makes, with the clock moved back, so its history is the history the rules allow.

mod volunteers;

use anyhow::Context;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration, OffsetDateTime};
use youthloop_domain::activity::ActivityAction;
use youthloop_domain::badge::BASIC_BADGES;
use youthloop_domain::case::{CaseAction, CaseCategory, RiskLevel};
use youthloop_domain::id::*;
use youthloop_domain::moderation::{hold_reason, Rules};
use youthloop_domain::order::{OrderAction, OrderStatus};
use youthloop_domain::parse::SHANGHAI;
use youthloop_domain::region::{RegionKind, YouthProfile, SERVICE_AREAS};
use youthloop_domain::review::{Ratings, ReviewStatus, ReviewTarget};
use youthloop_domain::role::{Actor, Grant, Role};
use youthloop_domain::round::RoundAction;
use youthloop_domain::{CreditCode, Fen, IdNumber};
use youthloop_store::model::*;
use youthloop_store::Store;

/// The demo district's division code: province 99 does not exist, so it names no real place.
pub const DEMO_CODE: &str = "990100000000";
pub const DEMO_PASSWORD: &str = "demo12345";

pub const DEMO_ACCOUNTS: [(&str, &str, &str); 9] = [
    ("13800000001", "league_admin", "团区委 the demo district"),
    ("13800000002", "org_admin", "the first organization"),
    ("13800000003", "community_officer", "the first community"),
    ("13800000004", "guardian", "two children, aged 8 and 12"),
    ("13800000005", "youth", "self, aged 15"),
    ("13800000006", "volunteer", "self"),
    ("13800000007", "social_worker", "the first organization"),
    ("13800000008", "evaluator", "the demo district"),
    ("13800000009", "squad_leader", "the demo volunteer's squad"),
];

pub async fn is_demo(store: &dyn Store) -> anyhow::Result<bool> {
    let Some(district) = store.default_district().await? else {
        return Ok(false);
    };
    Ok(store
        .region(&district, &district.as_root_region())
        .await?
        .code
        == DEMO_CODE)
}

pub fn announce_accounts() {
    tracing::info!(
        password = DEMO_PASSWORD,
        "demo accounts (演示账号), all with the same password:"
    );
    for (phone, role, scope) in DEMO_ACCOUNTS {
        tracing::info!("  {phone}  {role:<18} {scope}");
    }
}

const TOWNS: [(&str, [&str; 4]); 4] = [
    ("青禾街道", ["青禾社区", "禾丰社区", "麦田社区", "稻香社区"]),
    ("柳岸镇", ["柳岸村", "杨柳村", "河湾村", "新桥村"]),
    ("星河街道", ["星河社区", "银河社区", "北斗社区", "启明社区"]),
    ("果园镇", ["果园村", "梨花村", "桃李村", "杏林村"]),
];

const ORG_NAMES: [&str; 10] = [
    "青禾青少年社会工作服务中心",
    "柳岸青少年成长促进会",
    "星河心理健康服务社",
    "果园乡村儿童关爱中心",
    "北斗法治宣传志愿服务队",
    "启明家庭教育指导中心",
    "银河青少年体育拓展协会",
    "河湾安全教育服务中心",
    "桃李阅读公益发展中心",
    "新桥困境儿童帮扶社",
];

const SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
];
const GIVEN: [&str; 16] = [
    "子涵", "浩然", "欣怡", "宇轩", "梓萱", "俊杰", "雨桐", "博文", "诗涵", "明轩", "一诺", "思远",
    "佳怡", "天佑", "若曦", "嘉豪",
];

const PROJECT_TITLES: [(&str, &str); 7] = [
    ("legal_education", "少年模拟法庭"),
    ("psychological_support", "阳光心灵成长小组"),
    ("safety", "防溺水与自护训练营"),
    ("quality_development", "七彩周末素质拓展"),
    ("volunteering", "小小志愿者公益行"),
    ("family_education", "亲子沟通工作坊"),
    ("difficulty_help", "困境儿童陪伴计划"),
];

const REVIEW_TEXTS: [&str; 8] = [
    "孩子很喜欢，老师讲得生动有趣。",
    "活动组织有序，离家近，很方便。",
    "内容实用，孩子回家还在讲安全知识。",
    "希望以后多办几期，名额太抢手了。",
    "社工老师很有耐心，值得点赞。",
    "场地稍小，但整体体验不错。",
    "收获很大，孩子更愿意表达自己了。",
    "时间安排合理，签到很方便。",
];

struct Ctx<'a> {
    store: &'a dyn Store,
    rng: ChaCha8Rng,
    hash: String,
    district: DistrictId,
    /// The platform itself, for what the demo does as no one in particular.
    sys: Actor,
    now: OffsetDateTime,
    phone_seq: u32,
    /// ID numbers handed out: a district knows each person once.
    id_numbers: std::collections::HashSet<String>,
}

impl Ctx<'_> {
    fn name(&mut self) -> String {
        format!(
            "{}{}",
            SURNAMES.choose(&mut self.rng).copied().unwrap_or("王"),
            GIVEN.choose(&mut self.rng).copied().unwrap_or("明")
        )
    }

    /// A valid, fictional ID number (region 990101 does not exist) for someone `age` years
    /// old, never one handed out before.
    fn id_number(&mut self, age: i32) -> anyhow::Result<IdNumber> {
        let today = self.now.date();
        loop {
            let born = today.replace_year(today.year() - age).unwrap_or(today)
                - Duration::days(self.rng.gen_range(1..300));
            let first17 = format!(
                "990101{:04}{:02}{:02}{:03}",
                born.year(),
                u8::from(born.month()),
                born.day(),
                // Serials 0–499 are the demo's; the tests take 500–999, so never the same.
                self.rng.gen_range(0..500)
            );
            let check = char::from(IdNumber::check_char(first17.as_bytes()));
            let id = format!("{first17}{check}");
            if self.id_numbers.insert(id.clone()) {
                return Ok(IdNumber::parse(&id)?);
            }
        }
    }

    async fn user(
        &mut self,
        phone: Option<&str>,
        grants: Vec<Grant>,
        id_number: Option<IdNumber>,
        youth: bool,
    ) -> anyhow::Result<User> {
        let phone = match phone {
            Some(p) => p.to_owned(),
            None => {
                self.phone_seq += 1;
                format!("139{:08}", self.phone_seq)
            }
        };
        let name = self.name();
        Ok(self
            .store
            .create_user(
                &self.sys,
                NewUser {
                    phone,
                    password_hash: self.hash.clone(),
                    name,
                    birth_date: id_number.as_ref().map(IdNumber::birth_date),
                    id_number: id_number.map(|i| i.as_str().to_owned()),
                    grants,
                    is_participant: youth,
                },
            )
            .await?)
    }

    fn actor(&self, user: &User) -> Actor {
        Actor {
            grants: user.grants(),
            ..self.person(&user.id)
        }
    }

    /// Someone acting with `grants`, as the demo plays them.
    fn actor_of(&self, user_id: &UserId, grants: Vec<Grant>) -> Actor {
        Actor {
            grants,
            ..self.person(user_id)
        }
    }

    /// Someone acting for themselves (a guardian, a youth), as the demo plays them.
    fn person(&self, user_id: &UserId) -> Actor {
        Actor {
            user_id: user_id.clone(),
            ..Actor::system(&self.district, self.now)
        }
    }
}

fn grant(role: Role, scope: impl AsRef<str>) -> Vec<Grant> {
    vec![Grant {
        role,
        scope_id: scope.as_ref().to_owned(),
    }]
}

/// Someone who may register: who acts, for whom, and their birth date.
struct Family {
    made_by: UserId,
    participant: ParticipantId,
    birth: Date,
}

/// Fills an empty database with the demo district, its times placed around `now`.
pub async fn fill(store: &dyn Store, seed: u64, now: OffsetDateTime) -> anyhow::Result<()> {
    let hash = youthloop_server::auth::hash_password_now(DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let district = store
        .create_district("示例区（虚构）", DEMO_CODE, now)
        .await?;
    let mut cx = Ctx {
        store,
        rng: ChaCha8Rng::seed_from_u64(seed),
        hash,
        district: district.id.clone(),
        sys: Actor::system(&district.id, now),
        now,
        phone_seq: 0,
        id_numbers: std::collections::HashSet::new(),
    };

    // Regions with youth profiles.
    let mut towns = Vec::new();
    let mut communities = Vec::new();
    for (t, (town_name, names)) in TOWNS.iter().enumerate() {
        let town = store
            .create_region(
                &cx.sys,
                NewRegion {
                    parent_id: None,
                    name: (*town_name).to_owned(),
                    kind: RegionKind::Town,
                    code: format!("990100{:03}000", t + 1),
                    profile: None,
                },
            )
            .await?;
        for (c, name) in names.iter().enumerate() {
            let tags: Vec<String> = SERVICE_AREAS
                .choose_multiple(&mut cx.rng, 2)
                .map(|(_, zh, _)| (*zh).to_owned())
                .collect();
            let r = &mut cx.rng;
            let profile = YouthProfile {
                age_6_8: r.gen_range(40..300),
                age_9_11: r.gen_range(40..300),
                age_12_14: r.gen_range(30..250),
                age_15_18: r.gen_range(20..200),
                migrant_children: r.gen_range(0..120),
                left_behind: r.gen_range(0..60),
                in_difficulty: r.gen_range(0..20),
                need_tags: tags,
            };
            let community = store
                .create_region(
                    &cx.sys,
                    NewRegion {
                        parent_id: Some(town.id.clone()),
                        name: (*name).to_owned(),
                        kind: RegionKind::Community,
                        code: format!("990100{:03}{:03}", t + 1, c + 1),
                        profile: Some(profile),
                    },
                )
                .await?;
            communities.push(community);
        }
        towns.push(town);
    }

    // Organizations, each with a valid fictional credit code.
    let mut orgs = Vec::new();
    for (i, name) in ORG_NAMES.iter().enumerate() {
        let body: String = (0..9)
            .map(|_| {
                *b"0123456789ABCDEFGHJKLMNPQRTUWXY"
                    .choose(&mut cx.rng)
                    .unwrap_or(&b'0') as char
            })
            .collect();
        let first17 = format!("52990100{body}");
        let check = CreditCode::check_char(&first17).context("credit code alphabet")?;
        let areas: Vec<String> = {
            let own = SERVICE_AREAS[i % SERVICE_AREAS.len()].0;
            let other = SERVICE_AREAS[(i * 3 + 1) % SERVICE_AREAS.len()].0;
            let mut a = vec![own.to_owned(), other.to_owned()];
            a.dedup();
            a
        };
        let org = store
            .create_organization(
                &cx.sys,
                NewOrganization {
                    name: (*name).to_owned(),
                    credit_code: format!("{first17}{check}"),
                    areas,
                    address: format!(
                        "示例区{}路{}号",
                        ["青禾", "柳岸", "星河", "果园"][i % 4],
                        10 + i * 7
                    ),
                    // Fictional numbers of the demo district's own exchange.
                    contact_phone: Some(format!("0999-6{:07}", 1_000_000 + i * 1_111)),
                },
            )
            .await?;
        orgs.push(org);
    }

    // The demo accounts of API.md.
    let league = cx
        .user(
            Some("13800000001"),
            grant(Role::LeagueAdmin, &district.id),
            None,
            false,
        )
        .await?;
    let mut org_admins = vec![
        cx.user(
            Some("13800000002"),
            grant(Role::OrgAdmin, &orgs[0].id),
            None,
            false,
        )
        .await?,
    ];
    let officer = cx
        .user(
            Some("13800000003"),
            grant(Role::CommunityOfficer, &communities[0].id),
            None,
            false,
        )
        .await?;
    let guardian = cx
        .user(Some("13800000004"), grant(Role::Guardian, ""), None, false)
        .await?;
    let youth_id = cx.id_number(15)?;
    let youth = cx
        .user(
            Some("13800000005"),
            grant(Role::Youth, ""),
            Some(youth_id),
            true,
        )
        .await?;
    let volunteer_id = cx.id_number(22)?;
    let volunteer = cx
        .user(
            Some("13800000006"),
            grant(Role::Volunteer, ""),
            Some(volunteer_id),
            false,
        )
        .await?;
    let social_worker = cx
        .user(
            Some("13800000007"),
            grant(Role::SocialWorker, &orgs[0].id),
            None,
            false,
        )
        .await?;
    cx.user(
        Some("13800000008"),
        grant(Role::Evaluator, &district.id),
        None,
        false,
    )
    .await?;

    let leader_id = cx.id_number(28)?;
    let squad_leader = cx
        .user(
            Some("13800000009"),
            grant(Role::Volunteer, ""),
            Some(leader_id),
            false,
        )
        .await?;
    volunteers::fill(
        &mut cx,
        volunteers::District {
            league: &league,
            communities: &communities,
            demo_members: &[&volunteer],
            demo_leader: &squad_leader,
        },
    )
    .await?;

    // Staff: an admin for every other organization, a hundred and more social workers,
    // and an officer for each town.
    for org in &orgs[1..] {
        org_admins.push(
            cx.user(None, grant(Role::OrgAdmin, &org.id), None, false)
                .await?,
        );
    }
    let mut supervisor = None;
    for i in 0..120 {
        let org = &orgs[i % orgs.len()];
        let worker = cx
            .user(None, grant(Role::SocialWorker, &org.id), None, false)
            .await?;
        if org.id == orgs[0].id {
            supervisor.get_or_insert(worker);
        }
    }
    if let Some(supervisor) = &supervisor {
        open_cases(&cx, &social_worker, supervisor, &orgs[0].id).await?;
    }
    let mut town_officers = Vec::new();
    for town in &towns {
        town_officers.push(
            cx.user(None, grant(Role::CommunityOfficer, &town.id), None, false)
                .await?,
        );
    }

    // Families: the demo guardian's two children, more guardians and children, youth.
    let mut families = Vec::new();
    for (age, name) in [(8, "小禾"), (12, "小穗")] {
        let id = cx.id_number(age)?;
        let child = add_child(&mut cx, &guardian, name, &id).await?;
        families.push(Family {
            made_by: guardian.id.clone(),
            participant: child.id,
            birth: id.birth_date(),
        });
    }
    families.push(Family {
        made_by: youth.id.clone(),
        participant: youth.id.as_participant(),
        birth: youth.birth_date.unwrap_or(cx.now.date()),
    });
    for _ in 0..40 {
        let parent = cx
            .user(None, grant(Role::Guardian, ""), None, false)
            .await?;
        for _ in 0..cx.rng.gen_range(1..=2) {
            let age = cx.rng.gen_range(6..=14);
            let id = cx.id_number(age)?;
            let name = cx.name();
            let child = add_child(&mut cx, &parent, &name, &id).await?;
            families.push(Family {
                made_by: parent.id.clone(),
                participant: child.id,
                birth: id.birth_date(),
            });
        }
    }
    for _ in 0..10 {
        let age = cx.rng.gen_range(14..=17);
        let id = cx.id_number(age)?;
        let birth = id.birth_date();
        let y = cx
            .user(None, grant(Role::Youth, ""), Some(id), true)
            .await?;
        families.push(Family {
            participant: y.id.as_participant(),
            made_by: y.id,
            birth,
        });
    }

    // Buy: this year's round, two proposals per organization, most approved.
    let year_start = cx.now.replace_date(Date::from_calendar_date(
        cx.now.year(),
        time::Month::January,
        1,
    )?);
    let round = store
        .create_round(
            &cx.sys,
            NewRound {
                title: format!("{}年度青少年服务项目采购", cx.now.year()),
                budget: Fen::parse("budget_fen", 200_000_000)?,
                opens_at: year_start,
                closes_at: year_start + Duration::days(45),
            },
        )
        .await?;
    store
        .transition_round(&cx.sys, &round.id, RoundAction::Open)
        .await?;
    let league_actor = cx.actor(&league);
    let mut menu = Vec::new();
    for (i, org) in orgs.iter().enumerate() {
        for k in 0..2 {
            let (area, title) = PROJECT_TITLES[(i + k * 3) % PROJECT_TITLES.len()];
            let (min_age, max_age) = if k == 0 { (6, 12) } else { (10, 17) };
            let badges: Vec<String> = BASIC_BADGES
                .choose_multiple(&mut cx.rng, 2)
                .map(|b| b.code.to_owned())
                .collect();
            let project = store
                .create_project(
                    &cx.sys,
                    NewProject {
                        round_id: round.id.clone(),
                        organization_id: org.id.clone(),
                        title: format!(
                            "{title}（{}）",
                            org.name.chars().take(2).collect::<String>()
                        ),
                        area: area.to_owned(),
                        min_age,
                        max_age,
                        capacity: 30,
                        unit_price: Fen::parse(
                            "unit_price_fen",
                            cx.rng.gen_range(30..=80) * 10_000,
                        )?,
                        sessions_offered: 12,
                        description: format!(
                            "面向{min_age}至{max_age}岁青少年的{title}，每场约2小时。"
                        ),
                        badges,
                    },
                )
                .await?;
            if (i + k) % 9 == 8 {
                store
                    .reject_project(&cx.sys, &project.id, "与已有项目重复")
                    .await?;
            } else {
                menu.push(store.approve_project(&cx.sys, &project.id, 10).await?);
            }
        }
    }
    store
        .transition_round(&cx.sys, &round.id, RoundAction::Review)
        .await?;
    store
        .transition_round(&cx.sys, &round.id, RoundAction::Award)
        .await?;

    // Orders in every state, with the activities that move them.
    let targets = [
        OrderStatus::Settled,
        OrderStatus::Settled,
        OrderStatus::Confirmed,
        OrderStatus::Confirmed,
        OrderStatus::Delivered,
        OrderStatus::Delivered,
        OrderStatus::Scheduled,
        OrderStatus::Scheduled,
        OrderStatus::Scheduled,
        OrderStatus::Accepted,
        OrderStatus::Dispatched,
        OrderStatus::Declined,
        OrderStatus::Rejected,
        OrderStatus::Cancelled,
        OrderStatus::Submitted,
        OrderStatus::Submitted,
    ];
    for (n, target) in targets.iter().enumerate() {
        let project = &menu[(n * 7) % menu.len()];
        // The first orders belong to the first community, so its officer sees a history.
        let community = if n % 3 == 0 {
            &communities[0]
        } else {
            &communities[(n * 5) % communities.len()]
        };
        let town_index = communities
            .iter()
            .position(|c| c.id == community.id)
            .unwrap_or(0)
            / 4;
        let ordering = if community.id == communities[0].id {
            &officer
        } else {
            &town_officers[town_index]
        };
        let community_actor = cx.actor(ordering);
        let org_index = orgs
            .iter()
            .position(|o| o.id == project.organization_id)
            .unwrap_or(0);
        let org_actor = cx.actor(&org_admins[org_index]);
        let past = target_is_past(*target);
        let start = if past {
            cx.now - Duration::days(cx.rng.gen_range(20..80))
        } else {
            cx.now - Duration::days(1)
        };
        let created_at = if *target == OrderStatus::Submitted && n % 2 == 0 {
            cx.now - Duration::days(3)
        } else {
            start - Duration::days(12)
        };
        let order = store
            .create_order(
                &community_actor,
                NewOrder {
                    project_id: project.id.clone(),
                    community_id: community.id.clone(),
                    sessions: 1,
                    window_start: (start - Duration::days(5)).date(),
                    window_end: (start + Duration::days(25)).date(),
                    venue: format!("{}党群服务中心", community.name),
                    expected_participants: 25,
                    notes: "请安排周末场次".to_owned(),
                },
                created_at,
            )
            .await?;
        let at = |days: i64| created_at + Duration::days(days);
        match target {
            OrderStatus::Submitted => continue,
            OrderStatus::Rejected => {
                store
                    .transition_order(
                        &league_actor,
                        &order.id,
                        OrderAction::Reject,
                        Some("本季度预算已满"),
                        at(1),
                    )
                    .await?;
                continue;
            }
            _ => {
                store
                    .transition_order(&league_actor, &order.id, OrderAction::Dispatch, None, at(1))
                    .await?;
            }
        }
        match target {
            OrderStatus::Dispatched => continue,
            OrderStatus::Declined => {
                store
                    .transition_order(
                        &org_actor,
                        &order.id,
                        OrderAction::Decline,
                        Some("档期冲突"),
                        at(2),
                    )
                    .await?;
                continue;
            }
            _ => {
                store
                    .transition_order(&org_actor, &order.id, OrderAction::Accept, None, at(2))
                    .await?;
            }
        }
        if *target == OrderStatus::Cancelled {
            store
                .transition_order(
                    &community_actor,
                    &order.id,
                    OrderAction::Cancel,
                    Some("场地改作他用"),
                    at(3),
                )
                .await?;
            continue;
        }
        if *target == OrderStatus::Accepted {
            continue;
        }
        let starts_at = if past {
            start
        } else {
            cx.now + Duration::days(cx.rng.gen_range(3..20))
        };
        let activity = run_activity(
            &mut cx,
            &org_actor,
            project,
            Some(&order.id),
            &order.venue,
            starts_at,
            &families,
            past,
        )
        .await?;
        if !past {
            continue;
        }
        review_activity(&mut cx, &activity, &families).await?;
        if matches!(target, OrderStatus::Confirmed | OrderStatus::Settled) {
            let done = activity.ends_at + Duration::days(2);
            store
                .transition_order(
                    &community_actor,
                    &order.id,
                    OrderAction::Confirm,
                    None,
                    done,
                )
                .await?;
            let r = &mut cx.rng;
            let made = store
                .create_review(
                    &community_actor,
                    NewReview {
                        target: ReviewTarget::Order,
                        target_id: order.id.to_string(),
                        organization_id: project.organization_id.clone(),
                        author_id: Some(ordering.id.clone()),
                        author_role: Role::CommunityOfficer.as_str().to_owned(),
                        ratings: Some(Ratings::parse(
                            r.gen_range(3..=5),
                            r.gen_range(4..=5),
                            r.gen_range(3..=5),
                        )?),
                        rating: None,
                        text: "服务按时交付，居民反响好。".to_owned(),
                        status: ReviewStatus::Visible,
                        reason: None,
                    },
                )
                .await;
            // One officer may order the same item twice; a review of each is enough.
            match made {
                Ok(_) | Err(youthloop_store::StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if *target == OrderStatus::Settled {
            store
                .transition_order(
                    &league_actor,
                    &order.id,
                    OrderAction::Settle,
                    None,
                    activity.ends_at + Duration::days(7),
                )
                .await?;
        }
    }

    // Organizations' own activities, open for registration now.
    for (i, project) in menu.iter().enumerate().take(8) {
        let org_index = orgs
            .iter()
            .position(|o| o.id == project.organization_id)
            .unwrap_or(0);
        let org_actor = cx.actor(&org_admins[org_index]);
        let starts_at = cx.now + Duration::days(2 + i64::try_from(i).unwrap_or(0) * 2);
        let venue = format!("{}活动室", communities[i % communities.len()].name);
        run_activity(
            &mut cx, &org_actor, project, None, &venue, starts_at, &families, false,
        )
        .await?;
    }

    // Public comments; the spam among them waits for a moderator.
    for (i, text) in [
        (0, "服务很贴心，希望多来我们社区！"),
        (1, "澳门百家乐，稳赚不赔，加微信"),
        (0, "周六的手工课老师很耐心，孩子回家还在讲"),
        (0, "想组团的家长加我 vx：kid2026abc 拉群"),
    ] {
        let recent = store.recent_comments(&cx.district, &orgs[i].id, 50).await?;
        let held = hold_reason(text, &recent, &Rules::default());
        let status = if held.is_some() {
            ReviewStatus::Held
        } else {
            ReviewStatus::Visible
        };
        store
            .create_review(
                &Actor::visitor(&cx.district, "cli", cx.now),
                NewReview {
                    target: ReviewTarget::Organization,
                    target_id: orgs[i].id.to_string(),
                    organization_id: orgs[i].id.clone(),
                    author_id: None,
                    author_role: "public".to_owned(),
                    ratings: None,
                    rating: (status == ReviewStatus::Visible).then_some(5.0),
                    text: (*text).to_owned(),
                    status,
                    reason: held.map(|r| r.as_str().to_owned()),
                },
            )
            .await?;
    }
    tracing::info!(district = %district.id, "demo district filled");
    Ok(())
}

fn target_is_past(target: OrderStatus) -> bool {
    matches!(
        target,
        OrderStatus::Delivered | OrderStatus::Confirmed | OrderStatus::Settled
    )
}

async fn add_child(
    cx: &mut Ctx<'_>,
    guardian: &User,
    name: &str,
    id: &IdNumber,
) -> anyhow::Result<Participant> {
    Ok(cx
        .store
        .create_participant(
            &cx.person(&guardian.id),
            NewParticipant {
                id: None,
                kind: ParticipantKind::Child,
                name: name.to_owned(),
                birth_date: id.birth_date(),
                id_number: id.as_str().to_owned(),
                guardian_id: Some(guardian.id.clone()),
                user_id: None,
                consent_relation: Some("母亲".to_owned()),
            },
        )
        .await?)
}

/// A case of the demo social worker and what was recorded since intake.
struct DemoCase {
    subject: &'static str,
    born: i32,
    category: CaseCategory,
    guardian: &'static str,
    relation: &'static str,
    steps: &'static [(CaseAction, &'static str)],
}

const DEMO_CASES: [DemoCase; 3] = [
    DemoCase {
        subject: "林小禾",
        born: 2013,
        category: CaseCategory::LeftBehind,
        guardian: "林秀英",
        relation: "祖母",
        steps: &[
            (
                CaseAction::Assess,
                "完成家访：父母在外务工，孩子与祖母同住，数学跟不上，情绪低落。",
            ),
            (
                CaseAction::Plan,
                "每周一次学业辅导和一次谈心，每月与父母视频一次，一个月后复评。",
            ),
        ],
    },
    DemoCase {
        subject: "周一鸣",
        born: 2011,
        category: CaseCategory::Truancy,
        guardian: "周建华",
        relation: "父亲",
        steps: &[(
            CaseAction::Assess,
            "与班主任和父亲面谈：近一个月缺课九天，多在网吧。",
        )],
    },
    DemoCase {
        subject: "陈思远",
        born: 2014,
        category: CaseCategory::Bullying,
        guardian: "王丽",
        relation: "母亲",
        steps: &[],
    },
];

/// The demo social worker's caseload: three minors at different steps, the names
/// fictional, the guardian's consent on record.
/// Beijing `hh:mm` on `day`, as stored (UTC).
fn beijing_at(day: Date, hh: u8, mm: u8) -> anyhow::Result<OffsetDateTime> {
    Ok(day
        .with_hms(hh, mm, 0)?
        .assume_offset(SHANGHAI)
        .to_offset(time::UtcOffset::UTC))
}

/// The League's task in the first community: last Saturday's morning, which the demo
/// volunteer served (checked in and out by their squad leader, so hours are on record,
/// and a certificate of the month), and open shifts on the coming weekend mornings.
async fn first_service(
    cx: &Ctx<'_>,
    league: &User,
    volunteer: &User,
    leader: &User,
    community: &RegionId,
) -> anyhow::Result<TaskId> {
    use youthloop_domain::volunteer::AssignmentAction;
    let store = cx.store;
    let task = NewTask {
        title: "社区助老服务".to_owned(),
        area: "volunteering".to_owned(),
        description: "陪伴独居老人聊天、协助午餐、教老人用手机挂号".to_owned(),
        region_id: community.clone(),
        venue: "青禾社区党群服务中心".to_owned(),
        activity_id: None,
        organization_id: None,
        team_id: None,
    };
    let task = store.create_task(&cx.actor(league), task).await?;
    let today = youthloop_domain::parse::local_date(cx.now);
    // The Saturday before today (a week back if today is one).
    let since = (i64::from(today.weekday().number_days_from_monday()) - 5).rem_euclid(7);
    let last_saturday = today - Duration::days(if since == 0 { 7 } else { since });
    let next_saturday = last_saturday + Duration::days(7);
    let morning = |day: Date, needed: u32| -> anyhow::Result<NewShift> {
        Ok(NewShift {
            starts_at: beijing_at(day, 9, 0)?,
            ends_at: beijing_at(day, 11, 30)?,
            needed,
            skills: Vec::new(),
            min_age: 14,
        })
    };
    let past = morning(last_saturday, 4)?;
    let (starts, ends) = (past.starts_at, past.ends_at);
    let served = store.create_shift(&cx.sys, &task, past).await?;
    for day in [next_saturday, next_saturday + Duration::days(1)] {
        store.create_shift(&cx.sys, &task, morning(day, 6)?).await?;
    }
    // As the week went: signed up on Monday, in at 08:55, out at 11:40 (the record
    // stops at the shift's end).
    let me = Actor {
        at: starts - Duration::days(5),
        ..cx.actor(volunteer)
    };
    let (signed, _) = store.sign_up(&me, &served, None).await?;
    let by_leader = |at| Actor {
        at,
        ..cx.actor(leader)
    };
    store
        .move_assignment(
            &by_leader(starts - Duration::minutes(5)),
            &signed.id,
            AssignmentAction::CheckIn,
            None,
        )
        .await?;
    store
        .check_out(&by_leader(ends + Duration::minutes(10)), &signed.id)
        .await?;
    let month = (today - Duration::days(30), today);
    store.issue_certificate(&cx.actor(volunteer), month).await?;
    Ok(task)
}

async fn open_cases(
    cx: &Ctx<'_>,
    worker: &User,
    supervisor: &User,
    org: &OrganizationId,
) -> anyhow::Result<()> {
    let by = cx.actor(worker);
    for (k, case) in DEMO_CASES.iter().enumerate() {
        let opened = cx.now - Duration::days(40 - 12 * i64::try_from(k)?);
        let file = cx
            .store
            .open_case(
                &Actor {
                    at: opened,
                    ..by.clone()
                },
                NewCase {
                    organization_id: org.clone(),
                    subject_name: case.subject.to_owned(),
                    subject_birth_date: Date::from_calendar_date(
                        case.born,
                        time::Month::March,
                        12,
                    )?,
                    category: case.category,
                    supervisor_id: supervisor.id.clone(),
                    guardian_name: case.guardian.to_owned(),
                    relation: case.relation.to_owned(),
                    consent_scope: "个案服务".to_owned(),
                },
            )
            .await?;
        for (n, (step, text)) in case.steps.iter().enumerate() {
            let at = opened + Duration::days(3 + 5 * i64::try_from(n)?);
            let risk = (*step == CaseAction::Assess).then_some(RiskLevel::Medium);
            cx.store
                .record_case(
                    &Actor { at, ..by.clone() },
                    &file.summary.id,
                    *step,
                    risk,
                    text,
                    at,
                )
                .await?;
        }
    }
    Ok(())
}

/// When families can come on `day`: Saturday and Sunday at 09:30 or 14:30 (the
/// afternoon on even days of the year), weekday evenings at 19:00, Beijing time.
fn session_slot(day: Date) -> OffsetDateTime {
    let weekend = matches!(
        day.weekday(),
        time::Weekday::Saturday | time::Weekday::Sunday
    );
    let at = match (weekend, day.ordinal().is_multiple_of(2)) {
        (true, false) => time::macros::time!(09:30),
        (true, true) => time::macros::time!(14:30),
        (false, _) => time::macros::time!(19:00),
    };
    day.with_time(at).assume_offset(SHANGHAI)
}

/// Registration closes at 20:00 Beijing time the evening before: families know by then.
fn evening_before(starts_at: OffsetDateTime) -> OffsetDateTime {
    let day = starts_at
        .to_offset(SHANGHAI)
        .date()
        .previous_day()
        .unwrap_or(starts_at.date());
    day.with_time(time::macros::time!(20:00))
        .assume_offset(SHANGHAI)
}

/// Schedules, publishes and fills an activity; a past one is also attended and finished.
#[allow(clippy::too_many_arguments)]
async fn run_activity(
    cx: &mut Ctx<'_>,
    org: &Actor,
    project: &Project,
    order_id: Option<&OrderId>,
    venue: &str,
    starts_at: OffsetDateTime,
    families: &[Family],
    past: bool,
) -> anyhow::Result<Activity> {
    let starts_at = session_slot(starts_at.to_offset(SHANGHAI).date());
    let opens = if past {
        starts_at - Duration::days(10)
    } else {
        cx.now - Duration::days(2)
    };
    let activity = cx
        .store
        .create_activity(
            org,
            NewActivity {
                organization_id: project.organization_id.clone(),
                order_id: order_id.cloned(),
                title: project.title.clone(),
                description: project.description.clone(),
                starts_at,
                ends_at: starts_at + Duration::hours(2),
                venue: venue.to_owned(),
                capacity: 12,
                waitlist_capacity: 4,
                min_age: project.min_age,
                max_age: project.max_age,
                registration_opens_at: opens,
                registration_closes_at: evening_before(starts_at),
                badges: project.badges.clone(),
            },
        )
        .await?;
    cx.store
        .transition_activity(org, &activity.id, ActivityAction::Publish, opens)
        .await?;
    let eligible: Vec<&Family> = families
        .iter()
        .filter(|f| {
            let age = youthloop_domain::parse::age_on(f.birth, starts_at.date());
            (i64::from(project.min_age)..=i64::from(project.max_age)).contains(&i64::from(age))
        })
        .collect();
    let wanted = cx.rng.gen_range(8..=18).min(eligible.len());
    let mut chosen: Vec<&&Family> = eligible.choose_multiple(&mut cx.rng, wanted).collect();
    // The demo guardian's children and the demo youth come first where they fit.
    chosen.sort_by_key(|f| {
        usize::from(!families[..3].iter().any(|d| d.participant == f.participant))
    });
    let mut registered = Vec::new();
    for (k, family) in chosen.iter().enumerate() {
        let at = opens + Duration::minutes(30 + i64::try_from(k).unwrap_or(0) * 7);
        let answer = cx
            .store
            .register(
                &cx.person(&family.made_by),
                RegistrationAttempt {
                    activity_id: activity.id.clone(),
                    participant_id: family.participant.clone(),
                    idempotency_key: None,
                },
                at,
            )
            .await;
        match answer {
            Ok(r) => registered.push((r, *family)),
            Err(youthloop_store::StoreError::Domain(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if !past {
        return Ok(cx
            .store
            .activity(&cx.district, &activity.id, &org.org_ids())
            .await?);
    }
    for (r, family) in &registered {
        if r.status.as_str() == "confirmed" && cx.rng.gen_bool(0.85) {
            let who = CheckinBy::Participant {
                user_id: &family.made_by,
                participant_id: &family.participant,
            };
            cx.store
                .check_in(
                    &cx.person(&family.made_by),
                    &activity.id,
                    who,
                    starts_at + Duration::minutes(5),
                )
                .await?;
        }
    }
    Ok(cx
        .store
        .transition_activity(
            org,
            &activity.id,
            ActivityAction::Finish,
            starts_at + Duration::hours(2),
        )
        .await?)
}

/// Most who attended say what they thought.
async fn review_activity(
    cx: &mut Ctx<'_>,
    activity: &Activity,
    families: &[Family],
) -> anyhow::Result<()> {
    for family in families {
        if !cx
            .store
            .attended(&cx.district, &activity.id, &family.made_by)
            .await?
            || !cx.rng.gen_bool(0.6)
        {
            continue;
        }
        let r = &mut cx.rng;
        let ratings = Ratings::parse(r.gen_range(3..=5), r.gen_range(3..=5), r.gen_range(3..=5))?;
        let text = REVIEW_TEXTS
            .choose(r)
            .copied()
            .unwrap_or_default()
            .to_owned();
        let made = cx
            .store
            .create_review(
                &cx.person(&family.made_by),
                NewReview {
                    target: ReviewTarget::Activity,
                    target_id: activity.id.to_string(),
                    organization_id: activity.organization_id.clone(),
                    author_id: Some(family.made_by.clone()),
                    author_role: "guardian".to_owned(),
                    ratings: Some(ratings),
                    rating: None,
                    text,
                    status: ReviewStatus::Visible,
                    reason: None,
                },
            )
            .await;
        match made {
            Ok(_) | Err(youthloop_store::StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};
    use youthloop_store::crypto::{DataKey, Keyring};
    use youthloop_store::prelude::*;

    /// Whether families can come then: 08:00 to 20:00 Beijing time, on a weekend or
    /// from 18:00 on a weekday.
    fn family_time(at: OffsetDateTime) -> bool {
        let local = at.to_offset(SHANGHAI);
        let weekend = matches!(
            local.weekday(),
            time::Weekday::Saturday | time::Weekday::Sunday
        );
        (8..20).contains(&local.hour()) && (weekend || local.hour() >= 18)
    }

    #[test]
    fn sessions_fall_on_weekends_and_evenings() {
        // Saturday 9:30 or 14:30, a Wednesday at 19:00; registration the evening before.
        let saturday = session_slot(date!(2026 - 12 - 05));
        assert!([
            datetime!(2026-12-05 01:30 UTC),
            datetime!(2026-12-05 06:30 UTC)
        ]
        .contains(&saturday));
        assert_eq!(
            session_slot(date!(2026 - 12 - 02)),
            datetime!(2026-12-02 11:00 UTC)
        );
        assert_eq!(evening_before(saturday), datetime!(2026-12-04 12:00 UTC));
        assert!(
            !family_time(datetime!(2026-12-02 21:20 UTC)),
            "05:20 in Beijing"
        );
    }

    #[tokio::test]
    async fn the_demo_keeps_family_hours_and_gives_the_social_worker_cases() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("demo.sqlite");
        let keys = Keyring::single(DataKey::generate());
        let store = youthloop_store::sqlite::open(&path.to_string_lossy(), true, keys).await?;
        // A moment in the small hours, as the demo was run when its times were wrong.
        let now = datetime!(2026-12-02 21:20 UTC);
        fill(&store, 7, now).await?;

        let district = store.default_district().await?.context("no district")?;
        let orgs: Vec<OrganizationId> = store
            .organizations(&district, &Page::all())
            .await?
            .items
            .into_iter()
            .map(|o| o.id)
            .collect();
        let activities = store
            .activities(&district, &orgs, &Page::all())
            .await?
            .items;
        assert!(activities.len() > 10, "{}", activities.len());
        for a in &activities {
            assert!(
                family_time(a.starts_at),
                "{} starts at {}",
                a.title,
                a.starts_at
            );
            assert!(a.registration_closes_at < a.starts_at, "{}", a.title);
            assert!(
                a.registration_opens_at < a.registration_closes_at,
                "{}",
                a.title
            );
        }

        let phone = "13800000007";
        let worker = store
            .credentials(phone)
            .await?
            .context("no social worker")?
            .user;
        let by = Actor {
            grants: worker.grants(),
            ..Actor::system(&district, now)
        };
        let by = Actor {
            user_id: worker.id.clone(),
            ..by
        };
        let cases = store.cases(&by, now).await?;
        assert_eq!(cases.len(), 3, "the demo social worker's caseload");
        Ok(())
    }
}
