//! Rate limits on what attackers hammer: sign-in, sign-up and public comments, per
//! address and per account. Over the limit a request gets 429 and changes nothing.

use std::num::NonZeroU32;

use axum::http::StatusCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{AppError, AppResult};

pub struct RateLimits {
    enabled: bool,
    sign_in_by_address: DefaultKeyedRateLimiter<String>,
    sign_in_by_account: DefaultKeyedRateLimiter<String>,
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
            sign_in_by_account: RateLimiter::keyed(per_minute(10)),
            sign_up_by_address: RateLimiter::keyed(per_hour(20)),
            comment_by_address: RateLimiter::keyed(per_minute(5)),
            checkin_by_user: RateLimiter::keyed(per_minute(10)),
        }
    }

    /// Forgets addresses and accounts that have been quiet, so memory stays bounded.
    pub fn forget_idle(&self) {
        for limiter in [
            &self.sign_in_by_address,
            &self.sign_in_by_account,
            &self.sign_up_by_address,
            &self.comment_by_address,
            &self.checkin_by_user,
        ] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Counts one attempt from `address` (and on `account`, if any); 429 past the limit.
    pub fn check(&self, what: Limited, address: &str, account: Option<&str>) -> AppResult<()> {
        if !self.enabled {
            return Ok(());
        }
        let by_address = match what {
            Limited::SignIn => &self.sign_in_by_address,
            Limited::SignUp => &self.sign_up_by_address,
            Limited::Comment => &self.comment_by_address,
            Limited::CheckinCode => &self.checkin_by_user,
        };
        let over = by_address.check_key(&address.to_owned()).is_err()
            || matches!((what, account), (Limited::SignIn, Some(a)) if self.sign_in_by_account.check_key(&a.to_owned()).is_err());
        if over {
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
