//! Reading uploads from multipart bodies: size limits while streaming, content types sniffed
//! from the bytes (never trusted from the client), file names kept only for display.

use axum::extract::multipart::{Field, Multipart, MultipartError};
use bytes::{Bytes, BytesMut};

use crate::error::{AppError, AppResult, ErrorKind};

/// An uploaded file, checked.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The part name: which document it is.
    pub part: String,
    /// The client's file name, sanitised for display.
    pub file_name: String,
    /// Sniffed content type.
    pub content_type: String,
    /// The bytes.
    pub bytes: Bytes,
    /// Picked from the applicant's document store rather than uploaded ("only once").
    pub from_store: bool,
}

/// The content types accepted for documents: what scanners and phones produce.
pub const ACCEPTED_TYPES: &[&str] = &["application/pdf", "image/jpeg", "image/png", "image/tiff", "image/webp"];

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

async fn read_limited(field: &mut Field<'_>, limit: usize) -> AppResult<Bytes> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if buf.len() + chunk.len() > limit {
            return Err(AppError::with(ErrorKind::PayloadTooLarge, "error-file-too-large"));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Keeps a file name displayable: no path, no control characters, at most 120 characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if cleaned.trim().is_empty() {
        "tep-dinh-kem".into()
    } else {
        cleaned.trim().to_string()
    }
}

/// Sniffs the content type; `None` when it is not an accepted document type.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let kind = infer::get(bytes)?;
    ACCEPTED_TYPES.iter().copied().find(|t| *t == kind.mime_type())
}

/// Reads a whole multipart body. Files over `max_file` answer 413; text parts are capped at 1 MB.
pub async fn read(mut mp: Multipart, max_file: usize) -> AppResult<Parts> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_never_carry_paths() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\An\\giấy khai sinh.pdf"), "giấy khai sinh.pdf");
        assert_eq!(clean_file_name("a\u{0}b\nc.pdf"), "abc.pdf");
        assert_eq!(clean_file_name("/"), "tep-dinh-kem");
    }

    #[test]
    fn content_type_comes_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.4\n%%EOF"), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"MZ\x90\x00 not a document"), None);
        assert_eq!(sniff(b"plain text"), None);
    }
}
