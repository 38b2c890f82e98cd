//! Third-party evaluation (第三方评估): an evaluator scores an organization for a round
//! on five weighted indicators, in the spirit of MZ/T 059-2014 (社会组织评估): a total
//! out of 100 and a grade A–D. The weights are a district setting.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::parse::in_range;
use crate::status_enum;

status_enum!(
    /// The grade a total earns: A from 90, B from 75, C from 60, D below.
    Grade { A => "A", B => "B", C => "C", D => "D" }
);

impl Grade {
    pub fn of(total: f64) -> Grade {
        if total >= 90.0 {
            Grade::A
        } else if total >= 75.0 {
            Grade::B
        } else if total >= 60.0 {
            Grade::C
        } else {
            Grade::D
        }
    }
}

/// The five indicators, each 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicators {
    pub management: u32,
    pub professional_service: u32,
    pub outcomes: u32,
    pub finance: u32,
    pub satisfaction: u32,
}

impl Indicators {
    /// Each indicator within 0–100, named at its field (`indicators.finance`).
    pub fn parse(values: [i64; 5]) -> DomainResult<Self> {
        let [management, professional_service, outcomes, finance, satisfaction] = values;
        Ok(Self {
            management: in_range("indicators.management", management, 0, 100)?,
            professional_service: in_range(
                "indicators.professional_service",
                professional_service,
                0,
                100,
            )?,
            outcomes: in_range("indicators.outcomes", outcomes, 0, 100)?,
            finance: in_range("indicators.finance", finance, 0, 100)?,
            satisfaction: in_range("indicators.satisfaction", satisfaction, 0, 100)?,
        })
    }

    fn values(self) -> [u32; 5] {
        [
            self.management,
            self.professional_service,
            self.outcomes,
            self.finance,
            self.satisfaction,
        ]
    }
}

/// How much each indicator weighs, in percent; they add up to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub management: u32,
    pub professional_service: u32,
    pub outcomes: u32,
    pub finance: u32,
    pub satisfaction: u32,
}

impl Default for Weights {
    /// Professional service and its outcomes weigh most, as the standard's service
    /// indicators do for a service organization.
    fn default() -> Self {
        Self {
            management: 20,
            professional_service: 30,
            outcomes: 25,
            finance: 15,
            satisfaction: 10,
        }
    }
}

impl Weights {
    fn values(self) -> [u32; 5] {
        [
            self.management,
            self.professional_service,
            self.outcomes,
            self.finance,
            self.satisfaction,
        ]
    }

    pub fn check(self) -> DomainResult<Self> {
        let sum: u32 = self.values().iter().sum();
        if sum != 100 {
            return Err(DomainError::invalid(
                "evaluation_weights",
                format!(
                    "各项权重之和应为100，现为{sum} / The weights must add up to 100, not {sum}"
                ),
            ));
        }
        Ok(self)
    }

    /// The weighted total out of 100, to one decimal.
    pub fn total(self, indicators: Indicators) -> f64 {
        let sum: u32 = self
            .values()
            .iter()
            .zip(indicators.values())
            .map(|(w, v)| w * v)
            .sum();
        (f64::from(sum) / 10.0).round() / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_weighs_each_indicator_and_earns_a_grade() {
        let w = Weights::default();
        let all = |v| Indicators::parse([v; 5]).unwrap();
        assert_eq!(w.total(all(100)), 100.0);
        assert_eq!(w.total(all(0)), 0.0);
        // 20·80 + 30·90 + 25·85 + 15·70 + 10·95 = 8425 → 84.3 (84.25 rounds half up)
        let mixed = Indicators::parse([80, 90, 85, 70, 95]).unwrap();
        assert_eq!(w.total(mixed), 84.3);
        assert_eq!(Grade::of(w.total(mixed)), Grade::B);
        assert_eq!(Grade::of(90.0), Grade::A);
        assert_eq!(Grade::of(89.9), Grade::B);
        assert_eq!(Grade::of(75.0), Grade::B);
        assert_eq!(Grade::of(60.0), Grade::C);
        assert_eq!(Grade::of(59.9), Grade::D);
    }

    #[test]
    fn indicators_and_weights_are_checked_at_their_fields() {
        let e = Indicators::parse([80, 90, 101, 70, 95]).unwrap_err();
        assert_eq!(e.field(), Some("indicators.outcomes"));
        let e = Indicators::parse([-1, 90, 100, 70, 95]).unwrap_err();
        assert_eq!(e.field(), Some("indicators.management"));
        assert!(Weights::default().check().is_ok());
        let off = Weights {
            finance: 20,
            ..Weights::default()
        };
        assert_eq!(off.check().unwrap_err().field(), Some("evaluation_weights"));
        let heavy = Weights {
            management: 0,
            professional_service: 100,
            outcomes: 0,
            finance: 0,
            satisfaction: 0,
        };
        assert_eq!(
            heavy
                .check()
                .unwrap()
                .total(Indicators::parse([0, 70, 0, 0, 0]).unwrap()),
            70.0
        );
    }
}
