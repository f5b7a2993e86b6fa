//! Reading uploads from multipart bodies: size limits while streaming; each file becomes an
//! [`Upload`] with its content type sniffed from the bytes.

use axum::extract::multipart::{Field, Multipart, MultipartError};
use bytes::{Bytes, BytesMut};

pub use motcua_app::uploads::Upload;
use motcua_app::uploads::{clean_file_name, sniff};

use crate::error::{AppError, ErrorKind, HttpResult};

/// A multipart body split into text fields and files.
#[derive(Debug, Default)]
pub struct Parts {
    /// Text parts, by name (the last one wins).
    pub fields: std::collections::HashMap<String, String>,
    /// Non-empty file parts, in order.
    pub files: Vec<Upload>,
    /// File parts left out for being over the size limit, by name ([`read_form`] only).
    pub too_large: Vec<String>,
}

pub(crate) fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(ErrorKind::PayloadTooLarge)
    } else {
        AppError::with(ErrorKind::BadRequest, "error-bad-multipart")
    }
}

/// A part's bytes. Over `limit`, a 413, or with `drain` `None`: the rest of the part is then read
/// and dropped, so that the parts after it can still be read.
async fn read_limited(field: &mut Field<'_>, limit: usize, drain: bool) -> HttpResult<Option<Bytes>> {
    let mut buf = BytesMut::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if over || buf.len() + chunk.len() > limit {
            if !drain {
                return Err(AppError::with(ErrorKind::PayloadTooLarge, "error-file-too-large").into());
            }
            over = true;
            buf.clear();
            continue;
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((!over).then(|| buf.freeze()))
}

/// Reads a whole multipart body. Files over `max_file` answer 413; text parts are capped at 1 MB.
pub async fn read(mp: Multipart, max_file: usize) -> HttpResult<Parts> {
    read_parts(mp, max_file, false).await
}

/// Reads a page's form so that nothing typed is lost to one file too many: a file over
/// `max_file` is left out and named in [`Parts::too_large`], and the parts after it are read
/// on. A body over the server's limit ends the reading there, keeping the parts before it (a
/// file cut short counts as too large). Text parts are capped at 1 MB.
pub async fn read_form(mp: Multipart, max_file: usize) -> HttpResult<Parts> {
    read_parts(mp, max_file, true).await
}

async fn read_parts(mut mp: Multipart, max_file: usize, keep_going: bool) -> HttpResult<Parts> {
    let mut out = Parts::default();
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if keep_going && e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => break,
            Err(e) => return Err(multipart_error(e).into()),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(clean_file_name);
        let limit = if file_name.is_some() { max_file } else { 1024 * 1024 };
        let bytes = match read_limited(&mut field, limit, keep_going && file_name.is_some()).await {
            Ok(bytes) => bytes,
            Err(e) if keep_going && file_name.is_some() && e.0.kind == ErrorKind::PayloadTooLarge => {
                out.too_large.push(name);
                break;
            }
            Err(e) => return Err(e),
        };
        match (file_name, bytes) {
            (_, None) => out.too_large.push(name),
            (Some(_), Some(bytes)) if bytes.is_empty() => {}
            (Some(file_name), Some(bytes)) => {
                let content_type = sniff(&bytes).unwrap_or("application/octet-stream").to_string();
                out.files.push(Upload { part: name, file_name, content_type, bytes, from_store: false });
            }
            (None, Some(bytes)) => {
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| AppError::with(ErrorKind::BadRequest, "error-bad-multipart"))?;
                out.fields.insert(name, text);
            }
        }
    }
    Ok(out)
}
