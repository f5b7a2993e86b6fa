//! The signing certificates: one PKCS#12 file per agency in `<data>/pki/agencies`, with which
//! the deciding agency signs the PDFs it issues (PAdES, see `motcua_signing::pades`), and one per
//! officer who signs official documents in their own name in `<data>/pki/officers` (Decree
//! 30/2020: the person with authority signs an outgoing document, then the clerk adds the
//! agency's signature). The server holds the officers' keys as a remote-signing service does;
//! an officer's key signs only documents that officer approved.
//!
//! Production imports the certificates the province's CA issued (`motcua ca import`); a demo or
//! a test makes its own with a local test CA (`motcua ca init`, run by `serve --demo` when there
//! is no CA yet). The layout of the folder:
//!
//! - `ca.p12`, `ca.secret`, `ca.pem`: the local test CA (its key, the key's password, and its
//!   root certificate for validators to trust); absent in production.
//! - `agencies/<agency code>.p12` and `agencies/<agency code>.secret`: an agency's key and
//!   certificate chain, and the password of that file.
//! - `officers/<user name>.p12` and `officers/<user name>.secret`: the same for an officer.
//!
//! Every file is readable by its owner only (0600), like the other secrets of the data folder.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use motcua_signing::signer::{Pkcs12Signer, PkiError, Signer};
use motcua_signing::tsa::TimestampAuthority;
use motcua_signing::validate::TrustStore;
use motcua_signing::x509::{certificate_to_pem, common_name, CertificateUse, Subject, TestCa};

/// The test CA's key and certificate, a PKCS#12 file.
pub const CA_FILE: &str = "ca.p12";
/// The password of [`CA_FILE`].
pub const CA_SECRET_FILE: &str = "ca.secret";
/// The test CA's root certificate (PEM), what a validator is told to trust.
pub const CA_CERTIFICATE_FILE: &str = "ca.pem";
/// The folder of the agencies' PKCS#12 files.
pub const AGENCIES_DIR: &str = "agencies";
/// The folder of the officers' PKCS#12 files, named by user name.
pub const OFFICERS_DIR: &str = "officers";

/// The PKI folder of a data folder.
pub fn pki_dir(data: &Path) -> PathBuf {
    data.join("pki")
}

/// Why the PKI folder could not be read or written; always names the file.
#[derive(Debug, thiserror::Error)]
pub enum PkiFileError {
    /// The file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's complaint.
        source: std::io::Error,
    },
    /// The file is not a usable PKCS#12 file, or its password is wrong.
    #[error("{}: {source}", path.display())]
    Pki {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: PkiError,
    },
    /// An agency code or a user name that cannot name a file.
    #[error("{0:?} cannot name a certificate file")]
    FileName(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PkiFileError + '_ {
    move |source| PkiFileError::Io { path: path.to_path_buf(), source }
}

fn pki(path: &Path) -> impl FnOnce(PkiError) -> PkiFileError + '_ {
    move |source| PkiFileError::Pki { path: path.to_path_buf(), source }
}

/// An agency to certify: its code (the file's name), its name (the certificate's CN) and the
/// body it belongs to (O), where known.
#[derive(Clone, Debug)]
pub struct AgencyToCertify {
    /// The agency's code, e.g. `000.00.12.H38`.
    pub code: String,
    /// Its name, e.g. "Sở Tư pháp tỉnh Lào Cai".
    pub name: String,
    /// Its governing body, e.g. "Ủy ban nhân dân tỉnh Lào Cai".
    pub governing_body: Option<String>,
}

impl AgencyToCertify {
    /// The agencies of a catalog, each with its parent's name as its governing body.
    pub fn from_catalog(agencies: &[motcua_store::catalog::Agency]) -> Vec<AgencyToCertify> {
        let names: HashMap<&str, &str> = agencies.iter().map(|a| (a.code.as_str(), a.name.as_str())).collect();
        agencies
            .iter()
            .map(|a| AgencyToCertify {
                code: a.code.clone(),
                name: a.name.clone(),
                governing_body: a.parent_code.as_deref().and_then(|p| names.get(p)).map(|n| n.to_string()),
            })
            .collect()
    }
}

/// An officer to certify: their user name (the file's name), their name (the certificate's CN)
/// and their agency's (O).
#[derive(Clone, Debug)]
pub struct OfficerToCertify {
    /// The user name, e.g. `lanhdao`.
    pub username: String,
    /// The officer's full name.
    pub name: String,
    /// Their agency's name.
    pub agency: String,
}

/// What [`init_test_ca`] or [`certify_officers`] did.
#[derive(Debug, Default)]
pub struct InitReport {
    /// Whether the CA was made now (false: an existing one was used).
    pub ca_created: bool,
    /// The agencies or officers whose certificate was issued now.
    pub issued: Vec<String>,
    /// The agencies or officers that already had a file, kept as it was.
    pub kept: Vec<String>,
}

/// The file of an agency code or a user name in `folder`: letters, digits, `.`, `-` and `_`,
/// not starting with a dot, so that no name leaves the folder.
fn holder_file(dir: &Path, folder: &str, name: &str, extension: &str) -> Result<PathBuf, PkiFileError> {
    let fine = !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !fine {
        return Err(PkiFileError::FileName(name.to_string()));
    }
    Ok(dir.join(folder).join(format!("{name}.{extension}")))
}

fn random_password() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn make_private_dir(dir: &Path) -> Result<(), PkiFileError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io(dir))
}

/// Writes a file readable by its owner only: through a temporary file renamed into place, so
/// that a crash leaves either the old file or the new one.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), PkiFileError> {
    let temporary = path.with_extension(format!("tmp-{}", random_password().get(..8).unwrap_or("x")));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temporary).and_then(|mut f| {
        std::io::Write::write_all(&mut f, bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(PkiFileError::Io { path: path.to_path_buf(), source: e });
    }
    std::fs::rename(&temporary, path).map_err(io(path))
}

fn read_secret(path: &Path) -> Result<String, PkiFileError> {
    Ok(std::fs::read_to_string(path).map_err(io(path))?.trim_end_matches(['\n', '\r']).to_string())
}

/// Makes the local test CA in `dir` unless it is there, and issues a document-signing
/// certificate to every agency that has no file yet (CN its name, O its governing body, C VN).
/// Running it again keeps every existing file. For demos and tests only: the CA's key is in a
/// file.
pub fn init_test_ca(dir: &Path, agencies: &[AgencyToCertify]) -> Result<InitReport, PkiFileError> {
    let mut report = InitReport::default();
    let ca = open_or_make_ca(dir, &mut report)?;
    for agency in agencies {
        let mut subject = Subject::new(agency.name.clone());
        if let Some(body) = &agency.governing_body {
            subject = subject.organization(body.clone());
        }
        issue_missing(&ca, dir, AGENCIES_DIR, &agency.code, &subject, &mut report)?;
    }
    Ok(report)
}

/// Issues, from the local test CA in `dir` (made if absent), a personal document-signing
/// certificate to every officer that has no file yet (CN their name, O their agency). For demos
/// and tests only, like [`init_test_ca`].
pub fn certify_officers(dir: &Path, officers: &[OfficerToCertify]) -> Result<InitReport, PkiFileError> {
    let mut report = InitReport::default();
    let ca = open_or_make_ca(dir, &mut report)?;
    for officer in officers {
        let subject = Subject::new(officer.name.clone()).organization(officer.agency.clone());
        issue_missing(&ca, dir, OFFICERS_DIR, &officer.username, &subject, &mut report)?;
    }
    Ok(report)
}

/// The local test CA of `dir`, made (key, password and root certificate) when there is none.
fn open_or_make_ca(dir: &Path, report: &mut InitReport) -> Result<TestCa, PkiFileError> {
    make_private_dir(dir)?;
    let (ca_path, secret_path) = (dir.join(CA_FILE), dir.join(CA_SECRET_FILE));
    let ca = if ca_path.exists() {
        let password = read_secret(&secret_path)?;
        TestCa::from_pkcs12(&std::fs::read(&ca_path).map_err(io(&ca_path))?, &password).map_err(pki(&ca_path))?
    } else {
        let ca = TestCa::new("CA thử nghiệm motcua").map_err(pki(&ca_path))?;
        let password = random_password();
        write_private(&secret_path, password.as_bytes())?;
        write_private(&ca_path, &ca.to_pkcs12(&password).map_err(pki(&ca_path))?)?;
        report.ca_created = true;
        ca
    };
    let root = dir.join(CA_CERTIFICATE_FILE);
    if !root.exists() {
        write_private(&root, certificate_to_pem(ca.certificate()).map_err(pki(&root))?.as_bytes())?;
    }
    Ok(ca)
}

/// Issues `subject` a certificate as `folder/name.p12` (with its password beside it) unless the
/// file is there.
fn issue_missing(
    ca: &TestCa,
    dir: &Path,
    folder: &str,
    name: &str,
    subject: &Subject,
    report: &mut InitReport,
) -> Result<(), PkiFileError> {
    make_private_dir(&dir.join(folder))?;
    let file = holder_file(dir, folder, name, "p12")?;
    if file.exists() {
        report.kept.push(name.to_string());
        return Ok(());
    }
    let issued = ca.issue(subject, CertificateUse::DocumentSigning).map_err(pki(&file))?;
    let password = random_password();
    write_private(&holder_file(dir, folder, name, "secret")?, password.as_bytes())?;
    write_private(&file, &issued.to_pkcs12(&password).map_err(pki(&file))?)?;
    report.issued.push(name.to_string());
    Ok(())
}

/// Copies an agency's PKCS#12 file (the one the province's CA issued) into `dir`, replacing the
/// one it had, after checking that `password` opens it and that it holds an RSA key with its
/// certificate. Returns the certificate's common name.
pub fn import_agency(dir: &Path, code: &str, p12: &[u8], password: &str) -> Result<String, PkiFileError> {
    import(dir, AGENCIES_DIR, code, p12, password)
}

/// Copies an officer's personal PKCS#12 file into `dir`, as [`import_agency`] does an agency's.
pub fn import_officer(dir: &Path, username: &str, p12: &[u8], password: &str) -> Result<String, PkiFileError> {
    import(dir, OFFICERS_DIR, username, p12, password)
}

fn import(dir: &Path, folder: &str, name: &str, p12: &[u8], password: &str) -> Result<String, PkiFileError> {
    let file = holder_file(dir, folder, name, "p12")?;
    let signer = Pkcs12Signer::from_pkcs12(p12, password).map_err(pki(&file))?;
    make_private_dir(&dir.join(folder))?;
    write_private(&holder_file(dir, folder, name, "secret")?, password.as_bytes())?;
    write_private(&file, p12)?;
    Ok(signer.certificate_chain().first().and_then(common_name).unwrap_or_default())
}

/// What the public verification page trusts: the certificates of every `roots` file (PEM with
/// one or more certificates, or DER), the test CA's root when `dir` has one (a demo, or a
/// province trying motcua before its CA's certificates arrive), and the CRLs of `crls`. Read once
/// at start; an unreadable file stops the server rather than silently trusting less.
pub fn load_trust(dir: &Path, roots: &[PathBuf], crls: &[PathBuf]) -> Result<TrustStore, PkiFileError> {
    use motcua_signing::validate::{certificates_from_bytes, crl_from_bytes};
    let mut certificates = Vec::new();
    let test_root = dir.join(CA_CERTIFICATE_FILE);
    let files = roots.iter().cloned().chain(test_root.exists().then_some(test_root));
    for path in files {
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        for certificate in certificates_from_bytes(&bytes).map_err(pki(&path))? {
            if !certificates.contains(&certificate) {
                certificates.push(certificate);
            }
        }
    }
    let mut lists = Vec::new();
    for path in crls {
        let bytes = std::fs::read(path).map_err(io(path))?;
        lists.push(crl_from_bytes(&bytes).map_err(pki(path))?);
    }
    Ok(TrustStore::new(certificates, lists))
}

/// The signer of every agency and of every officer that has a certificate, loaded once at start.
pub struct Signers {
    agencies: HashMap<String, Arc<dyn Signer>>,
    officers: HashMap<String, Arc<dyn Signer>>,
    /// Agencies already reported as having no certificate, so the log says it once.
    warned: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Signers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sorted = |m: &HashMap<String, Arc<dyn Signer>>| {
            let mut names: Vec<String> = m.keys().cloned().collect();
            names.sort();
            names
        };
        f.debug_struct("Signers")
            .field("agencies", &sorted(&self.agencies))
            .field("officers", &sorted(&self.officers))
            .finish()
    }
}

impl Default for Signers {
    fn default() -> Self {
        Signers::none()
    }
}

impl Signers {
    /// No one signs: results carry the system's Ed25519 seal only.
    pub fn none() -> Signers {
        Signers { agencies: HashMap::new(), officers: HashMap::new(), warned: Mutex::new(HashSet::new()) }
    }

    /// Every `agencies/<code>.p12` and `officers/<user name>.p12` of `dir`, each opened with its
    /// `.secret`. A missing folder is no one; an unreadable file, a missing password or a wrong
    /// one is an error naming the file, so that a server does not start signing with some
    /// agencies silently left out.
    pub fn load(dir: &Path) -> Result<Signers, PkiFileError> {
        Ok(Signers {
            agencies: load_folder(&dir.join(AGENCIES_DIR))?,
            officers: load_folder(&dir.join(OFFICERS_DIR))?,
            warned: Mutex::new(HashSet::new()),
        })
    }

    /// An officer's personal signer, if they have a certificate.
    pub fn officer(&self, username: &str) -> Option<Arc<dyn Signer>> {
        self.officers.get(username).cloned()
    }

    /// The signer of an agency, if it has a certificate.
    pub fn get(&self, agency_code: &str) -> Option<Arc<dyn Signer>> {
        self.agencies.get(agency_code).cloned()
    }

    /// How many agencies can sign.
    pub fn len(&self) -> usize {
        self.agencies.len()
    }

    /// Whether no agency can sign.
    pub fn is_empty(&self) -> bool {
        self.agencies.is_empty()
    }

    /// The signer of an agency, or a warning in the log (once per agency) that its results go
    /// out with the system's seal only.
    pub fn get_or_warn(&self, agency_code: &str) -> Option<Arc<dyn Signer>> {
        let signer = self.get(agency_code);
        if signer.is_none() && self.warned.lock().unwrap_or_else(|e| e.into_inner()).insert(agency_code.to_string()) {
            tracing::warn!(
                "agency {agency_code} has no signing certificate (motcua ca import): its electronic results are \
                 sealed by the system only, without the agency's PDF signature"
            );
        }
        signer
    }
}

/// The signers of the `<name>.p12` files of `folder`, by name; none when it is missing.
fn load_folder(folder: &Path) -> Result<HashMap<String, Arc<dyn Signer>>, PkiFileError> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(PkiFileError::Io { path: folder.to_path_buf(), source: e }),
    };
    let mut signers: HashMap<String, Arc<dyn Signer>> = HashMap::new();
    for entry in entries {
        let path = entry.map_err(io(folder))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".p12")) else {
            continue;
        };
        let password = read_secret(&path.with_extension("secret"))?;
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        let signer = Pkcs12Signer::from_pkcs12(&bytes, &password).map_err(pki(&path))?;
        signers.insert(name.to_string(), Arc::new(signer));
    }
    Ok(signers)
}

/// A PAdES signature of a PDF motcua issues (a result, a form, an official document), by an
/// agency's certificate or an officer's: the certificate, and what the visible stamp and the
/// signature dictionary say.
pub(crate) struct PdfSignature {
    pub(crate) signer: Arc<dyn Signer>,
    pub(crate) officer: String,
    pub(crate) agency: String,
    pub(crate) reason: String,
    pub(crate) location: String,
    pub(crate) contact: String,
    pub(crate) at: DateTime<Utc>,
    /// The timestamp authority that makes the signature B-T, when one is configured.
    pub(crate) timestamp_authority: Option<Arc<dyn TimestampAuthority>>,
}

impl PdfSignature {
    /// Width and height of the stamp where the document has no signer's block, and its distance
    /// from the page's bottom right corner there, in points.
    const STAMP: (f32, f32) = (190.0, 48.0);
    const MARGIN: f32 = 28.0;

    /// `pdf` signed by the agency, with the stamp (the officer's name, the agency, the time) in
    /// `place`, the signer's block of a form motcua drew, or else at the bottom right of the last
    /// page (a result file the officer uploaded).
    pub(crate) fn sign(
        &self,
        pdf: &[u8],
        place: Option<motcua_render::SignatureBox>,
    ) -> Result<Vec<u8>, motcua_signing::pades::PadesError> {
        use motcua_signing::pades::{last_page, sign_pdf, Appearance, PadesError, SignatureOptions};
        let at = self.at.with_timezone(&motcua_domain::calendar::vn_offset());
        let (page, x, y, width, height) = match place {
            Some(b) => (b.page, b.x, b.y, b.width, b.height),
            None => {
                let (page, [x0, _, x1, _]) = last_page(pdf)?;
                let (width, height) = Self::STAMP;
                (page, (x1 - width - Self::MARGIN).max(x0) - x0, Self::MARGIN, width, height)
            }
        };
        let stamp = motcua_render::render_signature_stamp(
            &motcua_render::SignatureStamp { signer: self.officer.clone(), agency: self.agency.clone(), signed_at: at },
            width,
            height,
        )
        .map_err(|e| PadesError::Stamp(e.to_string()))?;
        let appearance = Appearance { page, x, y, width, height, stamp };
        let options = SignatureOptions {
            signing_time: Some(at),
            reason: Some(self.reason.clone()),
            location: Some(self.location.clone()),
            contact_info: Some(self.contact.clone()),
            appearance: Some(appearance),
            timestamp_authority: self.timestamp_authority.as_deref(),
            ..Default::default()
        };
        sign_pdf(pdf, self.signer.as_ref(), &options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agencies() -> Vec<AgencyToCertify> {
        vec![AgencyToCertify {
            code: "000.00.12.H38".into(),
            name: "Sở Tư pháp tỉnh Lào Cai".into(),
            governing_body: Some("Ủy ban nhân dân tỉnh Lào Cai".into()),
        }]
    }

    #[test]
    fn init_is_idempotent_and_the_signers_load() {
        let dir = tempfile_dir();
        let first = init_test_ca(dir.path(), &agencies()).unwrap();
        assert!(first.ca_created);
        assert_eq!(first.issued, ["000.00.12.H38"]);
        let p12 = std::fs::read(dir.path().join("agencies/000.00.12.H38.p12")).unwrap();
        let again = init_test_ca(dir.path(), &agencies()).unwrap();
        assert!(!again.ca_created);
        assert_eq!(again.kept, ["000.00.12.H38"]);
        assert_eq!(std::fs::read(dir.path().join("agencies/000.00.12.H38.p12")).unwrap(), p12);
        let signers = Signers::load(dir.path()).unwrap();
        let signer = signers.get("000.00.12.H38").unwrap();
        assert_eq!(common_name(&signer.certificate_chain()[0]).as_deref(), Some("Sở Tư pháp tỉnh Lào Cai"));
        assert!(signers.officer("lanhdao").is_none());
    }

    #[test]
    fn officers_get_personal_certificates_from_the_same_ca() {
        let dir = tempfile_dir();
        init_test_ca(dir.path(), &agencies()).unwrap();
        let officer = OfficerToCertify {
            username: "lanhdao".into(),
            name: "Trần Văn Lãnh".into(),
            agency: "Sở Tư pháp tỉnh Lào Cai".into(),
        };
        let made = certify_officers(dir.path(), std::slice::from_ref(&officer)).unwrap();
        assert!(!made.ca_created);
        assert_eq!(made.issued, ["lanhdao"]);
        assert_eq!(certify_officers(dir.path(), &[officer]).unwrap().kept, ["lanhdao"]);
        let signers = Signers::load(dir.path()).unwrap();
        let officer = signers.officer("lanhdao").unwrap();
        let chain = officer.certificate_chain();
        assert_eq!(common_name(&chain[0]).as_deref(), Some("Trần Văn Lãnh"));
        // Issued by the CA that issued the agency's.
        let agency = signers.get("000.00.12.H38").unwrap();
        let agency_chain = agency.certificate_chain();
        assert_eq!(chain.last(), agency_chain.last());
        assert_eq!(signers.len(), 1);
    }

    #[test]
    fn a_wrong_password_names_the_file() {
        let dir = tempfile_dir();
        init_test_ca(dir.path(), &agencies()).unwrap();
        std::fs::write(dir.path().join("agencies/000.00.12.H38.secret"), "wrong").unwrap();
        let error = Signers::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("000.00.12.H38.p12"), "{error}");
    }

    #[test]
    fn codes_cannot_leave_the_folder() {
        let dir = tempfile_dir();
        assert!(matches!(import_agency(dir.path(), "../x", b"", ""), Err(PkiFileError::FileName(_))));
        assert!(matches!(import_officer(dir.path(), ".hidden", b"", ""), Err(PkiFileError::FileName(_))));
    }

    fn tempfile_dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }
}
