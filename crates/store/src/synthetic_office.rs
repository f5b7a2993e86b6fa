//! Synthetic electronic-office registers for benchmarks: `seed` fills a demo database with N
//! documents (a million for the search benchmark) spread over the demo agencies and over the
//! last five years, as the registers would hold them once handled: incoming documents numbered
//! and mostly completed, outgoing ones numbered, issued and sent. Subjects are composed from the
//! wording of real trích yếu; one document in five carries the folded text of its PDF (a
//! paragraph naming a place), as the search reads it.
//!
//! Numbers are reserved from the registers' own sequences (`code_sequences`), a block per
//! agency, register and year for each transaction, so documents registered afterwards take the
//! next numbers. Only the writing differs from the application's: multi-row `INSERT`s inside
//! large transactions, without history events or files.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use motcua_domain::calendar::vn_offset;
use motcua_domain::office::{abbreviation, symbol, DocumentType, Register};
use motcua_domain::text::fold;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::{Database, Engine};
use crate::error::{Result, StoreError};
use crate::millis;

/// Documents written per transaction.
const PER_TRANSACTION: usize = 10_000;
/// Rows per multi-row `INSERT` of documents (20 parameters each: within both engines' limits).
const ROWS: usize = 500;
/// How far back the registers go.
const YEARS: i64 = 5;

const ACTIONS: [&str; 12] = [
    "triển khai",
    "đôn đốc thực hiện",
    "báo cáo kết quả",
    "hướng dẫn thực hiện",
    "góp ý dự thảo kế hoạch",
    "kiểm tra công tác",
    "rà soát, đánh giá",
    "tăng cường công tác",
    "tổng kết",
    "đề nghị cung cấp số liệu về",
    "phối hợp thực hiện",
    "tổ chức tập huấn về",
];

const TOPICS: [&str; 26] = [
    "cải cách hành chính",
    "chuyển đổi số",
    "dịch vụ công trực tuyến toàn trình",
    "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "quản lý đất đai",
    "xây dựng nông thôn mới",
    "bảo vệ môi trường",
    "bảo đảm trật tự an toàn giao thông",
    "phòng cháy, chữa cháy",
    "tiếp công dân, giải quyết khiếu nại, tố cáo",
    "cấp giấy chứng nhận quyền sử dụng đất",
    "tiêm chủng mở rộng",
    "cấp Phiếu lý lịch tư pháp",
    "đăng ký và quản lý hộ tịch",
    "thu ngân sách nhà nước",
    "giải ngân vốn đầu tư công",
    "kiểm soát thủ tục hành chính",
    "số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "văn thư, lưu trữ",
    "bảo đảm an toàn thông tin mạng",
    "phổ biến, giáo dục pháp luật",
    "bảo hiểm xã hội, bảo hiểm y tế",
    "giảm nghèo bền vững",
    "phát triển du lịch cộng đồng",
    "trồng rừng và bảo vệ rừng",
    "phòng, chống dịch bệnh trên đàn gia súc",
];

const SUFFIXES: [&str; 8] = [
    "năm {year}",
    "quý {quarter} năm {year}",
    "6 tháng đầu năm {year}",
    "trên địa bàn tỉnh",
    "tại các xã vùng cao",
    "đợt 2 năm {year}",
    "giai đoạn 2026 - 2030",
    "",
];

/// Senders of incoming documents from outside the province's agencies.
const OUTSIDE: [&str; 8] = [
    "Văn phòng Chính phủ",
    "Bộ Nội vụ",
    "Bộ Tư pháp",
    "Bộ Tài chính",
    "Bộ Công an",
    "Bộ Nông nghiệp và Môi trường",
    "Tỉnh ủy Lào Cai",
    "Hội đồng nhân dân tỉnh Lào Cai",
];

const PLACES: [&str; 12] = [
    "xã Bản Lầu",
    "xã Y Tý",
    "phường Sa Pa",
    "xã Mường Hum",
    "xã Bảo Hà",
    "xã Khánh Yên",
    "xã Nghĩa Đô",
    "xã Phong Dụ",
    "xã Trạm Tấu",
    "xã Mù Cang Chải",
    "xã Văn Bàn",
    "phường Cam Đường",
];

const TYPES: [DocumentType; 8] = [
    DocumentType::OfficialLetter,
    DocumentType::OfficialLetter,
    DocumentType::OfficialLetter,
    DocumentType::OfficialLetter,
    DocumentType::Report,
    DocumentType::Plan,
    DocumentType::Notice,
    DocumentType::Decision,
];

/// One document to write.
struct Row {
    agency: usize,
    register: Register,
    doc_type: DocumentType,
    subject: String,
    issuer: String,
    at: DateTime<Utc>,
    year: i32,
    status: &'static str,
    text: Option<String>,
}

fn pick<T: Copy>(rng: &mut StdRng, list: &[T]) -> T {
    list[rng.gen_range(0..list.len())]
}

/// What [`seed`] wrote.
#[derive(Clone, Debug, Default)]
pub struct SeededDocuments {
    /// Documents written.
    pub documents: usize,
    /// Of which with the text of a PDF.
    pub with_text: usize,
}

/// Writes `count` synthetic documents over the agencies of the catalog, drawn from `seed`;
/// `progress` is told how many are written after each transaction.
pub async fn seed(db: &Database, count: usize, seed: u64, mut progress: impl FnMut(usize)) -> Result<SeededDocuments> {
    let agencies = crate::catalog::agencies(db).await?;
    if agencies.is_empty() {
        return Err(StoreError::Other("no agencies: load the demo province first".into()));
    }
    let names: Vec<String> = agencies.iter().map(|a| a.name.clone()).collect();
    let abbreviations: Vec<String> = names.iter().map(|n| abbreviation(n)).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let now = Utc::now();
    let start = now - Duration::days(365 * YEARS);
    let step_ms = (now - start).num_milliseconds() / count.max(1) as i64;
    let mut out = SeededDocuments::default();
    while out.documents < count {
        let n = PER_TRANSACTION.min(count - out.documents);
        let rows: Vec<Row> = (out.documents..out.documents + n)
            .map(|i| {
                // In time order, so that numbers follow the dates within each register.
                let at = start + Duration::milliseconds(step_ms * i as i64 + rng.gen_range(0..step_ms.max(1)));
                let local = at.with_timezone(&vn_offset());
                let year = local.year();
                let fill = |s: &str| {
                    s.replace("{year}", &year.to_string()).replace("{quarter}", &(local.month0() / 3 + 1).to_string())
                };
                let agency = rng.gen_range(0..agencies.len());
                let register = if rng.gen_bool(0.6) { Register::Incoming } else { Register::Outgoing };
                let topic = pick(&mut rng, &TOPICS);
                let subject =
                    format!("Về việc {} {} {}", pick(&mut rng, &ACTIONS), topic, fill(pick(&mut rng, &SUFFIXES)))
                        .trim_end()
                        .to_string();
                let issuer = match register {
                    Register::Outgoing => names[agency].clone(),
                    Register::Incoming if rng.gen_bool(0.5) => pick(&mut rng, &OUTSIDE).to_string(),
                    Register::Incoming => names[rng.gen_range(0..names.len())].clone(),
                };
                let status = match (register, rng.gen_range(0..20)) {
                    (Register::Outgoing, _) => "dispatched",
                    (Register::Incoming, 0..=1) => "registered",
                    (Register::Incoming, 2) => "assigned",
                    (Register::Incoming, 3) => "in_progress",
                    (Register::Incoming, _) => "completed",
                };
                let text = rng.gen_bool(0.2).then(|| {
                    fold(&format!(
                        "Thực hiện chỉ đạo của {} về {topic}, {} đề nghị các cơ quan, đơn vị và Ủy ban nhân dân {} \
                         khẩn trương {} {topic}; tổng hợp khó khăn, vướng mắc, đề xuất giải pháp và báo cáo kết quả \
                         trước ngày {} để tổng hợp, báo cáo cấp có thẩm quyền.",
                        pick(&mut rng, &OUTSIDE),
                        issuer,
                        pick(&mut rng, &PLACES),
                        pick(&mut rng, &ACTIONS),
                        (local + Duration::days(15)).format("%d/%m/%Y"),
                    ))
                });
                Row { agency, register, doc_type: pick(&mut rng, &TYPES), subject, issuer, at, year, status, text }
            })
            .collect();
        out.with_text += write(db, &agencies, &abbreviations, &rows, &mut rng).await?;
        out.documents += n;
        progress(out.documents);
    }
    if db.engine == Engine::Postgres {
        db.maintain("VACUUM ANALYZE office_documents").await?;
        db.maintain("VACUUM ANALYZE office_texts").await?;
        // Moves the word index's pending entries into its GIN tree, as autovacuum would.
        db.maintain("VACUUM ANALYZE office_search").await?;
    }
    Ok(out)
}

/// Writes one transaction of documents and their texts; how many texts.
async fn write(
    db: &Database,
    agencies: &[crate::catalog::Agency],
    abbreviations: &[String],
    rows: &[Row],
    rng: &mut StdRng,
) -> Result<usize> {
    let mut tx = db.write_tx().await?;
    // A block of numbers per agency, register and year, taken in the rows' (time) order.
    let mut blocks: HashMap<(usize, Register, i32), i64> = HashMap::new();
    for r in rows {
        *blocks.entry((r.agency, r.register, r.year)).or_default() += 1;
    }
    let mut next: HashMap<(usize, Register, i32), i64> = HashMap::new();
    for ((agency, register, year), n) in &blocks {
        let first = crate::office::reserve_numbers(&mut tx, &agencies[*agency].code, *register, *year, *n).await?;
        next.insert((*agency, *register, *year), first);
    }
    let mut texts: Vec<(String, i64, &str, String)> = Vec::new();
    for chunk in rows.chunks(ROWS) {
        const COLS: usize = 20;
        let mut sql = String::from(
            "INSERT INTO office_documents (agency_code, register, secret_register, year, number, symbol, doc_type, \
             subject, subject_folded, issuer, issuer_folded, issued_on, received_at, urgency, confidentiality, status, \
             recipients, digitized, created_at, revision) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            crate::synthetic::placeholders(&mut sql, db.engine, i * COLS + 1, COLS);
        }
        sql.push_str(" RETURNING id, agency_code, register, year, number");
        let mut q = sqlx::query_as::<_, (i64, String, String, i64, i64)>(&sql);
        let mut keys: Vec<(String, &'static str, i64, i64)> = Vec::with_capacity(chunk.len());
        for r in chunk {
            let number = next.get_mut(&(r.agency, r.register, r.year)).map(|n| {
                *n += 1;
                *n - 1
            });
            let number = number.ok_or_else(|| StoreError::Other("no number reserved".into()))?;
            let agency = &agencies[r.agency];
            let symbol = match r.register {
                Register::Outgoing => {
                    symbol(u32::try_from(number).unwrap_or(u32::MAX), r.doc_type, &abbreviations[r.agency], None)
                }
                Register::Incoming => format!("{}/{}-VP", rng.gen_range(1..3000), abbreviation(&r.issuer)),
            };
            let issued_on = (r.at - Duration::days(i64::from(r.register == Register::Incoming) * 2))
                .with_timezone(&vn_offset())
                .format("%Y-%m-%d")
                .to_string();
            let received_at = (r.register == Register::Incoming).then(|| millis(r.at));
            let digitized = i64::from(r.register == Register::Incoming && rng.gen_bool(0.3));
            q = q
                .bind(agency.code.clone())
                .bind(r.register.as_str())
                .bind(0_i64)
                .bind(i64::from(r.year))
                .bind(number)
                .bind(symbol.clone())
                .bind(r.doc_type.as_str())
                .bind(r.subject.clone())
                .bind(fold(&format!("{} {symbol}", r.subject)))
                .bind(r.issuer.clone())
                .bind(fold(&r.issuer))
                .bind(issued_on)
                .bind(received_at)
                .bind("normal")
                .bind("normal")
                .bind(r.status)
                .bind("[]")
                .bind(digitized)
                .bind(millis(r.at))
                .bind(2_i64);
            keys.push((agency.code.clone(), r.register.as_str(), i64::from(r.year), number));
        }
        let ids: HashMap<(String, String, i64, i64), i64> = q
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(id, agency, register, year, number)| ((agency, register, year, number), id))
            .collect();
        for (r, (agency, register, year, number)) in chunk.iter().zip(keys) {
            if let Some(text) = &r.text {
                let id = *ids
                    .get(&(agency.clone(), register.to_string(), year, number))
                    .ok_or_else(|| StoreError::Other(format!("no id returned for {agency} {number}")))?;
                texts.push((agency, id, register, text.clone()));
            }
        }
    }
    for chunk in texts.chunks(ROWS * 4) {
        let mut sql = String::from("INSERT INTO office_texts (document_id, agency_code, text_folded) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            crate::synthetic::placeholders(&mut sql, db.engine, i * 3 + 1, 3);
        }
        let mut q = sqlx::query(&sql);
        for (agency, id, _, text) in chunk {
            q = q.bind(*id).bind(agency.clone()).bind(text.clone());
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(texts.len())
}
