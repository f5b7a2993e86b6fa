//! The electronic office's demo history (issue 15): a year of official documents between the
//! demo agencies, each drafted, approved, numbered, issued and sent, registered in its
//! recipients' incoming registers and, but for the last days' ones, assigned and handled there;
//! and the Department of Justice's weekly online briefing (giao ban trực tuyến) with ten
//! connection points, its invitations sent through the registers, attendance recorded, its
//! conclusions' tasks done or still open. Generated from a fixed seed, through the same store
//! functions the application uses, at the dates they would have happened.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use motcua_domain::catalog::AgencyKind;
use motcua_domain::meeting::AttendanceStatus;
use motcua_domain::office::{symbol, Confidentiality, DocumentStatus, DocumentType, Register, Urgency};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Province;
use crate::error::Result;
use crate::meetings::{self, NewMeeting, NewTask};
use crate::office::{self, Actor, Change, Document, NewDocument};
use crate::Database;

/// What the history made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OfficeHistory {
    /// Documents in all registers, outgoing and incoming.
    pub documents: usize,
    /// Weekly briefings.
    pub meetings: usize,
}

/// The subjects (trích yếu) documents are drawn from; `{year}` and `{quarter}` are filled in.
const SUBJECTS: [&str; 14] = [
    "Về việc triển khai Kế hoạch cải cách hành chính năm {year}",
    "Về việc báo cáo kết quả giải quyết thủ tục hành chính quý {quarter} năm {year}",
    "Về việc đôn đốc số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "Về việc tăng cường cung cấp dịch vụ công trực tuyến toàn trình",
    "Về việc rà soát, đơn giản hóa thủ tục hành chính thuộc phạm vi quản lý",
    "Về việc phối hợp cung cấp thông tin lý lịch tư pháp",
    "Về việc hưởng ứng Ngày Pháp luật nước Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Về việc kiểm tra công tác văn thư, lưu trữ năm {year}",
    "Về việc bảo đảm an toàn thông tin mạng trong cơ quan nhà nước",
    "Về việc thực hiện chế độ báo cáo thống kê định kỳ",
    "Về việc công bố danh mục thủ tục hành chính được chuẩn hóa",
    "Về việc góp ý dự thảo Quyết định quy định chức năng, nhiệm vụ",
    "Về việc thanh toán trực tuyến phí, lệ phí trên Cổng dịch vụ công",
    "Về việc tổng kết công tác chuyển đổi số năm {year}",
];

/// The types drawn, about as often as an agency issues them: mostly công văn.
const TYPES: [DocumentType; 10] = [
    DocumentType::OfficialLetter,
    DocumentType::OfficialLetter,
    DocumentType::OfficialLetter,
    DocumentType::OfficialLetter,
    DocumentType::OfficialLetter,
    DocumentType::Report,
    DocumentType::Report,
    DocumentType::Plan,
    DocumentType::Notice,
    DocumentType::Decision,
];

/// Outgoing documents generated over the year (each goes to one to three agencies).
const OUTGOING: usize = 240;

/// The officers of an agency who act on its documents.
struct Staff {
    agency: String,
    name: String,
    /// Its short name in symbols.
    symbol_name: String,
    specialist: Actor,
    leader: Actor,
    clerk: Actor,
}

async fn actor(db: &Database, username: &str) -> Result<Option<Actor>> {
    let found = crate::users::find_for_login(db, &[username.to_string()]).await?;
    Ok(found.map(|f| Actor { user_id: Some(f.user.id), name: f.user.full_name }))
}

/// The agencies with officers, each with the demo accounts that act on its documents.
async fn staff(db: &Database, p: &Province) -> Result<Vec<Staff>> {
    let mut out = Vec::new();
    for a in p.agencies.iter().filter(|a| matches!(a.kind, AgencyKind::Department | AgencyKind::Commune)) {
        let suffix = a.code.split('.').nth(2).unwrap_or("00").to_string()
            + &a.code.split('.').nth(3).unwrap_or("").to_lowercase();
        let names = if a.code == super::demo_department(p)?.code {
            ["chuyenvien".to_string(), "lanhdao".to_string(), "vanthu".to_string()]
        } else {
            [format!("cv{suffix}"), format!("ld{suffix}"), format!("ld{suffix}")]
        };
        if let (Some(specialist), Some(leader), Some(clerk)) =
            (actor(db, &names[0]).await?, actor(db, &names[1]).await?, actor(db, &names[2]).await?)
        {
            out.push(Staff {
                agency: a.code.clone(),
                name: a.name.clone(),
                symbol_name: a.symbol_name(),
                specialist,
                leader,
                clerk,
            });
        }
    }
    Ok(out)
}

/// 08:00 in Vietnam on `day`.
fn morning(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    motcua_domain::calendar::vn_offset()
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

fn subject(rng: &mut StdRng, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&motcua_domain::calendar::vn_offset());
    SUBJECTS[rng.gen_range(0..SUBJECTS.len())]
        .replace("{year}", &local.year().to_string())
        .replace("{quarter}", &(local.month0() / 3 + 1).to_string())
}

/// Drafts, approves, numbers, issues and sends an outgoing document at `at`; its arrivals are
/// registered in the recipients' incoming registers. The issued document and the arrivals' ids.
async fn send(db: &Database, from: &Staff, draft: NewDocument, at: DateTime<Utc>) -> Result<(Document, Vec<i64>)> {
    let d = office::create(db, &draft, &from.specialist, at).await?;
    let step = |action, to| Change::new(action, to);
    let d = office::apply(
        db,
        d.id,
        d.revision,
        &step("submit_for_approval", DocumentStatus::PendingApproval),
        &from.specialist,
        None,
        at + Duration::minutes(30),
    )
    .await?;
    let d = office::apply(
        db,
        d.id,
        d.revision,
        &step("approve", DocumentStatus::Approved),
        &from.leader,
        None,
        at + Duration::hours(2),
    )
    .await?;
    let (kind, issuer) = (d.doc_type, from.symbol_name.clone());
    let make = move |n: i64| symbol(u32::try_from(n).unwrap_or(u32::MAX), kind, &issuer, None);
    let d = office::apply(
        db,
        d.id,
        d.revision,
        &step("issue", DocumentStatus::Issued),
        &from.clerk,
        Some(&make),
        at + Duration::hours(3),
    )
    .await?;
    let arrivals: Vec<NewDocument> =
        d.recipients.iter().map(|agency| NewDocument::arrival_of(&d, agency, vec![])).collect();
    let ids = office::dispatch(db, d.id, d.revision, &arrivals, &from.clerk, None, at + Duration::hours(4)).await?;
    Ok((d, ids))
}

/// Handles an arrival in its agency as the leader and a specialist would: assigned the next
/// morning with ten days to answer, taken up, and (`finish`) completed a few days later.
async fn handle(db: &Database, to: &Staff, id: i64, arrived: DateTime<Utc>, finish: bool) -> Result<()> {
    let d = office::get(db, id).await?;
    let assign_at = arrived + Duration::hours(18);
    let mut change = Change::new("assign", DocumentStatus::Assigned);
    change.assignee_user_id = to.specialist.user_id;
    change.due_at = Some(assign_at + Duration::days(10));
    let d = office::apply(db, id, d.revision, &change, &to.leader, None, assign_at).await?;
    let d = office::apply(
        db,
        id,
        d.revision,
        &Change::new("acknowledge", DocumentStatus::InProgress),
        &to.specialist,
        None,
        assign_at + Duration::hours(1),
    )
    .await?;
    if finish {
        let mut done = Change::new("complete", DocumentStatus::Completed);
        done.note = Some("Đã tham mưu, xử lý theo nội dung văn bản.".into());
        office::apply(db, id, d.revision, &done, &to.specialist, None, assign_at + Duration::days(4)).await?;
    }
    Ok(())
}

/// Generates the year of documents and the weekly briefings; nothing when no agency has staff.
pub(super) async fn generate(db: &Database, p: &Province) -> Result<OfficeHistory> {
    let staff = staff(db, p).await?;
    if staff.len() < 11 {
        return Ok(OfficeHistory::default());
    }
    let mut rng = StdRng::seed_from_u64(20261204);
    let now = Utc::now();
    let vn = motcua_domain::calendar::vn_offset();
    let mut made = OfficeHistory::default();
    // One timeline, oldest first, so that each register's numbers follow the dates: the letters
    // on working days of the past year, and the weekly briefings' invitations (each sent the
    // Thursday before, or already sent for the coming ones), from eight weeks ago to the next.
    let mut plan: Vec<(DateTime<Utc>, Option<NaiveDate>)> = (0..OUTGOING)
        .map(|_| {
            let day = (now - Duration::days(rng.gen_range(1..365))).with_timezone(&vn).date_naive();
            (morning(day, rng.gen_range(8..11)), None)
        })
        .filter(|(t, _)| !matches!(t.with_timezone(&vn).weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    let today = now.with_timezone(&vn).date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    for week in -8..=1i64 {
        let day = monday + Duration::weeks(week);
        let sent = (morning(day, 8) - Duration::days(4)).min(now - Duration::hours(6 - week));
        plan.push((sent, Some(day)));
    }
    plan.sort();
    let points = connection_points(p, &staff)?;
    for (at, briefing) in plan {
        if let Some(day) = briefing {
            briefing_of(db, p, &staff, &points, (day, at), &mut rng, &mut made).await?;
            continue;
        }
        let from = &staff[rng.gen_range(0..staff.len())];
        let mut recipients: Vec<String> = Vec::new();
        for _ in 0..rng.gen_range(1..=3) {
            let to = &staff[rng.gen_range(0..staff.len())];
            if to.agency != from.agency && !recipients.contains(&to.agency) {
                recipients.push(to.agency.clone());
            }
        }
        if recipients.is_empty() {
            continue;
        }
        let draft = NewDocument {
            agency_code: from.agency.clone(),
            register: Register::Outgoing,
            doc_type: TYPES[rng.gen_range(0..TYPES.len())],
            symbol: None,
            subject: subject(&mut rng, at),
            issuer: from.name.clone(),
            issued_on: None,
            due_at: None,
            urgency: if rng.gen_bool(0.15) { Urgency::Urgent } else { Urgency::Normal },
            confidentiality: Confidentiality::Normal,
            body: Some(format!(
                "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, {} đề nghị các cơ quan, đơn vị triển khai thực hiện \
                 và báo cáo kết quả theo quy định.",
                from.name
            )),
            recipients,
            signer_name: Some(from.leader.name.clone()),
            signer_title: Some("Giám đốc".into()),
            digitized: false,
            source_document_id: None,
            attachments: vec![],
        };
        let (sent, arrivals) = send(db, from, draft, at).await?;
        made.documents += 1 + arrivals.len();
        let age = now - at;
        for (id, agency) in arrivals.iter().zip(&sent.recipients) {
            let Some(to) = staff.iter().find(|s| &s.agency == agency) else { continue };
            // The last week's arrivals wait for the leader; the last month's are being handled.
            if age > Duration::days(7) {
                handle(db, to, *id, at + Duration::hours(4), age > Duration::days(30) || rng.gen_bool(0.5)).await?;
            }
        }
    }
    Ok(made)
}

/// The briefing's ten connection points: five departments and the five communes (indexes into
/// `staff`).
fn connection_points(p: &Province, staff: &[Staff]) -> Result<Vec<usize>> {
    let host = &super::demo_department(p)?.code;
    let is_commune = |s: &Staff| p.agencies.iter().any(|a| a.code == s.agency && a.kind == AgencyKind::Commune);
    let departments = (0..staff.len()).filter(|i| &staff[*i].agency != host && !is_commune(&staff[*i]));
    let communes = (0..staff.len()).filter(|i| is_commune(&staff[*i]));
    Ok(departments.take(5).chain(communes.take(5)).collect())
}

/// One of the department's weekly online briefings, Monday 08:00 of `day`: the invitation
/// issued and sent to the connection points at `called`, the meeting called;
/// once it has been held, the attendance at each point, the conclusion and its tasks, most of
/// those past their deadline done.
async fn briefing_of(
    db: &Database,
    p: &Province,
    staff: &[Staff],
    points: &[usize],
    (day, called): (NaiveDate, DateTime<Utc>),
    rng: &mut StdRng,
    made: &mut OfficeHistory,
) -> Result<()> {
    let host = super::demo_department(p)?.code.clone();
    let Some(organiser) = staff.iter().find(|s| s.agency == host) else { return Ok(()) };
    let points: Vec<&Staff> = points.iter().map(|i| &staff[*i]).collect();
    let now = Utc::now();
    let starts = morning(day, 8);
    let title = format!("Giao ban trực tuyến công tác tư pháp tuần {}", day.iso_week().week());
    let invitation = NewDocument {
        agency_code: host.clone(),
        register: Register::Outgoing,
        doc_type: DocumentType::Invitation,
        symbol: None,
        subject: format!("Mời dự giao ban trực tuyến công tác tư pháp tuần {}", day.iso_week().week()),
        issuer: organiser.name.clone(),
        issued_on: None,
        due_at: None,
        urgency: Urgency::Normal,
        confidentiality: Confidentiality::Normal,
        body: Some(format!(
            "{} trân trọng kính mời đại diện lãnh đạo các cơ quan, đơn vị dự giao ban trực tuyến vào lúc 08 giờ 00 \
             ngày {} tại điểm cầu của đơn vị.",
            organiser.name,
            day.format("%d/%m/%Y")
        )),
        recipients: points.iter().map(|s| s.agency.clone()).collect(),
        signer_name: Some(organiser.leader.name.clone()),
        signer_title: Some("Giám đốc".into()),
        digitized: false,
        source_document_id: None,
        attachments: vec![],
    };
    let (sent, arrivals) = send(db, organiser, invitation, called).await?;
    made.documents += 1 + arrivals.len();
    let meeting = meetings::create(
        db,
        &NewMeeting {
            agency_code: host.clone(),
            title,
            chair: organiser.leader.name.clone(),
            place: format!("Phòng họp trực tuyến, {}", organiser.name),
            starts_at: starts,
            ends_at: starts + Duration::hours(2),
            video_link: Some(format!("https://hop.laocai.gov.vn/giao-ban-tu-phap-{}", day.format("%Y%m%d"))),
            agenda: "1. Kết quả công tác tuần qua của các đơn vị.\n2. Tình hình giải quyết hồ sơ thủ tục hành chính, \
                     hồ sơ quá hạn.\n3. Nhiệm vụ trọng tâm tuần tới."
                .into(),
            invitation_document_id: Some(sent.id),
            points: points.iter().map(|s| (s.agency.clone(), s.leader.name.clone())).collect(),
        },
        &organiser.clerk,
        called,
    )
    .await?;
    made.meetings += 1;
    if starts > now {
        return Ok(());
    }
    for s in &points {
        let (status, attendees) = if rng.gen_bool(0.92) {
            (AttendanceStatus::Present, Some(rng.gen_range(3..15)))
        } else {
            (AttendanceStatus::Absent, None)
        };
        meetings::record_attendance(db, meeting.id, &s.agency, status, attendees, &organiser.clerk, starts).await?;
    }
    let mut tasks: Vec<NewTask> = Vec::new();
    for s in &points {
        if tasks.len() < 3 && rng.gen_bool(0.3) {
            tasks.push(NewTask {
                agency_code: s.agency.clone(),
                description: format!("{}: rà soát, giải quyết dứt điểm hồ sơ quá hạn và báo cáo kết quả", s.name),
                due_at: starts + Duration::days(rng.gen_range(5..15)),
            });
        }
    }
    let given = meetings::conclude(
        db,
        meeting.id,
        "Các đơn vị tập trung giải quyết hồ sơ đúng hạn, đẩy mạnh dịch vụ công trực tuyến toàn trình và số hóa kết \
         quả giải quyết thủ tục hành chính.",
        None,
        &tasks,
        &organiser.leader,
        starts + Duration::hours(3),
    )
    .await?;
    for t in given.iter().filter(|t| t.due_at < now - Duration::days(2)) {
        if rng.gen_bool(0.8) {
            let by = staff.iter().find(|s| s.agency == t.agency_code).map_or(&organiser.leader, |s| &s.leader);
            meetings::complete_task(db, meeting.id, t.id, by, t.due_at - Duration::days(1)).await?;
        }
    }
    Ok(())
}
