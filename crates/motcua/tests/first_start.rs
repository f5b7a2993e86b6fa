//! The first ten minutes: the real binary started in an empty folder with no options makes its
//! data folder (private to its user) and serves, with Secure `__Host-` cookies; the demo names every account it loads; a data
//! folder that cannot be made stops the start with one clear line.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::{free_port, serve_until_healthy, Server};
use std::time::{Duration, Instant};

fn motcua(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_motcua"));
    command
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env_remove("MOTCUA_DATA")
        .env_remove("DATABASE_URL")
        .env_remove("MOTCUA_ADDR");
    command
}

/// Starts `motcua serve` with these arguments in `dir` and waits for /healthz to answer 200.
async fn serve(dir: &Path, port: u16, args: &[&str]) -> Server {
    let mut command = motcua(dir);
    command.arg("serve").args(["--addr", &format!("127.0.0.1:{port}")]).args(args);
    serve_until_healthy(command, port).await
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[tokio::test]
async fn serve_in_an_empty_folder_makes_a_private_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = serve(dir.path(), port, &[]).await;
    let data = dir.path().join("data");
    assert_eq!(mode(&data), 0o700, "./data");
    assert_eq!(mode(&data.join("motcua.db")), 0o600, "the database");
    assert!(!data.join("sandbox-gateway.secret").exists(), "no sandbox gateway outside the demo");
    assert_eq!(mode(&data.join("keys")), 0o700, "the keys folder");
    for entry in std::fs::read_dir(data.join("keys")).unwrap() {
        assert_eq!(mode(&entry.unwrap().path()), 0o600, "a signing key");
    }
    let wal = data.join("motcua.db-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600, "the database's write-ahead log");
    }
    // Cookies are Secure and `__Host-` by default (plain HTTP needs --insecure-cookies).
    let cookie = set_cookie(port).await;
    assert!(cookie.starts_with("__Host-motcua_csrf=") && cookie.contains("; Secure"), "{cookie}");
    // The address to open closes the banner.
    let deadline = Instant::now() + Duration::from_secs(5);
    let address = format!("open http://127.0.0.1:{port}");
    while !server.stderr.lock().unwrap().contains(&address) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(server.stderr.lock().unwrap().contains(&address), "{}", server.stderr.lock().unwrap());
}

#[tokio::test]
async fn demo_in_a_new_nested_folder_names_every_account() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("a/b/c");
    let port = free_port();
    let server = serve(dir.path(), port, &["--demo", "--demo-dossiers", "0", "--data", data.to_str().unwrap()]).await;
    assert_eq!(mode(&data), 0o700, "the new data folder");
    assert_eq!(mode(&data.join("sandbox-gateway.secret")), 0o600, "the demo's sandbox gateway's secret");
    // The banner is printed before the server answers; give the reader thread a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.stderr.lock().unwrap().contains("motcua is ready") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let banner = server.stderr.lock().unwrap().clone();
    // Every account the demo made, as `motcua user list` reads them from the database.
    let list = motcua(dir.path()).args(["user", "list", "--data", data.to_str().unwrap()]).output().unwrap();
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    let accounts: Vec<String> = String::from_utf8(list.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    for name in ["congdan", "congdan2", "tiepnhan", "chuyenvien", "lanhdao", "vanthu", "quantri", "dieuhanh", "tn20h38"]
    {
        assert!(accounts.iter().any(|a| a == name), "{name} is a demo account: {accounts:?}");
    }
    let words: Vec<&str> = banner.split_whitespace().collect();
    for account in &accounts {
        assert!(words.contains(&account.as_str()), "the banner names {account}:\n{banner}");
    }
    assert!(banner.contains(&format!("{} demo accounts", accounts.len())), "{banner}");
    assert!(banner.contains("password `demo`"), "{banner}");
    assert!(banner.contains(&format!("open http://127.0.0.1:{port}")), "{banner}");
    // The demo is tried over plain HTTP: its cookies are not Secure, so a browser keeps them.
    let cookie = set_cookie(port).await;
    assert!(cookie.starts_with("motcua_csrf=") && !cookie.contains("Secure"), "{cookie}");
}

/// The cookie the sign-in page sets for an anonymous visitor.
async fn set_cookie(port: u16) -> String {
    let res = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/dang-nhap")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.headers()["set-cookie"].to_str().unwrap().to_string()
}

#[test]
fn an_unusable_data_folder_stops_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), "not a folder").unwrap();
    let out = motcua(dir.path())
        .args(["serve", "--addr", &format!("127.0.0.1:{}", free_port()), "--data", "file/data"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("motcua: cannot create the data folder file/data: "), "{stderr}");
    assert!(!stderr.contains("stack backtrace") && !stderr.contains("Caused by"), "{stderr}");
}

/// Several servers of one database share their keys through --keys-dir and take settings kept
/// off the command line from --secrets-file (the environment and the command line still win);
/// a secrets file that cannot be read stops the start with one line.
#[tokio::test]
async fn keys_go_to_their_own_folder_and_settings_come_from_a_secrets_file() {
    let dir = tempfile::tempdir().unwrap();
    let (data, keys) = (dir.path().join("from-secrets"), dir.path().join("shared-keys"));
    let secrets = dir.path().join("motcua.env");
    std::fs::write(
        &secrets,
        format!("# kept off the command line\nMOTCUA_DATA={}\nMOTCUA_PLACE=\"Sa Pa\"\n", data.display()),
    )
    .unwrap();
    let port = free_port();
    let mut command = motcua(dir.path());
    command
        .args(["serve", "--demo", "--demo-dossiers", "0", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--secrets-file")
        .arg(&secrets)
        .arg("--keys-dir")
        .arg(&keys);
    let server = serve_until_healthy(command, port).await;
    assert!(data.join("motcua.db").exists(), "the data folder the secrets file names");
    assert!(!dir.path().join("data").exists(), "not ./data");
    assert_eq!(mode(&keys), 0o700, "the keys folder");
    for shared in ["audit.key", "sandbox-gateway.secret", "keys", "pki"] {
        assert!(keys.join(shared).exists(), "{shared} in the keys folder");
        assert!(!data.join(shared).exists(), "{shared} not in the data folder");
    }
    drop(server);

    let out = motcua(dir.path())
        .args(["serve", "--addr", &format!("127.0.0.1:{}", free_port()), "--secrets-file", "missing.env"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("motcua: cannot read the secrets file missing.env"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}
