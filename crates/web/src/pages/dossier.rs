//! A citizen's dossiers, the dossier page (for its applicant and for officers, with the actions
//! the viewer may take), and taking an action from the page.

use motcua_app::present;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use motcua_domain::dossier::{Action, AttachmentPurpose, Status};
use motcua_domain::indicator::Timeliness;
use serde::Deserialize;

use super::csrf::{Csrf, CsrfMultipart};
use super::next_step::{next_step, NextStepView};
use super::{Ctx, FeeView, FormErrors, SignedIn};
use crate::error::{AppError, ErrorKind, HttpResult};
use crate::uploads;
use motcua_app::dossiers::act::{self, ActCommand, NewDue};
use motcua_app::dossiers::view::DossierView;
use motcua_app::i18n::Lang;
use motcua_app::present::{show_time, size_text};
use motcua_app::state::AppState;

/// An attachment as shown.
pub struct AttachmentView {
    pub document: String,
    pub file_name: String,
    pub url: String,
    pub size: String,
    pub sha256: String,
}

/// An action form.
pub struct ActionView {
    pub name: &'static str,
    pub label: String,
    pub note_label: String,
    pub style: &'static str,
    /// For a forward or send-back with a choice: the steps (key, name), the default first.
    pub targets: Vec<(String, String)>,
}

/// Options of a form: (value, label).
type Choices = Vec<(String, String)>;

/// An opinion asked of another agency, as shown.
pub struct ConsultationView {
    pub id: i64,
    pub agency: String,
    pub asked: String,
    pub due: String,
    pub state: String,
    pub late: bool,
    pub answer: String,
    pub answered_by_here: bool,
}

/// Both views of the clock, as shown to officers.
pub struct ClockView {
    pub restarted_due: String,
    pub indicator_due: String,
    pub waiting: String,
    pub supplements: i64,
    pub repeated: bool,
    /// The indicator verdict (on time, late, within time, overdue) and when it is taken.
    pub verdict: String,
    pub timeliness: &'static str,
}

#[derive(Template)]
#[template(path = "dossier.html")]
struct DossierPage {
    ctx: Ctx,
    errors: FormErrors,
    /// The form the errors are about, as it was sent.
    sent: SentForm,
    created: bool,
    flash: String,
    code: String,
    procedure: String,
    status: String,
    status_key: String,
    applicant: String,
    phone: String,
    submitted: String,
    /// Where the dossier came from, when not this portal or the desk (the national portal).
    origin: String,
    received: String,
    due: String,
    finished: String,
    result: Option<AttachmentView>,
    /// The officer's own file, when the result was issued signed.
    issued_file: Option<AttachmentView>,
    /// The signed result's verification code, as printed, and its code in links.
    verification: Option<(String, String)>,
    answers: Vec<(String, String)>,
    attachments: Vec<AttachmentView>,
    actions: Vec<ActionView>,
    due_preview: String,
    documents: Vec<(String, String)>,
    history: Vec<(String, String, String, String)>,
    step: String,
    step_due: String,
    step_late: bool,
    assignee: String,
    assign_to: Option<Vec<(i64, String, bool)>>,
    consultations: Vec<ConsultationView>,
    clock: Option<ClockView>,
    forms: Vec<(&'static str, String)>,
    apology_due: bool,
    /// The rating given (criterion label, level label), with its comment.
    rating: Option<(Vec<(String, String)>, String)>,
    /// The rating form: each criterion (key, label) and the levels (key, label).
    rating_form: Option<(Choices, Choices)>,
    /// The fee, when there is one.
    fee: Option<FeeView>,
    /// For the applicant: what to do now, or what happens next.
    next: Option<NextStepView>,
}

fn fee_view(lang: Lang, v: &DossierView) -> Option<FeeView> {
    let d = &v.dossier;
    if d.fee_vnd == 0 {
        return None;
    }
    Some(FeeView {
        status_key: d.fee_state(),
        status: match d.fee_paid_at {
            Some(at) => lang.t_args("fee-paid-at", &[("at", &show_time(Some(at)))]),
            None => lang.t("fee-due"),
        },
        payments: v
            .payments
            .iter()
            .map(|p| {
                (
                    show_time(Some(p.created_at)),
                    present::show_money(p.amount_vnd),
                    lang.t(&format!("payment-{}", p.status.as_str())),
                    p.txn_ref.clone(),
                )
            })
            .collect(),
        // The amount decided at submission is the one owed.
        total: present::show_money(d.fee_vnd),
        ..FeeView::quote(lang, &v.procedure, &d.data).0
    })
}

/// The printable forms that apply to the dossier as it stands (slugs of `/bieu-mau/{form}`).
fn applicable_forms(v: &DossierView, officer: bool) -> Vec<&'static str> {
    let has = |action: &str| v.history.iter().any(|e| e.action == action);
    let mut out = Vec::new();
    if v.dossier.received_at.is_some() && v.dossier.due_at.is_some() {
        out.push("tiep-nhan");
    }
    if has("request_supplement") {
        out.push("bo-sung");
    }
    if has("refuse") {
        // At reception the desk's refusal, after it the deciding agency's: as the act issued it.
        out.extend(motcua_app::issued::form_of_action(Action::Refuse, v).and_then(super::forms::slug_of));
    }
    if has("reschedule") {
        out.push("xin-loi");
    }
    if v.dossier.status == Status::Withdrawn {
        out.push("dung-giai-quyet");
    }
    if officer {
        out.push("kiem-soat");
    }
    out
}

/// "2 ngày 3 giờ" / "2 days 3 hours": a waiting time in days and hours.
fn duration_text(lang: Lang, d: chrono::TimeDelta) -> String {
    let hours = d.num_hours().max(0);
    lang.t_args("duration-days-hours", &[("days", &(hours / 24).to_string()), ("hours", &(hours % 24).to_string())])
}

fn attachment_view(lang: Lang, v: &DossierView, a: &motcua_store::dossiers::Attachment) -> AttachmentView {
    let document = if a.key == "result" || a.key == motcua_app::sealing::SIGNED_RESULT_KEY {
        lang.t("dossier-result")
    } else {
        v.procedure
            .documents
            .iter()
            .find(|d| d.key == a.key)
            .map(|d| lang.pick(&d.name, d.name_en.as_deref()).to_string())
            .unwrap_or_else(|| a.key.clone())
    };
    AttachmentView {
        document: {
            let mut label = document;
            for (flag, key) in [
                (a.purpose == AttachmentPurpose::Supplement, "supplemented"),
                (a.from_citizen_store, "attachment-from-store"),
                (a.digitized, "attachment-digitized"),
            ] {
                if flag {
                    label = format!("{label} ({})", lang.t(key));
                }
            }
            label
        },
        file_name: a.file_name.clone(),
        url: format!("/api/v1/attachments/{}", a.id),
        size: size_text(a.size),
        sha256: a.sha256.clone(),
    }
}

async fn dossier_page(
    state: &AppState,
    ctx: &Ctx,
    v: DossierView,
    (errors, sent): (FormErrors, SentForm),
    created: bool,
    flash: String,
) -> HttpResult<DossierPage> {
    let lang = ctx.lang;
    let d = &v.dossier;
    let p = &v.procedure;
    let answers = present::shown_answers(lang, &p.form, &d.data);
    let due_preview = if v.actions.contains(&Action::Receive) {
        let due = motcua_app::lifecycle::due_if_received(state, p, Utc::now()).await?;
        lang.t_args("receive-due-preview", &[("due", &show_time(Some(due)))])
    } else {
        String::new()
    };
    let key_of = |i: usize| p.workflow.get(i).map(|s| s.key.clone()).unwrap_or_default();
    let choice = |list: &[(usize, String)], default_last: bool| -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = list.iter().map(|(i, name)| (key_of(*i), name.clone())).collect();
        if default_last {
            out.reverse();
        }
        if out.len() > 1 {
            out
        } else {
            vec![]
        }
    };
    let result = v.signed_result.as_ref().or(v.result.as_ref()).map(|a| attachment_view(lang, &v, a));
    let pays_online = state.config.pays_online();
    let next = next_step(lang, &v, result.as_ref().map(|r| r.url.as_str()), pays_online);
    // The payment form stands in the next step when paying is what is to be done now.
    let paid_from_next = next.as_ref().is_some_and(|n| n.pay);
    let actions = v
        .actions
        .iter()
        // Paying online is not offered where the server takes no online payment (the desk
        // records a payment at the counter).
        .filter(|a| !(**a == Action::Pay && (paid_from_next || !(pays_online || ctx.is_officer()))))
        .map(|a| ActionView {
            name: a.as_str(),
            label: match a {
                Action::Pay if ctx.is_officer() => lang.t("action-pay-counter"),
                Action::Pay => lang.t("action-pay-online"),
                _ => lang.t(&format!("action-{}", a.as_str())),
            },
            note_label: lang.t(if a.requires_note() { "action-note-required" } else { "action-note" }),
            style: if matches!(a, Action::Refuse | Action::Withdraw | Action::Stop) { "danger" } else { "" },
            targets: match a {
                Action::Forward => choice(&v.forward_to, false),
                Action::SendBack => choice(&v.send_back_to, true),
                _ => vec![],
            },
        })
        .collect();
    let catalog = state.catalog();
    let agency_name = |code: &str| {
        catalog.agencies.get(code).map(|a| lang.pick(&a.name, a.name_en.as_deref()).to_string()).unwrap_or(code.into())
    };
    let now = Utc::now();
    let consultations = v
        .consultations
        .iter()
        .map(|c| ConsultationView {
            id: c.id,
            agency: agency_name(&c.agency),
            asked: show_time(Some(c.asked_at)),
            due: show_time(Some(c.due_at)),
            state: lang.t(if c.cancelled {
                "consultation-cancelled"
            } else if c.answered_at.is_some() {
                "consultation-answered"
            } else {
                "consultation-waiting"
            }),
            late: c.answered_at.unwrap_or(now) > c.due_at && !c.cancelled,
            answer: c.answer.clone().unwrap_or_default(),
            answered_by_here: v.answerable.contains(&c.id),
        })
        .collect();
    let in_workflow = d.status.is_in_workflow() || d.status == Status::SupplementRequested;
    let step = if in_workflow && d.received_at.is_some() {
        p.workflow.get(d.step).map(|s| format!("{} — {}", s.name, agency_name(&s.agency))).unwrap_or_default()
    } else {
        String::new()
    };
    let assignee = match d.assignee_user_id {
        Some(id) if in_workflow => {
            motcua_store::users::user(&state.db, id).await.map(|u| u.full_name).unwrap_or_default()
        }
        _ => String::new(),
    };
    let assign_to = if v.may_assign {
        Some(
            motcua_app::dossiers::assign::assignable(state, &v)
                .await?
                .into_iter()
                .map(|(id, name)| (id, name, Some(id) == d.assignee_user_id))
                .collect(),
        )
    } else {
        None
    };
    let clock = v.clock.as_ref().filter(|_| ctx.is_officer()).map(|c| ClockView {
        restarted_due: show_time(Some(d.due_at.unwrap_or(c.restarted_due))),
        indicator_due: show_time(Some(c.indicator_due)),
        waiting: duration_text(lang, c.waiting),
        supplements: d.supplement_count,
        repeated: c.repeated_supplements,
        verdict: lang.t_args(
            "indicator-verdict",
            &[
                (
                    "verdict",
                    &lang.t(match c.timeliness {
                        Timeliness::OnTime => "indicator-on-time",
                        Timeliness::Late => "indicator-late",
                        Timeliness::WithinTime => "indicator-within-time",
                        Timeliness::Overdue => "indicator-overdue",
                    }),
                ),
                ("at", &show_time(Some(c.measured_at))),
            ],
        ),
        timeliness: c.timeliness.as_str(),
    });
    Ok(DossierPage {
        fee: fee_view(lang, &v),
        ctx: ctx.clone(),
        errors,
        sent,
        created,
        flash,
        code: d.code.clone(),
        procedure: lang.pick(&p.name, p.name_en.as_deref()).into(),
        status: lang.t(&format!("status-{}", d.status.as_str())),
        status_key: d.status.as_str().into(),
        applicant: d.applicant.full_name.clone(),
        phone: d.applicant.phone.clone(),
        submitted: show_time(Some(d.submitted_at)),
        origin: d
            .external_code
            .as_deref()
            .map(|code| ctx.lang.t_args("dossier-origin-portal", &[("code", code)]))
            .unwrap_or_default(),
        received: show_time(d.received_at),
        due: show_time(d.due_at),
        finished: show_time(d.finished_at),
        // The signed electronic result first; the officer's own file beside it.
        result,
        next,
        issued_file: v.signed_result.as_ref().and(v.result.as_ref()).map(|a| attachment_view(lang, &v, a)),
        verification: v.seal.as_ref().map(|s| {
            let grouped = motcua_domain::code::VerificationCode::parse(&s.code).map(|c| c.grouped());
            (grouped.unwrap_or_else(|| s.code.clone()), s.code.clone())
        }),
        answers,
        attachments: v.attachments.iter().map(|a| attachment_view(lang, &v, a)).collect(),
        actions,
        due_preview,
        documents: p
            .documents
            .iter()
            .map(|x| (x.key.clone(), lang.pick(&x.name, x.name_en.as_deref()).to_string()))
            .collect(),
        history: v
            .history
            .iter()
            .map(|e| {
                (
                    show_time(Some(e.at)),
                    present::event_action(lang, e),
                    present::event_actor(lang, e),
                    present::event_detail(lang, e),
                )
            })
            .collect(),
        rating: v.rating.as_ref().map(|r| {
            let levels = [r.rating.overall, r.rating.timeliness, r.rating.convenience, r.rating.attitude];
            (
                motcua_domain::rating::CRITERIA
                    .iter()
                    .zip(levels)
                    .map(|(c, l)| (lang.t(&format!("rating-{c}")), lang.t(&format!("rating-{}", l.as_str()))))
                    .collect(),
                r.rating.comment.clone().unwrap_or_default(),
            )
        }),
        rating_form: v.may_rate.then(|| {
            (
                motcua_domain::rating::CRITERIA
                    .iter()
                    .map(|c| (c.to_string(), lang.t(&format!("rating-{c}"))))
                    .collect(),
                motcua_domain::rating::Satisfaction::ALL
                    .iter()
                    .map(|l| (l.as_str().to_string(), lang.t(&format!("rating-{}", l.as_str()))))
                    .collect(),
            )
        }),
        apology_due: v.actions.contains(&Action::Reschedule)
            && d.due_at.is_some_and(|due| due <= motcua_app::dossiers::queue::due_soon_until(state, now)),
        forms: applicable_forms(&v, ctx.is_officer()).into_iter().map(|f| (f, lang.t(&format!("form-{f}")))).collect(),
        step_due: if step.is_empty() { String::new() } else { show_time(d.step_due_at) },
        step_late: !step.is_empty() && d.step_due_at.is_some_and(|t| t < now),
        step,
        assignee,
        assign_to,
        consultations,
        clock,
    })
}

/// Page parameters.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    moi: Option<String>,
    xong: Option<String>,
}

/// The dossier page.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    _signed_in: SignedIn,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
) -> HttpResult<Response> {
    let v = motcua_app::dossiers::view::view_dossier(&state, ctx.user.as_ref(), &code).await?;
    let flash = match q.xong.as_deref() {
        Some("answer_consultation") => ctx.t("consultation-sent"),
        Some("rate") => ctx.t("rating-thanks"),
        Some(raw) => match Action::parse(raw) {
            Some(a) => ctx.lang.t_args("action-done", &[("action", &ctx.t(&format!("action-{}", a.as_str())))]),
            None => String::new(),
        },
        None => String::new(),
    };
    let page = dossier_page(&state, &ctx, v, Default::default(), q.moi.is_some(), flash).await?;
    Ok(ctx.render(&page))
}

/// Takes an action from the dossier page; errors come back on the page, success redirects.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    crate::client::ClientIp(client): crate::client::ClientIp,
    CsrfMultipart(mp): CsrfMultipart,
) -> HttpResult<Response> {
    let parts = uploads::read(mp, state.config.max_file_bytes).await?;
    let fields: &HashMap<String, String> = &parts.fields;
    let action = fields.get("action").cloned().unwrap_or_default();
    let note = fields.get("note").map(String::as_str);
    let client_ip = client.to_string();
    let command = Action::parse(action.trim()).map(|action| ActCommand {
        action,
        note,
        new_due: fields.get("due_at").and_then(|raw| NewDue::parse(raw)),
        to_step: fields.get("to_step").map(String::as_str),
        files: &parts.files,
        client_ip: Some(&client_ip),
        lang: ctx.lang,
    });
    let outcome = match command {
        Some(command) => act::act(&state, &user, &code, command).await,
        None => Err(act::unavailable()),
    };
    let result = match outcome {
        // Paying online continues at the payment gateway.
        Ok(v) if v.payment_url.is_some() => {
            return Ok(Redirect::to(v.payment_url.as_deref().unwrap_or_default()).into_response())
        }
        other => other.map(|_| ()),
    };
    let sent = SentForm {
        name: action.trim().to_string(),
        note: fields.get("note").cloned().unwrap_or_default(),
        due_at: fields.get("due_at").cloned().unwrap_or_default(),
        ..SentForm::default()
    };
    after_form(&state, &ctx, &user, &code, sent, result).await
}

/// A form of the dossier page as it was sent, so that its problems come back beside its fields
/// with what was typed.
#[derive(Default)]
pub struct SentForm {
    /// The action, `answer_consultation` or `rate`.
    pub name: String,
    /// The consultation answered.
    pub consultation: Option<i64>,
    /// The note of an action.
    pub note: String,
    /// The new due date of a reschedule, as typed.
    pub due_at: String,
    /// The opinion given to a consultation.
    pub answer: String,
    /// The rating's comment.
    pub comment: String,
    /// The rating's levels chosen: (criterion, level).
    pub levels: Vec<(String, String)>,
}

impl SentForm {
    /// Whether this is the opinion sent for the consultation `id`.
    pub fn answers_consultation(&self, id: &i64) -> bool {
        self.name == "answer_consultation" && self.consultation == Some(*id)
    }

    /// Whether the rating sent chose this level for this criterion.
    pub fn chose(&self, criterion: &str, level: &str) -> bool {
        self.levels.iter().any(|(c, l)| c == criterion && l == level)
    }

    /// The fields of this form as its messages name them, with the ids of their inputs.
    fn fields(&self, state: &AppState, lang: Lang, v: &DossierView) -> Vec<(present::FieldName, String)> {
        use present::{Entry, FieldName};
        let name = &self.name;
        match name.as_str() {
            "answer_consultation" => vec![(
                FieldName::new("answer", lang.t("consultation-your-answer"), Entry::Typed),
                format!("answer-text-{}", self.consultation.unwrap_or_default()),
            )],
            "rate" => {
                let mut out: Vec<(FieldName, String)> = motcua_domain::rating::CRITERIA
                    .iter()
                    .map(|c| (FieldName::new(c, lang.t(&format!("rating-{c}")), Entry::Chosen), format!("f-{c}")))
                    .collect();
                out.push((FieldName::new("comment", lang.t("rating-comment"), Entry::Typed), "f-comment".into()));
                out
            }
            _ => {
                let required = Action::parse(name).is_some_and(|a| a.requires_note());
                let note = lang.t(if required { "action-note-required" } else { "action-note" });
                let mut out = vec![
                    (FieldName::new("note", note, Entry::Typed), format!("note-{name}")),
                    (FieldName::new("due_at", lang.t("action-new-due"), Entry::Typed), format!("due-{name}")),
                    (
                        FieldName::new("result", lang.t("action-result-file"), Entry::File)
                            .limit(size_text(state.config.max_file_bytes as i64)),
                        format!("file-{name}"),
                    ),
                ];
                out.extend(v.procedure.documents.iter().map(|d| {
                    (present::FieldName::of_document(lang, d, state.config.max_file_bytes), format!("sup-{}", d.key))
                }));
                out
            }
        }
    }
}

/// Where a form of the dossier page leads: back to the page with a flash naming what was done,
/// or the page again with the problems the user can mend, beside the fields of the form they
/// sent (409 when the dossier moved on meanwhile, 422 otherwise); other errors are the error
/// page's.
async fn after_form(
    state: &AppState,
    ctx: &Ctx,
    user: &motcua_store::users::User,
    code: &str,
    sent: SentForm,
    result: Result<(), AppError>,
) -> HttpResult<Response> {
    let e = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/ho-so/{code}?xong={}", sent.name)).into_response()),
        Err(e) if matches!(e.kind, ErrorKind::Validation | ErrorKind::Conflict) => e,
        Err(e) => return Err(e.into()),
    };
    let v = motcua_app::dossiers::view::view_dossier(state, Some(user), code).await?;
    let errors = if e.fields.is_empty() {
        FormErrors::general(ctx.t(e.message.unwrap_or(e.kind.message_key())))
    } else {
        let fields = sent.fields(state, ctx.lang, &v);
        let names: Vec<present::FieldName> = fields.iter().map(|(n, _)| n.clone()).collect();
        fields
            .into_iter()
            .fold(FormErrors::named(ctx.lang, &e.fields, &names), |errors, (n, id)| errors.link(&n.key, id))
    };
    let page = dossier_page(state, ctx, v, (errors, sent), false, String::new()).await?;
    let status = if e.kind == ErrorKind::Conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(ctx.render_status(status, &page))
}

/// The opinion form of a consulted agency.
#[derive(Deserialize)]
pub struct AnswerForm {
    consultation: i64,
    #[serde(default)]
    answer: String,
}

/// A consulted agency gives its opinion from the dossier page.
pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    Csrf(axum::Form(form)): Csrf<axum::Form<AnswerForm>>,
) -> HttpResult<Response> {
    let result =
        motcua_app::dossiers::consult::answer_consultation(&state, &user, &code, form.consultation, &form.answer)
            .await
            .map(|_| ());
    let sent = SentForm {
        name: "answer_consultation".into(),
        consultation: Some(form.consultation),
        answer: form.answer,
        ..SentForm::default()
    };
    after_form(&state, &ctx, &user, &code, sent, result).await
}

/// The rating form.
#[derive(Deserialize)]
pub struct RatingForm {
    overall: Option<String>,
    timeliness: Option<String>,
    convenience: Option<String>,
    attitude: Option<String>,
    comment: Option<String>,
}

/// The applicant rates the service from the dossier page.
pub async fn rate(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    Csrf(axum::Form(f)): Csrf<axum::Form<RatingForm>>,
) -> HttpResult<Response> {
    let levels = [f.overall.as_deref(), f.timeliness.as_deref(), f.convenience.as_deref(), f.attitude.as_deref()];
    let result =
        motcua_app::dossiers::rate::rate_dossier(&state, &user, &code, levels, f.comment.as_deref()).await.map(|_| ());
    let sent = SentForm {
        name: "rate".into(),
        levels: motcua_domain::rating::CRITERIA
            .iter()
            .zip(levels)
            .filter_map(|(c, l)| l.map(|l| (c.to_string(), l.to_string())))
            .collect(),
        comment: f.comment.clone().unwrap_or_default(),
        ..SentForm::default()
    };
    after_form(&state, &ctx, &user, &code, sent, result).await
}
