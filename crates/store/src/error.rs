use std::sync::Arc;

use thiserror::Error;
use youthloop_domain::DomainError;

/// What can go wrong in the store. The engine's errors are kept with their chain (for
/// the log), never shown to a client.
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
    /// The engine failed.
    #[error("the database failed")]
    Database(#[source] sqlx::Error),
    /// The migrations could not be run.
    #[error("the migrations failed")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A file of the installation (the database's, a key file) could not be used.
    #[error("{path}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A batch that this request was part of failed; the cause is shared by all of it.
    #[error("the batch this was part of failed")]
    Batch(#[source] Arc<StoreError>),
    /// Anything else, said in words: a stored value that does not read back, a key.
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    /// The error and its causes, outermost first, for the log.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
