//! Rotating check-in codes: an HMAC of what is checked into (an activity, a volunteer
//! shift) and the time slice, so that any server holding the shared secret computes the
//! same code and a photo of yesterday's QR code is useless today.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

/// How long one code is shown; the previous slice's code is accepted too, so a code
/// read just before it rotates still works.
pub const SLICE_SECONDS: i64 = 60;

fn slice_of(at: OffsetDateTime) -> i64 {
    at.unix_timestamp().div_euclid(SLICE_SECONDS)
}

fn code_for(secret: &[u8], subject: &str, slice: i64) -> String {
    // HMAC takes a key of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(subject.as_bytes());
    mac.update(&slice.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    format!("{:06}", n % 1_000_000)
}

/// The code to show now and when it stops being shown.
/// `subject` names what is checked into: an activity's id, or [`shift_subject`].
pub fn current_code(secret: &[u8], subject: &str, now: OffsetDateTime) -> (String, OffsetDateTime) {
    let slice = slice_of(now);
    let expires = OffsetDateTime::from_unix_timestamp((slice + 1) * SLICE_SECONDS)
        .unwrap_or(now + Duration::seconds(SLICE_SECONDS));
    (code_for(secret, subject, slice), expires)
}

/// Whether `code` is the current or the previous slice's code.
pub fn verify(secret: &[u8], subject: &str, code: &str, now: OffsetDateTime) -> bool {
    let slice = slice_of(now);
    let code = code.trim();
    [slice, slice - 1]
        .iter()
        .any(|s| constant_time_eq(code_for(secret, subject, *s).as_bytes(), code.as_bytes()))
}

/// What a volunteer shift's codes are made of: apart from any activity's.
pub fn shift_subject(shift_id: &str) -> String {
    format!("shift:{shift_id}")
}

/// Equality that takes as long whatever the bytes: a guess learns nothing from timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn codes_rotate_and_expire() {
        let secret = b"secret";
        let a1 = "a1";
        let t = datetime!(2026-05-01 10:00:30 UTC);
        let (code, expires) = current_code(secret, a1, t);
        assert_eq!(code.len(), 6);
        assert_eq!(expires, datetime!(2026-05-01 10:01:00 UTC));
        assert!(verify(secret, a1, &code, t));
        assert!(
            verify(secret, a1, &code, t + Duration::seconds(60)),
            "previous slice accepted"
        );
        assert!(
            !verify(secret, a1, &code, t + Duration::seconds(120)),
            "expired"
        );
        assert!(!verify(secret, "a2", &code, t), "bound to the activity");
        assert!(!verify(b"other", a1, &code, t), "bound to the secret");
        assert!(!verify(secret, a1, "", t));
        assert!(
            !verify(secret, &shift_subject(a1), &code, t),
            "a shift's codes are not its namesake activity's"
        );
    }
}
