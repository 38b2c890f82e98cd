use thiserror::Error;
use youthloop_domain::DomainError;

/// What can go wrong in the store, without any engine's types.
#[derive(Debug, Error)]
pub enum StoreError {
    /// Unknown, or outside the caller's scope: the two are never told apart.
    #[error("not found")]
    NotFound,
    /// A uniqueness conflict, with a stable code such as `phone_taken`.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The domain refused the change.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The engine failed; the detail is for the log, never for the client.
    #[error("database: {0}")]
    Other(String),
}

impl StoreError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
