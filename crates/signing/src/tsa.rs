//! RFC 3161 timestamps: what turns a PAdES B-B signature into B-T, a trusted third party's word
//! that the signature existed at a time, which keeps it verifiable after the signer's
//! certificate expires.
//!
//! The exchange itself is a [`TimestampAuthority`]: this crate makes the request and checks the
//! answer, the caller carries the bytes (over HTTP, `application/timestamp-query`, from the
//! application; the signing crate does no network I/O). [`LocalTsa`] answers in-process with a
//! certificate of the [`crate::x509::TestCa`], for the demo and the tests.
//!
//! The ASN.1 types of RFC 3161 are declared here with `der`'s derive: RustCrypto's `x509-tsp`
//! exists only for the previous der generation.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use der::asn1::{BitString, GeneralizedTime, Int, ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode, Sequence};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::Extensions;
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::cms;
use crate::signer::{PkiError, Signer};

/// The policy of the [`LocalTsa`]'s timestamps, under the enterprise number IANA keeps for
/// examples (32473, RFC 5612).
const LOCAL_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.3161.1");

/// A timestamp authority: takes a DER `TimeStampReq` and returns the DER `TimeStampResp`, as
/// RFC 3161 section 3.4 carries them over HTTP.
pub trait TimestampAuthority: Send + Sync + std::fmt::Debug {
    /// One request, one response. Transport failures are reported as [`PkiError::Timestamp`].
    fn timestamp(&self, request: &[u8]) -> Result<Vec<u8>, PkiError>;
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct MessageImprint {
    pub(crate) hash_algorithm: AlgorithmIdentifierOwned,
    pub(crate) hashed_message: OctetString,
}

/// TimeStampReq (RFC 3161 section 2.4.1).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(default = "Default::default")]
    cert_req: bool,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Extensions>,
}

/// PKIStatusInfo (RFC 3161 section 2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

/// TimeStampResp (RFC 3161 section 2.4.2); the token is kept as it came, a ContentInfo.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<Any>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<u32>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<u16>,
}

/// TSTInfo (RFC 3161 section 2.4.2). The time is kept undecoded: a TSA may write fractions of a
/// second, which DER's GeneralizedTime of this crate does not read, and only the validator needs
/// it.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct TstInfo {
    pub(crate) version: u8,
    pub(crate) policy: ObjectIdentifier,
    pub(crate) message_imprint: MessageImprint,
    pub(crate) serial_number: Int,
    pub(crate) gen_time: Any,
    #[asn1(optional = "true")]
    pub(crate) accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    pub(crate) ordering: bool,
    #[asn1(optional = "true")]
    pub(crate) nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub(crate) tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub(crate) extensions: Option<Extensions>,
}

fn imprint(digest: &[u8; 32]) -> Result<MessageImprint, PkiError> {
    Ok(MessageImprint {
        hash_algorithm: cms::sha256_algorithm(),
        hashed_message: OctetString::new(digest.to_vec()).map_err(PkiError::malformed("imprint"))?,
    })
}

/// A positive INTEGER from random bytes.
fn random_int(len: usize) -> Result<Int, PkiError> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| PkiError::Timestamp(e.to_string()))?;
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    Int::new(&bytes).map_err(PkiError::malformed("integer"))
}

/// A positive INTEGER, minimally encoded as DER wants.
fn positive_int(value: u64) -> Result<Int, PkiError> {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
    let mut minimal = Vec::with_capacity(9);
    if bytes[first] & 0x80 != 0 {
        minimal.push(0);
    }
    minimal.extend_from_slice(&bytes[first..]);
    Int::new(&minimal).map_err(PkiError::malformed("integer"))
}

/// Asks `authority` to timestamp `digest` (the SHA-256 of a signature value) and returns the
/// token, a ContentInfo, once it is checked to be an answer to this request: granted, over this
/// digest, with this nonce.
pub(crate) fn timestamp_token(authority: &dyn TimestampAuthority, digest: &[u8; 32]) -> Result<Any, PkiError> {
    let nonce = random_int(8)?;
    let request = TimeStampReq {
        version: 1,
        message_imprint: imprint(digest)?,
        req_policy: None,
        nonce: Some(nonce.clone()),
        // The TSA's certificate goes into the token, so validators need nothing else.
        cert_req: true,
        extensions: None,
    };
    let request = request.to_der().map_err(PkiError::malformed("timestamp request"))?;
    let response = authority.timestamp(&request)?;
    let response = TimeStampResp::from_der(&response).map_err(PkiError::malformed("timestamp response"))?;
    // 0 granted, 1 granted with modifications; anything else is a refusal.
    if response.status.status > 1 {
        let text = response.status.status_string.unwrap_or_default().join("; ");
        return Err(PkiError::Timestamp(format!("refused (status {}): {text}", response.status.status)));
    }
    let token = response.time_stamp_token.ok_or_else(|| PkiError::Timestamp("granted without a token".into()))?;
    let signed_data = cms::signed_data_from_der(&token.to_der().map_err(PkiError::malformed("timestamp token"))?)?;
    let content = &signed_data.encap_content_info;
    if content.econtent_type != cms::ID_CT_TST_INFO {
        return Err(PkiError::Timestamp("the token does not hold a TSTInfo".into()));
    }
    let tst_info = content
        .econtent
        .as_ref()
        .ok_or_else(|| PkiError::Timestamp("the token is empty".into()))?
        .decode_as::<OctetString>()
        .map_err(PkiError::malformed("timestamp token"))?;
    let tst_info = TstInfo::from_der(tst_info.as_bytes()).map_err(PkiError::malformed("TSTInfo"))?;
    if tst_info.message_imprint.hash_algorithm.oid != cms::ID_SHA256
        || tst_info.message_imprint.hashed_message.as_bytes() != digest
    {
        return Err(PkiError::Timestamp("the token is for other data".into()));
    }
    if tst_info.nonce.as_ref() != Some(&nonce) {
        return Err(PkiError::Timestamp("the token does not answer this request (nonce)".into()));
    }
    Ok(token)
}

/// A timestamp authority in the process, signing with a key whose certificate has the
/// timestamping usage ([`crate::x509::CertificateUse::Timestamping`]). Its clock is the
/// machine's: good for the demo and the tests, not a qualified timestamp.
pub struct LocalTsa {
    signer: Box<dyn Signer>,
    serial: AtomicU64,
}

impl std::fmt::Debug for LocalTsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalTsa").finish_non_exhaustive()
    }
}

impl LocalTsa {
    /// An authority signing with `signer`.
    pub fn new(signer: impl Signer + 'static) -> LocalTsa {
        LocalTsa { signer: Box::new(signer), serial: AtomicU64::new(1) }
    }

    fn answer(&self, request: &[u8]) -> Result<Vec<u8>, PkiError> {
        let request = TimeStampReq::from_der(request).map_err(PkiError::malformed("timestamp request"))?;
        if request.message_imprint.hash_algorithm.oid != cms::ID_SHA256 {
            return Err(PkiError::Timestamp("only SHA-256 imprints are stamped".into()));
        }
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let now = GeneralizedTime::from_system_time(SystemTime::now()).map_err(PkiError::malformed("time"))?;
        let tst_info = TstInfo {
            version: 1,
            policy: request.req_policy.unwrap_or(LOCAL_POLICY),
            message_imprint: request.message_imprint,
            serial_number: positive_int(serial)?,
            gen_time: Any::encode_from(&now).map_err(PkiError::malformed("time"))?,
            accuracy: Some(Accuracy { seconds: Some(1), millis: None, micros: None }),
            ordering: false,
            nonce: request.nonce,
            tsa: None,
            extensions: None,
        };
        let tst_info = tst_info.to_der().map_err(PkiError::malformed("TSTInfo"))?;
        let signed_data =
            cms::signed_data(self.signer.as_ref(), cms::ID_CT_TST_INFO, Some(&tst_info), &crate::digest(&tst_info))?;
        let token = cms::to_content_info_der(&signed_data)?;
        let response = TimeStampResp {
            status: PkiStatusInfo { status: 0, status_string: None, fail_info: None },
            time_stamp_token: Some(Any::from_der(&token).map_err(PkiError::malformed("timestamp token"))?),
        };
        response.to_der().map_err(PkiError::malformed("timestamp response"))
    }
}

impl TimestampAuthority for LocalTsa {
    fn timestamp(&self, request: &[u8]) -> Result<Vec<u8>, PkiError> {
        self.answer(request)
    }
}
