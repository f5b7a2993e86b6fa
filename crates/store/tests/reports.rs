//! The II.06a report's counts on both engines: hand-made dossiers with known outcomes, counted by
//! the database and by the definition (`motcua_domain::report::classify`), which must agree.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use motcua_domain::calendar::vn_offset;
use motcua_domain::dossier::Channel;
use motcua_domain::report::{classify, Counts, Level, Period, ReportedDossier};
use motcua_store::{demo, Database};
use motcua_testkit::{insert_made, on_both_engines, MadeDossier, TestDb, TestEngine};

on_both_engines!(
    ii06a_counts_each_dossier_where_the_definition_puts_it,
    ii06a_of_whole_months_from_the_counters_agrees_with_the_dossiers,
    indicators_read_each_dossier_of_the_window_once
);

/// A judge of the indicators that counts nothing: the report's counters need none.
#[derive(Debug)]
struct NoIndicators;

impl motcua_store::indicator_counts::Judge for NoIndicators {
    fn rows(
        &self,
        _: &motcua_store::indicator_counts::Judged,
        _: DateTime<Utc>,
    ) -> Vec<(motcua_domain::indicators::counts::Key, motcua_domain::indicators::counts::Counts)> {
        Vec::new()
    }
}

/// An instant in Vietnam time, 2027.
fn vn(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    vn_offset().with_ymd_and_hms(2027, month, day, hour, 0, 0).unwrap().with_timezone(&Utc)
}

/// The first procedure led by an agency of `kind`: its version id, code and agency.
async fn procedure_of(db: &Database, kind: &str) -> (i64, String, String) {
    sqlx::query_as(
        "SELECT pv.id, p.code, p.agency_code FROM procedures p \
         JOIN procedure_versions pv ON pv.procedure_id = p.id AND pv.version = p.current_version \
         JOIN agencies a ON a.code = p.agency_code WHERE a.kind = $1 ORDER BY p.code LIMIT 1",
    )
    .bind(kind)
    .fetch_one(db.reader())
    .await
    .expect("a demo procedure of that kind of agency")
}

/// One hand-made dossier: channel, status, and its times.
struct Made {
    channel: Channel,
    status: &'static str,
    received: Option<DateTime<Utc>>,
    finished: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
}

fn made(
    channel: Channel,
    status: &'static str,
    received: Option<DateTime<Utc>>,
    finished: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
) -> Made {
    Made { channel, status, received, finished, due }
}

async fn insert(db: &Database, n: usize, procedure: &(i64, String, String), d: &Made) {
    let ms = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp_millis());
    let mut tx = db.write_tx().await.unwrap();
    sqlx::query(
        "INSERT INTO dossiers (code, procedure_version_id, procedure_code, lead_agency, applicant_name, \
         applicant_phone, channel, data, status, submitted_at, received_at, due_at, finished_at) \
         VALUES ($1, $2, $3, $4, 'Nguyễn Văn Thử', '0912000000', $5, '{}', $6, $7, $8, $9, $10)",
    )
    .bind(format!("TEST-{n:04}"))
    .bind(procedure.0)
    .bind(&procedure.1)
    .bind(&procedure.2)
    .bind(d.channel.as_str())
    .bind(d.status)
    .bind(d.received.unwrap_or(vn(3, 1, 8)).timestamp_millis() - 3_600_000)
    .bind(ms(d.received))
    .bind(ms(d.due))
    .bind(ms(d.finished))
    .execute(&mut *tx)
    .await
    .expect("insert a dossier");
    tx.commit().await.unwrap();
}

async fn ii06a_counts_each_dossier_where_the_definition_puts_it(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    demo::load(&t.db, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", 0).await.expect("demo");
    let department = procedure_of(&t.db, "department").await;
    let commune = procedure_of(&t.db, "commune").await;
    use Channel::*;
    let (s, m) = (Some, |mo, d, h| Some(vn(mo, d, h)));
    let by_department = [
        // Carried over from February, still open, due in March: overdue at the end of March.
        made(Online, "processing", m(2, 10, 9), None, m(3, 5, 17)),
        // Carried over, finished on 3 March, due on the 10th: early.
        made(InPerson, "result_ready", m(2, 20, 9), m(3, 3, 10), m(3, 10, 17)),
        // Finished in February: not in March's report.
        made(Online, "returned", m(2, 1, 9), m(2, 20, 9), m(2, 25, 17)),
        // From the national portal, finished on the due day before the due time: on time.
        made(NationalPortal, "returned", m(3, 2, 9), m(3, 15, 10), m(3, 15, 17)),
        // By post, finished after the due date: late.
        made(Postal, "returned", m(3, 3, 9), m(3, 20, 9), m(3, 15, 17)),
        // Withdrawn after reception (processing stopped): not counted at all.
        made(InPerson, "withdrawn", m(3, 4, 9), m(3, 6, 9), m(3, 20, 17)),
        // Refused after appraisal, days before the due date: resolved, early.
        made(Online, "refused", m(3, 5, 9), m(3, 7, 9), m(3, 20, 17)),
        // Submitted online, never received: not counted.
        made(Online, "submitted", None, None, None),
        // Received in April: not counted.
        made(Online, "processing", m(4, 1, 9), None, m(4, 20, 17)),
    ];
    let by_commune = [
        // Received at the desk in March, due in April: in time.
        made(InPerson, "processing", m(3, 10, 9), None, m(4, 10, 17)),
        // Received on 30 March, finished in April, due on the 31st: in progress, overdue.
        made(InPerson, "returned", m(3, 30, 9), m(4, 2, 9), m(3, 31, 17)),
        // Carried over from February, due in April: in time.
        made(Online, "supplement_requested", m(2, 25, 9), None, s(vn(4, 1, 17))),
    ];
    let mut n = 0;
    for (procedure, list) in [(&department, &by_department[..]), (&commune, &by_commune[..])] {
        for d in list {
            n += 1;
            insert(&t.db, n, procedure, d).await;
        }
    }
    let march =
        Period::new(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(), NaiveDate::from_ymd_opt(2027, 3, 31).unwrap())
            .unwrap();
    let later = vn(12, 31, 0);
    let rows = motcua_store::reports::ii06a(&t.db, &march, march.measured_at(later), None).await.unwrap();
    let levels: Vec<Level> = rows.iter().map(|r| r.level).collect();
    assert_eq!(levels, [Level::Province, Level::Commune], "{rows:?}");
    assert_eq!(rows[0].counts, Counts::from_parts([2, 2, 1], [2, 1, 1], [0, 1]));
    assert_eq!(rows[1].counts, Counts::from_parts([1, 0, 2], [0, 0, 0], [2, 1]));
    assert!(!rows[0].field_name.is_empty());
    // The definition, dossier by dossier, gives the same figures.
    let expected = |list: &[Made], measured: DateTime<Utc>| -> Counts {
        list.iter()
            .filter_map(|d| {
                let facts = ReportedDossier {
                    channel: d.channel,
                    received_at: d.received,
                    finished_at: d.finished,
                    due_at: d.due,
                    withdrawn: d.status == "withdrawn",
                };
                classify(&facts, &march, measured)
            })
            .sum()
    };
    assert_eq!(rows[0].counts, expected(&by_department, later));
    assert_eq!(rows[1].counts, expected(&by_commune, later));
    // One agency's report holds its dossiers only.
    let communes =
        motcua_store::reports::ii06a(&t.db, &march, march.measured_at(later), Some(&commune.2)).await.unwrap();
    assert_eq!(communes.len(), 1);
    assert_eq!(communes[0].counts, rows[1].counts);
    // Looked at on 4 March, the open dossier due on the 5th is not overdue yet.
    let early = vn(3, 4, 12);
    let rows =
        motcua_store::reports::ii06a(&t.db, &march, march.measured_at(early), Some(&department.2)).await.unwrap();
    assert_eq!(rows[0].counts.in_progress.overdue, 0);
    assert_eq!(rows[0].counts, expected(&by_department, early));
}

/// The report of whole months summed from the finished dossiers' counters (built by a rebuild)
/// and the open dossiers where they lie equals the report counted dossier by dossier, for every
/// run of months around the dossiers, for the province and for one agency.
async fn ii06a_of_whole_months_from_the_counters_agrees_with_the_dossiers(engine: TestEngine) {
    use motcua_domain::indicators::counts::{first_day, month_of, month_period};
    let t = TestDb::new(engine).await;
    demo::load(&t.db, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", 0).await.expect("demo");
    let department = procedure_of(&t.db, "department").await;
    let commune = procedure_of(&t.db, "commune").await;
    use Channel::*;
    let m = |mo, d, h| Some(vn(mo, d, h));
    let list = [
        (&department, made(Online, "processing", m(1, 10, 9), None, m(3, 5, 17))),
        (&department, made(InPerson, "result_ready", m(1, 20, 9), m(3, 3, 10), m(3, 10, 17))),
        (&department, made(Online, "returned", m(2, 1, 9), m(2, 20, 9), m(2, 25, 17))),
        (&department, made(NationalPortal, "returned", m(3, 2, 9), m(3, 15, 10), m(3, 15, 17))),
        (&department, made(Postal, "returned", m(1, 3, 9), m(4, 20, 9), m(3, 15, 17))),
        (&department, made(InPerson, "withdrawn", m(3, 4, 9), m(3, 6, 9), m(3, 20, 17))),
        (&department, made(Online, "refused", m(3, 5, 9), m(3, 7, 9), m(3, 20, 17))),
        (&department, made(Online, "submitted", None, None, None)),
        (&commune, made(InPerson, "processing", m(3, 10, 9), None, m(4, 10, 17))),
        (&commune, made(InPerson, "returned", m(3, 30, 9), m(4, 2, 9), m(3, 31, 17))),
        (&commune, made(Online, "supplement_requested", m(2, 25, 9), None, m(4, 1, 17))),
        (&commune, made(Online, "returned", m(2, 27, 9), m(5, 6, 9), None)),
    ];
    for (n, (procedure, d)) in list.iter().enumerate() {
        insert(&t.db, n + 1, procedure, d).await;
    }
    let rebuilt = motcua_store::indicator_counts::rebuild(&t.db, &NoIndicators, vn(6, 30, 12)).await.expect("rebuild");
    assert_eq!(rebuilt.dossiers, 7, "the finished dossiers, not the withdrawn one");
    let january = month_of(vn(1, 15, 12));
    for first in january - 1..=january + 4 {
        for last in first..=january + 4 {
            let period = Period::new(first_day(first).unwrap(), month_period(last).unwrap().to).unwrap();
            // Looked at after the period, or on 10 May when it runs to May (nothing happened since).
            let measured = if last == january + 4 { vn(5, 10, 12) } else { period.end() };
            for agency in [None, Some(commune.2.as_str()), Some(department.2.as_str())] {
                let counted = motcua_store::reports::ii06a(&t.db, &period, measured, agency).await.unwrap();
                let summed = motcua_store::reports::ii06a_of_months(&t.db, (first, last), &period, measured, agency)
                    .await
                    .unwrap();
                assert_eq!(summed, counted, "{period:?} of {agency:?}");
            }
        }
    }
    // The test covers what matters: a carried-over row, a late one, and an open overdue one.
    let march =
        Period::new(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(), NaiveDate::from_ymd_opt(2027, 3, 31).unwrap())
            .unwrap();
    let rows = motcua_store::reports::ii06a_of_months(&t.db, (january + 2, january + 2), &march, march.end(), None)
        .await
        .unwrap();
    let total: Counts = rows.iter().map(|r| r.counts).sum();
    assert_eq!(total, Counts::from_parts([5, 2, 2], [2, 1, 0], [3, 3]));
}

async fn indicators_read_each_dossier_of_the_window_once(engine: TestEngine) {
    use motcua_domain::dossier::Action;
    use motcua_domain::indicators::Documents;
    use motcua_domain::rating::Satisfaction;
    let t = TestDb::new(engine).await;
    demo::load(&t.db, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", 0).await.expect("demo");
    let department = procedure_of(&t.db, "department").await;
    let commune = procedure_of(&t.db, "commune").await;
    let due = vn(3, 20, 17);
    let mut paid = MadeDossier::new("I-1", &department, "online", "returned", vn(3, 2, 9), due).finished(vn(3, 9, 9));
    paid.fee_vnd = 50_000;
    paid.paid_online_at = Some(vn(3, 2, 10));
    paid.sealed = true;
    paid.documents = vec![(false, false), (false, true)];
    paid.rating = Some((vn(3, 10, 9), "not_satisfied"));
    paid.events = vec![
        (vn(3, 3, 9), "request_supplement"),
        (vn(3, 4, 9), "supplement"),
        (vn(3, 5, 9), "request_supplement"),
        (vn(3, 6, 9), "supplement"),
        (vn(3, 9, 9), "issue_result"),
    ];
    let mut at_desk = MadeDossier::new("I-2", &commune, "in_person", "processing", vn(2, 20, 9), due);
    at_desk.fee_vnd = 20_000;
    at_desk.paid_at_desk_at = Some(vn(2, 20, 9));
    at_desk.documents = vec![(true, false), (false, false)];
    let made = [
        paid,
        at_desk,
        // Refused in March after reception in February.
        MadeDossier::new("I-3", &commune, "postal", "refused", vn(2, 25, 9), due).finished(vn(3, 1, 9)),
        // Finished in February, received in April, withdrawn: outside.
        MadeDossier::new("I-4", &commune, "online", "returned", vn(2, 1, 9), due).finished(vn(2, 27, 9)),
        MadeDossier::new("I-5", &commune, "online", "processing", vn(4, 1, 9), due),
        MadeDossier::new("I-6", &department, "online", "withdrawn", vn(3, 5, 9), due),
    ];
    for d in &made {
        insert_made(&t.db, d).await;
    }
    let (start, end) = (vn(3, 1, 0), vn(4, 1, 0));
    let mut read = Vec::new();
    motcua_store::indicators::each_dossier(&t.db, start, end, None, |d| read.push(d)).await.unwrap();
    read.sort_by(|a, b| a.code.cmp(&b.code));
    let codes: Vec<&str> = read.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["I-1", "I-2", "I-3"]);
    let (one, two, three) = (&read[0], &read[1], &read[2]);
    assert_eq!(
        (one.channel, one.refused, one.received_at, one.finished_at),
        (Channel::Online, false, vn(3, 2, 9), Some(vn(3, 9, 9)))
    );
    assert_eq!((one.fee_bearing, one.paid_online_at, one.electronic_result), (true, Some(vn(3, 2, 10)), true));
    assert_eq!(one.documents, Documents { total: 2, electronic: 2, reused: 1 }, "uploaded online: electronic");
    assert_eq!(one.rating, Some((vn(3, 10, 9), Satisfaction::NotSatisfied)));
    assert_eq!(one.lead_agency, department.2);
    assert_eq!((two.fee_bearing, two.paid_online_at, two.electronic_result, two.rating), (true, None, false, None));
    assert_eq!(two.documents, Documents { total: 2, electronic: 1, reused: 0 }, "only the scanned one");
    assert_eq!((three.refused, three.documents), (true, Documents::default()));
    // One agency's window.
    let mut communes = Vec::new();
    motcua_store::indicators::each_dossier(&t.db, start, end, Some(&commune.2), |d| communes.push(d.code))
        .await
        .unwrap();
    communes.sort();
    assert_eq!(communes, ["I-2", "I-3"]);
    // Histories only of the dossiers asked for supplements, in order.
    let histories = motcua_store::indicators::supplement_histories(&t.db, start, end, None).await.unwrap();
    assert_eq!(histories.len(), 1);
    assert_eq!(
        histories[&one.id],
        [
            (vn(3, 2, 9), Action::Receive),
            (vn(3, 3, 9), Action::RequestSupplement),
            (vn(3, 4, 9), Action::Supplement),
            (vn(3, 5, 9), Action::RequestSupplement),
            (vn(3, 6, 9), Action::Supplement),
        ]
    );
}
