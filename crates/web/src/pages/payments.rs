//! Payment pages: where the gateway sends the payer back, the electronic receipt, the
//! reconciliation list for officers, and the built-in sandbox gateway that speaks the real
//! protocol for the demo and the tests.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use motcua_domain::calendar::vn_offset;
use motcua_domain::dossier::Role;
use motcua_store::payments::{self, LogOutcome, PaymentStatus};
use serde::Deserialize;

use super::csrf::Csrf;
use super::{Ctx, SignedIn};
use crate::error::{AppError, HttpResult};
use motcua_app::gateway;
use motcua_app::present::{show_money, show_time};
use motcua_app::state::AppState;

#[derive(Template)]
#[template(path = "payment_return.html")]
struct ReturnPage {
    ctx: Ctx,
    /// `paid`, `waiting`, `failed` or `invalid`.
    outcome: &'static str,
    code: String,
    amount: String,
}

/// Where the gateway sends the payer back. The signed result is shown, but only the gateway's
/// server-to-server confirmation settles the payment: until it has arrived the page says so and
/// looks again shortly.
pub async fn returned(State(state): State<AppState>, ctx: Ctx, RawQuery(query): RawQuery) -> HttpResult<Response> {
    let page = match motcua_app::payments::returned(&state, &gateway::query_pairs(query.as_deref())).await? {
        None => ReturnPage { ctx: ctx.clone(), outcome: "invalid", code: String::new(), amount: String::new() },
        Some((payment, result)) => ReturnPage {
            ctx: ctx.clone(),
            outcome: match payment.status {
                PaymentStatus::Paid | PaymentStatus::Refund => "paid",
                PaymentStatus::Failed => "failed",
                PaymentStatus::Pending if result.paid => "waiting",
                PaymentStatus::Pending => "failed",
            },
            code: payment.dossier_code,
            amount: show_money(payment.amount_vnd),
        },
    };
    let mut response = ctx.render(&page);
    if page.outcome == "waiting" {
        response.headers_mut().insert(header::REFRESH, header::HeaderValue::from_static("3"));
    }
    Ok(response)
}

/// The electronic receipt of a dossier's fee.
pub async fn receipt(State(state): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> HttpResult<Response> {
    let pdf = motcua_app::payments::receipt_pdf(&state, ctx.user.as_ref(), &code).await?;
    Ok(super::forms::pdf(&format!("bien-lai-{code}"), pdf))
}

/// Reconciliation filters.
#[derive(Deserialize, Default)]
pub struct ReconcileQuery {
    /// First day, `YYYY-MM-DD` (default: today).
    tu: Option<String>,
    /// Last day, inclusive (default: the first).
    den: Option<String>,
    /// `csv` for a spreadsheet.
    #[serde(rename = "dinh-dang")]
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "reconcile.html")]
struct ReconcilePage {
    ctx: Ctx,
    from: String,
    until: String,
    /// Per day and status: (day, status, count, total).
    days: Vec<(String, String, usize, String)>,
    /// Each payment: time, dossier, amount, gateway, status key, status, gateway number, bank, receipt.
    rows: Vec<[String; 9]>,
    /// Confirmations refused or repeated: time, reference, outcome, address.
    refused: Vec<[String; 4]>,
    csv_link: String,
}

/// The payments of a period by day and status, for the agency's officers (every agency for the
/// service centre and the steering committee), with the confirmations refused; as CSV too.
pub async fn reconcile(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<ReconcileQuery>,
) -> HttpResult<Response> {
    let Some(agency) = user.agency_code.clone().filter(|_| user.is_officer()) else {
        return Err(AppError::not_found().into());
    };
    let everywhere = user.has(Role::Steering)
        || user.has(Role::Admin)
        || state.catalog().agencies.get(&agency).is_some_and(|a| a.is_service_centre());
    let scope = (!everywhere).then_some(agency.as_str());
    let today = Utc::now().with_timezone(&vn_offset()).date_naive();
    let day = |s: Option<&String>| s.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok());
    let from = day(q.tu.as_ref()).unwrap_or(today);
    let until = day(q.den.as_ref()).filter(|u| *u >= from && *u - from <= Duration::days(366)).unwrap_or(from);
    let start = |d: NaiveDate| vn_offset().from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()).single();
    let (Some(a), Some(b)) = (start(from), start(until + Duration::days(1))) else {
        return Err(AppError::not_found().into());
    };
    let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
    let list = payments::between(&state.db, scope, a, b).await?;
    let lang = ctx.lang;
    let local_day = |t: chrono::DateTime<Utc>| t.with_timezone(&vn_offset()).format("%Y-%m-%d").to_string();
    if q.format.as_deref() == Some("csv") {
        let mut csv = String::from(
            "created_at,dossier_code,amount_vnd,gateway,status,gateway_txn_no,bank_code,receipt_no,settled_at,txn_ref\n",
        );
        let cell = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        for p in &list {
            csv.push_str(
                &[
                    p.created_at.with_timezone(&vn_offset()).to_rfc3339(),
                    cell(&p.dossier_code),
                    p.amount_vnd.to_string(),
                    cell(&p.gateway),
                    p.status.as_str().to_string(),
                    cell(p.gateway_txn_no.as_deref().unwrap_or("")),
                    cell(p.bank_code.as_deref().unwrap_or("")),
                    cell(p.receipt_no.as_deref().unwrap_or("")),
                    p.settled_at.map(|t| t.with_timezone(&vn_offset()).to_rfc3339()).unwrap_or_default(),
                    cell(&p.txn_ref),
                ]
                .join(","),
            );
            csv.push('\n');
        }
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"doi-soat-{from}-{until}.csv\"")),
            ],
            csv,
        )
            .into_response());
    }
    let mut days: BTreeMap<(String, &'static str), (usize, i64)> = BTreeMap::new();
    for p in &list {
        let e = days.entry((local_day(p.created_at), p.status.as_str())).or_default();
        e.0 += 1;
        e.1 += p.amount_vnd;
    }
    let rows = list
        .iter()
        .map(|p| {
            [
                show_time(Some(p.created_at)),
                p.dossier_code.clone(),
                show_money(p.amount_vnd),
                gateway_name(lang, &p.gateway),
                p.status.as_str().to_string(),
                lang.t(&format!("payment-{}", p.status.as_str())),
                p.gateway_txn_no.clone().unwrap_or_default(),
                p.bank_code.clone().unwrap_or_default(),
                p.receipt_no.clone().unwrap_or_default(),
            ]
        })
        .collect();
    // The log is not per agency: only those who see every agency see it.
    let refused = if everywhere {
        payments::log_between(&state.db, a, b, 200)
            .await?
            .into_iter()
            .filter(|e| !matches!(e.outcome, LogOutcome::Paid | LogOutcome::Failed))
            .map(|e| {
                [
                    show_time(Some(e.at)),
                    e.txn_ref.unwrap_or_default(),
                    lang.t(&format!("payment-outcome-{}", e.outcome.as_str())),
                    e.remote_addr.unwrap_or_default(),
                ]
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = ReconcilePage {
        ctx: ctx.clone(),
        from: from.to_string(),
        until: until.to_string(),
        days: days
            .into_iter()
            .map(|((d, s), (n, total))| (d, lang.t(&format!("payment-{s}")), n, show_money(total)))
            .collect(),
        rows,
        refused,
        csv_link: format!("/can-bo/doi-soat?tu={from}&den={until}&dinh-dang=csv"),
    };
    Ok(ctx.render(&page))
}

/// A payment channel as officers read it: cash at the counter, the sandbox, or the gateway's
/// own (brand) name.
fn gateway_name(lang: motcua_app::i18n::Lang, gateway: &str) -> String {
    match gateway {
        "counter" | "sandbox" => lang.t(&format!("payment-gateway-{gateway}")),
        other => other.to_string(),
    }
}

#[derive(Template)]
#[template(path = "sandbox.html")]
struct SandboxPage {
    ctx: Ctx,
    valid: bool,
    amount: String,
    order_info: String,
    merchant: String,
    /// The signed parameters, sent back with the payer's decision.
    params: Vec<(String, String)>,
}

/// The payment request a sandbox page was given, when its signature holds, it asks to pay, and
/// it is a pending payment the visitor started: the sandbox stands for the payer's bank, which
/// takes only the payer's own payments.
async fn payers_request(
    state: &AppState,
    user: &motcua_store::users::User,
    query: &[(String, String)],
) -> HttpResult<Option<BTreeMap<String, String>>> {
    let Ok(request) = gateway::verify(&state.config.payment.secret, query) else { return Ok(None) };
    if request.get("vnp_Command").map(String::as_str) != Some("pay") {
        return Ok(None);
    }
    let Some(txn_ref) = request.get("vnp_TxnRef") else { return Ok(None) };
    let payment = match payments::by_ref(&state.db, txn_ref).await {
        Ok(p) => p,
        Err(motcua_store::StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(AppError::from(e).into()),
    };
    let payers = payment.created_by == Some(user.id) && payment.status == PaymentStatus::Pending;
    Ok(payers.then_some(request))
}

/// The sandbox gateway's payment page, for the signed-in payer (demo mode only): checks the
/// merchant's signature as a real gateway does, then asks the payer to pay or cancel.
pub async fn sandbox_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    RawQuery(query): RawQuery,
) -> HttpResult<Response> {
    if !state.config.sandbox_gateway() {
        return Err(AppError::not_found().into());
    }
    let query = gateway::query_pairs(query.as_deref());
    let page = match payers_request(&state, &user, &query).await? {
        Some(p) => SandboxPage {
            ctx: ctx.clone(),
            valid: true,
            amount: p
                .get("vnp_Amount")
                .and_then(|a| a.parse::<i64>().ok())
                .map(|a| show_money(a / 100))
                .unwrap_or_default(),
            order_info: p.get("vnp_OrderInfo").cloned().unwrap_or_default(),
            merchant: p.get("vnp_TmnCode").cloned().unwrap_or_default(),
            params: query,
        },
        None => SandboxPage {
            ctx: ctx.clone(),
            valid: false,
            amount: String::new(),
            order_info: String::new(),
            merchant: String::new(),
            params: vec![],
        },
    };
    Ok(ctx.render(&page))
}

/// The payer's decision at the sandbox gateway: the gateway signs its result, confirms to the
/// portal server to server (IPN), then sends the payer back to the portal's return address.
/// Only the payer, signed in, with the page's CSRF token, decides (demo mode only).
pub async fn sandbox_decide(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Csrf(Form(form)): Csrf<Form<Vec<(String, String)>>>,
) -> HttpResult<Response> {
    if !state.config.sandbox_gateway() {
        return Err(AppError::not_found().into());
    }
    let secret = &state.config.payment.secret;
    let decision = form.iter().find(|(k, _)| k == "decision").map(|(_, v)| v.clone()).unwrap_or_default();
    let bank = form.iter().find(|(k, _)| k == "bank").map(|(_, v)| v.clone()).unwrap_or_else(|| "NCB".into());
    let signed: Vec<(String, String)> = form.into_iter().filter(|(k, _)| k.starts_with("vnp_")).collect();
    let Some(request) = payers_request(&state, &user, &signed).await? else {
        return Err(AppError::with(crate::error::ErrorKind::BadRequest, "payment-invalid").into());
    };
    let paid = decision == "pay";
    let code = if paid { "00" } else { "24" };
    let mut result = BTreeMap::new();
    for k in ["vnp_Amount", "vnp_TmnCode", "vnp_TxnRef", "vnp_OrderInfo"] {
        if let Some(v) = request.get(k) {
            result.insert(k.to_string(), v.clone());
        }
    }
    result.insert("vnp_BankCode".into(), bank.chars().filter(char::is_ascii_alphanumeric).take(20).collect());
    result.insert("vnp_CardType".into(), "ATM".into());
    result.insert("vnp_PayDate".into(), gateway::gateway_time(Utc::now()));
    result.insert("vnp_ResponseCode".into(), code.into());
    result.insert("vnp_TransactionStatus".into(), if paid { "00" } else { "02" }.into());
    result.insert("vnp_TransactionNo".into(), format!("{}", 10_000_000 + rand::random::<u32>() % 90_000_000));
    let query = gateway::signed_query(secret, &result);
    // The confirmation goes first, as real gateways do; the payer's return page waits for it
    // if it is slow.
    let ipn = format!("{}?{query}", motcua_app::payments::ipn_url(&state));
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).no_proxy().build();
    match client {
        Ok(c) => match c.get(&ipn).send().await {
            Ok(r) => tracing::info!(status = %r.status(), "sandbox gateway: confirmation sent"),
            Err(e) => tracing::warn!("sandbox gateway: confirmation failed: {e}"),
        },
        Err(e) => tracing::warn!("sandbox gateway: no HTTP client: {e}"),
    }
    let back = request.get("vnp_ReturnUrl").cloned().unwrap_or_else(|| motcua_app::payments::RETURN_PATH.into());
    Ok(Redirect::to(&format!("{back}?{query}")).into_response())
}
