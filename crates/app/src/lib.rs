//! The application core of motcua: every use-case, between the pure rules of the domain crate
//! and the HTTP edge of the web crate.
//!
//! A use-case takes typed input (a user, a dossier code, a parsed command), checks who may do
//! it, runs the domain's rules, stores the outcome through the store crate and answers with a
//! view or an [`error::AppError`] that carries a stable code, never an HTTP status. The web
//! crate parses requests into these inputs and renders the answers; the binary and the tests
//! call the same functions.

pub mod accounts;
pub mod attachments;
pub mod catalog;
pub mod catalog_import;
pub mod citizen_store;
pub mod counting;
pub mod dossiers;
pub mod drafts;
pub mod edxml;
pub mod error;
pub mod forms;
pub mod gateway;
pub mod i18n;
pub mod identity;
pub mod indicators;
pub mod issued;
pub mod it_application;
pub mod jobs;
pub mod keys;
pub mod lifecycle;
pub mod meetings;
pub mod national;
pub mod office;
pub mod office_chain;
pub mod office_versions;
pub mod organisations;
pub mod password_reset;
pub mod passwords;
pub mod payments;
pub mod pdf_text;
pub mod pki;
pub mod present;
pub mod procedures;
pub mod providers;
pub mod public_figures;
pub mod questions;
pub mod refusals;
pub mod registration;
pub mod reports;
pub mod sealing;
pub mod state;
pub mod step_up;
pub mod two_factor;
pub mod uploads;

pub use state::{AppState, Config};
