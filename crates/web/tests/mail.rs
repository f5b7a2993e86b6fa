//! E-mail through the job worker to a real SMTP server (Debian's python3-aiosmtpd, storing what
//! it receives in a Maildir), on SQLite and on PostgreSQL.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::Utc;
use mail_parser::{MessageParser, MimeHeaders};
use motcua_app::jobs::mail::{Email, Mailer};
use motcua_app::jobs::worker::{self, WorkerConfig};
use motcua_store::jobs::{self, Job, JobStatus};
use motcua_testkit::{job_until, on_both_engines, run_due_jobs, TestDb, TestEngine};

mod common;

use common::smtp::{free_port, SmtpServer};

on_both_engines!(
    status_changes_reach_the_applicant_in_the_portal_by_email_and_by_sms,
    an_email_arrives_intact_in_vietnamese,
    an_email_waits_for_the_smtp_server_and_is_sent_once,
    an_email_to_a_bad_address_is_given_up_at_once,
);

const SENDER: &str = "Cổng dịch vụ công tỉnh <no-reply@dichvucong.example.vn>";

fn vietnamese_email() -> Email {
    Email {
        to: "Nguyễn Thị Hằng <hang@example.vn>".into(),
        to_name: None,
        subject: "Hồ sơ H12.22-261127-0001 đã được tiếp nhận — hẹn trả ngày 04/12/2026".into(),
        text: "Kính gửi bà Nguyễn Thị Hằng,\n\nHồ sơ đăng ký khai sinh của bà đã được Bộ phận Một cửa tiếp nhận \
               lúc 09:15 ngày 27/11/2026. Ngày hẹn trả kết quả: 04/12/2026.\n\nTrân trọng.\n"
            .into(),
        html: Some("<p>Kính gửi bà <strong>Nguyễn Thị Hằng</strong>,</p><p>Hồ sơ đã được tiếp nhận.</p>".into()),
    }
}

fn lines(s: &str) -> String {
    s.replace("\r\n", "\n").trim_end().to_string()
}

async fn an_email_arrives_intact_in_vietnamese(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let port = free_port();
    let smtp = SmtpServer::start(port, t.dir.path()).await;
    let mailer = Mailer::new(Some(&format!("smtp://127.0.0.1:{port}")), SENDER).unwrap();
    let (handlers, config) = (worker::handlers(mailer), WorkerConfig::default());

    let email = vietnamese_email();
    let id = jobs::enqueue(&t.db, &email.job()).await.unwrap().unwrap();
    let job = job_until(&t.db, &handlers, &config, id, "done", |j| j.status == JobStatus::Done).await;
    assert_eq!(job.attempts, 1);

    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "sent once");
    let raw = &messages[0];
    let head = String::from_utf8_lossy(raw);
    assert!(head.to_ascii_lowercase().contains("subject: =?utf-8?"), "an encoded-word subject:\n{head}");
    let parsed = MessageParser::default().parse(raw).expect("a parsable message");
    assert_eq!(parsed.subject(), Some(email.subject.as_str()));
    let from = parsed.from().and_then(|a| a.first()).unwrap();
    assert_eq!(from.name(), Some("Cổng dịch vụ công tỉnh"));
    assert_eq!(from.address(), Some("no-reply@dichvucong.example.vn"));
    let to = parsed.to().and_then(|a| a.first()).unwrap();
    assert_eq!((to.name(), to.address()), (Some("Nguyễn Thị Hằng"), Some("hang@example.vn")));
    assert_eq!(lines(&parsed.body_text(0).unwrap()), lines(&email.text));
    assert_eq!(lines(&parsed.body_html(0).unwrap()), lines(email.html.as_deref().unwrap()));
    let text_part = parsed.part(parsed.text_body[0]).unwrap();
    assert_eq!(text_part.content_type().and_then(|c| c.attribute("charset")), Some("utf-8"));
    let message_id = parsed.message_id().unwrap();
    assert!(message_id.starts_with(&format!("motcua.job.{id}.")), "{message_id}");
}

async fn an_email_waits_for_the_smtp_server_and_is_sent_once(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    // Nothing listens on the port yet.
    let port = free_port();
    let mailer = Mailer::new(Some(&format!("smtp://127.0.0.1:{port}")), SENDER).unwrap();
    // The worker's clock runs `skew` ahead of the wall clock, so the test can move past a backoff
    // without waiting it out.
    let skew = Arc::new(AtomicI64::new(0));
    let clock_skew = skew.clone();
    let config = WorkerConfig {
        clock: Arc::new(move || Utc::now() + chrono::Duration::milliseconds(clock_skew.load(Ordering::SeqCst))),
        ..WorkerConfig::default()
    };
    let handlers = worker::handlers(mailer);

    let email = vietnamese_email();
    let id = jobs::enqueue(&t.db, &email.job()).await.unwrap().unwrap();
    let failed = job_until(&t.db, &handlers, &config, id, "failed once", |j| j.last_error.is_some()).await;
    assert_eq!((failed.status, failed.attempts, failed.locked_until), (JobStatus::Pending, 1, None));
    assert!(failed.last_error.as_deref().unwrap().contains("unavailable"), "{failed:?}");
    let wait = failed.run_at - Utc::now();
    assert!(wait > chrono::Duration::seconds(29) && wait <= chrono::Duration::seconds(30), "30 s backoff: {wait}");

    // The server comes up; until the backoff has passed the worker finds nothing due.
    let smtp = SmtpServer::start(port, t.dir.path()).await;
    assert_eq!(worker::run_once(&t.db, &handlers, &config).await.unwrap(), None, "nothing due before the backoff");
    assert_eq!(jobs::get(&t.db, id).await.unwrap().attempts, 1, "no attempt before the backoff has passed");
    assert!(smtp.messages().is_empty());

    skew.store(30_000, Ordering::SeqCst);
    assert_eq!(worker::run_once(&t.db, &handlers, &config).await.unwrap(), Some(id), "due once the backoff has passed");
    let done = jobs::get(&t.db, id).await.unwrap();
    assert_eq!((done.status, done.attempts), (JobStatus::Done, 2));

    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "delivered exactly once");
    let parsed = MessageParser::default().parse(&messages[0]).unwrap();
    assert_eq!(parsed.subject(), Some(email.subject.as_str()));
    assert_eq!(lines(&parsed.body_text(0).unwrap()), lines(&email.text));
}

async fn an_email_to_a_bad_address_is_given_up_at_once(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let (handlers, config) = (worker::handlers(Mailer::log_only()), WorkerConfig::default());
    let email = Email { to: "không phải địa chỉ".into(), ..vietnamese_email() };
    let id = jobs::enqueue(&t.db, &email.job()).await.unwrap().unwrap();
    let dead = job_until(&t.db, &handlers, &config, id, "given up", |j| j.status == JobStatus::Dead).await;
    assert_eq!(dead.attempts, 1, "no retry can mend an address");
    assert!(dead.last_error.unwrap().contains("invalid recipient address"));
    // The development mailer accepts a good address and only logs it.
    let ok = jobs::enqueue(&t.db, &vietnamese_email().job()).await.unwrap().unwrap();
    job_until(&t.db, &handlers, &config, ok, "done", |j| j.status == JobStatus::Done).await;
}

async fn status_changes_reach_the_applicant_in_the_portal_by_email_and_by_sms(engine: TestEngine) {
    use motcua_app::jobs::notify::{self, Templates};
    use motcua_app::jobs::sms::LogSms;
    let app = common::TestApp::spawn(engine).await;
    let port = free_port();
    let smtp = SmtpServer::start(port, app.db.dir.path()).await;
    let mailer = Mailer::new(Some(&format!("smtp://127.0.0.1:{port}")), SENDER).unwrap();
    let sms = Arc::new(LogSms::default());
    // The province reworded one message in the data folder: no rebuild, no restart.
    let templates = app.db.dir.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    let edited =
        include_str!("../../app/locales/notify.vi.ftl").replace("notify-received = ", "notify-received = [Lào Cai] ");
    std::fs::write(templates.join("notify.vi.ftl"), edited).unwrap();
    let config = WorkerConfig::default();
    let handlers = app.notify_handlers(mailer, sms.clone(), Templates { dir: Some(templates) });

    let proc = app.department_procedure().await;
    let citizen = app.login("congdan").await;
    let (s, d) = app
        .post_multipart("/api/v1/dossiers", Some(&citizen), common::submission(&proc, &motcua_testkit::answers(&proc)))
        .await;
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    let desk = app.login("tiepnhan").await;
    let (s, _) = app
        .post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&desk), serde_json::json!({"action":"receive"}))
        .await;
    assert_eq!(s, 200);
    let ran = run_due_jobs(&app.state.db, &handlers, &config).await;
    let all = jobs::list(&app.state.db, None, 100).await.unwrap();
    let notices: Vec<&Job> = all.iter().filter(|j| j.kind == notify::NOTIFY_JOB).collect();
    assert_eq!(notices.len(), 2, "one job, by three channels, for each of the two changes: {notices:?}");
    assert!(notices.iter().all(|j| j.status == JobStatus::Done && ran.contains(&j.id)), "all sent: {notices:?}");

    let mut subjects = Vec::new();
    let mut bodies = Vec::new();
    for raw in smtp.messages() {
        let m = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(m.to().and_then(|a| a.first()).and_then(|a| a.address()), Some("nguyen.van.an@example.vn"));
        subjects.push(m.subject().unwrap().to_string());
        bodies.push(m.body_text(0).unwrap().to_string());
    }
    subjects.sort();
    assert_eq!(subjects, [format!("Hồ sơ {code}: Mới đăng ký"), format!("Hồ sơ {code}: Đã tiếp nhận")]);
    assert!(
        bodies.iter().any(|b| b.starts_with(&format!("[Lào Cai] Hồ sơ {code}"))),
        "the edited template: {bodies:?}"
    );
    assert!(bodies.iter().all(|b| b.contains(&format!("/tra-cuu?code={code}"))), "{bodies:?}");
    let texts = sms.sent();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts
        .iter()
        .all(|(phone, text)| phone == d["applicant"]["phone"].as_str().unwrap() && text.contains(&code)));
    let (_, me) = app.get("/api/v1/me", Some(&citizen)).await;
    let (list, unread) =
        motcua_store::notifications::for_user(&app.state.db, me["id"].as_i64().unwrap(), 10).await.unwrap();
    assert_eq!((list.len(), unread), (2, 2));
    assert_eq!(list[0].title, format!("Hồ sơ {code}: Đã tiếp nhận"), "newest first");
}
