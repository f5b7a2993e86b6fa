//! The validator of the public verification page (`motcua_signing::validate`) against
//! signatures made by motcua and by pyHanko, a signer no one here wrote: each is intact, by the
//! right holder and trusted to the test root; one changed byte breaks it; a certificate outside
//! the trust roots is not trusted.

mod common;

use chrono::Utc;
use common::*;
use motcua_signing::pades::{sign_pdf, SignatureOptions};
use motcua_signing::signer::Pkcs12Signer;
use motcua_signing::tsa::LocalTsa;
use motcua_signing::validate::{validate_pdf, Chain, Coverage, Integrity, Revocation, SignatureReport, TrustStore};
use motcua_signing::x509::{certificate_to_pem, TestCa};

const AGENCY: &str = "Sở Tư pháp tỉnh Lào Cai";

fn trusting_the_test_root() -> TrustStore {
    TrustStore::new(vec![pki().ca.certificate().clone()], Vec::new())
}

fn sign_as_agency(pdf: &[u8], options: &SignatureOptions) -> Vec<u8> {
    sign_pdf(pdf, &pki().agency.signer().unwrap(), options).unwrap()
}

fn validate(pdf: &[u8]) -> Vec<SignatureReport> {
    validate_pdf(pdf, &trusting_the_test_root(), Utc::now())
}

fn assert_valid(report: &SignatureReport, signer: &str) {
    assert!(report.is_valid(), "{report:#?}");
    assert_eq!(report.integrity, Integrity::Intact);
    assert_eq!(report.chain, Chain::Trusted { root: "CA thử nghiệm tỉnh Lào Cai".into() });
    assert!(report.within_validity);
    assert_eq!(report.signer.as_ref().and_then(|s| s.common_name.as_deref()), Some(signer));
    assert_eq!(report.revocation, Revocation::NotChecked);
}

/// One byte of the original form changed: the binary comment on the file's second line.
fn one_byte_changed(pdf: &[u8]) -> Vec<u8> {
    let mut changed = pdf.to_vec();
    let at = changed.iter().position(|&b| b == b'\n').unwrap() + 2;
    changed[at] ^= 0x01;
    changed
}

/// Now, to the second, in Vietnam's offset: a claimed signing time within the certificates'
/// validity (they were issued an hour back).
fn now_in_vietnam() -> chrono::DateTime<chrono::FixedOffset> {
    use chrono::{SubsecRound, TimeZone};
    let vn = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    vn.from_utc_datetime(&Utc::now().naive_utc()).trunc_subsecs(0)
}

#[test]
fn a_form_signed_by_motcua_is_valid_and_covers_the_whole_file() {
    let at = now_in_vietnam();
    let signed = sign_as_agency(&receipt(), &SignatureOptions { signing_time: Some(at), ..Default::default() });
    let reports = validate(&signed);
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_valid(report, AGENCY);
    assert_eq!(report.coverage, Coverage::WholeFile);
    assert_eq!(report.signer.as_ref().unwrap().organization.as_deref(), Some("Ủy ban nhân dân tỉnh Lào Cai"));
    assert_eq!(report.claimed_time, Some(at));
    assert_eq!(report.field.as_deref(), Some("Signature1"));
    assert!(report.timestamp.is_none());
}

#[test]
fn a_claimed_time_before_the_certificate_existed_is_not_valid() {
    // The fixtures' day is before the test certificates were made: the signer's own clock claims
    // a time the certificate did not cover, and nothing (no timestamp) proves otherwise.
    let signed =
        sign_as_agency(&receipt(), &SignatureOptions { signing_time: Some(vn_time(8, 30, 5)), ..Default::default() });
    let report = &validate(&signed)[0];
    assert_eq!((report.integrity.clone(), report.chain.is_trusted()), (Integrity::Intact, true));
    assert!(!report.within_validity);
    assert!(!report.is_valid());
}

#[test]
fn a_second_signature_leaves_the_first_covering_its_revision() {
    let once = sign_pdf(&receipt(), &pki().officer.signer().unwrap(), &SignatureOptions::default()).unwrap();
    let twice = sign_as_agency(&once, &SignatureOptions::default());
    let reports = validate(&twice);
    assert_eq!(reports.len(), 2);
    assert_valid(&reports[0], "Nguyễn Thị Hồng Nhung");
    assert_eq!(reports[0].coverage, Coverage::Revision { signed: once.len(), file: twice.len() });
    assert_valid(&reports[1], AGENCY);
    assert_eq!(reports[1].coverage, Coverage::WholeFile);
}

#[test]
fn one_changed_byte_is_reported_not_intact() {
    let signed = sign_as_agency(&receipt(), &SignatureOptions::default());
    let reports = validate(&one_byte_changed(&signed));
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].integrity, Integrity::DigestMismatch);
    assert!(!reports[0].is_valid());
    // Still named: the certificate is in the signature, whatever happened to the file.
    assert_eq!(reports[0].signer.as_ref().and_then(|s| s.common_name.as_deref()), Some(AGENCY));

    // A byte of the signature value itself (the last non-zero hex digit of /Contents).
    let mut forged = signed.clone();
    let open = forged.windows(10).rposition(|w| w == b"/Contents ").unwrap() + 11;
    let end = open + forged[open..].iter().position(|&b| b == b'>').unwrap();
    let last = open + forged[open..end].iter().rposition(|&b| b != b'0').unwrap();
    forged[last] = if forged[last] == b'1' { b'2' } else { b'1' };
    let reports = validate(&forged);
    assert_ne!(reports[0].integrity, Integrity::Intact, "{:#?}", reports[0]);
    assert!(!reports[0].is_valid());
}

#[test]
fn a_file_appended_to_after_signing_is_covered_only_up_to_its_signature() {
    let signed = sign_as_agency(&receipt(), &SignatureOptions::default());
    let mut appended = signed.clone();
    appended.extend_from_slice(b"% a later update\n");
    let reports = validate(&appended);
    assert_eq!(reports[0].coverage, Coverage::Revision { signed: signed.len(), file: appended.len() });
    // Intact for what it signed: the page says the rest is not covered.
    assert_eq!(reports[0].integrity, Integrity::Intact);
}

#[test]
fn certificates_outside_the_trust_roots_are_not_trusted() {
    let signed = sign_as_agency(&receipt(), &SignatureOptions::default());
    let other = TestCa::new("Một CA khác").unwrap();
    let reports = validate_pdf(&signed, &TrustStore::new(vec![other.certificate().clone()], Vec::new()), Utc::now());
    assert_eq!(reports[0].integrity, Integrity::Intact);
    assert_eq!(reports[0].chain, Chain::NotTrusted);
    assert!(!reports[0].is_valid());
    let reports = validate_pdf(&signed, &TrustStore::default(), Utc::now());
    assert_eq!(reports[0].chain, Chain::NoTrustRoots);

    // A self-signed certificate: the CA's own key and certificate, not among the roots trusted.
    let password = "x";
    let self_signed = Pkcs12Signer::from_pkcs12(&other.to_pkcs12(password).unwrap(), password).unwrap();
    let signed = sign_pdf(&receipt(), &self_signed, &SignatureOptions::default()).unwrap();
    let reports = validate(&signed);
    assert_eq!(reports[0].integrity, Integrity::Intact);
    assert_eq!(reports[0].chain, Chain::NotTrusted);
    assert_eq!(reports[0].signer.as_ref().and_then(|s| s.common_name.as_deref()), Some("Một CA khác"));
    assert!(!reports[0].is_valid());
}

#[test]
fn a_timestamp_is_checked_and_gives_the_signing_time() {
    let tsa = LocalTsa::new(pki().tsa.signer().unwrap());
    let before = Utc::now() - chrono::Duration::seconds(2);
    let signed =
        sign_as_agency(&receipt(), &SignatureOptions { timestamp_authority: Some(&tsa), ..Default::default() });
    let reports = validate(&signed);
    assert_valid(&reports[0], AGENCY);
    let stamp = reports[0].timestamp.as_ref().unwrap();
    assert!(stamp.intact && stamp.trusted, "{stamp:?}");
    assert_eq!(stamp.authority.as_deref(), Some("TSA thử nghiệm"));
    let time = stamp.time.unwrap();
    assert!(time >= before && time <= Utc::now() + chrono::Duration::seconds(2), "{time}");
    assert_eq!(reports[0].signing_time(), Some(time));

    // The same signature judged by someone who does not trust the test root: the timestamp is
    // intact but its authority untrusted.
    let other = TestCa::new("Một CA khác").unwrap();
    let reports = validate_pdf(&signed, &TrustStore::new(vec![other.certificate().clone()], Vec::new()), Utc::now());
    let stamp = reports[0].timestamp.as_ref().unwrap();
    assert!(stamp.intact && !stamp.trusted, "{stamp:?}");
}

/// The agency's key and certificates as PEM files, for pyHanko.
fn pyhanko_key_files(ws: &Workspace) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let agency = &pki().agency;
    let key = ws.write("key.pem", agency.private_key_pem().unwrap().as_bytes());
    let cert = ws.write("cert.pem", certificate_to_pem(agency.certificate()).unwrap().as_bytes());
    let chain = ws.write("chain.pem", certificate_to_pem(pki().ca.certificate()).unwrap().as_bytes());
    (key, cert, chain)
}

#[test]
fn a_form_signed_by_pyhanko_is_valid_and_one_changed_byte_breaks_it() {
    let Some(tool) = pyhanko_tool() else { return };
    let ws = Workspace::new();
    let (key, cert, chain) = pyhanko_key_files(&ws);
    let input = ws.write("receipt.pdf", &receipt());
    let output = ws.dir.path().join("signed-by-pyhanko.pdf");
    pyhanko_sign(&tool, &input, &output, &key, &cert, &chain, &[]);
    let signed = std::fs::read(&output).unwrap();

    let reports = validate(&signed);
    assert_eq!(reports.len(), 1, "{reports:#?}");
    assert_valid(&reports[0], AGENCY);
    assert_eq!(reports[0].coverage, Coverage::WholeFile);
    assert_eq!(reports[0].field.as_deref(), Some("Sig1"));
    assert!(reports[0].claimed_time.is_some());

    let reports = validate(&one_byte_changed(&signed));
    assert_eq!(reports[0].integrity, Integrity::DigestMismatch);
    assert!(!reports[0].is_valid());

    // pyHanko's signature after motcua's: both valid, motcua's covering its revision.
    let ours = sign_as_agency(&receipt(), &SignatureOptions::default());
    let input = ws.write("ours.pdf", &ours);
    let output = ws.dir.path().join("both.pdf");
    pyhanko_sign(&tool, &input, &output, &key, &cert, &chain, &[]);
    let both = std::fs::read(&output).unwrap();
    let reports = validate(&both);
    assert_eq!(reports.len(), 2, "{reports:#?}");
    assert_valid(&reports[0], AGENCY);
    assert_eq!(reports[0].coverage, Coverage::Revision { signed: ours.len(), file: both.len() });
    assert_valid(&reports[1], AGENCY);
    assert_eq!(reports[1].coverage, Coverage::WholeFile);
}

#[test]
fn an_rsa_pss_signature_is_reported_unchecked_not_broken() {
    let Some(tool) = pyhanko_tool() else { return };
    let ws = Workspace::new();
    let (key, cert, chain) = pyhanko_key_files(&ws);
    let input = ws.write("receipt.pdf", &receipt());
    let output = ws.dir.path().join("pss.pdf");
    pyhanko_sign(&tool, &input, &output, &key, &cert, &chain, &["--prefer-pss"]);
    let reports = validate(&std::fs::read(&output).unwrap());
    assert_eq!(reports[0].integrity, Integrity::Unsupported("RSASSA-PSS".into()), "{:#?}", reports[0]);
    assert!(!reports[0].is_valid());
}

/// A CRL of the test CA made by OpenSSL (`openssl ca -gencrl`) listing `revoked`, in PEM.
fn openssl_crl(ws: &Workspace, revoked: &[&motcua_signing::x509::Certificate]) -> Vec<u8> {
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl").args(args).current_dir(ws.dir.path()).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    ws.write("ca.p12", &pki().ca.to_pkcs12("x").unwrap());
    run(&["pkcs12", "-in", "ca.p12", "-passin", "pass:x", "-nodes", "-nocerts", "-out", "ca.key"]);
    ws.write("ca.pem", certificate_to_pem(pki().ca.certificate()).unwrap().as_bytes());
    let mut index = String::new();
    for (i, certificate) in revoked.iter().enumerate() {
        ws.write(&format!("revoked{i}.pem"), certificate_to_pem(certificate).unwrap().as_bytes());
        let serial = run(&["x509", "-in", &format!("revoked{i}.pem"), "-noout", "-serial"]);
        let serial = serial.trim().trim_start_matches("serial=");
        index.push_str(&format!("R\t391231235959Z\t260101000000Z\t{serial}\tunknown\t/CN=revoked{i}\n"));
    }
    ws.write("index.txt", index.as_bytes());
    ws.write("crlnumber", b"01\n");
    let dir = ws.dir.path().display();
    let config = format!(
        "[ca]\ndefault_ca = test\n[test]\ndatabase = {dir}/index.txt\ncrlnumber = {dir}/crlnumber\n\
         default_md = sha256\ndefault_crl_days = 1\n"
    );
    ws.write("ca.cnf", config.as_bytes());
    run(&["ca", "-gencrl", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-out", "crl.pem"]);
    std::fs::read(ws.dir.path().join("crl.pem")).unwrap()
}

#[test]
fn revocation_is_looked_up_in_the_crls_given() {
    use motcua_signing::validate::crl_from_bytes;
    if std::process::Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipped: openssl is missing");
        return;
    }
    let ws = Workspace::new();
    let crl = crl_from_bytes(&openssl_crl(&ws, &[pki().agency.certificate()])).unwrap();
    let trust = TrustStore::new(vec![pki().ca.certificate().clone()], vec![crl]);
    let by_agency = sign_as_agency(&receipt(), &SignatureOptions::default());
    let report = &validate_pdf(&by_agency, &trust, Utc::now())[0];
    let Revocation::Revoked(at) = report.revocation else { panic!("{report:#?}") };
    assert_eq!(at.to_rfc3339(), "2026-01-01T00:00:00+00:00");
    assert!(!report.is_valid());
    // Another holder of the same CA, not listed: good.
    let by_officer = sign_pdf(&receipt(), &pki().officer.signer().unwrap(), &SignatureOptions::default()).unwrap();
    let report = &validate_pdf(&by_officer, &trust, Utc::now())[0];
    assert_eq!(report.revocation, Revocation::Good);
    assert!(report.is_valid(), "{report:#?}");
    // A CRL that is not current says nothing: unknown, not good.
    let report = &validate_pdf(&by_officer, &trust, Utc::now() + chrono::Duration::days(3))[0];
    assert_eq!(report.revocation, Revocation::Unknown);
}
