//! Keys on a PKCS#11 token or HSM: how official-use certificates are held in Vietnam (a USB
//! token per officer, an HSM per agency), and SoftHSM2 in the tests.
//!
//! The key never leaves the token: this module hands it a digest and gets a signature back, with
//! the plain `CKM_RSA_PKCS` mechanism over a DigestInfo, which every RSA token has (the
//! hash-and-sign mechanisms are missing from some). The certificate is read from the token (the
//! object with the key's `CKA_ID`); CA certificates the token lacks can be added.

use std::path::Path;
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::Decode;
use x509_cert::Certificate;

use crate::signer::{order_chain, PkiError, SignatureAlgorithm, Signer};

/// The DER prefix of a SHA-256 DigestInfo (RFC 8017 section 9.2, note 1): what PKCS#1 v1.5
/// signs, before the 32 bytes of the digest.
const SHA256_DIGEST_INFO: [u8; 19] =
    [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

fn token_error(doing: &'static str) -> impl FnOnce(CkError) -> PkiError {
    move |e| PkiError::Token(format!("{doing}: {e}"))
}

/// A loaded PKCS#11 module (the token vendor's `.so`, `libsofthsm2.so`), initialized once per
/// process and shared by the signers of its tokens.
#[derive(Clone, Debug)]
pub struct Pkcs11Module {
    context: Pkcs11,
}

impl Pkcs11Module {
    /// Loads and initializes the module at `path`.
    pub fn load(path: &Path) -> Result<Pkcs11Module, PkiError> {
        let context = Pkcs11::new(path).map_err(|e| PkiError::Token(format!("{}: {e}", path.display())))?;
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            // Another part of the process initialized it first: the module is usable as it is.
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(PkiError::Token(format!("initializing {}: {e}", path.display()))),
        }
        Ok(Pkcs11Module { context })
    }

    /// The labels of the tokens present, to help whoever configures the token label.
    pub fn token_labels(&self) -> Result<Vec<String>, PkiError> {
        let slots = self.context.get_slots_with_token().map_err(token_error("listing slots"))?;
        slots
            .into_iter()
            .map(|slot| {
                self.context
                    .get_token_info(slot)
                    .map(|info| info.label().trim().to_string())
                    .map_err(token_error("token info"))
            })
            .collect()
    }

    fn slot(&self, token_label: &str) -> Result<Slot, PkiError> {
        let slots = self.context.get_slots_with_token().map_err(token_error("listing slots"))?;
        for slot in slots {
            let info = self.context.get_token_info(slot).map_err(token_error("token info"))?;
            if info.label().trim() == token_label {
                return Ok(slot);
            }
        }
        Err(PkiError::Token(format!("no token labelled {token_label:?}")))
    }
}

/// A signer whose key is on a PKCS#11 token, found by the token's label and the key's label.
///
/// One session is kept open and logged in; signatures on it are taken one at a time (a USB
/// token signs one at a time anyway). A session the token dropped (token pulled out and put
/// back, HSM restarted) is opened again once before giving up.
pub struct Pkcs11Signer {
    module: Pkcs11Module,
    slot: Slot,
    pin: AuthPin,
    key_id: Vec<u8>,
    chain: Vec<Certificate>,
    session: Mutex<Option<Session>>,
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Signer").field("slot", &self.slot).field("key_id", &hex::encode(&self.key_id)).finish()
    }
}

impl Pkcs11Signer {
    /// The RSA private key labelled `key_label` on the token labelled `token_label`, logged in
    /// as the user with `pin`, and the certificate with the key's `CKA_ID`, followed by the
    /// token's CA certificates that lead from it towards a root.
    pub fn open(
        module: &Pkcs11Module,
        token_label: &str,
        pin: &str,
        key_label: &str,
    ) -> Result<Pkcs11Signer, PkiError> {
        let slot = module.slot(token_label)?;
        let pin = AuthPin::from(pin.to_string());
        let session = login(module, slot, &pin)?;
        let key = find_key(&session, key_label)?;
        let attributes = session
            .get_attributes(key, &[AttributeType::Id, AttributeType::KeyType])
            .map_err(token_error("reading the key"))?;
        let mut key_id = None;
        for attribute in attributes {
            match attribute {
                Attribute::Id(id) => key_id = Some(id),
                Attribute::KeyType(kind) if kind != KeyType::RSA => {
                    return Err(PkiError::Key(format!("the key {key_label:?} is not RSA ({kind})")));
                }
                _ => {}
            }
        }
        let key_id = key_id.ok_or_else(|| PkiError::Token(format!("the key {key_label:?} has no CKA_ID")))?;
        let certificates = certificates(&session)?;
        let (own, others): (Vec<_>, Vec<_>) = certificates.into_iter().partition(|(id, _)| *id == key_id);
        let own = own
            .into_iter()
            .next()
            .ok_or_else(|| PkiError::Token(format!("no certificate with the CKA_ID of the key {key_label:?}")))?;
        let mut chain = vec![own.1];
        chain.extend(others.into_iter().map(|(_, c)| c));
        Ok(Pkcs11Signer {
            module: module.clone(),
            slot,
            pin,
            key_id,
            chain: order_chain(chain),
            session: Mutex::new(Some(session)),
        })
    }

    /// The same signer with CA certificates that are not on the token (intermediate CAs, the
    /// root), so they are embedded in signatures too.
    pub fn with_ca_certificates(mut self, certificates: Vec<Certificate>) -> Pkcs11Signer {
        let mut all = std::mem::take(&mut self.chain);
        all.extend(certificates);
        self.chain = order_chain(all);
        self
    }

    fn sign_on(&self, session: &Session, message: &[u8]) -> Result<Vec<u8>, CkError> {
        let keys =
            session.find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY), Attribute::Id(self.key_id.clone())])?;
        let key = keys
            .first()
            .copied()
            .ok_or(CkError::Pkcs11(RvError::KeyHandleInvalid, cryptoki::context::Function::FindObjects))?;
        session.sign(&Mechanism::RsaPkcs, key, message)
    }
}

fn login(module: &Pkcs11Module, slot: Slot, pin: &AuthPin) -> Result<Session, PkiError> {
    let session = module.context.open_ro_session(slot).map_err(token_error("opening a session"))?;
    match session.login(UserType::User, Some(pin)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
        Err(e) => Err(PkiError::Token(format!("logging in: {e}"))),
    }
}

fn find_key(session: &Session, key_label: &str) -> Result<ObjectHandle, PkiError> {
    let template = [Attribute::Class(ObjectClass::PRIVATE_KEY), Attribute::Label(key_label.as_bytes().to_vec())];
    let keys = session.find_objects(&template).map_err(token_error("finding the key"))?;
    match keys.as_slice() {
        [key] => Ok(*key),
        [] => Err(PkiError::Token(format!("no private key labelled {key_label:?}"))),
        _ => Err(PkiError::Token(format!("several private keys labelled {key_label:?}"))),
    }
}

/// Every X.509 certificate on the token, with its `CKA_ID`.
fn certificates(session: &Session) -> Result<Vec<(Vec<u8>, Certificate)>, PkiError> {
    let handles = session
        .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
        .map_err(token_error("finding certificates"))?;
    let mut out = Vec::new();
    for handle in handles {
        let attributes = session
            .get_attributes(handle, &[AttributeType::Id, AttributeType::Value])
            .map_err(token_error("reading a certificate"))?;
        let (mut id, mut value) = (Vec::new(), None);
        for attribute in attributes {
            match attribute {
                Attribute::Id(bytes) => id = bytes,
                Attribute::Value(bytes) => value = Some(bytes),
                _ => {}
            }
        }
        if let Some(certificate) = value.and_then(|der| Certificate::from_der(&der).ok()) {
            out.push((id, certificate));
        }
    }
    Ok(out)
}

impl Signer for Pkcs11Signer {
    fn certificate_chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RsaPkcs1Sha256
    }

    fn sign_sha256(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PkiError> {
        let mut message = SHA256_DIGEST_INFO.to_vec();
        message.extend_from_slice(digest);
        let mut session = self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(open) = session.as_ref() {
            if let Ok(signature) = self.sign_on(open, &message) {
                return Ok(signature);
            }
        }
        // The session is gone or failed: open a new one and try once more.
        *session = None;
        let fresh = login(&self.module, self.slot, &self.pin)?;
        let signature = self.sign_on(&fresh, &message).map_err(|e| PkiError::Sign(e.to_string()))?;
        *session = Some(fresh);
        Ok(signature)
    }
}
