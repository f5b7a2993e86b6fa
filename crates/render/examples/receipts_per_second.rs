//! How many receipts (form 01) one thread renders per second.
//!
//! `cargo run --release -p motcua-render --example receipts_per_second [-- N]` renders N receipts
//! (default 2,000) one after another, each for a different dossier code, and prints the rate. The
//! target is at least 200 per second on one core, so that a counter never waits for a PDF and a
//! nightly job can reprint a day's receipts in seconds.
//!
//! Besides the wall-clock rate it prints the rate per second of CPU time actually given to the
//! thread (Linux), which stays meaningful on a machine shared with other builds.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use motcua_render::{render_receipt, FormNumbering};

/// CPU time this thread has run so far, from the scheduler's statistics (Linux only).
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(stat.split_whitespace().next()?.parse().ok()?))
}

fn main() {
    let count: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(2000);
    let template = fixtures::receipt();
    // The first render parses the fonts; it is timed on its own.
    let first = Instant::now();
    let bytes = render_receipt(&template, FormNumbering::default()).expect("the sample receipt renders");
    let warm_up = first.elapsed();
    let start = Instant::now();
    let cpu_start = thread_cpu_time();
    let mut total_bytes = 0;
    for i in 0..count {
        let mut receipt = template.clone();
        receipt.dossier.code = format!("000.00.12.H38-261126-{:04}", i % 10_000);
        receipt.dossier.lookup_url = format!("https://dichvucong.laocai.gov.vn/tra-cuu/{}", receipt.dossier.code);
        total_bytes += render_receipt(&receipt, FormNumbering::default()).expect("the sample receipt renders").len();
    }
    let elapsed = start.elapsed();
    let cpu = thread_cpu_time().zip(cpu_start).map(|(end, start)| end - start);
    println!("first receipt (fonts parsed): {:.1} ms, {} bytes", warm_up.as_secs_f64() * 1e3, bytes.len());
    println!(
        "{count} receipts in {:.2} s: {:.0} receipts/s, {:.2} ms each, {} bytes on average",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e3 / count as f64,
        total_bytes / count.max(1)
    );
    if let Some(cpu) = cpu {
        println!(
            "on-CPU time {:.2} s: {:.0} receipts per CPU-second",
            cpu.as_secs_f64(),
            count as f64 / cpu.as_secs_f64()
        );
    }
}
