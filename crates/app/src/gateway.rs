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
    put("vnp_OrderInfo", r.order_info.into());
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
    pub transaction_no: Option<String>,
    /// The bank or wallet.
    pub bank_code: Option<String>,
}

/// Reads a verified result; `None` when a required parameter is missing or malformed.
pub fn read_result(p: &BTreeMap<String, String>) -> Option<GatewayResult> {
    let hundredths: i64 = p.get("vnp_Amount")?.parse().ok()?;
    if hundredths < 0 || hundredths % 100 != 0 {
        return None;
    }
    let response_code = p.get("vnp_ResponseCode")?.clone();
    let status = p.get("vnp_TransactionStatus").map(String::as_str).unwrap_or(response_code.as_str());
    Some(GatewayResult {
        txn_ref: p.get("vnp_TxnRef")?.clone(),
        amount_vnd: hundredths / 100,
        paid: response_code == "00" && status == "00",
        response_code: response_code.clone(),
        transaction_no: p.get("vnp_TransactionNo").cloned(),
        bank_code: p.get("vnp_BankCode").cloned(),
    })
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

    fn query_of(url: &str) -> Vec<(String, String)> {
        let q = url.split_once('?').unwrap().1;
        url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    #[test]
    fn a_payment_url_verifies_and_carries_the_amount_in_hundredths() {
        let c = cfg();
        let url = payment_url(
            &c,
            c.pay_url.as_deref().unwrap(),
            &PayRequest {
                txn_ref: "REF1",
                amount_vnd: 205_000,
                order_info: "Lệ phí hồ sơ 000.00.20.H38-261127-0001",
                return_url: "http://127.0.0.1:8080/thanh-toan/ket-qua",
                ip: "127.0.0.1",
                locale: "vn",
                created: chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            },
        );
        let p = verify("s3cret", &query_of(&url)).unwrap();
        assert_eq!(p["vnp_Amount"], "20500000");
        assert_eq!(p["vnp_OrderInfo"], "Lệ phí hồ sơ 000.00.20.H38-261127-0001");
        assert_eq!(verify("other", &query_of(&url)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn any_changed_parameter_breaks_the_signature() {
        let mut p = BTreeMap::new();
        p.insert("vnp_Amount".to_string(), "10000000".to_string());
        p.insert("vnp_TxnRef".to_string(), "A".to_string());
        p.insert("vnp_ResponseCode".to_string(), "00".to_string());
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
        let r = read_result(&verify("k", &q).unwrap()).unwrap();
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
}
