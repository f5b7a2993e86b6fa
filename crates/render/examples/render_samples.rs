//! Writes every form, filled with the sample data of the tests, into a folder, so that a person
//! can look at them: `cargo run -p motcua-render --example render_samples -- /tmp/forms`.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use motcua_render::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "forms".to_string()));
    std::fs::create_dir_all(&dir)?;
    let numbering = FormNumbering::default();
    let forms = [("01-receipt.pdf", render_receipt(&fixtures::receipt(), numbering)?)];
    for (name, bytes) in forms {
        let path = dir.join(name);
        std::fs::write(&path, bytes)?;
        println!("{}", path.display());
    }
    Ok(())
}
