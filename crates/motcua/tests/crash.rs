//! Every acknowledged submission survives a crash: the real binary is killed with SIGKILL right
//! after answering, restarted on the same data, and the dossier and its documents are all there.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(an_acknowledged_submission_survives_sigkill);

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start(t: &TestDb, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve", "--demo", "--demo-dossiers", "0", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--data")
        .arg(t.dir.path())
        .arg("--database-url")
        .arg(&t.url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the motcua binary starts");
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("http://127.0.0.1:{port}/healthz")).send().await {
            if r.status().is_success() {
                return server;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not become healthy");
}

async fn citizen_token(http: &reqwest::Client, base: &str) -> String {
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username":"congdan","password":"demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().expect("the demo citizen signs in").to_string()
}

async fn an_acknowledged_submission_survives_sigkill(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut server = start(&t, port).await;
    let token = citizen_token(&http, &base).await;
    let list: serde_json::Value =
        http.get(format!("{base}/api/v1/procedures?per_page=200")).send().await.unwrap().json().await.unwrap();
    let proc = list["items"][0].clone();
    let mut data = serde_json::Map::new();
    for f in proc["form"].as_array().unwrap() {
        let v: serde_json::Value = match f["type"].as_str().unwrap() {
            "number" => 1.into(),
            "date" => "1990-05-17".into(),
            "select" => f["options"][0]["value"].clone(),
            "checkbox" => true.into(),
            "email" => "a@example.vn".into(),
            "phone" => "0912345678".into(),
            _ => "Lào Cai".into(),
        };
        data.insert(f["key"].as_str().unwrap().into(), v);
    }
    let mut codes = Vec::new();
    let mut contents = Vec::new();
    for i in 0..5 {
        let mut form = reqwest::multipart::Form::new()
            .text("procedure_code", proc["code"].as_str().unwrap().to_string())
            .text("data", serde_json::to_string(&data).unwrap());
        for d in proc["required_documents"].as_array().unwrap() {
            let bytes = format!("%PDF-1.4\n% {i} {}\n%%EOF\n", d["key"]).into_bytes();
            contents.push(bytes.clone());
            form = form.part(
                d["key"].as_str().unwrap().to_string(),
                reqwest::multipart::Part::bytes(bytes).file_name("a.pdf"),
            );
        }
        let res =
            http.post(format!("{base}/api/v1/dossiers")).bearer_auth(&token).multipart(form).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let d: serde_json::Value = res.json().await.unwrap();
        codes.push(d["code"].as_str().unwrap().to_string());
    }
    // SIGKILL: no shutdown, no flush.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    drop(server);
    let _server = start(&t, port).await;
    let token = citizen_token(&http, &base).await;
    let mut found = Vec::new();
    for code in &codes {
        let d: serde_json::Value = http
            .get(format!("{base}/api/v1/dossiers/{code}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(d["status"], "submitted", "{code}: {d}");
        for a in d["attachments"].as_array().unwrap() {
            let bytes = http
                .get(format!("{base}{}", a["url"].as_str().unwrap()))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            found.push(bytes.to_vec());
        }
    }
    found.sort();
    contents.sort();
    assert_eq!(found, contents, "every document of every acknowledged submission is back");
}
