//! Signatures of motcua.
//!
//! - [`pades`]: PAdES signatures of the PDFs motcua issues (the one-stop forms, the register,
//!   fee receipts, electronic results), with an X.509 certificate whose key is in a PKCS#12
//!   file ([`signer::Pkcs12Signer`]) or on a PKCS#11 token ([`pkcs11::Pkcs11Signer`]), optionally
//!   timestamped ([`tsa`]); [`x509`] makes a local test CA for the demo and the tests.
//! - [`validate`]: the PAdES signatures of any PDF checked against trust roots and CRLs, for the
//!   public verification page.
//! - The Ed25519 seals of electronic results, below: a second check that needs nothing but the
//!   public key.
//!
//! Signatures of electronic results (kết quả điện tử — DESIGN.md section 7): the system signs
//! each issued result file so that anyone can later check that a file is the one issued and was
//! not changed by a single byte.
//!
//! A signature is Ed25519 over the file's SHA-256, prefixed with a fixed domain label so that a
//! result signature can never be mistaken for a signature of anything else made with the same
//! key. Keys are Ed25519 key pairs; a key is named by its [`PublicKey::id`], the first 16 hex
//! digits of the SHA-256 of its public key.
//!
//! The [`KeyRing`] keeps the private keys as PKCS#8 PEM files in a folder of the data folder
//! (mode 0600). The newest key signs; older ones stay so that nothing about them is lost, but
//! verifying needs only the public keys, which the caller stores elsewhere (the database), so a
//! lost or rotated private key never makes issued results unverifiable. Rotation is adding a
//! newer key.
//!
//! This crate knows no database and no web: it signs and verifies bytes. Files are read only
//! where a path is asked for (the key ring's folder, a PKCS#11 module).

#![warn(missing_docs)]

mod cms;
pub mod pades;
pub mod pkcs11;
pub mod signer;
pub mod tsa;
pub mod validate;
pub mod x509;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer as _, SECRET_KEY_LENGTH};
use sha2::{Digest, Sha256};

/// The label signed before every file digest ("domain separation").
const DOMAIN: &[u8] = b"motcua/result-seal/v1\0";

/// Prefix and suffix of a private key's file name: `result-key-<created ms>-<key id>.pem`.
const FILE_PREFIX: &str = "result-key-";
const FILE_SUFFIX: &str = ".pem";

/// What can go wrong with keys and signatures.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The key folder or a key file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A key file does not hold an Ed25519 private key in PKCS#8 PEM form.
    #[error("{0}: not an Ed25519 private key in PKCS#8 PEM form")]
    BadKeyFile(PathBuf),
    /// A public key or signature in hex is malformed.
    #[error("malformed {0}")]
    Malformed(&'static str),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SigningError + '_ {
    move |source| SigningError::Io { path: path.to_path_buf(), source }
}

/// SHA-256 of a file's bytes: what is signed, and how a file is found again.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn message(digest: &[u8; 32]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + 32);
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(digest);
    m
}

/// A public key that verifies results: stored with each key's id, shown on the public page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// The key from its 64 hex digits.
    pub fn from_hex(text: &str) -> Result<PublicKey, SigningError> {
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(SigningError::Malformed("public key"))?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| SigningError::Malformed("public key"))
    }

    /// The key as 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// The key's name: the first 16 hex digits of the SHA-256 of its 32 bytes. Short enough to
    /// print and read out, long enough that two keys of one province never share it.
    pub fn id(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..8])
    }
}

/// An Ed25519 signature (64 bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature(ed25519_dalek::Signature);

impl Signature {
    /// The signature from its 128 hex digits.
    pub fn from_hex(text: &str) -> Result<Signature, SigningError> {
        let bytes: [u8; 64] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(SigningError::Malformed("signature"))?;
        Ok(Signature(ed25519_dalek::Signature::from_bytes(&bytes)))
    }

    /// The signature as 128 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }
}

/// A file signed: its digest, the signature and the key that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    /// SHA-256 of the file.
    pub sha256: [u8; 32],
    /// The signature over the digest.
    pub signature: Signature,
    /// The id of the signing key.
    pub key_id: String,
}

/// Whether `signature` is `public`'s signature of exactly these bytes. One byte changed, another
/// key, or another file all answer false.
pub fn verify(public: &PublicKey, bytes: &[u8], signature: &Signature) -> bool {
    verify_digest(public, &digest(bytes), signature)
}

/// [`verify`] for a file known by its SHA-256.
pub fn verify_digest(public: &PublicKey, sha256: &[u8; 32], signature: &Signature) -> bool {
    public.0.verify_strict(&message(sha256), &signature.0).is_ok()
}

/// A private key that signs results, with its id and when it was made.
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
    id: String,
    created_ms: i64,
}

impl std::fmt::Debug for SigningKey {
    /// Never prints the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("id", &self.id).field("created_ms", &self.created_ms).finish()
    }
}

impl SigningKey {
    /// A new key from the operating system's random source.
    pub fn generate(created_ms: i64) -> SigningKey {
        use rand::RngCore;
        let mut seed = [0u8; SECRET_KEY_LENGTH];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        seed.fill(0);
        SigningKey::from_key(key, created_ms)
    }

    fn from_key(key: ed25519_dalek::SigningKey, created_ms: i64) -> SigningKey {
        let id = PublicKey(key.verifying_key()).id();
        SigningKey { key, id, created_ms }
    }

    /// The public half, which verifies what this key signs.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.key.verifying_key())
    }

    /// The key's id (see [`PublicKey::id`]).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the key was made, in milliseconds since the Unix epoch.
    pub fn created_ms(&self) -> i64 {
        self.created_ms
    }

    /// Signs a file's bytes.
    pub fn sign(&self, bytes: &[u8]) -> Signed {
        let sha256 = digest(bytes);
        Signed { signature: self.sign_digest(&sha256), sha256, key_id: self.id.clone() }
    }

    /// Signs a file known by its SHA-256.
    pub fn sign_digest(&self, sha256: &[u8; 32]) -> Signature {
        Signature(self.key.sign(&message(sha256)))
    }

    fn file_name(&self) -> String {
        format!("{FILE_PREFIX}{:013}-{}{FILE_SUFFIX}", self.created_ms, self.id)
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The signing keys: the newest signs, the older ones are kept.
#[derive(Debug)]
pub struct KeyRing {
    /// Where the key files are; `None` for a ring that lives only in memory.
    dir: Option<PathBuf>,
    /// Oldest first; never empty.
    keys: Vec<SigningKey>,
}

impl KeyRing {
    /// The keys in `dir` (created, mode 0700, when missing); a first key is made and written when
    /// there is none, so a new installation signs from its first start.
    pub fn open(dir: &Path) -> Result<KeyRing, SigningError> {
        create_private_dir(dir)?;
        let keys = read_keys(dir)?;
        let mut ring = KeyRing { dir: Some(dir.to_path_buf()), keys };
        if ring.keys.is_empty() {
            ring.rotate()?;
        }
        Ok(ring)
    }

    /// A ring of one fresh key that is never written anywhere: for tests and for a server run
    /// without a data folder. What it signs stays verifiable through the stored public key.
    pub fn in_memory() -> KeyRing {
        KeyRing { dir: None, keys: vec![SigningKey::generate(now_ms())] }
    }

    /// The key that signs now: the newest.
    pub fn current(&self) -> &SigningKey {
        self.keys.last().expect("a key ring is never empty")
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// Makes a new key the current one (written to the folder first, for a ring that has one).
    pub fn rotate(&mut self) -> Result<&SigningKey, SigningError> {
        let created = now_ms().max(self.keys.last().map_or(0, |k| k.created_ms + 1));
        let key = SigningKey::generate(created);
        if let Some(dir) = &self.dir {
            write_key(dir, &key)?;
        }
        self.keys.push(key);
        Ok(self.current())
    }

    /// Reads the folder again, taking in keys another process added (`motcua keys rotate` while
    /// the server runs); true when the current key changed.
    pub fn reload(&mut self) -> Result<bool, SigningError> {
        let Some(dir) = &self.dir else { return Ok(false) };
        let keys = read_keys(dir)?;
        let changed = keys.last().map(|k| k.id.as_str()) != Some(self.current().id());
        if !keys.is_empty() {
            self.keys = keys;
        }
        Ok(changed)
    }
}

fn create_private_dir(dir: &Path) -> Result<(), SigningError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io_error(dir))
}

/// The key files of a folder, oldest first (by the creation time in their names).
fn read_keys(dir: &Path) -> Result<Vec<SigningKey>, SigningError> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(middle) = name.strip_prefix(FILE_PREFIX).and_then(|n| n.strip_suffix(FILE_SUFFIX)) else {
            continue;
        };
        let Some(created_ms) = middle.split('-').next().and_then(|ms| ms.parse::<i64>().ok()) else {
            continue;
        };
        let path = entry.path();
        let pem = fs::read_to_string(&path).map_err(io_error(&path))?;
        let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).map_err(|_| SigningError::BadKeyFile(path))?;
        found.push(SigningKey::from_key(key, created_ms));
    }
    found.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
    Ok(found)
}

/// Writes a key readable by its owner only, flushed to disk with the folder entry before it is
/// used, so no result is ever signed by a key a crash could lose.
fn write_key(dir: &Path, key: &SigningKey) -> Result<(), SigningError> {
    let path = dir.join(key.file_name());
    let pem = key
        .key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|_| SigningError::BadKeyFile(path.clone()))?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io_error(&path))?;
    file.write_all(pem.as_bytes()).map_err(io_error(&path))?;
    file.sync_all().map_err(io_error(&path))?;
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io_error(dir))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend((0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        pdf.extend_from_slice(b"\n%%EOF\n");
        pdf
    }

    #[test]
    fn an_unmodified_file_verifies() {
        let key = SigningKey::generate(1);
        let file = sample();
        let signed = key.sign(&file);
        assert_eq!(signed.key_id, key.public_key().id());
        assert_eq!(signed.sha256, digest(&file));
        assert!(verify(&key.public_key(), &file, &signed.signature));
        // Through hex, as stored.
        let public = PublicKey::from_hex(&key.public_key().to_hex()).unwrap();
        let signature = Signature::from_hex(&signed.signature.to_hex()).unwrap();
        assert!(verify(&public, &file, &signature));
    }

    #[test]
    fn one_byte_changed_fails() {
        let key = SigningKey::generate(1);
        let file = sample();
        let signed = key.sign(&file);
        for at in [0, file.len() / 2, file.len() - 1] {
            let mut changed = file.clone();
            changed[at] ^= 0x01;
            assert!(!verify(&key.public_key(), &changed, &signed.signature), "byte {at}");
        }
        let mut longer = file.clone();
        longer.push(b'\n');
        assert!(!verify(&key.public_key(), &longer, &signed.signature));
    }

    #[test]
    fn a_wrong_key_fails() {
        let key = SigningKey::generate(1);
        let other = SigningKey::generate(2);
        let file = sample();
        let signed = key.sign(&file);
        assert_ne!(key.id(), other.id());
        assert!(!verify(&other.public_key(), &file, &signed.signature));
    }

    #[test]
    fn a_plain_signature_of_the_digest_is_not_a_seal() {
        // Without the domain label the same key's signature of the bare digest must not pass.
        let key = SigningKey::generate(1);
        let file = sample();
        let bare = Signature(key.key.sign(&digest(&file)));
        assert!(!verify(&key.public_key(), &file, &bare));
    }

    #[test]
    fn malformed_hex_is_refused() {
        assert!(PublicKey::from_hex("zz").is_err());
        assert!(PublicKey::from_hex(&"00".repeat(31)).is_err());
        assert!(Signature::from_hex(&"00".repeat(63)).is_err());
    }

    #[test]
    fn the_ring_creates_a_key_once_keeps_it_private_and_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let first = KeyRing::open(&keys).unwrap();
        assert_eq!(first.keys().len(), 1);
        let first_id = first.current().id().to_string();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let entry = fs::read_dir(&keys).unwrap().next().unwrap().unwrap();
            assert_eq!(entry.metadata().unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(fs::metadata(&keys).unwrap().permissions().mode() & 0o777, 0o700);
        }
        // Opening again reads the same key, makes no other.
        let mut again = KeyRing::open(&keys).unwrap();
        assert_eq!(again.current().id(), first_id);
        assert_eq!(again.keys().len(), 1);
        let file = sample();
        let old = again.current().sign(&file);
        let new_id = again.rotate().unwrap().id().to_string();
        assert_ne!(new_id, first_id);
        // A third opening sees both, the newest current; the old signature still verifies with
        // the old public key.
        let reopened = KeyRing::open(&keys).unwrap();
        assert_eq!(reopened.keys().len(), 2);
        assert_eq!(reopened.current().id(), new_id);
        assert!(verify(&reopened.keys()[0].public_key(), &file, &old.signature));
        assert_eq!(reopened.current().sign(&file).key_id, new_id);
        // The first ring learns of the rotation by reloading.
        let mut stale = first;
        assert!(stale.reload().unwrap());
        assert_eq!(stale.current().id(), new_id);
        assert!(!stale.reload().unwrap());
    }

    #[test]
    fn a_damaged_key_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("result-key-0000000000001-abc.pem"), "not a key").unwrap();
        assert!(matches!(KeyRing::open(dir.path()), Err(SigningError::BadKeyFile(_))));
    }

    #[test]
    fn debug_output_never_shows_the_private_key() {
        let key = SigningKey::generate(5);
        let shown = format!("{key:?}");
        assert!(shown.contains(key.id()));
        assert!(!shown.contains(&hex::encode(key.key.to_bytes())));
    }
}
