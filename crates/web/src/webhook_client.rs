//! The HTTP client of webhook deliveries, behind the application's [`WebhookPoster`]
//! interface: a JSON POST with the delivery's signature headers; any answer but 2xx, a timeout
//! or a refused connection is a failure the sender retries with backoff.

use std::time::Duration;

use futures::future::BoxFuture;
use motcua_app::jobs::webhooks::{Headers, WebhookPoster};

/// Posts webhook deliveries.
#[derive(Debug, Clone)]
pub struct WebhookClient {
    client: reqwest::Client,
}

impl WebhookClient {
    /// A client waiting at most `timeout` for each answer.
    pub fn new(timeout: Duration) -> Result<WebhookClient, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(WebhookClient { client })
    }
}

impl WebhookPoster for WebhookClient {
    fn post<'a>(&'a self, url: &'a str, headers: Headers, body: &'a str) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut request =
                self.client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body.to_string());
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let res = request.send().await.map_err(|e| format!("no answer from {url}: {e}"))?;
            let status = res.status();
            if status.is_success() {
                return Ok(());
            }
            let text: String = res.text().await.unwrap_or_default().chars().take(500).collect();
            Err(format!("the receiver answered {status}: {text}"))
        })
    }
}
