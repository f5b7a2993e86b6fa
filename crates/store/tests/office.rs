//! The electronic office's registers on SQLite and on PostgreSQL: numbers without gaps or
//! duplicates under concurrency, one sequence per register, secrecy and year, and changes
//! guarded by the document's revision.

use chrono::{TimeZone, Utc};
use motcua_domain::office::{symbol, Confidentiality, DocumentStatus, DocumentType, Register, Urgency};
use motcua_store::blobs::StoredBlob;
use motcua_store::office::{self, Actor, Change, DocumentQuery, NewDocument, NewOfficeAttachment};
use motcua_store::StoreError;
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(
    a_thousand_issues_from_sixteen_tasks_take_one_to_a_thousand,
    numbers_restart_each_year_and_secret_documents_have_their_own,
    a_change_from_an_old_revision_is_refused,
    documents_are_found_by_their_issuer_symbol_and_the_text_of_their_files,
);

async fn agency(t: &TestDb) -> String {
    motcua_store::demo::load(&t.db, "!", 0).await.unwrap();
    let (code,): (String,) = sqlx::query_as("SELECT agency_code FROM users WHERE username = 'chuyenvien'")
        .fetch_one(t.db.reader())
        .await
        .unwrap();
    code
}

fn clerk() -> Actor {
    Actor { user_id: None, name: "Phạm Thị Văn".into() }
}

fn document(agency: &str, register: Register, confidentiality: Confidentiality) -> NewDocument {
    NewDocument {
        agency_code: agency.into(),
        register,
        doc_type: DocumentType::OfficialLetter,
        symbol: (register == Register::Incoming).then(|| "15/UBND-VP".to_string()),
        subject: "Về việc triển khai dịch vụ công trực tuyến toàn trình".into(),
        issuer: "UBND tỉnh".into(),
        issued_on: None,
        due_at: None,
        urgency: Urgency::Normal,
        confidentiality,
        body: None,
        recipients: vec![],
        signer_name: None,
        signer_title: None,
        digitized: false,
        source_document_id: None,
        attachments: vec![],
    }
}

async fn a_thousand_issues_from_sixteen_tasks_take_one_to_a_thousand(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let agency = agency(&t).await;
    let now = Utc::now();
    let mut drafts = Vec::new();
    for _ in 0..1000 {
        drafts.push(
            office::create(&t.db, &document(&agency, Register::Outgoing, Confidentiality::Normal), &clerk(), now)
                .await
                .unwrap(),
        );
    }
    assert!(drafts.iter().all(|d| d.number.is_none() && d.status == DocumentStatus::Draft));
    let mut tasks = Vec::new();
    for chunk in drafts.chunks(63) {
        let (db, chunk) = (t.db.clone(), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for d in chunk {
                let make = |n: i64| symbol(n as u32, DocumentType::Decision, "STP", None);
                let issued = office::apply(
                    &db,
                    d.id,
                    d.revision,
                    &Change::new("issue", DocumentStatus::Issued),
                    &clerk(),
                    Some(&make),
                    Utc::now(),
                )
                .await
                .unwrap();
                out.push((issued.number.unwrap(), issued.symbol.unwrap()));
            }
            out
        }));
    }
    assert_eq!(tasks.len(), 16);
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.extend(task.await.unwrap());
    }
    numbers.sort();
    assert_eq!(numbers.iter().map(|(n, _)| *n).collect::<Vec<_>>(), (1..=1000).collect::<Vec<i64>>());
    assert_eq!(numbers[6].1, "07/QĐ-STP");
    assert_eq!(numbers[999].1, "1000/QĐ-STP");
}

async fn numbers_restart_each_year_and_secret_documents_have_their_own(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let agency = agency(&t).await;
    // 23:30 on 31 December and 00:30 on 1 January, Vietnam time.
    let new_year_eve = Utc.with_ymd_and_hms(2026, 12, 31, 16, 30, 0).unwrap();
    let new_year = Utc.with_ymd_and_hms(2026, 12, 31, 17, 30, 0).unwrap();
    let incoming = |c| document(&agency, Register::Incoming, c);
    let a = office::create(&t.db, &incoming(Confidentiality::Normal), &clerk(), new_year_eve).await.unwrap();
    let b = office::create(&t.db, &incoming(Confidentiality::Normal), &clerk(), new_year_eve).await.unwrap();
    let secret = office::create(&t.db, &incoming(Confidentiality::Secret), &clerk(), new_year_eve).await.unwrap();
    let c = office::create(&t.db, &incoming(Confidentiality::Normal), &clerk(), new_year).await.unwrap();
    assert_eq!((a.year, a.number, b.number, secret.number), (2026, Some(1), Some(2), Some(1)));
    assert_eq!((c.year, c.number), (2027, Some(1)));
    assert!(a.status == DocumentStatus::Registered && a.received_at == Some(new_year_eve));
    // Each register lists its own, by year, and the search ignores diacritics.
    let listed = |year, text: Option<&str>| DocumentQuery {
        register: Some(Register::Incoming),
        year: Some(year),
        text: text.map(str::to_string),
        ..DocumentQuery::default()
    };
    assert_eq!(office::list(&t.db, &agency, &listed(2026, None), 1, 50).await.unwrap().total, 3);
    assert_eq!(office::list(&t.db, &agency, &listed(2027, None), 1, 50).await.unwrap().total, 1);
    assert_eq!(
        office::list(&t.db, &agency, &listed(2026, Some("dich vu cong TOAN TRINH")), 1, 50).await.unwrap().total,
        3
    );
    assert_eq!(office::list(&t.db, &agency, &listed(2026, Some("15/UBND")), 1, 50).await.unwrap().total, 3);
    assert_eq!(office::list(&t.db, &agency, &listed(2026, Some("đất đai")), 1, 50).await.unwrap().total, 0);
    assert_eq!(office::list(&t.db, "000.00.99.H38", &listed(2026, None), 1, 50).await.unwrap().total, 0);
    let events = office::events(&t.db, a.id).await.unwrap();
    assert_eq!(
        (events.len(), events[0].action.as_str(), events[0].to_status),
        (1, "register", Some(DocumentStatus::Registered))
    );
}

async fn a_change_from_an_old_revision_is_refused(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let agency = agency(&t).await;
    let d =
        office::create(&t.db, &document(&agency, Register::Incoming, Confidentiality::Normal), &clerk(), Utc::now())
            .await
            .unwrap();
    let mut assign = Change::new("assign", DocumentStatus::Assigned);
    assign.due_at = Some(Utc::now());
    let assigned = office::apply(&t.db, d.id, d.revision, &assign, &clerk(), None, Utc::now()).await.unwrap();
    assert_eq!((assigned.status, assigned.revision), (DocumentStatus::Assigned, d.revision + 1));
    let late = office::apply(
        &t.db,
        d.id,
        d.revision,
        &Change::new("complete", DocumentStatus::Completed),
        &clerk(),
        None,
        Utc::now(),
    )
    .await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
    assert_eq!(office::get(&t.db, d.id).await.unwrap().status, DocumentStatus::Assigned);
    assert_eq!(office::events(&t.db, d.id).await.unwrap().len(), 2);
}

/// A PDF file of a document whose text layer says `text`.
fn pdf_saying(text: &str) -> NewOfficeAttachment {
    NewOfficeAttachment {
        purpose: "original",
        file_name: "cong-van.pdf".into(),
        content_type: "application/pdf".into(),
        blob: StoredBlob { storage_key: "k".into(), size: 1, sha256: "00".into() },
        text: Some(motcua_domain::text::fold(text)),
        signed: false,
    }
}

async fn documents_are_found_by_their_issuer_symbol_and_the_text_of_their_files(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let agency = agency(&t).await;
    let (police,): (String,) = sqlx::query_as("SELECT agency_code FROM users WHERE username = 'ld20h38'")
        .fetch_one(t.db.reader())
        .await
        .unwrap();
    assert_ne!(police, agency);
    let now = Utc::now();
    let says = "Đề nghị khắc phục sạt lở kè suối Khuổi Hăm trước mùa mưa lũ";
    let mut ours = document(&agency, Register::Incoming, Confidentiality::Normal);
    ours.issuer = "Sở Nông nghiệp và Môi trường".into();
    ours.attachments = vec![pdf_saying(says)];
    let ours = office::create(&t.db, &ours, &clerk(), now).await.unwrap();
    let mut theirs = document(&police, Register::Incoming, Confidentiality::Normal);
    theirs.attachments = vec![pdf_saying(says)];
    let theirs = office::create(&t.db, &theirs, &clerk(), now).await.unwrap();
    let found = |agency: String, text: &'static str| {
        let db = t.db.clone();
        async move {
            let q = DocumentQuery { text: Some(text.into()), ..DocumentQuery::default() };
            office::list(&db, &agency, &q, 1, 50).await.unwrap().items.iter().map(|d| d.id).collect::<Vec<_>>()
        }
    };
    // A word of the file only, typed with or without its marks, in the agency's own register.
    assert!(!ours.subject.contains("Khuổi"));
    assert_eq!(found(agency.clone(), "khuoi ham").await, vec![ours.id]);
    assert_eq!(found(agency.clone(), "KHUỔI").await, vec![ours.id]);
    assert_eq!(found(police.clone(), "khuoi").await, vec![theirs.id]);
    // Words from several places, each found somewhere: the issuer, the subject, the text.
    assert_eq!(found(agency.clone(), "nong nghiep toan trinh sat lo").await, vec![ours.id]);
    assert_eq!(found(agency.clone(), "khuoi dat dai").await, Vec::<i64>::new());
    // A specialist's view keeps to what they handle.
    let q = DocumentQuery { text: Some("khuoi".into()), only_for: Some(-1), ..DocumentQuery::default() };
    assert_eq!(office::list(&t.db, &agency, &q, 1, 50).await.unwrap().total, 0);

    // The text kept is bounded: a second long file adds only up to the cap.
    let long = format!("{} Pác Bó", "thuy loi ".repeat(office::MAX_TEXT / 9));
    office::add_attachment(&t.db, ours.id, &pdf_saying(&long), None, now).await.unwrap();
    let (kept,): (i64,) = sqlx::query_as("SELECT LENGTH(text_folded) FROM office_texts WHERE document_id = $1")
        .bind(ours.id)
        .fetch_one(t.db.reader())
        .await
        .unwrap();
    assert_eq!(kept, office::MAX_TEXT as i64);
    assert_eq!(found(agency.clone(), "thuy loi").await, vec![ours.id]);
    assert_eq!(found(agency.clone(), "pac bo").await, Vec::<i64>::new(), "beyond the cap");

    // An outgoing document is found by the symbol it is given at issue.
    let draft = office::create(&t.db, &document(&agency, Register::Outgoing, Confidentiality::Normal), &clerk(), now)
        .await
        .unwrap();
    let make = |n: i64| symbol(n as u32, DocumentType::Decision, "STP", None);
    office::apply(
        &t.db,
        draft.id,
        draft.revision,
        &Change::new("issue", DocumentStatus::Issued),
        &clerk(),
        Some(&make),
        now,
    )
    .await
    .unwrap();
    assert_eq!(found(agency.clone(), "01/QĐ-STP").await, vec![draft.id]);
}
