//! Reading the two file formats: the sample export reads the same from JSON and XLSX, and a
//! damaged or foreign file is refused whole with its reason.

use std::io::Write;

use motcua_domain::catalog_import::{FileProblem, Problem, Source};

use super::*;

const JSON: &[u8] = include_bytes!("../../tests/fixtures/catalog/catalog.json");
const XLSX: &[u8] = include_bytes!("../../tests/fixtures/catalog/catalog.xlsx");

/// A workbook of the given sheets, written as the sample script writes them (inline strings).
fn workbook(sheets: &[(&str, &str)]) -> Vec<u8> {
    let mut z = zip_writer();
    let mut types = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>",
    );
    let mut book = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>",
    );
    let mut rels = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    for (i, (name, rows)) in sheets.iter().enumerate() {
        let i = i + 1;
        types.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{i}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        ));
        book.push_str(&format!("<sheet name=\"{name}\" sheetId=\"{i}\" r:id=\"rId{i}\"/>"));
        rels.push_str(&format!(
            "<Relationship Id=\"rId{i}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{i}.xml\"/>"
        ));
        z.add(
            &format!("xl/worksheets/sheet{i}.xml"),
            &format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{rows}</sheetData></worksheet>"
            ),
        );
    }
    z.add("[Content_Types].xml", &(types + "</Types>"));
    z.add(
        "_rels/.rels",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>",
    );
    z.add("xl/workbook.xml", &(book + "</sheets></workbook>"));
    z.add("xl/_rels/workbook.xml.rels", &(rels + "</Relationships>"));
    z.finish()
}

/// A row of inline-string cells (numbers when they parse as numbers), from column A.
fn row(n: usize, cells: &[&str]) -> String {
    let mut out = format!("<row r=\"{n}\">");
    for (i, c) in cells.iter().enumerate() {
        let col = (b'A' + i as u8) as char;
        if c.is_empty() {
            continue;
        }
        if c.parse::<f64>().is_ok() && !c.contains('.') {
            out.push_str(&format!("<c r=\"{col}{n}\"><v>{c}</v></c>"));
        } else {
            out.push_str(&format!("<c r=\"{col}{n}\" t=\"inlineStr\"><is><t>{c}</t></is></c>"));
        }
    }
    out + "</row>"
}

/// A stored (uncompressed) zip archive: enough for a test workbook, without a zip writer.
struct ZipWriter {
    out: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

fn zip_writer() -> ZipWriter {
    ZipWriter { out: Vec::new(), central: Vec::new(), count: 0 }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

impl ZipWriter {
    fn add(&mut self, name: &str, text: &str) {
        let data = text.as_bytes();
        let (crc, size, offset) = (crc32(data), data.len() as u32, self.out.len() as u32);
        let mut local = Vec::new();
        local.write_all(&0x0403_4b50u32.to_le_bytes()).unwrap();
        local.write_all(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        for v in [crc, size, size] {
            local.write_all(&v.to_le_bytes()).unwrap();
        }
        local.write_all(&(name.len() as u16).to_le_bytes()).unwrap();
        local.write_all(&[0, 0]).unwrap();
        local.write_all(name.as_bytes()).unwrap();
        self.out.extend_from_slice(&local);
        self.out.extend_from_slice(data);
        let c = &mut self.central;
        c.write_all(&0x0201_4b50u32.to_le_bytes()).unwrap();
        c.write_all(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        for v in [crc, size, size] {
            c.write_all(&v.to_le_bytes()).unwrap();
        }
        c.write_all(&(name.len() as u16).to_le_bytes()).unwrap();
        c.write_all(&[0; 12]).unwrap();
        c.write_all(&offset.to_le_bytes()).unwrap();
        c.write_all(name.as_bytes()).unwrap();
        self.count += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        let offset = self.out.len() as u32;
        let size = self.central.len() as u32;
        self.out.extend_from_slice(&self.central);
        self.out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&[0, 0, 0, 0]);
        self.out.extend_from_slice(&self.count.to_le_bytes());
        self.out.extend_from_slice(&self.count.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&offset.to_le_bytes());
        self.out.extend_from_slice(&[0, 0]);
        self.out
    }
}

const HEADER: [&str; 8] =
    ["MaTTHC", "TenTTHC", "MaLinhVuc", "CoQuanThucHien", "MucDo", "ThoiHanGiaiQuyet", "DonViThoiGian", "PhiLePhi"];

#[test]
fn the_sample_export_reads_alike_from_json_and_xlsx() {
    let json = read_file(JSON).unwrap();
    let xlsx = read_file(XLSX).unwrap();
    assert_eq!(json.procedures.len(), 4, "{:?}", json.rejected);
    assert!(json.rejected.is_empty() && xlsx.rejected.is_empty(), "{:?}", xlsx.rejected);
    let strip = |p: &Parsed| p.procedures.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>();
    assert_eq!(strip(&json), strip(&xlsx));
    let sources: Vec<Source> = xlsx.procedures.iter().map(|(s, _)| *s).collect();
    assert_eq!(sources, [Source::Row(2), Source::Row(3), Source::Row(4), Source::Row(5)]);
    let festival = &json.procedures[1].1;
    assert_eq!(festival.content.participants, ["000.00.20.H38"]);
    assert_eq!(festival.content.documents[1].key, "ke_hoach_to_chuc_le_hoi");
    assert_eq!(json.procedures[0].1.content.fee_vnd, 8_000);
}

#[test]
fn a_damaged_or_foreign_file_is_refused_whole() {
    assert_eq!(read_file(&XLSX[..XLSX.len() / 2]).unwrap_err(), FileProblem::BadWorkbook);
    assert_eq!(read_file(b"PK\x03\x04 not a zip at all").unwrap_err(), FileProblem::BadWorkbook);
    assert_eq!(read_file(b"%PDF-1.7\n").unwrap_err(), FileProblem::UnknownFormat);
    assert_eq!(read_file(b"").unwrap_err(), FileProblem::UnknownFormat);
    assert_eq!(read_file(b"\xEF\xBB\xBF  [").unwrap_err(), FileProblem::BadJson(1));
    // A zip that is not a workbook (no workbook part).
    let mut z = zip_writer();
    z.add("hello.txt", "xin chào");
    assert_eq!(read_file(&z.finish()).unwrap_err(), FileProblem::BadWorkbook);
    // A workbook without the code column, and one with a header only.
    let no_code = workbook(&[("ThuTuc", &row(1, &["TenTTHC", "MucDo"]))]);
    assert_eq!(read_file(&no_code).unwrap_err(), FileProblem::MissingColumn("MaTTHC".into()));
    let header_only = workbook(&[("ThuTuc", &row(1, &HEADER))]);
    assert_eq!(read_file(&header_only).unwrap_err(), FileProblem::Empty);
    let empty = workbook(&[("ThuTuc", "")]);
    assert_eq!(read_file(&empty).unwrap_err(), FileProblem::Empty);
}

#[test]
fn spreadsheet_rows_are_reported_by_their_row_number() {
    let rows = [
        row(1, &HEADER),
        row(2, &["1.000001", "Thủ tục một", "G09-TP01", "000.00.12.H38", "Toàn trình", "5", "", "0"]),
        row(3, &["", "Không mã", "G09-TP01", "000.00.12.H38", "Toàn trình", "5", "", "0"]),
        // Row 4 left empty: skipped, the numbering keeps to the sheet's.
        row(5, &["1.000002", "Thủ tục hai", "G09-TP01", "000.00.12.H38", "mức 9", "-2", "tuần", "0"]),
        row(6, &["1.000001", "Trùng mã", "G09-TP01", "000.00.12.H38", "Một phần", "5", "", "0"]),
    ]
    .concat();
    let docs = [
        row(1, &["MaTTHC", "TenGiayTo", "BatBuoc"]),
        row(2, &["1.000002", "Tờ khai", "Có"]),
        row(3, &["7.777777", "Giấy lạc", "Có"]),
    ]
    .concat();
    let parsed = read_file(&workbook(&[("ThuTuc", &rows), ("ThanhPhanHoSo", &docs)])).unwrap();
    assert!(parsed.procedures.is_empty());
    let by_source: Vec<(Source, Vec<Problem>)> =
        parsed.rejected.iter().map(|r| (r.source, r.problems.clone())).collect();
    assert_eq!(
        by_source,
        [
            (Source::Row(2), vec![Problem::DuplicateCode { other: Source::Row(6) }]),
            (Source::Row(3), vec![Problem::Missing { field: "MaTTHC" }]),
            (
                Source::Row(5),
                vec![
                    Problem::Invalid { field: "MucDo", value: "mức 9".into() },
                    Problem::TimeNotPositive { value: "-2".into() },
                    Problem::Invalid { field: "DonViThoiGian", value: "tuần".into() },
                ]
            ),
            (Source::Row(6), vec![Problem::DuplicateCode { other: Source::Row(2) }]),
            (Source::DocumentRow(3), vec![Problem::NoSuchProcedure { code: "7.777777".into() }]),
        ]
    );
}

#[test]
fn reports_read_in_both_languages() {
    let problem = Problem::DuplicateCode { other: Source::Row(6) };
    assert_eq!(problem_text(Lang::Vi, &problem), "Mã thủ tục trùng với dòng 6 của tệp");
    assert_eq!(problem_text(Lang::En, &problem), "The code appears again at row 6 of the file");
    for lang in [Lang::Vi, Lang::En] {
        for p in [FileProblem::BadJson(3), FileProblem::BadWorkbook, FileProblem::MissingColumn("MaTTHC".into())] {
            let text = file_problem_text(lang, &p);
            assert!(!text.starts_with("import-"), "{text}");
        }
        for c in [Change::Name, Change::FeeNote, Change::Participants] {
            assert!(!changes_text(lang, &[c]).starts_with("import-"));
        }
    }
}
