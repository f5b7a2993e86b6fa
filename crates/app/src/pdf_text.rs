//! What a PDF says, for the electronic office's search (issue 15 point 5): the text layer of the
//! PDFs attached to documents (issued documents rendered here, drafts uploaded as PDF, files
//! arriving in edXML packages), folded like every searched text.
//!
//! Read with lopdf, which the signer and the render tests already use and which maps the glyphs
//! of the subset fonts krilla embeds back to letters through their ToUnicode maps. A scan has
//! no text layer and says nothing. Reading is bounded (content per page, characters kept, time)
//! and never stops a file from being attached: a PDF it cannot read is logged and says nothing.

use std::time::Duration;

use bytes::Bytes;
use motcua_store::blobs::StoredBlob;
use motcua_store::office::{NewOfficeAttachment, MAX_TEXT};

/// The most decompressed content of one page read: a small stream cannot inflate without bound.
const MAX_PAGE_CONTENT: usize = 16 * 1024 * 1024;

/// How long reading one file may take before the file is attached without its text.
const MAX_TIME: Duration = Duration::from_secs(10);

/// A file to record with an office document, its bytes already stored as `blob`: with its text
/// when it is a PDF that has one. Every file of the office is recorded through here
/// (registered, drafted, issued, dispatched, arrived by the exchange), so every text PDF is
/// found by what it says.
pub(crate) async fn office_file(
    purpose: &'static str,
    file_name: String,
    content_type: String,
    blob: StoredBlob,
    bytes: &Bytes,
) -> NewOfficeAttachment {
    let text = folded_text(&file_name, &content_type, bytes.clone()).await;
    NewOfficeAttachment { purpose, file_name, content_type, blob, text, signed: false }
}

/// The folded text of `bytes` when they are a PDF with a text layer, at most
/// [`MAX_TEXT`] characters; `None` for anything else, and for a PDF that could not be read
/// (logged with `file_name`).
pub async fn folded_text(file_name: &str, content_type: &str, bytes: Bytes) -> Option<String> {
    if content_type != "application/pdf" {
        return None;
    }
    let task = tokio::task::spawn_blocking(move || read(&bytes));
    let why = match tokio::time::timeout(MAX_TIME, task).await {
        Ok(Ok(Ok(text))) => return Some(text).filter(|t| !t.is_empty()),
        Ok(Ok(Err(e))) => e.to_string(),
        Ok(Err(panicked)) => panicked.to_string(),
        Err(_) => format!("took longer than {} s", MAX_TIME.as_secs()),
    };
    tracing::warn!(file = file_name, error = %why, "the text of a PDF could not be read for search");
    None
}

/// The folded text of a PDF's pages in order, up to [`MAX_TEXT`] characters. A page lopdf
/// cannot read is skipped.
pub fn read(bytes: &[u8]) -> Result<String, lopdf::Error> {
    let doc = lopdf::Document::load_mem(bytes)?;
    let mut out = String::new();
    let mut chars = 0;
    for page in doc.get_pages().into_keys() {
        for chunk in doc.extract_text_chunks_with_limit(&[page], MAX_PAGE_CONTENT).into_iter().flatten() {
            let folded = motcua_domain::text::fold(&chunk);
            if folded.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
                chars += 1;
            }
            chars += folded.chars().count();
            out.push_str(&folded);
        }
        if chars >= MAX_TEXT {
            return Ok(out.chars().take(MAX_TEXT).collect());
        }
    }
    Ok(out)
}
