//! The one error of the server, rendered as the API's JSON error shape.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use youthloop_domain::DomainError;
use youthloop_store::StoreError;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The same error at another field: a form may name a field as the person types it
    /// (yuan) where the API names it as it is kept (fen).
    pub fn renamed(mut self, from: &str, to: &str) -> Self {
        if self.field.as_deref() == Some(from) {
            self.field = Some(to.to_owned());
        }
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "请先登录 / Please sign in",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "无权执行此操作 / You are not allowed to do this",
        )
    }

    /// The request body did not arrive within the deadline.
    pub fn body_timed_out() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "请求内容发送超时 / The request body did not arrive in time",
        )
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "未找到 / Not found")
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).with_field(field)
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误 / Internal server error",
        )
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        let status = match &e {
            DomainError::Invalid { .. }
            | DomainError::Age
            | DomainError::BadCheckinCode
            | DomainError::VolunteerAge { .. }
            | DomainError::VolunteerConsent
            | DomainError::Skills => StatusCode::UNPROCESSABLE_ENTITY,
            DomainError::NotAttended => StatusCode::FORBIDDEN,
            DomainError::ConsentRequired => StatusCode::CONFLICT,
            DomainError::InvalidTransition { .. }
            | DomainError::Full
            | DomainError::AlreadyRegistered
            | DomainError::RegistrationClosed
            | DomainError::OverBudget
            | DomainError::SoldOut
            | DomainError::CheckinNotOpen { .. }
            | DomainError::CheckinClosed
            | DomainError::NotEnded
            | DomainError::AlreadyEnded
            | DomainError::SessionsUsed
            | DomainError::ShiftFull
            | DomainError::Overlaps
            | DomainError::OverHours => StatusCode::CONFLICT,
        };
        Self {
            status,
            code: e.code(),
            field: e.field().map(str::to_owned),
            message: e.to_string(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found(),
            StoreError::Conflict { code, message } => {
                Self::new(StatusCode::CONFLICT, code, message)
            }
            StoreError::Domain(d) => d.into(),
            other => Self::internal(other.chain()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                field: self.field,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

pub type AppResult<T> = Result<T, AppError>;
