//! Passwords (argon2id) and session tokens (random, stored only as a SHA-256 hash).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// Hashes a password with argon2id off the async threads.
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_password_now(&password))
        .await
        .map_err(AppError::internal)?
}

pub fn hash_password_now(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

/// Checks a password against a stored hash; with no hash it still does the work, so
/// that an unknown phone takes as long as a wrong password.
pub async fn verify_password(password: String, hash: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        // No account, or one enrolled without a password yet: the same work, and no.
        let hash = hash
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| DUMMY_HASH.to_owned());
        let parsed = PasswordHash::new(&hash).map_err(AppError::internal)?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && hash != DUMMY_HASH)
    })
    .await
    .map_err(AppError::internal)?
}

/// An argon2id hash of a random string nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ZVLCBdeNwt9B9LsvREm+OG6OxClMbZ2Jsc5FBbrGQ0M";

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The token a page's forms carry: the visitor's random form cookie, and once signed in
/// a MAC of it keyed by the session, so that a token planted or read before sign-in is
/// worthless after it (and the form cookie is replaced at sign-in and sign-out too).
pub fn form_token(nonce: &str, session_hash: Option<&str>) -> String {
    use hmac::{Hmac, Mac};
    let Some(session) = session_hash else {
        return nonce.to_owned();
    };
    // HMAC takes a key of any length: `new_from_slice` cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(session.as_bytes()) else {
        return String::new();
    };
    mac.update(b"form:");
    mac.update(nonce.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// The password rule: 8 to 128 characters, no control characters, and not trivial,
/// common or made of the account's own details (`personal`: the phone, the name) — as
/// judged by zxcvbn, which must rate it at least 2 of 4 (over a million guesses).
pub fn check_password(password: &str, personal: &[&str]) -> AppResult<()> {
    let n = password.chars().count();
    if !(8..=128).contains(&n) {
        return Err(AppError::invalid(
            "password",
            "密码长度应为8到128个字符 / A password has 8 to 128 characters",
        ));
    }
    if password.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "password",
            "密码不能含有控制字符 / A password may not contain control characters",
        ));
    }
    if u8::from(zxcvbn::zxcvbn(password, personal).score()) < 2 {
        return Err(AppError::invalid(
            "password",
            "密码太简单或太常见（或含有手机号、姓名），请换一个更难猜的 / This password is too simple, too common or made of your own details: choose one that is harder to guess",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = hash_password("correct horse".into()).await.unwrap();
        let b = hash_password("correct horse".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify_password("correct horse".into(), Some(a.clone()))
            .await
            .unwrap());
        assert!(!verify_password("wrong horse".into(), Some(a))
            .await
            .unwrap());
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[test]
    fn trivial_common_and_personal_passwords_are_refused() {
        let phone = "13912345678";
        for weak in [
            "12345678",
            "password",
            "aaaaaaaa",
            "        ",
            "abc\u{7}defgh1",
            phone,
            "short1!",
            "qwertyuiop",
            "password-1",
            "demo12345",
        ] {
            assert!(
                check_password(weak, &[phone, "张伟"]).is_err(),
                "{weak:?} accepted"
            );
        }
        for fine in [
            "qingshao-shequ-2026",
            "Winter camp at Qinghe!",
            "月亮湾的小船9点开",
        ] {
            assert!(check_password(fine, &[phone]).is_ok(), "{fine:?} refused");
        }
    }

    #[test]
    fn form_tokens_are_bound_to_the_session() {
        let nonce = new_token();
        assert_eq!(
            form_token(&nonce, None),
            nonce,
            "before sign-in: the cookie itself"
        );
        let a = form_token(&nonce, Some("session-a"));
        assert_ne!(a, nonce);
        assert_eq!(a, form_token(&nonce, Some("session-a")));
        assert_ne!(a, form_token(&nonce, Some("session-b")), "another session");
        assert_ne!(
            a,
            form_token(&new_token(), Some("session-a")),
            "another cookie"
        );
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        assert_ne!(new_token(), new_token());
        assert_eq!(token_hash("x").len(), 64);
    }
}
