//! Validation of the PAdES signatures of a PDF: what the public verification page (`/xac-thuc`)
//! tells a citizen or an official about a file, whoever signed it (motcua, a PDF reader, another
//! system), using only the bytes of the file, the trust roots and the CRLs it is given.
//!
//! For each signature dictionary (`/Type /Sig` with `/ByteRange` and `/Contents`):
//!
//! 1. the `/ByteRange` must be `[0 a b c]` with the hole `a..b` exactly the `/Contents` hex string,
//!    and covers either the whole file or a revision of it that later incremental updates follow;
//! 2. the digest of the covered bytes must be the CMS signed attribute messageDigest;
//! 3. the CMS signature must verify over the signed attributes with the signer's certificate
//!    (RSA PKCS#1 v1.5 with SHA-256, -384 or -512: what motcua and the Vietnamese CAs produce);
//! 4. the certificate must chain, each link's signature checked, to one of the trust roots;
//! 5. the signing time (the timestamp's when there is one, else the signer's claimed `/M`) must lie
//!    within the validity of every certificate of the path;
//! 6. an RFC 3161 signature timestamp, if present, must be over the signature value, intact, and
//!    by a timestamping certificate that chains to the trust roots;
//! 7. revocation is looked up only in the CRLs given (signature checked, issuer matched); without
//!    any, it is reported as not checked, never as good.
//!
//! ECDSA and RSA-PSS signatures are reported as an algorithm this validator does not check,
//! rather than as broken. Nothing here reads a file or the network: the caller loads the trust
//! roots and CRLs once and hands them in.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{AnyRef, Decode, Encode, Header, Reader, SliceReader, Tag, Tagged};
use sha2::Digest;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, SubjectKeyIdentifier};
use x509_cert::Certificate;

use crate::cms;
use crate::signer::rsa_public_key;
use crate::tsa::TstInfo;

const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const OID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");

/// The longest certification path followed: a root, a few intermediates, the signer.
const MAX_PATH: usize = 8;

/// What a signature is checked against: the roots a validator trusts, and the CRLs it has.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    roots: Vec<Certificate>,
    crls: Vec<CertificateList>,
}

impl TrustStore {
    /// Trusts `roots` and looks revocation up in `crls` (none: revocation is not checked).
    pub fn new(roots: Vec<Certificate>, crls: Vec<CertificateList>) -> TrustStore {
        TrustStore { roots, crls }
    }

    /// The roots trusted.
    pub fn roots(&self) -> &[Certificate] {
        &self.roots
    }

    /// Whether any CRL was given, i.e. whether revocation is checked at all.
    pub fn checks_revocation(&self) -> bool {
        !self.crls.is_empty()
    }
}

/// Every certificate of a PEM file (`-----BEGIN CERTIFICATE-----` blocks, as CAs publish their
/// roots), or the one certificate of a DER file.
pub fn certificates_from_bytes(bytes: &[u8]) -> Result<Vec<Certificate>, crate::signer::PkiError> {
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let certificates =
            Certificate::load_pem_chain(bytes).map_err(crate::signer::PkiError::malformed("certificate"))?;
        if certificates.is_empty() {
            return Err(crate::signer::PkiError::Malformed { what: "certificate", detail: "no certificate".into() });
        }
        return Ok(certificates);
    }
    Ok(vec![Certificate::from_der(bytes).map_err(crate::signer::PkiError::malformed("certificate"))?])
}

/// A CRL from its DER or PEM (`-----BEGIN X509 CRL-----`) bytes.
pub fn crl_from_bytes(bytes: &[u8]) -> Result<CertificateList, crate::signer::PkiError> {
    use der::DecodePem;
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN") => {
            CertificateList::from_pem(text).map_err(crate::signer::PkiError::malformed("CRL"))
        }
        _ => CertificateList::from_der(bytes).map_err(crate::signer::PkiError::malformed("CRL")),
    }
}

/// What part of the file a signature covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// Every byte but its own `/Contents`.
    WholeFile,
    /// The file as it was when signed (`signed` bytes); `file - signed` bytes of later
    /// incremental updates follow, which this signature does not vouch for.
    Revision {
        /// Bytes of the revision signed.
        signed: usize,
        /// Bytes of the file.
        file: usize,
    },
    /// The `/ByteRange` is not `[0 a b c]` around this signature's `/Contents`, or goes past the
    /// end of the file: the signature cannot be said to cover anything.
    Invalid,
}

/// Whether the signed bytes are the ones signed, and the signature the certificate's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Integrity {
    /// The digest matches and the signature verifies.
    Intact,
    /// The covered bytes are not the ones signed: the file was changed.
    DigestMismatch,
    /// The signed attributes do not verify with the signer's certificate.
    BadSignature,
    /// The signature uses an algorithm this validator does not check (named).
    Unsupported(String),
    /// The `/Contents` is not a CMS SignedData this validator can read, or lacks the signer's
    /// certificate (what is wrong).
    Malformed(String),
}

/// Whether the signer's certificate chains to a trust root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chain {
    /// The path ends at this trusted root (its common name).
    Trusted {
        /// The root's common name.
        root: String,
    },
    /// No trust roots are configured.
    NoTrustRoots,
    /// The path ends at a certificate that is not a trust root (a self-signed one, or an issuer
    /// the file does not include).
    NotTrusted,
    /// A certificate of the path is not signed by its issuer's key, or its issuer is not a CA.
    BadPath,
}

impl Chain {
    /// Whether the path reached a trust root.
    pub fn is_trusted(&self) -> bool {
        matches!(self, Chain::Trusted { .. })
    }
}

/// Whether the signer's certificate was revoked, by the CRLs given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// No CRL was configured: not checked.
    NotChecked,
    /// A current CRL of the issuer does not list the certificate.
    Good,
    /// The issuer's CRL lists the certificate, revoked at this time.
    Revoked(DateTime<Utc>),
    /// CRLs are configured, but none is the issuer's, current and correctly signed.
    Unknown,
}

/// An RFC 3161 signature timestamp, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampCheck {
    /// The time the authority vouches for.
    pub time: Option<DateTime<Utc>>,
    /// The authority (its certificate's common name).
    pub authority: Option<String>,
    /// The token is over this signature's value, and its own signature verifies.
    pub intact: bool,
    /// The authority's certificate is for timestamping and chains to a trust root.
    pub trusted: bool,
}

/// The holder of a certificate, as the page names a signer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// CN: a person's name or an agency's.
    pub common_name: Option<String>,
    /// O: the organization.
    pub organization: Option<String>,
}

/// One signature of a PDF, checked.
#[derive(Clone, Debug)]
pub struct SignatureReport {
    /// The signature field's name (`/T`).
    pub field: Option<String>,
    /// The signer's certificate's holder, when the certificate was found.
    pub signer: Option<Holder>,
    /// The time the signer claims (`/M`): their word, not proof.
    pub claimed_time: Option<DateTime<FixedOffset>>,
    /// What the signature covers.
    pub coverage: Coverage,
    /// Whether the covered bytes are unchanged and the signature is the certificate's.
    pub integrity: Integrity,
    /// Whether the certificate chains to a trust root.
    pub chain: Chain,
    /// Whether the signing time lies within the validity of every certificate of the path
    /// (false when no certificate was found).
    pub within_validity: bool,
    /// The signature timestamp, if the signature carries one.
    pub timestamp: Option<TimestampCheck>,
    /// Whether the certificate was revoked.
    pub revocation: Revocation,
}

impl SignatureReport {
    /// The time the signature was made, as well as it is known: the timestamp's (proven) when
    /// there is an intact one, else the signer's claim.
    pub fn signing_time(&self) -> Option<DateTime<Utc>> {
        self.timestamp
            .as_ref()
            .filter(|t| t.intact)
            .and_then(|t| t.time)
            .or_else(|| self.claimed_time.map(|t| t.with_timezone(&Utc)))
    }

    /// Valid for the revision it covers: intact, trusted, made while the certificate was valid,
    /// not revoked, and its timestamp (if any) intact and trusted.
    pub fn is_valid(&self) -> bool {
        self.coverage != Coverage::Invalid
            && self.integrity == Integrity::Intact
            && self.chain.is_trusted()
            && self.within_validity
            && !matches!(self.revocation, Revocation::Revoked(_))
            && self.timestamp.as_ref().is_none_or(|t| t.intact && t.trusted)
    }
}

/// Checks every signature of `pdf` against `trust`, oldest first; `now` is when revocation lists
/// must be current (and the signing time when a signature states none). A file that is not a
/// PDF, or has no signature, gives none.
pub fn validate_pdf(pdf: &[u8], trust: &TrustStore, now: DateTime<Utc>) -> Vec<SignatureReport> {
    let mut found = find_signatures(pdf);
    found.sort_by_key(|s| s.byte_range.get(2).zip(s.byte_range.get(3)).map(|(a, b)| a.saturating_add(*b)));
    found.into_iter().map(|s| check(pdf, &s, trust, now)).collect()
}

/// A signature dictionary as found in the file.
struct Found {
    field: Option<String>,
    byte_range: Vec<i64>,
    contents: Vec<u8>,
    claimed: Option<DateTime<FixedOffset>>,
}

/// The signature dictionaries of the file, read with lopdf (through object streams and every
/// revision's cross-reference section); when the file does not even parse, the `/ByteRange`s
/// written in it, so that a damaged signed file is reported broken rather than unsigned.
fn find_signatures(pdf: &[u8]) -> Vec<Found> {
    let Ok(doc) = lopdf::Document::load_mem(pdf) else { return scan_byte_ranges(pdf) };
    use lopdf::Object;
    let mut names: HashMap<lopdf::ObjectId, String> = HashMap::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        if let (Ok(Object::Reference(value)), Ok(name)) = (dict.get(b"V"), dict.get(b"T")) {
            if let Ok(name) = lopdf::decode_text_string(name) {
                names.insert(*value, name);
            }
        }
    }
    let mut found = Vec::new();
    for (id, object) in &doc.objects {
        let Ok(dict) = object.as_dict() else { continue };
        let (Ok(range), Ok(Object::String(contents, _))) = (dict.get(b"ByteRange"), dict.get(b"Contents")) else {
            continue;
        };
        // Document timestamps (ETSI.RFC3161) vouch for a time, not for a signer: not listed.
        if dict.get(b"SubFilter").and_then(Object::as_name).is_ok_and(|n| n == b"ETSI.RFC3161") {
            continue;
        }
        let Ok(range) = range.as_array() else { continue };
        found.push(Found {
            field: names.get(id).cloned(),
            byte_range: range.iter().filter_map(|n| n.as_i64().ok()).collect(),
            contents: contents.clone(),
            claimed: dict
                .get(b"M")
                .ok()
                .and_then(|m| m.as_str().ok())
                .and_then(|m| pdf_date(&String::from_utf8_lossy(m))),
        });
    }
    found
}

/// `/ByteRange [a b c d]` as written in the bytes, each with the hole it names as `/Contents`.
fn scan_byte_ranges(pdf: &[u8]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = pdf[at..].windows(10).position(|w| w == b"/ByteRange") {
        let start = at + i + 10;
        at = start;
        let Some(open) = pdf[start..].iter().take(8).position(|&b| b == b'[') else { continue };
        let Some(close) = pdf[start + open..].iter().take(64).position(|&b| b == b']') else { continue };
        let text = String::from_utf8_lossy(&pdf[start + open + 1..start + open + close]);
        let range: Vec<i64> = text.split_ascii_whitespace().filter_map(|n| n.parse().ok()).collect();
        let contents = hole(pdf, &range).and_then(|h| hex_contents(&pdf[h.0 + 1..h.1 - 1])).unwrap_or_default();
        found.push(Found { field: None, byte_range: range, contents, claimed: None });
    }
    found
}

/// The `(start, end)` of the `/Contents` hole a byte range leaves, `<` and `>` included, when the
/// range is `[0 a b c]` within the file with a hex string in the hole.
fn hole(pdf: &[u8], range: &[i64]) -> Option<(usize, usize)> {
    let [0, a, b, c] = range[..] else { return None };
    let (a, b, c) = (usize::try_from(a).ok()?, usize::try_from(b).ok()?, usize::try_from(c).ok()?);
    if a >= b || b.checked_add(c)? > pdf.len() || b - a < 2 {
        return None;
    }
    let inside = &pdf[a + 1..b - 1];
    let is_hex = inside.iter().all(|c| c.is_ascii_hexdigit() || c.is_ascii_whitespace());
    (pdf[a] == b'<' && pdf[b - 1] == b'>' && is_hex).then_some((a, b))
}

fn hex_contents(text: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.iter().copied().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut digits = digits;
    if digits.len() % 2 == 1 {
        digits.push(b'0');
    }
    hex::decode(digits).ok()
}

/// A PDF date (`D:YYYYMMDDHHmmSSOHH'mm'`, everything after the year optional).
fn pdf_date(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits = |from: usize, to: usize, default: u32| -> Option<u32> {
        match text.get(from..to) {
            Some(s) if s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
            Some(_) => None,
            None => Some(default),
        }
    };
    let year = i32::try_from(digits(0, 4, 0)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(4, 6, 1)?, digits(6, 8, 1)?)?;
    let time = date.and_hms_opt(digits(8, 10, 0)?, digits(10, 12, 0)?, digits(12, 14, 0)?)?;
    let offset = match text.as_bytes().get(14) {
        Some(sign @ (b'+' | b'-')) => {
            let rest: String = text[15..].chars().filter(char::is_ascii_digit).collect();
            let hours: i32 = rest.get(0..2).and_then(|h| h.parse().ok()).unwrap_or(0);
            let minutes: i32 = rest.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
            let seconds = (hours * 60 + minutes) * 60;
            FixedOffset::east_opt(if *sign == b'-' { -seconds } else { seconds })?
        }
        _ => FixedOffset::east_opt(0)?,
    };
    offset.from_local_datetime(&time).single()
}

fn check(pdf: &[u8], found: &Found, trust: &TrustStore, now: DateTime<Utc>) -> SignatureReport {
    let mut report = SignatureReport {
        field: found.field.clone(),
        signer: None,
        claimed_time: found.claimed,
        coverage: Coverage::Invalid,
        integrity: Integrity::Malformed("no signature".into()),
        chain: Chain::NotTrusted,
        within_validity: false,
        timestamp: None,
        revocation: if trust.checks_revocation() { Revocation::Unknown } else { Revocation::NotChecked },
    };
    // The hole must be this dictionary's /Contents, not some other string of the file.
    let hole = hole(pdf, &found.byte_range)
        .filter(|(a, b)| hex_contents(&pdf[a + 1..b - 1]).is_some_and(|bytes| bytes == found.contents));
    let signed_len = match found.byte_range[..] {
        [_, _, b, c] => usize::try_from(b.saturating_add(c)).unwrap_or(usize::MAX),
        _ => usize::MAX,
    };
    if hole.is_some() {
        report.coverage = if signed_len == pdf.len() {
            Coverage::WholeFile
        } else {
            Coverage::Revision { signed: signed_len, file: pdf.len() }
        };
    }

    let der = match trim_der(&found.contents) {
        Some(der) => der,
        None => {
            report.integrity = Integrity::Malformed("the /Contents is not DER".into());
            return report;
        }
    };
    let signed_data = match cms::signed_data_from_der(der) {
        Ok(sd) => sd,
        Err(e) => {
            report.integrity = Integrity::Malformed(e.to_string());
            return report;
        }
    };
    let certificates = embedded_certificates(&signed_data);
    let covered: Vec<&[u8]> = match (hole, signed_len <= pdf.len()) {
        (Some((a, b)), true) => vec![&pdf[..a], &pdf[b..signed_len]],
        _ => Vec::new(),
    };
    let (integrity, signer) = verify_signer(&signed_data, der, &certificates, &covered);
    // A signature that verifies over no bytes of the file (its byte range invalid) vouches for
    // nothing here.
    report.integrity = match integrity {
        Integrity::Intact if report.coverage == Coverage::Invalid => Integrity::DigestMismatch,
        other => other,
    };
    let Some(signer) = signer else { return report };
    report.signer = Some(holder(&signer));

    // The timestamp first: its time, when proven, is the one the certificates must be valid at.
    if let Some(info) = signed_data.signer_infos.0.get(0) {
        report.timestamp = timestamp_of(info, trust, now);
    }
    let at = report.signing_time().unwrap_or(now);
    let (chain, path) = build_path(&signer, &certificates, trust);
    report.chain = chain;
    report.within_validity = path.iter().all(|c| valid_at(c, at));
    if trust.checks_revocation() {
        report.revocation = revocation(&signer, path.get(1), trust, now);
    }
    report
}

/// The DER element at the start of `bytes`, without the zeros that pad a `/Contents`.
fn trim_der(bytes: &[u8]) -> Option<&[u8]> {
    let mut reader = SliceReader::new(bytes).ok()?;
    let header = Header::decode(&mut reader).ok()?;
    let total = usize::try_from(header.encoded_len().ok()?).ok()? + usize::try_from(header.length()).ok()?;
    bytes.get(..total)
}

fn embedded_certificates(signed_data: &::cms::signed_data::SignedData) -> Vec<Certificate> {
    signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            ::cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// The raw DER of the first SignerInfo's signed attributes, re-tagged as the SET OF that was
/// signed (RFC 5652 section 5.4). Taken from the bytes rather than re-encoded, so that a signer
/// whose attributes are not in DER order still verifies.
fn raw_signed_attributes(content_info: &[u8]) -> Option<Vec<u8>> {
    fn inside(any: AnyRef<'_>) -> Option<SliceReader<'_>> {
        SliceReader::new(any.value()).ok()
    }
    let mut top = SliceReader::new(content_info).ok()?;
    let info = inside(AnyRef::decode(&mut top).ok()?)?;
    let mut info = info;
    let _content_type = AnyRef::decode(&mut info).ok()?;
    let explicit = AnyRef::decode(&mut info).ok()?;
    let mut explicit = inside(explicit)?;
    let mut signed_data = inside(AnyRef::decode(&mut explicit).ok()?)?;
    let mut signer_infos = None;
    while !signed_data.is_finished() {
        let element = AnyRef::decode(&mut signed_data).ok()?;
        signer_infos = Some(element);
    }
    let mut signer_infos = inside(signer_infos?)?;
    let mut signer_info = inside(AnyRef::decode(&mut signer_infos).ok()?)?;
    while !signer_info.is_finished() {
        let element = AnyRef::decode(&mut signer_info).ok()?;
        if element.tag() == (Tag::ContextSpecific { constructed: true, number: der::TagNumber(0) }) {
            let length = der::Length::try_from(element.value().len()).ok()?;
            let mut out = Header::new(Tag::Set, length).to_der().ok()?;
            out.extend_from_slice(element.value());
            return Some(out);
        }
    }
    None
}

/// The digest algorithms accepted for what is signed; SHA-1 is not.
#[derive(Clone, Copy)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn of_oid(oid: ObjectIdentifier) -> Option<Hash> {
        match oid {
            cms::ID_SHA256 => Some(Hash::Sha256),
            ID_SHA384 => Some(Hash::Sha384),
            ID_SHA512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            hasher.finalize().to_vec()
        }
        match self {
            Hash::Sha256 => run::<sha2::Sha256>(parts),
            Hash::Sha384 => run::<sha2::Sha384>(parts),
            Hash::Sha512 => run::<sha2::Sha512>(parts),
        }
    }

    fn pkcs1v15(self) -> rsa::pkcs1v15::Pkcs1v15Sign {
        use rsa::pkcs1v15::Pkcs1v15Sign;
        match self {
            Hash::Sha256 => Pkcs1v15Sign::new::<rsa::sha2::Sha256>(),
            Hash::Sha384 => Pkcs1v15Sign::new::<rsa::sha2::Sha384>(),
            Hash::Sha512 => Pkcs1v15Sign::new::<rsa::sha2::Sha512>(),
        }
    }
}

/// Whether `signature` over `message` verifies with `certificate`'s key, for the signature
/// algorithm `algorithm` (with `digest` the hash when the algorithm is plain rsaEncryption).
fn verify_with(
    certificate: &Certificate,
    algorithm: ObjectIdentifier,
    digest: Option<Hash>,
    message: &[&[u8]],
    signature: &[u8],
) -> Result<bool, String> {
    let hash = match algorithm {
        SHA256_WITH_RSA => Hash::Sha256,
        SHA384_WITH_RSA => Hash::Sha384,
        SHA512_WITH_RSA => Hash::Sha512,
        RSA_ENCRYPTION => digest.ok_or("rsaEncryption without a digest algorithm")?,
        other => return Err(algorithm_name(other)),
    };
    let key = rsa_public_key(certificate).map_err(|e| e.to_string())?;
    Ok(key.verify(hash.pkcs1v15(), &hash.digest(message), signature).is_ok())
}

fn algorithm_name(oid: ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "1.2.840.10045.4.3.2" => "ECDSA with SHA-256".into(),
        "1.2.840.10045.4.3.3" => "ECDSA with SHA-384".into(),
        "1.2.840.10045.4.3.4" => "ECDSA with SHA-512".into(),
        "1.2.840.113549.1.1.10" => "RSASSA-PSS".into(),
        "1.2.840.113549.1.1.5" => "RSA with SHA-1".into(),
        other => other.to_string(),
    }
}

/// Checks the first SignerInfo of `signed_data` over `content` (the parts of the signed bytes):
/// whether it is intact, and the signer's certificate when it was found.
fn verify_signer(
    signed_data: &::cms::signed_data::SignedData,
    content_info_der: &[u8],
    certificates: &[Certificate],
    content: &[&[u8]],
) -> (Integrity, Option<Certificate>) {
    let Some(info) = signed_data.signer_infos.0.get(0) else {
        return (Integrity::Malformed("no signer".into()), None);
    };
    let certificate = certificates.iter().find(|c| identifies(&info.sid, c)).cloned();
    let Some(certificate) = certificate else {
        return (Integrity::Malformed("the signer's certificate is not in the signature".into()), None);
    };
    let fail = |integrity: Integrity| (integrity, Some(certificate.clone()));
    let Some(hash) = Hash::of_oid(info.digest_alg.oid) else {
        return fail(Integrity::Unsupported(algorithm_name(info.digest_alg.oid)));
    };
    let digest = hash.digest(content);
    let signed_message: Vec<u8>;
    let message: Vec<&[u8]> = match &info.signed_attrs {
        Some(attributes) => {
            let message_digest = attributes
                .iter()
                .find(|a| a.oid == ID_MESSAGE_DIGEST)
                .and_then(|a| a.values.get(0))
                .and_then(|v| v.decode_as::<OctetString>().ok());
            let content_type = attributes.iter().find(|a| a.oid == ID_CONTENT_TYPE);
            if content_type.is_none() {
                return fail(Integrity::Malformed("no content-type attribute".into()));
            }
            match message_digest {
                Some(d) if d.as_bytes() == digest.as_slice() => {}
                Some(_) => return fail(Integrity::DigestMismatch),
                None => return fail(Integrity::Malformed("no message-digest attribute".into())),
            }
            let Some(raw) = raw_signed_attributes(content_info_der) else {
                return fail(Integrity::Malformed("unreadable signed attributes".into()));
            };
            signed_message = raw;
            vec![signed_message.as_slice()]
        }
        // Without signed attributes the signature is over the content itself.
        None => content.to_vec(),
    };
    match verify_with(&certificate, info.signature_algorithm.oid, Some(hash), &message, info.signature.as_bytes()) {
        Ok(true) => (Integrity::Intact, Some(certificate)),
        Ok(false) => fail(Integrity::BadSignature),
        Err(algorithm) => fail(Integrity::Unsupported(algorithm)),
    }
}

/// Whether `sid` names `certificate` (issuer and serial number, or subject key identifier).
fn identifies(sid: &::cms::signed_data::SignerIdentifier, certificate: &Certificate) -> bool {
    use ::cms::signed_data::SignerIdentifier;
    let tbs = certificate.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            id.issuer == *tbs.issuer() && id.serial_number == *tbs.serial_number()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            matches!(tbs.get_extension::<SubjectKeyIdentifier>(), Ok(Some((_, own))) if own == *ski)
        }
    }
}

fn holder(certificate: &Certificate) -> Holder {
    Holder { common_name: crate::x509::common_name(certificate), organization: organization(certificate) }
}

fn organization(certificate: &Certificate) -> Option<String> {
    use x509_cert::ext::pkix::name::DirectoryString;
    let subject = certificate.tbs_certificate().subject();
    subject.iter_rdn().flat_map(|rdn| rdn.iter()).find(|atv| atv.oid == OID_O).and_then(|atv| {
        match atv.value.decode_as::<DirectoryString>().ok()? {
            DirectoryString::Utf8String(s) => Some(s),
            DirectoryString::PrintableString(s) => Some(s.to_string()),
            DirectoryString::TeletexString(s) => Some(s.to_string()),
            _ => None,
        }
    })
}

/// Whether `certificate` is signed by `issuer`'s key, and `issuer` may issue certificates.
fn issued_by(certificate: &Certificate, issuer: &Certificate) -> bool {
    if certificate.tbs_certificate().issuer() != issuer.tbs_certificate().subject() {
        return false;
    }
    let is_ca = matches!(issuer.tbs_certificate().get_extension::<BasicConstraints>(), Ok(Some((_, bc))) if bc.ca);
    // A version 1 root carries no extensions; anything else must say it is a CA.
    let may_issue = is_ca || issuer.tbs_certificate().extensions().is_none();
    let Ok(tbs) = certificate.tbs_certificate().to_der() else { return false };
    let Some(signature) = certificate.signature().as_bytes() else { return false };
    may_issue && verify_with(issuer, certificate.signature_algorithm().oid, None, &[&tbs], signature).unwrap_or(false)
}

/// The certification path from `leaf` up to a trust root, through the certificates the signature
/// carries, and how it ended. The path returned starts at `leaf` (its issuer second).
fn build_path(leaf: &Certificate, carried: &[Certificate], trust: &TrustStore) -> (Chain, Vec<Certificate>) {
    let mut path = vec![leaf.clone()];
    if trust.roots.is_empty() {
        return (Chain::NoTrustRoots, path);
    }
    for _ in 0..MAX_PATH {
        let current = path.last().expect("never empty").clone();
        if let Some(root) = trust.roots.iter().find(|r| **r == current) {
            return (Chain::Trusted { root: crate::x509::common_name(root).unwrap_or_default() }, path);
        }
        if let Some(root) = trust.roots.iter().find(|r| issued_by(&current, r)) {
            path.push(root.clone());
            return (Chain::Trusted { root: crate::x509::common_name(root).unwrap_or_default() }, path);
        }
        let tbs = current.tbs_certificate();
        if tbs.issuer() == tbs.subject() {
            return (Chain::NotTrusted, path);
        }
        let candidates: Vec<&Certificate> =
            carried.iter().filter(|c| c.tbs_certificate().subject() == tbs.issuer() && **c != current).collect();
        if candidates.is_empty() {
            return (Chain::NotTrusted, path);
        }
        match candidates.into_iter().find(|c| issued_by(&current, c)) {
            Some(issuer) => path.push(issuer.clone()),
            None => return (Chain::BadPath, path),
        }
    }
    (Chain::NotTrusted, path)
}

fn to_utc(time: &x509_cert::time::Time) -> DateTime<Utc> {
    DateTime::<Utc>::from(time.to_system_time())
}

fn valid_at(certificate: &Certificate, at: DateTime<Utc>) -> bool {
    let validity = certificate.tbs_certificate().validity();
    to_utc(&validity.not_before) <= at && at <= to_utc(&validity.not_after)
}

/// The signer's status in a current, correctly signed CRL of its issuer.
fn revocation(leaf: &Certificate, issuer: Option<&Certificate>, trust: &TrustStore, now: DateTime<Utc>) -> Revocation {
    let Some(issuer) = issuer else { return Revocation::Unknown };
    let tbs = leaf.tbs_certificate();
    for crl in &trust.crls {
        let list = &crl.tbs_cert_list;
        if list.issuer != *tbs.issuer() {
            continue;
        }
        let current = to_utc(&list.this_update) <= now && list.next_update.as_ref().is_none_or(|n| now <= to_utc(n));
        let Ok(signed) = list.to_der() else { continue };
        let Some(signature) = crl.signature.as_bytes() else { continue };
        let genuine = verify_with(issuer, crl.signature_algorithm.oid, None, &[&signed], signature).unwrap_or(false);
        if !genuine || !current {
            continue;
        }
        let revoked = list.revoked_certificates.iter().flatten().find(|r| r.serial_number == *tbs.serial_number());
        return match revoked {
            Some(r) => Revocation::Revoked(to_utc(&r.revocation_date)),
            None => Revocation::Good,
        };
    }
    Revocation::Unknown
}

/// The signature timestamp among the unsigned attributes of `info`, checked.
fn timestamp_of(
    info: &::cms::signed_data::SignerInfo,
    trust: &TrustStore,
    now: DateTime<Utc>,
) -> Option<TimestampCheck> {
    let value = info
        .unsigned_attrs
        .as_ref()?
        .iter()
        .find(|a| a.oid == cms::ID_SIGNATURE_TIME_STAMP_TOKEN)?
        .values
        .get(0)?
        .to_der()
        .ok()?;
    let mut check = TimestampCheck { time: None, authority: None, intact: false, trusted: false };
    let Ok(token) = cms::signed_data_from_der(&value) else { return Some(check) };
    let content = &token.encap_content_info;
    let Some(tst_der) = content
        .econtent
        .as_ref()
        .filter(|_| content.econtent_type == cms::ID_CT_TST_INFO)
        .and_then(|e| e.decode_as::<OctetString>().ok())
    else {
        return Some(check);
    };
    let Ok(tst) = TstInfo::from_der(tst_der.as_bytes()) else { return Some(check) };
    check.time = generalized_time(&tst.gen_time);
    let imprint_ok = Hash::of_oid(tst.message_imprint.hash_algorithm.oid)
        .is_some_and(|h| h.digest(&[info.signature.as_bytes()]) == tst.message_imprint.hashed_message.as_bytes());
    let certificates = embedded_certificates(&token);
    let (integrity, authority) = verify_signer(&token, &value, &certificates, &[tst_der.as_bytes()]);
    check.intact = imprint_ok && integrity == Integrity::Intact;
    let Some(authority) = authority else { return Some(check) };
    check.authority = crate::x509::common_name(&authority);
    let for_timestamping = matches!(
        authority.tbs_certificate().get_extension::<ExtendedKeyUsage>(),
        Ok(Some((_, eku))) if eku.0.contains(&OID_KP_TIME_STAMPING)
    );
    let (chain, path) = build_path(&authority, &certificates, trust);
    let at = check.time.unwrap_or(now);
    check.trusted = for_timestamping && chain.is_trusted() && path.iter().all(|c| valid_at(c, at));
    Some(check)
}

/// A GeneralizedTime as RFC 3161 allows it: `YYYYMMDDHHMMSS[.fraction]Z`.
fn generalized_time(any: &der::Any) -> Option<DateTime<Utc>> {
    if any.tag() != Tag::GeneralizedTime {
        return None;
    }
    let text = std::str::from_utf8(any.value()).ok()?;
    let text = text.strip_suffix('Z')?;
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let time = NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S").ok()?;
    let nanos = format!("{fraction:0<9}").get(..9)?.parse::<u32>().ok()?;
    Some(Utc.from_utc_datetime(&time) + chrono::Duration::nanoseconds(i64::from(nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_with_and_without_offsets() {
        let at = pdf_date("D:20261126083005+07'00'").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-11-26T08:30:05+07:00");
        assert_eq!(pdf_date("D:20260102030405Z").unwrap().to_rfc3339(), "2026-01-02T03:04:05+00:00");
        assert_eq!(pdf_date("D:2026").unwrap().to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert!(pdf_date("D:20261326").is_none());
    }

    #[test]
    fn generalized_times_with_fractions() {
        let any = der::Any::new(Tag::GeneralizedTime, b"20261126013005.25Z".to_vec()).unwrap();
        assert_eq!(generalized_time(&any).unwrap().to_rfc3339(), "2026-11-26T01:30:05.250+00:00");
        let any = der::Any::new(Tag::GeneralizedTime, b"20261126013005Z".to_vec()).unwrap();
        assert_eq!(generalized_time(&any).unwrap().to_rfc3339(), "2026-11-26T01:30:05+00:00");
    }

    #[test]
    fn a_hole_must_be_a_hex_string_inside_the_file() {
        let pdf = b"%PDF-1.7 <0A0B> tail";
        assert_eq!(hole(pdf, &[0, 9, 15, 5]), Some((9, 15)));
        assert_eq!(hole(pdf, &[0, 9, 15, 6]), None, "past the end");
        assert_eq!(hole(pdf, &[0, 8, 15, 5]), None, "not at the <");
        assert_eq!(hole(pdf, &[1, 9, 15, 5]), None, "not from the start");
    }

    #[test]
    fn not_a_pdf_has_no_signatures() {
        assert!(validate_pdf(b"hello", &TrustStore::default(), Utc::now()).is_empty());
    }
}
