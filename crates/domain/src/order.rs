//! Orders (点单): a community orders sessions of a menu item; the League dispatches
//! (派单), the organization accepts (接单), delivers, the community confirms (验收) and
//! the League settles (结算).

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::error::{DomainError, DomainResult};
use crate::id::ProjectId;
use crate::parse::date_within_reach;
use crate::role::Role;
use crate::round::ProjectStatus;
use crate::status_enum;

status_enum!(
    OrderStatus {
        Submitted => "submitted",
        Dispatched => "dispatched",
        Rejected => "rejected",
        Accepted => "accepted",
        Declined => "declined",
        Scheduled => "scheduled",
        Delivered => "delivered",
        Confirmed => "confirmed",
        Settled => "settled",
        Cancelled => "cancelled",
    }
);

status_enum!(
    OrderAction {
        Dispatch => "dispatch",
        Reject => "reject",
        Accept => "accept",
        Decline => "decline",
        Schedule => "schedule",
        Deliver => "deliver",
        Confirm => "confirm",
        Settle => "settle",
        Cancel => "cancel",
    }
);

impl OrderStatus {
    pub fn apply(self, action: OrderAction) -> DomainResult<OrderStatus> {
        use OrderAction as A;
        use OrderStatus as S;
        match (self, action) {
            (S::Submitted, A::Dispatch) => Ok(S::Dispatched),
            (S::Submitted, A::Reject) => Ok(S::Rejected),
            (S::Dispatched, A::Accept) => Ok(S::Accepted),
            (S::Dispatched, A::Decline) => Ok(S::Declined),
            (S::Accepted, A::Schedule) => Ok(S::Scheduled),
            (S::Scheduled, A::Deliver) => Ok(S::Delivered),
            (S::Delivered, A::Confirm) => Ok(S::Confirmed),
            (S::Confirmed, A::Settle) => Ok(S::Settled),
            (S::Submitted | S::Dispatched | S::Accepted | S::Scheduled, A::Cancel) => {
                Ok(S::Cancelled)
            }
            _ => Err(DomainError::InvalidTransition {
                entity: "order",
                from: self.as_str(),
                action: action.as_str(),
            }),
        }
    }

    /// A step someone is expected to take by a deadline: the League's dispatch, the
    /// organization's answer.
    pub fn has_deadline(self) -> bool {
        matches!(self, OrderStatus::Submitted | OrderStatus::Dispatched)
    }

    /// A declined order sent by the League to another organization's menu item: it is
    /// dispatched again, to that organization.
    pub fn redispatch(self) -> DomainResult<OrderStatus> {
        match self {
            OrderStatus::Declined => Ok(OrderStatus::Dispatched),
            _ => Err(DomainError::InvalidTransition {
                entity: "order",
                from: self.as_str(),
                action: "redispatch",
            }),
        }
    }

    /// An order that holds sessions of its menu item: dispatched and not refused or
    /// withdrawn since. A submitted order is a request: communities may together ask
    /// for more than is left, and the League's dispatch (one by one, or by a dispatch
    /// plan) decides who gets them.
    pub fn holds_sessions(self) -> bool {
        !matches!(
            self,
            OrderStatus::Submitted
                | OrderStatus::Rejected
                | OrderStatus::Declined
                | OrderStatus::Cancelled
        )
    }

    /// An accepted order takes sessions: activities are scheduled and published for it.
    pub fn takes_sessions(self) -> bool {
        matches!(self, OrderStatus::Accepted | OrderStatus::Scheduled)
    }

    /// Its sessions took place: the ordering community may review it.
    pub fn was_delivered(self) -> bool {
        matches!(
            self,
            OrderStatus::Delivered | OrderStatus::Confirmed | OrderStatus::Settled
        )
    }

    /// The budget is committed from dispatch on, and released on decline or cancel.
    pub fn commits_budget(self) -> bool {
        self.holds_sessions()
    }
}

impl OrderAction {
    /// The roles that may take this action by hand; `schedule` and `deliver` follow
    /// from the order's activities and are taken by no one directly.
    pub fn allowed_roles(self) -> &'static [Role] {
        match self {
            OrderAction::Dispatch | OrderAction::Reject | OrderAction::Settle => {
                &[Role::LeagueAdmin]
            }
            OrderAction::Accept | OrderAction::Decline => &[Role::OrgAdmin, Role::OrgStaff],
            OrderAction::Cancel => &[Role::CommunityOfficer, Role::LeagueAdmin],
            OrderAction::Confirm => &[Role::CommunityOfficer],
            OrderAction::Schedule | OrderAction::Deliver => &[],
        }
    }

    /// Actions that must say why.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            OrderAction::Reject | OrderAction::Decline | OrderAction::Cancel
        )
    }
}

/// An order takes no more activities than the sessions it bought: `scheduled` counts its
/// activities that are not cancelled.
pub fn check_sessions(sessions: u32, scheduled: u32) -> DomainResult<()> {
    if scheduled >= sessions {
        Err(DomainError::SessionsUsed)
    } else {
        Ok(())
    }
}

/// An order's date window: in order, within reach, and not already over on `today`.
pub fn check_window(start: Date, end: Date, today: Date) -> DomainResult<()> {
    date_within_reach("window_start", start, today)?;
    date_within_reach("window_end", end, today)?;
    if end < start {
        return Err(DomainError::invalid(
            "window_end",
            "结束日期不能早于开始日期 / window_end must not be before window_start",
        ));
    }
    if end < today {
        return Err(DomainError::invalid(
            "window_end",
            "时间窗已过 / The window is already over",
        ));
    }
    Ok(())
}

/// How long each waiting step may take before the order is overdue, in hours: a
/// district setting (by default two days each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Deadlines {
    /// From submission to the League's dispatch (or rejection).
    pub dispatch_hours: u32,
    /// From dispatch to the organization's answer.
    pub accept_hours: u32,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            dispatch_hours: 48,
            accept_hours: 48,
        }
    }
}

impl Deadlines {
    /// At most 30 days a step.
    pub const MAX_HOURS: u32 = 720;

    /// Each deadline between an hour and [`Self::MAX_HOURS`], named at its field.
    pub fn check(self) -> DomainResult<Self> {
        for (field, hours) in [
            ("deadlines.dispatch_hours", self.dispatch_hours),
            ("deadlines.accept_hours", self.accept_hours),
        ] {
            if !(1..=Self::MAX_HOURS).contains(&hours) {
                return Err(DomainError::invalid(
                    field,
                    format!(
                        "应在1到{}小时之间 / Must be 1 to {} hours",
                        Self::MAX_HOURS,
                        Self::MAX_HOURS
                    ),
                ));
            }
        }
        Ok(self)
    }

    /// How long a step waiting in `status` may take, if someone is expected to act.
    pub fn allowed(&self, status: OrderStatus) -> Option<Duration> {
        let hours = match status {
            OrderStatus::Submitted => self.dispatch_hours,
            OrderStatus::Dispatched => self.accept_hours,
            _ => return None,
        };
        debug_assert!(status.has_deadline());
        Some(Duration::hours(hours.into()))
    }

    /// When the step waiting in `status` is due, if someone is expected to act.
    pub fn due_at(
        &self,
        status: OrderStatus,
        entered_at: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        self.allowed(status).map(|d| entered_at + d)
    }

    pub fn is_overdue(
        &self,
        status: OrderStatus,
        entered_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> bool {
        self.due_at(status, entered_at).is_some_and(|due| now > due)
    }
}

/// Whether a menu item may take a declined order: another approved item (not the one
/// declined) of the same service area, with the sessions the order needs left.
pub fn takes_declined(
    declined: (&ProjectId, &str),
    candidate: (&ProjectId, &str, ProjectStatus),
    sessions_left: u32,
    sessions: u32,
) -> bool {
    let (declined_id, declined_area) = declined;
    let (id, area, status) = candidate;
    status == ProjectStatus::Approved
        && id != declined_id
        && area == declined_area
        && sessions_left >= sessions
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn what_a_page_offers_follows_the_state_machine() {
        use OrderAction as A;
        let steps = |s| crate::allowed(s, OrderAction::ALL, OrderStatus::apply);
        assert_eq!(
            steps(OrderStatus::Submitted),
            vec![A::Dispatch, A::Reject, A::Cancel]
        );
        assert_eq!(steps(OrderStatus::Delivered), vec![A::Confirm]);
        assert!(steps(OrderStatus::Settled).is_empty());
        let takes: Vec<_> = OrderStatus::ALL
            .iter()
            .filter(|s| s.takes_sessions())
            .collect();
        assert_eq!(takes, [&OrderStatus::Accepted, &OrderStatus::Scheduled]);
        let delivered: Vec<_> = OrderStatus::ALL
            .iter()
            .filter(|s| s.was_delivered())
            .collect();
        assert_eq!(
            delivered,
            [
                &OrderStatus::Delivered,
                &OrderStatus::Confirmed,
                &OrderStatus::Settled
            ]
        );
    }

    #[test]
    fn every_order_transition_allowed_or_refused() {
        use OrderAction as A;
        use OrderStatus as S;
        let allowed = [
            (S::Submitted, A::Dispatch, S::Dispatched),
            (S::Submitted, A::Reject, S::Rejected),
            (S::Dispatched, A::Accept, S::Accepted),
            (S::Dispatched, A::Decline, S::Declined),
            (S::Accepted, A::Schedule, S::Scheduled),
            (S::Scheduled, A::Deliver, S::Delivered),
            (S::Delivered, A::Confirm, S::Confirmed),
            (S::Confirmed, A::Settle, S::Settled),
            (S::Submitted, A::Cancel, S::Cancelled),
            (S::Dispatched, A::Cancel, S::Cancelled),
            (S::Accepted, A::Cancel, S::Cancelled),
            (S::Scheduled, A::Cancel, S::Cancelled),
        ];
        crate::status::check_transitions(S::ALL, A::ALL, &allowed, S::apply);
    }

    #[test]
    fn budget_and_sessions_follow_the_state() {
        // A submission asks; dispatch takes the sessions and commits the budget.
        assert!(!OrderStatus::Submitted.holds_sessions());
        assert!(!OrderStatus::Submitted.commits_budget());
        assert!(OrderStatus::Dispatched.commits_budget());
        assert!(!OrderStatus::Declined.commits_budget());
        assert!(!OrderStatus::Cancelled.holds_sessions());
    }

    #[test]
    fn an_order_takes_its_sessions_and_no_more() {
        assert!(check_sessions(2, 0).is_ok());
        assert!(check_sessions(2, 1).is_ok());
        assert_eq!(check_sessions(2, 2), Err(DomainError::SessionsUsed));
        assert_eq!(check_sessions(2, 3), Err(DomainError::SessionsUsed));
    }

    #[test]
    fn windows_are_ahead_and_in_reach() {
        use time::macros::date;
        let today = date!(2026 - 12 - 01);
        assert!(check_window(today, date!(2026 - 12 - 31), today).is_ok());
        assert!(check_window(date!(2026 - 11 - 20), today, today).is_ok());
        let field = |s, e| check_window(s, e, today).unwrap_err().field();
        assert_eq!(
            field(date!(2026 - 11 - 01), date!(2026 - 11 - 30)),
            Some("window_end")
        );
        assert_eq!(field(today, date!(2026 - 11 - 30)), Some("window_end"));
        assert_eq!(field(date!(0001 - 01 - 01), today), Some("window_start"));
        assert_eq!(field(today, date!(9999 - 12 - 31)), Some("window_end"));
    }

    #[test]
    fn a_declined_order_goes_to_another_approved_item_of_its_area() {
        let (declined, other) = (ProjectId::from("p1"), ProjectId::from("p2"));
        let fits = |id, area, status, left| {
            takes_declined((&declined, "safety"), (id, area, status), left, 2)
        };
        assert!(fits(&other, "safety", ProjectStatus::Approved, 2));
        assert!(
            !fits(&declined, "safety", ProjectStatus::Approved, 9),
            "not the one declined"
        );
        assert!(
            !fits(&other, "volunteering", ProjectStatus::Approved, 9),
            "same area only"
        );
        assert!(
            !fits(&other, "safety", ProjectStatus::Submitted, 9),
            "approved only"
        );
        assert!(
            !fits(&other, "safety", ProjectStatus::Approved, 1),
            "with the sessions needed"
        );
    }

    #[test]
    fn only_a_declined_order_is_redispatched() {
        assert_eq!(
            OrderStatus::Declined.redispatch(),
            Ok(OrderStatus::Dispatched)
        );
        for status in OrderStatus::ALL
            .iter()
            .filter(|s| **s != OrderStatus::Declined)
        {
            assert!(status.redispatch().is_err(), "{status}");
        }
    }

    #[test]
    fn deadlines_flag_overdue_orders() {
        let d = Deadlines::default();
        let t = datetime!(2026-03-01 08:00 UTC);
        assert_eq!(
            d.due_at(OrderStatus::Submitted, t),
            Some(datetime!(2026-03-03 08:00 UTC))
        );
        assert!(!d.is_overdue(OrderStatus::Submitted, t, datetime!(2026-03-03 08:00 UTC)));
        assert!(d.is_overdue(OrderStatus::Dispatched, t, datetime!(2026-03-03 08:01 UTC)));
        assert!(!d.is_overdue(OrderStatus::Accepted, t, datetime!(2027-01-01 0:00 UTC)));
        // A district's own: a day to dispatch.
        let quick = Deadlines {
            dispatch_hours: 24,
            ..d
        };
        assert!(quick.is_overdue(OrderStatus::Submitted, t, datetime!(2026-03-02 08:01 UTC)));
        assert_eq!(quick.check(), Ok(quick));
        let never = Deadlines {
            accept_hours: 0,
            ..d
        };
        assert_eq!(
            never.check().unwrap_err().field(),
            Some("deadlines.accept_hours")
        );
        let month = Deadlines {
            dispatch_hours: 721,
            ..d
        };
        assert_eq!(
            month.check().unwrap_err().field(),
            Some("deadlines.dispatch_hours")
        );
    }
}
