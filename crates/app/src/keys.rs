//! The public halves of the keys that sign electronic results, recorded in the database so that
//! verifying never needs a private key.

use chrono::{DateTime, Utc};
use motcua_signing::KeyRing;
use motcua_store::seals;
use motcua_store::{Database, StoreError};

/// The public keys of a key ring and the id of its current key, to record in the database.
pub struct KeySnapshot {
    keys: Vec<(String, String, DateTime<Utc>)>,
    current: String,
}

/// The public half of every key of a ring.
pub fn public_keys(ring: &KeyRing) -> KeySnapshot {
    KeySnapshot {
        keys: ring
            .keys()
            .iter()
            .map(|k| {
                let created = DateTime::from_timestamp_millis(k.created_ms()).unwrap_or_default();
                (k.id().to_string(), k.public_key().to_hex(), created)
            })
            .collect(),
        current: ring.current().id().to_string(),
    }
}

/// Records a ring's public keys (new ones added, older ones marked retired).
pub async fn register(db: &Database, snapshot: &KeySnapshot) -> Result<(), StoreError> {
    seals::register_keys(db, &snapshot.keys, &snapshot.current, Utc::now()).await
}

/// [`register`] for a whole ring: at start-up and after `motcua keys rotate`.
pub async fn register_keys(db: &Database, ring: &KeyRing) -> Result<(), StoreError> {
    register(db, &public_keys(ring)).await
}
