//! Sign-in, sign-out, self sign-up, and a family's own data.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use youthloop_domain::id::*;
use youthloop_domain::parse::{age_on, text};
use youthloop_domain::role::{Actor, Grant, Role};
use youthloop_domain::volunteer;
use youthloop_domain::{DomainError, IdNumber, Phone};
use youthloop_store::model::{NewUser, PersonalData, SignInKey, User};

use crate::auth::{check_password, hash_password, new_token, token_hash, verify_password};
use crate::error::{AppError, AppResult};
use crate::extract::{CurrentUser, MaybeUser, SESSION_COOKIE};
use crate::limits::Limited;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub phone: String,
    pub password: String,
}

/// A new session: its token (the cookie's value) and who holds it.
pub struct SignedIn {
    pub token: String,
    pub user: User,
}

/// The `Set-Cookie` value that holds a session's token for its lifetime.
pub fn session_cookie(state: &AppState, token: &str) -> String {
    cookie(state, token, state.settings.session_ttl.whole_seconds())
}

/// The `Set-Cookie` value that clears the session cookie.
pub fn cleared_cookie(state: &AppState) -> String {
    cookie(state, "", 0)
}

fn cookie(state: &AppState, token: &str, max_age: i64) -> String {
    let secure = state.settings.cookie_security();
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

fn locked(until: OffsetDateTime, now: OffsetDateTime) -> AppError {
    let minutes = (until - now).whole_minutes().max(1);
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "account_locked",
        format!("登录失败次数过多，请{minutes}分钟后再试 / Too many failed sign-ins from here: try again in {minutes} min"),
    )
}

fn bad_credentials() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "手机号或密码错误 / Wrong phone or password",
    )
}

/// Signs in with phone and password from `address`; the new session's token.
///
/// Failed attempts are counted per phone and client address, for known and unknown
/// phones alike, so that guessing from one place locks only that place out and the
/// owner signs in from elsewhere; every answer costs one password hash, so neither the
/// status nor the time tells whether a phone is registered or locked.
pub async fn sign_in(state: &AppState, address: &str, b: SignIn) -> AppResult<SignedIn> {
    let phone = Phone::parse(&b.phone)?;
    state.limits.check(Limited::SignIn, address)?;
    if b.password.chars().count() > 128 {
        return Err(bad_credentials());
    }
    let now = state.now();
    let client = crate::limits::group(address);
    let key = SignInKey {
        phone: phone.as_str(),
        client: &client,
    };
    let lock = state.store.sign_in_lock(key, now).await?;
    let found = state.store.credentials(phone.as_str()).await?;
    let hash = found.as_ref().map(|c| c.password_hash.clone());
    let ok = verify_password(b.password, hash).await?;
    if let Some(until) = lock {
        return Err(locked(until, now));
    }
    let actor = found.as_ref().map(|found| Actor {
        user_id: found.user.id.clone(),
        district_id: found.user.district_id.clone(),
        grants: found.user.grants(),
        address: address.to_owned(),
        at: now,
    });
    let (Some(found), Some(actor), true) = (found, actor.as_ref(), ok) else {
        let settings = &state.settings;
        return match state
            .store
            .sign_in_failed(
                actor.as_ref(),
                key,
                settings.lock_after,
                settings.lock_for,
                now,
            )
            .await?
        {
            Some(until) => Err(locked(until, now)),
            None => Err(bad_credentials()),
        };
    };
    // A fresh token at every sign-in: a session id planted before sign-in is worthless.
    let token = new_token();
    state
        .store
        .create_session(
            actor,
            &token_hash(&token),
            now + state.settings.session_ttl,
            key,
        )
        .await?;
    Ok(SignedIn {
        token,
        user: found.user,
    })
}

/// Signs out: the session stops working everywhere at once.
pub async fn sign_out(state: &AppState, user: &CurrentUser) -> AppResult<()> {
    Ok(state
        .store
        .delete_session(&user.actor, &user.token_hash)
        .await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    pub phone: String,
    pub password: String,
    pub name: String,
    /// `guardian`, `youth` or `volunteer`.
    pub role: String,
    /// Required for `youth` (aged 14 to 17) and `volunteer`.
    pub id_number: Option<String>,
}

/// Self sign-up as a guardian, a youth or a volunteer, in the named district or the
/// default one.
pub async fn sign_up(
    state: &AppState,
    address: &str,
    district: Option<&DistrictId>,
    b: SignUp,
) -> AppResult<User> {
    state.limits.check(Limited::SignUp, address)?;
    let phone = Phone::parse(&b.phone)?;
    check_password(&b.password, &[phone.as_str(), &b.name])?;
    let name = text("name", &b.name, 50)?;
    let role = Role::parse(&b.role)
        .filter(|r| r.self_service())
        .ok_or_else(|| {
            AppError::invalid(
                "role",
                "只能注册为家长、青少年或志愿者 / Sign up as guardian, youth or volunteer",
            )
        })?;
    let id_number = match (&b.id_number, role) {
        (Some(raw), _) => Some(IdNumber::parse(raw)?),
        (None, Role::Youth | Role::Volunteer) => {
            return Err(AppError::invalid(
                "id_number",
                "实名注册需要身份证号 / An ID number is required",
            ));
        }
        (None, _) => None,
    };
    if let (Some(id), Role::Youth) = (&id_number, role) {
        let age = age_on(id.birth_date(), state.today());
        if !(14..=17).contains(&age) {
            return Err(AppError::invalid(
                "id_number",
                "青少年自助注册须年满14周岁且未满18周岁；更小的孩子由家长添加 / Youth sign-up is for ages 14 to 17; a guardian adds younger children",
            ));
        }
    }
    if let (Some(id), Role::Volunteer) = (&id_number, role) {
        // Under 14 never; 14 to 17 may sign up and serve once a guardian consents.
        let age = age_on(id.birth_date(), state.today());
        if let Err(e @ DomainError::VolunteerAge { .. }) = volunteer::may_volunteer(age, true) {
            return Err(e.into());
        }
    }
    let district = MaybeUser(None).district(state, district).await?;
    // A district named in the query must exist: the account would belong nowhere.
    state
        .store
        .region(&district, &district.as_root_region())
        .await
        .map_err(|e| match e {
            youthloop_store::StoreError::NotFound => AppError::not_found().with_field("district"),
            other => other.into(),
        })?;
    let password_hash = hash_password(b.password).await?;
    Ok(state
        .store
        .create_user(
            &Actor::visitor(&district, address, state.now()),
            NewUser {
                phone: phone.as_str().to_owned(),
                password_hash,
                name,
                id_number: id_number.as_ref().map(|i| i.as_str().to_owned()),
                birth_date: id_number.as_ref().map(IdNumber::birth_date),
                grants: vec![Grant {
                    role,
                    scope_id: String::new(),
                }],
                is_participant: role == Role::Youth,
            },
        )
        .await?)
}

/// All data held about the signed-in user and the children in their care, in the clear
/// (PIPL art. 45); the download is itself recorded in the audit trail.
pub async fn export(state: &AppState, user: &CurrentUser) -> AppResult<PersonalData> {
    Ok(state.store.personal_data(&user.actor).await?)
}

#[derive(Serialize, ToSchema)]
pub struct Erased {
    pub status: &'static str,
}

/// Erases the signed-in guardian's, youth's or volunteer's personal data and that of
/// their children (PIPL art. 47); counts and ratings stay for statistics.
pub async fn erase(state: &AppState, user: &CurrentUser) -> AppResult<Erased> {
    user.require(&[Role::Guardian, Role::Youth, Role::Volunteer])?;
    state.store.erase(&user.actor, state.now()).await?;
    Ok(Erased { status: "erased" })
}
