//! A service manager stops the server with SIGTERM (systemd, Docker and Kubernetes all do): the
//! real binary stops listening, lets its job worker finish, says so in its log and exits 0.
#![cfg(unix)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{free_port, serve_until_healthy, Server};
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(sigterm_stops_the_server_cleanly);

async fn start(t: &TestDb, port: u16) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_motcua"));
    command
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--data")
        .arg(t.dir.path())
        .arg("--database-url")
        .arg(&t.url)
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR");
    serve_until_healthy(command, port).await
}

async fn sigterm_stops_the_server_cleanly(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let port = free_port();
    let mut server = start(&t, port).await;
    let killed = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(killed.success(), "kill -TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running 10 s after SIGTERM: {}", server.stderr.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The reader thread sees the end of the pipe shortly after the process ends.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.stderr.lock().unwrap().contains("motcua stopped") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log = server.stderr.lock().unwrap().clone();
    assert!(status.success(), "exit status {status}: {log}");
    assert!(log.contains("SIGTERM: stopping"), "{log}");
    assert!(log.contains("job worker stopped"), "{log}");
    assert!(log.contains("motcua stopped"), "{log}");
    assert!(!log.contains('\u{1b}'), "no colour codes in a log that is not a terminal: {log}");
    let refused =
        reqwest::Client::builder().no_proxy().build().unwrap().get(format!("http://127.0.0.1:{port}/healthz"));
    assert!(refused.send().await.is_err(), "nothing listens after the stop");
}
