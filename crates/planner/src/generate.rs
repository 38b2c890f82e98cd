//! A realistic, deterministic roster instance for benchmarks: a district's volunteers in
//! squads, with the skills, ages and weekly time they give, and a week of shifts. The
//! shape is stated in docs/benchmarks.md; the same seed gives the same instance.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::roster::{weekday, Instance, Place, Shift, Volunteer, Window, MINUTES_PER_DAY};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub volunteers: usize,
    pub squads: usize,
    pub teams: usize,
    pub shifts: usize,
    pub towns: u32,
    pub communities_per_town: u32,
    pub seed: u64,
}

impl Default for Shape {
    fn default() -> Self {
        Self {
            volunteers: 4000,
            squads: 243,
            teams: 16,
            shifts: 150,
            towns: 12,
            communities_per_town: 10,
            seed: 1,
        }
    }
}

/// Skill codes and how common each is among volunteers.
pub const SKILLS: [(&str, f64); 8] = [
    ("teaching", 0.25),
    ("first_aid", 0.18),
    ("sports", 0.15),
    ("arts", 0.12),
    ("photography", 0.08),
    ("driving", 0.08),
    ("counselling", 0.06),
    ("sign_language", 0.02),
];

/// A random window of `from` (a half hour in `earliest..=latest`) and
/// `shortest..=longest` half hours.
fn window(
    rng: &mut ChaCha8Rng,
    earliest: u16,
    latest: u16,
    shortest: u16,
    longest: u16,
) -> (u16, u16) {
    let from = earliest + 30 * rng.gen_range(0..=(latest - earliest) / 30);
    (from, from + 30 * rng.gen_range(shortest..=longest))
}

/// The squad (of `teams`) a squad index belongs to: squads are dealt round the teams.
pub fn team_of(squad: usize, teams: usize) -> usize {
    squad % teams.max(1)
}

/// An instance of `shape` for the week that starts on the first Monday from `day` (days
/// counted from 1970-01-01).
pub fn instance(shape: Shape, day: i64) -> Instance {
    let monday = day + i64::from((8 - weekday(day)) % 7);
    let mut rng = ChaCha8Rng::seed_from_u64(shape.seed);
    let communities = shape.towns * shape.communities_per_town;
    let place = |c: u32| Place {
        town: c / shape.communities_per_town,
        community: c,
    };
    let squad_home: Vec<u32> = (0..shape.squads)
        .map(|q| (q as u32 * 7919) % communities.max(1))
        .collect();

    let volunteers = (0..shape.volunteers)
        .map(|i| {
            let squad = (shape.squads > 0).then(|| i % shape.squads);
            let base = squad.map_or_else(|| rng.gen_range(0..communities), |q| squad_home[q]);
            let roll: f64 = rng.gen();
            let home = if roll < 0.7 {
                base
            } else if roll < 0.9 {
                (base / shape.communities_per_town) * shape.communities_per_town
                    + rng.gen_range(0..shape.communities_per_town)
            } else {
                rng.gen_range(0..communities)
            };
            let roll: f64 = rng.gen();
            let age = if roll < 0.06 {
                rng.gen_range(14..18)
            } else if roll < 0.7 {
                rng.gen_range(18..36)
            } else {
                rng.gen_range(36..71)
            };
            let skills = SKILLS
                .iter()
                .filter(|(_, p)| rng.gen_bool(*p))
                .map(|(s, _)| (*s).to_string())
                .collect();
            let mut availability = Vec::new();
            for weekday in 1..=5u8 {
                // Weekday evenings; retired people also give mornings.
                if rng.gen_bool(0.15) {
                    let (from, to) = window(&mut rng, 18 * 60, 19 * 60 + 30, 4, 7);
                    availability.push(Window { weekday, from, to });
                }
                if age >= 55 && rng.gen_bool(0.4) {
                    let (from, to) = window(&mut rng, 8 * 60, 10 * 60, 6, 12);
                    availability.push(Window { weekday, from, to });
                }
            }
            for weekday in 6..=7u8 {
                if rng.gen_bool(0.3) {
                    let (from, to) = window(&mut rng, 8 * 60, 15 * 60, 4, 12);
                    availability.push(Window { weekday, from, to });
                }
            }
            Volunteer {
                age,
                consent: age >= 18 || rng.gen_bool(0.75),
                skills,
                availability,
                home: place(home),
                squad: squad.map(|q| q as u32),
                max_minutes_per_week: *[240, 360, 480, 600].choose(&mut rng).unwrap_or(&360),
            }
        })
        .collect();

    let shifts = (0..shape.shifts)
        .map(|_| {
            let roll: f64 = rng.gen();
            let (day, (from, to)) = if roll < 0.6 {
                (
                    rng.gen_range(5..7),
                    window(&mut rng, 8 * 60 + 30, 15 * 60 + 30, 3, 8),
                )
            } else if roll < 0.9 {
                (
                    rng.gen_range(0..5),
                    window(&mut rng, 18 * 60 + 30, 19 * 60 + 30, 3, 5),
                )
            } else {
                (rng.gen_range(0..5), window(&mut rng, 9 * 60, 10 * 60, 4, 6))
            };
            let start = (monday + day) * MINUTES_PER_DAY + i64::from(from);
            let roll: f64 = rng.gen();
            let skills = if roll < 0.65 {
                vec![]
            } else if roll < 0.95 {
                vec![SKILLS[rng.gen_range(0..5)].0.to_string()]
            } else {
                vec![
                    SKILLS[1].0.to_string(),
                    SKILLS[rng.gen_range(5..8)].0.to_string(),
                ]
            };
            Shift {
                start,
                end: start + i64::from(to - from),
                site: place(rng.gen_range(0..communities)),
                needed: *[4, 5, 6, 6, 8, 8, 10, 12, 15, 20]
                    .choose(&mut rng)
                    .unwrap_or(&8),
                skills,
                min_age: if rng.gen_bool(0.2) { 18 } else { 14 },
            }
        })
        .collect();

    Instance {
        volunteers,
        squads: squad_home.into_iter().map(place).collect(),
        shifts,
        ..Instance::default()
    }
}
