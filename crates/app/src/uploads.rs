//! Uploaded files as use-cases see them: content types sniffed from the bytes (never trusted
//! from the client), file names kept only for display.

use bytes::Bytes;

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

/// Splits files sent for a procedure's documents into those it takes and, by document, why the
/// others are refused (`document-unknown`, `document-type`), so that a form can keep the first
/// while the applicant mends the second.
pub fn accepted_for(
    p: &motcua_store::catalog::Procedure,
    files: Vec<Upload>,
) -> (Vec<Upload>, std::collections::BTreeMap<String, String>) {
    let mut refused = std::collections::BTreeMap::new();
    let mut accepted = Vec::new();
    for f in files {
        if !p.documents.iter().any(|d| d.key == f.part) {
            refused.insert(f.part.clone(), "document-unknown".to_string());
        } else if !ACCEPTED_TYPES.contains(&f.content_type.as_str()) {
            refused.insert(f.part.clone(), "document-type".to_string());
        } else {
            accepted.push(f);
        }
    }
    (accepted, refused)
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
