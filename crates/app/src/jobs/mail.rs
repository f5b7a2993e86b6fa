//! E-mail to citizens and officers, sent by the job worker (never inside a request, so a slow or
//! absent mail server delays no page and loses no message).
//!
//! Messages are UTF-8 throughout: lettre encodes Vietnamese subjects as RFC 2047 encoded words
//! and bodies as quoted-printable or base64, whichever is shorter. Without an SMTP URL the
//! mailer only writes each message to the log, so a development server needs no mail server.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use motcua_store::jobs::{Job, NewJob};
use serde::{Deserialize, Serialize};

/// The job kind whose payload is an [`Email`].
pub const EMAIL_JOB: &str = "email";

/// How long one exchange with the mail server may take before the attempt fails and is retried
/// later; well inside the time a handler may run (the lease is renewed meanwhile).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// One message: the payload of an `email` job, `{"to", "to_name"?, "subject", "text", "html"?}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The recipient's address, `an@example.vn` (jobs queued by earlier versions may hold
    /// `Nguyễn Văn An <an@example.vn>`, which is still read).
    pub to: String,
    /// The recipient's name as it is, kept apart from the address so that any name — "Trần Thị
    /// (Bé) Bình", "Nguyễn, Văn B" — makes a valid header (lettre quotes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_name: Option<String>,
    /// The subject, in any language.
    pub subject: String,
    /// The plain-text body, which every mail reader can show.
    pub text: String,
    /// An HTML rendering of the same message, sent as an alternative to the text when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

impl Email {
    /// A message to `name` at `address`.
    pub fn to_person(name: &str, address: &str, subject: String, text: String) -> Email {
        let name = name.trim();
        Email {
            to: address.trim().to_string(),
            to_name: (!name.is_empty()).then(|| name.to_string()),
            subject,
            text,
            html: None,
        }
    }

    /// The job that sends this message: enqueue it with `motcua_store::jobs::enqueue_in` in the
    /// transaction of the change the message tells about, so the message is sent if and only if
    /// that change is committed.
    pub fn job(&self) -> NewJob {
        NewJob::new(EMAIL_JOB, serde_json::to_value(self).unwrap_or_default())
    }
}

/// A file sent with a message (the monthly report's PDF): made when the job runs, never kept in
/// the job's payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailAttachment {
    /// The file's name as the recipient sees it.
    pub file_name: String,
    /// Its media type, `application/pdf`.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL or the sender address cannot be used (found at start-up).
    #[error("mail configuration: {0}")]
    Config(String),
    /// The recipient's address is not an address: retrying cannot help.
    #[error("invalid recipient address {0:?}")]
    Address(String),
    /// The message could not be assembled: retrying cannot help.
    #[error("the message could not be built: {0}")]
    Build(String),
    /// The mail server refused the message for good (a 5xx answer).
    #[error("the mail server refused the message: {0}")]
    Refused(String),
    /// The mail server could not be reached or failed for now: worth retrying.
    #[error("the mail server is unavailable: {0}")]
    Unavailable(String),
}

impl MailError {
    /// Whether a later attempt cannot succeed, so the job is given up at once.
    pub fn is_permanent(&self) -> bool {
        !matches!(self, MailError::Unavailable(_))
    }
}

/// Sends messages through one SMTP server, or writes them to the log (development).
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
}

impl std::fmt::Debug for Mailer {
    // The transport holds the SMTP credentials: show only what cannot leak them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).field("smtp", &self.transport.is_some()).finish()
    }
}

impl Mailer {
    /// A mailer for an SMTP URL: `smtp://host:port` (no TLS, for a relay on the same machine),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://user:pass@host` (TLS from
    /// the first byte). `None` or an empty URL gives a mailer that only logs. `from` is the sender,
    /// e.g. `Cổng dịch vụ công <no-reply@example.gov.vn>`. Call it inside the tokio runtime:
    /// the pool of SMTP connections keeps a task there that closes idle connections.
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Mailer, MailError> {
        let from: Mailbox = from.parse().map_err(|e| MailError::Config(format!("sender address {from:?}: {e}")))?;
        let transport = match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    // lettre's message names the part it could not use, never the password.
                    .map_err(|e| MailError::Config(format!("SMTP URL: {e}")))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
        };
        Ok(Mailer { from, transport })
    }

    /// A mailer that only logs, for development and tests that send nothing.
    pub fn log_only() -> Mailer {
        Mailer { from: Mailbox::new(None, "no-reply@localhost".parse().expect("a valid address")), transport: None }
    }

    /// Whether messages only go to the log: the server warns at start-up, since citizens would
    /// otherwise wait for mail that never comes.
    pub fn is_log_only(&self) -> bool {
        self.transport.is_none()
    }

    /// Assembles the message: text alone, or text and HTML as alternatives. `message_id` lets a
    /// resent message keep its identity, so that mail readers show a duplicate once.
    pub fn message(&self, email: &Email, message_id: Option<String>) -> Result<Message, MailError> {
        self.message_with(email, &[], message_id)
    }

    /// Assembles the message with `attachments` after its text (multipart/mixed when there are
    /// any).
    pub fn message_with(
        &self,
        email: &Email,
        attachments: &[MailAttachment],
        message_id: Option<String>,
    ) -> Result<Message, MailError> {
        let to = match &email.to_name {
            Some(name) => {
                let address = email.to.trim().parse().map_err(|_| MailError::Address(email.to.clone()))?;
                Mailbox::new(Some(name.clone()), address)
            }
            None => email.to.trim().parse().map_err(|_| MailError::Address(email.to.clone()))?,
        };
        let builder =
            Message::builder().from(self.from.clone()).to(to).subject(email.subject.as_str()).message_id(message_id);
        let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone());
        let alternative = |html: &String| {
            MultiPart::alternative()
                .singlepart(text.clone())
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone()))
        };
        let built = match (&email.html, attachments.is_empty()) {
            (None, true) => builder.singlepart(text.clone()),
            (Some(html), true) => builder.multipart(alternative(html)),
            (html, false) => {
                let mut mixed = match html {
                    None => MultiPart::mixed().singlepart(text.clone()),
                    Some(html) => MultiPart::mixed().multipart(alternative(html)),
                };
                for a in attachments {
                    let kind = ContentType::parse(&a.content_type)
                        .map_err(|e| MailError::Build(format!("content type {:?}: {e}", a.content_type)))?;
                    mixed = mixed.singlepart(Attachment::new(a.file_name.clone()).body(a.bytes.clone(), kind));
                }
                builder.multipart(mixed)
            }
        };
        built.map_err(|e| MailError::Build(e.to_string()))
    }

    /// Sends a message; `Ok` only once the mail server has accepted it, so that the job that
    /// asked for it is marked done only then.
    pub async fn send(&self, email: &Email, message_id: Option<String>) -> Result<(), MailError> {
        self.send_with(email, &[], message_id).await
    }

    /// Sends a message with files attached; `Ok` only once the mail server has accepted it.
    pub async fn send_with(
        &self,
        email: &Email,
        attachments: &[MailAttachment],
        message_id: Option<String>,
    ) -> Result<(), MailError> {
        let message = self.message_with(email, attachments, message_id)?;
        let Some(transport) = &self.transport else {
            let files: Vec<&str> = attachments.iter().map(|a| a.file_name.as_str()).collect();
            tracing::info!(to = %email.to, subject = %email.subject, text = %email.text, ?files,
                "e-mail written to the log only: no SMTP server is configured");
            return Ok(());
        };
        transport.send(message).await.map(drop).map_err(|e| {
            if e.is_permanent() {
                MailError::Refused(e.to_string())
            } else {
                MailError::Unavailable(e.to_string())
            }
        })
    }

    /// Sends the message of an `email` job, with a Message-ID derived from the job so that a
    /// message resent after a crash is recognisably the same message.
    pub async fn send_job(&self, job: &Job) -> Result<(), MailError> {
        let email: Email = job.payload_as().map_err(|e| MailError::Build(format!("payload: {e}")))?;
        let domain = self.from.email.domain();
        let id = format!("<motcua.job.{}.{}@{domain}>", job.id, job.created_at.timestamp_millis());
        self.send(&email, Some(id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email {
            to: "Nguyễn Văn An <an@example.vn>".into(),
            to_name: None,
            subject: "Hồ sơ đã được tiếp nhận".into(),
            text: "Kính gửi ông Nguyễn Văn An.".into(),
            html: None,
        }
    }

    /// A name is text, not header syntax: brackets, commas and quotes in it neither fail the
    /// message nor add a recipient (the audit: such names made every later e-mail fail).
    #[test]
    fn any_name_makes_a_valid_recipient() {
        for name in ["Trần Thị (Bé) Bình", "Nguyễn, Văn B", "\"Lê\" <x@evil.example>", "  "] {
            let email = Email::to_person(name, "an@example.vn", "Tiêu đề".into(), "Nội dung".into());
            let payload = serde_json::to_value(&email).unwrap();
            let back: Email = serde_json::from_value(payload).unwrap();
            let message = Mailer::log_only().message(&back, None).unwrap();
            let to: Vec<_> = message.envelope().to().iter().map(ToString::to_string).collect();
            assert_eq!(to, ["an@example.vn"], "{name}");
            let headers = String::from_utf8(message.formatted()).unwrap();
            assert!(!headers.contains("evil.example"), "{headers}");
        }
    }

    #[test]
    fn the_payload_is_plain_json_and_html_is_optional() {
        let payload = email().job().payload;
        assert_eq!(
            payload,
            serde_json::json!({"to": "Nguyễn Văn An <an@example.vn>", "subject": "Hồ sơ đã được tiếp nhận",
                "text": "Kính gửi ông Nguyễn Văn An."})
        );
        let back: Email = serde_json::from_value(payload).unwrap();
        assert_eq!(back, email());
    }

    #[tokio::test]
    async fn urls_and_senders_are_checked_at_start_up() {
        assert!(Mailer::new(None, "Cổng dịch vụ công <no-reply@example.gov.vn>").unwrap().is_log_only());
        assert!(Mailer::new(Some(" "), "no-reply@example.gov.vn").unwrap().is_log_only());
        assert!(!Mailer::new(Some("smtp://127.0.0.1:2525"), "no-reply@example.gov.vn").unwrap().is_log_only());
        assert!(!Mailer::new(Some("smtps://u:p@mail.example.vn"), "no-reply@example.gov.vn").unwrap().is_log_only());
        let err = Mailer::new(Some("http://u:secret@mail.example.vn"), "no-reply@example.gov.vn").unwrap_err();
        assert!(matches!(err, MailError::Config(_)), "{err}");
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(matches!(Mailer::new(None, "not an address"), Err(MailError::Config(_))));
    }

    #[test]
    fn a_bad_recipient_is_permanent() {
        let err = Mailer::log_only().message(&Email { to: "không phải địa chỉ".into(), ..email() }, None).unwrap_err();
        assert!(matches!(err, MailError::Address(_)) && err.is_permanent());
        assert!(!MailError::Unavailable("connection refused".into()).is_permanent());
    }

    #[test]
    fn attachments_follow_the_text_in_a_mixed_message() {
        let pdf = MailAttachment {
            file_name: "II06a-tinh-2025-12-01-2025-12-31.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.7 test".to_vec(),
        };
        let m = Mailer::log_only().message_with(&email(), std::slice::from_ref(&pdf), None).unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(raw.contains("Content-Type: application/pdf"), "{raw}");
        assert!(raw.contains("Content-Disposition: attachment;"), "{raw}");
        assert!(raw.contains("\"II06a-tinh-2025-12-01-2025-12-31.pdf\""), "{raw}");
        let bad = MailAttachment { content_type: "not a type".into(), ..pdf };
        assert!(matches!(Mailer::log_only().message_with(&email(), &[bad], None), Err(MailError::Build(_))));
    }

    #[test]
    fn subjects_are_encoded_words_and_bodies_stay_utf8() {
        let m = Mailer::log_only()
            .message(&Email { html: Some("<p>Kính gửi</p>".into()), ..email() }, Some("<x@localhost>".into()))
            .unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.is_ascii(), "7-bit on the wire:\n{raw}");
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("Message-ID: <x@localhost>"), "{raw}");
    }
}
