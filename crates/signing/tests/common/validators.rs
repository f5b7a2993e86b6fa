//! The two validators no one here wrote, Poppler's `pdfsig` and pyHanko, run as the user would
//! run them. Shared by the signing tests and the web crate's signature tests (included there by
//! path): a missing tool fails under CI, where scripts/test.sh installs it, and skips elsewhere.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a validator printed, and whether it exited with success.
#[derive(Debug)]
pub struct Report {
    pub success: bool,
    pub text: String,
}

fn run(mut command: Command) -> Report {
    let output = command.output().unwrap_or_else(|e| panic!("running {command:?}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Report { success: output.status.success(), text }
}

/// A tool the tests need, or the reason it is missing. Missing is a failure under CI (where
/// scripts/test.sh installs them), a skip elsewhere.
fn tool(name: &str, env: Option<&str>) -> Option<PathBuf> {
    let candidate = env.and_then(std::env::var_os).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(name));
    let works = Command::new(&candidate).arg("--help").output().is_ok();
    if works {
        return Some(candidate);
    }
    let hint = env.map(|v| format!(" (set {v} or put {name} on PATH)")).unwrap_or_default();
    if std::env::var_os("CI").is_some() {
        panic!("{name} is missing{hint}; scripts/test.sh installs it");
    }
    eprintln!("skipped: {name} is missing{hint}");
    None
}

/// Poppler's `pdfsig`, or None (the test is skipped) outside CI.
pub fn pdfsig_tool() -> Option<PathBuf> {
    tool("pdfsig", None)
}

/// pyHanko's command line (`MOTCUA_PYHANKO`, else `pyhanko` on PATH), or None outside CI.
pub fn pyhanko_tool() -> Option<PathBuf> {
    tool("pyhanko", Some("MOTCUA_PYHANKO"))
}

/// `pdfsig` on a file: every signature, its signer and whether it is valid.
pub fn pdfsig(tool: &Path, pdf: &Path) -> Report {
    let mut command = Command::new(tool);
    command.arg(pdf);
    run(command)
}

/// pyHanko's validator on a file, trusting only the test root, without revocation checks (the
/// test CA publishes no CRL or OCSP). Exits with success only when every signature is valid.
pub fn pyhanko(tool: &Path, pdf: &Path, root: &Path) -> Report {
    let mut command = Command::new(tool);
    command
        .args(["sign", "validate", "--pretty-print", "--no-revocation-check", "--trust-replace", "--trust"])
        .arg(root)
        .arg(pdf);
    run(command)
}

/// pyHanko signs `input` into `output` with a PEM key and certificate (and the CA's), as another
/// system would sign a PDF: a signature no code of motcua made. `extra` goes before the
/// subcommand (`--prefer-pss`, `--timestamp-url URL`).
pub fn pyhanko_sign(tool: &Path, input: &Path, output: &Path, key: &Path, cert: &Path, chain: &Path, extra: &[&str]) {
    let mut command = Command::new(tool);
    command.args(["sign", "addsig", "--field", "Sig1", "--reason", "Ký bởi pyHanko"]).args(extra);
    command.args(["pemder", "--no-pass", "--key"]).arg(key).arg("--cert").arg(cert).arg("--chain").arg(chain);
    command.arg(input).arg(output);
    let report = run(command);
    assert!(report.success, "pyHanko could not sign: {}", report.text);
}
