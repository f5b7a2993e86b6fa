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
    search_finds_whole_words_and_their_beginnings_typed_without_marks,
    search_finds_a_word_only_in_a_pdf_and_follows_every_change,
    search_keeps_to_the_agency_and_to_what_a_specialist_handles,
    search_takes_special_characters_as_separators_never_as_query_syntax,
    search_counts_every_match_on_any_page,
    search_index_is_the_engines_own,
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

/// The ids of the documents of `agency` a search by `text` lists, as a clerk (`only_for` `None`)
/// or as the specialist `only_for`, and the count the same call gives.
async fn search(t: &TestDb, agency: &str, text: &str, only_for: Option<i64>) -> (Vec<i64>, i64) {
    let q = DocumentQuery { text: Some(text.into()), only_for, ..DocumentQuery::default() };
    let page = office::list(&t.db, agency, &q, 1, 50).await.unwrap();
    let mut ids: Vec<i64> = page.items.iter().map(|d| d.id).collect();
    ids.sort();
    (ids, page.total)
}

async fn user_id(t: &TestDb, username: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(t.db.reader())
        .await
        .unwrap();
    id
}

async fn search_finds_whole_words_and_their_beginnings_typed_without_marks(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let agency = agency(&t).await;
    let now = Utc::now();
    let mut decision = document(&agency, Register::Incoming, Confidentiality::Normal);
    decision.symbol = Some("2026/QĐ-UBND".into());
    decision.subject = "Quyết định phê duyệt kế hoạch chuyển đổi số năm 2027".into();
    let decision = office::create(&t.db, &decision, &clerk(), now).await.unwrap();
    let letter = office::create(&t.db, &document(&agency, Register::Incoming, Confidentiality::Normal), &clerk(), now)
        .await
        .unwrap();
    // Prefixes of words, with or without their marks, in any case.
    assert_eq!(search(&t, &agency, "quyet", None).await, (vec![decision.id], 1));
    assert_eq!(search(&t, &agency, "quyết định", None).await, (vec![decision.id], 1));
    assert_eq!(search(&t, &agency, "QUYE DIN", None).await, (vec![decision.id], 1));
    assert_eq!(search(&t, &agency, "chuyen doi so", None).await, (vec![decision.id], 1));
    // Words of the symbol, a number in it, a number alone: the arrival number.
    assert_eq!(search(&t, &agency, "2026", None).await, (vec![decision.id], 1));
    assert_eq!(search(&t, &agency, "qd-ubnd", None).await, (vec![decision.id], 1));
    assert_eq!(search(&t, &agency, "ubnd", None).await, (vec![decision.id, letter.id], 2));
    let number = letter.number.unwrap();
    assert!(search(&t, &agency, &number.to_string(), None).await.0.contains(&letter.id));
    // Every word must be found; a word inside another is not a word.
    assert_eq!(search(&t, &agency, "quyet tuyet", None).await, (vec![], 0));
    assert_eq!(search(&t, &agency, "uyet", None).await, (vec![], 0));
    assert_eq!(search(&t, &agency, "dich vu cong", None).await, (vec![letter.id], 1));
}

async fn search_finds_a_word_only_in_a_pdf_and_follows_every_change(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let agency = agency(&t).await;
    let now = Utc::now();
    let mut letter = document(&agency, Register::Incoming, Confidentiality::Normal);
    letter.attachments = vec![pdf_saying("Kè suối Nậm Thi, phường Cốc Lếu")];
    let letter = office::create(&t.db, &letter, &clerk(), now).await.unwrap();
    assert_eq!(search(&t, &agency, "nam thi coc leu", None).await, (vec![letter.id], 1));
    // A file added later: its text is found too, and the first file's still.
    office::add_attachment(&t.db, letter.id, &pdf_saying("Bản Lầu, Mường Khương"), None, now).await.unwrap();
    assert_eq!(search(&t, &agency, "muong khuong", None).await, (vec![letter.id], 1));
    assert_eq!(search(&t, &agency, "coc leu", None).await, (vec![letter.id], 1));

    // A draft's new version: its new subject is found, its old one no longer.
    let specialist = user_id(&t, "chuyenvien").await;
    let author = Actor { user_id: Some(specialist), name: "Chuyên viên".into() };
    let mut draft = document(&agency, Register::Outgoing, Confidentiality::Normal);
    draft.subject = "Về việc kiểm tra công trình thủy lợi".into();
    let draft = office::create(&t.db, &draft, &author, now).await.unwrap();
    assert_eq!(search(&t, &agency, "thuy loi", None).await, (vec![draft.id], 1));
    let second = motcua_store::office_chain::Revision {
        subject: "Về việc nghiệm thu đê điều".into(),
        body: None,
        keep: vec![],
        added: vec![],
        note: None,
    };
    let (draft, _) =
        motcua_store::office_chain::revise(&t.db, draft.id, draft.revision, &second, &author, now).await.unwrap();
    assert_eq!(search(&t, &agency, "thuy loi", None).await, (vec![], 0));
    assert_eq!(search(&t, &agency, "de dieu", None).await, (vec![draft.id], 1));
    // Issued: found by its number and symbol; a change of status alone leaves the index be.
    let make = |n: i64| symbol(n as u32, DocumentType::Decision, "STP", None);
    let issued = office::apply(
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
    assert_eq!(search(&t, &agency, "qd stp de dieu", None).await, (vec![issued.id], 1));
    // An issuer folded at start-up (rows written before issuers were folded) is found after.
    let mut tx = t.db.write_tx().await.unwrap();
    sqlx::query("UPDATE office_documents SET issuer = 'Bộ Quốc phòng', issuer_folded = NULL WHERE id = $1")
        .bind(letter.id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(search(&t, &agency, "quoc phong", None).await, (vec![], 0));
    office::fold_issuers(&t.db).await.unwrap();
    assert_eq!(search(&t, &agency, "quoc phong", None).await, (vec![letter.id], 1));
}

async fn search_keeps_to_the_agency_and_to_what_a_specialist_handles(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let agency = agency(&t).await;
    let (police,): (String,) = sqlx::query_as("SELECT agency_code FROM users WHERE username = 'ld20h38'")
        .fetch_one(t.db.reader())
        .await
        .unwrap();
    let now = Utc::now();
    let mut theirs = document(&police, Register::Incoming, Confidentiality::Normal);
    theirs.subject = "Về việc phòng chống cháy rừng".into();
    office::create(&t.db, &theirs, &clerk(), now).await.unwrap();
    assert_eq!(search(&t, &agency, "chay rung", None).await, (vec![], 0), "another agency's document");

    let (specialist, colleague) = (user_id(&t, "chuyenvien").await, user_id(&t, "chuyenvien2").await);
    let mut mine = document(&agency, Register::Incoming, Confidentiality::Normal);
    mine.subject = "Về việc phòng chống cháy rừng mùa khô".into();
    let mine = office::create(&t.db, &mine, &clerk(), now).await.unwrap();
    let mut assign = Change::new("assign", DocumentStatus::Assigned);
    assign.assignee_user_id = Some(specialist);
    office::apply(&t.db, mine.id, mine.revision, &assign, &clerk(), None, now).await.unwrap();
    assert_eq!(search(&t, &agency, "chay rung", None).await, (vec![mine.id], 1), "the clerk");
    assert_eq!(search(&t, &agency, "chay rung", Some(specialist)).await, (vec![mine.id], 1), "who handles it");
    assert_eq!(search(&t, &agency, "chay rung", Some(colleague)).await, (vec![], 0), "a colleague");
}

async fn search_takes_special_characters_as_separators_never_as_query_syntax(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let agency = agency(&t).await;
    let d =
        office::create(&t.db, &document(&agency, Register::Incoming, Confidentiality::Normal), &clerk(), Utc::now())
            .await
            .unwrap();
    let e =
        office::create(&t.db, &document(&agency, Register::Incoming, Confidentiality::Normal), &clerk(), Utc::now())
            .await
            .unwrap();
    for typed in
        ["\"", "*", "(", ")", "-", "'", "%", "_", ":", "\\", "&", "|", "!", "<->", "^", "{", "}", "NEAR(", "\"*(-'%_:"]
    {
        assert_eq!(search(&t, &agency, typed, None).await, (vec![], 0), "{typed:?} lists nothing");
    }
    let both = vec![d.id, e.id];
    for typed in [
        "\"trien khai\"",
        "trien*",
        "(trien) OR tuyet",
        "-trien",
        "trien' OR '1'='1",
        "trien%",
        "tri_n",
        "words:trien",
        "trien & !khai",
        "trien:*",
        "AND trien NOT",
    ] {
        let (found, total) = search(&t, &agency, typed, None).await;
        let expected = match typed {
            // Words that are in neither: each word must be found.
            "(trien) OR tuyet" | "tri_n" | "words:trien" | "AND trien NOT" | "trien' OR '1'='1" => vec![],
            _ => both.clone(),
        };
        assert_eq!((found, total), (expected.clone(), expected.len() as i64), "{typed:?}");
    }
}

async fn search_counts_every_match_on_any_page(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let agency = agency(&t).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let d = office::create(
            &t.db,
            &document(&agency, Register::Incoming, Confidentiality::Normal),
            &clerk(),
            Utc::now(),
        )
        .await
        .unwrap();
        ids.push(d.id);
    }
    let q = DocumentQuery { text: Some("truc tuyen".into()), ..DocumentQuery::default() };
    let first = office::list(&t.db, &agency, &q, 1, 2).await.unwrap();
    assert_eq!((first.items.len(), first.total), (2, 5));
    let last = office::list(&t.db, &agency, &q, 3, 2).await.unwrap();
    assert_eq!((last.items.len(), last.total), (1, 5));
    let past = office::list(&t.db, &agency, &q, 9, 2).await.unwrap();
    assert_eq!((past.items.len(), past.total), (0, 5));
    let all = office::list(&t.db, &agency, &DocumentQuery::default(), 1, 2).await.unwrap();
    assert_eq!((all.items.len(), all.total), (2, 5));
    let newest: Vec<i64> = all.items.iter().map(|d| d.id).collect();
    assert_eq!(newest, vec![ids[4], ids[3]], "newest first");
}

async fn search_index_is_the_engines_own(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let sql = match engine {
        TestEngine::Sqlite => "SELECT COUNT(*) FROM pragma_compile_options WHERE compile_options = 'ENABLE_FTS5'",
        TestEngine::Postgres => "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'office_search_words'",
    };
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(t.db.reader()).await.unwrap();
    assert_eq!(n, 1, "{engine:?}");
}
