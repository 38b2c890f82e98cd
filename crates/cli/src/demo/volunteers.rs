//! The demo district's volunteers at the scale of the model district: 4,000 people in
//! 16 youth shock teams (青年突击队) and 243 squads (志愿服务小分队), shaped by the same
//! generator as `youthloop bench roster` (docs/benchmarks.md). Next week's shifts are
//! open for a roster, some already taken by sign-ups; the week before last was served,
//! with hours on record and certificates.
//!
//! Everyone but the demo accounts is enrolled from the League's list in bulk, with no
//! password (they cannot sign in until they set one): nothing to hash, so the demo
//! still starts in seconds.

use std::collections::HashMap;

use time::{Duration, OffsetDateTime};
use youthloop_domain::id::*;
use youthloop_domain::role::{Actor, Role};
use youthloop_domain::volunteer::{AssignmentAction, Window};
use youthloop_planner::generate::{self, Shape};
use youthloop_store::model::*;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{grant, Ctx};

/// The volunteers' own generator's seed.
const VOLUNTEER_SEED: u64 = 0x5a59_4657;

/// The teams, the demo's first one first (it holds the demo accounts' squad).
const TEAMS: [&str; 16] = [
    "示例区第一青年突击队",
    "文明实践青年突击队",
    "关爱未成年人青年突击队",
    "应急救援青年突击队",
    "敬老助老青年突击队",
    "生态环保青年突击队",
    "平安建设青年突击队",
    "文化惠民青年突击队",
    "健康守护青年突击队",
    "乡村振兴青年突击队",
    "科技助力青年突击队",
    "法治宣传青年突击队",
    "阅读推广青年突击队",
    "体育健身青年突击队",
    "网络文明青年突击队",
    "助残帮扶青年突击队",
];

/// What each community's volunteers do, by the community's place in the demo's list.
const TASKS: [(&str, &str); 16] = [
    (
        "社区助老服务",
        "陪伴独居老人聊天、协助午餐、教老人用手机挂号",
    ),
    ("垃圾分类宣传", "在投放点引导居民分类投放，发放宣传册"),
    ("四点半课堂", "放学后陪伴孩子完成作业、开展阅读"),
    ("文明交通劝导", "在路口劝导行人和电动车遵守信号灯"),
    ("河道巡护", "沿河巡查垃圾和危险地段，劝阻下河游泳"),
    ("反诈宣传进村", "向村民讲解常见电信诈骗手法"),
    ("义诊服务保障", "协助医生维持秩序、登记、引导老人"),
    ("关爱困境儿童", "走访困境儿童家庭，陪伴学习和游戏"),
    ("全民健身赛事保障", "赛事签到、补给、安全引导"),
    ("非遗文化进社区", "协助手工体验课，照看小朋友"),
    ("防溺水巡查", "在水塘、河边巡查，张贴警示标识"),
    ("社区环境整治", "清理楼道杂物、绿化带垃圾"),
    ("心理健康宣传", "发放心理健康手册，协助心理咨询师开展活动"),
    ("图书馆阅读推广", "整理图书、给低年级孩子讲绘本"),
    ("无障碍出行帮扶", "陪同残障人士出行、办理事务"),
    ("应急救护培训保障", "协助红十字会讲师开展心肺复苏培训"),
];

/// Minutes since 1970-01-01 00:00 Beijing time (the planner's clock) as a moment.
fn at_planner_minute(minute: i64) -> anyhow::Result<OffsetDateTime> {
    Ok(OffsetDateTime::from_unix_timestamp(minute * 60 - 8 * 3600)?)
}

/// The generator's volunteers and shifts as the demo district's people, squads, tasks
/// and shifts. `first_squad` holds the two demo volunteers; the generator's first squad
/// is theirs.
pub(super) struct District<'a> {
    pub league: &'a User,
    pub communities: &'a [Region],
    /// The demo accounts' squad is made with the others, in the first team.
    pub demo_members: &'a [&'a User],
    pub demo_leader: &'a User,
}

/// The planner's volunteer of a demo account: what it gives the first squad.
fn windows(parts: &[(u8, &str, &str)]) -> anyhow::Result<Vec<Window>> {
    parts
        .iter()
        .map(|(day, from, to)| Ok(Window::parse(i64::from(*day), from, to)?))
        .collect()
}

pub(super) async fn fill(cx: &mut Ctx<'_>, d: District<'_>) -> anyhow::Result<()> {
    let store = cx.store;
    let today = youthloop_domain::parse::local_date(cx.now);
    let epoch_day = (today - time::macros::date!(1970 - 01 - 01)).whole_days();
    // The demo accounts' squad is one of the 243; its two people are two of the 4,000.
    let shape = Shape {
        volunteers: 4000 - d.demo_members.len() - 1,
        squads: 243,
        teams: TEAMS.len(),
        shifts: 150,
        towns: 4,
        communities_per_town: 4,
        seed: 1,
    };
    let instance = generate::instance(shape, epoch_day);
    let community = |c: u32| &d.communities[c as usize % d.communities.len()];

    // Names and ID numbers from a generator of their own, so that the rest of the demo
    // draws what it drew before the volunteers came (the tests know its families).
    let rest_of_the_demo =
        std::mem::replace(&mut cx.rng, ChaCha8Rng::seed_from_u64(VOLUNTEER_SEED));
    // Everyone but the demo accounts, leaders first: teams and squads name their leaders.
    let mut people = Vec::with_capacity(instance.volunteers.len());
    for (n, v) in instance.volunteers.iter().enumerate() {
        let id_number = cx.id_number(i32::from(v.age))?;
        people.push(Enrollee {
            // Phones of their own too (136…): the other demo people's stay as they were.
            phone: format!("136{:08}", n + 1),
            name: cx.name(),
            birth_date: id_number.birth_date(),
            id_number: id_number.as_str().to_owned(),
            profile: NewVolunteer {
                skills: v.skills.clone(),
                availability: v
                    .availability
                    .iter()
                    .map(|w| Window {
                        weekday: w.weekday,
                        from: w.from,
                        to: w.to,
                    })
                    .collect(),
                home_region_id: Some(community(v.home.community).id.clone()),
                max_minutes_per_week: v.max_minutes_per_week,
            },
            squad_id: None,
        });
    }
    cx.rng = rest_of_the_demo;
    // Volunteer i serves in squad i mod 243, so the first 243 lead one each (the first
    // squad is the demo accounts', led by the ninth demo account).
    let squads_n = shape.squads;
    let rest = people.split_off(squads_n);
    let leaders = store.enroll_volunteers(&cx.sys, people).await?;

    let mut teams = Vec::new();
    for (t, name) in TEAMS.iter().enumerate() {
        // A team is led by the leader of its first squad (squads are dealt round the teams).
        teams.push(store.create_team(&cx.sys, name, Some(&leaders[t])).await?);
    }
    let mut squads = Vec::with_capacity(squads_n);
    for q in 0..squads_n {
        let home = community(instance.squads[q].community);
        let (name, leader) = if q == 0 {
            (
                "青禾社区志愿服务小分队".to_owned(),
                d.demo_leader.id.clone(),
            )
        } else {
            let nth = q / d.communities.len() + 1;
            (
                format!("{}第{nth}志愿服务小分队", home.name),
                leaders[q].clone(),
            )
        };
        let squad = NewSquad {
            team_id: teams[generate::team_of(q, TEAMS.len())].clone(),
            name,
            region_id: home.id.clone(),
            leader_id: Some(leader),
        };
        squads.push(store.create_squad(&cx.sys, squad).await?);
    }
    demo_profiles(cx, &d, &squads[0]).await?;
    for (q, leader) in leaders.iter().enumerate().skip(1) {
        store.add_member(&cx.sys, &squads[q], leader).await?;
    }
    // The first squad's generated leader serves in it like the rest.
    store.add_member(&cx.sys, &squads[0], &leaders[0]).await?;
    let mut rest = rest;
    for (i, p) in rest.iter_mut().enumerate() {
        p.squad_id = Some(squads[(i + squads_n) % squads_n].clone());
    }
    let mut ids = leaders;
    ids.extend(store.enroll_volunteers(&cx.sys, rest).await?);

    // A task per community, run by a team; each generated shift at its community's task.
    let mut tasks = HashMap::new();
    for (c, region) in d.communities.iter().enumerate() {
        let (title, description) = TASKS[c % TASKS.len()];
        let team = teams[c % teams.len()].clone();
        let task = NewTask {
            title: title.to_owned(),
            area: "volunteering".to_owned(),
            description: description.to_owned(),
            region_id: region.id.clone(),
            venue: format!("{}党群服务中心", region.name),
            activity_id: None,
            organization_id: None,
            team_id: Some(team.clone()),
        };
        let made = if c == 0 {
            // The first community's is the League's own (the demo volunteer's service).
            super::first_service(cx, d.league, d.demo_members[0], d.demo_leader, &region.id).await?
        } else {
            store.create_task(&cx.actor(d.league), task).await?
        };
        // Who records the hours: the team's leader, or the League for its own task.
        let leader = if c == 0 {
            cx.actor(d.league)
        } else {
            cx.actor_of(&ids[c % teams.len()], grant(Role::TeamLeader, &team))
        };
        tasks.insert(c as u32, (made, leader));
    }

    let mut load = Load::default();
    let mut served = Vec::new();
    for (n, s) in instance.shifts.iter().enumerate() {
        let (task, leader) = &tasks[&s.site.community];
        let shift = |days_back: i64| -> anyhow::Result<NewShift> {
            Ok(NewShift {
                starts_at: at_planner_minute(s.start - days_back * 24 * 60)?,
                ends_at: at_planner_minute(s.end - days_back * 24 * 60)?,
                needed: s.needed,
                skills: s.skills.clone(),
                min_age: s.min_age,
            })
        };
        let next = store.create_shift(&cx.sys, task, shift(0)?).await?;
        // One in four of next week's shifts is partly taken already by sign-ups.
        if n % 4 == 0 {
            let want = s.needed / 2;
            for v in load.fitting(&instance, (n, s), want, 0) {
                let me = person(cx, &ids[v], s.start - 3 * 24 * 60)?;
                store.sign_up(&me, &next, None).await?;
            }
        }
        // One in five was also held in the week before last, and served.
        if n % 5 == 0 {
            let past = shift(14)?;
            let (starts, ends) = (past.starts_at, past.ends_at);
            let id = store.create_shift(&cx.sys, task, past).await?;
            for v in load.fitting(&instance, (n, s), s.needed.min(8), 14) {
                let me = person(cx, &ids[v], s.start - 17 * 24 * 60)?;
                let (a, _) = store.sign_up(&me, &id, None).await?;
                let by = |at| Actor {
                    at,
                    ..leader.clone()
                };
                store
                    .move_assignment(
                        &by(starts - Duration::minutes(10)),
                        &a.id,
                        AssignmentAction::CheckIn,
                        None,
                    )
                    .await?;
                store
                    .check_out(&by(ends + Duration::minutes(5)), &a.id)
                    .await?;
                served.push(v);
            }
        }
    }
    // Some of them asked for a certificate of the month.
    served.sort_unstable();
    served.dedup();
    let month = (today - Duration::days(30), today);
    for v in served.iter().step_by(6) {
        store
            .issue_certificate(&person(cx, &ids[*v], 0)?, month)
            .await?;
    }
    Ok(())
}

/// A volunteer acting for themselves at a planner minute (`0`: now).
fn person(cx: &Ctx<'_>, id: &UserId, minute: i64) -> anyhow::Result<Actor> {
    let at = if minute == 0 {
        cx.now
    } else {
        at_planner_minute(minute)?
    };
    Ok(Actor {
        at,
        ..cx.actor_of(id, grant(Role::Volunteer, id))
    })
}

/// The demo accounts' profiles, in the first squad.
async fn demo_profiles(cx: &Ctx<'_>, d: &District<'_>, squad: &SquadId) -> anyhow::Result<()> {
    let home = &d.communities[0].id;
    for (n, member) in d.demo_members.iter().chain([&d.demo_leader]).enumerate() {
        let me = cx.actor_of(&member.id, grant(Role::Volunteer, &member.id));
        let weekend = if n % 2 == 0 { 6 } else { 7 };
        let profile = NewVolunteer {
            skills: vec![
                "first_aid".to_owned(),
                ["teaching", "sports"][n % 2].to_owned(),
            ],
            availability: windows(&[(weekend, "08:30", "12:00"), (3, "18:30", "21:00")])?,
            home_region_id: Some(home.clone()),
            max_minutes_per_week: 480,
        };
        cx.store.save_volunteer(&me, profile).await?;
        cx.store.add_member(&cx.sys, squad, &member.id).await?;
    }
    Ok(())
}

/// What the demo has given each generated volunteer so far, so that every sign-up it
/// makes is one the platform would take: available, skilled, old enough (adults only:
/// the enrolled minors' guardians have not consented yet), no overlap, within the week's
/// minutes.
#[derive(Default)]
struct Load {
    /// Per volunteer and week (0 next week, 14 the week before last): spans held.
    held: HashMap<(usize, i64), Vec<(i64, i64)>>,
}

impl Load {
    /// Up to `want` volunteers who fit the `n`th shift `s` moved `days_back` days back,
    /// taken; each shift starts looking elsewhere in the list, so that the same few are
    /// not given everything.
    fn fitting(
        &mut self,
        instance: &youthloop_planner::Instance,
        (n, s): (usize, &youthloop_planner::Shift),
        want: u32,
        days_back: i64,
    ) -> Vec<usize> {
        let mut taken = Vec::new();
        let count = instance.volunteers.len();
        for k in 0..count {
            if taken.len() as u32 >= want {
                break;
            }
            let i = (k + n * 97) % count;
            let v = &instance.volunteers[i];
            let held = self.held.entry((i, days_back)).or_default();
            let minutes: i64 = held.iter().map(|(a, b)| b - a).sum();
            let fits = v.age >= 18
                && v.age >= s.min_age
                && v.available(s)
                && s.skills.iter().all(|k| v.skills.contains(k))
                && held.iter().all(|(a, b)| *b <= s.start || s.end <= *a)
                && minutes + (s.end - s.start) <= i64::from(v.max_minutes_per_week);
            if fits {
                held.push((s.start, s.end));
                taken.push(i);
            }
        }
        taken
    }
}
