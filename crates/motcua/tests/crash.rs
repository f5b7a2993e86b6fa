//! Every acknowledged submission survives a crash: the real binary is killed with SIGKILL right
//! after answering, restarted on the same data, and the dossier and its documents are all there.

mod common;

use std::process::Command;

use common::{application, documents_of, free_port, get_json, serve_until_healthy, sign_in, Server};
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(an_acknowledged_submission_survives_sigkill);

async fn start(t: &TestDb, port: u16) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_motcua"));
    command
        .args(["serve", "--demo", "--demo-dossiers", "0", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--data")
        .arg(t.dir.path())
        .arg("--database-url")
        .arg(&t.url)
        .env("RUST_LOG", "warn");
    serve_until_healthy(command, port).await
}

async fn an_acknowledged_submission_survives_sigkill(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut server = start(&t, port).await;
    let token = sign_in(&http, &base, "congdan").await;
    let list: serde_json::Value =
        http.get(format!("{base}/api/v1/procedures?per_page=200")).send().await.unwrap().json().await.unwrap();
    let proc = list["items"][0].clone();
    let mut codes = Vec::new();
    let mut contents = Vec::new();
    for i in 0..5 {
        let (form, documents) = application(&proc, &i.to_string());
        contents.extend(documents);
        let res =
            http.post(format!("{base}/api/v1/dossiers")).bearer_auth(&token).multipart(form).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let d: serde_json::Value = res.json().await.unwrap();
        codes.push(d["code"].as_str().unwrap().to_string());
    }
    // SIGKILL: no shutdown, no flush.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);
    let _server = start(&t, port).await;
    let token = sign_in(&http, &base, "congdan").await;
    let mut found = Vec::new();
    for code in &codes {
        let d = get_json(&http, &format!("{base}/api/v1/dossiers/{code}"), &token).await;
        assert_eq!(d["status"], "submitted", "{code}: {d}");
        found.extend(documents_of(&http, &base, &token, code).await);
    }
    found.sort();
    contents.sort();
    assert_eq!(found, contents, "every document of every acknowledged submission is back");
}
