use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::*;

fn organisation(id: &str, name: &str) -> Organisation {
    Organisation { id: OrganId::parse(id).unwrap(), name: name.into() }
}

fn sample() -> DocumentPackage {
    let date = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
    let from = organisation("000.00.12.H38", "Sở Tư pháp tỉnh Lào Cai");
    DocumentPackage {
        document_id: DocumentPackage::document_id_of(&from.id, date, "01/QĐ-STP"),
        from,
        to: vec![organisation("000.00.20.H38", "Công an tỉnh Lào Cai")],
        code_number: "01".into(),
        code_notation: "QĐ-STP".into(),
        place: "Lào Cai".into(),
        promulgation_date: date,
        type_name: "Quyết định".into(),
        subject: "Về việc công bố thủ tục hành chính <chuẩn hóa> & được sửa đổi".into(),
        content: None,
        signer: SignerInfo {
            competence: "KT. GIÁM ĐỐC".into(),
            position: "Phó Giám đốc".into(),
            full_name: "Lê Minh Lãnh".into(),
        },
        due_date: NaiveDate::from_ymd_opt(2027, 1, 15),
        priority: Priority::Urgent,
        steering: SteeringType::Steering,
        trace: vec![Trace {
            organ_id: OrganId::parse("000.00.12.H38").unwrap(),
            at: Utc.with_ymd_and_hms(2027, 1, 5, 2, 30, 0).unwrap(),
        }],
        attachments: vec![Attachment {
            content_id: "a1@motcua".into(),
            name: "01-QĐ-STP.pdf".into(),
            content_type: "application/pdf".into(),
            description: "Văn bản đã ký số".into(),
            bytes: b"%PDF-1.7 \x00\x01\xff signed".to_vec(),
        }],
    }
}

fn status() -> StatusPackage {
    StatusPackage {
        response_for: ResponseFor {
            organ_id: OrganId::parse("000.00.12.H38").unwrap(),
            code: "01/QĐ-STP".into(),
            promulgation_date: NaiveDate::from_ymd_opt(2027, 1, 5),
            document_id: "000.00.12.H38,2027/01/05,01/QĐ-STP".into(),
        },
        from: organisation("000.00.20.H38", "Công an tỉnh Lào Cai"),
        to: None,
        code: StatusCode::Assigned,
        description: "Đã phân công".into(),
        timestamp: Utc.with_ymd_and_hms(2027, 1, 6, 7, 5, 0).unwrap(),
        staff: StaffInfo {
            department: "Phòng Tham mưu".into(), staff: "Đỗ Văn Lãnh".into(), ..StaffInfo::default()
        },
    }
}

#[test]
fn a_document_package_reads_back_as_written() {
    let p = sample();
    let xml = p.to_xml();
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(text.contains("<edXML:edXMLEnvelope>") && text.contains("<edXML:MessageHeader>"), "{text}");
    assert!(text.contains("xlink:href=\"cid:a1@motcua\"") && text.contains("<ds:DigestValue>"), "{text}");
    assert_eq!(Package::parse(&xml), Ok(Package::Document(p.clone())));
    assert_eq!(p.symbol(), "01/QĐ-STP");
    assert_eq!(p.document_id, "000.00.12.H38,2027/01/05,01/QĐ-STP");
}

#[test]
fn a_status_package_reads_back_as_written_for_every_code() {
    for code in StatusCode::ALL {
        assert_eq!(StatusCode::parse(code.as_code()), Some(code));
        let mut s = status();
        s.code = code;
        if code == StatusCode::RecallRequest {
            s.to = OrganId::parse("000.00.20.H38");
        }
        assert_eq!(Package::parse(&s.to_xml()), Ok(Package::Status(s)));
    }
    assert_eq!(StatusCode::parse("1"), Some(StatusCode::Received));
    assert_eq!(StatusCode::parse("07"), None);
}

#[test]
fn the_standards_examples_parse() {
    let Package::Document(p) = Package::parse(include_bytes!("../../tests/fixtures/edxml_document.xml")).unwrap()
    else {
        panic!("a document package")
    };
    assert_eq!(p.from.id.as_str(), "000.00.00.H38");
    assert_eq!(p.from.name, "Ủy ban nhân dân tỉnh Lào Cai");
    assert_eq!(p.to.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["000.00.12.H38", "000.00.20.H38"]);
    assert_eq!(p.symbol(), "125/UBND-VP");
    assert_eq!(p.promulgation_date, NaiveDate::from_ymd_opt(2027, 1, 5).unwrap());
    assert_eq!(p.type_name, "Công văn");
    assert!(p.subject.ends_with("toàn trình & thanh toán trực tuyến"), "{}", p.subject);
    assert_eq!(p.signer.full_name, "Nguyễn Văn Ký");
    assert_eq!(p.due_date, NaiveDate::from_ymd_opt(2027, 1, 20));
    assert_eq!((p.priority, p.steering), (Priority::Urgent, SteeringType::Steering));
    assert_eq!(p.trace[0].at, Utc.with_ymd_and_hms(2027, 1, 5, 2, 30, 0).unwrap(), "Vietnam's time");
    assert_eq!(p.attachments.len(), 1);
    assert_eq!(p.attachments[0].bytes, b"%PDF-1.4 cong van mau");
    assert_eq!(p.attachments[0].name, "125-UBND-VP.pdf");
    let ours = |id: &OrganId| id.as_str() == "000.00.20.H38";
    assert_eq!(p.addressed_to(ours).unwrap()[0].name, "Công an tỉnh Lào Cai");
    assert_eq!(p.addressed_to(|_| false), Err(EdxmlError::NotAddressedToUs));

    let Package::Status(s) = Package::parse(include_bytes!("../../tests/fixtures/edxml_status_soap.xml")).unwrap()
    else {
        panic!("a status package")
    };
    assert_eq!(s.code, StatusCode::Assigned);
    assert_eq!(s.from.id.as_str(), "000.00.20.H38");
    assert_eq!(s.addressee().as_str(), "000.00.00.H38");
    assert_eq!(s.response_for.promulgation_date, NaiveDate::from_ymd_opt(2027, 1, 5));
    assert_eq!(s.timestamp, Utc.with_ymd_and_hms(2027, 1, 6, 7, 5, 0).unwrap());
    assert_eq!(s.staff.staff, "Đỗ Văn Lãnh");
}

#[test]
fn the_namespace_counts_not_the_prefix() {
    let xml = String::from_utf8(status().to_xml()).unwrap();
    let other = xml
        .replace("edXML:", "q:")
        .replace("xmlns:q=", "xmlns:edXML=")
        .replace("<edXML xmlns=", "<edXML xmlns:q=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\" xmlns=");
    assert_eq!(Package::parse(other.as_bytes()), Ok(Package::Status(status())));
    let foreign = xml.replace(NAMESPACE, "http://schemas.xmlsoap.org/soap/envelope/");
    assert_eq!(Package::parse(foreign.as_bytes()), Err(EdxmlError::NotEdxml));
}

fn with(xml: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(xml.to_vec()).unwrap();
    assert!(text.contains(from), "{from} in {text}");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn malformed_packages_say_what_is_wrong() {
    let xml = sample().to_xml();
    let cases: Vec<(Vec<u8>, EdxmlError)> = vec![
        (b"%PDF-1.7".to_vec(), EdxmlError::NotXml(String::new())),
        (b"<a><b></a>".to_vec(), EdxmlError::NotXml(String::new())),
        (b"<!DOCTYPE x [<!ENTITY e \"e\">]><x/>".to_vec(), EdxmlError::NotXml(String::new())),
        (b"<note>hello</note>".to_vec(), EdxmlError::NotEdxml),
        (with(&xml, "<edXML:OrganId>000.00.12.H38</edXML:OrganId>", ""), EdxmlError::Missing("From/OrganId")),
        (with(&xml, "<edXML:To>", "<edXML:Nobody>"), EdxmlError::NotXml(String::new())),
        (
            with(&xml, "<edXML:OrganId>000.00.20.H38</edXML:OrganId>", "<edXML:OrganId>công an</edXML:OrganId>"),
            EdxmlError::BadOrganId { field: "To/OrganId", value: "công an".into() },
        ),
        (
            with(&xml, "2027/01/05</edXML:PromulgationDate>", "2027/13/45</edXML:PromulgationDate>"),
            EdxmlError::BadDate { field: "PromulgationDate", value: "2027/13/45".into() },
        ),
        (with(&xml, "<edXML:Subject>", "<edXML:Title>"), EdxmlError::NotXml(String::new())),
        (
            with(&xml, "<edXML:Priority>1</edXML:Priority>", "<edXML:Priority>9</edXML:Priority>"),
            EdxmlError::BadValue { field: "Priority", value: "9".into() },
        ),
    ];
    for (bytes, expected) in cases {
        let got = Package::parse(&bytes);
        match (&got, &expected) {
            (Err(EdxmlError::NotXml(_)), EdxmlError::NotXml(_)) => {}
            _ => assert_eq!(got, Err(expected), "{}", String::from_utf8_lossy(&bytes)),
        }
    }
}

#[test]
fn missing_and_empty_elements_are_named() {
    let xml = sample().to_xml();
    let no_to = String::from_utf8(xml.clone()).unwrap();
    let start = no_to.find("<edXML:To>").unwrap();
    let end = no_to.find("</edXML:To>").unwrap() + "</edXML:To>".len();
    let no_to = format!("{}{}", &no_to[..start], &no_to[end..]);
    assert_eq!(Package::parse(no_to.as_bytes()), Err(EdxmlError::Missing("MessageHeader/To")));
    let no_subject = with(&xml, "<edXML:Subject>", "<edXML:Subject>   <edXML:Note/>");
    let no_subject = String::from_utf8(no_subject).unwrap();
    let s = no_subject.find("<edXML:Note/>").unwrap() + "<edXML:Note/>".len();
    let e = no_subject.find("</edXML:Subject>").unwrap();
    let no_subject = format!("{}{}", &no_subject[..s], &no_subject[e..]);
    assert_eq!(Package::parse(no_subject.as_bytes()), Err(EdxmlError::Missing("MessageHeader/Subject")));
    let no_id = with(&xml, "<edXML:DocumentId>000.00.12.H38,2027/01/05,01/QĐ-STP</edXML:DocumentId>", "");
    assert_eq!(Package::parse(&no_id), Err(EdxmlError::Missing("MessageHeader/DocumentId")));
    let bad_status = with(&status().to_xml(), "<edXML:StatusCode>04", "<edXML:StatusCode>99");
    assert_eq!(Package::parse(&bad_status), Err(EdxmlError::BadStatusCode("99".into())));
    let bad_time = with(&status().to_xml(), "<edXML:Timestamp>2027/01/06", "<edXML:Timestamp>hôm qua");
    assert!(matches!(Package::parse(&bad_time), Err(EdxmlError::BadDate { field: "Status/Timestamp", .. })));
}

#[test]
fn an_attachment_changed_on_the_way_is_caught() {
    let p = sample();
    let xml = p.to_xml();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&p.attachments[0].bytes);
    let mut changed = p.attachments[0].bytes.clone();
    changed[0] = b'#';
    let tampered = with(&xml, &encoded, &base64::engine::general_purpose::STANDARD.encode(&changed));
    assert_eq!(Package::parse(&tampered), Err(EdxmlError::DigestMismatch("01-QĐ-STP.pdf".into())));
    let not_base64 = with(&xml, &encoded, "không phải base64");
    assert_eq!(Package::parse(&not_base64), Err(EdxmlError::BadBase64("01-QĐ-STP.pdf".into())));
    let text = String::from_utf8(xml).unwrap();
    let start = text.find("<AttachmentEncoded>").unwrap();
    let end = text.find("</AttachmentEncoded>").unwrap() + "</AttachmentEncoded>".len();
    let dropped = format!("{}{}", &text[..start], &text[end..]);
    assert_eq!(Package::parse(dropped.as_bytes()), Err(EdxmlError::AttachmentMissing("01-QĐ-STP.pdf".into())));
}

#[test]
fn a_refused_package_still_identifies_itself() {
    let xml = with(&sample().to_xml(), "2027/01/05</edXML:PromulgationDate>", "hôm nay</edXML:PromulgationDate>");
    assert!(Package::parse(&xml).is_err());
    let id = identify(&xml).unwrap();
    assert_eq!(id.document_id.as_deref(), Some("000.00.12.H38,2027/01/05,01/QĐ-STP"));
    assert_eq!(id.from.as_deref(), Some("000.00.12.H38"));
    assert_eq!(id.code.as_deref(), Some("01/QĐ-STP"));
    assert_eq!(identify(b"not xml <"), None);
}

#[test]
fn organisation_ids_have_the_form_of_decision_20() {
    for good in ["000.00.12.H38", "000.00.00.G12", "123.45.67.A01"] {
        assert_eq!(OrganId::parse(good).map(|o| o.to_string()), Some(good.to_string()));
    }
    for bad in
        ["", "000.00.12.h38", "000.00.12.H3", "00.00.12.H38", "000.00.12.H38.1", "000-00-12-H38", "000.00.1x.H38"]
    {
        assert_eq!(OrganId::parse(bad), None, "{bad}");
    }
}

#[test]
fn actions_on_an_arrived_document_report_their_status() {
    use crate::office::{DocumentAction as A, DocumentStatus as S};
    assert_eq!(status_of_action(A::Acknowledge, true), Some(StatusCode::InProgress));
    assert_eq!(status_of_action(A::Acknowledge, false), None);
    assert_eq!(status_of_action(A::Assign, true), Some(StatusCode::Assigned));
    assert_eq!(status_of_action(A::Comment, true), Some(StatusCode::InProgress));
    assert_eq!(status_of_action(A::Comment, false), None);
    assert_eq!(status_of_action(A::Complete, false), Some(StatusCode::Completed));
    assert_eq!(status_of_action(A::Dispatch, true), None);
    assert_eq!(answer_to_recall(S::InProgress), StatusCode::RecallAccepted);
    assert_eq!(answer_to_recall(S::Registered), StatusCode::RecallAccepted);
    assert_eq!(answer_to_recall(S::Completed), StatusCode::RecallRefused);
}

fn text() -> impl Strategy<Value = String> {
    // Any text a subject may hold, XML's special characters and Vietnamese included; control
    // characters other than tab and newline cannot appear in XML 1.0 at all.
    "[a-zA-Z0-9 àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵĐ<>&'\"/.,;:-]{1,60}"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("not blank", |s| !s.is_empty())
}

proptest! {
    #[test]
    fn any_package_reads_back_as_written(
        subject in text(),
        number in 1u32..100_000,
        name in text(),
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        priority in 0u8..5,
        code in 0usize..9,
    ) {
        let mut p = sample();
        p.subject = subject;
        p.code_number = format!("{number:02}");
        p.to[0].name = name;
        p.attachments[0].bytes = bytes;
        p.priority = Priority::parse(&priority.to_string()).unwrap();
        prop_assert_eq!(Package::parse(&p.to_xml()), Ok(Package::Document(p.clone())));
        let mut s = status();
        s.code = StatusCode::ALL[code];
        s.description = p.subject.clone();
        prop_assert_eq!(Package::parse(&s.to_xml()), Ok(Package::Status(s)));
    }
}
