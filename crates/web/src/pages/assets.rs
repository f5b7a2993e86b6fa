//! Static assets compiled into the binary, served under content-hashed names with long cache
//! lifetimes; nothing is loaded from outside the server.
//!
//! The one script only enhances pages that work without it (the error summary takes the focus,
//! its links focus their fields, file sizes are checked before uploading).

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::{AppError, HttpResult};

const CSS: &str = include_str!("../../assets/style.css");
const SCRIPT: &str = include_str!("../../assets/forms.js");
/// The site's icon: a door (*một cửa*, "one door") in the header's colours.
const FAVICON: &str = include_str!("../../assets/favicon.svg");
/// The portal's emblem in the header: an original star-in-a-circle mark drawn for motcua, a
/// stand-in a province replaces with its own (never the national emblem, which is not ours).
const EMBLEM: &str = include_str!("../../assets/emblem.svg");

/// An asset's name with its content hash: `style.<hash>.css`.
fn hashed(stem: &str, ext: &str, content: &str) -> String {
    format!("{stem}.{}.{ext}", &hex::encode(Sha256::digest(content.as_bytes()))[..12])
}

fn css_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| hashed("style", "css", CSS))
}

fn script_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| hashed("forms", "js", SCRIPT))
}

fn favicon_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| hashed("favicon", "svg", FAVICON))
}

fn emblem_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| hashed("emblem", "svg", EMBLEM))
}

/// The emblem's URL.
pub fn emblem_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/static/{}", emblem_name()))
}

/// The stylesheet's URL.
pub fn css_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/static/{}", css_name()))
}

/// The script's URL.
pub fn script_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/static/{}", script_name()))
}

/// The icon's URL.
pub fn favicon_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/static/{}", favicon_name()))
}

/// `/favicon.ico`, asked by browsers of pages that name no icon (a PDF, a JSON answer): the same
/// icon, cached for a day since this address carries no hash.
pub async fn favicon() -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")], FAVICON)
        .into_response()
}

/// Serves an asset by its hashed name.
pub async fn serve(Path(name): Path<String>) -> HttpResult<Response> {
    let (content_type, body) = if name == css_name() {
        ("text/css; charset=utf-8", CSS)
    } else if name == script_name() {
        ("text/javascript; charset=utf-8", SCRIPT)
    } else if name == favicon_name() {
        ("image/svg+xml", FAVICON)
    } else if name == emblem_name() {
        ("image/svg+xml", EMBLEM)
    } else {
        return Err(AppError::not_found().into());
    };
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], body)
        .into_response())
}
