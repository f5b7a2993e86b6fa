//! Storage of motcua, the only crate that knows SQL.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL (production): queries use
//! SQL both engines share, through sqlx's `Any` driver, and migrations are written once (per
//! engine only where the engines cannot say it alike).
//! Attachments live in an object store (the data folder by default) under random keys.

pub mod access_grants;
pub mod audit;
pub mod blobs;
pub mod cache_versions;
pub mod calendar;
pub mod catalog;
pub mod db;
pub mod demo;
pub mod dossiers;
pub mod drafts;
pub mod edxml;
pub mod engine_move;
pub mod error;
pub mod idempotency;
pub mod identity;
pub mod indicator_counts;
pub mod indicators;
pub mod issued_forms;
pub mod it_application;
pub mod jobs;
pub mod meetings;
mod migrations;
pub mod national_outbox;
pub mod notifications;
pub mod office;
pub mod office_chain;
pub mod organisations;
pub mod password_resets;
pub mod payments;
pub mod questions;
pub mod rate_limits;
pub mod ratings;
pub mod registrations;
pub mod reports;
pub mod seals;
pub mod synthetic;
pub mod synthetic_office;
pub mod system_tokens;
pub mod types;
pub mod users;
pub mod webhooks;

pub use blobs::Blobs;
pub use db::{Database, Engine, PoolStats, Reader, WriteTx};
pub use error::StoreError;

/// The `VALUES` rows of a multi-row INSERT: `rows` tuples of `width` parameters each, numbered
/// from `$1` on (`($1, $2), ($3, $4)`).
pub(crate) fn values_rows(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Milliseconds since the Unix epoch, as a number: for code that computes with the stored
/// number itself (the content an event's hash covers, the synthetic generator's rows). Queries
/// bind and read times as [`types::Millis`] instead.
pub(crate) fn millis(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

/// The inverse of [`millis`], for the same code.
pub(crate) fn from_millis(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// A fresh random identifier: 128 bits as 32 hex digits, for storage keys and attachment ids
/// that must not be guessable.
pub fn random_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}
