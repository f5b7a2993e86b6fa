//! The multipart reader of uploads (`motcua_web` `uploads::read` and `read_form`), on any body
//! under a fixed boundary, through axum's `Multipart` extractor as the handlers get it: no panic,
//! and nothing kept over the limits it is given.
#![no_main]

use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use libfuzzer_sys::fuzz_target;
use motcua_web::fuzzing::{read, read_form, Parts};

/// The boundary of the seed bodies in fuzz/corpus/multipart_upload.
const BOUNDARY: &str = "motcua-fuzz-boundary";
/// Small, so that the fuzzer reaches the size limit often.
const MAX_FILE: usize = 64;
/// The reader's cap on a text part.
const MAX_TEXT: usize = 1024 * 1024;

static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().build().expect("a tokio runtime"));

async fn multipart(body: &[u8]) -> Multipart {
    let req = Request::builder()
        .method("POST")
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(body.to_vec()))
        .expect("a request");
    Multipart::from_request(req, &()).await.expect("the content type is multipart")
}

fn check(parts: &Parts) {
    for file in &parts.files {
        assert!(!file.bytes.is_empty(), "empty files are dropped");
        assert!(file.bytes.len() <= MAX_FILE, "a file of {} bytes kept over {MAX_FILE}", file.bytes.len());
    }
    for value in parts.fields.values() {
        assert!(value.len() <= MAX_TEXT, "a text part of {} bytes kept", value.len());
    }
}

fuzz_target!(|body: &[u8]| {
    RUNTIME.block_on(async {
        if let Ok(parts) = read(multipart(body).await, MAX_FILE).await {
            assert!(parts.too_large.is_empty(), "read refuses a body over the limit rather than skip");
            check(&parts);
        }
        if let Ok(parts) = read_form(multipart(body).await, MAX_FILE).await {
            check(&parts);
        }
    });
});
