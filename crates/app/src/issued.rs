//! Forms as issued (DESIGN.md section 6): a legal form is rendered once, when the act it records
//! happens (reception → receipt 01, supplement request → 02, refusal → 03, reschedule → 04,
//! withdrawal of a received dossier → stop notice 05), PAdES-signed by the agency of the officer
//! who acted, stored with its SHA-256, and every download serves those bytes. A later act never
//! rewrites an issued form: a reschedule issues a new 04, the receipt keeps its appointment.
//!
//! A dossier acted on before forms were kept (or whose form could not be issued at the act, the
//! server stopping in between) gets its form issued at its first download, from the dossier as it
//! then is, and kept from then on.

use chrono::{DateTime, Utc};
use motcua_domain::dossier::{Action, Role};
use motcua_render::FormKind;
use motcua_store::catalog::Agency;
use motcua_store::dossiers::Event;
use motcua_store::issued_forms::{self, IssuedForm};
use motcua_store::users::User;

use crate::dossiers::view::DossierView;
use crate::error::{AppError, AppResult};
use crate::pki::PdfSignature;
use crate::state::AppState;

/// The form an action issues, if any.
pub fn form_of_action(action: Action, v: &DossierView) -> Option<FormKind> {
    match action {
        Action::Receive => Some(FormKind::Receipt),
        Action::RequestSupplement => Some(FormKind::SupplementRequest),
        Action::Refuse if v.dossier.received_at.is_some() => Some(FormKind::AppraisalRefusal),
        Action::Refuse => Some(FormKind::Refusal),
        Action::Reschedule => Some(FormKind::Apology),
        Action::Stop => Some(FormKind::StopNotice),
        _ => None,
    }
}

/// The history action a form records.
fn action_of_form(kind: FormKind) -> Option<Action> {
    Some(match kind {
        FormKind::Receipt => Action::Receive,
        FormKind::SupplementRequest => Action::RequestSupplement,
        FormKind::Refusal | FormKind::AppraisalRefusal => Action::Refuse,
        FormKind::Apology => Action::Reschedule,
        FormKind::StopNotice => Action::Stop,
        FormKind::ControlSlip
        | FormKind::Register
        | FormKind::FeeReceipt
        | FormKind::Ii06a
        | FormKind::OfficialDocument
        | FormKind::IncomingRegister
        | FormKind::OutgoingRegister => return None,
    })
}

/// Who issues a form: the agency whose certificate signs it, the name on the signature, and the
/// centre or agency whose one-stop desk issued it when it is a form of reception.
struct IssuedBy {
    agency: String,
    signer: String,
    desk: Option<Agency>,
}

/// The centre or agency whose one-stop desk `user` works at, if they receive dossiers there.
fn desk_of(state: &AppState, user: &User) -> Option<Agency> {
    if !user.has(Role::Reception) {
        return None;
    }
    state.catalog().agencies.get(user.agency_code.as_deref()?).cloned()
}

/// Issues the form that `action`, just recorded by `officer`, gives rise to, from the dossier as
/// the act left it. The act is recorded whatever happens here: a form that cannot be issued now
/// is logged and issued at its first download.
pub async fn issue_after_act(state: &AppState, officer: &User, action: Action, v: &DossierView) {
    let Some(kind) = form_of_action(action, v) else { return };
    let Some(event) = v.history.last().filter(|e| e.action == action.as_str()) else { return };
    // Every act that issues a form is an officer's: they sign for their unit.
    let Some(agency) = officer.agency_code.clone().filter(|_| officer.is_officer()) else { return };
    let by = IssuedBy { agency, signer: officer.full_name.clone(), desk: desk_of(state, officer) };
    if let Err(e) = issue(state, officer, v, kind, event, by).await {
        tracing::error!(dossier = %v.dossier.code, form = kind.key(), "the form could not be issued at the act: {e:?}");
    }
}

/// Renders, signs, stores and records a form of `v` for `event`.
async fn issue(
    state: &AppState,
    viewer: &User,
    v: &DossierView,
    kind: FormKind,
    event: &Event,
    by: IssuedBy,
) -> AppResult<IssuedForm> {
    let at = Utc::now();
    // The apology and the stop notice are the agency's own documents: numbered in its register
    // and signed by its head (for an apology, the head of the agency at fault, Art. 19.9).
    let document = match kind {
        FormKind::Apology | FormKind::StopNotice | FormKind::AppraisalRefusal => {
            let agency =
                state.catalog().agencies.get(&by.agency).cloned().unwrap_or_else(|| v.procedure.agency.clone());
            Some(crate::forms::agency_document(state, kind, &agency, &by.signer, at).await?)
        }
        _ => None,
    };
    let pdf = crate::forms::dossier_form(state, viewer, v, kind, by.desk.as_ref(), document.as_ref())?;
    let signer = document.as_ref().map_or(by.signer.as_str(), |doc| doc.signer.name.as_str());
    let (bytes, signed) = sign(state, &by.agency, signer, &v.dossier.code, kind, pdf, at).await?;
    keep(state, v.dossier.id, event.id, kind, bytes, at, signed).await
}

/// Stores an issued form's bytes and records them as the form of `kind` for `event_id`, once:
/// when another request issued it meanwhile, that one is the form and these bytes go.
pub(crate) async fn keep(
    state: &AppState,
    dossier_id: i64,
    event_id: i64,
    kind: FormKind,
    bytes: Vec<u8>,
    at: DateTime<Utc>,
    signed: bool,
) -> AppResult<IssuedForm> {
    let blob = state.blobs.put(bytes::Bytes::from(bytes)).await?;
    let recorded = issued_forms::record(&state.db, dossier_id, Some(event_id), kind.key(), &blob, at, signed).await;
    match recorded {
        Ok(form) => {
            if form.blob.storage_key != blob.storage_key {
                // Issued meanwhile by another request: that one is the form.
                state.blobs.delete(&blob.storage_key).await;
            }
            Ok(form)
        }
        Err(e) => {
            state.blobs.delete(&blob.storage_key).await;
            Err(e.into())
        }
    }
}

/// The register of the officer's desk for a period (`forms::register`), signed by the desk's
/// agency at the time of the export.
pub async fn register_pdf(
    state: &AppState,
    user: &User,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> AppResult<Vec<u8>> {
    let (pdf, agency, at) = crate::forms::register(state, user, from, to).await?;
    let about = format!("{from} – {to}");
    let (bytes, _) = sign(state, &agency, &user.full_name, &about, FormKind::Register, pdf, at).await?;
    Ok(bytes)
}

/// `pdf` PAdES-signed by `agency` in the name of `officer`, its stamp in the form's signer's
/// block, and whether it was: an agency without a certificate issues its forms unsigned (and the
/// log says so once). `about`: the dossier's code, or what else the form is of (the register's
/// period), for the signature's reason.
pub(crate) async fn sign(
    state: &AppState,
    agency: &str,
    officer: &str,
    about: &str,
    kind: FormKind,
    pdf: motcua_render::FormPdf,
    at: DateTime<Utc>,
) -> AppResult<(Vec<u8>, bool)> {
    let Some(signer) = state.config.signers.get_or_warn(agency) else { return Ok((pdf.into_bytes(), false)) };
    let catalog = state.catalog();
    let agency_name = catalog.agencies.get(agency).map(|a| a.name.clone()).unwrap_or_else(|| agency.to_string());
    let signature = PdfSignature {
        signer,
        officer: officer.to_string(),
        agency: agency_name,
        reason: match kind {
            FormKind::Register
            | FormKind::Ii06a
            | FormKind::OfficialDocument
            | FormKind::IncomingRegister
            | FormKind::OutgoingRegister => format!("{} — {about}", kind.title()),
            _ => format!("{} — hồ sơ {about}", kind.title()),
        },
        location: state.config.place.clone(),
        contact: state.config.verify_url("").trim_end_matches('/').to_string(),
        at,
        timestamp_authority: state.config.timestamp_authority.clone(),
    };
    let signed = tokio::task::spawn_blocking(move || signature.sign(&pdf, pdf.signature_box))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::signing)?;
    Ok((signed, true))
}

/// A form of a dossier as its bytes: the form as issued for 01–05 (issued now if the dossier has
/// none yet), the control slip as it stands today, signed at this moment.
pub async fn form_pdf(state: &AppState, viewer: &User, v: &DossierView, kind: FormKind) -> AppResult<Vec<u8>> {
    let Some(action) = action_of_form(kind) else {
        let pdf = crate::forms::dossier_form(state, viewer, v, kind, None, None)?;
        let agency = viewer.agency_code.clone().unwrap_or_else(|| v.procedure.agency.code.clone());
        let (bytes, _) = sign(state, &agency, &viewer.full_name, &v.dossier.code, kind, pdf, Utc::now()).await?;
        return Ok(bytes);
    };
    // A refusal is the desk's form at reception and the deciding agency's after it: only the
    // one its act issued exists.
    if form_of_action(action, v) != Some(kind) {
        return Err(AppError::with(crate::error::ErrorKind::NotFound, "error-form-not-available"));
    }
    let form = match issued_forms::latest(&state.db, v.dossier.id, kind.key()).await? {
        Some(form) => form,
        None => {
            let event = v
                .last_event(&[action])
                .ok_or_else(|| AppError::with(crate::error::ErrorKind::NotFound, "error-form-not-available"))?;
            // Issued late: in the name of the officer who acted, the desk's forms under the desk
            // of the one who acted — or, the account unknown (an imported history), the desk
            // whose register holds the dossier; the stop notice by the agency that decided.
            let actor = match event.actor_user_id {
                Some(id) => motcua_store::users::user(&state.db, id).await.ok(),
                None => None,
            };
            let deciding = actor
                .as_ref()
                .filter(|u| matches!(kind, FormKind::StopNotice | FormKind::AppraisalRefusal) && u.is_officer());
            let desk = match &actor {
                Some(u) => desk_of(state, u),
                None => v.dossier.register_desk.as_ref().and_then(|c| state.catalog().agencies.get(c).cloned()),
            };
            let agency = match deciding {
                Some(u) => u.agency_code.clone(),
                // The receipt is the desk's own paper, signed by the desk's agency.
                None => desk.as_ref().filter(|_| kind == FormKind::Receipt).map(|d| d.code.clone()),
            };
            let by = IssuedBy {
                agency: agency.unwrap_or_else(|| v.procedure.agency.code.clone()),
                signer: event.actor_name.clone(),
                desk,
            };
            issue(state, viewer, v, kind, event, by).await?
        }
    };
    Ok(state.blobs.get(&form.blob.storage_key).await?.to_vec())
}
