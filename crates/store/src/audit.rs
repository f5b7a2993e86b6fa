//! Tamper evidence of dossier histories and the log of who read which dossier.
//!
//! Each event's hash covers its content and the hash of the dossier's previous event, so
//! editing, deleting or reordering any event breaks the chain from there on. The chain is
//! verified by `motcua audit verify` and on the administrators' audit page.

use crate::db::{Database, WriteTx};
use crate::error::Result;
use crate::types::Millis;
use sha2::{Digest, Sha256};

/// The fields of an event that its hash covers.
#[derive(Clone, Copy, Debug)]
pub struct EventContent<'a> {
    /// The dossier's code.
    pub dossier_code: &'a str,
    /// Milliseconds since the epoch.
    pub at: i64,
    /// Acting account.
    pub actor_user_id: Option<i64>,
    /// Acting person as shown.
    pub actor_name: &'a str,
    /// Action.
    pub action: &'a str,
    /// Status before.
    pub from_status: Option<&'a str>,
    /// Status after.
    pub to_status: &'a str,
    /// Step after.
    pub step: Option<i64>,
    /// Note.
    pub note: Option<&'a str>,
    /// The recorded fact, as stored (JSON).
    pub fact: Option<&'a str>,
}

/// The hash of an event chained to the previous one (`""` for the first event). The content is
/// encoded as a JSON array, which is unambiguous whatever the fields contain. The fact is
/// appended only when there is one, so that the events written before facts existed keep
/// their hashes.
pub fn event_hash(previous: &str, e: &EventContent<'_>) -> String {
    let mut canonical = serde_json::json!([
        previous,
        e.dossier_code,
        e.at,
        e.actor_user_id,
        e.actor_name,
        e.action,
        e.from_status,
        e.to_status,
        e.step,
        e.note
    ]);
    if let (Some(fact), Some(items)) = (e.fact, canonical.as_array_mut()) {
        items.push(fact.into());
    }
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// The hash of the dossier's latest event, inside the transaction that adds the next one.
pub(crate) async fn last_hash(tx: &mut WriteTx<'_>, dossier_id: i64) -> Result<String> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT hash FROM events WHERE dossier_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(dossier_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(h,)| h).unwrap_or_default())
}

/// A break in a dossier's chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// The dossier.
    pub dossier_code: String,
    /// The first event whose stored hash does not match.
    pub event_id: i64,
}

/// The outcome of a verification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verification {
    /// Dossiers checked.
    pub dossiers: u64,
    /// Events checked.
    pub events: u64,
    /// Broken chains, at most one per dossier.
    pub breaks: Vec<Break>,
}

type EventRow = (
    i64,
    i64,
    String,
    i64,
    Option<i64>,
    String,
    String,
    Option<String>,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
);

/// Recomputes every chain, streaming the events in dossier order.
pub async fn verify(db: &Database) -> Result<Verification> {
    use futures::TryStreamExt;
    let mut rows = sqlx::query_as::<_, EventRow>(
        "SELECT e.id, e.dossier_id, d.code, e.at, e.actor_user_id, e.actor_name, e.action, e.from_status, e.to_status, \
         e.step, e.note, e.fact, e.hash FROM events e JOIN dossiers d ON d.id = e.dossier_id ORDER BY e.dossier_id, e.id",
    )
    .fetch(db.reader());
    let mut out = Verification::default();
    let mut current: Option<i64> = None;
    let mut previous = String::new();
    let mut broken = false;
    while let Some((
        id,
        dossier_id,
        code,
        at,
        actor_user_id,
        actor_name,
        action,
        from_status,
        to_status,
        step,
        note,
        fact,
        hash,
    )) = rows.try_next().await?
    {
        if current != Some(dossier_id) {
            current = Some(dossier_id);
            previous.clear();
            broken = false;
            out.dossiers += 1;
        }
        out.events += 1;
        let content = EventContent {
            dossier_code: &code,
            at,
            actor_user_id,
            actor_name: &actor_name,
            action: &action,
            from_status: from_status.as_deref(),
            to_status: &to_status,
            step,
            note: note.as_deref(),
            fact: fact.as_deref(),
        };
        if !broken && event_hash(&previous, &content) != hash {
            broken = true;
            out.breaks.push(Break { dossier_code: code.clone(), event_id: id });
        }
        previous = hash;
    }
    Ok(out)
}

/// Records that a user read a dossier.
pub async fn record_read(
    db: &Database,
    dossier_id: i64,
    user_id: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    record_reads(db, &[(dossier_id, user_id, at)]).await
}

/// Records many reads in one statement (the server batches them so that reading stays cheap).
pub async fn record_reads(db: &Database, reads: &[(i64, i64, chrono::DateTime<chrono::Utc>)]) -> Result<()> {
    let mut tx = db.write_tx().await?;
    for chunk in reads.chunks(1000) {
        let mut sql = String::from("INSERT INTO dossier_reads (dossier_id, user_id, at) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3));
        }
        let mut q = sqlx::query(&sql);
        for (dossier_id, user_id, at) in chunk {
            q = q.bind(*dossier_id).bind(*user_id).bind(Millis(*at));
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// A logged read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who.
    pub reader: String,
    /// Which dossier.
    pub dossier_code: String,
}

/// The latest reads, newest first.
pub async fn recent_reads(db: &Database, limit: i64) -> Result<Vec<Read>> {
    let rows: Vec<(Millis, String, String)> = sqlx::query_as(&format!(
        "SELECT r.at, u.full_name, d.code FROM dossier_reads r JOIN users u ON u.id = r.user_id \
         JOIN dossiers d ON d.id = r.dossier_id ORDER BY r.id DESC LIMIT {}",
        limit.clamp(1, 1000)
    ))
    .fetch_all(db.reader())
    .await?;
    Ok(rows.into_iter().map(|(at, reader, dossier_code)| Read { at: at.0, reader, dossier_code }).collect())
}
