//! A real SMTP server for the tests of e-mail (Debian's python3-aiosmtpd, storing what it
//! receives in a Maildir).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An SMTP server of our own on a local port, stopped when dropped.
pub struct SmtpServer {
    child: Child,
    maildir: PathBuf,
    log: PathBuf,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python that has aiosmtpd: Debian's, unless the tests are told otherwise.
fn python() -> String {
    std::env::var("MOTCUA_TEST_PYTHON").unwrap_or_else(|_| {
        if Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" }.to_string()
    })
}

/// A port nothing listens on yet.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpServer {
    /// Starts the server on `port`, storing messages under `dir`, and waits until it listens.
    pub async fn start(port: u16, dir: &Path) -> SmtpServer {
        let maildir = dir.join("maildir");
        let log = dir.join(format!("aiosmtpd-{port}.log"));
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("python3 starts (install python3-aiosmtpd; scripts/test.sh does)");
        let mut server = SmtpServer { child, maildir, log };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "the SMTP server exited ({status}); is python3-aiosmtpd installed? {}",
                    std::fs::read_to_string(&server.log).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "the SMTP server did not listen on port {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The raw messages received so far.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else { return vec![] };
        entries.map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect()
    }
}
