//! `motcua catalog import`: the real binary on a demo database, on SQLite and on PostgreSQL —
//! a dry run reports and writes nothing, the import writes and reports, the same file again
//! writes nothing, a damaged file is refused with its reason in the chosen language. And
//! `motcua agency`: an agency's short name in document symbols is set, listed and cleared; its
//! approval chain of outgoing documents shown, set, refused when it cannot sign, and reset.

use std::path::Path;
use std::process::{Command, Output};

use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(the_command_reports_imports_and_refuses_a_damaged_file);
on_both_engines!(an_agency_s_short_name_in_symbols_is_set_and_cleared);
on_both_engines!(an_agency_s_approval_chain_is_set_and_reset);

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../app/tests/fixtures/catalog");

fn motcua(t: &TestDb, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_motcua"));
    cmd.args(args).arg("--data").arg(t.dir.path()).env("RUST_LOG", "warn").env_remove("MOTCUA_DATA");
    if t.url.starts_with("postgres") {
        cmd.arg("--database-url").arg(&t.url);
    } else {
        cmd.env_remove("DATABASE_URL");
    }
    cmd.output().expect("the motcua binary runs")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Every version of every procedure: versions are numbered from 1 without gaps.
async fn versions(t: &TestDb) -> i64 {
    motcua_store::catalog::current_procedures(&t.db).await.unwrap().iter().map(|p| p.version).sum()
}

async fn the_command_reports_imports_and_refuses_a_damaged_file(engine: TestEngine) {
    let t = TestDb::with_demo(engine).await;
    let json = format!("{FIXTURES}/catalog.json");
    let xlsx = format!("{FIXTURES}/catalog.xlsx");
    let before = versions(&t).await;

    let dry = stdout(&motcua(&t, &["catalog", "import", &xlsx, "--dry-run"]));
    assert!(dry.starts_with("Chạy thử (không ghi gì): 2 mới, 1 phiên bản mới, 0 không đổi, 1 bị từ chối."), "{dry}");
    assert!(dry.contains("Từ chối (dòng 5): 1.009999 — Cơ quan thực hiện 000.00.99.H38 chưa có"), "{dry}");
    assert_eq!(versions(&t).await, before);

    let done = stdout(&motcua(&t, &["catalog", "import", &json, "--lang", "en"]));
    let lines: Vec<&str> = done.lines().collect();
    assert_eq!(lines[0], "Imported: 2 new, 1 new versions, 0 unchanged, 1 rejected.", "{done}");
    assert!(lines.contains(&"New field G12-VH03: Lễ hội"), "{done}");
    assert!(lines.contains(&"Version 2 (procedure no. 1): 1.001193 — changed: fee, fee notes"), "{done}");
    assert_eq!(versions(&t).await, before + 3);

    let again = stdout(&motcua(&t, &["catalog", "import", &json]));
    assert!(again.starts_with("Đã nhập: 0 mới, 0 phiên bản mới, 3 không đổi, 1 bị từ chối."), "{again}");
    assert_eq!(versions(&t).await, before + 3);

    let damaged = t.dir.path().join("damaged.xlsx");
    let bytes = std::fs::read(&xlsx).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let out = motcua(&t, &["catalog", "import", damaged.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Không mở được tệp Excel"), "{err}");
    let out = motcua(&t, &["catalog", "import", &Path::new(FIXTURES).join("missing.json").display().to_string()]);
    assert!(!out.status.success());
    assert_eq!(versions(&t).await, before + 3);
}

async fn an_agency_s_short_name_in_symbols_is_set_and_cleared(engine: TestEngine) {
    let t = TestDb::with_demo(engine).await;
    let police = "000.00.20.H38";
    // The demo sets the police's usage; the justice department goes by its initials.
    let list = stdout(&motcua(&t, &["agency", "list"]));
    assert!(list.contains(&format!("{police}  CAT  Công an tỉnh")), "{list}");
    assert!(list.contains("000.00.12.H38  STP (initials)  Sở Tư pháp"), "{list}");

    let bad = motcua(&t, &["agency", "abbreviation", "--agency", "000.00.12.H38", "TP-LC"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cannot be a short name"));
    let unknown = motcua(&t, &["agency", "abbreviation", "--agency", "000.00.99.H38", "X"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no agency 000.00.99.H38"));

    stdout(&motcua(&t, &["agency", "abbreviation", "--agency", "000.00.12.H38", "STPLC"]));
    let justice = motcua_store::catalog::agency(&t.db, "000.00.12.H38").await.unwrap();
    assert_eq!(justice.symbol_name(), "STPLC");
    stdout(&motcua(&t, &["agency", "abbreviation", "--agency", police]));
    let police = motcua_store::catalog::agency(&t.db, police).await.unwrap();
    assert_eq!((police.abbreviation.clone(), police.symbol_name()), (None, "CA".to_string()));
}

async fn an_agency_s_approval_chain_is_set_and_reset(engine: TestEngine) {
    let t = TestDb::with_demo(engine).await;
    let justice = "000.00.12.H38";
    let shown = stdout(&motcua(&t, &["agency", "chain", "--agency", justice]));
    assert!(shown.contains("(default chain") && shown.contains("1. Lãnh đạo cơ quan  role:leader"), "{shown}");

    // The last step signs: a specialist cannot end the chain; a stranger cannot be named.
    let head = "--step=Trưởng phòng=user:chuyenvien2";
    let bad = motcua(&t, &["agency", "chain", "--agency", justice, head]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("last-may-not-sign"), "{bad:?}");
    let stranger = motcua(&t, &["agency", "chain", "--agency", justice, "--step=Trưởng phòng=user:ld20h38"]);
    assert!(String::from_utf8_lossy(&stranger.stderr).contains("no officer of"), "{stranger:?}");
    assert!(motcua_store::office_chain::approval_chain(&t.db, justice).await.unwrap().is_empty());

    let set = stdout(&motcua(&t, &["agency", "chain", "--agency", justice, head, "--step=Giám đốc Sở=role:leader"]));
    assert_eq!(set, "1. Trưởng phòng  user:chuyenvien2\n2. Giám đốc Sở  role:leader\n");
    assert_eq!(motcua_store::office_chain::approval_chain(&t.db, justice).await.unwrap().len(), 2);

    let reset = stdout(&motcua(&t, &["agency", "chain", "--agency", justice, "--default"]));
    assert!(reset.contains("(default chain"), "{reset}");
    assert!(motcua_store::office_chain::approval_chain(&t.db, justice).await.unwrap().is_empty());
}
