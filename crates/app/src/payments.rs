//! Paying a dossier's fee (DESIGN.md section 7): starting a payment at the gateway, settling it
//! when the gateway confirms (signature, amount, once), cash at the counter, the fee's lines as
//! people read them, and the electronic receipt.

use chrono::{Datelike, Utc};
use motcua_domain::dossier::{after_payment, Action, Actor};
use motcua_domain::fee::{quote, FeeLine};
use motcua_domain::history::Fact;
use motcua_store::catalog::Procedure;
use motcua_store::dossiers::{self, By, Change, Dossier};
use motcua_store::issued_forms::IssuedForm;
use motcua_store::payments::{self, GatewayFacts, LogEntry, LogOutcome, Payment, PaymentStatus, Settled};
use motcua_store::users::User;
use motcua_store::StoreError;
use serde_json::{Map, Value};

use crate::error::{AppError, AppResult, ErrorKind};
use crate::gateway::{self, IpnAnswer, PayRequest};
use crate::i18n::Lang;
use crate::state::AppState;

/// Where the built-in sandbox gateway takes payments.
pub const SANDBOX_PATH: &str = "/cong-thanh-toan-thu/thanh-toan";
/// Where the gateway sends the payer back.
pub const RETURN_PATH: &str = "/thanh-toan/ket-qua";
/// Where the gateway confirms, server to server.
pub const IPN_PATH: &str = "/api/v1/payments/ipn";

/// Ký hiệu mẫu biên lai — the form symbol of the electronic fee receipts, written as Circular
/// 78/2021/TT-BTC has it: `01` a receipt of fees and charges without a printed face value, `BLP`
/// biên lai thu phí, lệ phí, `0` no paper copies (liên), being electronic, `-001` the first form of
/// its kind. A collecting organisation registers its symbols with its tax office; where the
/// agencies registered others, this and [`FEE_RECEIPT_SERIES_LETTERS`] change. Circular
/// 32/2025/TT-BTC replaced 78/2021 from 1 June 2025 (with Decree 70/2025/NĐ-CP amending Decree
/// 123/2020); whether it changed the receipt symbols is to be checked against its text.
pub const FEE_RECEIPT_FORM_SYMBOL: &str = "01BLP0-001";
/// The letters that open the receipt series symbol (ký hiệu biên lai) and tell one series of an
/// organisation's receipts from another.
pub const FEE_RECEIPT_SERIES_LETTERS: &str = "AA";

/// Ký hiệu biên lai — the series symbol of the electronic fee receipts issued in `year`: the
/// series letters, the year's last two digits and `E` for an electronic receipt ("AA-26E"). A
/// receipt's number counts within its agency and year, as the series does.
pub fn fee_receipt_series(year: i32) -> String {
    format!("{FEE_RECEIPT_SERIES_LETTERS}-{:02}E", year.rem_euclid(100))
}

fn public(state: &AppState) -> &str {
    state.config.public_url.trim_end_matches('/')
}

/// The gateway's payment address: the configured gateway's, else the sandbox's in demo mode;
/// `None` when applicants cannot pay online.
pub fn pay_url(state: &AppState) -> Option<String> {
    match &state.config.payment.pay_url {
        Some(url) => Some(url.clone()),
        None => state.config.sandbox_gateway().then(|| format!("{}{SANDBOX_PATH}", public(state))),
    }
}

/// The confirmation address registered with the gateway.
pub fn ipn_url(state: &AppState) -> String {
    format!("{}{IPN_PATH}", public(state))
}

/// The label of an option of one of the procedure's select fields.
fn option_of(p: &Procedure, lang: Lang, key: &str, value: &str) -> String {
    match p.form.iter().find(|f| f.key == key) {
        Some(f) => crate::present::option_label(lang, f, value),
        None => value.to_string(),
    }
}

/// A fee's lines named for people, and the total, for the given answers. A fee charged per copy
/// shows each line of one copy times the copies, so that the lines still add up to the total on
/// the page and on the receipt.
pub fn fee_lines(p: &Procedure, answers: &Map<String, Value>, lang: Lang) -> (Vec<(String, i64)>, i64) {
    let q = quote(&p.fee, answers);
    let label = |key: &str| crate::present::field_label(lang, &p.form, key);
    let option = |key: &str, value: &str| option_of(p, lang, key, value);
    let text = |l: &FeeLine| match l {
        FeeLine::Base { .. } => lang.t("fee-line-base"),
        FeeLine::Option { field, value, .. } => format!("{}: {}", label(field), option(field, value)),
        FeeLine::Units { field, from, count, unit_vnd, .. } => lang.t_args(
            "fee-line-units",
            &[
                ("field", &label(field)),
                ("from", &from.to_string()),
                ("count", &count.to_string()),
                ("unit", &crate::present::fee_text(lang, *unit_vnd)),
            ],
        ),
        FeeLine::Cap { .. } => lang.t("fee-line-cap"),
        // A copies line holds the lines of one copy and is written through them below.
        FeeLine::Copies { field, .. } => label(field),
    };
    let mut lines = Vec::new();
    for l in &q.lines {
        match l {
            FeeLine::Copies { field, count, per_copy, .. } => {
                for one in per_copy {
                    let words = lang.t_args(
                        "fee-line-copies",
                        &[("line", &text(one)), ("count", &count.to_string()), ("field", &label(field))],
                    );
                    lines.push((words, one.amount_vnd().saturating_mul(i64::from(*count))));
                }
            }
            _ => lines.push((text(l), l.amount_vnd())),
        }
    }
    (lines, q.total_vnd)
}

/// A procedure's fee schedule in words, for the application form: the base amount, what
/// changes it, the ceiling.
pub fn schedule_text(p: &Procedure, lang: Lang) -> Vec<String> {
    use motcua_domain::fee::FeeRule;
    let money = |v: i64| crate::present::fee_text(lang, v);
    let label = |key: &str| crate::present::field_label(lang, &p.form, key);
    let mut out = vec![lang.t_args("fee-schedule-base", &[("amount", &money(p.fee.base_vnd))])];
    for r in &p.fee.rules {
        out.push(match r {
            FeeRule::Option { field: key, value, amount_vnd } => {
                format!("{}: {} — {}", label(key), option_of(p, lang, key, value), money(*amount_vnd))
            }
            FeeRule::PerUnit { field: key, from, to: None, amount_vnd } => lang.t_args(
                "fee-schedule-units",
                &[("field", &label(key)), ("from", &from.to_string()), ("unit", &money(*amount_vnd))],
            ),
            FeeRule::PerUnit { field: key, from, to: Some(to), amount_vnd } => lang.t_args(
                "fee-schedule-units-range",
                &[
                    ("field", &label(key)),
                    ("from", &from.to_string()),
                    ("to", &to.to_string()),
                    ("unit", &money(*amount_vnd)),
                ],
            ),
        });
    }
    match (p.fee.max_vnd, &p.fee.copies) {
        (Some(max), None) => out.push(lang.t_args("fee-schedule-max", &[("amount", &money(max))])),
        (Some(max), Some(_)) => out.push(lang.t_args("fee-schedule-max-per-copy", &[("amount", &money(max))])),
        (None, _) => {}
    }
    if let Some(key) = &p.fee.copies {
        out.push(lang.t_args("fee-schedule-copies", &[("field", &label(key))]));
    }
    out.push(lang.t(&format!("fee-timing-{}", p.fee.timing.as_str())));
    out
}

/// Starts paying a dossier's fee, once the lifecycle rules offered `pay` to this actor: the
/// applicant is sent to the gateway (the answer is the signed address); a desk officer records
/// cash received at the counter, settled at once.
pub(crate) async fn start(
    state: &AppState,
    user: &User,
    d: &Dossier,
    p: &Procedure,
    actor: &Actor,
    client_ip: Option<&str>,
    lang: Lang,
) -> AppResult<Option<String>> {
    let now = Utc::now();
    if matches!(actor, Actor::Officer { .. }) {
        let payment = payments::start(&state.db, d, "counter", Some(user.id), now).await?;
        let by = By { user_id: Some(user.id), name: user.full_name.clone() };
        let paid = Fact::PaidCash { amount_vnd: payment.amount_vnd };
        let facts = GatewayFacts { response_code: Some("00".into()), ..GatewayFacts::default() };
        match settle(state, &payment, &facts, &by, paid, None).await? {
            Settled::Paid(..) => return Ok(None),
            _ => return Err(AppError::with(ErrorKind::Conflict, "error-changed-meanwhile")),
        }
    }
    // Without a gateway (and outside the demo) the fee is paid at the counter: no payment is
    // started that nothing could settle.
    let pay_url = pay_url(state).ok_or_else(|| AppError::with(ErrorKind::Conflict, "payment-online-off"))?;
    let payment = payments::start(&state.db, d, &state.config.payment.name, Some(user.id), now).await?;
    let order_info = format!("Thanh toan phi, le phi ho so {} ({})", d.code, p.code);
    let return_url = format!("{}{RETURN_PATH}", public(state));
    let url = gateway::payment_url(
        &state.config.payment,
        &pay_url,
        &PayRequest {
            txn_ref: &payment.txn_ref,
            amount_vnd: payment.amount_vnd,
            order_info: &order_info,
            return_url: &return_url,
            ip: client_ip.unwrap_or("127.0.0.1"),
            locale: match lang {
                Lang::Vi => "vn",
                Lang::En => "en",
            },
            created: now,
        },
    );
    Ok(Some(url))
}

/// Settles a payment as paid with the dossier's `pay` event (and its resumption when it was
/// waiting for the money), deciding again if the dossier changed meanwhile.
async fn settle(
    state: &AppState,
    payment: &Payment,
    facts: &GatewayFacts,
    by: &By,
    paid: Fact,
    log: Option<&LogEntry>,
) -> AppResult<Settled> {
    for _ in 0..5 {
        let d = dossiers::by_id(&state.db, payment.dossier_id).await?;
        let p = state.procedure_version(d.procedure_version_id).await?;
        let s = crate::lifecycle::situation(&d, &p);
        let t = after_payment(&s);
        let now = Utc::now();
        let mut change = Change::from_transition(&s, Action::Pay, t, now, None, None, vec![]);
        change.fact = Some(paid.clone());
        change.jobs.push(receipt_job(payment));
        // A dossier waiting for its fee enters its first step now: its allotment and the
        // opinions it asks start with the payment.
        crate::lifecycle::plan_step(state, &p, &s, &t, now, &mut change).await?;
        if t.to != s.status {
            change.follow_ups = crate::jobs::notify::follow_ups(t.to, crate::jobs::notify::Notice::Status);
        }
        match payments::settle_paid(&state.db, payment, &d, &change, facts, by, log, now).await {
            Err(StoreError::Conflict(_)) => continue,
            other => return Ok(other?),
        }
    }
    Err(AppError::with(ErrorKind::Conflict, "error-changed-meanwhile"))
}

/// The most of a received message written to the payment log: enough to reconcile, not enough
/// for one request to fill the disk.
pub const LOGGED_DETAIL_MAX: usize = 512;

/// `why` (if any) and the query string as received, without its signature, for the log; at
/// most [`LOGGED_DETAIL_MAX`] characters.
fn logged_query(why: &str, query: &[(String, String)]) -> String {
    let received =
        query.iter().filter(|(k, _)| k != gateway::HASH_PARAM).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>();
    let text = if why.is_empty() { received.join("&") } else { format!("{why}: {}", received.join("&")) };
    if text.chars().count() <= LOGGED_DETAIL_MAX {
        return text;
    }
    let mut cut: String = text.chars().take(LOGGED_DETAIL_MAX - 1).collect();
    cut.push('…');
    cut
}

/// Handles the gateway's server-to-server confirmation: checks the signature, reads the result
/// (every result parameter present, none of the payment request's), finds the payment, checks
/// the amount is exactly the one asked, then settles it once. Everything refused is logged with
/// where it came from, in full up to [`crate::refusals::RefusalLog::FULL_PER_MINUTE`] per
/// address and minute, then as one summary line.
pub async fn confirm(state: &AppState, query: &[(String, String)], remote: Option<String>) -> IpnAnswer {
    let named_ref = query.iter().find(|(k, _)| k == "vnp_TxnRef").map(|(_, v)| v.chars().take(64).collect());
    let log = |outcome: LogOutcome, txn_ref: Option<String>, detail: String| LogEntry {
        at: Utc::now(),
        txn_ref,
        outcome,
        remote_addr: remote.clone(),
        detail,
    };
    let (answer, entry) = match decide(state, query, remote.as_deref()).await {
        // Settled: its log line was written in the same transaction.
        Ok((answer, _, _, _, true)) => return answer,
        Ok((answer, outcome, txn_ref, detail, false)) => (answer, log(outcome, Some(txn_ref), detail)),
        Err((answer, outcome, why)) => (answer, log(outcome, named_ref, logged_query(&why, query))),
    };
    if answer != IpnAnswer::Confirmed {
        let (in_full, ended) = state.refusals.refused(remote.as_deref().unwrap_or("?"), entry.at);
        log_refusal_summaries(state, ended).await;
        if !in_full {
            return answer;
        }
        tracing::warn!(outcome = %entry.outcome, txn_ref = ?entry.txn_ref, remote = ?entry.remote_addr, "payment confirmation refused");
    }
    if let Err(e) = payments::log(&state.db, &entry).await {
        tracing::error!("payment log: {e}");
    }
    answer
}

/// Writes the summaries of refusals past the threshold: one line per address and minute.
async fn log_refusal_summaries(state: &AppState, summaries: Vec<crate::refusals::Summary>) {
    for s in summaries {
        tracing::warn!(remote = %s.source, "{}", s.line());
        let entry = LogEntry {
            at: s.until,
            txn_ref: None,
            outcome: LogOutcome::Summarised,
            remote_addr: Some(s.source.clone()),
            detail: s.line(),
        };
        if let Err(e) = payments::log(&state.db, &entry).await {
            tracing::error!("payment log: {e}");
        }
    }
}

/// Writes the summaries of the minutes ended by `now`, for a timer: the last minute of a flood
/// is summarised even when no confirmation follows it.
pub async fn log_ended_refusals(state: &AppState, now: chrono::DateTime<Utc>) {
    log_refusal_summaries(state, state.refusals.ended(now)).await;
}

/// Runs for the life of the server: each minute, the summaries of the minutes just ended.
pub async fn summarise_refusals_each_minute(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        log_ended_refusals(&state, Utc::now()).await;
    }
}

/// The answer, the log's outcome, the reference, the detail, and whether the log line was
/// already written with the settlement.
type Decision = (IpnAnswer, LogOutcome, String, String, bool);

/// A confirmation refused before its payment was found: the answer, the log's outcome, and why
/// (for the log).
type Refusal = (IpnAnswer, LogOutcome, String);

async fn decide(state: &AppState, query: &[(String, String)], remote: Option<&str>) -> Result<Decision, Refusal> {
    let params = gateway::verify(&state.config.payment.secret, query).map_err(|e| {
        let outcome = if e == gateway::SignatureError::Missing { LogOutcome::Unsigned } else { LogOutcome::Forged };
        (IpnAnswer::InvalidSignature, outcome, String::new())
    })?;
    let result = gateway::read_result(&params, &state.config.payment.merchant)
        .map_err(|e| (IpnAnswer::Unknown, LogOutcome::Malformed, e.to_string()))?;
    let payment = match payments::by_ref(&state.db, &result.txn_ref).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Err((IpnAnswer::NotFound, LogOutcome::Unknown, String::new())),
        Err(e) => {
            tracing::error!("finding payment {}: {e}", result.txn_ref);
            return Err((IpnAnswer::Unknown, LogOutcome::Error, String::new()));
        }
    };
    let detail = logged_query("", query);
    // The amount before "already confirmed", as the protocol's sample confirmation handler does.
    if result.amount_vnd != payment.amount_vnd {
        return Ok((IpnAnswer::InvalidAmount, LogOutcome::WrongAmount, payment.txn_ref, detail, false));
    }
    // A payment reported failed can still be paid by a later genuine success (the money was
    // taken); one paid stays paid, and a failure said twice changes nothing.
    let settled_before = match payment.status {
        PaymentStatus::Pending => false,
        PaymentStatus::Failed => !result.paid,
        PaymentStatus::Paid | PaymentStatus::Refund => true,
    };
    if settled_before {
        return Ok((IpnAnswer::AlreadyConfirmed, LogOutcome::Replayed, payment.txn_ref, detail, false));
    }
    let facts = GatewayFacts {
        gateway_txn_no: Some(result.transaction_no.clone()),
        bank_code: result.bank_code.clone(),
        response_code: Some(result.response_code.clone()),
    };
    let settled = if result.paid {
        let by = By { user_id: None, name: state.config.payment.name.clone() };
        let paid = Fact::PaidOnline {
            gateway: state.config.payment.name.clone(),
            amount_vnd: payment.amount_vnd,
            txn_ref: payment.txn_ref.clone(),
            bank_code: result.bank_code.clone(),
        };
        let entry = LogEntry {
            at: Utc::now(),
            txn_ref: Some(payment.txn_ref.clone()),
            outcome: LogOutcome::Paid,
            remote_addr: remote.map(str::to_string),
            detail: detail.clone(),
        };
        settle(state, &payment, &facts, &by, paid, Some(&entry)).await
    } else {
        payments::settle_failed(&state.db, &payment, &facts, Utc::now()).await.map_err(AppError::from)
    };
    match settled {
        Ok(Settled::Paid(_)) => Ok((IpnAnswer::Confirmed, LogOutcome::Paid, payment.txn_ref, detail, true)),
        Ok(Settled::Refund(_)) => Ok((IpnAnswer::Confirmed, LogOutcome::PaidTwice, payment.txn_ref, detail, true)),
        Ok(Settled::Failed(_)) => Ok((IpnAnswer::Confirmed, LogOutcome::Failed, payment.txn_ref, detail, false)),
        Ok(Settled::AlreadySettled(_)) => {
            Ok((IpnAnswer::AlreadyConfirmed, LogOutcome::Replayed, payment.txn_ref, detail, false))
        }
        Err(e) => {
            tracing::error!("settling payment {}: {e:?}", payment.txn_ref);
            Err((IpnAnswer::Unknown, LogOutcome::Error, String::new()))
        }
    }
}

/// The payment named by a signed return from the gateway, and what the gateway said; `None`
/// when the signature does not hold, the message is not a result of the gateway (the same rules
/// as the confirmation's) or the payment is unknown.
pub async fn returned(
    state: &AppState,
    query: &[(String, String)],
) -> AppResult<Option<(Payment, gateway::GatewayResult)>> {
    let Ok(params) = gateway::verify(&state.config.payment.secret, query) else { return Ok(None) };
    let Ok(result) = gateway::read_result(&params, &state.config.payment.merchant) else { return Ok(None) };
    match payments::by_ref(&state.db, &result.txn_ref).await {
        Ok(p) => Ok(Some((p, result))),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The electronic receipt of a dossier's fee, for whoever may see the dossier: the receipt
/// issued after the payment was settled, the same bytes ever after (issued now if its job has
/// not run yet).
pub async fn receipt_pdf(state: &AppState, user: Option<&User>, code: &str) -> AppResult<Vec<u8>> {
    let view = crate::dossiers::view::view_dossier(state, user, code).await?;
    let form = match motcua_store::issued_forms::latest(&state.db, view.dossier.id, FEE_RECEIPT.key()).await? {
        Some(form) => form,
        None => issue_receipt(state, &view).await?,
    };
    Ok(state.blobs.get(&form.blob.storage_key).await?.to_vec())
}

const FEE_RECEIPT: motcua_render::FormKind = motcua_render::FormKind::FeeReceipt;

/// The job that issues the fee receipt of a payment just settled.
pub const FEE_RECEIPT_JOB: &str = "fee_receipt";

/// The job that issues the fee receipt of `payment` once it is settled, enqueued in the
/// settlement's transaction: rendering and signing take a few milliseconds of the processor,
/// which the gateway's confirmation need not wait for. A receipt whose job has not run yet is
/// issued at its first download.
fn receipt_job(payment: &Payment) -> motcua_store::jobs::NewJob {
    motcua_store::jobs::NewJob::new(FEE_RECEIPT_JOB, serde_json::json!({ "dossier_id": payment.dossier_id }))
        .dedupe(format!("{FEE_RECEIPT_JOB}:{}", payment.id))
}

/// Adds the issuing of fee receipts to the worker's handlers.
pub fn register(handlers: crate::jobs::worker::Handlers, state: AppState) -> crate::jobs::worker::Handlers {
    use crate::jobs::worker::JobError;
    #[derive(serde::Deserialize)]
    struct Payload {
        dossier_id: i64,
    }
    handlers.register(FEE_RECEIPT_JOB, move |job| {
        let state = state.clone();
        async move {
            let Payload { dossier_id } = job.payload_as().map_err(|e| JobError::permanent(e.to_string()))?;
            let issued = async {
                if motcua_store::issued_forms::latest(&state.db, dossier_id, FEE_RECEIPT.key()).await?.is_some() {
                    return Ok(());
                }
                let d = dossiers::by_id(&state.db, dossier_id).await?;
                let view = crate::dossiers::view::assemble(&state, d, &Actor::Stranger).await?;
                issue_receipt(&state, &view).await.map(|_| ())
            };
            issued.await.map_err(|e: AppError| JobError::retry(format!("{e:?}")))
        }
    })
}

/// Renders, signs (by the collecting agency), stores and records the receipt of the dossier's
/// paid fee, once: it records the `pay` event, so two issuers racing keep one receipt.
async fn issue_receipt(state: &AppState, view: &crate::dossiers::view::DossierView) -> AppResult<IssuedForm> {
    let d = &view.dossier;
    let paid = payments::of_dossier(&state.db, d.id)
        .await?
        .into_iter()
        .find(|p| p.status == PaymentStatus::Paid)
        .ok_or_else(AppError::not_found)?;
    let event = view.last_event(&[Action::Pay]).ok_or_else(AppError::not_found)?;
    let (lines, _) = fee_lines(&view.procedure, &d.data, Lang::Vi);
    let method = if paid.gateway == "counter" {
        "Tiền mặt tại Bộ phận Một cửa".to_string()
    } else {
        format!(
            "Thanh toán trực tuyến qua cổng thanh toán{}",
            paid.bank_code.as_deref().map(|b| format!(" ({b})")).unwrap_or_default()
        )
    };
    let paid_at = paid.settled_at.unwrap_or(paid.created_at);
    let issued_on = paid_at.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive();
    let agency = &view.procedure.agency;
    let form = motcua_render::FeeReceipt {
        issuer: state.issuer(agency),
        tax_code: agency.tax_code.clone().unwrap_or_default(),
        form_symbol: FEE_RECEIPT_FORM_SYMBOL.to_string(),
        series: fee_receipt_series(issued_on.year()),
        number: paid.receipt_no.clone().unwrap_or_default(),
        dossier: state.config.dossier_ref(&d.code),
        issued_on,
        payer: view.form_applicant(),
        // The catalog names no fee of its own (Lệ phí hộ tịch, …): the procedure's fees it is.
        fee_name: format!("Phí, lệ phí giải quyết thủ tục {}", view.procedure.name),
        items: lines.into_iter().map(|(label, amount_vnd)| motcua_render::FeeItem { label, amount_vnd }).collect(),
        method,
        reference: match &paid.gateway_txn_no {
            Some(no) => format!("{} / {no}", paid.txn_ref),
            None => paid.txn_ref.clone(),
        },
        paid_at,
        digitally_signed: state.config.signers.get(&agency.code).is_some(),
    };
    let pdf = motcua_render::render_fee_receipt(&form, state.config.form_numbering)
        .map_err(|e| AppError::internal(format!("fee receipt: {e}")))?;
    let now = Utc::now();
    let (bytes, signed) =
        crate::issued::sign(state, &agency.code, &agency.name, &d.code, FEE_RECEIPT, pdf, now).await?;
    crate::issued::keep(state, d.id, event.id, FEE_RECEIPT, bytes, now, signed).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_series_symbol_names_the_year_and_an_electronic_receipt() {
        assert_eq!(fee_receipt_series(2026), "AA-26E");
        assert_eq!(fee_receipt_series(2100), "AA-00E");
    }
}
