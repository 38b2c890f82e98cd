//! Volunteers: who may serve, when they can, the life of an assignment to a shift, and
//! service hours as 民政部《志愿服务记录与证明出具办法》 asks them to be kept: a record per
//! shift that is never edited (a correction is a new record naming the one it corrects).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{DomainError, DomainResult};
use crate::parse::SHANGHAI;

crate::status_enum!(
    /// An assignment of a volunteer to a shift. A roster proposes; publishing invites;
    /// only the volunteer accepts or declines (nobody is assigned against their will). A
    /// volunteer's own sign-up is `assigned` at once.
    AssignmentStatus {
        Proposed => "proposed",
        Invited => "invited",
        Assigned => "assigned",
        Declined => "declined",
        CheckedIn => "checked_in",
        Completed => "completed",
        Cancelled => "cancelled",
    }
);

crate::status_enum!(
    AssignmentAction {
        Publish => "publish",
        Accept => "accept",
        Decline => "decline",
        CheckIn => "check_in",
        CheckOut => "check_out",
        Cancel => "cancel",
    }
);

impl AssignmentStatus {
    pub fn apply(self, action: AssignmentAction) -> DomainResult<AssignmentStatus> {
        use AssignmentAction as A;
        use AssignmentStatus as S;
        match (self, action) {
            (S::Proposed, A::Publish) => Ok(S::Invited),
            (S::Invited, A::Accept) => Ok(S::Assigned),
            (S::Invited, A::Decline) => Ok(S::Declined),
            (S::Assigned, A::CheckIn) => Ok(S::CheckedIn),
            (S::CheckedIn, A::CheckOut) => Ok(S::Completed),
            (S::Proposed | S::Invited | S::Assigned, A::Cancel) => Ok(S::Cancelled),
            (from, action) => Err(DomainError::InvalidTransition {
                entity: "assignment",
                from: from.as_str(),
                action: action.as_str(),
            }),
        }
    }

    /// Whether `action` may be taken now.
    pub fn allows(self, action: AssignmentAction) -> bool {
        self.apply(action).is_ok()
    }

    /// Holds a place on the shift (and the volunteer's time).
    pub fn holds_place(self) -> bool {
        matches!(
            self,
            Self::Invited | Self::Assigned | Self::CheckedIn | Self::Completed
        )
    }

    /// Neither declined nor cancelled: it stands or may yet. A volunteer has at most one
    /// live assignment per shift (the stores' partial unique indexes say the same).
    pub fn is_live(self) -> bool {
        !matches!(self, Self::Declined | Self::Cancelled)
    }

    /// Stands whatever a new roster does: the volunteer said yes, or has served.
    pub fn is_binding(self) -> bool {
        matches!(self, Self::Assigned | Self::CheckedIn | Self::Completed)
    }
}

crate::status_enum!(
    /// A roster: proposed by the solver, then published (its proposals become
    /// invitations) or superseded by a newer proposal for the same shifts.
    RosterStatus {
        Proposed => "proposed",
        Published => "published",
        Superseded => "superseded",
    }
);

impl RosterStatus {
    pub fn publish(self) -> DomainResult<RosterStatus> {
        match self {
            Self::Proposed => Ok(Self::Published),
            from => Err(DomainError::InvalidTransition {
                entity: "roster",
                from: from.as_str(),
                action: "publish",
            }),
        }
    }
}

/// Whether someone of `age` may volunteer at all: from 18 freely, from 14 with a
/// guardian's consent on record, never under 14.
pub fn may_volunteer(age: i32, consent_live: bool) -> DomainResult<()> {
    if age < 14 {
        Err(DomainError::VolunteerAge { min: 14 })
    } else if age < 18 && !consent_live {
        Err(DomainError::VolunteerConsent)
    } else {
        Ok(())
    }
}

/// Whether a volunteer of `age` may take a shift for those aged `min_age` and up.
pub fn may_serve(age: i32, consent_live: bool, min_age: u8) -> DomainResult<()> {
    may_volunteer(age, consent_live)?;
    if age < i32::from(min_age) {
        return Err(DomainError::VolunteerAge { min: min_age });
    }
    Ok(())
}

/// A weekly time a volunteer gives: `weekday` 1 (Monday) to 7, `from` to `to` as
/// minutes of the day (`to` may be 24:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub weekday: u8,
    pub from: u16,
    pub to: u16,
}

impl Window {
    /// Parses a window as clients send it: weekday 1–7, "HH:MM" times.
    pub fn parse(weekday: i64, from: &str, to: &str) -> DomainResult<Self> {
        let weekday = u8::try_from(weekday)
            .ok()
            .filter(|d| (1..=7).contains(d))
            .ok_or_else(|| {
                DomainError::invalid("availability", "星期应为1到7 / weekday must be 1 to 7")
            })?;
        let (from, to) = (clock_minutes(from)?, clock_minutes(to)?);
        if from >= to {
            return Err(DomainError::invalid(
                "availability",
                "结束时间应晚于开始时间 / A window must end after it starts",
            ));
        }
        Ok(Self { weekday, from, to })
    }

    pub fn from_text(&self) -> String {
        clock_text(self.from)
    }

    pub fn to_text(&self) -> String {
        clock_text(self.to)
    }
}

/// "HH:MM" (00:00 to 24:00) as minutes of the day.
fn clock_minutes(text: &str) -> DomainResult<u16> {
    let bad = || DomainError::invalid("availability", "时间格式应为 HH:MM / Times are HH:MM");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn clock_text(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The skills a district starts with; a district may add its own.
pub const SKILLS: &[(&str, &str, &str)] = &[
    ("teaching", "课业辅导", "Tutoring"),
    ("first_aid", "急救", "First aid"),
    ("sports", "体育", "Sports"),
    ("arts", "文艺", "Arts"),
    ("photography", "摄影", "Photography"),
    ("driving", "驾驶", "Driving"),
    ("counselling", "心理支持", "Counselling"),
    ("sign_language", "手语", "Sign language"),
];

/// Checks that every skill is one of `known`; names the first that is not.
pub fn check_skills<'a>(skills: &[String], known: impl Fn(&str) -> bool + 'a) -> DomainResult<()> {
    match skills.iter().find(|s| !known(s)) {
        Some(unknown) => Err(DomainError::invalid(
            "skills",
            format!("未知技能：{unknown} / Unknown skill: {unknown}"),
        )),
        None => Ok(()),
    }
}

/// A shift's time, [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

impl Span {
    pub fn minutes(&self) -> u32 {
        u32::try_from((self.end - self.start).whole_minutes()).unwrap_or(0)
    }

    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The ISO week (year, week) the span starts in, Beijing time: what a volunteer's
    /// minutes a week are counted over.
    pub fn week(&self) -> (i32, u8) {
        let (year, week, _) = self.start.to_offset(SHANGHAI).to_iso_week_date();
        (year, week)
    }
}

/// Whether a volunteer may take a place on `shift` beside the shifts they already hold:
/// a place is left (`held_places` of `needed` are taken), none of theirs overlaps it, and
/// their minutes in its week stay within what they give.
pub fn check_place(
    shift: Span,
    needed: u32,
    held_places: u32,
    mine: &[Span],
    max_minutes_per_week: u32,
) -> DomainResult<()> {
    if held_places >= needed {
        return Err(DomainError::ShiftFull);
    }
    if mine.iter().any(|m| m.overlaps(&shift)) {
        return Err(DomainError::Overlaps);
    }
    let week: u32 = mine
        .iter()
        .filter(|m| m.week() == shift.week())
        .map(Span::minutes)
        .sum();
    if week + shift.minutes() > max_minutes_per_week {
        return Err(DomainError::OverHours);
    }
    Ok(())
}

/// A shift's head count: 1 to 500.
pub fn check_needed(needed: i64) -> DomainResult<u32> {
    u32::try_from(needed)
        .ok()
        .filter(|n| (1..=500).contains(n))
        .ok_or_else(|| {
            DomainError::invalid("needed", "人数应在1到500之间 / needed must be 1 to 500")
        })
}

/// A shift's minimum age: 14 (the law's) unless the shift asks more, up to 70.
pub fn check_min_age(min_age: Option<i64>) -> DomainResult<u8> {
    match min_age {
        None => Ok(14),
        Some(age) => u8::try_from(age)
            .ok()
            .filter(|a| *a <= 70)
            .map(|a| a.max(14))
            .ok_or_else(|| {
                DomainError::invalid("min_age", "最低年龄应在0到70之间 / min_age must be 0 to 70")
            }),
    }
}

/// How early before its start a shift's check-in opens, in minutes.
pub const CHECKIN_OPENS_BEFORE: u32 = 30;

/// When check-in opens for a shift starting at `starts_at`.
pub fn checkin_opens(starts_at: OffsetDateTime) -> OffsetDateTime {
    starts_at - time::Duration::minutes(i64::from(CHECKIN_OPENS_BEFORE))
}

/// Whether a shift from `starts_at` to `ends_at` takes check-ins at `now`.
pub fn checkin_is_open(
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    now: OffsetDateTime,
) -> bool {
    checkin_opens(starts_at) <= now && now < ends_at
}

/// A shift's time: it must end after it starts, and within a day.
pub fn check_shift_time(starts_at: OffsetDateTime, ends_at: OffsetDateTime) -> DomainResult<()> {
    if ends_at <= starts_at {
        return Err(DomainError::invalid(
            "ends_at",
            "结束时间应晚于开始时间 / A shift must end after it starts",
        ));
    }
    if ends_at - starts_at > time::Duration::hours(24) {
        return Err(DomainError::invalid(
            "ends_at",
            "一个班次不超过24小时 / A shift lasts at most 24 hours",
        ));
    }
    Ok(())
}

/// Minutes served on a shift: from check-in to check-out, clipped to the shift itself so
/// that arriving early or leaving late (travel) does not count.
pub fn served_minutes(
    shift: (OffsetDateTime, OffsetDateTime),
    checked_in: OffsetDateTime,
    checked_out: OffsetDateTime,
) -> DomainResult<u32> {
    if checked_out < checked_in {
        return Err(DomainError::invalid(
            "checked_out",
            "签退时间早于签到时间 / Check-out is before check-in",
        ));
    }
    let from = checked_in.max(shift.0);
    let to = checked_out.min(shift.1);
    let minutes = if to > from {
        (to - from).whole_minutes()
    } else {
        0
    };
    Ok(u32::try_from(minutes).unwrap_or(0))
}

/// One hours record as far as totals care: its id, minutes, and the record it corrects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursEntry {
    pub id: String,
    pub minutes: u32,
    pub corrects: Option<String>,
}

/// The minutes that stand: every record that no later record corrects.
pub fn standing_minutes(entries: &[HoursEntry]) -> u32 {
    entries
        .iter()
        .filter(|e| {
            !entries
                .iter()
                .any(|c| c.corrects.as_deref() == Some(e.id.as_str()))
        })
        .map(|e| e.minutes)
        .sum()
}

/// A correction's new minutes: within a day, and different from what it corrects.
pub fn check_correction(old_minutes: u32, new_minutes: i64) -> DomainResult<u32> {
    let minutes = u32::try_from(new_minutes)
        .ok()
        .filter(|m| *m <= 24 * 60)
        .ok_or_else(|| {
            DomainError::invalid(
                "minutes",
                "时长应在0到1440分钟之间 / Minutes must be 0 to 1440",
            )
        })?;
    if minutes == old_minutes {
        return Err(DomainError::invalid(
            "minutes",
            "更正后的时长与原记录相同 / The correction does not change the minutes",
        ));
    }
    Ok(minutes)
}

/// The `n`th volunteer number of a district (from 1): what lists show instead of an ID
/// number.
pub fn volunteer_no(n: i64) -> String {
    format!("ZY{n:06}")
}

/// A certificate's serial: the year, the district's running number, and a tag derived
/// from a secret so that serials cannot be guessed from one another.
pub fn certificate_serial(year: i32, number: u32, tag: &str) -> String {
    format!("ZYFW{year}{number:06}{tag}")
}

/// The tag of a certificate serial: four letters of an HMAC of year and number under
/// the district's secret. Anyone can verify a serial they were given; nobody can reach
/// another person's certificate by counting.
pub fn certificate_tag(secret: &[u8], year: i32, number: u32) -> String {
    use hmac::{Hmac, Mac};
    // HMAC takes a key of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(format!("certificate:{year}:{number}").as_bytes());
    let digest = mac.finalize().into_bytes();
    // Letters without I and O, which read as digits.
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    digest[..4]
        .iter()
        .map(|b| char::from(LETTERS[usize::from(*b) % LETTERS.len()]))
        .collect()
}

/// Masks a name for public pages: the family name and a 某/＊ for the rest (张某某 → 张＊＊).
pub fn masked_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '＊')).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_place_held_is_live_and_only_a_no_is_not() {
        for &s in AssignmentStatus::ALL {
            assert_eq!(
                s.is_live(),
                !matches!(s, AssignmentStatus::Declined | AssignmentStatus::Cancelled),
                "{s}"
            );
            assert!(!s.holds_place() || s.is_live(), "{s}");
        }
    }
    use crate::status::check_transitions;

    #[test]
    fn rosters_publish_once() {
        assert_eq!(
            RosterStatus::Proposed.publish(),
            Ok(RosterStatus::Published)
        );
        assert!(RosterStatus::Published.publish().is_err());
        assert!(RosterStatus::Superseded.publish().is_err());
    }

    #[test]
    fn assignments_move_only_as_allowed() {
        use AssignmentAction as A;
        use AssignmentStatus as S;
        check_transitions(
            S::ALL,
            A::ALL,
            &[
                (S::Proposed, A::Publish, S::Invited),
                (S::Invited, A::Accept, S::Assigned),
                (S::Invited, A::Decline, S::Declined),
                (S::Assigned, A::CheckIn, S::CheckedIn),
                (S::CheckedIn, A::CheckOut, S::Completed),
                (S::Proposed, A::Cancel, S::Cancelled),
                (S::Invited, A::Cancel, S::Cancelled),
                (S::Assigned, A::Cancel, S::Cancelled),
            ],
            S::apply,
        );
        assert!(S::Invited.holds_place() && !S::Invited.is_binding());
        assert!(!S::Declined.holds_place() && !S::Proposed.holds_place());
    }

    #[test]
    fn under_fourteen_never_and_minors_only_with_consent() {
        assert_eq!(may_volunteer(13, true).unwrap_err().code(), "age");
        assert_eq!(may_volunteer(14, false).unwrap_err().code(), "consent");
        assert_eq!(may_volunteer(17, false).unwrap_err().code(), "consent");
        assert!(may_volunteer(14, true).is_ok());
        assert!(may_volunteer(18, false).is_ok());
        assert_eq!(may_serve(17, true, 18).unwrap_err().code(), "age");
        assert!(may_serve(18, false, 18).is_ok());
    }

    #[test]
    fn windows_parse_clock_times() {
        let w = Window::parse(6, "08:30", "24:00").unwrap();
        assert_eq!((w.weekday, w.from, w.to), (6, 510, 1440));
        assert_eq!(
            (w.from_text(), w.to_text()),
            ("08:30".into(), "24:00".into())
        );
        for (day, from, to) in [
            (0, "08:00", "09:00"),
            (8, "08:00", "09:00"),
            (1, "9:00", "10:00"),
            (1, "10:00", "10:00"),
            (1, "23:00", "24:30"),
            (1, "08:60", "09:00"),
        ] {
            assert_eq!(
                Window::parse(day, from, to).unwrap_err().field(),
                Some("availability"),
                "{day} {from} {to}"
            );
        }
    }

    #[test]
    fn minutes_are_clipped_to_the_shift_and_cross_midnight() {
        let shift = (
            datetime!(2026-12-31 22:00 +8),
            datetime!(2027-01-01 02:00 +8),
        );
        // Arrived early, left late: the shift's four hours, not the travel.
        assert_eq!(
            served_minutes(
                shift,
                datetime!(2026-12-31 21:15 +8),
                datetime!(2027-01-01 02:40 +8)
            )
            .unwrap(),
            240
        );
        assert_eq!(
            served_minutes(
                shift,
                datetime!(2026-12-31 23:30 +8),
                datetime!(2027-01-01 01:00 +8)
            )
            .unwrap(),
            90
        );
        assert_eq!(
            served_minutes(
                shift,
                datetime!(2027-01-01 03:00 +8),
                datetime!(2027-01-01 04:00 +8)
            )
            .unwrap(),
            0
        );
        let backwards = served_minutes(
            shift,
            datetime!(2027-01-01 01:00 +8),
            datetime!(2026-12-31 23:00 +8),
        );
        assert_eq!(backwards.unwrap_err().field(), Some("checked_out"));
    }

    #[test]
    fn corrections_replace_without_editing() {
        let e = |id: &str, minutes, corrects: Option<&str>| HoursEntry {
            id: id.into(),
            minutes,
            corrects: corrects.map(Into::into),
        };
        let entries = [
            e("a", 120, None),
            e("b", 90, None),
            e("c", 100, Some("a")),
            e("d", 110, Some("c")),
        ];
        assert_eq!(standing_minutes(&entries), 90 + 110);
        assert_eq!(check_correction(120, 100).unwrap(), 100);
        assert_eq!(
            check_correction(120, 120).unwrap_err().field(),
            Some("minutes")
        );
        assert_eq!(
            check_correction(120, -1).unwrap_err().field(),
            Some("minutes")
        );
        assert_eq!(
            check_correction(120, 1441).unwrap_err().field(),
            Some("minutes")
        );
    }

    #[test]
    fn shifts_and_skills_are_checked() {
        let at = datetime!(2026-12-05 09:00 +8);
        assert!(check_shift_time(at, at + time::Duration::hours(3)).is_ok());
        assert_eq!(
            check_shift_time(at, at).unwrap_err().field(),
            Some("ends_at")
        );
        assert_eq!(
            check_shift_time(at, at + time::Duration::hours(25))
                .unwrap_err()
                .field(),
            Some("ends_at")
        );
        let known = |s: &str| SKILLS.iter().any(|k| k.0 == s);
        assert!(check_skills(&["first_aid".into()], known).is_ok());
        assert_eq!(
            check_skills(&["juggling".into()], known)
                .unwrap_err()
                .field(),
            Some("skills")
        );
    }

    #[test]
    fn names_are_masked_and_serials_distinct() {
        assert_eq!(masked_name("张小明"), "张＊＊");
        assert_eq!(masked_name("欧阳"), "欧＊");
        assert_eq!(masked_name(""), "");
        let serials: std::collections::BTreeSet<String> = (1..=1000)
            .map(|n| certificate_serial(2026, n, "K7Q2"))
            .collect();
        assert_eq!(serials.len(), 1000);
        assert_eq!(certificate_serial(2026, 12, "K7Q2"), "ZYFW2026000012K7Q2");
    }

    #[test]
    fn certificate_tags_depend_on_the_secret_and_number() {
        let tag = certificate_tag(b"district secret", 2026, 12);
        assert_eq!(tag.len(), 4);
        assert!(tag
            .chars()
            .all(|c| c.is_ascii_uppercase() && c != 'I' && c != 'O'));
        assert_eq!(tag, certificate_tag(b"district secret", 2026, 12));
        assert_ne!(tag, certificate_tag(b"another secret", 2026, 12));
        let tags: std::collections::BTreeSet<String> = (1..=200)
            .map(|n| certificate_tag(b"district secret", 2026, n))
            .collect();
        assert!(tags.len() > 190, "tags vary with the number");
    }

    #[test]
    fn a_place_needs_room_no_overlap_and_minutes_left_in_the_week() {
        let span = |from: OffsetDateTime, hours: i64| Span {
            start: from,
            end: from + time::Duration::hours(hours),
        };
        // Saturday 2026-12-05 09:00 Beijing.
        let shift = span(datetime!(2026-12-05 09:00 +8), 3);
        assert_eq!(shift.minutes(), 180);
        assert_eq!(check_place(shift, 2, 1, &[], 600), Ok(()));
        assert_eq!(
            check_place(shift, 2, 2, &[], 600),
            Err(DomainError::ShiftFull)
        );
        let touching = span(datetime!(2026-12-05 12:00 +8), 2);
        assert_eq!(check_place(shift, 2, 0, &[touching], 600), Ok(()));
        let overlapping = span(datetime!(2026-12-05 11:00 +8), 2);
        assert_eq!(
            check_place(shift, 2, 0, &[overlapping], 600),
            Err(DomainError::Overlaps)
        );
        // Monday of the same ISO week: 5 hours held, 3 more make 8 > 7.
        let monday = span(datetime!(2026-11-30 18:00 +8), 5);
        assert_eq!(
            check_place(shift, 2, 0, &[monday], 420),
            Err(DomainError::OverHours)
        );
        assert_eq!(check_place(shift, 2, 0, &[monday], 480), Ok(()));
        // Sunday 23:00 Beijing is still that week, though UTC already says Sunday 15:00;
        // the Monday after is another week.
        let next_monday = span(datetime!(2026-12-07 00:30 +8), 5);
        assert_eq!(check_place(shift, 2, 0, &[next_monday], 420), Ok(()));
        assert_eq!(span(datetime!(2026-12-06 23:00 +8), 1).week(), shift.week());
        assert_ne!(next_monday.week(), shift.week());
    }

    #[test]
    fn head_counts_and_ages_of_shifts_are_bounded() {
        assert_eq!(check_needed(3), Ok(3));
        assert!(check_needed(0).is_err());
        assert!(check_needed(-2).is_err());
        assert!(check_needed(501).is_err());
        assert_eq!(check_min_age(None), Ok(14));
        assert_eq!(check_min_age(Some(0)), Ok(14));
        assert_eq!(check_min_age(Some(18)), Ok(18));
        assert!(check_min_age(Some(-1)).is_err());
        assert!(check_min_age(Some(71)).is_err());
    }
}
