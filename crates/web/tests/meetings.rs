//! Meetings and online briefings (issue 15, point 4) through the API: a weekly briefing with
//! ten connection points whose invitation is drafted in the organiser's outgoing register,
//! attended from every point, concluded with tasks that their agencies complete, and read
//! back from the officer's calendar feed; officers of other agencies see none of it.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::TestApp;
use icalendar::{Calendar, CalendarComponent, CalendarDateTime, Component, DatePerhapsTime};
use motcua_domain::office::{DocumentStatus, DocumentType, Register};
use motcua_testkit::{on_both_engines, TestEngine};
use serde_json::{json, Value};

on_both_engines!(
    a_weekly_briefing_is_called_attended_concluded_and_followed,
    bad_meetings_are_refused_by_field,
    a_connection_point_follows_the_briefing_on_its_pages,
);

/// The ten connection points: departments and a commune other than the organiser's (Sở Tư pháp,
/// 000.00.12.H38), with the suffix of their officers' user names.
const POINTS: [&str; 10] = ["05", "06", "07", "08", "09", "10", "11", "13", "14", "51"];

fn code(n: &str) -> String {
    format!("000.00.{n}.H38")
}

fn briefing(starts_at: DateTime<Utc>) -> Value {
    json!({
        "title": "Giao ban trực tuyến tuần",
        "chair": "Lê Minh Lãnh",
        "place": "Phòng họp trực tuyến tầng 3",
        "starts_at": starts_at.to_rfc3339(),
        "ends_at": (starts_at + Duration::hours(2)).to_rfc3339(),
        "video_link": "https://meet.example.vn/giao-ban-tuan",
        "agenda": "1. Tình hình giải quyết thủ tục hành chính\n2. Kết luận của chủ trì",
        "points": POINTS.iter().map(|n| json!({"agency_code": code(n), "host_name": format!("Lãnh đạo {n}")})).collect::<Vec<_>>(),
    })
}

async fn a_weekly_briefing_is_called_attended_concluded_and_followed(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (leader, clerk, specialist) =
        (app.login("lanhdao").await, app.login("vanthu").await, app.login("chuyenvien").await);
    let starts_at = Utc::now() - Duration::hours(1);

    // A specialist does not call meetings; the leader does.
    let (s, e) = app.post_json("/api/v1/meetings", Some(&specialist), briefing(starts_at)).await;
    assert_eq!(s, 403, "{e}");
    let (s, m) = app.post_json("/api/v1/meetings", Some(&leader), briefing(starts_at)).await;
    assert_eq!(s, 201, "{m}");
    let id = m["id"].as_i64().unwrap();
    assert_eq!(m["points"].as_array().unwrap().len(), 10);
    assert!(m["points"].as_array().unwrap().iter().all(|p| p["attendance"] == "expected"));

    // Its invitation is a draft giấy mời of the organiser's outgoing register, to the ten.
    let doc = motcua_store::office::get(&app.state.db, m["invitation_document_id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(
        (doc.register, doc.doc_type, doc.status),
        (Register::Outgoing, DocumentType::Invitation, DocumentStatus::Draft)
    );
    assert_eq!(doc.agency_code, code("12"));
    assert_eq!(doc.recipients, POINTS.iter().map(|n| code(n)).collect::<Vec<_>>());
    assert!(doc.body.unwrap().contains("https://meet.example.vn/giao-ban-tuan"));

    // Every point sees it; an agency that is not a point does not.
    let outsider = app.login("cv20h38").await;
    assert_eq!(app.get(&format!("/api/v1/meetings/{id}"), Some(&outsider)).await.0, 404);
    let (_, list) = app.get("/api/v1/meetings", Some(&outsider)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
    let (s, e) = app
        .post_json(
            &format!("/api/v1/meetings/{id}/attendance"),
            Some(&outsider),
            json!({"agency_code": code("20"), "status": "present", "attendees": 3}),
        )
        .await;
    assert_eq!(s, 404, "{e}");

    // Attendance: the organiser's clerk records nine points, the tenth point its own; a point
    // may not record another's.
    let first = app.login("cv05h38").await;
    let (s, e) = app
        .post_json(
            &format!("/api/v1/meetings/{id}/attendance"),
            Some(&first),
            json!({"agency_code": code("06"), "status": "present", "attendees": 3}),
        )
        .await;
    assert_eq!(s, 403, "{e}");
    for (i, n) in POINTS.iter().enumerate().take(9) {
        let body = json!({"agency_code": code(n), "status": "present", "attendees": 5 + i});
        let (s, e) = app.post_json(&format!("/api/v1/meetings/{id}/attendance"), Some(&clerk), body).await;
        assert_eq!(s, 200, "{e}");
    }
    let commune = app.login("ld51h38").await;
    let (s, m) = app
        .post_json(
            &format!("/api/v1/meetings/{id}/attendance"),
            Some(&commune),
            json!({"agency_code": code("51"), "status": "absent"}),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    let points = m["points"].as_array().unwrap();
    assert_eq!(points.iter().filter(|p| p["attendance"] == "present").count(), 9);
    assert_eq!(points[0]["attendees"], 5);
    assert_eq!(points[9]["attendance"], "absent");

    // The conclusion with two tasks, once.
    let due = (Utc::now() + Duration::days(7)).format("%Y-%m-%d").to_string();
    let conclusion = json!({
        "conclusion": "Các đơn vị tập trung giải quyết dứt điểm hồ sơ quá hạn.",
        "tasks": [
            {"agency_code": code("05"), "description": "Báo cáo hồ sơ quá hạn", "due_on": due},
            {"agency_code": code("51"), "description": "Rà soát thủ tục cấp xã", "due_on": due},
        ],
    });
    let (s, e) = app.post_json(&format!("/api/v1/meetings/{id}/conclusion"), Some(&first), conclusion.clone()).await;
    assert_eq!(s, 403, "{e}");
    let (s, m) = app.post_json(&format!("/api/v1/meetings/{id}/conclusion"), Some(&leader), conclusion.clone()).await;
    assert_eq!(s, 200, "{m}");
    let tasks = m["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    assert!(tasks.iter().all(|t| t["status"] == "open" && t["overdue"] == false));
    let notice = motcua_store::office::get(&app.state.db, m["conclusion_document_id"].as_i64().unwrap()).await.unwrap();
    assert_eq!((notice.doc_type, notice.status), (DocumentType::Notice, DocumentStatus::Draft));
    let (s, _) = app.post_json(&format!("/api/v1/meetings/{id}/conclusion"), Some(&leader), conclusion).await;
    assert_eq!(s, 409);

    // A task is done by its own agency's officer, not by another's.
    let task = tasks[0]["id"].as_i64().unwrap();
    let (s, _) = app.post_json(&format!("/api/v1/meetings/{id}/tasks/{task}/done"), Some(&commune), json!({})).await;
    assert_eq!(s, 403);
    let (s, m) = app.post_json(&format!("/api/v1/meetings/{id}/tasks/{task}/done"), Some(&first), json!({})).await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["tasks"][0]["status"], "done");
    assert_eq!(m["tasks"][1]["status"], "open");
    let (s, _) = app.post_json(&format!("/api/v1/meetings/{id}/tasks/{task}/done"), Some(&first), json!({})).await;
    assert_eq!(s, 409);

    // The leader's calendar feed, with a token made for it; the token rotates.
    let (s, t) = app.get("/api/v1/calendar/feed-token", Some(&leader)).await;
    assert_eq!((s, &t["created_at"]), (200, &Value::Null), "{t}");
    let (s, t) = app.post_json("/api/v1/calendar/feed-token", Some(&leader), json!({})).await;
    assert_eq!(s, 201, "{t}");
    let feed_path = t["feed_path"].as_str().unwrap().to_string();
    let res = app.http.get(app.url(&feed_path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let calendar: Calendar = res.text().await.unwrap().parse().unwrap();
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].get_summary(), Some("Giao ban trực tuyến tuần"));
    let expected = starts_at.timestamp();
    match events[0].get_start() {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(t))) => assert_eq!(t.timestamp(), expected),
        other => panic!("DTSTART {other:?}"),
    }
    let (s, _) = app.post_json("/api/v1/calendar/feed-token", Some(&leader), json!({})).await;
    assert_eq!(s, 201);
    assert_eq!(app.get(&feed_path, None).await.0, 404);
}

async fn bad_meetings_are_refused_by_field(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let leader = app.login("lanhdao").await;
    let (s, e) = app.post_json("/api/v1/meetings", Some(&leader), json!({})).await;
    assert_eq!(s, 422, "{e}");
    for field in ["title", "chair", "place", "starts_at", "ends_at", "points"] {
        assert!(e["error"]["fields"][field].is_string(), "{field}: {e}");
    }
    let mut bad = briefing(Utc::now());
    bad["ends_at"] = json!((Utc::now() - Duration::hours(1)).to_rfc3339());
    bad["video_link"] = json!("http://meet.example.vn/x");
    bad["points"] =
        json!([{"agency_code": code("12"), "host_name": "X"}, {"agency_code": "000.00.99.H38", "host_name": ""}]);
    let (s, e) = app.post_json("/api/v1/meetings", Some(&leader), bad).await;
    assert_eq!(s, 422, "{e}");
    let fields = &e["error"]["fields"];
    assert!(fields["ends_at"].as_str().unwrap().contains("sau giờ bắt đầu"), "{e}");
    assert!(fields["video_link"].as_str().unwrap().contains("https://"), "{e}");
    assert!(fields["points"].is_string(), "{e}");
    assert!(fields["points[1].agency_code"].is_string(), "{e}");
    assert!(fields["points[1].host_name"].is_string(), "{e}");
    assert_eq!(app.get("/api/v1/calendar/meetings.ics?token=nope", None).await.0, 404);
}

/// An officer of a connection point finds the briefing on the pages, with its ten points and
/// the task given to their agency, and reports the task done there; an agency not invited is
/// told the page does not exist.
async fn a_connection_point_follows_the_briefing_on_its_pages(engine: TestEngine) {
    use common::{browser, csrf_of, page, sign_in};
    let app = TestApp::spawn(engine).await;
    let leader = app.login("lanhdao").await;
    let (s, m) = app.post_json("/api/v1/meetings", Some(&leader), briefing(Utc::now() - Duration::hours(1))).await;
    assert_eq!(s, 201, "{m}");
    let id = m["id"].as_i64().unwrap();
    let due = (Utc::now() + Duration::days(7)).format("%Y-%m-%d").to_string();
    let conclusion = json!({
        "conclusion": "Các đơn vị tập trung giải quyết dứt điểm hồ sơ quá hạn.",
        "tasks": [{"agency_code": code("05"), "description": "Báo cáo hồ sơ quá hạn", "due_on": due}],
    });
    let (s, m) = app.post_json(&format!("/api/v1/meetings/{id}/conclusion"), Some(&leader), conclusion).await;
    assert_eq!(s, 200, "{m}");
    let task = m["tasks"][0]["id"].as_i64().unwrap();

    let point = browser();
    sign_in(&app, &point, "ld05h38").await;
    let (s, html) = page(&app, &point, "/hop").await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("href=\"/hop/{id}\"")) && html.contains("Giao ban trực tuyến tuần"), "{html}");
    let (s, html) = page(&app, &point, &format!("/hop/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(html.matches("Chưa điểm danh").count(), 10, "ten points, none recorded yet");
    assert!(html.contains("Báo cáo hồ sơ quá hạn") && html.contains("https://meet.example.vn/giao-ban-tuan"));
    assert!(html.contains(&format!("id=\"task-done-{task}\"")), "{html}");
    let res = point
        .post(app.url(&format!("/hop/{id}/nhiem-vu/{task}/xong")))
        .form(&[("_csrf", csrf_of(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, html) = page(&app, &point, &format!("/hop/{id}")).await;
    assert!(html.contains("Đã hoàn thành") && !html.contains(&format!("id=\"task-done-{task}\"")), "{html}");

    // Calling a meeting from the page: every problem named and linked to its field.
    let organiser = browser();
    sign_in(&app, &organiser, "lanhdao").await;
    let (s, html) = page(&app, &organiser, "/hop/moi").await;
    assert_eq!(s, 200);
    let res = organiser.post(app.url("/hop/moi")).form(&[("_csrf", csrf_of(&html))]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    for target in ["#f-title", "#f-chair", "#f-place", "#f-date", "#f-points"] {
        assert!(html.contains(&format!("href=\"{target}\"")), "{target}: {html}");
    }
    assert!(html.contains("Nhập ngày họp"), "{html}");
    assert_eq!(page(&app, &point, "/hop/moi").await.0, 200, "a point's leader calls meetings of its own");
    let specialist = browser();
    sign_in(&app, &specialist, "chuyenvien").await;
    assert_eq!(page(&app, &specialist, "/hop/moi").await.0, 404, "specialists do not call meetings");

    let stranger = browser();
    sign_in(&app, &stranger, "ld20h38").await;
    assert_eq!(page(&app, &stranger, &format!("/hop/{id}")).await.0, 404);
    let (_, html) = page(&app, &stranger, "/hop").await;
    assert!(!html.contains(&format!("href=\"/hop/{id}\"")));
}
