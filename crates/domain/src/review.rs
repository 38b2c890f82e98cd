//! Reviews (点评): ratings, and the spam rule that holds a comment for moderation.

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

const SPAM_WORDS: [&str; 14] = [
    "博彩",
    "赌",
    "彩票",
    "六合彩",
    "百家乐",
    "时时彩",
    "代开发票",
    "加微信",
    "加v",
    "vx",
    "qq群",
    "casino",
    "lottery",
    "bet365",
];

/// Whether a public comment should wait for a moderator: gambling and lottery adverts,
/// contact details, links, or text that repeats itself or a recent comment.
pub fn looks_like_spam(text: &str, recent: &[String]) -> bool {
    let lower = text.to_lowercase();
    let has_word = SPAM_WORDS.iter().any(|w| lower.contains(w));
    let has_link = ["http://", "https://", "www.", ".com", ".cn", ".net"]
        .iter()
        .any(|l| lower.contains(l));
    let has_contact =
        longest_digit_run(&lower) >= 7 || lower.contains("微信") || lower.contains("qq");
    let repeated = has_long_repeat(&lower) || recent.iter().any(|r| r.trim() == text.trim());
    has_word || has_link || has_contact || repeated
}

fn longest_digit_run(text: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    for c in text.chars() {
        // Full-width digits and separators are a common way around naive filters.
        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            run += 1;
            best = best.max(run);
        } else if !matches!(c, ' ' | '-' | '－') {
            run = 0;
        }
    }
    best
}

/// Eight or more of the same character in a row.
fn has_long_repeat(text: &str) -> bool {
    let mut last = None;
    let mut run = 0;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if Some(c) == last {
            run += 1;
            if run >= 8 {
                return true;
            }
        } else {
            last = Some(c);
            run = 1;
        }
    }
    false
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
    fn spam_is_held_and_honest_text_is_not() {
        assert!(!looks_like_spam(
            "孩子很喜欢这次法治课，老师讲得很生动！",
            &[]
        ));
        assert!(!looks_like_spam("活动在2026年5月举办，共30人参加", &[]));
        assert!(looks_like_spam("澳门百家乐，稳赚不赔", &[]));
        assert!(looks_like_spam("详情见 https://example.com", &[]));
        assert!(looks_like_spam("联系我 138 0000 0001", &[]));
        assert!(looks_like_spam("加微信领红包", &[]));
        assert!(looks_like_spam("好好好好好好好好好好", &[]));
        assert!(looks_like_spam("很好的活动", &["很好的活动".to_owned()]));
    }
}
