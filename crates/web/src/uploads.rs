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
}

fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(ErrorKind::PayloadTooLarge)
    } else {
        AppError::with(ErrorKind::BadRequest, "error-bad-multipart")
    }
}

async fn read_limited(field: &mut Field<'_>, limit: usize) -> HttpResult<Bytes> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if buf.len() + chunk.len() > limit {
            return Err(AppError::with(ErrorKind::PayloadTooLarge, "error-file-too-large").into());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Reads a whole multipart body. Files over `max_file` answer 413; text parts are capped at 1 MB.
pub async fn read(mut mp: Multipart, max_file: usize) -> HttpResult<Parts> {
    let mut out = Parts::default();
    while let Some(mut field) = mp.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(clean_file_name) {
            Some(file_name) => {
                let bytes = read_limited(&mut field, max_file).await?;
                if bytes.is_empty() {
                    continue;
                }
                let content_type = sniff(&bytes).unwrap_or("application/octet-stream").to_string();
                out.files.push(Upload { part: name, file_name, content_type, bytes, from_store: false });
            }
            None => {
                let bytes = read_limited(&mut field, 1024 * 1024).await?;
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| AppError::with(ErrorKind::BadRequest, "error-bad-multipart"))?;
                out.fields.insert(name, text);
            }
        }
    }
    Ok(out)
}
