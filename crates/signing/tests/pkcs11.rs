//! Signing with a key on a PKCS#11 token: SoftHSM2 (Debian's package), with a token made for
//! the test in a temporary folder, the agency's key and certificate imported by the tools an
//! administrator would use (`softhsm2-util`, OpenSC's `pkcs11-tool`), and the signed form
//! checked by `pdfsig` and pyHanko.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use der::Encode;
use motcua_signing::pades::{sign_pdf, SignatureOptions};
use motcua_signing::pkcs11::{Pkcs11Module, Pkcs11Signer};
use motcua_signing::signer::{PkiError, Signer};

const TOKEN: &str = "motcua-test";
const PIN: &str = "123456";
const KEY: &str = "so-tu-phap";

/// The SoftHSM2 module: `MOTCUA_PKCS11_MODULE`, else where Debian puts it.
fn softhsm_module() -> Option<PathBuf> {
    let candidates = std::env::var_os("MOTCUA_PKCS11_MODULE").map(PathBuf::from).into_iter().chain(
        ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"].map(PathBuf::from),
    );
    let found = candidates.into_iter().find(|p| p.exists());
    if found.is_none() {
        let reason = "the SoftHSM2 module is absent (apt-get install softhsm2, or set MOTCUA_PKCS11_MODULE)";
        if std::env::var_os("CI").is_some() {
            panic!("{reason}; scripts/test.sh installs it");
        }
        eprintln!("skipped: {reason}");
    }
    found
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A token labelled [`TOKEN`] in `dir`, holding the agency's key and certificate (same
/// `CKA_ID`) and the CA's certificate.
fn make_token(module: &Path, dir: &Path) {
    let config = dir.join("softhsm2.conf");
    std::fs::create_dir(dir.join("tokens")).unwrap();
    std::fs::write(
        &config,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.join("tokens").display()
        ),
    )
    .unwrap();
    // The module reads its configuration when this process loads it, as the tools do.
    std::env::set_var("SOFTHSM2_CONF", &config);
    let pki = pki();
    std::fs::write(dir.join("key.pem"), pki.agency.private_key_pem().unwrap()).unwrap();
    std::fs::write(dir.join("cert.der"), pki.agency.certificate().to_der().unwrap()).unwrap();
    std::fs::write(dir.join("ca.der"), pki.ca.certificate().to_der().unwrap()).unwrap();
    run(Command::new("softhsm2-util").args([
        "--init-token",
        "--free",
        "--label",
        TOKEN,
        "--pin",
        PIN,
        "--so-pin",
        "12345678",
    ]));
    run(Command::new("softhsm2-util")
        .arg("--import")
        .arg(dir.join("key.pem"))
        .args(["--token", TOKEN, "--label", KEY, "--id", "0a01", "--pin", PIN]));
    for (file, id, label) in [("cert.der", "0a01", KEY), ("ca.der", "ca01", "ca")] {
        run(Command::new("pkcs11-tool")
            .arg("--module")
            .arg(module)
            .args(["--token-label", TOKEN, "--login", "--pin", PIN, "--write-object"])
            .arg(dir.join(file))
            .args(["--type", "cert", "--id", id, "--label", label]));
    }
}

#[test]
fn a_form_signed_on_a_token_validates() {
    let Some(module_path) = softhsm_module() else { return };
    let dir = tempfile::tempdir().unwrap();
    make_token(&module_path, dir.path());
    let module = Pkcs11Module::load(&module_path).unwrap();
    assert!(module.token_labels().unwrap().contains(&TOKEN.to_string()));

    // Refusals first: once a session is logged in, the whole token is (PKCS#11 login state is
    // per application), so a wrong PIN would no longer be noticed.
    let wrong_pin = Pkcs11Signer::open(&module, TOKEN, "000000", KEY).unwrap_err();
    assert!(matches!(wrong_pin, PkiError::Token(ref m) if m.contains("logging in")), "{wrong_pin}");
    let no_token = Pkcs11Signer::open(&module, "other", PIN, KEY).unwrap_err();
    assert!(matches!(no_token, PkiError::Token(ref m) if m.contains("no token")), "{no_token}");
    let no_key = Pkcs11Signer::open(&module, TOKEN, PIN, "other").unwrap_err();
    assert!(matches!(no_key, PkiError::Token(ref m) if m.contains("no private key")), "{no_key}");

    let signer = Pkcs11Signer::open(&module, TOKEN, PIN, KEY).unwrap();
    // The certificate and the CA's both come from the token, in chain order.
    assert_eq!(signer.certificate_chain(), pki().agency.chain());
    let at = vn_time(9, 15, 0);
    let options = SignatureOptions {
        signing_time: Some(at),
        appearance: Some(appearance("Sở Tư pháp tỉnh Lào Cai", "Ủy ban nhân dân tỉnh Lào Cai", at, 215.0)),
        ..Default::default()
    };
    let signed = sign_pdf(&receipt(), &signer, &options).unwrap();
    // The token's RSA signature is the software key's (PKCS#1 v1.5 is deterministic).
    let digest = [7u8; 32];
    assert_eq!(signer.sign_sha256(&digest).unwrap(), pki().agency.signer().unwrap().sign_sha256(&digest).unwrap());

    let ws = Workspace::new();
    let path = ws.write("signed.pdf", &signed);
    if let Some(tool) = pdfsig_tool() {
        let report = pdfsig(&tool, &path);
        assert!(report.text.contains("Signature Validation: Signature is Valid."), "{}", report.text);
        assert!(report.text.contains("Signer Certificate Common Name: Sở Tư pháp tỉnh Lào Cai"), "{}", report.text);
    }
    if let Some(tool) = pyhanko_tool() {
        let report = pyhanko(&tool, &path, &ws.root());
        assert!(report.success, "{}", report.text);
        assert!(report.text.contains("The signature is judged VALID."), "{}", report.text);
        assert!(report.text.contains("The signer's certificate is trusted."), "{}", report.text);
    }
}
