//! The exchange between agencies in the edXML format of QCVN 102:2016
//! ([`motcua_domain::edxml`]; issue 15 point 3).
//!
//! Inside motcua, dispatching an issued document sends one document package to each recipient
//! agency ([`dispatch`]): it arrives in that agency's incoming register as a package, and the
//! sender is told 01 (arrived). Each later step on the incoming copy reports its status back
//! (03 taken up, 04 assigned, 05 first progress, 06 completed) in the transaction of the step,
//! and a recall (13) is answered at once: 15, the copy withdrawn, unless it was already
//! completed, 16.
//!
//! Other systems post packages to `POST /api/v1/edxml/packages` with a system token
//! ([`receive`]): a document package addressed to an agency served here, whole (each attachment
//! matching its digest, each signed PDF's signatures intact), is registered there once however
//! often it comes, and answered 01; anything else is answered 02 with the reason. A recall (13)
//! of a document they sent is answered 15 or 16.

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::edxml::{
    identify, DocumentPackage, EdxmlError, OrganId, Organisation, Package, Priority, ResponseFor, SignerInfo,
    StaffInfo, StatusCode, StatusPackage, SteeringType, Trace,
};
use motcua_domain::office::{Confidentiality, DocumentType, Register};
use motcua_signing::validate::{validate_pdf, Coverage, Integrity};
use motcua_store::edxml::{self as store, Arrival, Direction, NewPackage};
use motcua_store::office::{Actor, Document, NewDocument, NewOfficeAttachment, OfficeAttachment};
use motcua_store::system_tokens::SystemToken;
use motcua_store::StoreError;

use crate::error::{AppError, AppResult, ErrorKind};
use crate::i18n::Lang;
use crate::state::AppState;

/// The organisation an agency of the catalog is in a package: its code is its QCVN 102 id.
/// `None` for an agency whose code is not of that form (it cannot be addressed by the exchange).
pub fn organisation_of(state: &AppState, agency: &str) -> Option<Organisation> {
    let id = OrganId::parse(agency)?;
    let name = state.catalog().agencies.get(agency).map(|a| a.name.clone())?;
    Some(Organisation { id, name })
}

/// The end of office hours (17:00 in Vietnam) of a date, as a deadline.
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_hms_opt(17, 0, 0).unwrap_or_default();
    (local - chrono::Duration::hours(7)).and_utc()
}

/// The office's type of a document named in a package (`Quyết định`), by its name; a type the
/// office does not list (a `Chỉ thị`) is registered as a công văn, its subject unchanged.
fn document_type(name: &str) -> DocumentType {
    let folded = motcua_domain::text::fold(name.trim());
    DocumentType::ALL
        .into_iter()
        .find(|t| motcua_domain::text::fold(t.name_vi()) == folded)
        .unwrap_or(DocumentType::OfficialLetter)
}

/// The document package that carries issued document `d` to `to`, with `files`.
fn package_of(
    state: &AppState,
    d: &Document,
    from: Organisation,
    to: Organisation,
    files: &[(OfficeAttachment, Bytes)],
    now: DateTime<Utc>,
) -> DocumentPackage {
    let symbol = d.symbol.clone().unwrap_or_else(|| d.id.to_string());
    let (number, notation) = match symbol.split_once('/') {
        Some((n, k)) => (n.to_string(), k.to_string()),
        None => (symbol.clone(), String::new()),
    };
    let date = d.issued_on.unwrap_or_else(|| now.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive());
    let (competence, position) = split_authority(d.signer_title.as_deref().unwrap_or_default());
    DocumentPackage {
        document_id: DocumentPackage::document_id_of(&from.id, date, &symbol),
        trace: vec![Trace { organ_id: from.id.clone(), at: now }],
        from,
        to: vec![to],
        code_number: number,
        code_notation: notation,
        place: state.config.place.clone(),
        promulgation_date: date,
        type_name: d.doc_type.name_vi().to_string(),
        subject: d.subject.clone(),
        content: None,
        signer: SignerInfo { competence, position, full_name: d.signer_name.clone().unwrap_or_default() },
        due_date: d.due_at.map(|t| t.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive()),
        priority: Priority::of(d.urgency),
        steering: if d.due_at.is_some() { SteeringType::Steering } else { SteeringType::Ordinary },
        attachments: files
            .iter()
            .map(|(a, bytes)| motcua_domain::edxml::Attachment {
                content_id: format!("{}@motcua", a.id),
                name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                description: String::new(),
                bytes: bytes.to_vec(),
            })
            .collect(),
    }
}

/// A signer's title split into its authority marker and position (`KT. GIÁM ĐỐC / PHÓ GIÁM
/// ĐỐC` → `KT. GIÁM ĐỐC`, `PHÓ GIÁM ĐỐC`); a title without a marker is all position.
fn split_authority(title: &str) -> (String, String) {
    let title = title.trim();
    let marked = ["TM.", "KT.", "Q.", "TL.", "TUQ."].iter().any(|m| title.to_uppercase().starts_with(m));
    match title.split_once('/') {
        Some((a, p)) if marked => (a.trim().to_string(), p.trim().to_string()),
        _ => (String::new(), title.to_string()),
    }
}

/// Sends issued document `d` to the agencies of `arrivals` (the incoming documents it becomes
/// there, with their files) as edXML packages, in the transaction that marks it dispatched; the
/// ids of the incoming documents. Falls back to the plain arrival when an agency's code cannot
/// be a QCVN 102 id.
pub(crate) async fn dispatch(
    state: &AppState,
    d: &Document,
    arrivals: Vec<NewDocument>,
    by: &Actor,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Vec<i64>> {
    let from = organisation_of(state, &d.agency_code);
    let recipients: Option<Vec<Organisation>> =
        arrivals.iter().map(|a| organisation_of(state, &a.agency_code)).collect();
    let (Some(from), Some(recipients)) = (from, recipients) else {
        return Ok(motcua_store::office::dispatch(&state.db, d.id, d.revision, &arrivals, by, note, now).await?);
    };
    // The files each package carries: those the arrivals take, with their bytes.
    let all = motcua_store::office::attachments(&state.db, d.id).await?;
    let mut files = Vec::new();
    for f in arrivals.first().map(|a| a.attachments.as_slice()).unwrap_or_default() {
        if let Some(a) = all.iter().find(|a| a.storage_key == f.blob.storage_key) {
            files.push((a.clone(), state.blobs.get(&a.storage_key).await?));
        }
    }
    let mut packages = Vec::with_capacity(arrivals.len());
    let mut stored = Vec::new();
    for (document, to) in arrivals.into_iter().zip(recipients) {
        let package = package_of(state, d, from.clone(), to.clone(), &files, now);
        let blob = state.blobs.put(Bytes::from(package.to_xml())).await.map_err(AppError::internal)?;
        stored.push(blob.storage_key.clone());
        packages.push(Arrival {
            document,
            package: NewPackage {
                document_id: package.document_id.clone(),
                direction: Direction::Internal,
                from: (from.id.to_string(), from.name.clone()),
                to: (to.id.to_string(), to.name),
                outgoing_document_id: Some(d.id),
                blob,
            },
        });
    }
    match store::dispatch(&state.db, d.id, d.revision, &packages, by, note, now).await {
        Ok(ids) => Ok(ids),
        Err(e) => {
            for key in stored {
                state.blobs.delete(&key).await;
            }
            Err(e.into())
        }
    }
}

/// One recipient's answers to a package: who, and each status oldest first.
#[derive(Clone, Debug)]
pub struct RecipientStatuses {
    /// The package's `DocumentId`.
    pub document_id: String,
    /// The recipient's organisation id.
    pub organ_id: String,
    /// The recipient's name.
    pub name: String,
    /// What it answered, oldest first (a recall's request 13 among them).
    pub statuses: Vec<store::Status>,
}

impl RecipientStatuses {
    /// The latest answer.
    pub fn latest(&self) -> Option<&store::Status> {
        self.statuses.last()
    }
}

async fn answers(state: &AppState, packages: Vec<store::Package>) -> AppResult<Vec<RecipientStatuses>> {
    let mut out = Vec::with_capacity(packages.len());
    for p in packages {
        out.push(RecipientStatuses {
            statuses: store::statuses(&state.db, p.id).await?,
            document_id: p.document_id,
            organ_id: p.to_organ,
            name: p.to_name,
        });
    }
    Ok(out)
}

/// How a document stands in the exchange, for its page.
#[derive(Clone, Debug, Default)]
pub struct ExchangeView {
    /// An outgoing document: each recipient's answers.
    pub recipients: Vec<RecipientStatuses>,
    /// An incoming document: the package it arrived in (`None`: on paper, or typed in).
    pub arrived_in: Option<store::Package>,
}

/// How document `d`, which the viewer may see, stands in the exchange.
pub async fn exchange_of(state: &AppState, d: &Document) -> AppResult<ExchangeView> {
    Ok(match d.register {
        Register::Outgoing => ExchangeView {
            recipients: answers(state, store::of_outgoing(&state.db, d.id).await?).await?,
            arrived_in: None,
        },
        Register::Incoming => {
            ExchangeView { recipients: vec![], arrived_in: store::by_incoming(&state.db, d.id).await? }
        }
    })
}

/// What each recipient answered to the packages of outgoing document `d`, which the caller may
/// see (`office::view` said so): 404 for an incoming document, and for one not sent as packages.
pub async fn statuses_of_sent(state: &AppState, d: &Document) -> AppResult<Vec<RecipientStatuses>> {
    if d.register != Register::Outgoing {
        return Err(AppError::not_found());
    }
    let list = answers(state, store::of_outgoing(&state.db, d.id).await?).await?;
    if list.is_empty() {
        return Err(AppError::not_found());
    }
    Ok(list)
}

/// What each recipient answered to a package, for an integrated system: `key` is the id of the
/// outgoing document, or the package's `DocumentId` (a document the system sent us, too).
pub async fn statuses_for_system(state: &AppState, key: &str) -> AppResult<Vec<RecipientStatuses>> {
    let packages = match key.parse::<i64>() {
        Ok(id) => store::of_outgoing(&state.db, id).await?,
        Err(_) => store::by_document_id(&state.db, key).await?,
    };
    if packages.is_empty() {
        return Err(AppError::not_found());
    }
    answers(state, packages).await
}

/// Why a package is refused (02), in words for its sender.
fn reason(e: &EdxmlError) -> String {
    Lang::Vi.t_args(&format!("edxml-refused-{}", e.code().replace('_', "-")), &[("subject", &e.subject())])
}

/// The words of a status code, as the status package says them when nothing more is said.
pub fn status_words(code: StatusCode, lang: Lang) -> String {
    lang.t(&format!("edxml-status-{}", code.as_code()))
}

/// The organisation that speaks for this installation where no agency of its is addressed
/// (the refusal of a package meant for someone else): the first agency of the catalog by code,
/// the province's people's committee in the demo.
fn installation(state: &AppState) -> Organisation {
    let catalog = state.catalog();
    let mut codes: Vec<&String> = catalog.agencies.keys().filter(|c| OrganId::parse(c).is_some()).collect();
    codes.sort();
    codes.first().and_then(|c| organisation_of(state, c)).unwrap_or_else(|| Organisation {
        id: OrganId::parse("000.00.00.H00").expect("a valid id"),
        name: String::new(),
    })
}

/// A status package from `from` about the document `response_for` names.
fn status(
    response_for: ResponseFor,
    from: Organisation,
    to: Option<OrganId>,
    code: StatusCode,
    description: String,
    at: DateTime<Utc>,
) -> StatusPackage {
    let staff = StaffInfo { department: from.name.clone(), ..StaffInfo::default() };
    StatusPackage { response_for, from, to, code, description, timestamp: at, staff }
}

/// Refuses a package that did not parse (02): addressed back to its sender when the package
/// names one; 400 when it does not even say who sent it.
fn refuse_unparsed(state: &AppState, xml: &[u8], e: &EdxmlError) -> AppResult<StatusPackage> {
    let id = identify(xml).unwrap_or_default();
    let sender = id
        .from
        .as_deref()
        .and_then(OrganId::parse)
        .ok_or_else(|| AppError::fields([("From/OrganId".to_string(), "edxml-no-sender".to_string())].into()))?;
    let response_for = ResponseFor {
        organ_id: sender,
        code: id.code.unwrap_or_default(),
        promulgation_date: None,
        document_id: id.document_id.unwrap_or_default(),
    };
    Ok(status(response_for, installation(state), None, StatusCode::Rejected, reason(e), Utc::now()))
}

/// The `ResponseFor` of a document package.
fn response_for(p: &DocumentPackage) -> ResponseFor {
    ResponseFor {
        organ_id: p.from.id.clone(),
        code: p.symbol(),
        promulgation_date: Some(p.promulgation_date),
        document_id: p.document_id.clone(),
    }
}

/// The signed PDFs among a package's attachments whose signatures do not hold: a signature
/// whose bytes changed, whose value does not verify, or that covers nothing. A PDF without a
/// signature, or signed by a certificate that does not chain to the trust roots here, is not
/// refused: the exchange carries documents of agencies whose CAs this installation may not know.
async fn broken_signatures(state: &AppState, p: &DocumentPackage) -> AppResult<Option<String>> {
    for a in &p.attachments {
        if crate::uploads::sniff(&a.bytes) != Some("application/pdf") {
            continue;
        }
        let (pdf, trust) = (a.bytes.clone(), state.config.trust.clone());
        let reports = tokio::task::spawn_blocking(move || validate_pdf(&pdf, &trust, Utc::now()))
            .await
            .map_err(AppError::internal)?;
        let broken = reports.iter().any(|r| {
            r.coverage == Coverage::Invalid
                || matches!(r.integrity, Integrity::DigestMismatch | Integrity::BadSignature | Integrity::Malformed(_))
        });
        if broken {
            return Ok(Some(a.name.clone()));
        }
    }
    Ok(None)
}

/// Takes a package another system posts (a system token): a document package is validated and
/// registered in the agencies it is addressed to here, once, and answered 01 (the same answer
/// when it comes again); a recall (13) of a document it sent is answered 15 or 16; anything
/// refused is answered 02 with the reason. Bytes that are not XML at all are a bad request.
pub async fn receive(state: &AppState, system: &SystemToken, xml: &[u8]) -> AppResult<StatusPackage> {
    match Package::parse(xml) {
        Err(EdxmlError::NotXml(_)) => Err(AppError::with(ErrorKind::BadRequest, "edxml-not-xml")),
        Err(e) => refuse_unparsed(state, xml, &e),
        Ok(Package::Document(p)) => receive_document(state, system, xml, p).await,
        Ok(Package::Status(s)) => receive_status(state, s).await,
    }
}

async fn receive_document(
    state: &AppState,
    system: &SystemToken,
    xml: &[u8],
    p: DocumentPackage,
) -> AppResult<StatusPackage> {
    let catalog = state.catalog();
    let ours: Vec<Organisation> = match p.addressed_to(|id| catalog.agencies.contains_key(id.as_str())) {
        Ok(list) => list.into_iter().cloned().collect(),
        Err(e) => {
            return Ok(status(
                response_for(&p),
                installation(state),
                None,
                StatusCode::Rejected,
                reason(&e),
                Utc::now(),
            ))
        }
    };
    // The recipient's own name for itself, not the sender's.
    let ours: Vec<Organisation> = ours.into_iter().filter_map(|o| organisation_of(state, o.id.as_str())).collect();
    let first = ours.first().cloned().ok_or_else(AppError::not_found)?;
    if let Some(file) = broken_signatures(state, &p).await? {
        let why = Lang::Vi.t_args("edxml-refused-signature", &[("subject", &file)]);
        return Ok(status(response_for(&p), first, None, StatusCode::Rejected, why, Utc::now()));
    }
    let mut new = Vec::new();
    for o in &ours {
        if store::find(&state.db, &p.document_id, o.id.as_str()).await?.is_none() {
            new.push(o.clone());
        }
    }
    if !new.is_empty() {
        register(state, system, xml, &p, &new).await?;
    }
    // The answer: the first agency's 01, as recorded when the package was first taken.
    let package = store::find(&state.db, &p.document_id, first.id.as_str()).await?.ok_or_else(AppError::not_found)?;
    let at = store::statuses(&state.db, package.id)
        .await?
        .iter()
        .find(|s| s.code == StatusCode::Received)
        .map(|s| s.at)
        .unwrap_or(package.received_at);
    Ok(status(response_for(&p), first, None, StatusCode::Received, status_words(StatusCode::Received, Lang::Vi), at))
}

/// Registers package `p` in each agency of `to`: its files and XML stored once, then for each
/// agency the incoming document, the package and its 01 in one transaction.
async fn register(
    state: &AppState,
    system: &SystemToken,
    xml: &[u8],
    p: &DocumentPackage,
    to: &[Organisation],
) -> AppResult<()> {
    let package_blob = state.blobs.put(Bytes::copy_from_slice(xml)).await.map_err(AppError::internal)?;
    let mut files = Vec::new();
    for a in &p.attachments {
        let blob = state.blobs.put(Bytes::from(a.bytes.clone())).await.map_err(AppError::internal)?;
        let content_type = crate::uploads::sniff(&a.bytes).unwrap_or("application/octet-stream").to_string();
        files.push(NewOfficeAttachment {
            purpose: "original",
            file_name: a.name.clone(),
            content_type,
            blob,
            signed: false,
        });
    }
    let by = Actor { user_id: None, name: system.name.clone() };
    let now = Utc::now();
    for o in to {
        let arrival = Arrival {
            document: NewDocument {
                agency_code: o.id.to_string(),
                register: Register::Incoming,
                doc_type: document_type(&p.type_name),
                symbol: Some(p.symbol()),
                subject: p.subject.clone(),
                issuer: if p.from.name.is_empty() { p.from.id.to_string() } else { p.from.name.clone() },
                issued_on: Some(p.promulgation_date),
                due_at: p.due_date.map(end_of),
                urgency: p.priority.urgency(),
                confidentiality: Confidentiality::Normal,
                body: None,
                recipients: vec![],
                signer_name: None,
                signer_title: None,
                digitized: false,
                source_document_id: None,
                attachments: files.clone(),
            },
            package: NewPackage {
                document_id: p.document_id.clone(),
                direction: Direction::Received,
                from: (p.from.id.to_string(), p.from.name.clone()),
                to: (o.id.to_string(), o.name.clone()),
                outgoing_document_id: None,
                blob: package_blob.clone(),
            },
        };
        store::receive(&state.db, &arrival, &by, now).await?;
    }
    Ok(())
}

/// A status another system sends: its recall (13) of a document it sent to an agency here is
/// answered at once, 15 (withdrawn) or 16 (already handled). Statuses about documents our
/// agencies sent are recorded by this installation itself as its agencies act, so one from
/// outside is refused, as is a status about a document unknown here.
async fn receive_status(state: &AppState, s: StatusPackage) -> AppResult<StatusPackage> {
    let now = Utc::now();
    let refuse = |key: &str, from: Organisation| {
        let why = Lang::Vi.t(key);
        Ok(status(s.response_for.clone(), from, Some(s.from.id.clone()), StatusCode::Rejected, why, now))
    };
    let packages = match store::by_document_id(&state.db, &s.response_for.document_id).await {
        Ok(list) => list,
        Err(StoreError::NotFound) => vec![],
        Err(e) => return Err(e.into()),
    };
    if s.code != StatusCode::RecallRequest {
        let served_here = packages.iter().any(|p| p.to_organ == s.from.id.as_str());
        let key = if served_here { "edxml-refused-served-here" } else { "edxml-refused-unknown-document" };
        return refuse(key, installation(state));
    }
    // A recall comes from the document's sender, about the copies it sent us.
    if s.response_for.organ_id != s.from.id {
        return refuse("edxml-refused-unknown-document", installation(state));
    }
    let copies: Vec<store::Package> = packages
        .into_iter()
        .filter(|p| p.direction == Direction::Received && p.from_organ == s.from.id.as_str())
        .filter(|p| s.to.as_ref().is_none_or(|to| to.as_str() == p.to_organ))
        .collect();
    let Some(first) = copies.first() else { return refuse("edxml-refused-unknown-document", installation(state)) };
    let requested_by = if s.staff.staff.is_empty() { s.from.name.clone() } else { s.staff.staff.clone() };
    let mut answer = StatusCode::RecallAccepted;
    for p in &copies {
        let a = store::recall_received(&state.db, p, &s.description, &requested_by, now).await?;
        if p.id == first.id {
            answer = a;
        }
    }
    let from = organisation_of(state, &first.to_organ).unwrap_or_else(|| installation(state));
    Ok(status(s.response_for.clone(), from, Some(s.from.id.clone()), answer, status_words(answer, Lang::Vi), now))
}

#[cfg(test)]
mod tests {
    use super::{document_type, split_authority};
    use motcua_domain::office::DocumentType;

    #[test]
    fn a_package_names_the_type_and_the_signers_authority() {
        assert_eq!(document_type("Quyết định"), DocumentType::Decision);
        assert_eq!(document_type("QUYET DINH"), DocumentType::Decision);
        assert_eq!(document_type("Chỉ thị"), DocumentType::OfficialLetter);
        assert_eq!(
            split_authority("KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"),
            ("KT. GIÁM ĐỐC".to_string(), "PHÓ GIÁM ĐỐC".to_string())
        );
        assert_eq!(split_authority("Giám đốc"), (String::new(), "Giám đốc".to_string()));
    }
}
