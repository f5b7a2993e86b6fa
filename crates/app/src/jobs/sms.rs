//! SMS to applicants: the provider interface the notification jobs send through and the
//! development provider that only logs. The adapter for brandname-SMS gateways, an HTTP client,
//! is the web crate's `sms_gateway`.
//!
//! A provider answers whether a failed message is worth sending again: the job around it is
//! then retried with backoff, or given up at once.

use std::sync::Mutex;

use futures::future::BoxFuture;

use super::worker::JobError;

/// Why an SMS was not accepted, and whether trying again can help.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SmsError {
    /// What went wrong, kept on the job for an administrator (never a key or a secret).
    pub message: String,
    /// When true the job is given up at once instead of retried.
    pub permanent: bool,
}

impl SmsError {
    /// A failure that may pass: the gateway down or busy, the account out of credit.
    pub fn retry(message: impl Into<String>) -> SmsError {
        SmsError { message: message.into(), permanent: false }
    }

    /// A failure no retry can mend: the gateway refused this message itself.
    pub fn permanent(message: impl Into<String>) -> SmsError {
        SmsError { message: message.into(), permanent: true }
    }
}

impl From<SmsError> for JobError {
    fn from(e: SmsError) -> JobError {
        JobError { permanent: e.permanent, message: e.message }
    }
}

/// Where SMS go. Each call is one message; the job around it retries when the error says so.
pub trait SmsProvider: Send + Sync {
    /// Sends `text` to `phone`; `id` identifies the message for the provider's own deduplication,
    /// so that a job run again after a lost answer does not send it twice.
    fn send<'a>(&'a self, phone: &'a str, text: &'a str, id: &'a str) -> BoxFuture<'a, Result<(), SmsError>>;
}

/// The development provider: writes each message to the log and keeps the latest ones.
#[derive(Default)]
pub struct LogSms {
    sent: Mutex<Vec<(String, String)>>,
}

impl LogSms {
    /// The messages sent so far (phone, text), oldest first, at most the last 1,000.
    pub fn sent(&self) -> Vec<(String, String)> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl SmsProvider for LogSms {
    fn send<'a>(&'a self, phone: &'a str, text: &'a str, id: &'a str) -> BoxFuture<'a, Result<(), SmsError>> {
        Box::pin(async move {
            tracing::info!(phone, id, text, "SMS (logged, not sent)");
            let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
            if sent.len() >= 1000 {
                sent.remove(0);
            }
            sent.push((phone.to_string(), text.to_string()));
            Ok(())
        })
    }
}
