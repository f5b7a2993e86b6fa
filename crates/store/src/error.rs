//! Storage errors, kept few and meaningful so the web edge can map them to HTTP answers.

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist (or the caller may not see it).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule or a concurrent change got in the way.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// The object store failed.
    #[error("object store error: {0}")]
    Blob(#[from] object_store::Error),
    /// Stored data could not be read back (a bug or a manual edit).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Anything else at start-up or in tooling.
    #[error("{0}")]
    Other(String),
}

impl From<sqlx::Error> for StoreError {
    /// A column that cannot be read as its Rust type (a time out of range, a flag that is
    /// neither 0 nor 1) is corrupt data, not a failing database.
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::ColumnDecode { .. } => StoreError::Corrupt(e.to_string()),
            e => StoreError::Database(e),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

impl StoreError {
    /// Whether the database cannot be reached now (every connection busy past the wait, the
    /// connection lost, the pool closing), rather than the request or the data being at fault:
    /// worth trying again in a moment.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed
            )
        )
    }

    /// Whether a database error is a unique-constraint violation (both engines).
    pub fn is_unique_violation(e: &sqlx::Error) -> bool {
        matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
    }
}

/// Shorthand for storage results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
