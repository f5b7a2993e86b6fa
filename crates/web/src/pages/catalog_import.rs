//! The administrators' catalog import (nhập danh mục thủ tục): upload an export of the national
//! procedure database (JSON or XLSX), see what it would do, confirm. The uploaded file waits in
//! the attachment store between the preview and the confirmation, named in the confirmation
//! form by its random key and SHA-256: the confirmation imports exactly the previewed bytes,
//! compared again with the catalog as it is then.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::catalog_import::{self as import, ImportFailed, ImportReport};
use motcua_app::state::AppState;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::csrf::{Csrf, CsrfMultipart};
use super::{admin_only, Ctx, FormErrors, SignedIn};
use crate::error::{ErrorKind, HttpResult};

/// One line of the report as shown: where, code, name, what.
struct Line {
    source: String,
    code: String,
    name: String,
    what: String,
}

/// The report in the reader's language.
struct ReportView {
    summary: String,
    new_fields: Vec<(String, String)>,
    created: Vec<Line>,
    versioned: Vec<Line>,
    rejected: Vec<Line>,
    unchanged: Vec<String>,
}

#[derive(Template)]
#[template(path = "catalog_import.html")]
struct ImportPage {
    ctx: Ctx,
    errors: FormErrors,
    flash: String,
    report: Option<ReportView>,
    /// The previewed file waiting for confirmation: (storage key, SHA-256); empty when there is
    /// nothing to confirm.
    pending: Option<(String, String)>,
}

fn report_view(ctx: &Ctx, r: &ImportReport) -> ReportView {
    let lang = ctx.lang;
    let lines = import::report_lines(lang, r);
    ReportView {
        summary: lines.into_iter().next().unwrap_or_default(),
        new_fields: r.new_fields.clone(),
        created: r
            .created
            .iter()
            .map(|c| Line {
                source: import::source_text(lang, c.source),
                code: c.code.clone(),
                name: c.name.clone(),
                what: String::new(),
            })
            .collect(),
        versioned: r
            .versioned
            .iter()
            .map(|v| Line {
                source: import::source_text(lang, v.source),
                code: v.code.clone(),
                name: v.name.clone(),
                what: format!(
                    "{}: {}",
                    lang.t_args("import-version", &[("version", &v.version.to_string())]),
                    import::changes_text(lang, &v.changes)
                ),
            })
            .collect(),
        rejected: r
            .rejected
            .iter()
            .map(|x| Line {
                source: import::source_text(lang, x.source),
                code: x.code.clone().unwrap_or_default(),
                name: String::new(),
                what: x.problems.iter().map(|p| import::problem_text(lang, p)).collect::<Vec<_>>().join("; "),
            })
            .collect(),
        unchanged: r.unchanged.iter().map(|(_, code)| code.clone()).collect(),
    }
}

fn page(ctx: &Ctx, errors: FormErrors, flash: String) -> ImportPage {
    ImportPage { ctx: ctx.clone(), errors, flash, report: None, pending: None }
}

/// What the page was told after an import: the counts, `created-versioned-unchanged-rejected`.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    xong: Option<String>,
}

/// The upload form, with the counts of the import just confirmed.
pub async fn show(
    State(_state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<ShowQuery>,
) -> HttpResult<Response> {
    admin_only(&user)?;
    let counts: Vec<String> =
        q.xong.as_deref().unwrap_or("").split('-').filter(|n| n.parse::<u32>().is_ok()).map(str::to_string).collect();
    let flash = match counts.as_slice() {
        [c, v, u, r] => ctx.lang.t_args(
            "import-done",
            &[("created", c.as_str()), ("versioned", v.as_str()), ("unchanged", u.as_str()), ("rejected", r.as_str())],
        ),
        _ => String::new(),
    };
    Ok(ctx.render(&page(&ctx, FormErrors::default(), flash)))
}

/// Reads the uploaded file and shows what importing it would do; keeps it for the confirmation
/// when it would write something.
pub async fn preview(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    CsrfMultipart(mp): CsrfMultipart,
) -> HttpResult<Response> {
    let parts = crate::uploads::read(mp, import::MAX_FILE_BYTES).await?;
    admin_only(&user)?;
    let Some(file) = parts.files.into_iter().find(|f| f.part == "file") else {
        let errors = FormErrors::general(ctx.t("import-no-file"));
        return Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&ctx, errors, String::new())));
    };
    let report = match import::import_catalog(&state, &user, &file.bytes, true).await {
        Ok(report) => report,
        Err(ImportFailed::File(problem)) => {
            let errors = FormErrors::general(import::file_problem_text(ctx.lang, &problem));
            return Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&ctx, errors, String::new())));
        }
        Err(ImportFailed::Error(e)) => return Err(e.into()),
    };
    let pending = if report.writes_anything() {
        let stored = state.blobs.put(file.bytes.clone()).await.map_err(motcua_app::error::AppError::from)?;
        Some((stored.storage_key, stored.sha256))
    } else {
        None
    };
    let mut view = page(&ctx, FormErrors::default(), String::new());
    view.report = Some(report_view(&ctx, &report));
    view.pending = pending;
    Ok(ctx.render(&view))
}

/// A storage key as the attachment store makes them (`ab/cd/abcd…`, 32 hexadecimal digits), so
/// that the form cannot name anything else.
fn is_storage_key(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    matches!(parts.as_slice(), [a, b, id]
        if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            && id.starts_with(&format!("{a}{b}")) && a.len() == 2 && b.len() == 2)
}

/// Imports the previewed file, compared again with the catalog as it is now; then back to the
/// form with the counts (POST, 303, GET).
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Csrf(axum::Form(form)): Csrf<axum::Form<HashMap<String, String>>>,
) -> HttpResult<Response> {
    admin_only(&user)?;
    let key = form.get("pending").map(String::as_str).unwrap_or("");
    let sha = form.get("sha256").map(String::as_str).unwrap_or("");
    let bytes = match is_storage_key(key) {
        true => state.blobs.get(key).await.ok().filter(|b| hex::encode(Sha256::digest(b)) == sha),
        false => None,
    };
    let Some(bytes) = bytes else {
        let errors = FormErrors::general(ctx.t("import-expired"));
        return Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&ctx, errors, String::new())));
    };
    match import::import_catalog(&state, &user, &bytes, false).await {
        Ok(r) => {
            state.blobs.delete(key).await;
            let counts = [r.created.len(), r.versioned.len(), r.unchanged.len(), r.rejected.len()];
            let counts: Vec<String> = counts.iter().map(usize::to_string).collect();
            Ok(Redirect::to(&format!("/quan-tri/nhap-thu-tuc?xong={}", counts.join("-"))).into_response())
        }
        Err(ImportFailed::Error(e)) if e.kind == ErrorKind::Conflict => {
            let errors = FormErrors::general(ctx.t(e.message.unwrap_or(e.kind.message_key())));
            Ok(ctx.render_status(StatusCode::CONFLICT, &page(&ctx, errors, String::new())))
        }
        Err(ImportFailed::File(problem)) => {
            let errors = FormErrors::general(import::file_problem_text(ctx.lang, &problem));
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&ctx, errors, String::new())))
        }
        Err(ImportFailed::Error(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::is_storage_key;

    #[test]
    fn only_keys_the_attachment_store_makes_are_read() {
        let id = "abcd0123456789abcdef0123456789ab";
        assert!(is_storage_key(&format!("ab/cd/{id}")));
        assert!(!is_storage_key(&format!("ab/cd/{}", &id[..31])), "too short");
        assert!(!is_storage_key(&format!("ab/ce/{id}")), "folders from the name");
        assert!(!is_storage_key(&format!("../cd/{id}")));
        assert!(!is_storage_key(&format!("ab/cd/{}", id.to_uppercase())));
        assert!(!is_storage_key(id));
    }
}
