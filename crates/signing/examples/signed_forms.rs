//! How many receipts (form 01) one thread issues per second with the agency's PAdES signature,
//! and what the signature adds to rendering one: the cost reception pays since forms are issued
//! at the act.
//!
//! `cargo run --release -p motcua-signing --example signed_forms [-- N]` renders N receipts
//! (default 500), then renders and signs N more (RSA-2048 certificate from a test CA, visible
//! stamp on the last page, as `motcua_app::issued` signs them), and prints both rates, wall clock
//! and per second of CPU time given to the thread (Linux).

#[path = "../../render/tests/fixtures/mod.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use motcua_render::{render_receipt, render_signature_stamp, FormNumbering, SignatureStamp};
use motcua_signing::pades::{last_page, sign_pdf, Appearance, SignatureOptions};
use motcua_signing::x509::{CertificateUse, Subject, TestCa};

/// CPU time this thread has run so far, from the scheduler's statistics (Linux only).
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(stat.split_whitespace().next()?.parse().ok()?))
}

/// Runs `issue` `count` times and prints its rates; returns the wall-clock milliseconds of one.
fn measure(what: &str, count: usize, mut issue: impl FnMut(usize) -> usize) -> f64 {
    let start = Instant::now();
    let cpu_start = thread_cpu_time();
    let bytes: usize = (0..count).map(&mut issue).sum();
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_time().zip(cpu_start).map(|(end, start)| (end - start).as_secs_f64());
    print!(
        "{what}: {count} in {elapsed:.2} s, {:.0}/s, {:.2} ms each, {} bytes on average",
        count as f64 / elapsed,
        elapsed * 1e3 / count as f64,
        bytes / count.max(1)
    );
    match cpu {
        Some(cpu) => println!("; {:.0} per CPU-second", count as f64 / cpu),
        None => println!(),
    }
    elapsed * 1e3 / count as f64
}

fn main() {
    let count: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(500);
    let ca = TestCa::new("Test CA").expect("a test CA");
    let signer = ca
        .issue(&Subject::new("Trung tâm Phục vụ hành chính công tỉnh Lào Cai"), CertificateUse::DocumentSigning)
        .and_then(|key| key.signer())
        .expect("an agency certificate");
    let template = fixtures::receipt();
    let receipt = |i: usize| {
        let mut receipt = template.clone();
        receipt.dossier.code = format!("000.00.12.H38-261126-{:04}", i % 10_000);
        render_receipt(&receipt, FormNumbering::default()).expect("the sample receipt renders")
    };
    receipt(0); // fonts parsed once
    let rendered = measure("rendered", count, |i| receipt(i).len());
    let signed = measure("rendered and signed", count, |i| {
        let pdf = receipt(i);
        let (page, [_, y0, x1, _]) = last_page(&pdf).expect("a page");
        let (width, height) = (190.0, 48.0);
        let now = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("+07:00"));
        let stamp = render_signature_stamp(
            &SignatureStamp {
                signer: "Nguyễn Thị Tiếp Nhận".into(),
                agency: "Trung tâm Phục vụ hành chính công tỉnh Lào Cai".into(),
                signed_at: now,
            },
            width,
            height,
        )
        .expect("the stamp renders");
        let options = SignatureOptions {
            signing_time: Some(now),
            reason: Some("Giấy tiếp nhận hồ sơ và hẹn trả kết quả".into()),
            appearance: Some(Appearance { page, x: x1 - width - 28.0, y: y0 + 28.0, width, height, stamp }),
            ..Default::default()
        };
        sign_pdf(&pdf, &signer, &options).expect("the receipt is signed").len()
    });
    println!("the signature adds {:.2} ms to each form", signed - rendered);
}
