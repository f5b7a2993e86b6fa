//! Files anyone may upload, without signing in, to have them verified (`/xac-thuc`,
//! `/api/v1/results/verify`), in bounded memory.
//!
//! A file is hashed as it arrives and only a PDF is kept, since its signatures can only be
//! validated over the whole file in memory. What can be held at once is bounded instead: each
//! upload first takes room from a [`Gate`] — a semaphore counting megabytes over all callers,
//! and a count of uploads per client address — and gives it back when its answer is ready.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::extract::multipart::Multipart;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use motcua_app::sealing::ReceivedFile;
use motcua_app::state::{VerifyUploads, VERIFY_MAX_FILE_BYTES};
use motcua_app::AppState;

use crate::error::{AppError, ErrorKind, HttpError, HttpResult};

const MB: usize = 1024 * 1024;

/// What a multipart body carries besides the file: the boundaries, the part headers and the
/// page's CSRF token.
const FORM_OVERHEAD: usize = 64 * 1024;

/// A PDF costs about three times its size while it is checked: its bytes, the objects parsed
/// from them (their streams are copied out), and what the allocator keeps between the two
/// (measured: one 10 MB PDF at a time took the server from 52 MB to 88 MB resident).
const PDF_COST: usize = 3;

/// Seconds a refused caller is told to wait (`Retry-After`): about the time a few files take.
pub const RETRY_AFTER_SECONDS: u64 = 10;

/// Room for uploads, shared by both verification routes.
pub struct Gate {
    megabytes: Arc<Semaphore>,
    capacity_mb: usize,
    clients: Arc<Mutex<HashMap<IpAddr, usize>>>,
    limits: VerifyUploads,
}

/// Why an upload was not let in.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Larger than [`VERIFY_MAX_FILE_BYTES`], by its `Content-Length` (413).
    TooLarge,
    /// The room over all callers stayed taken while the upload waited (503).
    Busy,
    /// This address already has its share of uploads being verified (503).
    ClientBusy,
    /// This address has checked many files or codes lately (429): see `AddressLimiter::verifications`.
    TooMany,
}

impl Refused {
    /// The message key, for both the API and the page.
    pub fn message_key(&self) -> &'static str {
        match self {
            Refused::TooLarge => "error-verify-file-too-large",
            Refused::Busy => "error-verify-busy",
            Refused::ClientBusy => "error-verify-client-busy",
            Refused::TooMany => "error-verify-too-many",
        }
    }

    /// Whether trying again later helps (a `Retry-After`), rather than a smaller file.
    pub fn is_busy(&self) -> bool {
        *self != Refused::TooLarge
    }

    /// The answer's kind: 413, 503 or 429.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Refused::TooLarge => ErrorKind::PayloadTooLarge,
            Refused::Busy | Refused::ClientBusy => ErrorKind::Unavailable,
            Refused::TooMany => ErrorKind::RateLimited,
        }
    }
}

/// The error, worded by the `render_errors` middleware, with its `Retry-After` when trying again
/// later helps.
impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let busy = self.is_busy();
        let mut res = HttpError::from(AppError::with(self.kind(), self.message_key())).into_response();
        if busy {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        res
    }
}

/// The room one upload holds until it is dropped.
pub struct Room {
    megabytes: Option<OwnedSemaphorePermit>,
    _client: Option<ClientSlot>,
    /// The bytes the upload may take: its `Content-Length` when it said, else the largest file.
    expected: usize,
}

impl Room {
    /// The file is not a PDF: nothing of it is kept, so its megabytes go back at once.
    fn give_back_bytes(&mut self) {
        self.megabytes = None;
    }
}

/// One upload counted against its client's address.
struct ClientSlot {
    clients: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = clients.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                clients.remove(&self.ip);
            }
        }
    }
}

impl Gate {
    /// A gate with these limits. A file that costs more than the whole room takes all of it
    /// and is checked alone, so that the largest file always gets in.
    pub fn new(limits: VerifyUploads) -> Self {
        let capacity_mb = limits.in_flight_bytes.div_ceil(MB).max(1);
        Self { megabytes: Arc::new(Semaphore::new(capacity_mb)), capacity_mb, clients: Arc::default(), limits }
    }

    /// Room for an upload of `content_length` bytes (the largest file when unknown) from
    /// `client`: refused at once when too large or when the address has its share, after
    /// waiting up to [`VerifyUploads::wait`] when others hold the room.
    pub async fn admit(&self, client: Option<IpAddr>, content_length: Option<u64>) -> Result<Room, Refused> {
        let limit = VERIFY_MAX_FILE_BYTES + FORM_OVERHEAD;
        let expected = match content_length {
            Some(n) if n > limit as u64 => return Err(Refused::TooLarge),
            Some(n) => n as usize,
            None => limit,
        };
        let client = match client {
            Some(ip) => Some(self.count_client(ip)?),
            None => None,
        };
        let wanted = cost(expected).div_ceil(MB).clamp(1, self.capacity_mb) as u32;
        let permit = tokio::time::timeout(self.limits.wait, self.megabytes.clone().acquire_many_owned(wanted))
            .await
            .map_err(|_| Refused::Busy)?
            .map_err(|_| Refused::Busy)?;
        Ok(Room { megabytes: Some(permit), _client: client, expected })
    }

    fn count_client(&self, ip: IpAddr) -> Result<ClientSlot, Refused> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let n = clients.entry(ip).or_insert(0);
        if *n >= self.limits.per_client {
            return Err(Refused::ClientBusy);
        }
        *n += 1;
        Ok(ClientSlot { clients: self.clients.clone(), ip })
    }
}

/// What holding a file of `bytes` costs while it is checked, were it a PDF.
fn cost(bytes: usize) -> usize {
    bytes.saturating_mul(PDF_COST)
}

/// The room of the request's upload, taken before its body is read: `Ok` when let in.
pub struct Admitted(pub Result<Room, Refused>);

impl FromRequestParts<AppState> for Admitted {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(edge) = parts.extensions.get::<Arc<crate::EdgeServices>>().cloned() else {
            // The router always adds the gate; without it nothing could bound the upload.
            return Ok(Admitted(Err(Refused::Busy)));
        };
        let content_length =
            parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        let Ok(crate::client::ClientIp(client)) = crate::client::ClientIp::from_request_parts(parts, state).await;
        if !state.verifications.allow(client).await {
            return Ok(Admitted(Err(Refused::TooMany)));
        }
        Ok(Admitted(edge.verify_gate.admit(Some(client), content_length).await))
    }
}

/// Reads the file part `part` of a verification upload, hashing it as it arrives and keeping
/// its bytes only when it is a PDF; other parts are read and dropped. `None` when there is no
/// such part or it is empty; 413 (`error-verify-file-too-large`) over
/// [`VERIFY_MAX_FILE_BYTES`].
pub async fn read_file(mp: &mut Multipart, part: &str, room: &mut Room) -> HttpResult<Option<ReceivedFile>> {
    let mut found = None;
    while let Some(mut field) = mp.next_field().await.map_err(crate::uploads::multipart_error)? {
        let wanted = found.is_none() && field.name() == Some(part) && field.file_name().is_some();
        if !wanted {
            while field.chunk().await.map_err(crate::uploads::multipart_error)?.is_some() {}
            continue;
        }
        let mut hash = Sha256::new();
        let mut size = 0usize;
        // Room for the whole file at once, so that growing the buffer never holds two copies.
        let mut kept = Some(BytesMut::with_capacity(room.expected.min(VERIFY_MAX_FILE_BYTES)));
        let mut decided = false;
        while let Some(chunk) = field.chunk().await.map_err(crate::uploads::multipart_error)? {
            size += chunk.len();
            if size > VERIFY_MAX_FILE_BYTES {
                return Err(AppError::with(ErrorKind::PayloadTooLarge, Refused::TooLarge.message_key()).into());
            }
            hash.update(&chunk);
            if let Some(buf) = kept.as_mut() {
                buf.extend_from_slice(&chunk);
                if !decided && buf.len() >= 16 {
                    decided = true;
                    if !is_pdf(buf) {
                        kept = None;
                        room.give_back_bytes();
                    }
                }
            }
        }
        if size == 0 {
            continue;
        }
        let pdf = kept.filter(|buf| is_pdf(buf)).map(BytesMut::freeze);
        if pdf.is_none() {
            room.give_back_bytes();
        }
        found = Some(ReceivedFile { sha256: hex::encode(hash.finalize()), pdf });
    }
    Ok(found)
}

fn is_pdf(head: &[u8]) -> bool {
    motcua_app::uploads::sniff(head) == Some("application/pdf")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn gate(in_flight_mb: usize, per_client: usize) -> Gate {
        Gate::new(VerifyUploads { in_flight_bytes: in_flight_mb * MB, per_client, wait: Duration::ZERO })
    }

    #[tokio::test]
    async fn one_address_gets_its_share_and_no_more() {
        let gate = gate(1000, 2);
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let first = gate.admit(Some(a), Some(1000)).await.unwrap();
        let _second = gate.admit(Some(a), Some(1000)).await.unwrap();
        assert_eq!(gate.admit(Some(a), Some(1000)).await.err(), Some(Refused::ClientBusy));
        assert!(gate.admit(Some(b), Some(1000)).await.is_ok(), "another address is not held up");
        drop(first);
        assert!(gate.admit(Some(a), Some(1000)).await.is_ok(), "a finished upload frees its place");
    }

    #[tokio::test]
    async fn the_megabytes_held_at_once_are_bounded() {
        let gate = gate(60, 100);
        let ten_mb = Some(10 * MB as u64);
        let held: Vec<Room> = admit_many(&gate, ten_mb, 2).await;
        assert_eq!(held.len(), 2, "two 10 MB PDFs fit in 60 MB, at three times their size");
        assert_eq!(gate.admit(None, ten_mb).await.err(), Some(Refused::Busy));
        drop(held);
        assert!(gate.admit(None, ten_mb).await.is_ok());
        assert_eq!(gate.admit(None, Some(VERIFY_MAX_FILE_BYTES as u64 * 2)).await.err(), Some(Refused::TooLarge));
    }

    async fn admit_many(gate: &Gate, length: Option<u64>, n: usize) -> Vec<Room> {
        let mut rooms = Vec::new();
        for _ in 0..n {
            rooms.push(gate.admit(None, length).await.unwrap());
        }
        rooms
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_pdf_gives_its_room_back() {
        let gate = gate(30, 100);
        // Of unknown length, it might be of the largest size: it takes the whole room.
        let mut room = gate.admit(None, None).await.unwrap();
        assert_eq!(gate.admit(None, Some(MB as u64)).await.err(), Some(Refused::Busy));
        room.give_back_bytes();
        assert!(gate.admit(None, Some(MB as u64)).await.is_ok());
    }
}
