//! The link with the National Public Service Portal (Cổng Dịch vụ công quốc gia): dossiers it
//! hands over (shared/API.md "National portal link"), the tokens other systems call with, and
//! the administrators' view of the status messages going back to it. The sender of those
//! messages is the job module [`crate::jobs::national_sync`].
//!
//! The portal names its fields in Vietnamese (MaHoSo, ChuHoSo, TaiLieuNop, …); errors are
//! keyed by those names, so the portal's operators can find the field at fault.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use motcua_domain::dossier::{AttachmentPurpose, Channel, Role};
use motcua_domain::form::validate_answers;
use motcua_domain::identity::{ApplicantId, Email, FullName, PhoneNumber};
use motcua_store::catalog::Procedure;
use motcua_store::dossiers::{self, Applicant, By, Dossier};
use motcua_store::national_outbox::{self, OutboxMessage, OutboxState};
use motcua_store::system_tokens::{self, Scope, SystemToken};
use motcua_store::users::User;
use motcua_store::StoreError;
use serde_json::{Map, Value};

use crate::attachments::store_uploads;
use crate::dossiers::submit::{owner_of, record, Origin};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::passwords::{random_token, token_hash};
use crate::state::AppState;
use crate::uploads::{Upload, ACCEPTED_TYPES};

/// The start of every system token, so that a bearer token is known for one at a glance (and
/// by secret scanners) without a database read.
pub const TOKEN_PREFIX: &str = "mcs_";

/// Makes a token for another system: the token, shown once, and its stored record's id.
pub async fn add_token(db: &motcua_store::Database, name: &str, scope: Scope) -> AppResult<(String, i64)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::fields([("name".to_string(), "field-required".to_string())].into()));
    }
    let token = format!("{TOKEN_PREFIX}{}", random_token());
    let id = system_tokens::create(db, name, scope, &token_hash(&token), Utc::now()).await?;
    Ok((token, id))
}

/// The system a bearer token belongs to, if it is a live system token.
pub async fn system_of(state: &AppState, bearer: &str) -> AppResult<Option<SystemToken>> {
    if !bearer.starts_with(TOKEN_PREFIX) || bearer.len() > 200 {
        return Ok(None);
    }
    Ok(system_tokens::active_by_hash(&state.db, &token_hash(bearer)).await?)
}

/// A dossier as the portal hands it over, checked: what to store.
#[derive(Clone, Debug)]
pub struct PortalDossier {
    /// The portal's code (MaHoSo).
    pub external_code: String,
    /// The procedure (MaTTHC), as the catalog holds it now.
    pub procedure: Procedure,
    /// The owner (ChuHoSo).
    pub applicant: Applicant,
    /// When it was submitted on the portal (NgayNopHoSo).
    pub submitted_at: DateTime<Utc>,
    /// Form answers (DuLieuToKhai), normalised.
    pub data: Map<String, Value>,
    /// Per file, in the order of the file parts: (digitised, reused, from the national data
    /// store).
    pub flags: Vec<(bool, bool, bool)>,
    /// Whether every fee listed was paid on the portal (DanhSachLePhi).
    pub fees_paid: bool,
}

/// Longest portal code taken.
const MAX_EXTERNAL_CODE: usize = 64;

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// A flag of TaiLieuNop: absent is false; anything but a boolean is refused.
fn flag(entry: &Map<String, Value>, key: &str) -> Result<bool, ()> {
    match entry.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(()),
    }
}

/// The owner's identity number: a 12-digit citizen identity number, or an organisation's tax
/// code.
fn identity_number(raw: &str) -> Option<String> {
    ApplicantId::parse(raw).map(|a| a.as_str().to_string()).ok()
}

/// Checks the part `dossier` against the procedure and the files sent with it: every problem
/// at once, keyed by the portal's field names (`ChuHoSo.SoDinhDanh`, `TaiLieuNop[1].DuocSoHoa`,
/// `DuLieuToKhai.<key>`, a document key for a file part).
pub fn check_portal_dossier(
    state: &AppState,
    dossier: &Value,
    files: &[Upload],
    now: DateTime<Utc>,
) -> Result<PortalDossier, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut err = |k: &str, v: &str| {
        errors.insert(k.to_string(), v.to_string());
    };
    let Some(d) = dossier.as_object() else {
        err("dossier", "field-not-object");
        return Err(errors);
    };
    let external_code = match text(d, "MaHoSo") {
        None => {
            err("MaHoSo", "field-required");
            None
        }
        Some(c)
            if c.chars().count() > MAX_EXTERNAL_CODE
                || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || "._-/".contains(ch)) =>
        {
            err("MaHoSo", "field-not-portal-code");
            None
        }
        Some(c) => Some(c.to_string()),
    };
    let catalog = state.catalog();
    let procedure = match text(d, "MaTTHC") {
        None => {
            err("MaTTHC", "field-required");
            None
        }
        Some(code) => match catalog.get(code) {
            Some(p) => Some(p.clone()),
            None => {
                err("MaTTHC", "field-unknown-procedure");
                None
            }
        },
    };
    match d.get("KenhThucHien") {
        None => err("KenhThucHien", "field-required"),
        Some(v) if v.as_u64().is_some_and(|c| (1..=3).contains(&c)) => {}
        Some(_) => err("KenhThucHien", "field-not-option"),
    }
    let applicant = match d.get("ChuHoSo").and_then(Value::as_object) {
        None => {
            err("ChuHoSo", "field-required");
            None
        }
        Some(owner) => {
            let name = text(owner, "HoVaTen").and_then(|n| FullName::parse(n).ok());
            if name.is_none() {
                err("ChuHoSo.HoVaTen", "field-required");
            }
            let id = match text(owner, "SoDinhDanh") {
                None => {
                    err("ChuHoSo.SoDinhDanh", "field-required");
                    None
                }
                Some(raw) => {
                    let id = identity_number(raw);
                    if id.is_none() {
                        err("ChuHoSo.SoDinhDanh", "field-not-identity-number");
                    }
                    id
                }
            };
            let phone = match text(owner, "SoDienThoai") {
                None => {
                    err("ChuHoSo.SoDienThoai", "field-required");
                    None
                }
                Some(raw) => {
                    let p = PhoneNumber::parse(raw).ok();
                    if p.is_none() {
                        err("ChuHoSo.SoDienThoai", "field-not-phone");
                    }
                    p
                }
            };
            let email = match text(owner, "Email") {
                None => None,
                Some(raw) => {
                    let e = Email::parse(raw).ok();
                    if e.is_none() {
                        err("ChuHoSo.Email", "field-not-email");
                    }
                    e
                }
            };
            let address = text(owner, "DiaChi").map(|a| a.chars().take(500).collect::<String>());
            match (name, id, phone) {
                (Some(n), Some(id), Some(p)) => Some(Applicant {
                    full_name: n.as_str().to_string(),
                    id_number: Some(id),
                    phone: p.as_str().to_string(),
                    email: email.map(|e| e.as_str().to_string()),
                    address,
                    // The portal signed the owner in with VNeID (TaiKhoanDuocXacThucVoiVNeID).
                    verified_by: (owner.get("TaiKhoanDuocXacThucVoiVNeID") == Some(&Value::Bool(true)))
                        .then(|| "vneid".to_string()),
                    organisation_id: None,
                }),
                _ => None,
            }
        }
    };
    let submitted_at = match text(d, "NgayNopHoSo") {
        None => {
            err("NgayNopHoSo", "field-required");
            None
        }
        Some(raw) => match DateTime::parse_from_rfc3339(raw) {
            Ok(t) if t.with_timezone(&Utc) <= now + chrono::Duration::minutes(5) => Some(t.with_timezone(&Utc)),
            Ok(_) => {
                err("NgayNopHoSo", "field-in-future");
                None
            }
            Err(_) => {
                err("NgayNopHoSo", "field-not-datetime");
                None
            }
        },
    };
    let answers = match d.get("DuLieuToKhai") {
        None | Some(Value::Null) => Some(Map::new()),
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => {
            err("DuLieuToKhai", "field-not-json-object");
            None
        }
    };
    let data = match (&procedure, answers) {
        (Some(p), Some(answers)) => match validate_answers(&p.form, &answers) {
            Ok(data) => Some(data),
            Err(e) => {
                for (k, v) in e {
                    err(&format!("DuLieuToKhai.{k}"), crate::dossiers::submit::field_error_key(v));
                }
                None
            }
        },
        _ => None,
    };
    // TaiLieuNop: one entry per file part, matched in order within each document key.
    let mut flags = vec![(false, false, false); files.len()];
    let entries = match d.get("TaiLieuNop") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            err("TaiLieuNop", "field-not-list");
            Vec::new()
        }
    };
    let mut used = vec![false; files.len()];
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("TaiLieuNop[{i}]");
        let Some(entry) = entry.as_object() else {
            err(&at, "field-not-object");
            continue;
        };
        let Some(key) = text(entry, "MaThanhPhanHoSo") else {
            err(&format!("{at}.MaThanhPhanHoSo"), "field-required");
            continue;
        };
        if let Some(p) = &procedure {
            if !p.documents.iter().any(|doc| doc.key == key) {
                err(&format!("{at}.MaThanhPhanHoSo"), "document-unknown");
                continue;
            }
        }
        let mut entry_flags = [false; 3];
        for (n, name) in ["DuocSoHoa", "DuocTaiSuDung", "DuocLayTuKhoDMQG"].iter().enumerate() {
            match flag(entry, name) {
                Ok(b) => entry_flags[n] = b,
                Err(()) => err(&format!("{at}.{name}"), "field-not-boolean"),
            }
        }
        match files.iter().enumerate().position(|(n, f)| !used[n] && f.part == key) {
            Some(n) => {
                used[n] = true;
                flags[n] = (entry_flags[0], entry_flags[1], entry_flags[2]);
            }
            None => err(&at, "document-file-missing"),
        }
    }
    for (n, f) in files.iter().enumerate() {
        if !used[n] {
            err(&f.part, "document-not-listed");
        } else if !ACCEPTED_TYPES.contains(&f.content_type.as_str()) {
            err(&f.part, "document-type");
        }
    }
    if let Some(p) = &procedure {
        for doc in p.documents.iter().filter(|doc| doc.required) {
            if !files.iter().any(|f| f.part == doc.key) {
                errors.entry(doc.key.clone()).or_insert_with(|| "document-required".to_string());
            }
        }
    }
    let mut fees_paid = false;
    match d.get("DanhSachLePhi") {
        None | Some(Value::Null) => {}
        Some(Value::Array(fees)) => {
            fees_paid = !fees.is_empty();
            for (i, fee) in fees.iter().enumerate() {
                let at = format!("DanhSachLePhi[{i}]");
                let Some(fee) = fee.as_object() else {
                    errors.insert(at, "field-not-object".into());
                    continue;
                };
                if fee.get("SoTien").and_then(Value::as_i64).is_none_or(|v| v < 0) {
                    errors.insert(format!("{at}.SoTien"), "field-not-amount".into());
                }
                match flag(fee, "DaThanhToan") {
                    Ok(paid) => fees_paid &= paid,
                    Err(()) => {
                        errors.insert(format!("{at}.DaThanhToan"), "field-not-boolean".into());
                    }
                }
            }
        }
        Some(_) => {
            errors.insert("DanhSachLePhi".into(), "field-not-list".into());
        }
    }
    match (external_code, procedure, applicant, submitted_at, data) {
        (Some(external_code), Some(p), Some(applicant), Some(submitted_at), Some(data)) if errors.is_empty() => {
            Ok(PortalDossier { external_code, procedure: p, applicant, submitted_at, data, flags, fees_paid })
        }
        _ => Err(errors),
    }
}

/// Takes a dossier the portal hands over: checked in full, its files stored like any upload,
/// then recorded as submitted through the national portal, waiting for reception like any
/// online dossier. The same portal code again answers the dossier already taken, `false`
/// meaning nothing new was stored.
pub async fn intake(
    state: &AppState,
    system: &SystemToken,
    dossier: Option<&str>,
    files: Vec<Upload>,
) -> AppResult<(Dossier, bool)> {
    let dossier: Value = match dossier.map(serde_json::from_str::<Value>) {
        Some(Ok(v @ Value::Object(_))) => v,
        _ => return Err(AppError::fields([("dossier".to_string(), "field-not-object".to_string())].into())),
    };
    if let Some(code) = dossier.get("MaHoSo").and_then(Value::as_str) {
        if let Some(existing) = existing(state, code.trim()).await? {
            return Ok((existing, false));
        }
    }
    let checked = check_portal_dossier(state, &dossier, &files, Utc::now()).map_err(AppError::fields)?;
    let mut attachments = store_uploads(state, &files, AttachmentPurpose::Document, false).await?;
    for (a, (digitized, reused, from_store)) in attachments.iter_mut().zip(&checked.flags) {
        a.digitized = *digitized;
        a.reused = *reused;
        a.from_citizen_store = *from_store;
    }
    let mut applicant = checked.applicant;
    let account = owner_of(state, &mut applicant).await?;
    let origin = Origin {
        channel: Channel::NationalPortal,
        external_code: Some(checked.external_code.clone()),
        fee_paid_at: checked.fees_paid.then_some(checked.submitted_at),
        idempotency: None,
    };
    let by = By { user_id: None, name: system.name.clone() };
    match record(state, by, account, applicant, origin, &checked.procedure, checked.data, attachments).await {
        Ok(d) => Ok((d, true)),
        // Another call with the same portal code was first: its dossier is the answer.
        Err(e) if e.kind == ErrorKind::Conflict => match existing(state, &checked.external_code).await? {
            Some(d) => Ok((d, false)),
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

async fn existing(state: &AppState, external_code: &str) -> AppResult<Option<Dossier>> {
    match dossiers::by_external_code(&state.db, external_code).await {
        Ok(d) => Ok(Some(d)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Who may read the outbox and send a message again: a system with the integration scope, or
/// an administrator.
pub fn may_read_outbox(user: Option<&User>, system: Option<&SystemToken>) -> bool {
    system.is_some_and(|s| s.scope == Scope::Integration) || user.is_some_and(|u| u.has(Role::Admin))
}

/// A page of the outbox, newest first.
pub async fn outbox(
    state: &AppState,
    user: Option<&User>,
    system: Option<&SystemToken>,
    filter: Option<OutboxState>,
    page: i64,
    per_page: i64,
) -> AppResult<(Vec<OutboxMessage>, i64)> {
    if !may_read_outbox(user, system) {
        return Err(AppError::not_found());
    }
    Ok(national_outbox::list(&state.db, filter, page, per_page).await?)
}

/// Sends an unsent message again now (an administrator, once the cause is mended).
pub async fn send_again(state: &AppState, user: &User, id: i64) -> AppResult<()> {
    if !user.has(Role::Admin) {
        return Err(AppError::not_found());
    }
    Ok(national_outbox::send_again(&state.db, id, Utc::now()).await?)
}

/// A dossier as a system sees it: everything but actions (a system takes none).
pub async fn view_for_system(state: &AppState, d: Dossier) -> AppResult<crate::dossiers::view::DossierView> {
    crate::dossiers::view::assemble(state, d, &motcua_domain::actor::Actor::Stranger).await
}

/// A result file of a dossier the portal follows, for the portal to fetch (the addresses in
/// DanhSachGiayToKetQua): only result files, only of dossiers whose status goes to the portal.
pub async fn result_file(
    state: &AppState,
    code: &str,
    attachment_id: &str,
) -> AppResult<(motcua_store::dossiers::Attachment, bytes::Bytes)> {
    if attachment_id.len() != 32 || !attachment_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::not_found());
    }
    let a = dossiers::attachment(&state.db, attachment_id).await?;
    let d = dossiers::by_id(&state.db, a.dossier_id).await?;
    if d.code != code || a.purpose != AttachmentPurpose::Result || !state.db.national_sync().covers(d.channel) {
        return Err(AppError::not_found());
    }
    let bytes = state.blobs.get(&a.storage_key).await?;
    Ok((a, bytes))
}

/// Subscribes a system to events: the secret that signs its deliveries, shown once, and the
/// subscription's id.
pub async fn add_webhook(
    db: &motcua_store::Database,
    name: &str,
    url: &str,
    events: &[&str],
) -> AppResult<(String, i64)> {
    let mut errors = BTreeMap::new();
    if name.trim().is_empty() || name.chars().count() > 100 {
        errors.insert("name".to_string(), "field-required".to_string());
    }
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => {}
        _ => {
            errors.insert("url".to_string(), "field-not-url".to_string());
        }
    }
    if events.is_empty() || events.iter().any(|e| !motcua_store::webhooks::EVENTS.contains(e)) {
        errors.insert("events".to_string(), "field-not-option".to_string());
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let secret = random_token();
    let id = motcua_store::webhooks::subscribe(db, name.trim(), url, &secret, events, Utc::now()).await?;
    Ok((secret, id))
}
