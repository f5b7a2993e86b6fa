//! `motcua backup` and `motcua restore` (issue 17 point 8): a backup taken while the server runs,
//! restored into a new data folder, holds every dossier and document, and its histories verify
//! against the restored audit key; a restore never goes over a server's database.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{application, free_port, serve_until_healthy, sign_in};

fn motcua(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .current_dir(dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("RUST_BACKTRACE")
        .env_remove("MOTCUA_DATA")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { files_in(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_a_new_folder_with_intact_histories() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_motcua"));
    command
        .current_dir(dir.path())
        .args(["serve", "--demo", "--demo-dossiers", "40", "--data", "live", "--addr", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .env_remove("MOTCUA_DATA")
        .env_remove("DATABASE_URL");
    let server = serve_until_healthy(command, port).await;
    // Two applications with their documents, so that the backup carries files.
    let (http, base) = (reqwest::Client::builder().no_proxy().build().unwrap(), format!("http://127.0.0.1:{port}"));
    let citizen = sign_in(&http, &base, "congdan").await;
    let procedures: serde_json::Value =
        http.get(format!("{base}/api/v1/procedures?per_page=1")).send().await.unwrap().json().await.unwrap();
    for tag in ["one", "two"] {
        let (form, _) = application(&procedures["items"][0], tag);
        let res =
            http.post(format!("{base}/api/v1/dossiers")).bearer_auth(&citizen).multipart(form).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 201);
    }

    let out = motcua(dir.path(), &["backup", "saved", "--data", "live"]);
    assert!(out.status.success(), "{}", text(&out));
    drop(server);
    let again = motcua(dir.path(), &["backup", "saved", "--data", "live"]);
    assert!(!again.status.success() && text(&again).contains("already holds files"), "{}", text(&again));

    let out = motcua(dir.path(), &["restore", "saved", "--data", "restored"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("every history is intact and complete"), "{}", text(&out));
    let live = motcua(dir.path(), &["audit", "verify", "--data", "live"]);
    let restored = motcua(dir.path(), &["audit", "verify", "--data", "restored"]);
    let counts = |out: &Output| text(out).lines().find(|l| l.contains("dossiers,")).unwrap_or_default().to_string();
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(counts(&live).contains(" dossiers, "), "{}", text(&live));
    assert_eq!(counts(&restored), counts(&live), "the same dossiers and events");
    let attachments = files_in(&dir.path().join("live/attachments"));
    assert!(attachments > 0, "the demo's dossiers carry documents");
    assert_eq!(files_in(&dir.path().join("restored/attachments")), attachments);
    assert_eq!(
        std::fs::read(dir.path().join("restored/audit.key")).unwrap(),
        std::fs::read(dir.path().join("live/audit.key")).unwrap()
    );

    let over = motcua(dir.path(), &["restore", "saved", "--data", "restored"]);
    assert!(!over.status.success(), "never over a server's database: {}", text(&over));
    let not_backup = motcua(dir.path(), &["restore", "live", "--data", "elsewhere"]);
    assert!(text(&not_backup).contains("is not a backup of motcua"), "{}", text(&not_backup));
}
