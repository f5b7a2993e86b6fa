//! The HTTP client that posts status messages to the National Public Service Portal
//! (`<url>/status`, shared/API.md "National portal link"), behind the application's
//! [`StatusReceiver`] interface. Any answer but 2xx, a timeout or a refused connection is a
//! failure the sender retries with backoff.

use std::time::Duration;

use futures::future::BoxFuture;
use motcua_app::jobs::national_sync::StatusReceiver;
use serde_json::Value;

/// The portal's receiving end.
pub struct NationalPortal {
    client: reqwest::Client,
    status_url: String,
    token: Option<String>,
}

impl std::fmt::Debug for NationalPortal {
    // The token stays out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NationalPortal").field("status_url", &self.status_url).finish_non_exhaustive()
    }
}

impl NationalPortal {
    /// The portal at `url` (its status messages go to `url/status`), called with `token` as a
    /// bearer token when given, waiting at most `timeout` for each answer.
    pub fn new(url: &str, token: Option<String>, timeout: Duration) -> Result<NationalPortal, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("{url}: not an http:// or https:// address"));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(NationalPortal { client, status_url: format!("{}/status", url.trim_end_matches('/')), token })
    }
}

impl StatusReceiver for NationalPortal {
    fn deliver<'a>(&'a self, message: &'a Value) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut request = self.client.post(&self.status_url).json(message);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            let res = request.send().await.map_err(|e| format!("no answer from {}: {e}", self.status_url))?;
            let status = res.status();
            if status.is_success() {
                return Ok(());
            }
            let body: String = res.text().await.unwrap_or_default().chars().take(500).collect();
            Err(format!("the portal answered {status}: {body}"))
        })
    }
}
