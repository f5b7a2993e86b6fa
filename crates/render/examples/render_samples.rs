//! Writes every form, filled with the sample data of the tests, into a folder, so that a person
//! can look at them: `cargo run -p motcua-render --example render_samples -- /tmp/forms`.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use motcua_render::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "forms".to_string()));
    std::fs::create_dir_all(&dir)?;
    let numbering = FormNumbering::default();
    let forms = [
        ("01-receipt.pdf", render_receipt(&fixtures::receipt(), numbering)?),
        ("02-supplement-request.pdf", render_supplement_request(&fixtures::supplement_request(), numbering)?),
        ("03-refusal.pdf", render_refusal(&fixtures::refusal(), numbering)?),
        ("04-apology.pdf", render_apology(&fixtures::apology(), numbering)?),
        ("05-stop-notice.pdf", render_stop_notice(&fixtures::stop_notice(), numbering)?),
        ("06-control-slip.pdf", render_control_slip(&fixtures::control_slip(4), numbering)?),
        ("06-control-slip-long.pdf", render_control_slip(&fixtures::control_slip(30), numbering)?),
        ("07-register.pdf", render_register(&fixtures::register(60), numbering)?),
        ("fee-receipt.pdf", render_fee_receipt(&fixtures::fee_receipt(), numbering)?),
        (
            "electronic-result.pdf",
            render_electronic_result(&fixtures::electronic_result(
                "quyet-dinh.pdf",
                "application/pdf",
                render_receipt(&fixtures::receipt(), numbering)?.into_bytes(),
            ))?,
        ),
    ];
    for (name, bytes) in forms {
        let path = dir.join(name);
        std::fs::write(&path, bytes)?;
        println!("{}", path.display());
    }
    Ok(())
}
