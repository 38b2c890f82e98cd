//! The one error type of the domain. Each variant has a stable `code` that the API
//! sends to clients, and a message in Chinese and English.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A field failed validation; `field` names it as the client sent it.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The state does not allow the action.
    #[error("{entity} 当前状态为 {from}，不能执行 {action} / {entity} in state {from} does not allow {action}")]
    InvalidTransition {
        entity: &'static str,
        from: &'static str,
        action: &'static str,
    },
    #[error("名额与候补均已满 / The activity and its waitlist are full")]
    Full,
    #[error("该参与者已报名此活动 / This participant is already registered")]
    AlreadyRegistered,
    #[error("不在报名时间内 / Registration is not open")]
    RegistrationClosed,
    #[error("参与者年龄不符合活动要求 / The participant's age is outside the activity's range")]
    Age,
    #[error("超出本批次预算 / This would exceed the round's budget")]
    OverBudget,
    #[error("该项目可订场次不足 / Not enough sessions left on this menu item")]
    SoldOut,
    #[error("签到码无效或已过期 / The check-in code is wrong or expired")]
    BadCheckinCode,
    #[error("仅参加过活动的人可以评价 / Only those who attended may review")]
    NotAttended,
    #[error(
        "未满14周岁的孩子报名须有监护人有效同意 / A child under 14 needs a guardian's live consent"
    )]
    ConsentRequired,
    #[error("签到尚未开始，{}起可签到（活动开始前{minutes_before}分钟） / Check-in opens on {} (Beijing time), {minutes_before} minutes before the start", beijing_zh(.opens), beijing_en(.opens))]
    CheckinNotOpen {
        minutes_before: u32,
        opens: time::OffsetDateTime,
    },
    #[error("签到已结束 / Check-in for this activity is over")]
    CheckinClosed,
    #[error("活动尚未结束 / The activity has not ended yet")]
    NotEnded,
    #[error("活动时间已过 / The activity is already over")]
    AlreadyEnded,
    #[error("该订单的场次已全部排定 / Every session of this order is already scheduled")]
    SessionsUsed,
    #[error("未满{min}周岁不能参加此志愿服务 / Volunteers here must be at least {min}")]
    VolunteerAge { min: u8 },
    #[error(
        "14至17周岁的志愿者须有监护人同意 / Volunteers aged 14 to 17 need a guardian's consent"
    )]
    VolunteerConsent,
    #[error("不具备该班次要求的技能 / This shift needs skills you have not listed")]
    Skills,
    #[error("该班次人数已满 / This shift has all the people it needs")]
    ShiftFull,
    #[error("与您已有的另一班次时间重叠 / This overlaps another shift of yours")]
    Overlaps,
    #[error("超出您每周愿意服务的时长 / This is more than the minutes a week you give")]
    OverHours,
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The stable snake_case code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid",
            Self::InvalidTransition { .. } => "invalid_transition",
            Self::Full => "full",
            Self::AlreadyRegistered => "already_registered",
            Self::RegistrationClosed => "registration_closed",
            Self::Age => "age",
            Self::OverBudget => "over_budget",
            Self::SoldOut => "sold_out",
            Self::BadCheckinCode => "bad_checkin_code",
            Self::NotAttended => "not_attended",
            Self::ConsentRequired => "consent_required",
            Self::CheckinNotOpen { .. } => "checkin_not_open",
            Self::CheckinClosed => "checkin_closed",
            Self::NotEnded => "not_ended",
            Self::AlreadyEnded => "already_ended",
            Self::SessionsUsed => "sessions_used",
            Self::VolunteerAge { .. } => "age",
            Self::VolunteerConsent => "consent",
            Self::Skills => "skills",
            Self::ShiftFull => "full",
            Self::Overlaps => "overlaps",
            Self::OverHours => "over_hours",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::Age => Some("participant_id"),
            Self::BadCheckinCode => Some("code"),
            _ => None,
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;

/// `12月4日 09:30`, in Beijing time.
fn beijing_zh(at: &time::OffsetDateTime) -> String {
    let t = at.to_offset(crate::parse::SHANGHAI);
    format!(
        "{}月{}日 {:02}:{:02}",
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `4 Dec 09:30`, in Beijing time.
fn beijing_en(at: &time::OffsetDateTime) -> String {
    let t = at.to_offset(crate::parse::SHANGHAI);
    let month = t.month().to_string();
    format!(
        "{} {} {:02}:{:02}",
        t.day(),
        &month[..3],
        t.hour(),
        t.minute()
    )
}
