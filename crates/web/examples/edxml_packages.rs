//! Incoming edXML packages accepted per second: another system posts document packages of QCVN
//! 102:2016 to `POST /api/v1/edxml/packages` with its system token, each a distinct letter to
//! the provincial police with one signed PDF of about 1 MB (a laid-out letter and a scanned
//! page, PAdES-signed). Each is parsed, its digest and signature checked, its PDF's text read
//! for search, its file and XML stored, and it is registered with its arrival number and
//! answered 01. See bench/README.md.
//!
//! ```sh
//! cargo run --release -p motcua-web --example edxml_packages -- \
//!     [--engine sqlite|postgres] [--packages 200] [--concurrency 16] [--kb 1024]
//! ```
//!
//! On a fresh database with the demo province (a temporary SQLite file, or a PostgreSQL
//! database on the server of `MOTCUA_TEST_POSTGRES_URL`, dropped at the end), the server on a
//! free port. The packages are made and signed (by a test CA's certificate of the sender)
//! before the clock starts; then they are posted `--concurrency` at a time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use futures::StreamExt;
use motcua_app::national::add_token;
use motcua_app::pki::{init_test_ca, AgencyToCertify, Signers};
use motcua_app::Config;
use motcua_domain::edxml::{
    Attachment, DocumentPackage, OrganId, Organisation, Package, Priority, SignerInfo, StatusCode, SteeringType,
};
use motcua_store::system_tokens::Scope;
use motcua_testkit::{percentile, TestDb, TestEngine};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The provincial police of the demo: the recipient.
const POLICE: &str = "000.00.20.H38";
/// The sender, whose certificate signs: the Department of Justice.
const SENDER: &str = "000.00.12.H38";

struct Options {
    engine: TestEngine,
    packages: usize,
    concurrency: usize,
    kb: usize,
}

fn options() -> Result<Options> {
    let mut o = Options { engine: TestEngine::Sqlite, packages: 200, concurrency: 16, kb: 1024 };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--engine" => o.engine = value.parse()?,
            "--packages" => o.packages = value.parse()?,
            "--concurrency" => o.concurrency = value.parse::<usize>()?.max(1),
            "--kb" => o.kb = value.parse()?,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(o)
}

/// The letter laid out as an issued document, with text.
fn letter(n: usize) -> Result<Vec<u8>> {
    let doc = motcua_render::OfficialDocument {
        issuer: motcua_render::Issuer {
            agency: "Ủy ban nhân dân tỉnh Lào Cai".into(),
            unit: "Sở Tư pháp tỉnh Lào Cai".into(),
            place: "Lào Cai".into(),
        },
        symbol: format!("{n}/STP-HCTP"),
        dated: NaiveDate::from_ymd_opt(2026, 12, 1).ok_or("a date")?,
        type_name: String::new(),
        subject: format!("V/v phối hợp xác minh lý lịch tư pháp (số {n})"),
        body: "Sở Tư pháp đề nghị Công an tỉnh phối hợp xác minh thông tin lý lịch tư pháp của các công dân \
               có tên trong danh sách kèm theo, phục vụ việc cấp Phiếu lý lịch tư pháp trực tuyến.\n\
               Kết quả xác minh đề nghị gửi về Sở Tư pháp trước ngày 15 tháng 12 năm 2026."
            .into(),
        recipients: vec!["Công an tỉnh Lào Cai".into(), "Lưu: VT, HCTP.".into()],
        signer: motcua_render::Signer {
            title: "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC".into(), name: "Lê Minh Lãnh".into()
        },
    };
    Ok(motcua_render::render_official_document(&doc)?.bytes)
}

/// The letter with a scanned page of about `kb` KB (an image of incompressible bytes, as a
/// JPEG's are), made different for each `n`.
fn with_scan(pdf: &[u8], n: usize, kb: usize) -> Result<Vec<u8>> {
    use lopdf::{dictionary, Object, Stream};
    let mut doc = lopdf::Document::load_mem(pdf)?;
    let mut pixels = Vec::with_capacity(kb * 1024);
    let mut x = n as u64 ^ 0x9e37_79b9_7f4a_7c15;
    while pixels.len() < kb * 1024 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pixels.extend_from_slice(&x.to_le_bytes());
    }
    let side = ((kb * 1024) as f64).sqrt() as i64;
    pixels.truncate((side * side) as usize);
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => side, "Height" => side,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
        },
        pixels,
    ));
    let page = *doc.get_pages().values().next().ok_or("a page")?;
    let resources = doc.get_or_create_resources(page)?.as_dict_mut()?;
    let mut xobjects = lopdf::Dictionary::new();
    xobjects.set("Scan", Object::Reference(image));
    resources.set("XObject", Object::Dictionary(xobjects));
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

/// Package `n` to the police, carrying `file`.
fn package(n: usize, file: Vec<u8>) -> Result<DocumentPackage> {
    let date = NaiveDate::from_ymd_opt(2026, 12, 1).ok_or("a date")?;
    let from =
        Organisation { id: OrganId::parse(SENDER).ok_or("an id")?, name: "Sở Tư pháp tỉnh Lào Cai".into() };
    let symbol = format!("{n}/STP-HCTP");
    Ok(DocumentPackage {
        document_id: DocumentPackage::document_id_of(&from.id, date, &symbol),
        from,
        to: vec![Organisation { id: OrganId::parse(POLICE).ok_or("an id")?, name: "Công an tỉnh Lào Cai".into() }],
        code_number: n.to_string(),
        code_notation: "STP-HCTP".into(),
        place: "Lào Cai".into(),
        promulgation_date: date,
        type_name: "Công văn".into(),
        subject: format!("V/v phối hợp xác minh lý lịch tư pháp (số {n})"),
        content: None,
        signer: SignerInfo {
            competence: "KT. GIÁM ĐỐC".into(),
            position: "Phó Giám đốc".into(),
            full_name: "Lê Minh Lãnh".into(),
        },
        due_date: NaiveDate::from_ymd_opt(2026, 12, 15),
        priority: Priority::Normal,
        steering: SteeringType::Steering,
        trace: vec![],
        attachments: vec![Attachment {
            content_id: format!("{n}@stp"),
            name: format!("{n}-STP-HCTP.pdf"),
            content_type: "application/pdf".into(),
            description: "Văn bản".into(),
            bytes: file,
        }],
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let o = options()?;
    let t = TestDb::with_demo(o.engine).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = motcua_testkit::app_state(&t, Config { public_url: base.clone(), ..Config::default() }).await;
    let app = motcua_web::app(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    let (token, _) =
        add_token(&t.db, "Trục liên thông văn bản quốc gia", Scope::Integration).await.map_err(|e| format!("{e:?}"))?;

    // The sender's certificate, from a test CA, and the packages, signed before the clock starts.
    let pki = tempfile::tempdir()?;
    let province = motcua_store::demo::province()?;
    let sender: Vec<AgencyToCertify> =
        AgencyToCertify::from_catalog(&province.agencies).into_iter().filter(|a| a.code == SENDER).collect();
    init_test_ca(pki.path(), &sender)?;
    let signer = Signers::load(pki.path())?.get(SENDER).ok_or("the sender's key")?;
    let made = Instant::now();
    let mut bodies = Vec::with_capacity(o.packages);
    let mut pdf_bytes = 0;
    for n in 1..=o.packages {
        let unsigned = with_scan(&letter(n)?, n, o.kb)?;
        let signed = motcua_signing::pades::sign_pdf(&unsigned, &*signer, &Default::default())?;
        pdf_bytes += signed.len();
        bodies.push(package(n, signed)?.to_xml());
    }
    let xml_bytes: usize = bodies.iter().map(Vec::len).sum();
    println!(
        "made {} packages in {:.1} s: signed PDFs of {:.0} KB, packages of {:.0} KB on average",
        o.packages,
        made.elapsed().as_secs_f64(),
        pdf_bytes as f64 / o.packages as f64 / 1024.0,
        xml_bytes as f64 / o.packages as f64 / 1024.0
    );

    let http = reqwest::Client::new();
    let url = format!("{base}/api/v1/edxml/packages");
    let started = Instant::now();
    let results: Vec<std::result::Result<Duration, String>> = futures::stream::iter(bodies)
        .map(|body| {
            let (http, url, token) = (http.clone(), url.clone(), token.clone());
            async move {
                let at = Instant::now();
                let res = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/xml")
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = res.status().as_u16();
                let answer = res.bytes().await.map_err(|e| e.to_string())?;
                let took = at.elapsed();
                match Package::parse(&answer) {
                    Ok(Package::Status(s)) if status == 200 && s.code == StatusCode::Received => Ok(took),
                    _ => Err(format!("{status}: {}", String::from_utf8_lossy(&answer))),
                }
            }
        })
        .buffer_unordered(o.concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut times = Vec::with_capacity(results.len());
    for r in results {
        times.push(r?);
    }
    times.sort();
    let (registered,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM office_documents WHERE agency_code = $1")
        .bind(POLICE)
        .fetch_one(t.db.reader())
        .await?;
    println!("engine: {:?}", o.engine);
    println!(
        "{} packages accepted in {:.2} s = {:.1} packages/s ({} at a time); p50 {:.0} ms, p99 {:.0} ms; \
         {registered} documents in the police's registers",
        times.len(),
        elapsed.as_secs_f64(),
        times.len() as f64 / elapsed.as_secs_f64(),
        o.concurrency,
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
    );
    Ok(())
}
