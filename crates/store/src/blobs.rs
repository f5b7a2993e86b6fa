//! Attachment bytes in an object store: the data folder by default, S3-compatible storage in
//! production. Keys are random; a user's file name is never part of a path.

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
