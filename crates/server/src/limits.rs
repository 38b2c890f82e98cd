//! Rate limits on what attackers hammer: sign-in, sign-up, public comments and check-in
//! codes, per address (or per user and activity for codes). Over the limit a request gets 429 and changes nothing.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{AppError, AppResult};

pub struct RateLimits {
    enabled: bool,
    sign_in_by_address: DefaultKeyedRateLimiter<String>,
    sign_up_by_address: DefaultKeyedRateLimiter<String>,
    comment_by_address: DefaultKeyedRateLimiter<String>,
    checkin_by_user: DefaultKeyedRateLimiter<String>,
    /// Users whose attempts to add a child were refused too often, until when.
    child_refusals: DefaultKeyedRateLimiter<String>,
    blocked_from_children: Mutex<HashMap<String, Instant>>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

fn per_hour(n: u32) -> Quota {
    Quota::per_hour(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

/// What one client is, for counting: an IPv4 address, or an IPv6 address's /64 (one
/// host is handed a whole /64 and could take a fresh address for every try).
pub fn group(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6.to_canonical().to_string(),
        _ => address.to_owned(),
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Limited {
    SignIn,
    SignUp,
    Comment,
    /// Check-in codes typed by one user for one activity (the "address" is both).
    CheckinCode,
}

/// Refused attempts to add a child (an ID number already known) one user may make in
/// an hour before every attempt of theirs answers 429 for the rest of it: the answer
/// must not become a way to test many ID numbers. A family adding its own children is
/// never refused, however many it has.
const REFUSALS_PER_HOUR: u32 = 10;

impl RateLimits {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            sign_in_by_address: RateLimiter::keyed(per_minute(30)),
            sign_up_by_address: RateLimiter::keyed(per_hour(20)),
            comment_by_address: RateLimiter::keyed(per_minute(5)),
            checkin_by_user: RateLimiter::keyed(per_minute(10)),
            child_refusals: RateLimiter::keyed(per_hour(REFUSALS_PER_HOUR)),
            blocked_from_children: Mutex::default(),
        }
    }

    /// Forgets addresses and accounts that have been quiet, so memory stays bounded.
    pub fn forget_idle(&self) {
        for limiter in [
            &self.sign_in_by_address,
            &self.sign_up_by_address,
            &self.comment_by_address,
            &self.checkin_by_user,
            &self.child_refusals,
        ] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.blocked().retain(|_, until| *until > Instant::now());
    }

    /// Counts one attempt from `address` (IPv6 by its /64, see [`group`]); 429 past the limit. Sign-in is not limited per
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
        if by_address.check_key(&group(address)).is_err() {
            Err(limited())
        } else {
            Ok(())
        }
    }

    fn blocked(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.blocked_from_children
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// 429 while `user` is blocked from adding children (see [`REFUSALS_PER_HOUR`]).
    pub fn check_child(&self, user: &str) -> AppResult<()> {
        match self.blocked().get(user) {
            Some(until) if self.enabled && *until > Instant::now() => Err(limited()),
            _ => Ok(()),
        }
    }

    /// Counts a refused attempt to add a child; past the limit, blocks `user` for an hour.
    pub fn child_refused(&self, user: &str) {
        if self.enabled && self.child_refusals.check_key(&user.to_owned()).is_err() {
            self.blocked()
                .insert(user.to_owned(), Instant::now() + Duration::from_secs(3600));
        }
    }
}

fn limited() -> AppError {
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "请求过于频繁，请稍后再试 / Too many requests; try again later",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_past_the_limit_block_every_attempt_for_a_while() {
        let limits = RateLimits::new(true);
        for _ in 0..REFUSALS_PER_HOUR {
            assert!(limits.check_child("u1").is_ok());
            limits.child_refused("u1");
        }
        assert!(
            limits.check_child("u1").is_ok(),
            "at the limit, not past it"
        );
        limits.child_refused("u1");
        assert!(
            limits.check_child("u1").is_err(),
            "blocked: whatever the ID number"
        );
        assert!(limits.check_child("u2").is_ok(), "another user is not");
        let off = RateLimits::new(false);
        for _ in 0..=REFUSALS_PER_HOUR {
            off.child_refused("u1");
        }
        assert!(off.check_child("u1").is_ok());
    }

    #[test]
    fn an_ipv6_host_counts_as_its_64() {
        assert_eq!(group("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(group("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(group("::ffff:10.0.0.1"), "10.0.0.1");
        assert_eq!(group("10.0.0.1"), "10.0.0.1");
        assert_eq!(group("unknown"), "unknown");
    }
}
