//! Dossiers as the API shows them: the record, its documents, history, fee, workflow step,
//! clock, and the requests that act on them.

use motcua_store::dossiers::{Attachment, Event, Listed};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use motcua_app::dossiers::view::DossierView;
use motcua_app::i18n::Lang;
use motcua_app::present;
use motcua_domain::history::Fact;

use super::*;

/// An attachment.
#[derive(Serialize, ToSchema)]
pub struct AttachmentDto {
    /// Id.
    pub id: String,
    /// Which document.
    pub key: String,
    /// The uploader's file name.
    pub file_name: String,
    /// Sniffed type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 hex.
    pub sha256: String,
    /// Where to download the exact bytes.
    pub url: String,
    /// Scanned at the counter.
    pub digitized: bool,
    /// Reused from an earlier dossier.
    pub reused: bool,
    /// From the citizen's document store.
    pub from_citizen_store: bool,
}

impl From<&Attachment> for AttachmentDto {
    fn from(a: &Attachment) -> Self {
        Self {
            id: a.id.clone(),
            key: a.key.clone(),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            url: format!("/api/v1/attachments/{}", a.id),
            digitized: a.digitized,
            reused: a.reused,
            from_citizen_store: a.from_citizen_store,
        }
    }
}

/// A document of the caller's store: one they submitted (or the desk scanned for them), or a
/// result issued to them. Its `id` may stand for a document of a new application (see
/// `POST /api/v1/dossiers`, part `reuse`) when that document accepts reuse.
#[derive(Serialize, ToSchema)]
pub struct StoredDocumentDto {
    /// Attachment id: what the part `reuse` of a new application names.
    pub id: String,
    /// Which document of its dossier it was (`result` for a result).
    pub key: String,
    /// The document's name in its procedure, or that it is a result, in the caller's language.
    pub name: String,
    /// The uploader's file name.
    pub file_name: String,
    /// Sniffed type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 hex.
    pub sha256: String,
    /// The dossier it came with.
    pub dossier_code: String,
    /// That dossier's procedure.
    pub procedure_code: String,
    /// The procedure's name.
    pub procedure_name: String,
    /// A result issued to the caller, rather than a document they gave.
    pub is_result: bool,
    /// Scanned from paper at the counter.
    pub digitized: bool,
    /// When it was stored (RFC 3339).
    pub created_at: String,
    /// Where to download the exact bytes.
    pub url: String,
}

/// A page of the caller's document store, newest first.
#[derive(Serialize, ToSchema)]
pub struct StoredDocumentList {
    /// This page.
    pub items: Vec<StoredDocumentDto>,
    /// In all.
    pub total: i64,
}

/// A history event.
#[derive(Serialize, ToSchema)]
pub struct EventDto {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// Action.
    pub action: String,
    /// Status before.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: String,
    /// What the person acting wrote.
    pub note: Option<String>,
    /// What else the history recorded, as data (`{"kind": "at_desk" | "paid_cash" |
    /// "paid_online" | "assigned", …}`); absent when nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub fact: Option<Fact>,
    /// The fact and the note in the caller's language, one per line; empty when neither.
    pub detail: String,
}

impl EventDto {
    /// An event as shown to a caller who reads `lang`.
    pub fn new(e: &Event, lang: Lang) -> Self {
        Self {
            at: time(e.at),
            actor: present::event_actor(lang, e),
            action: e.action.clone(),
            from_status: e.from_status.map(|s| s.as_str().into()),
            to_status: e.to_status.as_str().into(),
            note: e.note.clone(),
            fact: e.fact.clone(),
            detail: present::event_detail(lang, e),
        }
    }
}

/// The applicant as shown.
#[derive(Serialize, ToSchema)]
pub struct ApplicantDto {
    /// Name (of the organisation, when filed for one).
    pub full_name: String,
    /// Phone.
    pub phone: String,
    /// The organisation it was filed for, with its tax code; absent for a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<ApplicantOrganisation>,
}

impl ApplicantDto {
    /// As a dossier records it.
    pub fn of(a: &motcua_store::dossiers::Applicant) -> Self {
        Self {
            full_name: a.full_name.clone(),
            phone: a.phone.clone(),
            organisation: a
                .organisation_id
                .map(|id| ApplicantOrganisation { id, tax_code: a.id_number.clone().unwrap_or_default() }),
        }
    }
}

/// The organisation a dossier was filed for.
#[derive(Serialize, ToSchema)]
pub struct ApplicantOrganisation {
    /// Its id (`GET /api/v1/organisations/{id}`).
    pub id: i64,
    /// Its tax code.
    pub tax_code: String,
}

/// A dossier.
#[derive(Serialize, ToSchema)]
pub struct DossierDto {
    /// Code.
    pub code: String,
    /// Procedure code.
    pub procedure_code: String,
    /// Procedure name.
    pub procedure_name: String,
    /// Status.
    pub status: String,
    /// Applicant.
    pub applicant: ApplicantDto,
    /// Channel: `online`, `in_person`, `postal` or `national_portal`.
    pub channel: String,
    /// The national portal's code of a dossier it handed over (MaHoSo).
    pub external_code: Option<String>,
    /// Submitted.
    pub submitted_at: String,
    /// Received.
    pub received_at: Option<String>,
    /// Due.
    pub due_at: Option<String>,
    /// Finished.
    pub finished_at: Option<String>,
    /// Returned.
    pub returned_at: Option<String>,
    /// Form answers.
    #[schema(value_type = Object)]
    pub data: serde_json::Map<String, serde_json::Value>,
    /// Documents.
    pub attachments: Vec<AttachmentDto>,
    /// Result file, exactly as the officer issued it.
    pub result: Option<AttachmentDto>,
    /// The electronic result signed by the system: a PDF carrying the issued file, its
    /// verification code and a QR code to the public verification page.
    pub signed_result: Option<AttachmentDto>,
    /// The verification code of the signed result (`GET /api/v1/results/{code}`, public page
    /// `/xac-thuc/{code}`).
    pub result_verification_code: Option<String>,
    /// History, oldest first.
    pub history: Vec<EventDto>,
    /// What the caller may do now.
    pub actions: Vec<String>,
    /// The current workflow step (while in the workflow).
    pub step: Option<StepDto>,
    /// Opinions asked of other agencies; officers only (empty for the applicant).
    pub consultations: Vec<ConsultationDto>,
    /// Both views of the clock, once received.
    pub clock: Option<ClockDto>,
    /// The applicant's rating, once given.
    pub rating: Option<RatingDto>,
    /// The fee decided at submission and where its payment stands.
    pub fee: FeeDto,
    /// In the answer to a `pay` action taken by the applicant: the payment gateway's signed
    /// address to send the payer to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_url: Option<String>,
}

/// A dossier's fee.
#[derive(Serialize, ToSchema)]
pub struct FeeDto {
    /// Amount in đồng, decided from the answers at submission.
    pub amount_vnd: i64,
    /// `none` (nothing to pay), `due` or `paid`.
    pub status: String,
    /// When it must be paid: `before_processing` or `at_return`.
    pub timing: String,
    /// When it was paid.
    pub paid_at: Option<String>,
    /// The electronic receipt (PDF), once paid.
    pub receipt_url: Option<String>,
}

/// A fee quote for a set of answers.
#[derive(Serialize, ToSchema)]
pub struct FeeQuoteDto {
    /// Each line, named in the caller's language.
    pub lines: Vec<FeeLineDto>,
    /// What the applicant pays, in đồng.
    pub total_vnd: i64,
    /// `before_processing` or `at_return`.
    pub timing: String,
}

/// One line of a fee quote.
#[derive(Serialize, ToSchema)]
pub struct FeeLineDto {
    /// What.
    pub label: String,
    /// Amount in đồng.
    pub amount_vnd: i64,
}

/// A rating of the service: each criterion `very_satisfied`, `satisfied` or `not_satisfied`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RatingDto {
    /// Overall.
    pub overall: String,
    /// Timeliness.
    pub timeliness: String,
    /// Convenience.
    pub convenience: String,
    /// Staff attitude.
    pub attitude: String,
    /// Optional comment.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Where a dossier stands in its workflow.
#[derive(Serialize, ToSchema)]
pub struct StepDto {
    /// Step key.
    pub key: String,
    /// Step name.
    pub name: String,
    /// Agency acting.
    pub agency: String,
    /// Role acting.
    pub role: String,
    /// When the step's allotment runs out.
    pub due_at: Option<String>,
    /// The specialist assigned by the unit leader (user id).
    pub assignee: Option<i64>,
    /// Steps a forward may go to (keys), when the caller may forward.
    pub forward_to: Vec<String>,
    /// Steps a send-back may return to (keys), when the caller may send back.
    pub send_back_to: Vec<String>,
}

/// An opinion asked of another agency.
#[derive(Serialize, ToSchema)]
pub struct ConsultationDto {
    /// Id, to answer it.
    pub id: i64,
    /// Consulted agency.
    pub agency: String,
    /// Asked at.
    pub asked_at: String,
    /// Answer due.
    pub due_at: String,
    /// Answered at.
    pub answered_at: Option<String>,
    /// The opinion.
    pub answer: Option<String>,
    /// Withdrawn because the dossier left the step.
    pub cancelled: bool,
}

/// The statutory and the indicator view of a dossier's clock (DESIGN.md section 4, rule 5).
#[derive(Serialize, ToSchema)]
pub struct ClockDto {
    /// Due date counted again after the last supplement (the one printed and enforced).
    pub restarted_due_at: String,
    /// Due date counted from reception.
    pub original_due_at: String,
    /// The indicators' due date: the original one plus the time waiting for the applicant.
    pub indicator_due_at: String,
    /// Seconds spent waiting for the applicant.
    pub waiting_seconds: i64,
    /// Supplement requests.
    pub supplement_requests: u32,
    /// More than one supplement request.
    pub repeated_supplements: bool,
    /// Finished within the indicator due date, with at most one supplement request (absent
    /// while open).
    pub on_time: Option<bool>,
    /// The indicator verdict (Decision 766/QĐ-TTg, indicator 2.1): `on_time` or `late` once
    /// finished; `within_time` or `overdue` while open. More than one supplement request is late.
    pub timeliness: String,
    /// When the verdict is taken: the finish; for a dossier waiting for a supplement, the
    /// request; otherwise now.
    pub measured_at: String,
}

/// Assignment of a dossier's step to a specialist.
#[derive(Deserialize, ToSchema)]
pub struct AssignRequest {
    /// The specialist's user id.
    pub assignee: i64,
}

/// A consulted agency's opinion.
#[derive(Deserialize, ToSchema)]
pub struct AnswerRequest {
    /// The opinion.
    pub answer: String,
}

impl DossierDto {
    /// A dossier as shown to a caller who reads `lang` (the history's words follow it).
    pub fn new(v: &DossierView, lang: Lang) -> Self {
        let d = &v.dossier;
        Self {
            code: d.code.clone(),
            procedure_code: d.procedure_code.clone(),
            procedure_name: v.procedure.name.clone(),
            status: d.status.as_str().into(),
            applicant: ApplicantDto::of(&d.applicant),
            channel: d.channel.as_str().into(),
            external_code: d.external_code.clone(),
            submitted_at: time(d.submitted_at),
            received_at: opt_time(d.received_at),
            due_at: opt_time(d.due_at),
            finished_at: opt_time(d.finished_at),
            returned_at: opt_time(d.returned_at),
            data: d.data.clone(),
            attachments: v.attachments.iter().map(AttachmentDto::from).collect(),
            result: v.result.as_ref().map(AttachmentDto::from),
            signed_result: v.signed_result.as_ref().map(AttachmentDto::from),
            history: v.history.iter().map(|e| EventDto::new(e, lang)).collect(),
            actions: v.actions.iter().map(|a| a.as_str().to_string()).collect(),
            step: v.procedure.workflow.get(d.step).filter(|_| d.received_at.is_some() && !d.status.is_final()).map(
                |s| {
                    let keys = |list: &[(usize, String)]| -> Vec<String> {
                        list.iter().filter_map(|(i, _)| v.procedure.workflow.get(*i).map(|s| s.key.clone())).collect()
                    };
                    StepDto {
                        key: s.key.clone(),
                        name: s.name.clone(),
                        agency: s.agency.clone(),
                        role: s.role.as_str().into(),
                        due_at: opt_time(d.step_due_at),
                        assignee: d.assignee_user_id,
                        forward_to: keys(&v.forward_to),
                        send_back_to: keys(&v.send_back_to),
                    }
                },
            ),
            consultations: v
                .consultations
                .iter()
                .map(|c| ConsultationDto {
                    id: c.id,
                    agency: c.agency.clone(),
                    asked_at: time(c.asked_at),
                    due_at: time(c.due_at),
                    answered_at: opt_time(c.answered_at),
                    answer: c.answer.clone(),
                    cancelled: c.cancelled,
                })
                .collect(),
            result_verification_code: v.seal.as_ref().map(|s| s.code.clone()),
            rating: v.rating.as_ref().map(|r| RatingDto {
                overall: r.rating.overall.as_str().into(),
                timeliness: r.rating.timeliness.as_str().into(),
                convenience: r.rating.convenience.as_str().into(),
                attitude: r.rating.attitude.as_str().into(),
                comment: r.rating.comment.clone(),
            }),
            clock: v.clock.as_ref().map(|c| ClockDto {
                restarted_due_at: time(c.restarted_due),
                original_due_at: time(c.original_due),
                indicator_due_at: time(c.indicator_due),
                waiting_seconds: c.waiting.num_seconds(),
                supplement_requests: c.supplement_requests,
                repeated_supplements: c.repeated_supplements,
                on_time: c.on_time,
                timeliness: c.timeliness.as_str().into(),
                measured_at: time(c.measured_at),
            }),
            fee: FeeDto {
                amount_vnd: d.fee_vnd,
                status: d.fee_state().into(),
                timing: v.procedure.fee.timing.as_str().into(),
                paid_at: opt_time(d.fee_paid_at),
                receipt_url: d.fee_paid_at.map(|_| format!("/api/v1/dossiers/{}/receipt", d.code)),
            },
            payment_url: v.payment_url.clone(),
        }
    }
}

/// A dossier in a list: the summary without documents and history (fetch the dossier for those).
#[derive(Serialize, ToSchema)]
pub struct DossierSummary {
    /// Code.
    pub code: String,
    /// Procedure code.
    pub procedure_code: String,
    /// Procedure name.
    pub procedure_name: String,
    /// Status.
    pub status: String,
    /// Applicant.
    pub applicant: ApplicantDto,
    /// Channel.
    pub channel: String,
    /// Submitted.
    pub submitted_at: String,
    /// Received.
    pub received_at: Option<String>,
    /// Due.
    pub due_at: Option<String>,
    /// Finished.
    pub finished_at: Option<String>,
}

impl DossierSummary {
    /// Builds a summary; the name comes from the in-memory catalog.
    pub fn new(d: &Listed, procedure_name: &str) -> Self {
        Self {
            code: d.code.clone(),
            procedure_code: d.procedure_code.clone(),
            procedure_name: procedure_name.to_string(),
            status: d.status.as_str().into(),
            applicant: ApplicantDto::of(&d.applicant),
            channel: d.channel.as_str().into(),
            submitted_at: time(d.submitted_at),
            received_at: opt_time(d.received_at),
            due_at: opt_time(d.due_at),
            finished_at: opt_time(d.finished_at),
        }
    }
}

/// A page of dossiers.
#[derive(Serialize, ToSchema)]
pub struct DossierList {
    /// This page.
    pub items: Vec<DossierSummary>,
    /// In all, counted up to 10,000.
    pub total: i64,
    /// True when there are more than `total` (the count stops at 10,000).
    pub total_capped: bool,
    /// Give as `after` for the next page; absent on the last page, and for orders that page by
    /// number only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// An action on a dossier.
#[derive(Deserialize, ToSchema)]
pub struct ActionRequest {
    /// Action name.
    pub action: String,
    /// Note (reasons, what is missing, the apology).
    #[serde(default)]
    pub note: Option<String>,
    /// For `reschedule`: the new due date (RFC 3339, or `YYYY-MM-DD` for the close of that day).
    #[serde(default)]
    pub due_at: Option<String>,
    /// For `forward` and `send_back`: the key of the workflow step to go to (default: the next
    /// step, or the previous one).
    #[serde(default)]
    pub to_step: Option<String>,
}

/// The public lookup answer.
#[derive(Serialize, ToSchema)]
pub struct LookupResponse {
    /// Code.
    pub code: String,
    /// Procedure.
    pub procedure_name: String,
    /// Status.
    pub status: String,
    /// Received.
    pub received_at: Option<String>,
    /// Due.
    pub due_at: Option<String>,
}
