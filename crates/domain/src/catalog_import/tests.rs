//! Reading the national export: every kind of bad input is named, nothing half-read passes.

use serde_json::json;

use super::*;

fn good() -> Value {
    json!({
        "MaTTHC": "1.001193",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "G09-TP01",
        "TenLinhVuc": "Hộ tịch",
        "CoQuanThucHien": "000.00.51.H38",
        "CoQuanPhoiHop": "000.00.12.H38; 000.00.20.H38",
        "MucDo": "Toàn trình",
        "ThoiHanGiaiQuyet": 5,
        "DonViThoiGian": "Ngày làm việc",
        "PhiLePhi": "50.000 đồng",
        "KetQua": "Điện tử",
        "ThanhPhanHoSo": [
            {"MaGiayTo": "to_khai", "TenGiayTo": "Tờ khai", "BatBuoc": "Có", "LoaiBan": "Bản chính", "SoLuong": 1},
            {"TenGiayTo": "Giấy chứng sinh", "BatBuoc": false, "LoaiBan": "Bản sao", "SoLuong": "2"}
        ]
    })
}

fn problems_of(v: Value) -> Vec<Problem> {
    parse_entry(Source::Entry(1), &v).expect_err("rejected").problems
}

fn with(key: &str, value: Value) -> Value {
    let mut v = good();
    v[key] = value;
    v
}

fn without(key: &str) -> Value {
    let mut v = good();
    v.as_object_mut().unwrap().remove(key);
    v
}

#[test]
fn a_complete_entry_reads_in_every_spelling_the_export_uses() {
    let p = parse_entry(Source::Entry(1), &good()).unwrap();
    assert_eq!(p.code, "1.001193");
    assert_eq!(p.field_name.as_deref(), Some("Hộ tịch"));
    let c = &p.content;
    assert_eq!(c.participants, ["000.00.12.H38", "000.00.20.H38"]);
    assert_eq!(c.level, OnlineLevel::Full);
    assert_eq!(c.limit, TimeLimit::new(5, TimeUnit::WorkingDays));
    assert_eq!(c.fee_vnd, 50_000);
    assert_eq!(c.result_kind, ResultKind::Electronic);
    assert_eq!(c.documents.len(), 2);
    assert!(c.documents[0].original && c.documents[0].required);
    assert_eq!(c.documents[1].key, "giay_chung_sinh");
    assert!(!c.documents[1].original && !c.documents[1].required);
    assert_eq!(c.documents[1].count, 2);
    assert!(!p.form_given && c.form.is_empty());

    for (level, expected) in [
        (json!("Một phần"), OnlineLevel::Partial),
        (json!("mot phan"), OnlineLevel::Partial),
        (json!(3), OnlineLevel::Partial),
        (json!("Mức độ 4"), OnlineLevel::Full),
        (json!("none"), OnlineLevel::Offline),
        (json!("Không trực tuyến"), OnlineLevel::Offline),
    ] {
        let p = parse_entry(Source::Entry(1), &with("MucDo", level.clone())).unwrap();
        assert_eq!(p.content.level, expected, "{level}");
    }
    for (unit, expected) in [
        ("Ngày", TimeUnit::Days),
        ("giờ", TimeUnit::Hours),
        ("Tháng", TimeUnit::Months),
        ("half_days", TimeUnit::HalfDays),
    ] {
        let p = parse_entry(Source::Entry(1), &with("DonViThoiGian", json!(unit))).unwrap();
        assert_eq!(p.content.limit.unit, expected, "{unit}");
    }
    let p = parse_entry(Source::Entry(1), &without("DonViThoiGian")).unwrap();
    assert_eq!(p.content.limit.unit, TimeUnit::WorkingDays, "working days unless said otherwise");
    for (fee, expected) in
        [(json!("1,200,000 VNĐ"), 1_200_000), (json!("Miễn phí"), 0), (json!(0), 0), (json!("200000"), 200_000)]
    {
        let p = parse_entry(Source::Entry(1), &with("PhiLePhi", fee.clone())).unwrap();
        assert_eq!(p.content.fee_vnd, expected, "{fee}");
    }
    assert_eq!(parse_entry(Source::Entry(1), &without("PhiLePhi")).unwrap().content.fee_vnd, 0);
    assert_eq!(parse_entry(Source::Entry(1), &without("KetQua")).unwrap().content.result_kind, ResultKind::Paper);
}

#[test]
fn a_missing_code_name_field_agency_level_or_time_is_named() {
    for field in ["MaTTHC", "TenTTHC", "MaLinhVuc", "CoQuanThucHien", "MucDo", "ThoiHanGiaiQuyet"] {
        assert_eq!(problems_of(without(field)), [Problem::Missing { field }], "{field}");
        if field != "MucDo" && field != "ThoiHanGiaiQuyet" {
            assert_eq!(problems_of(with(field, json!("   "))), [Problem::Missing { field }], "{field} blank");
        }
    }
}

#[test]
fn bad_values_are_named_with_what_was_written() {
    assert_eq!(
        problems_of(with("MucDo", json!("mức 9"))),
        [Problem::Invalid { field: "MucDo", value: "mức 9".into() }]
    );
    assert_eq!(problems_of(with("MucDo", json!(true))), [Problem::Invalid { field: "MucDo", value: "true".into() }]);
    assert_eq!(
        problems_of(with("DonViThoiGian", json!("tuần"))),
        [Problem::Invalid { field: "DonViThoiGian", value: "tuần".into() }]
    );
    assert_eq!(problems_of(with("ThoiHanGiaiQuyet", json!(-3))), [Problem::TimeNotPositive { value: "-3".into() }]);
    assert_eq!(problems_of(with("ThoiHanGiaiQuyet", json!("0"))), [Problem::TimeNotPositive { value: "0".into() }]);
    assert_eq!(
        problems_of(with("ThoiHanGiaiQuyet", json!(2.5))),
        [Problem::Invalid { field: "ThoiHanGiaiQuyet", value: "2.5".into() }]
    );
    assert_eq!(
        problems_of(with("ThoiHanGiaiQuyet", json!("năm ngày"))),
        [Problem::Invalid { field: "ThoiHanGiaiQuyet", value: "năm ngày".into() }]
    );
    assert_eq!(problems_of(with("PhiLePhi", json!(-5000))), [Problem::NegativeFee { value: "-5000".into() }]);
    assert_eq!(problems_of(with("PhiLePhi", json!("-50.000 đ"))), [Problem::NegativeFee { value: "-50.000 đ".into() }]);
    assert_eq!(
        problems_of(with("PhiLePhi", json!("50.5"))),
        [Problem::Invalid { field: "PhiLePhi", value: "50.5".into() }]
    );
    assert_eq!(problems_of(with("PhiLePhi", json!("tùy trường hợp"))).len(), 1);
    assert_eq!(problems_of(with("KetQua", json!("fax"))), [Problem::Invalid { field: "KetQua", value: "fax".into() }]);
    assert_eq!(problems_of(with("MaTTHC", json!(1.00119))), [Problem::CodeNotText { value: "1.00119".into() }]);
    assert_eq!(
        problems_of(with("MaTTHC", json!("1.001 193"))),
        [Problem::Invalid { field: "MaTTHC", value: "1.001 193".into() }]
    );
    assert_eq!(
        problems_of(with("TenTTHC", json!(["a"]))),
        [Problem::Invalid { field: "TenTTHC", value: "[\"a\"]".into() }]
    );
    assert_eq!(problems_of(with("BieuMau", json!([{"key": "a"}]))), [Problem::BadForm]);
    let twice = json!([{"key": "a", "label": "A", "type": "text", "required": true},
                       {"key": "a", "label": "B", "type": "text", "required": false}]);
    assert_eq!(problems_of(with("BieuMau", twice)), [Problem::BadForm]);
    assert_eq!(parse_entry(Source::Row(7), &json!("1.001193")).unwrap_err().problems, [Problem::NotAnObject]);
    let long = "x".repeat(100);
    let Problem::Invalid { value, .. } = &problems_of(with("MucDo", json!(long)))[0] else { panic!() };
    assert_eq!(value.chars().count(), 61, "cut for the report");
}

#[test]
fn every_problem_of_an_entry_is_reported_at_once_with_its_code() {
    let mut v = good();
    v["MucDo"] = json!("?");
    v["ThoiHanGiaiQuyet"] = json!(-1);
    v["PhiLePhi"] = json!(-1);
    v.as_object_mut().unwrap().remove("TenTTHC");
    let r = parse_entry(Source::Row(4), &v).unwrap_err();
    assert_eq!(r.source, Source::Row(4));
    assert_eq!(r.code.as_deref(), Some("1.001193"));
    assert_eq!(r.problems.len(), 4, "{:?}", r.problems);
}

#[test]
fn malformed_documents_are_named_by_position_and_field() {
    let docs = |d: Value| problems_of(with("ThanhPhanHoSo", d));
    assert_eq!(docs(json!([{"BatBuoc": true}])), [Problem::Document { index: 1, field: "TenGiayTo" }]);
    assert_eq!(
        docs(json!([{"TenGiayTo": "A"}, {"TenGiayTo": "B", "BatBuoc": "có lẽ"}])),
        [Problem::Document { index: 2, field: "BatBuoc" }]
    );
    assert_eq!(
        docs(json!([{"TenGiayTo": "A", "LoaiBan": "bản nháp"}])),
        [Problem::Document { index: 1, field: "LoaiBan" }]
    );
    assert_eq!(docs(json!([{"TenGiayTo": "A", "SoLuong": 0}])), [Problem::Document { index: 1, field: "SoLuong" }]);
    assert_eq!(docs(json!([{"TenGiayTo": "A", "SoLuong": -2}])), [Problem::Document { index: 1, field: "SoLuong" }]);
    assert_eq!(
        docs(json!([{"TenGiayTo": "A", "MaGiayTo": "có dấu"}])),
        [Problem::Document { index: 1, field: "MaGiayTo" }]
    );
    assert_eq!(docs(json!(["Tờ khai"])), [Problem::Document { index: 1, field: "ThanhPhanHoSo" }]);
    assert_eq!(
        docs(json!([{"TenGiayTo": "A", "MaGiayTo": "k"}, {"TenGiayTo": "B", "MaGiayTo": "k"}])),
        [Problem::DuplicateDocument { key: "k".into() }]
    );
    assert_eq!(docs(json!("Tờ khai")), [Problem::Invalid { field: "ThanhPhanHoSo", value: "Tờ khai".into() }]);
    // Keys made from names never collide with each other nor with given keys.
    let p = parse_entry(
        Source::Entry(1),
        &with(
            "ThanhPhanHoSo",
            json!([{"TenGiayTo": "Tờ khai"}, {"TenGiayTo": "Tờ khai"}, {"TenGiayTo": "X", "MaGiayTo": "to_khai_2"}]),
        ),
    )
    .unwrap();
    let keys: Vec<&str> = p.content.documents.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(keys, ["to_khai", "to_khai_3", "to_khai_2"]);
}

#[test]
fn a_code_twice_in_one_file_rejects_every_occurrence() {
    let mut other = good();
    other["MaTTHC"] = json!("2.000001");
    let parsed = parse_entries(vec![
        (Source::Row(2), good()),
        (Source::Row(3), other),
        (Source::Row(4), good()),
        (Source::Row(5), json!({"MaTTHC": "3.1"})),
    ]);
    assert_eq!(parsed.procedures.len(), 1);
    assert_eq!(parsed.procedures[0].1.code, "2.000001");
    assert_eq!(parsed.rejected.len(), 3);
    assert_eq!(parsed.rejected[0].problems, [Problem::DuplicateCode { other: Source::Row(4) }]);
    assert_eq!(parsed.rejected[1].problems, [Problem::DuplicateCode { other: Source::Row(2) }]);
    assert_eq!(parsed.rejected[2].source, Source::Row(5));
    assert_eq!(parsed.rejected[2].code.as_deref(), Some("3.1"));
}

#[test]
fn json_files_are_a_list_or_the_national_wrapper() {
    let wrapped = serde_json::to_vec(&json!({"DanhSachTTHC": [good()], "NgayXuat": "2026-12-01"})).unwrap();
    assert_eq!(json_entries(&wrapped).unwrap().len(), 1);
    let bare = serde_json::to_vec(&json!([good(), good()])).unwrap();
    assert_eq!(json_entries(&bare).unwrap()[1].0, Source::Entry(2));
    assert_eq!(json_entries(b"{\n\"DanhSachTTHC\": [\n,]}"), Err(FileProblem::BadJson(3)));
    assert_eq!(json_entries(b"{\"TTHC\": []}"), Err(FileProblem::NoList));
    assert_eq!(json_entries(b"42"), Err(FileProblem::NoList));
    assert_eq!(json_entries(b"[]"), Err(FileProblem::Empty));
    assert_eq!(json_entries(&[0xff, 0xfe, 0x00]).unwrap_err().key(), "import-file-bad-json");
}

#[test]
fn an_unchanged_entry_changes_nothing_and_each_change_is_named() {
    let p = parse_entry(Source::Entry(1), &good()).unwrap();
    let mut current = p.content.clone();
    current.name_en = Some("Birth registration".into());
    current.documents[0].reusable = true;
    current.documents[0].name_en = Some("Form".into());
    current.form = vec![FormField {
        key: "ho_ten".into(),
        label: "Họ tên".into(),
        label_en: None,
        kind: crate::form::FieldType::Text,
        required: true,
        options: vec![],
    }];
    let next = merged(&current, &p);
    assert_eq!(next.form, current.form, "a file without a form keeps the form in force");
    assert_eq!(next.name_en, current.name_en);
    assert!(next.documents[0].reusable, "what the export does not carry is kept");
    assert_eq!(changes(&current, &next), []);

    let mut changed = p.clone();
    changed.content.fee_vnd = 60_000;
    changed.content.limit = TimeLimit::new(3, TimeUnit::WorkingDays);
    changed.content.documents.pop();
    assert_eq!(changes(&current, &merged(&current, &changed)), [Change::Time, Change::Fee, Change::Documents]);
    changed.form_given = true;
    assert_eq!(
        changes(&current, &merged(&current, &changed)),
        [Change::Time, Change::Fee, Change::Documents, Change::Form]
    );
}

#[test]
fn the_description_reads_from_lists_or_from_a_cell_with_an_item_per_line() {
    let mut v = good();
    v["TrinhTuThucHien"] = json!(["Bước 1: nộp hồ sơ.", "  ", "Bước 2: nhận kết quả."]);
    v["CachThucThucHien"] = json!([
        {"HinhThuc": "Trực tiếp", "MoTa": "Tại Bộ phận Một cửa"},
        {"HinhThuc": "Truc tuyen"},
        "Dịch vụ bưu chính công ích",
        "trực tiếp"
    ]);
    v["DoiTuongThucHien"] = json!("Cá nhân");
    v["KetQuaThucHien"] = json!("Giấy khai sinh");
    // A spreadsheet's cell: one item per line, bullets dropped.
    v["YeuCauDieuKien"] = json!("- Có nơi cư trú\n• Trẻ chưa được đăng ký\n");
    v["CanCuPhapLy"] = json!("Luật Hộ tịch số 60/2014/QH13\nNghị định số 123/2015/NĐ-CP");
    v["MauDonToKhai"] = json!(["Tờ khai đăng ký khai sinh"]);
    let p = parse_entry(Source::Entry(1), &v).unwrap();
    assert!(p.details_given);
    let d = &p.content.details;
    assert_eq!(
        d.steps.iter().map(|t| t.vi.as_str()).collect::<Vec<_>>(),
        ["Bước 1: nộp hồ sơ.", "Bước 2: nhận kết quả."]
    );
    assert_eq!(
        d.ways.iter().map(|w| w.way).collect::<Vec<_>>(),
        [Way::Direct, Way::Online, Way::Post],
        "each way once"
    );
    assert_eq!(d.ways[0].note.as_ref().map(|t| t.vi.as_str()), Some("Tại Bộ phận Một cửa"));
    assert_eq!(d.applicants.as_ref().map(|t| t.vi.as_str()), Some("Cá nhân"));
    assert_eq!(d.result.as_ref().map(|t| t.vi.as_str()), Some("Giấy khai sinh"));
    assert_eq!(
        d.conditions.iter().map(|t| t.vi.as_str()).collect::<Vec<_>>(),
        ["Có nơi cư trú", "Trẻ chưa được đăng ký"]
    );
    assert_eq!(d.legal_basis, ["Luật Hộ tịch số 60/2014/QH13", "Nghị định số 123/2015/NĐ-CP"]);
    assert_eq!(d.forms.len(), 1);

    let none = parse_entry(Source::Entry(1), &good()).unwrap();
    assert!(!none.details_given && none.content.details == ProcedureDetails::default());
}

#[test]
fn a_malformed_description_is_named_by_its_field() {
    assert_eq!(
        problems_of(with("CachThucThucHien", json!(["Qua bồ câu"]))),
        [Problem::Invalid { field: "CachThucThucHien", value: "Qua bồ câu".into() }]
    );
    assert_eq!(
        problems_of(with("CanCuPhapLy", json!(["Luật", 7]))),
        [Problem::Invalid { field: "CanCuPhapLy", value: "7".into() }]
    );
    assert_eq!(
        problems_of(with("DoiTuongThucHien", json!(["Cá nhân"]))),
        [Problem::Invalid { field: "DoiTuongThucHien", value: "[\"Cá nhân\"]".into() }]
    );
    assert_eq!(
        problems_of(with("TrinhTuThucHien", json!({"1": "x"}))),
        [Problem::Invalid { field: "TrinhTuThucHien", value: "{\"1\":\"x\"}".into() }]
    );
}

#[test]
fn a_new_description_replaces_the_old_and_keeps_the_english_of_unchanged_texts() {
    let mut v = good();
    v["TrinhTuThucHien"] = json!(["Nộp hồ sơ", "Nhận kết quả trong ngày"]);
    v["CanCuPhapLy"] = json!(["Luật Hộ tịch"]);
    let p = parse_entry(Source::Entry(1), &v).unwrap();
    let mut current = p.content.clone();
    current.details = ProcedureDetails {
        steps: vec![
            Text { vi: "Nộp hồ sơ".into(), en: Some("Apply".into()) },
            Text { vi: "Nhận kết quả".into(), en: Some("Collect the result".into()) },
        ],
        conditions: vec![Text { vi: "Điều kiện cũ".into(), en: None }],
        legal_basis: vec!["Luật Hộ tịch".into()],
        ..ProcedureDetails::default()
    };
    let next = merged(&current, &p);
    assert_eq!(next.details.steps[0].en.as_deref(), Some("Apply"), "the same Vietnamese keeps its English");
    assert_eq!(next.details.steps[1].en, None, "a changed step has no translation yet");
    assert!(next.details.conditions.is_empty(), "the description is replaced whole");
    assert_eq!(changes(&current, &next), [Change::Details]);

    let silent = parse_entry(Source::Entry(1), &good()).unwrap();
    assert_eq!(merged(&current, &silent).details, current.details, "no description in the file: kept");
    assert_eq!(changes(&current, &merged(&current, &silent)), []);
}

#[test]
fn a_new_fee_keeps_the_rules_that_still_fit_the_form() {
    let p = parse_entry(Source::Entry(1), &good()).unwrap();
    let schedule = FeeSchedule { copies: Some("so_ban".into()), ..FeeSchedule::fixed(10_000) };
    assert_eq!(fee_for(&schedule, &p.content), None, "the form has no field so_ban");
    let fixed = fee_for(&FeeSchedule::fixed(10_000), &p.content).unwrap();
    assert_eq!(fixed.base_vnd, 50_000);
}

#[test]
fn every_problem_has_a_message_key_and_its_arguments() {
    let all = [
        Problem::NotAnObject,
        Problem::Missing { field: "MaTTHC" },
        Problem::Invalid { field: "MucDo", value: "x".into() },
        Problem::CodeNotText { value: "1".into() },
        Problem::TimeNotPositive { value: "0".into() },
        Problem::NegativeFee { value: "-1".into() },
        Problem::Document { index: 1, field: "TenGiayTo" },
        Problem::DuplicateDocument { key: "k".into() },
        Problem::BadForm,
        Problem::DuplicateCode { other: Source::DocumentRow(3) },
        Problem::UnknownAgency { agency: "a".into() },
        Problem::UnknownParticipant { agency: "a".into() },
        Problem::NewFieldWithoutName { field: "f".into() },
        Problem::FieldNameConflict { field: "f".into() },
        Problem::FeeRulesBroken,
        Problem::NoSuchProcedure { code: "c".into() },
    ];
    let keys: BTreeSet<&str> = all.iter().map(Problem::key).collect();
    assert_eq!(keys.len(), all.len());
    assert!(keys.iter().all(|k| k.starts_with("import-problem-")));
    assert_eq!(
        Problem::DuplicateCode { other: Source::DocumentRow(3) }.args(),
        [("other", "document_row:3".to_string())]
    );
}
