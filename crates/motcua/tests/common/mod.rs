//! The real binary in tests: started, waited for until it answers, its log collected, and
//! stopped when the test lets go of it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running server; killed when dropped.
pub struct Server {
    pub child: Child,
    /// Everything it wrote to stderr so far.
    pub stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Spawns `command` (a `motcua serve` listening on `port`) and waits until `/healthz` answers
/// 200; panics with the server's log when it stops or does not answer within 60 s.
pub async fn serve_until_healthy(mut command: Command, port: u16) -> Server {
    let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("the motcua binary starts");
    let stderr = Arc::new(Mutex::new(String::new()));
    let pipe = child.stderr.take().unwrap();
    let sink = stderr.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    let mut server = Server { child, stderr };
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!("the server stopped ({status}): {}", server.stderr.lock().unwrap());
        }
        if let Ok(r) = http.get(format!("http://127.0.0.1:{port}/healthz")).send().await {
            if r.status().is_success() {
                return server;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not answer /healthz within 60 s: {}", server.stderr.lock().unwrap());
}

/// Signs `user` in with the demo password: the bearer token.
pub async fn sign_in(http: &reqwest::Client, base: &str, user: &str) -> String {
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": user, "password": "demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().unwrap_or_else(|| panic!("{user} signs in: {login}")).to_string()
}

/// An application to the procedure `proc`, its documents made from `tag`: the form and the
/// documents' bytes.
pub fn application(proc: &serde_json::Value, tag: &str) -> (reqwest::multipart::Form, Vec<Vec<u8>>) {
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
    let mut form = reqwest::multipart::Form::new()
        .text("procedure_code", proc["code"].as_str().unwrap().to_string())
        .text("data", serde_json::to_string(&data).unwrap());
    let mut documents = Vec::new();
    for d in proc["required_documents"].as_array().unwrap() {
        let bytes = format!("%PDF-1.4\n% {tag} {}\n%%EOF\n", d["key"]).into_bytes();
        documents.push(bytes.clone());
        form = form
            .part(d["key"].as_str().unwrap().to_string(), reqwest::multipart::Part::bytes(bytes).file_name("a.pdf"));
    }
    (form, documents)
}

/// `GET url` with a bearer token, as JSON.
pub async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    http.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

/// Every document of the dossier `code`, read through `base`, sorted.
pub async fn documents_of(http: &reqwest::Client, base: &str, token: &str, code: &str) -> Vec<Vec<u8>> {
    let d = get_json(http, &format!("{base}/api/v1/dossiers/{code}"), token).await;
    let mut found = Vec::new();
    for a in d["attachments"].as_array().unwrap_or_else(|| panic!("{code} on {base}: {d}")) {
        let res = http.get(format!("{base}{}", a["url"].as_str().unwrap())).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{code}'s document on {base}");
        found.push(res.bytes().await.unwrap().to_vec());
    }
    found.sort();
    found
}
