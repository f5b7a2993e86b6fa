#!/usr/bin/env python3
"""Sample catalog exports in the national procedure database's shape, for the catalog import
(`motcua catalog import`, crates/domain/src/catalog_import.rs documents the format).

    python3 scripts/catalog_sample.py fixtures crates/app/tests/fixtures/catalog
        the small sample the tests read: catalog.json and catalog.xlsx, the same four procedures
    python3 scripts/catalog_sample.py bench 2000 DIR
        DIR/catalog-2000.json, DIR/catalog-2000-fees.json (every fee changed) and
        DIR/catalog-2000.xlsx: synthetic procedures over the demo province's agencies and fields

The XLSX writer below is the least a workbook needs (inline strings, no styles); Python's
standard library only.
"""

import json
import random
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
PROVINCE = ROOT / "crates/store/demo/province.json"

COLUMNS = [
    "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "CoQuanThucHien", "CoQuanPhoiHop", "MucDo",
    "LyDoMucDo", "ThoiHanGiaiQuyet", "DonViThoiGian", "PhiLePhi", "MoTaPhiLePhi", "KetQua",
    "TrinhTuThucHien", "CachThucThucHien", "DoiTuongThucHien", "KetQuaThucHien", "YeuCauDieuKien",
    "CanCuPhapLy", "MauDonToKhai",
]
# The description's lists: one cell with an item per line in a sheet.
LINES = {"TrinhTuThucHien", "CachThucThucHien", "YeuCauDieuKien", "CanCuPhapLy", "MauDonToKhai"}
DOC_COLUMNS = ["MaTTHC", "MaGiayTo", "TenGiayTo", "BatBuoc", "LoaiBan", "SoLuong"]
LEVELS = {"none": "Không trực tuyến", "partial": "Một phần", "full": "Toàn trình"}
UNITS = {"working_days": "Ngày làm việc", "days": "Ngày", "hours": "Giờ", "months": "Tháng", "half_days": "Buổi"}


def col_name(i):
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def sheet_xml(rows):
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for c, v in enumerate(row):
            ref = f"{col_name(c)}{r}"
            if v is None or v == "":
                continue
            if isinstance(v, bool):
                out.append(f'<c r="{ref}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)):
                out.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(v))}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def write_xlsx(path, sheets):
    """sheets: list of (name, rows)."""
    ct = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>']
    wb = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>']
    rels = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (name, rows) in enumerate(sheets, start=1):
            ct.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
            wb.append(f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>')
            rels.append(f'<Relationship Id="rId{i}" '
                        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                        f'Target="worksheets/sheet{i}.xml"/>')
            z.writestr(f"xl/worksheets/sheet{i}.xml", sheet_xml(rows))
        ct.append("</Types>")
        wb.append("</sheets></workbook>")
        rels.append("</Relationships>")
        z.writestr("[Content_Types].xml", "".join(ct))
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" '
                   'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", "".join(wb))
        z.writestr("xl/_rels/workbook.xml.rels", "".join(rels))


def write_both(entries, json_path, xlsx_path):
    Path(json_path).write_text(
        json.dumps({"DanhSachTTHC": entries}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if xlsx_path is None:
        return
    rows = [COLUMNS]
    docs = [DOC_COLUMNS]
    for e in entries:
        row = []
        for c in COLUMNS:
            v = e.get(c)
            if isinstance(v, list):
                v = ("\n" if c in LINES else ", ").join(v)
            row.append(v)
        rows.append(row)
        for d in e.get("ThanhPhanHoSo", []):
            docs.append([e["MaTTHC"]] + [d.get(c) for c in DOC_COLUMNS[1:]])
    write_xlsx(xlsx_path, [("ThuTuc", rows), ("ThanhPhanHoSo", docs)])


def fixtures(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    province = json.loads(PROVINCE.read_text(encoding="utf-8"))
    birth = next(p for p in province["procedures"] if p["code"] == "1.001193")
    entries = [
        {
            # In the demo catalog: the file changes its fee (a new version).
            "MaTTHC": birth["code"],
            "TenTTHC": birth["name"],
            "MaLinhVuc": birth["field"],
            "TenLinhVuc": "Hộ tịch",
            "CoQuanThucHien": birth["agency"],
            "MucDo": LEVELS[birth["level"]],
            "ThoiHanGiaiQuyet": birth["processing"]["amount"],
            "DonViThoiGian": UNITS[birth["processing"]["unit"]],
            "PhiLePhi": "8.000 đồng",
            "MoTaPhiLePhi": "Lệ phí đăng ký khai sinh quá hạn (dữ liệu mẫu)",
            "KetQua": "Điện tử" if birth["result_kind"] == "electronic" else "Giấy",
            "ThanhPhanHoSo": [
                {"MaGiayTo": d["key"], "TenGiayTo": d["name"], "BatBuoc": d["required"],
                 "LoaiBan": "Bản chính" if d["original"] else "Bản sao", "SoLuong": d["count"]}
                for d in birth["required_documents"]
            ],
        },
        {
            # New, in a field new to the catalog, with a participating agency.
            "MaTTHC": "1.003005",
            "TenTTHC": "Đăng ký tổ chức lễ hội cấp tỉnh",
            "MaLinhVuc": "G12-VH03",
            "TenLinhVuc": "Lễ hội",
            "CoQuanThucHien": "000.00.13.H38",
            "CoQuanPhoiHop": ["000.00.20.H38"],
            "MucDo": "Một phần",
            "LyDoMucDo": "Hồ sơ cần khảo sát địa điểm",
            "ThoiHanGiaiQuyet": 20,
            "DonViThoiGian": "Ngày làm việc",
            "PhiLePhi": 0,
            "KetQua": "Giấy",
            # The catalogue entry's description (sample wording).
            "TrinhTuThucHien": [
                "Bước 1: Ban tổ chức lễ hội nộp văn bản đăng ký tại Trung tâm Phục vụ hành chính công tỉnh.",
                "Bước 2: Sở Văn hóa, Thể thao và Du lịch thẩm định, lấy ý kiến cơ quan phối hợp.",
                "Bước 3: Trả lời bằng văn bản; trường hợp không đồng ý phải nêu rõ lý do.",
            ],
            "CachThucThucHien": ["Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính công ích"],
            "DoiTuongThucHien": "Tổ chức",
            "KetQuaThucHien": "Văn bản chấp thuận tổ chức lễ hội",
            "YeuCauDieuKien": ["Nộp hồ sơ trước ngày dự kiến tổ chức ít nhất 20 ngày làm việc."],
            "CanCuPhapLy": ["Nghị định số 110/2018/NĐ-CP ngày 29/8/2018 quy định về quản lý và tổ chức lễ hội"],
            "ThanhPhanHoSo": [
                {"MaGiayTo": "van_ban_dang_ky", "TenGiayTo": "Văn bản đăng ký tổ chức lễ hội", "BatBuoc": True,
                 "LoaiBan": "Bản chính", "SoLuong": 1},
                {"TenGiayTo": "Kế hoạch tổ chức lễ hội", "BatBuoc": True, "LoaiBan": "Bản chính", "SoLuong": 1},
            ],
        },
        {
            # New, in a field the catalog has.
            "MaTTHC": "2.000908",
            "TenTTHC": "Cấp bản sao từ sổ gốc",
            "MaLinhVuc": "G09-TP02",
            "TenLinhVuc": "Chứng thực",
            "CoQuanThucHien": "000.00.12.H38",
            "MucDo": "Toàn trình",
            "ThoiHanGiaiQuyet": 2,
            "DonViThoiGian": "Ngày làm việc",
            "PhiLePhi": 10000,
            "MoTaPhiLePhi": "10.000 đồng/bản (dữ liệu mẫu)",
            "KetQua": "Điện tử",
            "ThanhPhanHoSo": [
                {"MaGiayTo": "giay_to_tuy_than", "TenGiayTo": "Giấy tờ tùy thân của người yêu cầu",
                 "BatBuoc": True, "LoaiBan": "Bản sao", "SoLuong": 1},
            ],
        },
        {
            # Rejected: its lead agency is not in the catalog.
            "MaTTHC": "1.009999",
            "TenTTHC": "Thủ tục của cơ quan chưa có trong danh mục",
            "MaLinhVuc": "G09-TP01",
            "CoQuanThucHien": "000.00.99.H38",
            "MucDo": "Toàn trình",
            "ThoiHanGiaiQuyet": 3,
            "PhiLePhi": 0,
        },
    ]
    write_both(entries, out / "catalog.json", out / "catalog.xlsx")


def bench(n, out, seed=1):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    province = json.loads(PROVINCE.read_text(encoding="utf-8"))
    agencies = [a["code"] for a in province["agencies"] if a["kind"] in ("department", "commune")]
    fields = province["fields"]
    words = ["Cấp", "giấy phép", "đăng ký", "điều chỉnh", "gia hạn", "thu hồi", "xác nhận", "hoạt động",
             "kinh doanh", "cơ sở", "dịch vụ", "chứng chỉ", "hành nghề", "công trình", "thông báo"]
    entries = []
    for i in range(n):
        f = rng.choice(fields)
        docs = [
            {"MaGiayTo": f"giay_to_{j + 1}", "TenGiayTo": f"Giấy tờ số {j + 1}: " + " ".join(rng.sample(words, 4)),
             "BatBuoc": j < 2, "LoaiBan": rng.choice(["Bản chính", "Bản sao"]), "SoLuong": rng.randint(1, 2)}
            for j in range(rng.randint(3, 6))
        ]
        entries.append({
            "MaTTHC": f"8.{i + 1:06d}",
            "TenTTHC": " ".join(rng.sample(words, 5)).capitalize() + f" (thủ tục mẫu {i + 1})",
            "MaLinhVuc": f["code"],
            "TenLinhVuc": f["name"],
            "CoQuanThucHien": rng.choice(agencies),
            "CoQuanPhoiHop": rng.sample(agencies, rng.randint(0, 2)),
            "MucDo": rng.choice(list(LEVELS.values())),
            "ThoiHanGiaiQuyet": rng.randint(1, 30),
            "DonViThoiGian": "Ngày làm việc",
            "PhiLePhi": rng.choice([0, 0, 10000, 50000, 100000, 200000]),
            "KetQua": rng.choice(["Giấy", "Điện tử"]),
            "ThanhPhanHoSo": docs,
        })
    write_both(entries, out / f"catalog-{n}.json", out / f"catalog-{n}.xlsx")
    for e in entries:
        e["PhiLePhi"] += 1000
    write_both(entries, out / f"catalog-{n}-fees.json", None)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "fixtures":
        fixtures(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "bench":
        bench(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(__doc__)
