//! Pure domain rules of motcua: the dossier lifecycle, the working calendar and the legal clock,
//! dossier codes, form definitions and their validation, identity newtypes, the catalog's
//! vocabulary and catalog search, and the rules of organisations applying through representatives.
//!
//! Nothing here performs I/O or knows about SQL or HTTP, so every rule can be tested in isolation
//! and reused by the store, the web edge and the tools.

pub mod actor;
pub mod approval;
pub mod calendar;
pub mod catalog;
pub mod catalog_import;
pub mod code;
pub mod decree61;
pub mod dossier;
pub mod edxml;
pub mod fee;
pub mod form;
pub mod history;
pub mod identity;
pub mod indicator;
pub mod indicators;
pub mod it_application;
pub mod meeting;
pub mod office;
pub mod organisation;
pub mod rating;
pub mod report;
pub mod search;
pub mod text;
pub mod workflow;
