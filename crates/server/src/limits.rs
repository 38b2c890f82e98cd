//! Rate limits on what attackers hammer: sign-in, sign-up, public comments and check-in
//! codes, per address (or per user and activity for codes). Over the limit a request gets 429 and changes nothing.

use std::num::NonZeroU32;

use axum::http::StatusCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{AppError, AppResult};

pub struct RateLimits {
    enabled: bool,
    sign_in_by_address: DefaultKeyedRateLimiter<String>,
    sign_up_by_address: DefaultKeyedRateLimiter<String>,
    comment_by_address: DefaultKeyedRateLimiter<String>,
    checkin_by_user: DefaultKeyedRateLimiter<String>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

fn per_hour(n: u32) -> Quota {
    Quota::per_hour(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

#[derive(Debug, Clone, Copy)]
pub enum Limited {
    SignIn,
    SignUp,
    Comment,
    /// Check-in codes typed by one user for one activity (the "address" is both).
    CheckinCode,
}

impl RateLimits {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            sign_in_by_address: RateLimiter::keyed(per_minute(30)),
            sign_up_by_address: RateLimiter::keyed(per_hour(20)),
            comment_by_address: RateLimiter::keyed(per_minute(5)),
            checkin_by_user: RateLimiter::keyed(per_minute(10)),
        }
    }

    /// Forgets addresses and accounts that have been quiet, so memory stays bounded.
    pub fn forget_idle(&self) {
        for limiter in [
            &self.sign_in_by_address,
            &self.sign_up_by_address,
            &self.comment_by_address,
            &self.checkin_by_user,
        ] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Counts one attempt from `address`; 429 past the limit. Sign-in is not limited per
    /// account here: that would let anyone anywhere shut the owner out (failures are
    /// counted per account and address in the store instead).
    pub fn check(&self, what: Limited, address: &str) -> AppResult<()> {
        if !self.enabled {
            return Ok(());
        }
        let by_address = match what {
            Limited::SignIn => &self.sign_in_by_address,
            Limited::SignUp => &self.sign_up_by_address,
            Limited::Comment => &self.comment_by_address,
            Limited::CheckinCode => &self.checkin_by_user,
        };
        if by_address.check_key(&address.to_owned()).is_err() {
            Err(AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "请求过于频繁，请稍后再试 / Too many requests; try again later",
            ))
        } else {
            Ok(())
        }
    }
}
