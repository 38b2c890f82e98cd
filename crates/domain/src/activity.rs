//! Activities (活动场次) and registrations (报名): capacity, waitlist, windows, ages.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::error::{DomainError, DomainResult};
use crate::id::OrganizationId;
use crate::parse::{age_on, within_reach};
use crate::status_enum;

status_enum!(
    /// `draft → published → closed → finished | cancelled`
    ActivityStatus { Draft => "draft", Published => "published", Closed => "closed", Finished => "finished", Cancelled => "cancelled" }
);

status_enum!(ActivityAction { Publish => "publish", Close => "close", Finish => "finish", Cancel => "cancel" });

impl ActivityAction {
    /// Ends the activity for good: people are asked before they take it.
    pub fn irreversible(self) -> bool {
        matches!(self, ActivityAction::Finish | ActivityAction::Cancel)
    }
}

impl ActivityStatus {
    pub fn apply(self, action: ActivityAction) -> DomainResult<ActivityStatus> {
        use ActivityAction as A;
        use ActivityStatus as S;
        match (self, action) {
            (S::Draft, A::Publish) => Ok(S::Published),
            (S::Published, A::Close) => Ok(S::Closed),
            (S::Published | S::Closed, A::Finish) => Ok(S::Finished),
            (S::Draft | S::Published | S::Closed, A::Cancel) => Ok(S::Cancelled),
            _ => Err(DomainError::InvalidTransition {
                entity: "activity",
                from: self.as_str(),
                action: action.as_str(),
            }),
        }
    }

    /// Whether the public sees it.
    pub fn is_public(self) -> bool {
        !matches!(self, ActivityStatus::Draft)
    }

    /// Whether it uses one of its order's sessions: all but a cancelled one.
    pub fn uses_a_session(self) -> bool {
        self != ActivityStatus::Cancelled
    }

    /// Anyone sees an activity once it is published; a draft only its organization.
    pub fn visible_to(
        self,
        organization_id: &OrganizationId,
        viewer_orgs: &[OrganizationId],
    ) -> bool {
        self != ActivityStatus::Draft || viewer_orgs.contains(organization_id)
    }
}

status_enum!(
    RegistrationStatus { Confirmed => "confirmed", Waitlisted => "waitlisted", Cancelled => "cancelled", Attended => "attended", NoShow => "no_show" }
);

status_enum!(RegistrationAction { Cancel => "cancel", Promote => "promote", Attend => "attend", MarkNoShow => "no_show" });

impl RegistrationStatus {
    pub fn apply(self, action: RegistrationAction) -> DomainResult<RegistrationStatus> {
        use RegistrationAction as A;
        use RegistrationStatus as S;
        match (self, action) {
            (S::Confirmed | S::Waitlisted, A::Cancel) => Ok(S::Cancelled),
            (S::Waitlisted, A::Promote) => Ok(S::Confirmed),
            (S::Confirmed, A::Attend) => Ok(S::Attended),
            (S::Confirmed, A::MarkNoShow) => Ok(S::NoShow),
            _ => Err(DomainError::InvalidTransition {
                entity: "registration",
                from: self.as_str(),
                action: action.as_str(),
            }),
        }
    }

    /// Whether the registration may take `action` now.
    pub fn allows(self, action: RegistrationAction) -> bool {
        self.apply(action).is_ok()
    }

    /// The statuses a registration can still be cancelled from (a seat or a place in
    /// line that ends when consent does).
    pub fn cancellable() -> impl Iterator<Item = RegistrationStatus> {
        Self::ALL
            .iter()
            .copied()
            .filter(|s| s.allows(RegistrationAction::Cancel))
    }

    /// Holds one of the activity's seats: confirmed, or there.
    pub fn holds_seat(self) -> bool {
        matches!(
            self,
            RegistrationStatus::Confirmed | RegistrationStatus::Attended
        )
    }

    /// Waits in line for a seat.
    pub fn waits(self) -> bool {
        self == RegistrationStatus::Waitlisted
    }

    /// A live registration holds a seat or a place in line: one per person and activity.
    pub fn is_live(self) -> bool {
        self.holds_seat() || self.waits()
    }

    /// The statuses that hold a seat, for queries.
    pub fn seated() -> impl Iterator<Item = RegistrationStatus> {
        Self::ALL.iter().copied().filter(|s| s.holds_seat())
    }

    /// The statuses of a live registration, for queries.
    pub fn live() -> impl Iterator<Item = RegistrationStatus> {
        Self::ALL.iter().copied().filter(|s| s.is_live())
    }
}

/// Whether an organization sees a participant's name: a youth who signed up themselves,
/// always; a child, only while a guardian's consent is live (withdrawing it stops the
/// processing of the child's data, the name included).
pub fn name_shown(is_child: bool, consent_live: bool) -> bool {
    !is_child || consent_live
}

/// What an activity looks like to the admission rule.
#[derive(Debug, Clone, Copy)]
pub struct Seats {
    pub capacity: u32,
    pub waitlist_capacity: u32,
    pub confirmed: u32,
    pub waitlisted: u32,
}

/// What a family can do about an activity at a moment, as its pages say it: the same
/// order of checks as [`admit`], so that what a page offers is what registering gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Registration opens later.
    NotYetOpen,
    Open {
        seats_left: u32,
    },
    /// Every seat is taken: a new registration joins the line behind `waiting` others.
    Waitlist {
        waiting: u32,
        room: u32,
    },
    /// Every seat and every place in line is taken.
    Full,
    /// Registration has closed; the activity is still to take place.
    Closed,
    Finished,
    Cancelled,
}

impl Availability {
    pub fn of(
        status: ActivityStatus,
        seats: Seats,
        opens_at: OffsetDateTime,
        closes_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Self {
        match status {
            ActivityStatus::Cancelled => return Availability::Cancelled,
            ActivityStatus::Finished => return Availability::Finished,
            ActivityStatus::Draft => return Availability::NotYetOpen,
            ActivityStatus::Closed => return Availability::Closed,
            ActivityStatus::Published => {}
        }
        if now < opens_at {
            Availability::NotYetOpen
        } else if now > closes_at {
            Availability::Closed
        } else if seats.confirmed < seats.capacity {
            Availability::Open {
                seats_left: seats.capacity - seats.confirmed,
            }
        } else if seats.waitlisted < seats.waitlist_capacity {
            Availability::Waitlist {
                waiting: seats.waitlisted,
                room: seats.waitlist_capacity - seats.waitlisted,
            }
        } else {
            Availability::Full
        }
    }

    /// Whether registering now can succeed (as a seat or a place in line).
    pub fn takes_registrations(self) -> bool {
        matches!(
            self,
            Availability::Open { .. } | Availability::Waitlist { .. }
        )
    }

    /// The name of the state in the pages' texts: `open`, `waitlist`, `full`, ….
    pub fn key(self) -> &'static str {
        match self {
            Availability::NotYetOpen => "not-yet-open",
            Availability::Open { .. } => "open",
            Availability::Waitlist { .. } => "waitlist",
            Availability::Full => "full",
            Availability::Closed => "closed",
            Availability::Finished => "finished",
            Availability::Cancelled => "cancelled",
        }
    }
}

/// Where a new registration lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Confirmed,
    /// 1-based place in the waitlist.
    Waitlisted {
        position: u32,
    },
}

impl Admission {
    pub fn status(self) -> RegistrationStatus {
        match self {
            Admission::Confirmed => RegistrationStatus::Confirmed,
            Admission::Waitlisted { .. } => RegistrationStatus::Waitlisted,
        }
    }
}

/// Everything the admission rule needs to know about one attempt.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    pub status: ActivityStatus,
    pub opens_at: OffsetDateTime,
    pub closes_at: OffsetDateTime,
    pub now: OffsetDateTime,
    pub min_age: u32,
    pub max_age: u32,
    pub birth_date: Date,
    pub starts_on: Date,
    pub already_registered: bool,
    /// A guardian's consent is on record and not withdrawn.
    pub has_consent: bool,
}

/// Under this age a child's data needs a guardian's consent (PIPL art. 28 and 31).
pub const CONSENT_AGE: i32 = 14;

/// Whether someone born on `birth` needs a guardian's consent on `today`.
pub fn needs_consent(birth: Date, today: Date) -> bool {
    age_on(birth, today) < CONSENT_AGE
}

/// Decides whether and where a participant is admitted. Pure: the store supplies the
/// counts read inside its transaction and writes the answer.
pub fn admit(attempt: &Attempt, seats: Seats) -> DomainResult<Admission> {
    if attempt.status != ActivityStatus::Published
        || attempt.now < attempt.opens_at
        || attempt.now > attempt.closes_at
    {
        return Err(DomainError::RegistrationClosed);
    }
    let age = i64::from(age_on(attempt.birth_date, attempt.starts_on));
    if age < i64::from(attempt.min_age) || age > i64::from(attempt.max_age) {
        return Err(DomainError::Age);
    }
    if needs_consent(attempt.birth_date, attempt.now.date()) && !attempt.has_consent {
        return Err(DomainError::ConsentRequired);
    }
    if attempt.already_registered {
        return Err(DomainError::AlreadyRegistered);
    }
    if seats.confirmed < seats.capacity {
        Ok(Admission::Confirmed)
    } else if seats.waitlisted < seats.waitlist_capacity {
        Ok(Admission::Waitlisted {
            position: seats.waitlisted + 1,
        })
    } else {
        Err(DomainError::Full)
    }
}

/// The longest one session may run (a summer camp is a month at most).
pub const LONGEST: Duration = Duration::days(31);

/// Validates the times of a new activity: in order, within reach of `now`, not over
/// already, and no longer than [`LONGEST`].
pub fn check_schedule(
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    opens_at: OffsetDateTime,
    closes_at: OffsetDateTime,
    now: OffsetDateTime,
) -> DomainResult<()> {
    within_reach("starts_at", starts_at, now)?;
    within_reach("ends_at", ends_at, now)?;
    within_reach("registration_opens_at", opens_at, now)?;
    within_reach("registration_closes_at", closes_at, now)?;
    if ends_at <= now {
        return Err(DomainError::invalid(
            "ends_at",
            "活动结束时间已过 / The activity would be over already",
        ));
    }
    if ends_at - starts_at > LONGEST {
        return Err(DomainError::invalid(
            "ends_at",
            "一场活动最长31天 / One session runs 31 days at most",
        ));
    }
    if ends_at <= starts_at {
        return Err(DomainError::invalid(
            "ends_at",
            "结束时间须晚于开始时间 / ends_at must be after starts_at",
        ));
    }
    if closes_at <= opens_at {
        return Err(DomainError::invalid(
            "registration_closes_at",
            "报名截止须晚于报名开始 / registration_closes_at must be after registration_opens_at",
        ));
    }
    if closes_at > ends_at {
        return Err(DomainError::invalid(
            "registration_closes_at",
            "报名须在活动结束前截止 / Registration must close before the activity ends",
        ));
    }
    Ok(())
}

/// When people may check in around an activity's time: a district setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckinWindow {
    /// Check-in opens this many minutes before the start.
    pub opens_minutes_before: u32,
    /// And stays open this many minutes after the end.
    pub closes_minutes_after: u32,
}

impl Default for CheckinWindow {
    fn default() -> Self {
        Self {
            opens_minutes_before: 30,
            closes_minutes_after: 0,
        }
    }
}

impl CheckinWindow {
    /// The most either side may be set to: a day.
    pub const MAX_MINUTES: u32 = 24 * 60;

    /// Attendance is recorded only around the activity's own time: a code seen early, or
    /// a hand check-in weeks ahead, records nothing.
    pub fn check(
        &self,
        starts_at: OffsetDateTime,
        ends_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> DomainResult<()> {
        let opens = starts_at - Duration::minutes(i64::from(self.opens_minutes_before));
        if now < opens {
            Err(DomainError::CheckinNotOpen {
                minutes_before: self.opens_minutes_before,
                opens,
            })
        } else if now > ends_at + Duration::minutes(i64::from(self.closes_minutes_after)) {
            Err(DomainError::CheckinClosed)
        } else {
            Ok(())
        }
    }
}

/// What a check-in is weighed against, read inside its transaction.
#[derive(Debug, Clone, Copy)]
pub struct Attendance {
    pub status: ActivityStatus,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub window: CheckinWindow,
    pub birth_date: Date,
    /// A guardian's consent is on record and not withdrawn.
    pub has_consent: bool,
    pub now: OffsetDateTime,
}

/// Whether attendance may be recorded now: the activity runs, the window is open, and a
/// child under 14 still has a guardian's live consent (withdrawal stops processing).
pub fn check_attendance(a: &Attendance) -> DomainResult<()> {
    if !matches!(a.status, ActivityStatus::Published | ActivityStatus::Closed) {
        return Err(DomainError::InvalidTransition {
            entity: "activity",
            from: a.status.as_str(),
            action: "checkin",
        });
    }
    a.window.check(a.starts_at, a.ends_at, a.now)?;
    if needs_consent(a.birth_date, crate::parse::local_date(a.now)) && !a.has_consent {
        return Err(DomainError::ConsentRequired);
    }
    Ok(())
}

/// The clock's part in an activity's steps: it is published only before it ends and
/// finished only after, so nothing is delivered (and paid for) before it took place.
pub fn check_step_time(
    action: ActivityAction,
    ends_at: OffsetDateTime,
    now: OffsetDateTime,
) -> DomainResult<()> {
    match action {
        ActivityAction::Finish if now < ends_at => Err(DomainError::NotEnded),
        ActivityAction::Publish if now >= ends_at => Err(DomainError::AlreadyEnded),
        _ => Ok(()),
    }
}

/// Validates an age range.
pub fn check_ages(min_age: u32, max_age: u32) -> DomainResult<()> {
    if min_age > max_age {
        Err(DomainError::invalid(
            "max_age",
            "最大年龄不能小于最小年龄 / max_age must not be below min_age",
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seat_or_a_place_in_line_is_live_and_nothing_else() {
        for s in RegistrationStatus::ALL.iter().copied() {
            assert!(!(s.holds_seat() && s.waits()), "{s} both holds and waits");
            assert_eq!(s.is_live(), s.holds_seat() || s.waits());
        }
        let seated: Vec<_> = RegistrationStatus::seated().collect();
        assert_eq!(
            seated,
            [RegistrationStatus::Confirmed, RegistrationStatus::Attended]
        );
        // What ends with consent is what still holds or waits for a seat to come.
        assert!(RegistrationStatus::cancellable().all(|s| s.is_live()));
    }

    #[test]
    fn availability_says_what_registering_would_give() {
        let t = datetime!(2026-12-01 10:00 UTC);
        let (opens, closes) = (t - Duration::days(1), t + Duration::days(1));
        let seats = |confirmed, waitlisted| Seats {
            capacity: 12,
            waitlist_capacity: 4,
            confirmed,
            waitlisted,
        };
        let at = |status, s, now| Availability::of(status, s, opens, closes, now);
        let open = ActivityStatus::Published;
        assert_eq!(
            at(open, seats(9, 0), t),
            Availability::Open { seats_left: 3 }
        );
        assert_eq!(
            at(open, seats(12, 1), t),
            Availability::Waitlist {
                waiting: 1,
                room: 3
            }
        );
        assert_eq!(at(open, seats(12, 4), t), Availability::Full);
        assert_eq!(
            at(open, seats(0, 0), opens - Duration::hours(1)),
            Availability::NotYetOpen
        );
        assert_eq!(
            at(open, seats(0, 0), closes + Duration::hours(1)),
            Availability::Closed
        );
        assert_eq!(
            at(ActivityStatus::Finished, seats(3, 0), t),
            Availability::Finished
        );
        assert_eq!(
            at(ActivityStatus::Cancelled, seats(3, 0), t),
            Availability::Cancelled
        );
        // What a page offers is what admission gives.
        for (confirmed, waitlisted) in [(0, 0), (11, 0), (12, 0), (12, 3), (12, 4)] {
            let a = at(open, seats(confirmed, waitlisted), t);
            let attempt = Attempt {
                status: open,
                opens_at: opens,
                closes_at: closes,
                now: t,
                starts_on: t.date(),
                birth_date: t.date() - Duration::days(10 * 366),
                min_age: 6,
                max_age: 12,
                has_consent: true,
                already_registered: false,
            };
            let admitted = admit(&attempt, seats(confirmed, waitlisted));
            assert_eq!(a.takes_registrations(), admitted.is_ok(), "{a:?}");
            assert_eq!(
                matches!(a, Availability::Waitlist { .. }),
                matches!(admitted, Ok(Admission::Waitlisted { .. })),
            );
        }
    }

    #[test]
    fn drafts_are_their_organizations_and_names_need_consent() {
        let (o1, o2) = (OrganizationId::from("o1"), OrganizationId::from("o2"));
        let mine = [o1.clone()];
        assert!(ActivityStatus::Draft.visible_to(&o1, &mine));
        assert!(!ActivityStatus::Draft.visible_to(&o2, &mine));
        assert!(ActivityStatus::Published.visible_to(&o2, &[]));
        assert!(name_shown(false, false), "a youth who signed up is named");
        assert!(name_shown(true, true));
        assert!(!name_shown(true, false), "no consent, no name");
    }
    use time::macros::{date, datetime};

    #[test]
    fn activity_transitions() {
        use ActivityAction as A;
        use ActivityStatus as S;
        let allowed = [
            (S::Draft, A::Publish, S::Published),
            (S::Published, A::Close, S::Closed),
            (S::Published, A::Finish, S::Finished),
            (S::Closed, A::Finish, S::Finished),
            (S::Draft, A::Cancel, S::Cancelled),
            (S::Published, A::Cancel, S::Cancelled),
            (S::Closed, A::Cancel, S::Cancelled),
        ];
        crate::status::check_transitions(S::ALL, A::ALL, &allowed, S::apply);
    }

    #[test]
    fn what_counts_and_what_can_be_cancelled() {
        let cancellable: Vec<_> = RegistrationStatus::cancellable().collect();
        assert_eq!(
            cancellable,
            [
                RegistrationStatus::Confirmed,
                RegistrationStatus::Waitlisted
            ]
        );
        let using: Vec<_> = ActivityStatus::ALL
            .iter()
            .filter(|s| s.uses_a_session())
            .collect();
        assert!(!using.contains(&&ActivityStatus::Cancelled));
        assert_eq!(using.len(), ActivityStatus::ALL.len() - 1);
    }

    #[test]
    fn registration_transitions() {
        use RegistrationAction as A;
        use RegistrationStatus as S;
        let allowed = [
            (S::Confirmed, A::Cancel, S::Cancelled),
            (S::Waitlisted, A::Cancel, S::Cancelled),
            (S::Waitlisted, A::Promote, S::Confirmed),
            (S::Confirmed, A::Attend, S::Attended),
            (S::Confirmed, A::MarkNoShow, S::NoShow),
        ];
        crate::status::check_transitions(S::ALL, A::ALL, &allowed, S::apply);
    }

    fn attempt() -> Attempt {
        Attempt {
            status: ActivityStatus::Published,
            opens_at: datetime!(2026-05-01 0:00 UTC),
            closes_at: datetime!(2026-05-10 0:00 UTC),
            now: datetime!(2026-05-05 0:00 UTC),
            min_age: 8,
            max_age: 12,
            birth_date: date!(2016 - 01 - 01),
            starts_on: date!(2026 - 05 - 11),
            already_registered: false,
            has_consent: true,
        }
    }

    fn seats(confirmed: u32, waitlisted: u32) -> Seats {
        Seats {
            capacity: 2,
            waitlist_capacity: 1,
            confirmed,
            waitlisted,
        }
    }

    #[test]
    fn admission_fills_seats_then_waitlist_then_refuses() {
        let a = attempt();
        assert_eq!(admit(&a, seats(0, 0)), Ok(Admission::Confirmed));
        assert_eq!(
            admit(&a, seats(2, 0)),
            Ok(Admission::Waitlisted { position: 1 })
        );
        assert_eq!(admit(&a, seats(2, 1)), Err(DomainError::Full));
    }

    #[test]
    fn admission_checks_window_age_state_and_duplicates() {
        let late = Attempt {
            now: datetime!(2026-05-10 0:01 UTC),
            ..attempt()
        };
        assert_eq!(
            admit(&late, seats(0, 0)),
            Err(DomainError::RegistrationClosed)
        );
        let draft = Attempt {
            status: ActivityStatus::Draft,
            ..attempt()
        };
        assert_eq!(
            admit(&draft, seats(0, 0)),
            Err(DomainError::RegistrationClosed)
        );
        let young = Attempt {
            birth_date: date!(2019 - 01 - 01),
            ..attempt()
        };
        assert_eq!(admit(&young, seats(0, 0)), Err(DomainError::Age));
        let old = Attempt {
            birth_date: date!(2013 - 05 - 10),
            ..attempt()
        };
        assert_eq!(admit(&old, seats(0, 0)), Err(DomainError::Age));
        let no_consent = Attempt {
            has_consent: false,
            ..attempt()
        };
        assert_eq!(
            admit(&no_consent, seats(0, 0)),
            Err(DomainError::ConsentRequired)
        );
        let fourteen = Attempt {
            has_consent: false,
            birth_date: date!(2012 - 05 - 01),
            max_age: 17,
            ..attempt()
        };
        assert_eq!(
            admit(&fourteen, seats(0, 0)),
            Ok(Admission::Confirmed),
            "14 and over need no consent"
        );
        let twice = Attempt {
            already_registered: true,
            ..attempt()
        };
        assert_eq!(
            admit(&twice, seats(0, 0)),
            Err(DomainError::AlreadyRegistered)
        );
    }

    #[test]
    fn schedules() {
        let t = datetime!(2026-05-01 0:00 UTC);
        let now = t - Duration::days(1);
        let h = Duration::hours(1);
        assert!(check_schedule(t, t + h, t - h, t, now).is_ok());
        assert_eq!(
            check_schedule(t, t, t - h, t, now).unwrap_err().field(),
            Some("ends_at")
        );
        assert!(check_schedule(t, t + h, t, t - h, now).is_err());
        assert!(check_schedule(t, t + h, t, t + h + h, now).is_err());
        assert!(check_ages(12, 8).is_err());
    }

    #[test]
    fn schedules_stay_within_reach_and_ahead() {
        let now = datetime!(2026-05-01 0:00 UTC);
        let h = Duration::hours(1);
        let field = |s, e, o, c| check_schedule(s, e, o, c, now).unwrap_err().field();
        let year0 = datetime!(0000-01-01 0:00 UTC);
        let year9999 = datetime!(9999-01-01 0:00 UTC);
        assert_eq!(field(year0, now + h, year0, now), Some("starts_at"));
        assert_eq!(field(now, year9999, now - h, now), Some("ends_at"));
        // Wholly in the past: it can no longer take place.
        let past = now - Duration::days(3);
        assert_eq!(field(past, past + h, past - h, past), Some("ends_at"));
        // Under way but not over is fine; a session of two months is not.
        assert!(check_schedule(now - h, now + h, now - h - h, now, now).is_ok());
        assert_eq!(
            field(now, now + Duration::days(60), now - h, now + h),
            Some("ends_at")
        );
    }

    #[test]
    fn check_in_only_around_the_activity() {
        let w = CheckinWindow::default();
        let starts = datetime!(2026-05-01 10:00 UTC);
        let ends = starts + Duration::hours(2);
        let at = |m: i64| w.check(starts, ends, starts + Duration::minutes(m));
        let early = at(-60 * 24 * 30).unwrap_err();
        assert_eq!(
            early,
            DomainError::CheckinNotOpen {
                minutes_before: 30,
                opens: starts - Duration::minutes(30)
            }
        );
        assert_eq!(
            early.to_string(),
            "签到尚未开始，5月1日 17:30起可签到（活动开始前30分钟） / \
             Check-in opens on 1 May 17:30 (Beijing time), 30 minutes before the start"
        );
        assert!(at(-31).is_err());
        assert!(at(-30).is_ok());
        assert!(at(119).is_ok());
        assert!(at(120).is_ok());
        assert_eq!(at(121), Err(DomainError::CheckinClosed));
        let late = CheckinWindow {
            opens_minutes_before: 0,
            closes_minutes_after: 60,
        };
        assert!(late
            .check(starts, ends, ends + Duration::minutes(60))
            .is_ok());
        assert!(late
            .check(starts, ends, starts - Duration::minutes(1))
            .is_err());
    }

    #[test]
    fn attendance_needs_a_running_activity_its_window_and_consent() {
        let starts = datetime!(2026-05-01 10:00 UTC);
        let a = Attendance {
            status: ActivityStatus::Published,
            starts_at: starts,
            ends_at: starts + Duration::hours(2),
            window: CheckinWindow::default(),
            birth_date: date!(2018 - 01 - 01),
            has_consent: true,
            now: starts,
        };
        assert!(check_attendance(&a).is_ok());
        let finished = Attendance {
            status: ActivityStatus::Finished,
            ..a
        };
        assert!(matches!(
            check_attendance(&finished),
            Err(DomainError::InvalidTransition { .. })
        ));
        let early = Attendance {
            now: starts - Duration::days(30),
            ..a
        };
        assert!(matches!(
            check_attendance(&early),
            Err(DomainError::CheckinNotOpen { .. })
        ));
        let withdrawn = Attendance {
            has_consent: false,
            ..a
        };
        assert_eq!(
            check_attendance(&withdrawn),
            Err(DomainError::ConsentRequired)
        );
        let youth = Attendance {
            has_consent: false,
            birth_date: date!(2010 - 01 - 01),
            ..a
        };
        assert!(check_attendance(&youth).is_ok(), "14 and over need none");
    }

    #[test]
    fn finished_after_the_end_published_before_it() {
        let ends = datetime!(2026-05-01 12:00 UTC);
        let before = ends - Duration::minutes(1);
        assert_eq!(
            check_step_time(ActivityAction::Finish, ends, before),
            Err(DomainError::NotEnded)
        );
        assert!(check_step_time(ActivityAction::Finish, ends, ends).is_ok());
        assert!(check_step_time(ActivityAction::Publish, ends, before).is_ok());
        assert_eq!(
            check_step_time(ActivityAction::Publish, ends, ends),
            Err(DomainError::AlreadyEnded)
        );
        assert!(check_step_time(ActivityAction::Cancel, ends, ends).is_ok());
    }
}
