//! A realistic, deterministic dispatch instance for benchmarks and tests: a district's
//! communities ordering sessions of the approved projects on the menu, asking for 1.5 to 2
//! times what is left, some projects already sold out. The same seed gives the same
//! instance.

use rand::distributions::{Distribution, WeightedIndex};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::dispatch::{Instance, Order, Project};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub orders: usize,
    pub projects: usize,
    pub communities: usize,
    pub seed: u64,
}

impl Default for Shape {
    fn default() -> Self {
        Self {
            orders: 5000,
            projects: 200,
            communities: 300,
            seed: 1,
        }
    }
}

/// The share of projects with no sessions left.
const SOLD_OUT: f64 = 0.08;

/// An instance of `shape`.
pub fn instance(shape: Shape) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(shape.seed);
    // What each project's provider can run in the period, and how much more or less it is
    // asked for than that: popular projects are asked for several times what they run.
    let capacity: Vec<f64> = (0..shape.projects)
        .map(|_| f64::from(rng.gen_range(4u32..=60)))
        .collect();
    let popularity: Vec<f64> = capacity
        .iter()
        .map(|c| c * rng.gen_range(0.4..2.5))
        .collect();
    let sold_out: Vec<bool> = (0..shape.projects)
        .map(|_| rng.gen_bool(SOLD_OUT))
        .collect();
    // Some communities order much more than others.
    let activity: Vec<f64> = (0..shape.communities)
        .map(|_| rng.gen_range(0.2f64..1.0).powi(-2))
        .collect();
    // Most communities' young people count 1; those with many left-behind, in-difficulty
    // or migrant children count up to 2 (to the hundredth, as the caller computes them).
    let need: Vec<f64> = (0..shape.communities)
        .map(|_| {
            let roll: f64 = rng.gen();
            let weight: f64 = if roll < 0.6 {
                1.0
            } else if roll < 0.85 {
                rng.gen_range(1.0..1.3)
            } else {
                rng.gen_range(1.3..=2.0)
            };
            (weight * 100.0).round() / 100.0
        })
        .collect();

    let (Ok(projects), Ok(communities)) = (
        WeightedIndex::new(&popularity),
        WeightedIndex::new(&activity),
    ) else {
        // No projects or no communities: nobody can order anything.
        return Instance {
            projects: sold_out
                .iter()
                .map(|_| Project { sessions_left: 0 })
                .collect(),
            communities: shape.communities,
            orders: Vec::new(),
        };
    };
    let orders: Vec<Order> = (0..shape.orders)
        .map(|_| {
            let community = communities.sample(&mut rng);
            Order {
                project: projects.sample(&mut rng),
                community,
                asked: *[1, 2, 2, 3, 3, 3, 4, 4, 5, 6]
                    .choose(&mut rng)
                    .unwrap_or(&3),
                youth_per_session: rng.gen_range(10..=40),
                need_weight: need[community],
            }
        })
        .collect();

    // Sessions left in proportion to what providers run, in all 1.5 to 2 times less than
    // the orders ask for.
    let asked: u32 = orders.iter().map(|o| o.asked).sum();
    let supply = f64::from(asked) / rng.gen_range(1.5..=2.0);
    let running: f64 = capacity
        .iter()
        .zip(&sold_out)
        .filter(|(_, &s)| !s)
        .map(|(c, _)| c)
        .sum();
    let projects = capacity
        .iter()
        .zip(&sold_out)
        .map(|(c, &s)| Project {
            sessions_left: if s {
                0
            } else {
                (c * supply / running).round().max(1.0) as u32
            },
        })
        .collect();
    Instance {
        projects,
        communities: shape.communities,
        orders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demand_exceeds_supply_and_the_seed_decides() {
        let instance = instance(Shape::default());
        assert_eq!(instance.orders.len(), 5000);
        let asked: u32 = instance.orders.iter().map(|o| o.asked).sum();
        let left: u32 = instance.projects.iter().map(|p| p.sessions_left).sum();
        let ratio = f64::from(asked) / f64::from(left);
        assert!((1.45..=2.05).contains(&ratio), "{ratio}");
        assert!(instance.projects.iter().any(|p| p.sessions_left == 0));
        assert!(instance
            .orders
            .iter()
            .all(|o| (1.0..=2.0).contains(&o.need_weight)
                && (1..=6).contains(&o.asked)
                && (10..=40).contains(&o.youth_per_session)));
        assert_eq!(instance, super::instance(Shape::default()));
        let other = super::instance(Shape {
            seed: 2,
            ..Shape::default()
        });
        assert_ne!(instance, other);
        let none = super::instance(Shape {
            projects: 0,
            ..Shape::default()
        });
        assert!(none.orders.is_empty());
    }
}
