//! Procurement rounds (项目征集) and the projects proposed in them.

use time::OffsetDateTime;

use crate::error::{DomainError, DomainResult};
use crate::parse::{within_reach, Fen};
use crate::status_enum;

status_enum!(
    /// `draft → open → reviewing → awarded → closed`
    RoundStatus { Draft => "draft", Open => "open", Reviewing => "reviewing", Awarded => "awarded", Closed => "closed" }
);

/// A round's dates: within reach of `now`, in order, and not closed already.
pub fn check_dates(
    opens_at: OffsetDateTime,
    closes_at: OffsetDateTime,
    now: OffsetDateTime,
) -> DomainResult<()> {
    within_reach("opens_at", opens_at, now)?;
    within_reach("closes_at", closes_at, now)?;
    if closes_at <= now {
        return Err(DomainError::invalid(
            "closes_at",
            "截止时间已过 / closes_at is already past",
        ));
    }
    if closes_at <= opens_at {
        return Err(DomainError::invalid(
            "closes_at",
            "截止须晚于开始 / closes_at must be after opens_at",
        ));
    }
    Ok(())
}

status_enum!(RoundAction { Open => "open", Review => "review", Award => "award", Close => "close" });

impl RoundAction {
    /// Ends the round for good: people are asked before they take it.
    pub fn irreversible(self) -> bool {
        self == RoundAction::Close
    }
}

impl RoundStatus {
    pub fn apply(self, action: RoundAction) -> DomainResult<RoundStatus> {
        use RoundAction as A;
        use RoundStatus as S;
        match (self, action) {
            (S::Draft, A::Open) => Ok(S::Open),
            (S::Open, A::Review) => Ok(S::Reviewing),
            (S::Reviewing, A::Award) => Ok(S::Awarded),
            (S::Awarded, A::Close) => Ok(S::Closed),
            _ => Err(DomainError::InvalidTransition {
                entity: "round",
                from: self.as_str(),
                action: action.as_str(),
            }),
        }
    }

    /// Organizations may propose only while the round is open.
    pub fn accepts_proposals(self) -> bool {
        self == RoundStatus::Open
    }

    /// The League approves or rejects proposals while the round is open or in review.
    pub fn accepts_decisions(self) -> bool {
        matches!(self, RoundStatus::Open | RoundStatus::Reviewing)
    }
}

status_enum!(
    /// `submitted → approved | rejected`
    ProjectStatus { Submitted => "submitted", Approved => "approved", Rejected => "rejected" }
);

status_enum!(ProjectAction { Approve => "approve", Reject => "reject" });

impl ProjectStatus {
    pub fn apply(self, action: ProjectAction) -> DomainResult<ProjectStatus> {
        match (self, action) {
            (ProjectStatus::Submitted, ProjectAction::Approve) => Ok(ProjectStatus::Approved),
            (ProjectStatus::Submitted, ProjectAction::Reject) => Ok(ProjectStatus::Rejected),
            _ => Err(DomainError::InvalidTransition {
                entity: "project",
                from: self.as_str(),
                action: action.as_str(),
            }),
        }
    }
}

/// The League decides on a proposal only while its round takes decisions.
pub fn decide(
    project: ProjectStatus,
    round: RoundStatus,
    action: ProjectAction,
) -> DomainResult<ProjectStatus> {
    if !round.accepts_decisions() {
        return Err(DomainError::InvalidTransition {
            entity: "round",
            from: round.as_str(),
            action: action.as_str(),
        });
    }
    project.apply(action)
}

/// What the League buys of an approved proposal, and what that leaves of the budget.
#[derive(Debug, Clone, Copy)]
pub struct Purchase {
    pub sessions_bought: u32,
    pub sessions_offered: u32,
    pub unit_price: Fen,
    pub budget: Fen,
    pub already_approved: Fen,
}

/// Approves a proposal: at most the sessions offered, within the round's budget.
pub fn approve(
    project: ProjectStatus,
    round: RoundStatus,
    purchase: Purchase,
) -> DomainResult<ProjectStatus> {
    let next = decide(project, round, ProjectAction::Approve)?;
    if purchase.sessions_bought > purchase.sessions_offered {
        return Err(DomainError::invalid(
            "sessions_bought",
            "购买场次不能超过提供场次 / Cannot buy more sessions than offered",
        ));
    }
    check_budget(
        purchase.budget,
        purchase.already_approved,
        purchase.unit_price.times(purchase.sessions_bought),
    )?;
    Ok(next)
}

/// Approving `cost` more must keep the round within its budget.
pub fn check_budget(budget: Fen, already_approved: Fen, cost: Fen) -> DomainResult<()> {
    if already_approved + cost > budget {
        Err(DomainError::OverBudget)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_dates_are_ahead_in_order_and_within_reach() {
        use time::macros::datetime;
        let now = datetime!(2026-12-01 0:00 UTC);
        let day = time::Duration::days(1);
        assert!(check_dates(now, now + day, now).is_ok());
        let field = |o, c| check_dates(o, c, now).unwrap_err().field();
        assert_eq!(field(now - day * 3, now - day), Some("closes_at"));
        assert_eq!(field(now + day, now), Some("closes_at"));
        assert_eq!(
            field(now, datetime!(9999-01-01 0:00 UTC)),
            Some("closes_at")
        );
        assert_eq!(
            field(datetime!(0000-01-01 0:00 UTC), now + day),
            Some("opens_at")
        );
    }

    #[test]
    fn round_transitions_allowed_and_refused() {
        use RoundAction as A;
        use RoundStatus as S;
        let allowed = [
            (S::Draft, A::Open, S::Open),
            (S::Open, A::Review, S::Reviewing),
            (S::Reviewing, A::Award, S::Awarded),
            (S::Awarded, A::Close, S::Closed),
        ];
        crate::status::check_transitions(S::ALL, A::ALL, &allowed, S::apply);
    }

    #[test]
    fn project_transitions() {
        use ProjectAction as A;
        use ProjectStatus as S;
        let allowed = [
            (S::Submitted, A::Approve, S::Approved),
            (S::Submitted, A::Reject, S::Rejected),
        ];
        crate::status::check_transitions(S::ALL, A::ALL, &allowed, S::apply);
    }

    #[test]
    fn decisions_need_a_round_that_takes_them_and_a_budget() {
        let f = |v| Fen::parse("x", v).unwrap();
        let buy = |n| Purchase {
            sessions_bought: n,
            sessions_offered: 3,
            unit_price: f(10),
            budget: f(50),
            already_approved: f(20),
        };
        assert_eq!(
            approve(ProjectStatus::Submitted, RoundStatus::Reviewing, buy(3)),
            Ok(ProjectStatus::Approved)
        );
        assert_eq!(
            approve(ProjectStatus::Submitted, RoundStatus::Open, buy(3)),
            Ok(ProjectStatus::Approved)
        );
        assert_eq!(
            approve(ProjectStatus::Submitted, RoundStatus::Awarded, buy(1))
                .unwrap_err()
                .code(),
            "invalid_transition"
        );
        assert_eq!(
            approve(ProjectStatus::Submitted, RoundStatus::Reviewing, buy(4))
                .unwrap_err()
                .field(),
            Some("sessions_bought")
        );
        let dear = Purchase {
            already_approved: f(21),
            ..buy(3)
        };
        assert_eq!(
            approve(ProjectStatus::Submitted, RoundStatus::Reviewing, dear),
            Err(DomainError::OverBudget)
        );
        assert_eq!(
            decide(
                ProjectStatus::Submitted,
                RoundStatus::Draft,
                ProjectAction::Reject
            )
            .unwrap_err()
            .code(),
            "invalid_transition"
        );
        assert_eq!(
            decide(
                ProjectStatus::Approved,
                RoundStatus::Open,
                ProjectAction::Reject
            )
            .unwrap_err()
            .code(),
            "invalid_transition"
        );
    }

    #[test]
    fn budget() {
        let f = |v| Fen::parse("x", v).unwrap();
        assert!(check_budget(f(100), f(60), f(40)).is_ok());
        assert_eq!(
            check_budget(f(100), f(60), f(41)),
            Err(DomainError::OverBudget)
        );
    }
}
