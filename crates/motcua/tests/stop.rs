//! A service manager stops the server with SIGTERM (systemd, Docker and Kubernetes all do): the
//! real binary stops listening, lets its job worker finish, says so in its log and exits 0.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(sigterm_stops_the_server_cleanly);

struct Server {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start(t: &TestDb, port: u16) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--data")
        .arg(t.dir.path())
        .arg("--database-url")
        .arg(&t.url)
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the motcua binary starts");
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
    panic!("the server did not become healthy: {}", server.stderr.lock().unwrap());
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
