//! X.509 certificates: a local test CA for the demo and the tests, the certificates it issues to
//! agencies, officers and a timestamp authority, and their PKCS#12 files.
//!
//! In production the province's certificates come from a licensed CA (for official use, the
//! Government CA of the Government Cipher Committee) and are only imported; the [`TestCa`] makes
//! certificates shaped like those, so that everything from signing to validating against a trust
//! root can be tried without one: an RSA key, SHA-256, a subject in Vietnamese (UTF-8) with
//! `C=VN`, and the key usage of a signing certificate (digitalSignature, nonRepudiation).

use std::time::{Duration, SystemTime};

use der::asn1::{PrintableStringRef, SetOfVec, Utf8StringRef};
use der::oid::ObjectIdentifier;
use der::{Any, Decode, DecodePem, Encode, EncodePem};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::sha2::Sha256;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::time::{Time, Validity};

pub use x509_cert::Certificate;

use crate::signer::{order_chain, Pkcs12Signer, PkiError};

const OID_C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const OID_ST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.8");
const OID_L: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.7");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// id-kp-timeStamping (RFC 3161 section 2.3).
const OID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// Certificates start an hour in the past, so that a server whose clock is a little behind the
/// validator's does not make a just-issued certificate "not yet valid".
const BACKDATE: Duration = Duration::from_secs(3600);
const DAY: u64 = 24 * 3600;

/// The distinguished name of a certificate's holder, as Vietnamese CAs write it: country `VN`,
/// province, locality, organization, unit and common name, in UTF-8 so that "Sở Tư pháp" keeps
/// its letters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The holder: a person's full name, or the agency's name for an agency certificate (CN).
    pub common_name: String,
    /// The agency (O).
    pub organization: Option<String>,
    /// A unit within the agency (OU).
    pub organizational_unit: Option<String>,
    /// The commune, ward or city (L).
    pub locality: Option<String>,
    /// The province (ST).
    pub province: Option<String>,
    /// The two-letter country code (C), `VN` unless said otherwise.
    pub country: String,
}

impl Subject {
    /// A holder known by a common name only, in Vietnam.
    pub fn new(common_name: impl Into<String>) -> Subject {
        Subject {
            common_name: common_name.into(),
            organization: None,
            organizational_unit: None,
            locality: None,
            province: None,
            country: "VN".into(),
        }
    }

    /// The same subject with its agency (O).
    pub fn organization(mut self, organization: impl Into<String>) -> Subject {
        self.organization = Some(organization.into());
        self
    }

    /// The same subject with its unit (OU).
    pub fn organizational_unit(mut self, unit: impl Into<String>) -> Subject {
        self.organizational_unit = Some(unit.into());
        self
    }

    /// The same subject with its locality (L).
    pub fn locality(mut self, locality: impl Into<String>) -> Subject {
        self.locality = Some(locality.into());
        self
    }

    /// The same subject with its province (ST).
    pub fn province(mut self, province: impl Into<String>) -> Subject {
        self.province = Some(province.into());
        self
    }

    /// The X.501 name: most general first (C, ST, L, O, OU, CN), the country as a
    /// PrintableString, everything else as UTF8String.
    fn to_name(&self) -> Result<Name, PkiError> {
        let bad = |e: der::Error| PkiError::Certificate(format!("subject {:?}: {e}", self.common_name));
        let mut rdns = RdnSequence::default();
        let mut push = |oid: ObjectIdentifier, value: Any| -> Result<(), PkiError> {
            let mut set = SetOfVec::new();
            set.insert(AttributeTypeAndValue { oid, value }).map_err(bad)?;
            rdns.push(RelativeDistinguishedName::from(set));
            Ok(())
        };
        push(OID_C, Any::from(PrintableStringRef::new(&self.country).map_err(bad)?))?;
        let fields = [
            (OID_ST, &self.province),
            (OID_L, &self.locality),
            (OID_O, &self.organization),
            (OID_OU, &self.organizational_unit),
        ];
        for (oid, value) in fields {
            if let Some(value) = value {
                push(oid, Any::from(Utf8StringRef::new(value).map_err(bad)?))?;
            }
        }
        push(OID_CN, Any::from(Utf8StringRef::new(&self.common_name).map_err(bad)?))?;
        Name::from_der(&rdns.to_der().map_err(bad)?).map_err(bad)
    }
}

/// What an issued certificate's key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateUse {
    /// Signing documents: key usage digitalSignature and nonRepudiation (content commitment),
    /// as on the signing certificates of agencies and officers.
    DocumentSigning,
    /// Signing RFC 3161 timestamps: digitalSignature and the critical extended key usage
    /// id-kp-timeStamping that validators require of a timestamp authority.
    Timestamping,
}

/// A certificate profile: who issues, to whom, and which extensions.
struct Profile {
    issuer: Name,
    subject: Name,
    kind: Kind,
}

enum Kind {
    Root,
    Leaf(CertificateUse),
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut extensions = Vec::new();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let aki = SubjectKeyIdentifier::try_from(issuer_spk)?;
        extensions.push(
            AuthorityKeyIdentifier { key_identifier: Some(aki.0), ..Default::default() }
                .to_extension(tbs.subject(), &extensions)?,
        );
        let (ca, usage) = match self.kind {
            Kind::Root => (true, KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            Kind::Leaf(CertificateUse::DocumentSigning) => {
                (false, KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
            }
            Kind::Leaf(CertificateUse::Timestamping) => (false, KeyUsages::DigitalSignature.into()),
        };
        extensions.push(BasicConstraints { ca, path_len_constraint: None }.to_extension(tbs.subject(), &extensions)?);
        extensions.push(KeyUsage(usage).to_extension(tbs.subject(), &extensions)?);
        if let Kind::Leaf(CertificateUse::Timestamping) = self.kind {
            // RFC 3161 section 2.3: the only extended key usage, and critical.
            let eku = ExtendedKeyUsage(vec![OID_KP_TIME_STAMPING]);
            extensions.push(Extension {
                extn_id: OID_CE_EXT_KEY_USAGE,
                critical: true,
                extn_value: der::asn1::OctetString::new(eku.to_der()?)?,
            });
        }
        extensions.push(ski.to_extension(tbs.subject(), &extensions)?);
        Ok(extensions)
    }
}

const OID_CE_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");

/// A new RSA key of `bits` bits, from the operating system's random numbers.
fn new_key(bits: usize) -> Result<rsa::PrivateKey, PkiError> {
    rsa::PrivateKey::new(&mut getrandom::SysRng, bits).map_err(|e| PkiError::Key(e.to_string()))
}

fn serial_number() -> Result<SerialNumber, PkiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| PkiError::Certificate(e.to_string()))?;
    // Positive and without a leading zero byte, as RFC 5280 wants.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::new(&bytes).map_err(|e| PkiError::Certificate(e.to_string()))
}

fn validity(days: u64) -> Result<Validity, PkiError> {
    let now = SystemTime::now();
    let bad = |e: der::Error| PkiError::Certificate(e.to_string());
    Ok(Validity::new(
        Time::try_from(now - BACKDATE).map_err(bad)?,
        Time::try_from(now + Duration::from_secs(days * DAY)).map_err(bad)?,
    ))
}

fn public_key_info(key: &rsa::PrivateKey) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
    let der = key.to_public_key().to_public_key_der().map_err(|e| PkiError::Key(e.to_string()))?;
    SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(PkiError::malformed("public key"))
}

fn build(
    profile: Profile,
    key: &rsa::PrivateKey,
    issuer_key: &rsa::PrivateKey,
    days: u64,
) -> Result<Certificate, PkiError> {
    let builder = CertificateBuilder::new(profile, serial_number()?, validity(days)?, public_key_info(key)?)
        .map_err(|e| PkiError::Certificate(e.to_string()))?;
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(issuer_key.clone());
    builder.build::<_, rsa::pkcs1v15::Signature>(&signer).map_err(|e| PkiError::Certificate(e.to_string()))
}

/// A local certificate authority: a self-signed root and its key, issuing certificates for the
/// demo and the tests. Never a production CA: its key sits in a file, unprotected by an HSM.
pub struct TestCa {
    key: rsa::PrivateKey,
    certificate: Certificate,
    key_bits: usize,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").field("subject", self.certificate.tbs_certificate().subject()).finish()
    }
}

impl TestCa {
    /// Root valid for 10 years, issued certificates for 3.
    const ROOT_DAYS: u64 = 3653;
    const LEAF_DAYS: u64 = 1096;

    /// A new CA named `common_name` in Vietnam, with RSA-2048 keys for itself and for what it
    /// issues (the size most Vietnamese signing certificates have, and quick to generate).
    pub fn new(common_name: &str) -> Result<TestCa, PkiError> {
        TestCa::with_key_bits(&Subject::new(common_name).organization("motcua (thử nghiệm)"), 2048)
    }

    /// A new CA with the given subject and RSA key size (2048, 3072 or 4096 bits) for its own
    /// key and the keys it issues.
    pub fn with_key_bits(subject: &Subject, key_bits: usize) -> Result<TestCa, PkiError> {
        let key = new_key(key_bits)?;
        let name = subject.to_name()?;
        let profile = Profile { issuer: name.clone(), subject: name, kind: Kind::Root };
        let certificate = build(profile, &key, &key, TestCa::ROOT_DAYS)?;
        Ok(TestCa { key, certificate, key_bits })
    }

    /// The root certificate: what validators are told to trust.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// A new key pair for `subject` and its certificate for `usage`, signed by this CA.
    pub fn issue(&self, subject: &Subject, usage: CertificateUse) -> Result<IssuedKey, PkiError> {
        let key = new_key(self.key_bits)?;
        let profile = Profile {
            issuer: self.certificate.tbs_certificate().subject().clone(),
            subject: subject.to_name()?,
            kind: Kind::Leaf(usage),
        };
        let certificate = build(profile, &key, &self.key, TestCa::LEAF_DAYS)?;
        Ok(IssuedKey { key, chain: vec![certificate, self.certificate.clone()] })
    }

    /// The CA's key and certificate as a PKCS#12 file, to keep it between runs
    /// (`motcua ca init`).
    pub fn to_pkcs12(&self, password: &str) -> Result<Vec<u8>, PkiError> {
        write_pkcs12(&self.key, std::slice::from_ref(&self.certificate), "motcua-test-ca", password)
    }

    /// A CA kept by [`TestCa::to_pkcs12`]. Its issued keys have the size of its own key.
    pub fn from_pkcs12(p12: &[u8], password: &str) -> Result<TestCa, PkiError> {
        let (key, mut chain) = read_pkcs12(p12, password)?;
        let certificate = chain.remove(0);
        let key_bits = rsa::traits::PublicKeyParts::size(&key) * 8;
        Ok(TestCa { key, certificate, key_bits })
    }
}

/// A key issued by a [`TestCa`], with its certificate and the CA's.
pub struct IssuedKey {
    key: rsa::PrivateKey,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey").field("subject", self.certificate().tbs_certificate().subject()).finish()
    }
}

impl IssuedKey {
    /// The certificate of the key.
    pub fn certificate(&self) -> &Certificate {
        &self.chain[0]
    }

    /// The certificate and then the CA's.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The private key in PKCS#8 PEM form (for tools: `softhsm2-util --import`, `openssl`).
    pub fn private_key_pem(&self) -> Result<String, PkiError> {
        Ok(self.key.to_pkcs8_pem(der::pem::LineEnding::LF).map_err(|e| PkiError::Key(e.to_string()))?.to_string())
    }

    /// The key, its certificate and the CA's as a PKCS#12 file protected by `password`
    /// (AES-256 and HMAC-SHA-256), the form an agency's certificate is handed over in.
    pub fn to_pkcs12(&self, password: &str) -> Result<Vec<u8>, PkiError> {
        write_pkcs12(&self.key, &self.chain, "motcua", password)
    }

    /// A signer with this key.
    pub fn signer(&self) -> Result<Pkcs12Signer, PkiError> {
        let der = self.key.to_pkcs8_der().map_err(|e| PkiError::Key(e.to_string()))?;
        Pkcs12Signer::from_pkcs8(der.as_bytes(), self.chain.clone())
    }
}

fn write_pkcs12(
    key: &rsa::PrivateKey,
    chain: &[Certificate],
    alias: &str,
    password: &str,
) -> Result<Vec<u8>, PkiError> {
    let key_der = key.to_pkcs8_der().map_err(|e| PkiError::Key(e.to_string()))?;
    let private_key =
        p12_keystore::PrivateKey::from_der(key_der.as_bytes()).map_err(|e| PkiError::Pkcs12(e.to_string()))?;
    let certs = chain
        .iter()
        .map(|c| {
            let der = c.to_der().map_err(PkiError::malformed("certificate"))?;
            p12_keystore::Certificate::from_der(&der).map_err(|e| PkiError::Pkcs12(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut local_key_id = [0u8; 20];
    getrandom::fill(&mut local_key_id).map_err(|e| PkiError::Key(e.to_string()))?;
    let entry = p12_keystore::PrivateKeyChain::new(local_key_id.to_vec(), private_key, certs);
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry(alias, p12_keystore::KeyStoreEntry::PrivateKeyChain(entry));
    store.writer(password).write().map_err(|e| PkiError::Pkcs12(e.to_string()))
}

fn read_pkcs12(p12: &[u8], password: &str) -> Result<(rsa::PrivateKey, Vec<Certificate>), PkiError> {
    let store = p12_keystore::KeyStore::from_pkcs12(p12, password, p12_keystore::Pkcs12ImportPolicy::Relaxed)
        .map_err(|e| PkiError::Pkcs12(e.to_string()))?;
    let (_, entry) =
        store.private_key_chain().ok_or_else(|| PkiError::Pkcs12("the file holds no private key".into()))?;
    let key = rsa::PrivateKey::from_pkcs8_der(entry.key().as_der())
        .map_err(|e| PkiError::Key(format!("not an RSA private key ({e})")))?;
    let chain = entry
        .certs()
        .iter()
        .map(|c| Certificate::from_der(c.as_der()).map_err(PkiError::malformed("certificate")))
        .collect::<Result<Vec<_>, _>>()?;
    if chain.is_empty() {
        return Err(PkiError::Pkcs12("the file holds no certificate for its key".into()));
    }
    Ok((key, order_chain(chain)))
}

/// A certificate in PEM form (`-----BEGIN CERTIFICATE-----`), as validators take trust roots.
pub fn certificate_to_pem(certificate: &Certificate) -> Result<String, PkiError> {
    certificate.to_pem(der::pem::LineEnding::LF).map_err(PkiError::malformed("certificate"))
}

/// A certificate from PEM or DER bytes.
pub fn certificate_from_bytes(bytes: &[u8]) -> Result<Certificate, PkiError> {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN") => {
            Certificate::from_pem(text).map_err(PkiError::malformed("certificate"))
        }
        _ => Certificate::from_der(bytes).map_err(PkiError::malformed("certificate")),
    }
}

/// The common name (CN) of a certificate's subject: the name a signature panel shows.
pub fn common_name(certificate: &Certificate) -> Option<String> {
    use x509_cert::ext::pkix::name::DirectoryString;
    match certificate.tbs_certificate().subject().common_name().ok().flatten()? {
        DirectoryString::Utf8String(s) => Some(s),
        DirectoryString::PrintableString(s) => Some(s.to_string()),
        DirectoryString::TeletexString(s) => Some(s.to_string()),
        _ => None,
    }
}
