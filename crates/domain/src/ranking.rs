//! Buying the next round on the record: a round's proposals ranked by a transparent
//! score from the proposing organization's scorecard, its latest third-party grade and
//! how well the project fits the district's young people.

use serde::Serialize;

use crate::evaluation::Grade;
use crate::region::{fit, YouthProfile};

/// How much each part weighs, in points out of 100.
pub const RECORD_POINTS: f64 = 40.0;
pub const GRADE_POINTS: f64 = 30.0;
pub const FIT_POINTS: f64 = 30.0;

/// What an organization without a record or a grade is counted as, out of 100: the middle,
/// so that a newcomer is neither rewarded nor punished for having no history.
pub const NEUTRAL: f64 = 60.0;

pub const RULE_ZH: &str = "排序得分满分100分：机构近12个月的记分卡得分占40%（无交付记录的机构按60分计），最近一次第三方评估等级占30%（A=100、B=85、C=70、D=40，未评估按60分计），项目契合度占30%（项目年龄段覆盖全区青少年的比例，所在社区需求标签含该服务领域的青少年加倍计算，折算为0–100）。最近一次评估为D级的机构会被标出，供团区委审慎决定。";
pub const RULE_EN: &str = "The ranking score is out of 100: the organization's scorecard over the last 12 months weighs 40% (60 for an organization with nothing delivered yet), its latest third-party grade 30% (A = 100, B = 85, C = 70, D = 40; 60 when never evaluated) and the project's fit 30% (the share of the district's young people of the project's ages, those in communities whose needs name the project's service area counted twice, scaled to 0–100). An organization whose latest grade is D is flagged for the League to decide with care.";

/// A grade as points out of 100.
pub fn grade_points(grade: Grade) -> f64 {
    match grade {
        Grade::A => 100.0,
        Grade::B => 85.0,
        Grade::C => 70.0,
        Grade::D => 40.0,
    }
}

/// How a project for `min_age..=max_age` in `area` reaches the district's communities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reach {
    /// Young people of the project's ages in the district.
    pub youth_in_ages: u64,
    /// Of those, the ones in communities whose needs name the project's area.
    pub youth_in_need: u64,
    /// All the district's young people, 6 to 18.
    pub youth: u64,
    /// Communities whose needs name the project's area, of all communities.
    pub communities_in_need: u32,
    pub communities: u32,
}

impl Reach {
    /// 0–100: the share of the district's young people the project is for, those in
    /// need counted twice, halved so that a project for everyone, needed everywhere,
    /// scores 100.
    pub fn points(&self) -> f64 {
        if self.youth == 0 {
            0.0
        } else {
            50.0 * (self.youth_in_ages + self.youth_in_need) as f64 / self.youth as f64
        }
    }
}

/// Sums [`fit`] over the district's community profiles.
pub fn reach<'a>(
    profiles: impl IntoIterator<Item = &'a YouthProfile>,
    min_age: u32,
    max_age: u32,
    area: &str,
) -> Reach {
    let mut r = Reach {
        youth_in_ages: 0,
        youth_in_need: 0,
        youth: 0,
        communities_in_need: 0,
        communities: 0,
    };
    for profile in profiles {
        let f = fit(profile, min_age, max_age, area);
        r.communities += 1;
        r.youth += u64::from(f.youth);
        r.youth_in_ages += u64::from(f.reach);
        if f.needed {
            r.communities_in_need += 1;
            r.youth_in_need += u64::from(f.reach);
        }
    }
    r
}

/// What the ranking rests on for one proposal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    /// The organization's scorecard score (0–100), none without a record.
    pub record: Option<f64>,
    pub grade: Option<Grade>,
    pub reach: Reach,
}

/// A proposal's score and its parts, in points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ranked {
    pub score: f64,
    pub record_points: f64,
    pub grade_points: f64,
    pub fit_points: f64,
    /// The organization's latest grade is D.
    pub flagged: bool,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Scores a proposal by [`RULE_EN`]: each part out of 100, weighted 40/30/30.
pub fn rank(e: &Evidence) -> Ranked {
    let record = e.record.unwrap_or(NEUTRAL).clamp(0.0, 100.0);
    let grade = e.grade.map_or(NEUTRAL, grade_points);
    let fit = e.reach.points().clamp(0.0, 100.0);
    let parts = [
        RECORD_POINTS * record / 100.0,
        GRADE_POINTS * grade / 100.0,
        FIT_POINTS * fit / 100.0,
    ];
    Ranked {
        score: round2(parts.iter().sum()),
        record_points: round2(parts[0]),
        grade_points: round2(parts[1]),
        fit_points: round2(parts[2]),
        flagged: e.grade == Some(Grade::D),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(ages: [i64; 4], needs: &[&str]) -> YouthProfile {
        let needs: Vec<String> = needs.iter().map(|s| (*s).to_owned()).collect();
        YouthProfile::parse(ages[0], ages[1], ages[2], ages[3], 0, 0, 0, &needs).unwrap()
    }

    #[test]
    fn reach_sums_the_communities_and_counts_need_twice() {
        // 100 young people in each; 9–11 are 20 of them; only the first needs legal
        // education (by its Chinese name).
        let a = profile([10, 20, 30, 40], &["法治教育"]);
        let b = profile([10, 20, 30, 40], &["safety"]);
        let r = reach([&a, &b], 9, 11, "legal_education");
        assert_eq!(
            r,
            Reach {
                youth_in_ages: 40,
                youth_in_need: 20,
                youth: 200,
                communities_in_need: 1,
                communities: 2
            }
        );
        // (40 + 20) / 200 × 50 = 15.
        assert!((r.points() - 15.0).abs() < 1e-9);
        // Everyone, needed everywhere: the full 100.
        let all = reach([&a], 0, 30, "legal_education");
        assert!((all.points() - 100.0).abs() < 1e-9);
        // No profiles: nothing, without dividing by zero.
        assert_eq!(reach([], 6, 18, "safety").points(), 0.0);
    }

    #[test]
    fn the_score_weighs_record_grade_and_fit() {
        let reach = reach([&profile([10, 20, 30, 40], &["safety"])], 0, 30, "safety");
        let strong = rank(&Evidence {
            record: Some(90.0),
            grade: Some(Grade::A),
            reach,
        });
        // 40 × 0.9 + 30 × 1 + 30 × 1.
        assert_eq!(strong.score, 96.0);
        assert_eq!(
            (strong.record_points, strong.grade_points, strong.fit_points),
            (36.0, 30.0, 30.0)
        );
        assert!(!strong.flagged);

        // A newcomer: neutral record and grade.
        let new = rank(&Evidence {
            record: None,
            grade: None,
            reach,
        });
        assert_eq!(new.score, 24.0 + 18.0 + 30.0);

        // A D is flagged, and ranks below the newcomer with the same record.
        let weak = rank(&Evidence {
            record: Some(60.0),
            grade: Some(Grade::D),
            reach,
        });
        assert!(weak.flagged);
        assert_eq!(weak.score, 24.0 + 12.0 + 30.0);
        assert!(weak.score < new.score);
    }
}
