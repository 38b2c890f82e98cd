//! Dispatch plans (派单方案): what the platform's records say about each order when the
//! orders ask for more sessions than are left — how many young people a session reaches,
//! how much each counts — and why a community got what it got. The plan itself is solved
//! by the planner crate.

use serde::Serialize;

use crate::region::YouthProfile;

/// How much one young person of a community counts: 1, plus the share of its young
/// people who are left-behind, in difficulty or migrant children (the groups overlap, so
/// the share is capped at 1), so from 1 to 2.
pub fn need_weight(profile: &YouthProfile) -> f64 {
    let youth = profile.heads_in(0, u32::MAX);
    if youth == 0 {
        return 1.0;
    }
    let in_need = u64::from(profile.left_behind)
        + u64::from(profile.in_difficulty)
        + u64::from(profile.migrant_children);
    1.0 + (in_need as f64 / f64::from(youth)).min(1.0)
}

/// Young people one session of an order reaches: those the community expects, no more
/// than a session holds, and no more than the community has of the item's ages when its
/// profile says (`of_age`).
pub fn youth_per_session(expected: u32, capacity: u32, of_age: Option<u32>) -> u32 {
    let most = expected.min(capacity);
    of_age.filter(|&n| n > 0).map_or(most, |n| most.min(n))
}

/// Why a community got what it got in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Share {
    /// Everything it asked for.
    All,
    /// Some: the sessions left went where they reach the most young people, weighted by
    /// need, with every community served before any is served in full.
    Part,
    /// Nothing, although some of what it asked for is sold: the sessions left reached more
    /// elsewhere, and no community got all it asked for either.
    Nothing,
    /// Nothing: no one has sessions left of what it asked for.
    SoldOut,
}

impl Share {
    pub fn of(asked: u32, got: u32, sellable: bool) -> Share {
        if got >= asked {
            Share::All
        } else if got > 0 {
            Share::Part
        } else if sellable {
            Share::Nothing
        } else {
            Share::SoldOut
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Share::All => "all",
            Share::Part => "part",
            Share::Nothing => "nothing",
            Share::SoldOut => "sold_out",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn need_counts_up_to_double() {
        let plain = YouthProfile::parse(25, 25, 25, 25, 0, 0, 0, &[]).unwrap();
        assert_eq!(need_weight(&plain), 1.0);
        // 10 left-behind, 5 in difficulty and 5 migrant of 100: 1.2.
        let some = YouthProfile::parse(25, 25, 25, 25, 5, 10, 5, &[]).unwrap();
        assert!((need_weight(&some) - 1.2).abs() < 1e-9);
        // Counted in more than one group, never past double.
        let all = YouthProfile::parse(10, 0, 0, 0, 10, 10, 10, &[]).unwrap();
        assert_eq!(need_weight(&all), 2.0);
        assert_eq!(need_weight(&YouthProfile::default()), 1.0);
    }

    #[test]
    fn a_session_reaches_the_fewest_of_expected_capacity_and_age() {
        assert_eq!(youth_per_session(40, 30, None), 30);
        assert_eq!(youth_per_session(20, 30, Some(12)), 12);
        // A profile without figures does not make a session reach no one.
        assert_eq!(youth_per_session(20, 30, Some(0)), 20);
    }

    #[test]
    fn a_share_says_why() {
        assert_eq!(Share::of(3, 3, true), Share::All);
        assert_eq!(Share::of(3, 1, true), Share::Part);
        assert_eq!(Share::of(3, 0, true), Share::Nothing);
        assert_eq!(Share::of(3, 0, false), Share::SoldOut);
    }
}
