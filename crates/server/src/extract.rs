//! Extractors: JSON bodies and queries that fail in the API's error shape, and the
//! signed-in user.

use std::net::IpAddr;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use youthloop_domain::id::{DistrictId, OrganizationId, RegionId, TeamId};
use youthloop_domain::role::{Actor, Role};
use youthloop_store::model::{Page, User};

use crate::auth::token_hash;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "youthloop_session";

/// A JSON body: 400 when it is not JSON, 415 when it does not say it is, 413 when too
/// big, 422 naming the field when it has the wrong shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
        if !is_json {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求体须为 application/json / The body must be application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if crate::listen::timed_out(&e) {
                AppError::body_timed_out()
            } else if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "请求体过大 / The body is too large",
                )
            } else {
                AppError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> AppResult<T> {
    let malformed = |inner: &serde_json::Error| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("JSON 格式错误 / Malformed JSON: {inner}"),
        )
    };
    // Syntax first, over the whole body, so trailing garbage is malformed too.
    let json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| malformed(&e))?;
    serde_path_to_error::deserialize(json).map_err(|e| {
        let inner = e.inner();
        let message = inner.to_string();
        // serde names a missing or unknown field only in its message.
        let named = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field `"));
        let path = e.path().to_string();
        let field = match named {
            Some(name) if path == "." || path.is_empty() => name.to_owned(),
            Some(name) if !path.ends_with(name) => format!("{path}.{name}"),
            _ => path,
        };
        AppError::invalid(field, format!("字段无效 / Invalid field: {message}"))
    })
}

/// A query string, failing with 422.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded_from_str(query).map(ApiQuery)
    }
}

fn serde_urlencoded_from_str<T: DeserializeOwned>(query: &str) -> AppResult<T> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{query}")
            .parse()
            .map_err(|_| AppError::invalid("query", "bad query"))?,
    )
    .map(|q| q.0)
    .map_err(|e| {
        AppError::invalid(
            "query",
            format!("查询参数无效 / Invalid query: {}", e.body_text()),
        )
    })
}

/// `?limit=&cursor=` of a list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// The district, for visitors who are not signed in.
    #[param(value_type = Option<String>)]
    pub district: Option<DistrictId>,
    /// The menu ranked by fit for this community.
    #[param(value_type = Option<String>)]
    pub community: Option<RegionId>,
    /// The scorecard's period: `YYYY`, `YYYY-Qn` or `YYYY-MM`.
    pub period: Option<String>,
    /// Squads of this team.
    #[param(value_type = Option<String>)]
    pub team: Option<TeamId>,
    /// Only orders past their step's deadline (`true`).
    pub overdue: Option<bool>,
}

impl ListQuery {
    /// The page of a list ordered by id: a cursor is the last id of the page before.
    pub fn page(&self) -> AppResult<Page> {
        self.page_with(|cursor| uuid::Uuid::parse_str(cursor).is_ok())
    }

    /// The page of a list ordered by a number (a place in a ranking, a sequence number).
    pub fn numbered_page(&self) -> AppResult<Page> {
        self.page_with(|cursor| cursor.parse::<u64>().is_ok())
    }

    /// A cursor that this server did not hand out is refused, never read as "nothing
    /// more": a client must not mistake a typo for the end of the list.
    fn page_with(&self, valid: impl Fn(&str) -> bool) -> AppResult<Page> {
        let limit = match self.limit {
            None => 50,
            Some(n) if (1..=i64::from(Page::MAX)).contains(&n) => u32::try_from(n).unwrap_or(50),
            Some(_) => {
                return Err(AppError::invalid(
                    "limit",
                    "limit 应在1到500之间 / limit must be 1 to 500",
                ))
            }
        };
        if let Some(cursor) = self.cursor.as_deref().filter(|c| !valid(c)) {
            let shown: String = cursor.chars().take(40).collect();
            return Err(AppError::invalid(
                "cursor",
                format!("无效的游标 / Invalid cursor: {shown:?}"),
            ));
        }
        Ok(Page {
            limit,
            after: self.cursor.clone(),
        })
    }
}

/// The signed-in user, by bearer token or session cookie; 401 without one.
#[derive(Clone)]
pub struct CurrentUser {
    pub user: User,
    pub actor: Actor,
    pub token_hash: String,
}

impl CurrentUser {
    /// 403 unless the user holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if self.actor.has_any(roles) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    pub fn district(&self) -> &DistrictId {
        &self.actor.district_id
    }
}

/// The hash of the session token the request carries, if any: what a page's form token
/// is bound to.
pub fn session_hash(parts: &Parts) -> Option<String> {
    token_of(parts).map(|(token, _)| token_hash(&token))
}

/// The session token, and whether it came in the cookie (which a browser sends by itself).
fn token_of(parts: &Parts) -> Option<(String, bool)> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| (t.trim().to_owned(), false));
    bearer.or_else(|| {
        CookieJar::from_headers(&parts.headers)
            .get(SESSION_COOKIE)
            .map(|c| (c.value().to_owned(), true))
    })
}

/// Whether a request's `Origin`, when it names one, is this site: the public address if
/// one is set, else the address the request was sent to. `Origin: null` is not.
pub fn from_this_site(parts: &Parts, public_url: Option<&str>) -> bool {
    let Some(origin) = parts.headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if let Some(public) = public_url {
        return origin == public;
    }
    let Some((_, origin_host)) = origin.split_once("://") else {
        return false;
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
    host == Some(origin_host)
}

/// The address a request came from, for the audit trail and rate limits.
pub struct ClientAddr(pub String);

/// The client's address: the peer's, or when the peer is a trusted proxy, the address
/// that proxy put last into `X-Forwarded-For` (walking back past other trusted proxies).
/// Anyone can write that header, so it counts only from a proxy named in the settings.
fn address_of(parts: &Parts, trusted: &[IpAddr]) -> String {
    let Some(peer) = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
    else {
        return "unknown".to_owned();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|hop| !trusted.contains(hop))
        .or(forwarded.first())
        .unwrap_or(&peer)
        .to_string()
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(address_of(
            parts,
            &state.settings.trusted_proxies,
        )))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        MaybeUser::from_request_parts(parts, state)
            .await?
            .0
            .ok_or_else(AppError::unauthorized)
    }
}

/// The signed-in user if there is one.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some((token, by_cookie)) = token_of(parts) else {
            return Ok(MaybeUser(None));
        };
        // A cookie rides along on any request the browser makes, also one another site
        // starts: a change it authorizes must come from this site.
        if by_cookie
            && !parts.method.is_safe()
            && !from_this_site(parts, state.settings.public_url.as_deref())
        {
            return Err(AppError::new(
                StatusCode::FORBIDDEN,
                "cross_site",
                "请求来自其他网站 / The request came from another site",
            ));
        }
        let hash = token_hash(&token);
        let user = state.store.session_user(&hash, state.now()).await?;
        let address = address_of(parts, &state.settings.trusted_proxies);
        Ok(MaybeUser(user.map(|user| CurrentUser {
            actor: Actor {
                user_id: user.id.clone(),
                district_id: user.district_id.clone(),
                grants: user.grants(),
                address,
                at: state.now(),
            },
            user,
            token_hash: hash,
        })))
    }
}

impl MaybeUser {
    /// The district to read: the user's own, else `?district=`, else the default one.
    pub async fn district(
        &self,
        state: &AppState,
        asked: Option<&DistrictId>,
    ) -> AppResult<DistrictId> {
        if let Some(current) = &self.0 {
            return Ok(current.actor.district_id.clone());
        }
        if let Some(id) = asked {
            return Ok(id.clone());
        }
        state
            .store
            .default_district()
            .await?
            .ok_or_else(AppError::not_found)
    }

    pub fn org_ids(&self) -> Vec<OrganizationId> {
        self.0
            .as_ref()
            .map(|c| c.actor.org_ids())
            .unwrap_or_default()
    }
}
