//! Where the log lines go: into a buffer in memory, written out to stderr by a thread of its own
//! every few milliseconds. A line costs its formatting and a copy, with no system call and no
//! thread woken per line: written straight to stderr, the access log line of every request took
//! about a quarter of a catalog search's cost (bench/README.md), and a channel to a writer thread
//! (tracing-appender) woke that thread for nearly every line.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long a line may wait in the buffer.
const FLUSH_EVERY: Duration = Duration::from_millis(20);
/// A buffer this full is written out at once by the thread logging, which then waits: a flood
/// of lines slows the program down rather than filling its memory.
const FLUSH_ABOVE: usize = 1 << 20;

struct Shared {
    buffer: Mutex<Vec<u8>>,
    stop: AtomicBool,
}

impl Shared {
    fn write_out(&self) {
        let lines = std::mem::take(&mut *self.buffer.lock().unwrap_or_else(|e| e.into_inner()));
        if !lines.is_empty() {
            // A log that cannot be written (stderr closed) is dropped: nothing else could say so.
            let _ = std::io::stderr().lock().write_all(&lines);
        }
    }
}

/// The writer of the log subscriber.
#[derive(Clone)]
pub struct BatchedStderr {
    shared: Arc<Shared>,
}

/// Writes out what is buffered when dropped, and stops the writer thread: keep it until the
/// program ends.
pub struct FlushGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// The writer, and the guard that writes out the last lines.
pub fn batched_stderr() -> (BatchedStderr, FlushGuard) {
    let shared = Arc::new(Shared { buffer: Mutex::new(Vec::with_capacity(64 * 1024)), stop: AtomicBool::new(false) });
    let background = shared.clone();
    let thread = std::thread::Builder::new()
        .name("motcua-log".into())
        .spawn(move || {
            while !background.stop.load(Ordering::Relaxed) {
                std::thread::park_timeout(FLUSH_EVERY);
                background.write_out();
            }
        })
        .ok();
    (BatchedStderr { shared: shared.clone() }, FlushGuard { shared, thread })
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
        self.shared.write_out();
    }
}

/// One line being written (the subscriber formats a whole line, then writes it once).
pub struct LineWriter<'a> {
    shared: &'a Shared,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self.shared.buffer.lock().unwrap_or_else(|e| e.into_inner());
        buffer.extend_from_slice(bytes);
        if buffer.len() > FLUSH_ABOVE {
            let lines = std::mem::take(&mut *buffer);
            let _ = std::io::stderr().lock().write_all(&lines);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedStderr {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { shared: &self.shared }
    }
}
