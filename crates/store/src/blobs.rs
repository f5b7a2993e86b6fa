//! Attachment bytes in an object store: the data folder by default, S3-compatible storage in
//! production ([`Blobs::from_url`]). Keys are random; a user's file name is never part of a path.
//!
//! Bytes are written before the row that names them is committed, so that no committed row ever
//! names bytes that are not there; a transaction that fails after the write leaves bytes no row
//! names, which [`sweep`] deletes once they are old enough that no transaction still running can
//! commit a row naming them.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use sha2::{Digest, Sha256};

use crate::error::Result;

/// What was stored: enough to record and later verify the bytes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredBlob {
    /// The random key under which the bytes live.
    pub storage_key: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
}

/// The attachment store.
#[derive(Clone, Debug)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    /// Set for the local file system, whose writes are flushed to disk before they are
    /// acknowledged (object stores over the network acknowledge durable writes themselves).
    local_root: Option<PathBuf>,
}

impl Blobs {
    /// Attachments under `<dir>` on the local file system.
    pub fn local(dir: impl Into<PathBuf>) -> Result<Blobs> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| crate::StoreError::Other(format!("cannot create {}: {e}", dir.display())))?;
        let dir =
            dir.canonicalize().map_err(|e| crate::StoreError::Other(format!("cannot open {}: {e}", dir.display())))?;
        Ok(Blobs { store: Arc::new(LocalFileSystem::new_with_prefix(&dir)?), local_root: Some(dir) })
    }

    /// Attachments in any object store (S3-compatible in production).
    pub fn with_store(store: Arc<dyn ObjectStore>) -> Blobs {
        Blobs { store, local_root: None }
    }

    /// Attachments where `url` says: `s3://bucket/prefix` for S3-compatible storage, its
    /// credentials, region and endpoint taken from the variables AWS tools read
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, `AWS_ENDPOINT`, and
    /// `AWS_ALLOW_HTTP=true` for an endpoint without TLS); `file:///path` for a folder.
    pub fn from_url(url: &str) -> Result<Blobs> {
        let bad = |why: &str| crate::StoreError::Other(format!("bad attachment store URL {url:?}: {why}"));
        let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
        match parsed.scheme() {
            "file" => Blobs::local(parsed.to_file_path().map_err(|_| bad("not a local path"))?),
            "s3" => s3(&parsed).map_err(|e| bad(&e.to_string())),
            other => Err(bad(&format!("{other}: is not s3 or file"))),
        }
    }

    /// Stores bytes under a new random key and returns the key, size and SHA-256. The bytes are
    /// durable when this returns.
    pub async fn put(&self, bytes: Bytes) -> Result<StoredBlob> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let size = bytes.len() as i64;
        let id = crate::random_id();
        // Two levels of fan-out keep directories small with millions of files.
        let storage_key = format!("{}/{}/{}", &id[..2], &id[2..4], id);
        let path = ObjectPath::from(storage_key.as_str());
        // Directories that will be created by this write must be flushed too; existing ones
        // need not (their entries did not change).
        let new_dirs = match &self.local_root {
            Some(root) => {
                let outer = root.join(&id[..2]);
                if !outer.exists() {
                    2
                } else if !outer.join(&id[2..4]).exists() {
                    1
                } else {
                    0
                }
            }
            None => 0,
        };
        self.store.put(&path, PutPayload::from_bytes(bytes)).await?;
        if let Some(root) = &self.local_root {
            let file = root.join(&storage_key);
            tokio::task::spawn_blocking(move || sync_file_and_dir(&file, new_dirs))
                .await
                .map_err(|e| crate::StoreError::Other(e.to_string()))?
                .map_err(|e| crate::StoreError::Other(format!("fsync failed: {e}")))?;
        }
        Ok(StoredBlob { storage_key, size, sha256 })
    }

    /// Reads stored bytes.
    pub async fn get(&self, storage_key: &str) -> Result<Bytes> {
        let path = ObjectPath::from(storage_key);
        Ok(self.store.get(&path).await?.bytes().await?)
    }

    /// Removes bytes whose record was never committed (best effort).
    pub async fn delete(&self, storage_key: &str) {
        let _ = self.store.delete(&ObjectPath::from(storage_key)).await;
    }

    /// Every stored key with when it was written, in pages.
    fn listed(&self) -> impl futures::Stream<Item = Result<(String, chrono::DateTime<chrono::Utc>)>> + '_ {
        use futures::StreamExt;
        self.store.list(None).map(|item| {
            let meta = item?;
            Ok((meta.location.to_string(), meta.last_modified))
        })
    }

    /// Every stored key (for tests and checks; a sweep reads them in pages instead).
    pub async fn keys(&self) -> Result<Vec<String>> {
        use futures::TryStreamExt;
        self.listed().map_ok(|(key, _)| key).try_collect().await
    }

    /// Whether the store answers: for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        use futures::StreamExt;
        let mut list = self.store.list(None);
        if let Some(item) = list.next().await {
            item?;
        }
        Ok(())
    }
}

/// Flushes a new file, the directory that names it and the `new_dirs` directories above that
/// were created for it, so a crash right after the acknowledgement cannot lose it.
fn sync_file_and_dir(file: &std::path::Path, new_dirs: usize) -> std::io::Result<()> {
    std::fs::File::open(file)?.sync_all()?;
    let mut dir = file.parent();
    for _ in 0..=new_dirs {
        let Some(d) = dir else { break };
        std::fs::File::open(d)?.sync_all()?;
        dir = d.parent();
    }
    Ok(())
}

/// An S3 bucket, and the prefix within it, from `s3://bucket/prefix`.
#[cfg(feature = "s3")]
fn s3(url: &url::Url) -> std::result::Result<Blobs, Box<dyn std::error::Error>> {
    use object_store::aws::AmazonS3Builder;
    use object_store::prefix::PrefixStore;
    let bucket = url.host_str().filter(|b| !b.is_empty()).ok_or("no bucket")?;
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    // AWS tools name the region AWS_REGION as often as AWS_DEFAULT_REGION.
    if std::env::var_os("AWS_DEFAULT_REGION").is_none() {
        if let Ok(region) = std::env::var("AWS_REGION") {
            builder = builder.with_region(region);
        }
    }
    let store = builder.build()?;
    let prefix = url.path().trim_matches('/');
    Ok(if prefix.is_empty() {
        Blobs::with_store(Arc::new(store))
    } else {
        Blobs::with_store(Arc::new(PrefixStore::new(store, prefix)))
    })
}

#[cfg(not(feature = "s3"))]
fn s3(_: &url::Url) -> std::result::Result<Blobs, Box<dyn std::error::Error>> {
    Err("this build has no S3 support (the store's `s3` feature)".into())
}

/// The tables whose rows name stored bytes (in `storage_key`).
const REFERENCES: [&str; 4] = ["attachments", "issued_forms", "office_attachments", "edxml_packages"];

/// What a sweep found and did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Stored objects looked at.
    pub seen: u64,
    /// Of those, deleted: named by no row, and older than asked.
    pub deleted: u64,
}

/// Deletes the stored bytes no row names, written more than `older_than` ago (an hour, for the
/// daily sweep: longer than any transaction that could still commit a row naming them). Reads
/// the store in pages, asking the database about each page's keys.
pub async fn sweep(db: &crate::Database, blobs: &Blobs, older_than: chrono::TimeDelta) -> Result<Swept> {
    use futures::TryStreamExt;
    const PAGE: usize = 500;
    let before = chrono::Utc::now() - older_than;
    let mut swept = Swept::default();
    let mut pages = Box::pin(blobs.listed().try_chunks(PAGE));
    while let Some(page) = pages.try_next().await.map_err(|e| e.1)? {
        swept.seen += page.len() as u64;
        let old: Vec<String> = page.into_iter().filter(|(_, written)| *written < before).map(|(k, _)| k).collect();
        if old.is_empty() {
            continue;
        }
        let named = named(db, &old).await?;
        for key in old.iter().filter(|k| !named.contains(*k)) {
            blobs.store.delete(&ObjectPath::from(key.as_str())).await?;
            swept.deleted += 1;
        }
    }
    Ok(swept)
}

/// Which of `keys` a row names.
async fn named(db: &crate::Database, keys: &[String]) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    let mut params = String::new();
    crate::synthetic::placeholders(&mut params, db.engine, 1, keys.len());
    for table in REFERENCES {
        let sql = format!("SELECT storage_key FROM {table} WHERE storage_key IN {params}");
        let mut q = sqlx::query_as::<_, (String,)>(&sql);
        for k in keys {
            q = q.bind(k);
        }
        out.extend(q.fetch_all(db.reader()).await?.into_iter().map(|(k,)| k));
    }
    Ok(out)
}
