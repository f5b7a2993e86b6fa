//! Two servers on one PostgreSQL database and one attachment store, as a province runs them
//! behind a proxy (issue 17 point 9): the real binary twice, started at the same moment on an
//! empty database (one loads the demo province, the other waits for it), sharing a keys folder
//! and the S3 server of `MOTCUA_TEST_BLOB_URL` (a shared folder when it is not set).
//!
//! Submissions alternate between the servers and every document is read from the other one; a
//! holiday and a workflow changed on one are seen by the other; then one server is killed with
//! SIGKILL while submissions stream to it, and every acknowledged dossier is on the survivor
//! with its documents. The submissions the kill left unanswered are sent again to the survivor
//! with their `Idempotency-Key`: each exists once, whether the dead server had committed it or
//! not.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{application, documents_of, free_port, get_json, serve_until_healthy, sign_in, Server};
use motcua_testkit::{TestDb, TestEngine};
use serde_json::{json, Value};
use tokio::sync::Mutex;

/// Where both servers keep attachments: the S3 server of the test run under a prefix of this
/// test's own, or a folder both reach.
fn blob_url(shared: &Path) -> String {
    match std::env::var("MOTCUA_TEST_BLOB_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
            format!("{}/two-nodes-{}-{nanos}", url.trim_end_matches('/'), std::process::id())
        }
        None => format!("file://{}", shared.join("attachments").display()),
    }
}

async fn node(t: &TestDb, root: &Path, name: &str, port: u16, blobs: &str) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_motcua"));
    command
        .args(["serve", "--demo", "--demo-dossiers", "0", "--addr", &format!("127.0.0.1:{port}"), "--workers", "2"])
        .arg("--data")
        .arg(root.join(name))
        .arg("--keys-dir")
        .arg(root.join("keys"))
        .args(["--database-url", &t.url, "--blob-url", blobs])
        .env("RUST_LOG", "warn")
        .env_remove("RUST_BACKTRACE");
    serve_until_healthy(command, port).await
}

/// Sends the application `tag` with the idempotency key `tag` to `base`: the answer's status and
/// body, or `None` when no answer came (the server died).
async fn apply(http: &reqwest::Client, base: &str, token: &str, proc: &Value, tag: &str) -> Option<(u16, Value)> {
    let (form, _) = application(proc, tag);
    let res = http
        .post(format!("{base}/api/v1/dossiers"))
        .bearer_auth(token)
        .header("idempotency-key", tag)
        .multipart(form)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .ok()?;
    let status = res.status().as_u16();
    Some((status, res.json().await.ok()?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_database_and_one_store_and_survive_losing_one() {
    let t = TestDb::new(TestEngine::Postgres).await;
    let root = tempfile::tempdir().unwrap();
    let blobs = blob_url(root.path());
    let (port_a, port_b) = (free_port(), free_port());
    // Started together on an empty database: one migrates and loads the province, the other
    // waits for it under the start-up lock; neither fails.
    let (a, mut b) =
        tokio::join!(node(&t, root.path(), "a", port_a, &blobs), node(&t, root.path(), "b", port_b, &blobs));
    let (base_a, base_b) = (format!("http://127.0.0.1:{port_a}"), format!("http://127.0.0.1:{port_b}"));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let procedures: Value =
        http.get(format!("{base_a}/api/v1/procedures?per_page=200")).send().await.unwrap().json().await.unwrap();
    let proc = procedures["items"][0].clone();
    // A session made on one server holds on the other.
    let citizen = sign_in(&http, &base_a, "congdan").await;
    let total = |base: String| {
        let (http, citizen) = (http.clone(), citizen.clone());
        async move {
            let mine = get_json(&http, &format!("{base}/api/v1/dossiers?per_page=1"), &citizen).await;
            mine["total"].as_i64().unwrap_or_else(|| panic!("{mine}"))
        }
    };
    let demo_dossiers = total(base_b.clone()).await;

    // Submissions alternate; each dossier's documents are read from the other server.
    let mut acknowledged = Vec::new();
    for i in 0..10 {
        let (here, there) = if i % 2 == 0 { (&base_a, &base_b) } else { (&base_b, &base_a) };
        let tag = format!("alternate-{i}");
        let (status, d) = apply(&http, here, &citizen, &proc, &tag).await.expect("an answer");
        assert_eq!(status, 201, "{d}");
        let code = d["code"].as_str().unwrap().to_string();
        let mut sent = application(&proc, &tag).1;
        sent.sort();
        assert_eq!(documents_of(&http, there, &citizen, &code).await, sent, "{code} read on the other server");
        acknowledged.push((tag, code));
    }
    // The same key again on the other server: the first answer, nothing created twice.
    let (tag, code) = &acknowledged[0];
    let (status, again) = apply(&http, &base_b, &citizen, &proc, tag).await.unwrap();
    assert_eq!((status, again["code"].as_str()), (201, Some(code.as_str())), "{again}");

    // A holiday added on one server moves due dates computed on the other within 2 s.
    let admin = sign_in(&http, &base_b, "quantri").await;
    let due = "/api/v1/calendar/due?from=2031-03-03T08:00:00%2B07:00&amount=3&unit=working_days";
    let due_on = |base: String| {
        let (http, admin) = (http.clone(), admin.clone());
        async move { get_json(&http, &format!("{base}{due}"), &admin).await }
    };
    let before = due_on(base_b.clone()).await;
    let res = http
        .put(format!("{base_a}/api/v1/calendar/2031"))
        .bearer_auth(&admin)
        .json(&json!({"year": 2031, "days_off": ["2031-03-04"], "working_days": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let started = Instant::now();
    let mut after = due_on(base_b.clone()).await;
    while after == before && started.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = due_on(base_b.clone()).await;
    }
    assert_ne!(after, before, "the other server counts the holiday within 2 s");
    assert_eq!(after, due_on(base_a.clone()).await);
    // A workflow saved on one server is saved again on the other.
    let url = format!("/api/v1/procedures/{}/workflow", proc["code"].as_str().unwrap());
    let current: Value = get_json(&http, &format!("{base_a}{url}"), &admin).await;
    let saved = http.put(format!("{base_a}{url}")).bearer_auth(&admin).json(&current["steps"]).send().await.unwrap();
    assert_eq!(saved.status().as_u16(), 200, "saved on A");
    let saved: Value = saved.json().await.unwrap();
    let started = Instant::now();
    loop {
        let there: Value = get_json(&http, &format!("{base_b}{url}"), &admin).await;
        if there["version"] == saved["version"] {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(2), "B holds version {} after 2 s", there["version"]);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = http.put(format!("{base_b}{url}")).bearer_auth(&admin).json(&current["steps"]).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 200, "saved again on B: {:?}", again.text().await);

    // Server B is killed with SIGKILL while submissions stream to it, four at a time.
    let answered = Arc::new(Mutex::new(Vec::new()));
    let unanswered = Arc::new(Mutex::new(Vec::new()));
    let mut senders = Vec::new();
    for lane in 0..4 {
        let (http, base, token, proc) = (http.clone(), base_b.clone(), citizen.clone(), proc.clone());
        let (answered, unanswered) = (answered.clone(), unanswered.clone());
        senders.push(tokio::spawn(async move {
            for i in 0.. {
                let tag = format!("stream-{lane}-{i}");
                match apply(&http, &base, &token, &proc, &tag).await {
                    Some((201, d)) => answered.lock().await.push((tag, d["code"].as_str().unwrap().to_string())),
                    Some((status, d)) => panic!("{tag}: {status} {d}"),
                    None => {
                        unanswered.lock().await.push(tag);
                        return;
                    }
                }
            }
        }));
    }
    while answered.lock().await.len() < 12 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    for sender in senders {
        sender.await.unwrap();
    }
    let streamed = answered.lock().await.clone();
    acknowledged.extend(streamed.iter().cloned());
    // Everything acknowledged by either server is on the survivor, documents and all.
    for (tag, code) in &acknowledged {
        let mut sent = application(&proc, tag).1;
        sent.sort();
        assert_eq!(documents_of(&http, &base_a, &citizen, code).await, sent, "{code} after the kill");
    }
    // What the kill left unanswered is sent again to the survivor with the same key. A request
    // the dead server had claimed but not committed waits out its claim (409 meanwhile).
    let lost = unanswered.lock().await.clone();
    assert_eq!(lost.len(), 4, "one request in flight per lane: {lost:?}");
    for tag in &lost {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, d) = apply(&http, &base_a, &citizen, &proc, tag).await.expect("the survivor answers");
            if status == 201 {
                acknowledged.push((tag.clone(), d["code"].as_str().unwrap().to_string()));
                break;
            }
            assert_eq!(status, 409, "{tag}: {d}");
            assert!(Instant::now() < deadline, "{tag} still claimed after a minute");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    // Each key made exactly one dossier: the citizen has as many more as keys were sent.
    let mut codes: Vec<&str> = acknowledged.iter().map(|(_, code)| code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), acknowledged.len(), "no two keys share a dossier");
    assert_eq!(total(base_a.clone()).await - demo_dossiers, codes.len() as i64, "no dossier created twice");
    // The register stays gapless: the numbers of the agency's day run 1, 2, 3… whatever the
    // killed server had begun (a number taken in a transaction that never committed is not used).
    let prefix = |code: &str| code.rsplit_once('-').map(|(p, _)| p.to_string()).unwrap();
    let day = prefix(codes[0]);
    let mut numbers: Vec<u32> =
        codes.iter().filter(|c| prefix(c) == day).map(|c| c.rsplit_once('-').unwrap().1.parse().unwrap()).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=numbers.len() as u32).collect::<Vec<_>>(), "gapless numbers of {day}");
    drop(a);
}
