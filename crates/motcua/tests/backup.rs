//! `motcua backup` and `motcua restore` (issue 17 point 8): a backup taken while the server runs,
//! restored into a new data folder, holds every dossier and document, and its histories verify
//! against the restored audit key; a restore never goes over a server's database.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{application, documents_of, free_port, get_json, serve_until_healthy, sign_in};

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

/// `motcua migrate-to-postgres` (issue 17 point 8): a demo centre on SQLite, stopped, moved into
/// a new PostgreSQL database, starts again on PostgreSQL with the same dossiers, documents and
/// intact histories, and takes new applications (the ids' sequences moved past the copied rows).
#[tokio::test]
async fn a_sqlite_centre_moves_to_postgres_and_goes_on_there() {
    let dir = tempfile::tempdir().unwrap();
    let serve = |port: u16, database: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_motcua"));
        command
            .current_dir(dir.path())
            .args([
                "serve",
                "--demo",
                "--demo-dossiers",
                "40",
                "--data",
                "centre",
                "--addr",
                &format!("127.0.0.1:{port}"),
            ])
            .env("RUST_LOG", "warn")
            .env_remove("MOTCUA_DATA")
            .env_remove("DATABASE_URL");
        if let Some(url) = database {
            command.args(["--database-url", url]);
        }
        command
    };
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mine = |base: String, token: String| {
        let http = http.clone();
        async move {
            let list = get_json(&http, &format!("{base}/api/v1/dossiers?per_page=100"), &token).await;
            let mut codes: Vec<String> =
                list["items"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect();
            codes.sort();
            codes
        }
    };

    let port = free_port();
    let server = serve_until_healthy(serve(port, None), port).await;
    let base = format!("http://127.0.0.1:{port}");
    let citizen = sign_in(&http, &base, "congdan").await;
    let procedures: serde_json::Value =
        http.get(format!("{base}/api/v1/procedures?per_page=1")).send().await.unwrap().json().await.unwrap();
    let (form, documents) = application(&procedures["items"][0], "before the move");
    let res = http.post(format!("{base}/api/v1/dossiers")).bearer_auth(&citizen).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let submitted: serde_json::Value = res.json().await.unwrap();
    let before = mine(base.clone(), citizen).await;
    assert!(!before.is_empty());
    drop(server);

    let target = motcua_testkit::TestDb::unmigrated(motcua_testkit::TestEngine::Postgres).await;
    let out = motcua(dir.path(), &["migrate-to-postgres", "--data", "centre", "--to", &target.url]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("moved: start the server with --database-url"), "{}", text(&out));
    let again = motcua(dir.path(), &["migrate-to-postgres", "--data", "centre", "--to", &target.url]);
    assert!(text(&again).contains("already holds tables"), "never over a database in use: {}", text(&again));

    let sqlite = motcua(dir.path(), &["audit", "verify", "--data", "centre"]);
    let postgres = motcua(dir.path(), &["audit", "verify", "--data", "centre", "--database-url", &target.url]);
    assert!(postgres.status.success(), "{}", text(&postgres));
    let counts = |out: &Output| text(out).lines().find(|l| l.contains("dossiers,")).unwrap_or_default().to_string();
    assert!(counts(&sqlite).contains(" dossiers, "), "{}", text(&sqlite));
    assert_eq!(counts(&postgres), counts(&sqlite), "the same dossiers and events");

    let port = free_port();
    let _server = serve_until_healthy(serve(port, Some(&target.url)), port).await;
    let base = format!("http://127.0.0.1:{port}");
    let citizen = sign_in(&http, &base, "congdan").await;
    assert_eq!(mine(base.clone(), citizen.clone()).await, before, "the citizen's dossiers, on PostgreSQL");
    let mut sent = documents;
    sent.sort();
    let code = submitted["code"].as_str().unwrap();
    assert_eq!(documents_of(&http, &base, &citizen, code).await, sent, "documents submitted before the move");
    let (form, _) = application(&procedures["items"][0], "after the move");
    let res = http.post(format!("{base}/api/v1/dossiers")).bearer_auth(&citizen).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 201, "new applications take new ids");
    assert_eq!(mine(base, citizen).await.len(), before.len() + 1);
}
