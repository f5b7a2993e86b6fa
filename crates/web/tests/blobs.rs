//! Attachments in S3-compatible storage (issue 17 point 1), against a real S3 server that
//! scripts/test.sh starts (`s3s-fs`, from crates.io) and names in `MOTCUA_TEST_BLOB_URL` with the
//! usual AWS_* variables: what is submitted is stored in the bucket and read back byte for byte,
//! by this server and by another on the same database; signed results too; the sweep deletes
//! bytes no record names and nothing else.

mod common;

use common::TestApp;
use motcua_store::Blobs;
use motcua_testkit::{on_both_engines, TestEngine};
use serde_json::json;
use sha2::Digest;

on_both_engines!(attachments_live_in_the_bucket_and_every_node_reads_them, the_sweep_deletes_only_what_no_record_names);

/// The bucket, under a prefix of its own for this test; None (the test is skipped) when no S3
/// server was started.
fn bucket() -> Option<(String, Blobs)> {
    let Ok(base) = std::env::var("MOTCUA_TEST_BLOB_URL") else {
        eprintln!("skipped: no S3 server (scripts/test.sh starts one and sets MOTCUA_TEST_BLOB_URL)");
        return None;
    };
    let url = format!("{}/{}", base.trim_end_matches('/'), motcua_store::random_id());
    let blobs = Blobs::from_url(&url).expect("the S3 bucket");
    Some((url, blobs))
}

/// The keys stored under the test's prefix.
async fn keys(url: &str) -> Vec<String> {
    let blobs = Blobs::from_url(url).unwrap();
    let mut keys = blobs.keys().await.unwrap();
    keys.sort();
    keys
}

async fn attachments_live_in_the_bucket_and_every_node_reads_them(engine: TestEngine) {
    let Some((url, blobs)) = bucket() else { return };
    let app = TestApp::spawn_with_blobs(engine, blobs).await;
    let code = common::received(&app).await;
    let citizen = app.login("congdan").await;
    let (s, dossier) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&citizen)).await;
    assert_eq!(s, 200, "{dossier}");
    let attachments = dossier["attachments"].as_array().unwrap().clone();
    assert!(!attachments.is_empty());
    let stored = keys(&url).await;
    assert!(stored.len() >= attachments.len(), "every document is in the bucket: {stored:?}");
    let named: Vec<(String,)> = sqlx::query_as(
        "SELECT a.storage_key FROM attachments a JOIN dossiers d ON d.id = a.dossier_id WHERE d.code = $1",
    )
    .bind(&code)
    .fetch_all(app.state.db.reader())
    .await
    .unwrap();
    assert_eq!(named.len(), attachments.len());
    for (k,) in &named {
        assert!(stored.contains(k), "{k} is in the bucket");
    }

    // Read back through this node, and through another node on the same database and bucket.
    let other = app.another_node(Blobs::from_url(&url).unwrap()).await;
    for a in &attachments {
        let (s, bytes) = app.get_bytes(a["url"].as_str().unwrap(), Some(&citizen)).await;
        assert_eq!(s, 200);
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), a["sha256"].as_str().unwrap());
        let there =
            app.http.get(format!("{other}{}", a["url"].as_str().unwrap())).bearer_auth(&citizen).send().await.unwrap();
        assert_eq!(there.status(), 200, "read on the other node");
        assert_eq!(there.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }

    // A result signed and sealed on this node is stored in the bucket and verifies.
    let (d, result) = common::issue_result(&app, common::pdf("ket-qua")).await;
    assert!(result.starts_with(b"%PDF"), "{d}");
    assert!(keys(&url).await.len() > stored.len(), "the signed result is in the bucket too");
    let verified = common::verify_upload(&app, result).await;
    assert_eq!(verified["verdict"], json!("authentic"), "{verified}");
}

async fn the_sweep_deletes_only_what_no_record_names(engine: TestEngine) {
    let Some((url, blobs)) = bucket() else { return };
    let app = TestApp::spawn_with_blobs(engine, blobs.clone()).await;
    let code = common::received(&app).await;
    // Bytes written for a submission whose transaction then failed: named by no record.
    let orphan = blobs.put(bytes::Bytes::from_static(b"%PDF-1.4 orphan")).await.unwrap();
    let before = keys(&url).await;
    assert!(before.contains(&orphan.storage_key));
    // Too young to go: a transaction may still commit a record naming them.
    let swept = motcua_store::blobs::sweep(&app.state.db, &blobs, chrono::TimeDelta::hours(1)).await.unwrap();
    assert_eq!((swept.seen, swept.deleted), (before.len() as u64, 0));
    let swept = motcua_store::blobs::sweep(&app.state.db, &blobs, chrono::TimeDelta::zero()).await.unwrap();
    assert_eq!((swept.seen, swept.deleted), (before.len() as u64, 1));
    let after = keys(&url).await;
    assert!(!after.contains(&orphan.storage_key));
    assert_eq!(after.len(), before.len() - 1);
    // What the dossier names is still there.
    let citizen = app.login("congdan").await;
    let (_, dossier) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&citizen)).await;
    for a in dossier["attachments"].as_array().unwrap() {
        let (s, _) = app.get_bytes(a["url"].as_str().unwrap(), Some(&citizen)).await;
        assert_eq!(s, 200);
    }
}
