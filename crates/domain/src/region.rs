//! Regions (行政区划), youth profiles, service areas, and how well a menu item fits a
//! community.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::parse::{in_range, text};
use crate::status_enum;

status_enum!(RegionKind { District => "district", Town => "town", Community => "community" });

/// A 12-digit statistical division code (统计用区划代码).
pub fn parse_division_code(code: &str) -> DomainResult<String> {
    if code.len() == 12 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_owned())
    } else {
        Err(DomainError::invalid(
            "code",
            "区划代码应为12位数字 / A division code has 12 digits",
        ))
    }
}

/// Youth head counts and needs of a community.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YouthProfile {
    pub age_6_8: u32,
    pub age_9_11: u32,
    pub age_12_14: u32,
    pub age_15_18: u32,
    pub migrant_children: u32,
    pub left_behind: u32,
    pub in_difficulty: u32,
    pub need_tags: Vec<String>,
}

const MAX_HEADS: i64 = 1_000_000;

impl YouthProfile {
    /// Builds a profile from raw numbers, each checked.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        age_6_8: i64,
        age_9_11: i64,
        age_12_14: i64,
        age_15_18: i64,
        migrant_children: i64,
        left_behind: i64,
        in_difficulty: i64,
        need_tags: &[String],
    ) -> DomainResult<Self> {
        if need_tags.len() > 20 {
            return Err(DomainError::invalid(
                "need_tags",
                "最多20个标签 / At most 20 tags",
            ));
        }
        let need_tags = need_tags
            .iter()
            .map(|t| text("need_tags", t, 20))
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Self {
            age_6_8: in_range("age_6_8", age_6_8, 0, MAX_HEADS)?,
            age_9_11: in_range("age_9_11", age_9_11, 0, MAX_HEADS)?,
            age_12_14: in_range("age_12_14", age_12_14, 0, MAX_HEADS)?,
            age_15_18: in_range("age_15_18", age_15_18, 0, MAX_HEADS)?,
            migrant_children: in_range("migrant_children", migrant_children, 0, MAX_HEADS)?,
            left_behind: in_range("left_behind", left_behind, 0, MAX_HEADS)?,
            in_difficulty: in_range("in_difficulty", in_difficulty, 0, MAX_HEADS)?,
            need_tags,
        })
    }

    /// About how many young people are `min_age..=max_age`: each band counted for the
    /// share of its years the range covers (a band's people spread evenly over its years),
    /// rounded to a whole person.
    pub fn heads_in(&self, min_age: u32, max_age: u32) -> u32 {
        let heads: f64 = [
            (6, 8, self.age_6_8),
            (9, 11, self.age_9_11),
            (12, 14, self.age_12_14),
            (15, 18, self.age_15_18),
        ]
        .iter()
        .map(|&(lo, hi, n)| {
            let covered = (hi.min(max_age) + 1).saturating_sub(lo.max(min_age));
            f64::from(n) * f64::from(covered) / f64::from(hi - lo + 1)
        })
        .sum();
        // At most the sum of four u32 counts, each bounded by the profile's own limit.
        heads.round() as u32
    }
}

/// The seeded service areas (服务领域): code, Chinese and English names.
pub const SERVICE_AREAS: [(&str, &str, &str); 7] = [
    ("legal_education", "法治教育", "Legal education"),
    ("psychological_support", "心理疏导", "Psychological support"),
    ("safety", "安全自护", "Safety and self-protection"),
    ("quality_development", "素质拓展", "Quality development"),
    ("volunteering", "志愿公益", "Volunteering"),
    ("family_education", "家庭教育", "Family education"),
    ("difficulty_help", "困境帮扶", "Help in difficulty"),
];

/// A service area's code from its code or its Chinese name, as clients send either.
pub fn parse_area(code: &str) -> DomainResult<&'static str> {
    let code = code.trim();
    SERVICE_AREAS
        .iter()
        .find(|(c, zh, _)| *c == code || *zh == code)
        .map(|(c, _, _)| *c)
        .ok_or_else(|| DomainError::invalid("area", "未知的服务领域 / Unknown service area"))
}

/// How well a menu item fits a community, in terms its officer can check against the
/// community's youth profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fit {
    /// The community's young people of the item's ages (by overlapping age bands).
    pub reach: u32,
    /// All the community's young people, 6 to 18.
    pub youth: u32,
    /// The item's service area is one of the community's needs.
    pub needed: bool,
}

impl Fit {
    /// The share of the community's young people the item is for, 0 to 1.
    pub fn share(self) -> f64 {
        if self.youth == 0 {
            0.0
        } else {
            f64::from(self.reach) / f64::from(self.youth)
        }
    }

    /// What ranks the menu: the share, counted double for a need (0 to 2).
    pub fn score(self) -> f64 {
        self.share() * if self.needed { 2.0 } else { 1.0 }
    }
}

/// How an item for `min_age..=max_age` in `area` fits `profile` (need tags name areas
/// by code or Chinese name).
pub fn fit(profile: &YouthProfile, min_age: u32, max_age: u32, area: &str) -> Fit {
    let needed = SERVICE_AREAS
        .iter()
        .filter(|(code, _, _)| *code == area)
        .any(|(code, zh, _)| profile.need_tags.iter().any(|t| t == code || t == zh));
    Fit {
        reach: profile.heads_in(min_age, max_age),
        youth: profile.heads_in(0, u32::MAX),
        needed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> YouthProfile {
        YouthProfile::parse(10, 20, 30, 40, 0, 0, 0, &["法治教育".to_owned()]).unwrap()
    }

    #[test]
    fn heads_by_overlapping_bands() {
        let p = profile();
        // 6–8: 10, 9–11: 20, 12–14: 30, 15–18: 40.
        assert_eq!(p.heads_in(6, 18), 100);
        assert_eq!(p.heads_in(15, 18), 40);
        assert_eq!(p.heads_in(0, 5), 0);
        // 8 is a third of 6–8, 12 a third of 12–14: 10/3 + 20 + 30/3.
        assert_eq!(p.heads_in(8, 12), 33);
        assert_eq!(p.heads_in(6, 12), 40);
    }

    #[test]
    fn fit_is_a_share_of_the_community_and_needs_count_double() {
        let p = profile();
        // 10 of the 100 young people are 6 to 8; 法治教育 is a need, 安全自护 is not.
        let needed = fit(&p, 6, 8, "legal_education");
        assert_eq!(
            needed,
            Fit {
                reach: 10,
                youth: 100,
                needed: true
            }
        );
        assert!((needed.share() - 0.1).abs() < 1e-9);
        assert!((needed.score() - 0.2).abs() < 1e-9);
        let plain = fit(&p, 6, 8, "safety");
        assert!((plain.score() - 0.1).abs() < 1e-9);
        // Everyone: the whole community, never more than all of it.
        let all = fit(&p, 0, 30, "safety");
        assert_eq!((all.reach, all.share()), (100, 1.0));
        // A community with no profile figures fits nothing, without dividing by zero.
        let empty = fit(&YouthProfile::default(), 6, 18, "safety");
        assert_eq!((empty.share(), empty.score()), (0.0, 0.0));
    }

    #[test]
    fn profile_and_codes_validate() {
        assert_eq!(
            YouthProfile::parse(-1, 0, 0, 0, 0, 0, 0, &[])
                .unwrap_err()
                .field(),
            Some("age_6_8")
        );
        assert!(parse_division_code("120113001001").is_ok());
        assert!(parse_division_code("12011300100").is_err());
        assert!(parse_area("safety").is_ok());
        assert!(parse_area("cooking").is_err());
    }
}
