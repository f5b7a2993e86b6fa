//! Static assets compiled into the binary, served under content-hashed names with long cache
//! lifetimes; nothing is loaded from outside the server.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::{AppError, HttpResult};

const CSS: &str = include_str!("../../assets/style.css");

fn css_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| format!("style.{}.css", &hex::encode(Sha256::digest(CSS.as_bytes()))[..12]))
}

/// The stylesheet's URL.
pub fn css_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/static/{}", css_name()))
}

/// Serves an asset by its hashed name.
pub async fn serve(Path(name): Path<String>) -> HttpResult<Response> {
    if name == css_name() {
        Ok((
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            CSS,
        )
            .into_response())
    } else {
        Err(AppError::not_found().into())
    }
}
