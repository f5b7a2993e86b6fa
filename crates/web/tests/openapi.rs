//! The OpenAPI document is generated from the code; this snapshot makes every change to the
//! published contract visible in review (a stale snapshot fails CI).

#[test]
fn openapi_document_snapshot() {
    let doc = serde_json::to_value(motcua_web::api::openapi()).expect("serialises");
    insta::assert_json_snapshot!("openapi", doc);
}
