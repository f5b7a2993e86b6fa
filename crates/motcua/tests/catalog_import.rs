//! `motcua catalog import`: the real binary on a demo database, on SQLite and on PostgreSQL —
//! a dry run reports and writes nothing, the import writes and reports, the same file again
//! writes nothing, a damaged file is refused with its reason in the chosen language.

use std::path::Path;
use std::process::{Command, Output};

use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(the_command_reports_imports_and_refuses_a_damaged_file);

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
