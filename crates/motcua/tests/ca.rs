//! `motcua ca init`: the real binary makes a test CA and one certificate per agency, each file
//! private to its user, and keeps them when run again.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn motcua(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "warn")
        .env_remove("MOTCUA_DATA")
        .env_remove("DATABASE_URL")
        .env_remove("MOTCUA_PKCS12_PASSWORD")
        .output()
        .expect("the motcua binary runs")
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.insert(path.display().to_string(), std::fs::read(&path).unwrap());
        }
    }
    out
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn ca_init_makes_private_certificates_for_every_agency_and_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = motcua(&data, &["ca", "init"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("made the test CA"), "{log}");

    let pki = data.join("pki");
    for file in ["ca.p12", "ca.secret", "ca.pem"] {
        assert_eq!(mode(&pki.join(file)), 0o600, "{file}");
    }
    assert_eq!(mode(&pki), 0o700);
    assert_eq!(mode(&pki.join("agencies")), 0o700);
    // The demo province's agencies, the database having none yet: Sở Tư pháp among them.
    let justice = pki.join("agencies/000.00.12.H38.p12");
    assert!(justice.exists(), "{log}");
    let made = files(&pki);
    let p12s = made.keys().filter(|k| k.ends_with(".p12") && k.contains("agencies")).count();
    assert!(p12s >= 10, "{p12s} agency certificates: {made:?}");
    for name in made.keys() {
        assert_eq!(mode(Path::new(name)), 0o600, "{name}");
    }
    assert!(String::from_utf8_lossy(&made[&pki.join("ca.pem").display().to_string()]).starts_with("-----BEGIN"));

    // Again: nothing changes.
    let out = motcua(&data, &["ca", "init"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("kept the test CA") && log.contains("0 agency and 0 personal certificates issued"), "{log}");
    assert_eq!(files(&pki), made);

    // The certificate opens with its password, names the agency and its governing body.
    let signers = motcua_app::pki::Signers::load(&pki).unwrap();
    let signer = signers.get("000.00.12.H38").expect("Sở Tư pháp signs");
    let certificate = &signer.certificate_chain()[0];
    assert_eq!(motcua_signing::x509::common_name(certificate).as_deref(), Some("Sở Tư pháp tỉnh Lào Cai"));
    let subject = certificate.tbs_certificate().subject().to_string();
    assert!(subject.contains("Ủy ban nhân dân tỉnh Lào Cai") && subject.contains("C=VN"), "{subject}");

    // An import for an agency the database does not know (it has none yet) is refused and
    // changes nothing.
    std::fs::write(dir.path().join("wrong.p12"), b"not a p12").unwrap();
    let wrong = dir.path().join("wrong.p12");
    let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["ca", "import", "--agency", "000.00.12.H38"])
        .arg(&wrong)
        .arg("--data")
        .arg(&data)
        .env("MOTCUA_PKCS12_PASSWORD", "x")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(files(&pki), made);
}
