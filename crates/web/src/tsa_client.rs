//! An RFC 3161 timestamp authority reached over HTTP (RFC 3161 section 3.4: a POST of
//! `application/timestamp-query`, answered with `application/timestamp-reply`), behind the
//! signing crate's [`TimestampAuthority`], which the application core hands to every PAdES
//! signature so that it is B-T. The signing crate checks the answer (granted, this digest, this
//! nonce); this adapter only carries the bytes.

use std::time::Duration;

use motcua_signing::signer::PkiError;
use motcua_signing::tsa::TimestampAuthority;

/// How long an act may wait for the authority before it fails (and is tried again).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A timestamp authority at an `http(s)://` address.
pub struct HttpTimestampAuthority {
    url: reqwest::Url,
    http: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for HttpTimestampAuthority {
    // The address may carry credentials in its user part: only the host is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTimestampAuthority").field("host", &self.url.host_str()).finish_non_exhaustive()
    }
}

impl HttpTimestampAuthority {
    /// An authority at `url`, its requests carried by the tokio runtime this is called in.
    /// Refuses anything but an http(s) address at start-up rather than at the first act.
    pub fn new(url: &str, timeout: Duration) -> Result<HttpTimestampAuthority, String> {
        let url = reqwest::Url::parse(url.trim()).map_err(|e| format!("timestamp authority URL {url:?}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("timestamp authority URL {url}: not http(s)"));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "the timestamp authority's client needs a tokio runtime".to_string())?;
        Ok(HttpTimestampAuthority { url, http, runtime })
    }

    async fn post(&self, request: &[u8]) -> Result<Vec<u8>, String> {
        let response = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
            .body(request.to_vec())
            .send()
            .await
            .map_err(|e| format!("{}: {}", self.url.host_str().unwrap_or("?"), e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{} answered HTTP {status}", self.url.host_str().unwrap_or("?")));
        }
        let bytes = response.bytes().await.map_err(|e| e.without_url().to_string())?;
        Ok(bytes.to_vec())
    }
}

impl TimestampAuthority for HttpTimestampAuthority {
    /// Waits for the answer on the calling thread: signing runs on a blocking thread of the
    /// runtime (`spawn_blocking`), never on one of its workers, where this would panic.
    fn timestamp(&self, request: &[u8]) -> Result<Vec<u8>, PkiError> {
        self.runtime.block_on(self.post(request)).map_err(PkiError::Timestamp)
    }
}
