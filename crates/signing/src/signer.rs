//! Who signs: a private key and its certificate chain, wherever the key is kept.
//!
//! A [`Signer`] is what the PAdES and timestamp code asks for: the chain to embed, and a
//! signature over a SHA-256 digest. The digest is computed here and only the digest goes to the
//! key, so the same code serves a key in memory ([`Pkcs12Signer`], from a `.p12` file) and a key
//! that never leaves its token ([`crate::pkcs11::Pkcs11Signer`]), with the one mechanism every
//! token has (PKCS#1 v1.5 over a DigestInfo).

use der::{Decode, Encode};
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pkcs8::DecodePrivateKey;
use rsa::sha2::Sha256;
use rsa::traits::PublicKeyParts;
use x509_cert::Certificate;

/// What can go wrong with keys, certificates, tokens and timestamps.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Bytes that should hold a certificate, a key or another DER structure do not.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was expected.
        what: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// A PKCS#12 file could not be opened: wrong password, or not PKCS#12.
    #[error("the PKCS#12 file could not be opened: {0}")]
    Pkcs12(String),
    /// The key is of a kind this crate does not sign with, or does not match its certificate.
    #[error("unusable key: {0}")]
    Key(String),
    /// The PKCS#11 module or token refused: module missing, token or key not found, wrong PIN.
    #[error("PKCS#11: {0}")]
    Token(String),
    /// The key refused to sign.
    #[error("signing failed: {0}")]
    Sign(String),
    /// A certificate could not be made.
    #[error("certificate: {0}")]
    Certificate(String),
    /// The timestamp authority failed or answered something unusable.
    #[error("timestamp: {0}")]
    Timestamp(String),
}

impl PkiError {
    pub(crate) fn malformed(what: &'static str) -> impl FnOnce(der::Error) -> PkiError {
        move |e| PkiError::Malformed { what, detail: e.to_string() }
    }
}

/// How a [`Signer`] signs a SHA-256 digest; named in the CMS signature so validators know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256: what Vietnamese official-use certificates (the Government
    /// CA's, and the licensed public CAs') use, with 2048- to 4096-bit keys.
    RsaPkcs1Sha256,
}

/// A private key that signs, and the certificates that vouch for it.
///
/// Implementations must be usable from several threads: a server signs forms concurrently.
pub trait Signer: Send + Sync {
    /// The signing certificate first, then the CA certificates up to (and possibly including)
    /// the root, all embedded in each signature so a validator can build the path.
    fn certificate_chain(&self) -> &[Certificate];

    /// How [`Signer::sign_sha256`] signs.
    fn algorithm(&self) -> SignatureAlgorithm;

    /// Signs a SHA-256 digest: for RSA, the PKCS#1 v1.5 signature of the digest's DigestInfo.
    fn sign_sha256(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PkiError>;
}

/// A signer whose key is in memory, read from a PKCS#12 file (what a CA hands an agency or an
/// officer as a `.p12`/`.pfx`, and what `motcua ca init` writes for the demo).
pub struct Pkcs12Signer {
    key: rsa::PrivateKey,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for Pkcs12Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs12Signer").field("subject", &self.chain[0].tbs_certificate().subject()).finish()
    }
}

impl Pkcs12Signer {
    /// The first private key of a PKCS#12 file and its chain. Fails on a wrong password, a file
    /// without a key, or a key that is not RSA.
    pub fn from_pkcs12(p12: &[u8], password: &str) -> Result<Pkcs12Signer, PkiError> {
        let store = p12_keystore::KeyStore::from_pkcs12(p12, password, p12_keystore::Pkcs12ImportPolicy::Relaxed)
            .map_err(|e| PkiError::Pkcs12(e.to_string()))?;
        let (_, entry) =
            store.private_key_chain().ok_or_else(|| PkiError::Pkcs12("the file holds no private key".into()))?;
        let chain = entry
            .certs()
            .iter()
            .map(|c| Certificate::from_der(c.as_der()).map_err(PkiError::malformed("certificate")))
            .collect::<Result<Vec<_>, _>>()?;
        Pkcs12Signer::from_pkcs8(entry.key().as_der(), chain)
    }

    /// A key in PKCS#8 DER and its chain, signing certificate first. Checks that the key is the
    /// certificate's.
    pub fn from_pkcs8(pkcs8_der: &[u8], chain: Vec<Certificate>) -> Result<Pkcs12Signer, PkiError> {
        let key = rsa::PrivateKey::from_pkcs8_der(pkcs8_der)
            .map_err(|e| PkiError::Key(format!("not an RSA private key in PKCS#8 form ({e})")))?;
        let first = chain.first().ok_or_else(|| PkiError::Key("no certificate for the key".into()))?;
        let public = rsa_public_key(first)?;
        if public.n() != key.n() || public.e() != key.e() {
            return Err(PkiError::Key("the private key is not the certificate's".into()));
        }
        Ok(Pkcs12Signer { key, chain: order_chain(chain) })
    }
}

impl Signer for Pkcs12Signer {
    fn certificate_chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RsaPkcs1Sha256
    }

    fn sign_sha256(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PkiError> {
        // Blinded, constant-time RSA (rsa 0.10 with the system RNG).
        self.key.sign(Pkcs1v15Sign::new::<Sha256>(), digest).map_err(|e| PkiError::Sign(e.to_string()))
    }
}

/// The RSA public key of a certificate.
pub(crate) fn rsa_public_key(cert: &Certificate) -> Result<rsa::PublicKey, PkiError> {
    use rsa::pkcs8::DecodePublicKey;
    let spki = cert.tbs_certificate().subject_public_key_info().to_der().map_err(PkiError::malformed("certificate"))?;
    rsa::PublicKey::from_public_key_der(&spki)
        .map_err(|e| PkiError::Key(format!("the certificate's key is not RSA ({e})")))
}

/// The chain from the first certificate (the signing one): each next one the issuer of the one
/// before, as far as the links go. Certificates off the path (other holders' on a shared token)
/// are left out.
pub(crate) fn order_chain(mut certs: Vec<Certificate>) -> Vec<Certificate> {
    if certs.is_empty() {
        return certs;
    }
    let mut ordered = vec![certs.remove(0)];
    loop {
        let last = ordered.last().expect("not empty").tbs_certificate();
        if last.issuer() == last.subject() {
            break;
        }
        match certs.iter().position(|c| c.tbs_certificate().subject() == last.issuer()) {
            Some(i) => ordered.push(certs.remove(i)),
            None => break,
        }
    }
    ordered
}
