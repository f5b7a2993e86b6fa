//! Dossiers (hồ sơ) from application to result: viewing, applying, acting, assigning,
//! consulting, listing and rating, and an administrator's permission to read one.

pub mod act;
pub mod assign;
pub mod consult;
pub mod inspect;
pub mod queue;
pub mod rate;
pub mod submit;
pub mod view;
