//! Reviews (点评): ratings, and when a review may be written. What holds a comment for
//! moderation is `moderation`'s.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::parse::in_range;
use crate::status_enum;

status_enum!(ReviewStatus { Visible => "visible", Held => "held", Hidden => "hidden" });
status_enum!(
    /// What a moderator (the League, or the organization reviewed) does with a review.
    ModerationAction { Publish => "publish", Hide => "hide" }
);

impl ReviewStatus {
    /// A held or hidden review is published; a held or visible one is hidden. Doing
    /// what is already done is refused, so two moderators cannot both act on one review
    /// unnoticed.
    pub fn moderate(self, action: ModerationAction) -> DomainResult<ReviewStatus> {
        use ModerationAction as A;
        use ReviewStatus as S;
        match (self, action) {
            (S::Held | S::Hidden, A::Publish) => Ok(S::Visible),
            (S::Held | S::Visible, A::Hide) => Ok(S::Hidden),
            _ => Err(DomainError::InvalidTransition {
                entity: "review",
                from: self.as_str(),
                action: action.as_str(),
            }),
        }
    }

    /// A status as a client may name it: its code, its Chinese name, or `removed`, the
    /// design's older word for hidden.
    pub fn from_client(s: &str) -> Option<ReviewStatus> {
        match s.trim() {
            "visible" | "已公开" | "公开" => Some(ReviewStatus::Visible),
            "held" | "待审核" | "待审" => Some(ReviewStatus::Held),
            "hidden" | "removed" | "已隐藏" | "隐藏" => Some(ReviewStatus::Hidden),
            _ => None,
        }
    }
}
status_enum!(ReviewTarget { Activity => "activity", Order => "order", Organization => "organization" });

/// Three ratings, each 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratings {
    pub content: u32,
    pub organization: u32,
    pub effect: u32,
}

impl Ratings {
    pub fn parse(content: i64, organization: i64, effect: i64) -> DomainResult<Self> {
        Ok(Self {
            content: in_range("content", content, 1, 5)?,
            organization: in_range("organization", organization, 1, 5)?,
            effect: in_range("effect", effect, 1, 5)?,
        })
    }

    pub fn mean(self) -> f64 {
        f64::from(self.content + self.organization + self.effect) / 3.0
    }
}

/// A session is reviewed once it is over: attending the first minutes is not the whole.
pub fn check_reviewable(
    ends_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> DomainResult<()> {
    if now < ends_at {
        Err(DomainError::NotEnded)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five() {
        assert!(Ratings::parse(1, 5, 3).is_ok());
        assert_eq!(
            Ratings::parse(0, 5, 3).unwrap_err().field(),
            Some("content")
        );
        assert_eq!(
            Ratings::parse(5, 6, 3).unwrap_err().field(),
            Some("organization")
        );
        assert!((Ratings::parse(5, 4, 3).unwrap().mean() - 4.0).abs() < 1e-9);
    }

    #[test]
    fn moderators_publish_what_waits_and_hide_what_shows() {
        use ModerationAction::*;
        use ReviewStatus::*;
        assert_eq!(Held.moderate(Publish).unwrap(), Visible);
        assert_eq!(Held.moderate(Hide).unwrap(), Hidden);
        assert_eq!(Visible.moderate(Hide).unwrap(), Hidden);
        assert_eq!(Hidden.moderate(Publish).unwrap(), Visible);
        assert!(Visible.moderate(Publish).is_err());
        assert!(Hidden.moderate(Hide).is_err());
        assert_eq!(ReviewStatus::from_client("removed"), Some(Hidden));
        assert_eq!(ReviewStatus::from_client("待审核"), Some(Held));
        assert_eq!(ReviewStatus::from_client("gone"), None);
    }
}
