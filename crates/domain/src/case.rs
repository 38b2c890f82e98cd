//! Casework (个案) for minors at risk: intake with a guardian's consent, assessment with
//! a risk level, a plan, intervention sessions, review, closure.

use crate::error::{DomainError, DomainResult};
use crate::status_enum;

status_enum!(
    /// `intake → assessment → plan → intervention → review → closed`; a review may send
    /// the case back to intervention.
    CaseStatus { Intake => "intake", Assessment => "assessment", Plan => "plan", Intervention => "intervention", Review => "review", Closed => "closed" }
);

status_enum!(
    /// What a worker records; each record is a note of its kind.
    CaseAction { Assess => "assess", Plan => "plan", Session => "session", Review => "review", Close => "close" }
);

status_enum!(RiskLevel { Low => "low", Medium => "medium", High => "high", Critical => "critical" });

status_enum!(
    CaseCategory {
        Truancy => "truancy",
        Bullying => "bullying",
        Family => "family",
        Delinquency => "delinquency",
        Psychological => "psychological",
        LeftBehind => "left_behind",
        Other => "other",
    }
);

impl CaseStatus {
    pub fn apply(self, action: CaseAction) -> DomainResult<CaseStatus> {
        use CaseAction as A;
        use CaseStatus as S;
        match (self, action) {
            (S::Intake | S::Assessment, A::Assess) => Ok(S::Assessment),
            (S::Assessment | S::Plan, A::Plan) => Ok(S::Plan),
            (S::Plan | S::Intervention | S::Review, A::Session) => Ok(S::Intervention),
            (S::Intervention, A::Review) => Ok(S::Review),
            (S::Review, A::Close) => Ok(S::Closed),
            _ => Err(DomainError::InvalidTransition {
                entity: "case",
                from: self.as_str(),
                action: action.as_str(),
            }),
        }
    }
}

pub fn parse_category(text: &str) -> DomainResult<CaseCategory> {
    CaseCategory::parse(text)
        .ok_or_else(|| DomainError::invalid("category", "未知的个案类别 / Unknown case category"))
}

pub fn parse_risk(text: &str) -> DomainResult<RiskLevel> {
    RiskLevel::parse(text).ok_or_else(|| DomainError::invalid("risk_level", "风险等级应为 low、medium、high 或 critical / risk_level is low, medium, high or critical"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_transitions() {
        use CaseAction as A;
        use CaseStatus as S;
        let allowed = [
            (S::Intake, A::Assess, S::Assessment),
            (S::Assessment, A::Assess, S::Assessment),
            (S::Assessment, A::Plan, S::Plan),
            (S::Plan, A::Plan, S::Plan),
            (S::Plan, A::Session, S::Intervention),
            (S::Intervention, A::Session, S::Intervention),
            (S::Review, A::Session, S::Intervention),
            (S::Intervention, A::Review, S::Review),
            (S::Review, A::Close, S::Closed),
        ];
        crate::status::check_transitions(S::ALL, A::ALL, &allowed, S::apply);
    }

    #[test]
    fn categories_and_risks_parse() {
        assert_eq!(parse_category("bullying"), Ok(CaseCategory::Bullying));
        assert!(parse_category("x").is_err());
        assert_eq!(parse_risk("high"), Ok(RiskLevel::High));
        assert_eq!(
            parse_risk("extreme").unwrap_err().field(),
            Some("risk_level")
        );
    }
}
