//! The test CA's certificates and their PKCS#12 files.

mod common;

use common::pki;
use motcua_signing::signer::{Pkcs12Signer, PkiError, Signer};
use motcua_signing::x509::{certificate_from_bytes, certificate_to_pem, common_name, TestCa};
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};

#[test]
fn the_subject_keeps_its_vietnamese_letters() {
    let certificate = pki().agency.certificate();
    assert_eq!(common_name(certificate).as_deref(), Some("Sở Tư pháp tỉnh Lào Cai"));
    let subject = certificate.tbs_certificate().subject().to_string();
    assert_eq!(subject, "CN=Sở Tư pháp tỉnh Lào Cai,O=Ủy ban nhân dân tỉnh Lào Cai,L=Phường Cốc Lếu,ST=Lào Cai,C=VN");
    assert_eq!(certificate.tbs_certificate().issuer(), pki().ca.certificate().tbs_certificate().subject());
}

#[test]
fn a_signing_certificate_may_sign_and_not_certify() {
    let tbs = pki().officer.certificate().tbs_certificate();
    let (critical, usage) = tbs.get_extension::<KeyUsage>().unwrap().unwrap();
    assert!(critical);
    assert_eq!(usage.0, KeyUsages::DigitalSignature | KeyUsages::NonRepudiation);
    let (_, constraints) = tbs.get_extension::<BasicConstraints>().unwrap().unwrap();
    assert!(!constraints.ca);
    assert!(tbs.get_extension::<ExtendedKeyUsage>().unwrap().is_none());
}

#[test]
fn a_timestamping_certificate_says_so_critically() {
    let tbs = pki().tsa.certificate().tbs_certificate();
    let (critical, usage) = tbs.get_extension::<ExtendedKeyUsage>().unwrap().unwrap();
    assert!(critical);
    assert_eq!(usage.0, [der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8")]);
}

#[test]
fn the_root_is_a_ca() {
    let tbs = pki().ca.certificate().tbs_certificate();
    let (_, constraints) = tbs.get_extension::<BasicConstraints>().unwrap().unwrap();
    assert!(constraints.ca);
    let (_, usage) = tbs.get_extension::<KeyUsage>().unwrap().unwrap();
    assert_eq!(usage.0, KeyUsages::KeyCertSign | KeyUsages::CRLSign);
    let pem = certificate_to_pem(pki().ca.certificate()).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(certificate_from_bytes(pem.as_bytes()).unwrap(), *pki().ca.certificate());
}

#[test]
fn pkcs12_files_open_with_their_password_only() {
    let p12 = pki().agency.to_pkcs12("đúng").unwrap();
    let signer = Pkcs12Signer::from_pkcs12(&p12, "đúng").unwrap();
    assert_eq!(signer.certificate_chain(), pki().agency.chain());
    assert!(matches!(Pkcs12Signer::from_pkcs12(&p12, "sai"), Err(PkiError::Pkcs12(_))));
    assert!(matches!(Pkcs12Signer::from_pkcs12(b"not pkcs12", "đúng"), Err(PkiError::Pkcs12(_))));
}

#[test]
fn a_key_must_be_its_certificates() {
    let officer_key = pki().officer.private_key_pem().unwrap();
    let der = pem_to_der(&officer_key);
    let wrong = Pkcs12Signer::from_pkcs8(&der, pki().agency.chain().to_vec());
    assert!(matches!(wrong, Err(PkiError::Key(_))));
    assert!(Pkcs12Signer::from_pkcs8(&der, pki().officer.chain().to_vec()).is_ok());
}

#[test]
fn the_ca_survives_a_round_trip_through_pkcs12() {
    let p12 = pki().ca.to_pkcs12("ca").unwrap();
    let again = TestCa::from_pkcs12(&p12, "ca").unwrap();
    assert_eq!(again.certificate(), pki().ca.certificate());
    let issued = again
        .issue(&motcua_signing::x509::Subject::new("Lê Văn Tám"), motcua_signing::x509::CertificateUse::DocumentSigning)
        .unwrap();
    assert_eq!(issued.chain()[1], *pki().ca.certificate());
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    let (_, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    der
}
