//! The payment-gateway protocol of the kind Vietnamese gateways use (VNPAY's version 2.1.0
//! shape): the portal sends the payer to the gateway with a redirect whose parameters are signed
//! with an HMAC-SHA512 over the sorted, URL-encoded parameters; the gateway sends the payer back
//! with a signed result, and, separately, confirms server to server (IPN). Only the confirmation
//! settles a payment, after its signature and amount are checked.
//!
//! The built-in sandbox gateway (`pages::sandbox`) speaks this same protocol, so the demo and the
//! tests exercise the real code path.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha512;

/// Which gateway the portal talks to.
#[derive(Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    /// Name recorded with payments: `sandbox` or the gateway's name.
    pub name: String,
    /// The gateway's payment address; `None` for the built-in sandbox at the portal's own
    /// address.
    pub pay_url: Option<String>,
    /// The merchant code the gateway gave the province (vnp_TmnCode).
    pub merchant: String,
    /// The shared secret for the HMAC. Never logged.
    pub secret: String,
}

/// Shown without its secret, so that settings can be logged.
impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("name", &self.name)
            .field("pay_url", &self.pay_url)
            .field("merchant", &self.merchant)
            .field("secret", &"…")
            .finish()
    }
}

impl GatewayConfig {
    /// The built-in sandbox gateway with a fresh random secret.
    pub fn sandbox() -> GatewayConfig {
        GatewayConfig {
            name: "sandbox".into(),
            pay_url: None,
            merchant: "MOTCUA01".into(),
            secret: motcua_store::random_id(),
        }
    }

    /// Whether this is the built-in sandbox.
    pub fn is_sandbox(&self) -> bool {
        self.pay_url.is_none()
    }
}

/// The protocol version sent.
pub const VERSION: &str = "2.1.0";
/// The parameter carrying the signature.
pub const HASH_PARAM: &str = "vnp_SecureHash";
const HASH_TYPE_PARAM: &str = "vnp_SecureHashType";

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The signed text: parameters sorted by name, each `name=value` URL-encoded, joined by `&`.
pub fn hash_data(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .filter(|(k, v)| !v.is_empty() && k.as_str() != HASH_PARAM && k.as_str() != HASH_TYPE_PARAM)
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn mac(secret: &str) -> Hmac<Sha512> {
    // HMAC takes a key of any length.
    Hmac::<Sha512>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC accepts any key"))
}

/// The HMAC-SHA512 signature of the parameters, in hex.
pub fn sign(secret: &str, params: &BTreeMap<String, String>) -> String {
    let mut m = mac(secret);
    m.update(hash_data(params).as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// The parameters with their signature, as a query string.
pub fn signed_query(secret: &str, params: &BTreeMap<String, String>) -> String {
    let signature = sign(secret, params);
    let mut q = hash_data(params);
    q.push('&');
    q.push_str(HASH_PARAM);
    q.push('=');
    q.push_str(&signature);
    q
}

/// A received query string as its parameters, in order (repeated names kept, for `verify`).
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect()
}

/// Why a signed message is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No signature at all.
    #[error("unsigned")]
    Missing,
    /// A signature that does not match: tampered with, or not from the gateway.
    #[error("bad signature")]
    Mismatch,
}

/// Checks a received message's signature (constant time) and returns its parameters.
pub fn verify(secret: &str, query: &[(String, String)]) -> Result<BTreeMap<String, String>, SignatureError> {
    let mut params = BTreeMap::new();
    let mut given = None;
    for (k, v) in query {
        if k == HASH_PARAM {
            given = Some(v.clone());
        } else if k.starts_with("vnp_") {
            params.insert(k.clone(), v.clone());
        }
    }
    let given = given.ok_or(SignatureError::Missing)?;
    let bytes = hex::decode(given.trim().to_ascii_lowercase()).map_err(|_| SignatureError::Mismatch)?;
    let mut m = mac(secret);
    m.update(hash_data(&params).as_bytes());
    m.verify_slice(&bytes).map_err(|_| SignatureError::Mismatch)?;
    Ok(params)
}

/// What the portal asks the gateway to collect.
#[derive(Clone, Debug)]
pub struct PayRequest<'a> {
    /// The payment's reference.
    pub txn_ref: &'a str,
    /// Amount in đồng.
    pub amount_vnd: i64,
    /// What is paid for, shown to the payer.
    pub order_info: &'a str,
    /// Where the gateway sends the payer back.
    pub return_url: &'a str,
    /// The payer's address.
    pub ip: &'a str,
    /// `vn` or `en`.
    pub locale: &'a str,
    /// When.
    pub created: DateTime<Utc>,
}

/// The gateway's time format (Vietnam time).
pub fn gateway_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&motcua_domain::calendar::vn_offset()).format("%Y%m%d%H%M%S").to_string()
}

/// The signed address sending the payer to the gateway.
pub fn payment_url(cfg: &GatewayConfig, pay_url: &str, r: &PayRequest<'_>) -> String {
    let mut p = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        p.insert(k.to_string(), v);
    };
    put("vnp_Version", VERSION.into());
    put("vnp_Command", "pay".into());
    put("vnp_TmnCode", cfg.merchant.clone());
    // The protocol counts in hundredths of a đồng.
    put("vnp_Amount", (r.amount_vnd.saturating_mul(100)).to_string());
    put("vnp_CurrCode", "VND".into());
    put("vnp_TxnRef", r.txn_ref.into());
    put("vnp_OrderInfo", order_info(r.order_info));
    put("vnp_OrderType", "other".into());
    put("vnp_Locale", r.locale.into());
    put("vnp_ReturnUrl", r.return_url.into());
    put("vnp_IpAddr", r.ip.into());
    put("vnp_CreateDate", gateway_time(r.created));
    put("vnp_ExpireDate", gateway_time(r.created + chrono::Duration::minutes(15)));
    format!("{pay_url}?{}", signed_query(&cfg.secret, &p))
}

/// A verified result from the gateway (the payer's return or the server-to-server
/// confirmation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayResult {
    /// The payment's reference.
    pub txn_ref: String,
    /// The amount the gateway collected, in đồng.
    pub amount_vnd: i64,
    /// Whether the money was taken: response code and transaction status both `00`.
    pub paid: bool,
    /// The gateway's response code.
    pub response_code: String,
    /// The gateway's transaction number.
    pub transaction_no: String,
    /// The bank or wallet.
    pub bank_code: Option<String>,
}

/// What every result of the gateway carries, each non-empty. The signature skips empty
/// parameters (as the gateway and other implementations compute it), so an empty one can be
/// appended to any signed message without breaking its signature: it must not count as said.
pub const RESULT_PARAMS: [&str; 6] =
    ["vnp_ResponseCode", "vnp_TransactionStatus", "vnp_TransactionNo", "vnp_Amount", "vnp_TxnRef", "vnp_TmnCode"];

/// What only the portal's payment request carries. The payer holds a request signed with the
/// same secret (the address they were sent to): a message with any of these is that request
/// replayed, never a result.
pub const REQUEST_ONLY_PARAMS: [&str; 9] = [
    "vnp_Command",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
    "vnp_ExpireDate",
    "vnp_CurrCode",
    "vnp_Locale",
    "vnp_OrderType",
    "vnp_Version",
];

/// Why a message whose signature holds is still not a result of the gateway.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResultError {
    /// A parameter every result carries is absent.
    #[error("{0} missing")]
    Missing(&'static str),
    /// A parameter every result carries is empty.
    #[error("{0} empty")]
    Empty(&'static str),
    /// A parameter of the payment request: the payer's own signed link, replayed.
    #[error("{0} belongs to a payment request")]
    RequestOnly(&'static str),
    /// Another merchant's code.
    #[error("vnp_TmnCode is not this merchant's")]
    OtherMerchant,
    /// The amount is not a whole number of đồng in hundredths.
    #[error("vnp_Amount unreadable")]
    Amount,
}

/// Reads a verified result of the gateway for `merchant`, refusing what a result never looks
/// like (see [`RESULT_PARAMS`], [`REQUEST_ONLY_PARAMS`]). Pure: the caller checked the signature.
pub fn read_result(p: &BTreeMap<String, String>, merchant: &str) -> Result<GatewayResult, ResultError> {
    if let Some(k) = REQUEST_ONLY_PARAMS.into_iter().find(|k| p.contains_key(*k)) {
        return Err(ResultError::RequestOnly(k));
    }
    let mut values = [""; RESULT_PARAMS.len()];
    for (value, k) in values.iter_mut().zip(RESULT_PARAMS) {
        let v = p.get(k).ok_or(ResultError::Missing(k))?;
        if v.trim().is_empty() {
            return Err(ResultError::Empty(k));
        }
        *value = v.as_str();
    }
    let [response_code, status, transaction_no, amount, txn_ref, tmn_code] = values;
    if tmn_code != merchant {
        return Err(ResultError::OtherMerchant);
    }
    let hundredths: i64 = amount.parse().map_err(|_| ResultError::Amount)?;
    if hundredths < 0 || hundredths % 100 != 0 {
        return Err(ResultError::Amount);
    }
    Ok(GatewayResult {
        txn_ref: txn_ref.to_string(),
        amount_vnd: hundredths / 100,
        paid: response_code == "00" && status == "00",
        response_code: response_code.to_string(),
        transaction_no: transaction_no.to_string(),
        bank_code: p.get("vnp_BankCode").filter(|b| !b.is_empty()).cloned(),
    })
}

/// The longest order description the gateway takes.
pub const ORDER_INFO_MAX: usize = 255;

/// An order description (vnp_OrderInfo) the gateway accepts: Vietnamese without its marks, and
/// only ASCII letters, digits, spaces and basic punctuation, as the protocol asks; anything else
/// becomes a space, spaces run together, at most [`ORDER_INFO_MAX`] characters.
pub fn order_info(text: &str) -> String {
    let plain = motcua_domain::text::without_marks(text);
    let kept: String =
        plain.chars().map(|c| if c.is_ascii_alphanumeric() || ".,-_:()/".contains(c) { c } else { ' ' }).collect();
    let words: Vec<&str> = kept.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out = words.join(" ");
    out.truncate(ORDER_INFO_MAX);
    out.trim_end().to_string()
}

/// The answer the gateway expects to its confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpnAnswer {
    /// Recorded.
    Confirmed,
    /// No such payment.
    NotFound,
    /// Already confirmed: a replay or a repeat.
    AlreadyConfirmed,
    /// The amount differs from the payment's.
    InvalidAmount,
    /// The signature does not match.
    InvalidSignature,
    /// Anything else (malformed message, storage failure): the gateway retries.
    Unknown,
}

impl IpnAnswer {
    /// `RspCode` and `Message` of the protocol.
    pub fn code_and_message(self) -> (&'static str, &'static str) {
        match self {
            IpnAnswer::Confirmed => ("00", "Confirm Success"),
            IpnAnswer::NotFound => ("01", "Order not found"),
            IpnAnswer::AlreadyConfirmed => ("02", "Order already confirmed"),
            IpnAnswer::InvalidAmount => ("04", "Invalid amount"),
            IpnAnswer::InvalidSignature => ("97", "Invalid signature"),
            IpnAnswer::Unknown => ("99", "Unknown error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> GatewayConfig {
        GatewayConfig {
            name: "test".into(),
            pay_url: Some("https://pay.example/vpcpay.html".into()),
            merchant: "M1".into(),
            secret: "s3cret".into(),
        }
    }

    /// The payment address of reference `REF1` for `amount_vnd`, as the test gateway signs it.
    fn test_payment_url(amount_vnd: i64, order_info: &str) -> String {
        let c = cfg();
        let request = PayRequest {
            txn_ref: "REF1",
            amount_vnd,
            order_info,
            return_url: "http://127.0.0.1:8080/thanh-toan/ket-qua",
            ip: "127.0.0.1",
            locale: "vn",
            created: chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
        };
        payment_url(&c, c.pay_url.as_deref().unwrap(), &request)
    }

    fn query_of(url: &str) -> Vec<(String, String)> {
        let q = url.split_once('?').unwrap().1;
        url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    #[test]
    fn a_payment_url_verifies_and_carries_the_amount_in_hundredths() {
        let url = test_payment_url(205_000, "Lệ phí hồ sơ 000.00.20.H38-261127-0001");
        let p = verify("s3cret", &query_of(&url)).unwrap();
        assert_eq!(p["vnp_Amount"], "20500000");
        assert_eq!(p["vnp_OrderInfo"], "Le phi ho so 000.00.20.H38-261127-0001", "without marks, as the protocol asks");
        assert_eq!(verify("other", &query_of(&url)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn any_changed_parameter_breaks_the_signature() {
        let mut p = BTreeMap::new();
        p.insert("vnp_Amount".to_string(), "10000000".to_string());
        p.insert("vnp_TxnRef".to_string(), "A".to_string());
        p.insert("vnp_ResponseCode".to_string(), "00".to_string());
        p.insert("vnp_TransactionStatus".to_string(), "00".to_string());
        p.insert("vnp_TransactionNo".to_string(), "14226112".to_string());
        p.insert("vnp_TmnCode".to_string(), "M1".to_string());
        let q: Vec<(String, String)> =
            url::form_urlencoded::parse(signed_query("k", &p).as_bytes()).into_owned().collect();
        assert!(verify("k", &q).is_ok());
        let tampered: Vec<_> = q
            .iter()
            .map(|(k, v)| if k == "vnp_Amount" { (k.clone(), "100".to_string()) } else { (k.clone(), v.clone()) })
            .collect();
        assert_eq!(verify("k", &tampered), Err(SignatureError::Mismatch));
        let unsigned: Vec<_> = q.iter().filter(|(k, _)| k != HASH_PARAM).cloned().collect();
        assert_eq!(verify("k", &unsigned), Err(SignatureError::Missing));
        let r = read_result(&verify("k", &q).unwrap(), "M1").unwrap();
        assert_eq!((r.amount_vnd, r.paid), (100_000, true));
    }

    #[test]
    fn the_secret_never_shows_in_settings() {
        let shown = format!("{:?}", cfg());
        assert!(shown.contains("M1") && !shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn the_signed_text_is_sorted_and_form_encoded() {
        let mut p = BTreeMap::new();
        p.insert("vnp_b".to_string(), "a b&c".to_string());
        p.insert("vnp_a".to_string(), "Đ".to_string());
        p.insert("vnp_empty".to_string(), String::new());
        assert_eq!(hash_data(&p), "vnp_a=%C4%90&vnp_b=a+b%26c");
    }

    /// A result as the gateway sends it.
    fn result() -> BTreeMap<String, String> {
        [
            ("vnp_Amount", "20000000"),
            ("vnp_BankCode", "NCB"),
            ("vnp_OrderInfo", "Thanh toan phi"),
            ("vnp_PayDate", "20261127103000"),
            ("vnp_ResponseCode", "00"),
            ("vnp_TmnCode", "M1"),
            ("vnp_TransactionNo", "14226112"),
            ("vnp_TransactionStatus", "00"),
            ("vnp_TxnRef", "REF1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn a_result_names_its_payment_amount_and_outcome() {
        let r = read_result(&result(), "M1").unwrap();
        assert_eq!((r.txn_ref.as_str(), r.amount_vnd, r.paid), ("REF1", 200_000, true));
        let mut declined = result();
        declined.insert("vnp_ResponseCode".into(), "24".into());
        declined.insert("vnp_TransactionStatus".into(), "02".into());
        assert!(!read_result(&declined, "M1").unwrap().paid);
        let mut pending = result();
        pending.insert("vnp_TransactionStatus".into(), "01".into());
        assert!(!read_result(&pending, "M1").unwrap().paid, "both codes must say paid");
    }

    #[test]
    fn the_payers_own_link_with_an_empty_response_code_verifies_but_is_no_result() {
        let url = test_payment_url(200_000, "Thanh toan");
        let attack = format!("{url}&vnp_ResponseCode=&vnp_TransactionStatus=");
        let p = verify("s3cret", &query_of(&attack)).expect("empty parameters are not signed");
        assert_eq!(read_result(&p, "M1"), Err(ResultError::RequestOnly("vnp_Command")));
        // Without the request's own parameters, the empty code still says nothing.
        let mut stripped = p.clone();
        stripped.retain(|k, _| !REQUEST_ONLY_PARAMS.contains(&k.as_str()));
        assert_eq!(read_result(&stripped, "M1"), Err(ResultError::Empty("vnp_ResponseCode")));
    }

    #[test]
    fn every_result_parameter_is_required_and_non_empty() {
        for k in RESULT_PARAMS {
            let mut missing = result();
            missing.remove(k);
            assert_eq!(read_result(&missing, "M1"), Err(ResultError::Missing(k)));
            let mut empty = result();
            empty.insert(k.to_string(), " ".into());
            assert_eq!(read_result(&empty, "M1"), Err(ResultError::Empty(k)));
        }
        for k in REQUEST_ONLY_PARAMS {
            let mut request = result();
            request.insert(k.to_string(), "x".into());
            assert_eq!(read_result(&request, "M1"), Err(ResultError::RequestOnly(k)));
        }
        assert_eq!(read_result(&result(), "M2"), Err(ResultError::OtherMerchant));
        for amount in ["-100", "150", "1e5", "20000000000000000000000"] {
            let mut bad = result();
            bad.insert("vnp_Amount".into(), amount.into());
            assert_eq!(read_result(&bad, "M1"), Err(ResultError::Amount), "{amount}");
        }
    }

    #[test]
    fn an_order_description_is_plain_ascii() {
        assert_eq!(
            order_info("Thanh toán phí, lệ phí hồ sơ 000.00.20.H38-261127-0001 (3.000333)"),
            "Thanh toan phi, le phi ho so 000.00.20.H38-261127-0001 (3.000333)"
        );
        assert_eq!(order_info("Đăng ký <b>&amp;</b>\n#1 ★ 100%"), "Dang ky b amp /b 1 100");
        assert_eq!(order_info(&"á".repeat(400)).len(), ORDER_INFO_MAX);
    }

    proptest::proptest! {
        #[test]
        fn order_descriptions_keep_to_the_allowed_characters(text in "\\PC{0,300}") {
            let out = order_info(&text);
            proptest::prop_assert!(out.len() <= ORDER_INFO_MAX);
            proptest::prop_assert!(out.chars().all(|c| c.is_ascii_alphanumeric() || " .,-_:()/".contains(c)), "{out}");
            proptest::prop_assert!(!out.starts_with(' ') && !out.ends_with(' ') && !out.contains("  "));
            proptest::prop_assert_eq!(order_info(&out), out.clone(), "idempotent");
        }

        #[test]
        fn no_result_with_an_empty_required_or_a_request_parameter_is_read(
            required in 0..RESULT_PARAMS.len(),
            request in 0..REQUEST_ONLY_PARAMS.len(),
            value in "[ -~]{0,8}",
            empty in "[ ]{0,3}",
        ) {
            let mut with_empty = result();
            with_empty.insert(RESULT_PARAMS[required].to_string(), empty);
            proptest::prop_assert!(read_result(&with_empty, "M1").is_err());
            let mut with_request = result();
            with_request.insert(REQUEST_ONLY_PARAMS[request].to_string(), value);
            proptest::prop_assert!(read_result(&with_request, "M1").is_err());
        }
    }
}
