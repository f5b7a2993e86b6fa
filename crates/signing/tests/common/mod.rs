//! What the signature tests share: a test PKI, a form to sign, and the two validators no one
//! here wrote, Poppler's `pdfsig` and pyHanko, run on files in a temporary folder.

#![allow(dead_code)]

#[path = "../../../render/tests/fixtures/mod.rs"]
mod fixtures;
mod validators;

#[allow(unused_imports)] // not every test binary validates
pub use validators::*;

use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, TimeZone};
use motcua_signing::pades::Appearance;
use motcua_signing::x509::{certificate_to_pem, CertificateUse, IssuedKey, Subject, TestCa};

/// The test PKI: one CA, an agency's and an officer's signing keys, and a timestamping key.
/// Made once per test binary: RSA key generation is the slow part.
pub struct Pki {
    pub ca: TestCa,
    pub agency: IssuedKey,
    pub officer: IssuedKey,
    pub tsa: IssuedKey,
}

pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let ca = TestCa::new("CA thử nghiệm tỉnh Lào Cai").unwrap();
        let agency = ca
            .issue(
                &Subject::new("Sở Tư pháp tỉnh Lào Cai")
                    .organization("Ủy ban nhân dân tỉnh Lào Cai")
                    .locality("Phường Cốc Lếu")
                    .province("Lào Cai"),
                CertificateUse::DocumentSigning,
            )
            .unwrap();
        let officer = ca
            .issue(
                &Subject::new("Nguyễn Thị Hồng Nhung")
                    .organization("Trung tâm Phục vụ hành chính công tỉnh Lào Cai")
                    .locality("Phường Cốc Lếu")
                    .province("Lào Cai"),
                CertificateUse::DocumentSigning,
            )
            .unwrap();
        let tsa = ca.issue(&Subject::new("TSA thử nghiệm"), CertificateUse::Timestamping).unwrap();
        Pki { ca, agency, officer, tsa }
    })
}

/// The receipt (form 01) of the render crate's sample dossier, as krilla writes it.
pub fn receipt() -> Vec<u8> {
    motcua_render::render_receipt(&fixtures::receipt(), motcua_render::FormNumbering::default()).unwrap().into_bytes()
}

pub fn vn_time(h: u32, mi: u32, s: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(7 * 3600).unwrap().with_ymd_and_hms(2026, 11, 26, h, mi, s).unwrap()
}

/// A visible signature of `signer` for `agency` at the bottom of page 1, 200 × 50 points.
pub fn appearance(signer: &str, agency: &str, at: DateTime<FixedOffset>, x: f32) -> Appearance {
    let (width, height) = (190.0, 48.0);
    let stamp = motcua_render::render_signature_stamp(
        &motcua_render::SignatureStamp { signer: signer.into(), agency: agency.into(), signed_at: at },
        width,
        height,
    )
    .unwrap();
    Appearance { page: 1, x, y: 40.0, width, height, stamp }
}

/// A temporary folder with the CA's root in `root.pem`.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("root.pem"), certificate_to_pem(pki().ca.certificate()).unwrap()).unwrap();
        Workspace { dir }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root.pem")
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}
