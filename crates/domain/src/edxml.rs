//! Gói tin edXML — the packages of QCVN 102:2016/BTTTT by which document-management systems of
//! different agencies exchange official documents (văn bản điện tử) and report what became of
//! them. DESIGN.md section 9, issue 15 point 3.
//!
//! Two kinds of package travel:
//!
//! - a **document package**: the `edXML:edXMLEnvelope` with its `edXML:edXMLHeader` (the
//!   `edXML:MessageHeader`: From and To organisations, the document's number and notation, its
//!   promulgation place and date, type, subject (trích yếu), signer, due date, steering type,
//!   priority and the package's `DocumentId`; the `edXML:TraceHeaderList`) and its
//!   `edXML:edXMLBody` (the manifest referring to each attachment by `cid:`), followed by the
//!   attachments themselves as MIME parts, base64 in `AttachmentEncoded/Attachment` as the
//!   examples of the standard's SDK write them;
//! - a **status package** (`edXML:Status`): the document it answers for (`ResponseFor`), the
//!   organisation reporting, the status code, a description, the time, and who did it.
//!
//! Every element is read by its namespace, not its prefix, so a package that binds the edXML
//! namespace to another prefix (or as the default namespace) reads the same. Whatever a package
//! lacks or gets wrong is a typed [`EdxmlError`]; an organisation id is an [`OrganId`] once read.
//!
//! Each manifest reference may carry the XML-DSig `ds:DigestMethod`/`ds:DigestValue` of its
//! attachment (SHA-256); motcua writes them, and a package whose attachment does not match its
//! digest is refused as tampered. Packages without digests (other systems) read all the same.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use sha2::{Digest, Sha256};

/// The namespace of QCVN 102:2016.
pub const NAMESPACE: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
/// XML-DSig, for the attachments' digests.
const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XLink, for the manifest's references.
const XLINK: &str = "http://www.w3.org/1999/xlink";
/// SHA-256 as XML-DSig names it.
const SHA256_URI: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
/// Deeper than any package needs: a document nesting further is refused rather than walked.
const MAX_DEPTH: usize = 32;

/// What is wrong with a package, precisely enough to say so in the status package that refuses
/// it (code 02).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EdxmlError {
    /// The bytes are not well-formed XML (the parser's words).
    #[error("not well-formed XML: {0}")]
    NotXml(String),
    /// Well-formed XML, but neither an edXML envelope nor a status in the QCVN 102 namespace.
    #[error("not an edXML package of QCVN 102:2016")]
    NotEdxml,
    /// A required element is missing or empty (its path).
    #[error("missing {0}")]
    Missing(&'static str),
    /// An organisation id that is not of the form `000.00.00.H38`.
    #[error("{field} is not an organisation id: {value:?}")]
    BadOrganId {
        /// Where.
        field: &'static str,
        /// What it said.
        value: String,
    },
    /// A date or time that cannot be read.
    #[error("{field} is not a date: {value:?}")]
    BadDate {
        /// Where.
        field: &'static str,
        /// What it said.
        value: String,
    },
    /// A status code outside QCVN 102's list.
    #[error("unknown status code {0:?}")]
    BadStatusCode(String),
    /// A number out of its range (priority, steering type).
    #[error("{field} is not one of its values: {value:?}")]
    BadValue {
        /// Where.
        field: &'static str,
        /// What it said.
        value: String,
    },
    /// An attachment whose content is not base64.
    #[error("attachment {0:?} is not base64")]
    BadBase64(String),
    /// The manifest refers to an attachment the package does not carry.
    #[error("attachment {0:?} is referred to but missing")]
    AttachmentMissing(String),
    /// An attachment whose bytes are not those its digest names: changed on the way.
    #[error("attachment {0:?} does not match its digest")]
    DigestMismatch(String),
    /// None of the package's To organisations is served here.
    #[error("addressed to none of the agencies served here")]
    NotAddressedToUs,
}

impl EdxmlError {
    /// The stable machine name, for logs and for the message that words it.
    pub fn code(&self) -> &'static str {
        match self {
            EdxmlError::NotXml(_) => "not_xml",
            EdxmlError::NotEdxml => "not_edxml",
            EdxmlError::Missing(_) => "missing",
            EdxmlError::BadOrganId { .. } => "bad_organ_id",
            EdxmlError::BadDate { .. } => "bad_date",
            EdxmlError::BadStatusCode(_) => "bad_status_code",
            EdxmlError::BadValue { .. } => "bad_value",
            EdxmlError::BadBase64(_) => "bad_base64",
            EdxmlError::AttachmentMissing(_) => "attachment_missing",
            EdxmlError::DigestMismatch(_) => "digest_mismatch",
            EdxmlError::NotAddressedToUs => "not_addressed_to_us",
        }
    }

    /// What the error names (an element, a value or an attachment), for the message.
    pub fn subject(&self) -> String {
        match self {
            EdxmlError::NotXml(s) | EdxmlError::BadStatusCode(s) => s.clone(),
            EdxmlError::Missing(p) => (*p).to_string(),
            EdxmlError::BadOrganId { field, value }
            | EdxmlError::BadDate { field, value }
            | EdxmlError::BadValue { field, value } => format!("{field} = {value}"),
            EdxmlError::BadBase64(a) | EdxmlError::AttachmentMissing(a) | EdxmlError::DigestMismatch(a) => a.clone(),
            EdxmlError::NotEdxml | EdxmlError::NotAddressedToUs => String::new(),
        }
    }
}

/// Mã định danh điện tử — an organisation's electronic id (QCVN 102:2016 section 2, Decision
/// 20/2020/QĐ-TTg): three digits, two, two, then a letter and two digits (`000.00.12.H38`).
/// The agencies of the catalog are known by it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrganId(String);

impl OrganId {
    /// Reads an id of the form `000.00.00.H38`.
    pub fn parse(s: &str) -> Option<OrganId> {
        let s = s.trim();
        let parts: Vec<&str> = s.split('.').collect();
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        let ok = parts.len() == 4
            && digits(parts[0], 3)
            && digits(parts[1], 2)
            && digits(parts[2], 2)
            && parts[3].len() == 3
            && parts[3].as_bytes()[0].is_ascii_uppercase()
            && digits(&parts[3][1..], 2);
        ok.then(|| OrganId(s.to_string()))
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrganId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An organisation as a package names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    /// Its electronic id.
    pub id: OrganId,
    /// Its name (`OrganName`).
    pub name: String,
}

/// Độ khẩn as QCVN 102 numbers it (`OtherInfo/Priority`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Priority {
    /// 0 — thường.
    Normal,
    /// 1 — khẩn.
    Urgent,
    /// 2 — thượng khẩn.
    VeryUrgent,
    /// 3 — hỏa tốc.
    Flash,
    /// 4 — hỏa tốc hẹn giờ.
    FlashTimed,
}

impl Priority {
    /// The number written.
    pub fn as_code(self) -> u8 {
        match self {
            Priority::Normal => 0,
            Priority::Urgent => 1,
            Priority::VeryUrgent => 2,
            Priority::Flash => 3,
            Priority::FlashTimed => 4,
        }
    }

    /// Reads the number.
    pub fn parse(s: &str) -> Option<Priority> {
        Some(match s.trim() {
            "0" => Priority::Normal,
            "1" => Priority::Urgent,
            "2" => Priority::VeryUrgent,
            "3" => Priority::Flash,
            "4" => Priority::FlashTimed,
            _ => return None,
        })
    }

    /// The office's urgency of the same weight (a timed flash document is a flash one).
    pub fn urgency(self) -> crate::office::Urgency {
        use crate::office::Urgency;
        match self {
            Priority::Normal => Urgency::Normal,
            Priority::Urgent => Urgency::Urgent,
            Priority::VeryUrgent => Urgency::VeryUrgent,
            Priority::Flash | Priority::FlashTimed => Urgency::Flash,
        }
    }

    /// The priority that says an office urgency.
    pub fn of(urgency: crate::office::Urgency) -> Priority {
        use crate::office::Urgency;
        match urgency {
            Urgency::Normal => Priority::Normal,
            Urgency::Urgent => Priority::Urgent,
            Urgency::VeryUrgent => Priority::VeryUrgent,
            Urgency::Flash => Priority::Flash,
        }
    }
}

/// Chỉ đạo xử lý (`SteeringType`): whether the document is sent for action with a deadline
/// (a steering document, văn bản chỉ đạo) or for information and ordinary handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SteeringType {
    /// 0 — ordinary handling.
    Ordinary,
    /// 1 — a steering document, to be handled by its due date.
    Steering,
    /// 2 — to report on, by its due date.
    Report,
}

impl SteeringType {
    /// The number written.
    pub fn as_code(self) -> u8 {
        match self {
            SteeringType::Ordinary => 0,
            SteeringType::Steering => 1,
            SteeringType::Report => 2,
        }
    }

    /// Reads the number.
    pub fn parse(s: &str) -> Option<SteeringType> {
        Some(match s.trim() {
            "0" => SteeringType::Ordinary,
            "1" => SteeringType::Steering,
            "2" => SteeringType::Report,
            _ => return None,
        })
    }
}

/// Who signed the document (`SignerInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignerInfo {
    /// Thẩm quyền ký: the authority marker (`TM.`, `KT.`, …), empty when signing in their own right.
    pub competence: String,
    /// Their position (`Giám đốc`).
    pub position: String,
    /// Their name.
    pub full_name: String,
}

/// A file of a document package: a MIME part, base64 in the XML.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its MIME Content-ID, without `cid:`.
    pub content_id: String,
    /// Its file name.
    pub name: String,
    /// Its MIME type.
    pub content_type: String,
    /// What it is.
    pub description: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("content_id", &self.content_id)
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Attachment {
    /// Its SHA-256, as XML-DSig writes a digest (base64).
    pub fn digest(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&self.bytes))
    }
}

/// An entry of the trace (`TraceHeaderList/TraceHeader`): an organisation the package passed
/// through, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// Who.
    pub organ_id: OrganId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A document sent from one organisation to others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentPackage {
    /// The issuing organisation.
    pub from: Organisation,
    /// The organisations it is addressed to (at least one).
    pub to: Vec<Organisation>,
    /// Số: the number (`07`).
    pub code_number: String,
    /// Ký hiệu: the notation (`QĐ-UBND`).
    pub code_notation: String,
    /// Địa danh: where it was promulgated.
    pub place: String,
    /// The date on the document.
    pub promulgation_date: NaiveDate,
    /// The type's name as the sender words it (`Quyết định`, `Công văn`).
    pub type_name: String,
    /// Trích yếu.
    pub subject: String,
    /// The text, when the sender gives it outside the attachments.
    pub content: Option<String>,
    /// Who signed.
    pub signer: SignerInfo,
    /// When its handling is due.
    pub due_date: Option<NaiveDate>,
    /// Độ khẩn.
    pub priority: Priority,
    /// Chỉ đạo xử lý.
    pub steering: SteeringType,
    /// The package's id: the issuer's id, the date and the number and notation
    /// (`000.00.12.H38,2027/01/05,01/QĐ-STP`), the key by which statuses refer to it.
    pub document_id: String,
    /// Where it went through.
    pub trace: Vec<Trace>,
    /// Its files.
    pub attachments: Vec<Attachment>,
}

impl DocumentPackage {
    /// Số, ký hiệu as one (`07/QĐ-UBND`), or the number or notation alone.
    pub fn symbol(&self) -> String {
        match (self.code_number.is_empty(), self.code_notation.is_empty()) {
            (false, false) => format!("{}/{}", self.code_number, self.code_notation),
            (false, true) => self.code_number.clone(),
            _ => self.code_notation.clone(),
        }
    }

    /// The `DocumentId` of a document: its issuer, its date, its number and notation.
    pub fn document_id_of(from: &OrganId, date: NaiveDate, symbol: &str) -> String {
        format!("{from},{},{symbol}", date.format("%Y/%m/%d"))
    }

    /// The organisations of `To` that `ours` serves, in the package's order; refused when none is.
    pub fn addressed_to(&self, ours: impl Fn(&OrganId) -> bool) -> Result<Vec<&Organisation>, EdxmlError> {
        let list: Vec<&Organisation> = self.to.iter().filter(|o| ours(&o.id)).collect();
        if list.is_empty() {
            Err(EdxmlError::NotAddressedToUs)
        } else {
            Ok(list)
        }
    }

    /// The package as XML, attachments included.
    pub fn to_xml(&self) -> Vec<u8> {
        write_document(self).unwrap_or_default()
    }
}

/// Mã trạng thái — what became of a document package (QCVN 102:2016, status package).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusCode {
    /// 01 — arrived (đã đến).
    Received,
    /// 02 — refused (từ chối tiếp nhận), with the reason.
    Rejected,
    /// 03 — acknowledged, taken into the register (đã tiếp nhận).
    Acknowledged,
    /// 04 — assigned to someone to handle (phân công).
    Assigned,
    /// 05 — being handled (đang xử lý).
    InProgress,
    /// 06 — handled (hoàn thành).
    Completed,
    /// 13 — the sender asks for it back (yêu cầu thu hồi).
    RecallRequest,
    /// 15 — given back (đồng ý thu hồi).
    RecallAccepted,
    /// 16 — not given back, already handled (từ chối thu hồi).
    RecallRefused,
}

impl StatusCode {
    /// Every code.
    pub const ALL: [StatusCode; 9] = [
        StatusCode::Received,
        StatusCode::Rejected,
        StatusCode::Acknowledged,
        StatusCode::Assigned,
        StatusCode::InProgress,
        StatusCode::Completed,
        StatusCode::RecallRequest,
        StatusCode::RecallAccepted,
        StatusCode::RecallRefused,
    ];

    /// The two digits written.
    pub fn as_code(self) -> &'static str {
        match self {
            StatusCode::Received => "01",
            StatusCode::Rejected => "02",
            StatusCode::Acknowledged => "03",
            StatusCode::Assigned => "04",
            StatusCode::InProgress => "05",
            StatusCode::Completed => "06",
            StatusCode::RecallRequest => "13",
            StatusCode::RecallAccepted => "15",
            StatusCode::RecallRefused => "16",
        }
    }

    /// Reads the two digits (a single digit is taken as zero-padded).
    pub fn parse(s: &str) -> Option<StatusCode> {
        let s = s.trim();
        let padded = if s.len() == 1 { format!("0{s}") } else { s.to_string() };
        StatusCode::ALL.into_iter().find(|c| c.as_code() == padded)
    }
}

/// The status a recipient reports when someone acts on the document that arrived (its 03,
/// registered, goes with its arrival): assigning it (04), taking it up or the first opinion or
/// progress note (05), completing it (06). `first_progress` says whether no 05 was reported yet.
pub fn status_of_action(action: crate::office::DocumentAction, first_progress: bool) -> Option<StatusCode> {
    use crate::office::DocumentAction as A;
    match action {
        A::Assign => Some(StatusCode::Assigned),
        A::Acknowledge | A::Comment if first_progress => Some(StatusCode::InProgress),
        A::Complete => Some(StatusCode::Completed),
        _ => None,
    }
}

/// The answer to a recall (13): given back (15) unless already handled (16).
pub fn answer_to_recall(status: crate::office::DocumentStatus) -> StatusCode {
    if status == crate::office::DocumentStatus::Completed {
        StatusCode::RecallRefused
    } else {
        StatusCode::RecallAccepted
    }
}

/// The document a status answers for (`ResponseFor`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseFor {
    /// The organisation that sent the document.
    pub organ_id: OrganId,
    /// Its number and notation.
    pub code: String,
    /// Its date.
    pub promulgation_date: Option<NaiveDate>,
    /// The package's `DocumentId`.
    pub document_id: String,
}

/// Who acted (`StaffInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaffInfo {
    /// Their unit.
    pub department: String,
    /// Their name.
    pub staff: String,
    /// Phone.
    pub mobile: String,
    /// E-mail.
    pub email: String,
}

/// What an organisation reports about a document package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusPackage {
    /// The document.
    pub response_for: ResponseFor,
    /// The organisation reporting.
    pub from: Organisation,
    /// Whom the status goes to when that is not the document's sender: a recall (13) goes from
    /// the sender to a recipient. Written as `edXML:To` after `From`; absent, it is `ResponseFor`'s.
    pub to: Option<OrganId>,
    /// What became of it.
    pub code: StatusCode,
    /// In words (the reason of a refusal).
    pub description: String,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// Who.
    pub staff: StaffInfo,
}

impl StatusPackage {
    /// The organisation the status is for.
    pub fn addressee(&self) -> &OrganId {
        self.to.as_ref().unwrap_or(&self.response_for.organ_id)
    }

    /// The package as XML.
    pub fn to_xml(&self) -> Vec<u8> {
        write_status(self).unwrap_or_default()
    }
}

/// A package, of either kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Package {
    /// A document.
    Document(DocumentPackage),
    /// A status.
    Status(StatusPackage),
}

impl Package {
    /// Reads a package: well-formed XML, in the edXML namespace, with every required element
    /// present and valid, and every attachment whole (base64, matching its digest).
    pub fn parse(xml: &[u8]) -> Result<Package, EdxmlError> {
        let root = Element::parse(xml)?;
        if let Some(header) = find(&root, "MessageHeader", 4) {
            let envelope = find(&root, "edXMLEnvelope", 2);
            return read_document(&root, envelope, header).map(Package::Document);
        }
        if let Some(status) = find(&root, "Status", 4) {
            return read_status(status).map(Package::Status);
        }
        Err(EdxmlError::NotEdxml)
    }
}

/// What can be told of a package that did not parse, to address the status that refuses it:
/// its `DocumentId`, the sender's id and its number and notation, read leniently.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// `DocumentId`.
    pub document_id: Option<String>,
    /// `From/OrganId`, as written.
    pub from: Option<String>,
    /// `From/OrganName`.
    pub from_name: Option<String>,
    /// Số, ký hiệu.
    pub code: Option<String>,
}

/// Reads what identifies a package, for one that [`Package::parse`] refused; `None` when the
/// bytes are not XML at all.
pub fn identify(xml: &[u8]) -> Option<Identity> {
    let root = Element::parse(xml).ok()?;
    let text = |e: Option<&Element>| e.map(|e| e.text.trim().to_string()).filter(|t| !t.is_empty());
    let from = find(&root, "From", 6);
    let number = text(find(&root, "CodeNumber", 7));
    let notation = text(find(&root, "CodeNotation", 7));
    let code = match (number, notation) {
        (Some(n), Some(k)) => Some(format!("{n}/{k}")),
        (n, k) => n.or(k),
    };
    Some(Identity {
        document_id: text(find(&root, "DocumentId", 7)),
        from: text(from.and_then(|f| f.child("OrganId"))),
        from_name: text(from.and_then(|f| f.child("OrganName"))),
        code,
    })
}

// --- Reading ------------------------------------------------------------------------------

/// An element as read: its namespace, local name, attributes (namespace, local name, value),
/// children and text.
#[derive(Debug, Default)]
struct Element {
    ns: Option<String>,
    name: String,
    attrs: Vec<(Option<String>, String, String)>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    /// The document's root element, with namespaces resolved. A DOCTYPE is refused: a package
    /// has no use for one, and entities are how XML bombs come.
    fn parse(xml: &[u8]) -> Result<Element, EdxmlError> {
        let bad = |e: &dyn fmt::Display| EdxmlError::NotXml(e.to_string());
        let mut reader = NsReader::from_reader(xml);
        reader.config_mut().trim_text(false);
        reader.config_mut().check_end_names = true;
        let mut stack: Vec<Element> = Vec::new();
        let mut buf = Vec::new();
        let mut root = None;
        loop {
            let (resolved, event) = reader.read_resolved_event_into(&mut buf).map_err(|e| bad(&e))?;
            let ns = match resolved {
                ResolveResult::Bound(n) => Some(String::from_utf8_lossy(n.as_ref()).into_owned()),
                ResolveResult::Unbound => None,
                ResolveResult::Unknown(p) => {
                    return Err(EdxmlError::NotXml(format!("unbound prefix {}", String::from_utf8_lossy(&p))))
                }
            };
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    if root.is_some() || stack.len() >= MAX_DEPTH {
                        return Err(EdxmlError::NotXml("content after the root, or nested too deep".into()));
                    }
                    let mut el = Element {
                        ns,
                        name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                        ..Element::default()
                    };
                    for a in e.attributes() {
                        let a = a.map_err(|e| bad(&e))?;
                        let (ans, local) = reader.resolve_attribute(a.key);
                        let ans = match ans {
                            ResolveResult::Bound(n) => Some(String::from_utf8_lossy(n.as_ref()).into_owned()),
                            _ => None,
                        };
                        let value = a.decode_and_unescape_value(reader.decoder()).map_err(|e| bad(&e))?.into_owned();
                        el.attrs.push((ans, String::from_utf8_lossy(local.as_ref()).into_owned(), value));
                    }
                    if matches!(event, Event::Empty(_)) {
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(el),
                            None => root = Some(el),
                        }
                    } else {
                        stack.push(el);
                    }
                }
                Event::End(_) => {
                    let el = stack.pop().ok_or_else(|| EdxmlError::NotXml("unbalanced end tag".into()))?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                }
                Event::Text(t) => {
                    let s = t.xml10_content().map_err(|e| bad(&e))?;
                    match stack.last_mut() {
                        Some(el) => el.text.push_str(&s),
                        None if s.trim().is_empty() => {}
                        None => return Err(EdxmlError::NotXml("text outside the root".into())),
                    }
                }
                Event::CData(t) => {
                    let s = t.decode().map_err(|e| bad(&e))?;
                    if let Some(el) = stack.last_mut() {
                        el.text.push_str(&s);
                    }
                }
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref().map_err(|e| bad(&e))? {
                        Some(c) => c.to_string(),
                        None => {
                            let name = r.decode().map_err(|e| bad(&e))?;
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .ok_or_else(|| EdxmlError::NotXml(format!("unknown entity &{name};")))?
                                .to_string()
                        }
                    };
                    if let Some(el) = stack.last_mut() {
                        el.text.push_str(&c);
                    }
                }
                Event::DocType(_) => return Err(EdxmlError::NotXml("a DOCTYPE is not accepted".into())),
                Event::Eof => break,
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            }
            buf.clear();
        }
        if !stack.is_empty() {
            return Err(EdxmlError::NotXml("unexpected end of the document".into()));
        }
        root.ok_or_else(|| EdxmlError::NotXml("no root element".into()))
    }

    fn is(&self, name: &str) -> bool {
        self.ns.as_deref() == Some(NAMESPACE) && self.name == name
    }

    /// The first child in the edXML namespace with this name.
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(name))
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(name))
    }

    /// The trimmed text of a child, when there and not empty.
    fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_string()).filter(|t| !t.is_empty())
    }

    fn attr(&self, ns: Option<&str>, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, l, _)| n.as_deref() == ns && l == name).map(|(_, _, v)| v.as_str())
    }
}

/// The first element with this edXML name at most `depth` levels below `el` (breadth first).
fn find<'a>(el: &'a Element, name: &str, depth: usize) -> Option<&'a Element> {
    let mut level = vec![el];
    for _ in 0..=depth {
        if let Some(hit) = level.iter().find(|e| e.is(name)) {
            return Some(hit);
        }
        level = level.iter().flat_map(|e| e.children.iter()).collect();
    }
    None
}

fn required(el: &Element, name: &str, path: &'static str) -> Result<String, EdxmlError> {
    el.text_of(name).ok_or(EdxmlError::Missing(path))
}

fn organisation(el: Option<&Element>, path: &'static str, id_path: &'static str) -> Result<Organisation, EdxmlError> {
    let el = el.ok_or(EdxmlError::Missing(path))?;
    let raw = required(el, "OrganId", id_path)?;
    let id = OrganId::parse(&raw).ok_or(EdxmlError::BadOrganId { field: id_path, value: raw })?;
    let name = el.text_of("OrganName").or_else(|| el.text_of("OrganizationInCharge")).unwrap_or_default();
    Ok(Organisation { id, name })
}

/// A date as the standard writes it, `YYYY/MM/DD` (the ISO `YYYY-MM-DD` and the Vietnamese
/// `DD/MM/YYYY` that some systems write are read too).
fn date(raw: &str, field: &'static str) -> Result<NaiveDate, EdxmlError> {
    let raw = raw.trim();
    ["%Y/%m/%d", "%Y-%m-%d", "%d/%m/%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(raw, f).ok())
        .ok_or_else(|| EdxmlError::BadDate { field, value: raw.to_string() })
}

/// A time as the standard writes it, `YYYY/MM/DD HH:MM:SS` in Vietnam's time; RFC 3339 too.
fn timestamp(raw: &str, field: &'static str) -> Result<DateTime<Utc>, EdxmlError> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    ["%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .and_then(|t| vietnam().from_local_datetime(&t).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| EdxmlError::BadDate { field, value: raw.to_string() })
}

fn vietnam() -> FixedOffset {
    crate::calendar::vn_offset()
}

fn read_document(root: &Element, envelope: Option<&Element>, h: &Element) -> Result<DocumentPackage, EdxmlError> {
    let from = organisation(h.child("From"), "MessageHeader/From", "From/OrganId")?;
    let mut to = Vec::new();
    for t in h.children_named("To") {
        to.push(organisation(Some(t), "MessageHeader/To", "To/OrganId")?);
    }
    if to.is_empty() {
        return Err(EdxmlError::Missing("MessageHeader/To"));
    }
    let code = h.child("Code").ok_or(EdxmlError::Missing("MessageHeader/Code"))?;
    let code_number = code.text_of("CodeNumber").unwrap_or_default();
    let code_notation = code.text_of("CodeNotation").unwrap_or_default();
    if code_number.is_empty() && code_notation.is_empty() {
        return Err(EdxmlError::Missing("Code/CodeNumber"));
    }
    let info = h.child("PromulgationInfo").ok_or(EdxmlError::Missing("MessageHeader/PromulgationInfo"))?;
    let promulgation_date =
        date(&required(info, "PromulgationDate", "PromulgationInfo/PromulgationDate")?, "PromulgationDate")?;
    let type_name = h.child("DocumentType").and_then(|t| t.text_of("TypeName")).unwrap_or_default();
    let subject = required(h, "Subject", "MessageHeader/Subject")?;
    let signer = h
        .child("SignerInfo")
        .map(|s| SignerInfo {
            competence: s.text_of("Competence").unwrap_or_default(),
            position: s.text_of("Position").unwrap_or_default(),
            full_name: s.text_of("FullName").unwrap_or_default(),
        })
        .unwrap_or_default();
    let due_date = h.text_of("DueDate").map(|d| date(&d, "DueDate")).transpose()?;
    let priority = match h.child("OtherInfo").and_then(|o| o.text_of("Priority")) {
        None => Priority::Normal,
        Some(p) => Priority::parse(&p).ok_or(EdxmlError::BadValue { field: "Priority", value: p })?,
    };
    let steering = match h.text_of("SteeringType") {
        None => SteeringType::Ordinary,
        Some(s) => SteeringType::parse(&s).ok_or(EdxmlError::BadValue { field: "SteeringType", value: s })?,
    };
    let document_id = required(h, "DocumentId", "MessageHeader/DocumentId")?;
    let mut trace = Vec::new();
    if let Some(list) = envelope.and_then(|e| find(e, "TraceHeaderList", 2)) {
        for t in list.children_named("TraceHeader") {
            let raw = required(t, "OrganId", "TraceHeader/OrganId")?;
            let organ_id =
                OrganId::parse(&raw).ok_or(EdxmlError::BadOrganId { field: "TraceHeader/OrganId", value: raw })?;
            let at = timestamp(&required(t, "Timestamp", "TraceHeader/Timestamp")?, "TraceHeader/Timestamp")?;
            trace.push(Trace { organ_id, at });
        }
    }
    Ok(DocumentPackage {
        from,
        to,
        code_number,
        code_notation,
        place: info.text_of("Place").unwrap_or_default(),
        promulgation_date,
        type_name,
        subject,
        content: h.text_of("Content"),
        signer,
        due_date,
        priority,
        steering,
        document_id,
        trace,
        attachments: read_attachments(root, envelope)?,
    })
}

/// The attachments: each `AttachmentEncoded/Attachment` decoded, checked against the manifest's
/// reference to it (its digest, when the reference gives one); a reference without its
/// attachment is an error.
fn read_attachments(root: &Element, envelope: Option<&Element>) -> Result<Vec<Attachment>, EdxmlError> {
    struct Reference {
        name: Option<String>,
        content_type: Option<String>,
        description: Option<String>,
        digest: Option<String>,
    }
    let mut references: BTreeMap<String, Reference> = BTreeMap::new();
    if let Some(manifest) = envelope.and_then(|e| find(e, "edXMLManifest", 2)) {
        for r in manifest.children_named("Reference") {
            let href = r.attr(Some(XLINK), "href").map(str::to_string).or_else(|| r.text_of("ContentId"));
            let Some(href) = href else { continue };
            let digest = r
                .children
                .iter()
                .find(|c| c.ns.as_deref() == Some(DSIG) && c.name == "DigestValue")
                .map(|c| c.text.split_whitespace().collect::<String>());
            references.insert(
                bare_cid(&href),
                Reference {
                    name: r.text_of("AttachmentName"),
                    content_type: r.text_of("ContentType"),
                    description: r.text_of("Description"),
                    digest,
                },
            );
        }
    }
    let mut out = Vec::new();
    let encoded = find(root, "AttachmentEncoded", 2);
    for a in encoded.into_iter().flat_map(|e| e.children_named("Attachment")) {
        let content_id = bare_cid(&a.text_of("ContentId").ok_or(EdxmlError::Missing("Attachment/ContentId"))?);
        let r = references.remove(&content_id);
        let name = a
            .text_of("AttachmentName")
            .or_else(|| r.as_ref().and_then(|r| r.name.clone()))
            .ok_or(EdxmlError::Missing("Attachment/AttachmentName"))?;
        let data: String =
            a.child("ContentTransferEncoded").map(|c| c.text.split_whitespace().collect()).unwrap_or_default();
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| EdxmlError::BadBase64(name.clone()))?;
        let attachment = Attachment {
            content_id,
            content_type: a
                .text_of("ContentType")
                .or_else(|| r.as_ref().and_then(|r| r.content_type.clone()))
                .unwrap_or_else(|| "application/octet-stream".into()),
            description: a
                .text_of("Description")
                .or_else(|| r.as_ref().and_then(|r| r.description.clone()))
                .unwrap_or_default(),
            name,
            bytes,
        };
        if let Some(expected) = r.and_then(|r| r.digest) {
            if expected != attachment.digest() {
                return Err(EdxmlError::DigestMismatch(attachment.name));
            }
        }
        out.push(attachment);
    }
    if let Some((cid, r)) = references.into_iter().next() {
        return Err(EdxmlError::AttachmentMissing(r.name.unwrap_or(cid)));
    }
    Ok(out)
}

fn bare_cid(s: &str) -> String {
    let s = s.trim();
    s.strip_prefix("cid:").unwrap_or(s).trim_matches(['<', '>']).to_string()
}

fn read_status(s: &Element) -> Result<StatusPackage, EdxmlError> {
    let r = s.child("ResponseFor").ok_or(EdxmlError::Missing("Status/ResponseFor"))?;
    let raw = required(r, "OrganId", "ResponseFor/OrganId")?;
    let organ_id = OrganId::parse(&raw).ok_or(EdxmlError::BadOrganId { field: "ResponseFor/OrganId", value: raw })?;
    let response_for = ResponseFor {
        organ_id,
        code: r.text_of("Code").unwrap_or_default(),
        promulgation_date: r
            .text_of("PromulgationDate")
            .map(|d| date(&d, "ResponseFor/PromulgationDate"))
            .transpose()?,
        document_id: required(r, "DocumentId", "ResponseFor/DocumentId")?,
    };
    let from = organisation(s.child("From"), "Status/From", "From/OrganId")?;
    let to = match s.child("To").and_then(|t| t.text_of("OrganId")) {
        None => None,
        Some(raw) => Some(OrganId::parse(&raw).ok_or(EdxmlError::BadOrganId { field: "To/OrganId", value: raw })?),
    };
    let raw = required(s, "StatusCode", "Status/StatusCode")?;
    let code = StatusCode::parse(&raw).ok_or(EdxmlError::BadStatusCode(raw))?;
    let at = timestamp(&required(s, "Timestamp", "Status/Timestamp")?, "Status/Timestamp")?;
    let staff = s
        .child("StaffInfo")
        .map(|i| StaffInfo {
            department: i.text_of("Department").unwrap_or_default(),
            staff: i.text_of("Staff").unwrap_or_default(),
            mobile: i.text_of("Mobile").unwrap_or_default(),
            email: i.text_of("Email").unwrap_or_default(),
        })
        .unwrap_or_default();
    Ok(StatusPackage {
        response_for,
        from,
        to,
        code,
        description: s.text_of("Description").unwrap_or_default(),
        timestamp: at,
        staff,
    })
}

// --- Writing ------------------------------------------------------------------------------

type Writer = quick_xml::Writer<Vec<u8>>;

fn leaf(w: &mut Writer, name: &str, text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        w.create_element(name).write_empty()?;
    } else {
        w.create_element(name).write_text_content(BytesText::new(text))?;
    }
    Ok(())
}

fn write_organisation(w: &mut Writer, element: &str, o: &Organisation) -> std::io::Result<()> {
    w.create_element(element).write_inner_content(|w| {
        leaf(w, "edXML:OrganId", o.id.as_str())?;
        leaf(w, "edXML:OrganName", &o.name)
    })?;
    Ok(())
}

fn stamp(at: DateTime<Utc>) -> String {
    at.with_timezone(&vietnam()).format("%Y/%m/%d %H:%M:%S").to_string()
}

/// The root `edXML` element, binding the edXML namespace as the default and as `edXML:`.
fn package(inner: impl FnOnce(&mut Writer) -> std::io::Result<()>) -> std::io::Result<Vec<u8>> {
    let mut w = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("edXML")
        .with_attribute(("xmlns", NAMESPACE))
        .with_attribute(("xmlns:edXML", NAMESPACE))
        .with_attribute(("xmlns:xlink", XLINK))
        .with_attribute(("xmlns:ds", DSIG))
        .write_inner_content(inner)?;
    Ok(w.into_inner())
}

fn write_document(p: &DocumentPackage) -> std::io::Result<Vec<u8>> {
    package(|w| {
        w.create_element("edXML:edXMLEnvelope").write_inner_content(|w| {
            w.create_element("edXML:edXMLHeader").write_inner_content(|w| {
                w.create_element("edXML:MessageHeader").write_inner_content(|w| {
                    write_organisation(w, "edXML:From", &p.from)?;
                    for t in &p.to {
                        write_organisation(w, "edXML:To", t)?;
                    }
                    w.create_element("edXML:Code").write_inner_content(|w| {
                        leaf(w, "edXML:CodeNumber", &p.code_number)?;
                        leaf(w, "edXML:CodeNotation", &p.code_notation)
                    })?;
                    w.create_element("edXML:PromulgationInfo").write_inner_content(|w| {
                        leaf(w, "edXML:Place", &p.place)?;
                        leaf(w, "edXML:PromulgationDate", &p.promulgation_date.format("%Y/%m/%d").to_string())
                    })?;
                    w.create_element("edXML:DocumentType").write_inner_content(|w| {
                        // 2: an administrative document (văn bản hành chính).
                        leaf(w, "edXML:Type", "2")?;
                        leaf(w, "edXML:TypeName", &p.type_name)
                    })?;
                    leaf(w, "edXML:Subject", &p.subject)?;
                    if let Some(c) = &p.content {
                        leaf(w, "edXML:Content", c)?;
                    }
                    w.create_element("edXML:SignerInfo").write_inner_content(|w| {
                        leaf(w, "edXML:Competence", &p.signer.competence)?;
                        leaf(w, "edXML:Position", &p.signer.position)?;
                        leaf(w, "edXML:FullName", &p.signer.full_name)
                    })?;
                    if let Some(d) = p.due_date {
                        leaf(w, "edXML:DueDate", &d.format("%Y/%m/%d").to_string())?;
                    }
                    w.create_element("edXML:ToPlaces").write_inner_content(|w| {
                        for t in &p.to {
                            leaf(w, "edXML:Place", &t.name)?;
                        }
                        Ok(())
                    })?;
                    w.create_element("edXML:OtherInfo")
                        .write_inner_content(|w| leaf(w, "edXML:Priority", &p.priority.as_code().to_string()))?;
                    leaf(w, "edXML:SteeringType", &p.steering.as_code().to_string())?;
                    leaf(w, "edXML:DocumentId", &p.document_id)
                })?;
                w.create_element("edXML:TraceHeaderList").write_inner_content(|w| {
                    for t in &p.trace {
                        w.create_element("edXML:TraceHeader").write_inner_content(|w| {
                            leaf(w, "edXML:OrganId", t.organ_id.as_str())?;
                            leaf(w, "edXML:Timestamp", &stamp(t.at))
                        })?;
                    }
                    Ok(())
                })?;
                Ok(())
            })?;
            w.create_element("edXML:edXMLBody").write_inner_content(|w| {
                w.create_element("edXML:edXMLManifest").with_attribute(("version", "1.0")).write_inner_content(
                    |w| {
                        for a in &p.attachments {
                            let href = format!("cid:{}", a.content_id);
                            w.create_element("edXML:Reference")
                                .with_attribute(("xlink:href", href.as_str()))
                                .with_attribute(("xlink:type", "simple"))
                                .write_inner_content(|w| {
                                    leaf(w, "edXML:Description", &a.description)?;
                                    leaf(w, "edXML:AttachmentName", &a.name)?;
                                    leaf(w, "edXML:ContentType", &a.content_type)?;
                                    w.create_element("ds:DigestMethod")
                                        .with_attribute(("Algorithm", SHA256_URI))
                                        .write_empty()?;
                                    leaf(w, "ds:DigestValue", &a.digest())
                                })?;
                        }
                        Ok(())
                    },
                )?;
                Ok(())
            })?;
            Ok(())
        })?;
        if !p.attachments.is_empty() {
            w.create_element("AttachmentEncoded").write_inner_content(|w| {
                for a in &p.attachments {
                    w.create_element("Attachment").write_inner_content(|w| {
                        leaf(w, "ContentType", &a.content_type)?;
                        leaf(w, "ContentId", &a.content_id)?;
                        leaf(w, "Description", &a.description)?;
                        leaf(w, "ContentTransferEncoded", &base64::engine::general_purpose::STANDARD.encode(&a.bytes))?;
                        leaf(w, "AttachmentName", &a.name)
                    })?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

fn write_status(s: &StatusPackage) -> std::io::Result<Vec<u8>> {
    package(|w| {
        w.create_element("edXML:edXMLEnvelope").write_inner_content(|w| {
            w.create_element("edXML:edXMLHeader").write_inner_content(|w| {
                w.create_element("edXML:Status").write_inner_content(|w| {
                    w.create_element("edXML:ResponseFor").write_inner_content(|w| {
                        let r = &s.response_for;
                        leaf(w, "edXML:OrganId", r.organ_id.as_str())?;
                        leaf(w, "edXML:Code", &r.code)?;
                        let date = r.promulgation_date.map(|d| d.format("%Y/%m/%d").to_string()).unwrap_or_default();
                        leaf(w, "edXML:PromulgationDate", &date)?;
                        leaf(w, "edXML:DocumentId", &r.document_id)
                    })?;
                    write_organisation(w, "edXML:From", &s.from)?;
                    if let Some(to) = &s.to {
                        w.create_element("edXML:To").write_inner_content(|w| leaf(w, "edXML:OrganId", to.as_str()))?;
                    }
                    leaf(w, "edXML:StatusCode", s.code.as_code())?;
                    leaf(w, "edXML:Description", &s.description)?;
                    leaf(w, "edXML:Timestamp", &stamp(s.timestamp))?;
                    w.create_element("edXML:StaffInfo").write_inner_content(|w| {
                        leaf(w, "edXML:Department", &s.staff.department)?;
                        leaf(w, "edXML:Staff", &s.staff.staff)?;
                        leaf(w, "edXML:Mobile", &s.staff.mobile)?;
                        leaf(w, "edXML:Email", &s.staff.email)
                    })?;
                    Ok(())
                })?;
                Ok(())
            })?;
            w.create_element("edXML:edXMLBody").write_empty()?;
            Ok(())
        })?;
        Ok(())
    })
}

#[cfg(test)]
mod tests;
