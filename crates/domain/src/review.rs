//! Reviews (点评): ratings, and when a review may be written. What holds a comment for
//! moderation is `moderation`'s.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::parse::in_range;
use crate::status_enum;

status_enum!(ReviewStatus { Visible => "visible", Held => "held", Removed => "removed" });
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
}
