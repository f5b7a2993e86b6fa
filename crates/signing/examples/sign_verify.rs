//! How many result files one thread signs and verifies per second.
//!
//! `cargo run --release -p motcua-signing --example sign_verify [-- N]` signs a 200 KB PDF-shaped
//! file (incompressible content streams, the size of a scanned one-page decision) N times (default
//! 5,000), then verifies it N times, and prints the rates: per whole file (SHA-256 of the bytes
//! plus Ed25519), and for the Ed25519 step alone over a digest already computed, which is what
//! the verification page does for a code lookup. Besides the wall-clock rate it prints the rate
//! per second of CPU time given to the thread (Linux), which stays meaningful on a machine shared
//! with other work.

use std::time::{Duration, Instant};

use motcua_signing::{digest, verify, verify_digest, SigningKey};

/// A 200 KB file that looks like a PDF: a header, one content stream of random bytes, a trailer.
fn sample_pdf() -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut body = Vec::with_capacity(200 * 1024);
    while body.len() < 200 * 1024 - 200 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        body.extend_from_slice(&state.to_le_bytes());
    }
    let mut pdf = format!("%PDF-1.7\n1 0 obj\n<< /Length {} >>\nstream\n", body.len()).into_bytes();
    pdf.extend_from_slice(&body);
    pdf.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    pdf
}

/// CPU time this thread has run so far, from the scheduler's statistics (Linux only).
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(stat.split_whitespace().next()?.parse().ok()?))
}

fn rate(label: &str, n: usize, run: impl FnMut(usize)) {
    let mut run = run;
    let cpu_start = thread_cpu_time();
    let start = Instant::now();
    for i in 0..n {
        run(i);
    }
    let s = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_time().zip(cpu_start).map(|(end, start)| (end - start).as_secs_f64());
    let per_cpu = cpu.map_or(String::new(), |c| format!(", {:.0} per CPU-second", n as f64 / c));
    println!("{label:<32} {n} in {s:.2} s: {:>6.0}/s, {:.3} ms each{per_cpu}", n as f64 / s, s * 1e3 / n as f64);
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(5000);
    let key = SigningKey::generate(0);
    let file = sample_pdf();
    println!("file: {} bytes, key {}", file.len(), key.id());
    let signed = key.sign(&file);
    let public = key.public_key();
    let sha = digest(&file);
    let mut ok = true;
    rate("sign (SHA-256 + Ed25519)", n, |_| {
        std::hint::black_box(key.sign(std::hint::black_box(&file)));
    });
    rate("verify (SHA-256 + Ed25519)", n, |_| {
        ok &= verify(&public, std::hint::black_box(&file), &signed.signature);
    });
    rate("sign a digest (Ed25519 only)", n, |_| {
        std::hint::black_box(key.sign_digest(std::hint::black_box(&sha)));
    });
    rate("verify a digest (Ed25519 only)", n, |_| {
        ok &= verify_digest(&public, std::hint::black_box(&sha), &signed.signature);
    });
    rate("SHA-256 of the file alone", n, |_| {
        std::hint::black_box(digest(std::hint::black_box(&file)));
    });
    assert!(ok, "every verification passes");
}
