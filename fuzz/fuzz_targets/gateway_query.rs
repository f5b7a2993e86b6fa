//! The payment gateway's messages (`motcua_app::gateway`): a query string as the payer's return
//! or the gateway's confirmation brings it, parsed, its signature checked, and its parameters read
//! as a result. No panic, and the rules that keep a payer from paying with their own request hold.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use motcua_app::gateway::{
    query_pairs, read_result, signed_query, verify, ResultError, SignatureError, HASH_PARAM, REQUEST_ONLY_PARAMS,
    RESULT_PARAMS,
};

/// The secret of the seed messages in fuzz/corpus/gateway_query.
const SECRET: &str = "motcua-fuzz-secret";
const MERCHANT: &str = "MOTCUA01";
/// Never signed, like the signature itself (private to the gateway module).
const HASH_TYPE_PARAM: &str = "vnp_SecureHashType";

fuzz_target!(|raw: &str| {
    let pairs = query_pairs(Some(raw));
    if let Ok(params) = verify(SECRET, &pairs) {
        check_result(&params);
    }

    // The same parameters as the gateway would sign them: they verify, and come back as they
    // were less what the signature skips; under another secret they do not.
    let params: BTreeMap<String, String> =
        pairs.into_iter().filter(|(k, _)| k.starts_with("vnp_") && k != HASH_PARAM).collect();
    check_result(&params);
    let signed = signed_query(SECRET, &params);
    let back = verify(SECRET, &query_pairs(Some(&signed))).expect("what the gateway signed verifies");
    let mut expected = params;
    expected.retain(|k, v| !v.is_empty() && k != HASH_TYPE_PARAM);
    assert_eq!(back, expected, "signed as {signed:?}");
    assert_eq!(verify("another secret", &query_pairs(Some(&signed))), Err(SignatureError::Mismatch));
    check_result(&back);

    // An empty parameter is not signed, so anyone can add one a signed message lacks: a
    // request-only one must still make it no result (the payer's own signed request, replayed).
    for k in REQUEST_ONLY_PARAMS.into_iter().filter(|k| !back.contains_key(*k)) {
        let replayed = format!("{signed}&{k}=");
        let p = verify(SECRET, &query_pairs(Some(&replayed))).expect("an empty parameter is not signed");
        assert!(read_result(&p, MERCHANT).is_err(), "{replayed:?} read as a result");
    }
});

/// What `read_result` accepts is a result by every rule; what it refuses for a request-only
/// parameter has one.
fn check_result(p: &BTreeMap<String, String>) {
    match read_result(p, MERCHANT) {
        Ok(r) => {
            assert!(!REQUEST_ONLY_PARAMS.iter().any(|k| p.contains_key(*k)), "a request read as a result: {p:?}");
            for k in RESULT_PARAMS {
                assert!(!p[k].trim().is_empty(), "{k} empty in {p:?}");
            }
            assert_eq!(p["vnp_TmnCode"], MERCHANT);
            assert_eq!(r.txn_ref, p["vnp_TxnRef"]);
            assert!(r.amount_vnd >= 0);
            assert_eq!(r.amount_vnd.checked_mul(100), p["vnp_Amount"].parse::<i64>().ok(), "amount of {p:?}");
            assert_eq!(r.paid, p["vnp_ResponseCode"] == "00" && p["vnp_TransactionStatus"] == "00");
        }
        Err(ResultError::RequestOnly(k)) => assert!(p.contains_key(k)),
        Err(_) => {}
    }
}
