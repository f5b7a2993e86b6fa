//! Issue numbers per second of the electronic office's outgoing register: N approved drafts
//! of one agency issued by 16 concurrent tasks, each issue one write transaction that takes the
//! register's next number and writes the document and its history event (the store's
//! `office::apply`, as the application calls it). Checks afterwards that the numbers are 1..N,
//! no gap and no duplicate.
//!
//! ```sh
//! cargo run --release -p motcua-store --example office_numbers -- sqlite:///tmp/office-bench.db?mode=rwc
//! cargo run --release -p motcua-store --example office_numbers -- postgres://postgres@127.0.0.1:5432/office_bench
//! ```
//!
//! The database must be empty (a new SQLite file, or a PostgreSQL database just created): the
//! example migrates it and loads the demo province. An optional second argument sets N (4000).

use std::time::Instant;

use chrono::Utc;
use motcua_domain::office::{symbol, Confidentiality, DocumentStatus, DocumentType, Register, Urgency};
use motcua_store::office::{self, Actor, Change, NewDocument};
use motcua_store::Database;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const TASKS: usize = 16;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: office_numbers DATABASE_URL [N]")?;
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(4000).max(TASKS);
    let db = Database::connect(&url).await?;
    db.migrate().await?;
    if !motcua_store::demo::is_empty(&db).await? {
        return Err("the database is not empty: give a new one".into());
    }
    motcua_store::demo::load(&db, "!", 0).await?;
    let (agency,): (String,) =
        sqlx::query_as("SELECT agency_code FROM users WHERE username = 'vanthu'").fetch_one(db.reader()).await?;
    let clerk = Actor { user_id: None, name: "Phạm Thị Văn".into() };
    let draft = NewDocument {
        agency_code: agency.clone(),
        register: Register::Outgoing,
        doc_type: DocumentType::Decision,
        symbol: None,
        subject: "Về việc công bố danh mục thủ tục hành chính được chuẩn hóa".into(),
        issuer: "Sở Tư pháp tỉnh Lào Cai".into(),
        issued_on: None,
        due_at: None,
        urgency: Urgency::Normal,
        confidentiality: Confidentiality::Normal,
        body: Some("Điều 1. Công bố kèm theo Quyết định này danh mục thủ tục hành chính.".into()),
        recipients: vec![],
        signer_name: Some("Lê Minh Lãnh".into()),
        signer_title: Some("Giám đốc".into()),
        digitized: false,
        source_document_id: None,
        attachments: vec![],
    };
    let mut drafts = Vec::with_capacity(n);
    for _ in 0..n {
        let d = office::create(&db, &draft, &clerk, Utc::now()).await?;
        drafts.push(
            office::apply(
                &db,
                d.id,
                d.revision,
                &Change::new("approve", DocumentStatus::Approved),
                &clerk,
                None,
                Utc::now(),
            )
            .await?,
        );
    }
    let per_task = n.div_ceil(TASKS);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in drafts.chunks(per_task) {
        let (db, chunk, clerk) = (db.clone(), chunk.to_vec(), clerk.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::with_capacity(chunk.len());
            for d in chunk {
                let make = |n: i64| symbol(u32::try_from(n).unwrap_or(u32::MAX), DocumentType::Decision, "STP", None);
                let change = Change::new("issue", DocumentStatus::Issued);
                let issued = office::apply(&db, d.id, d.revision, &change, &clerk, Some(&make), Utc::now()).await?;
                out.push(issued.number.unwrap_or_default());
            }
            Ok::<_, motcua_store::StoreError>(out)
        }));
    }
    let mut numbers = Vec::with_capacity(n);
    for t in tasks {
        numbers.extend(t.await??);
    }
    let elapsed = started.elapsed();
    numbers.sort_unstable();
    let expected: Vec<i64> = (1..=i64::try_from(n)?).collect();
    let exact = numbers == expected;
    println!(
        "{:?}: {n} issues from {TASKS} tasks in {:.2} s = {:.0} issues/s; numbers 1..{n} without gap or duplicate: {exact}",
        db.engine,
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );
    if !exact {
        return Err("numbers with a gap or a duplicate".into());
    }
    Ok(())
}
