//! Tamper evidence of dossier histories and the log of who read which dossier.
//!
//! Each event's hash covers its content and the hash of the dossier's previous event, so
//! editing, deleting or reordering any event breaks the chain from there on. Since issue 16
//! the hash is an HMAC-SHA-256 under a key kept outside the database ([`AuditKey`], a file in
//! the data folder): whoever can only write to the database cannot recompute a chain after
//! editing it. Events written before the key existed keep their plain SHA-256 and verify as
//! they are; any later event must carry the keyed hash ([`KEYED`] marks it).
//!
//! A chain alone cannot show what is missing at its end. So each dossier row keeps its head —
//! how many events it has and the last one's hash — sealed with the key together with the
//! fields the events imply (status, step, due date), in the transaction that appends each
//! event. A daily checkpoint ([`checkpoint`]) MACs a digest of every head, so that a history
//! deleted whole since then is named. [`verify`] checks all of it: `motcua audit verify` and
//! the administrators' audit page show its findings.

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{Database, WriteTx};
use crate::error::{Result, StoreError};
use crate::types::Millis;

/// The prefix of a keyed event hash: the scheme is written into the hash itself, so that an
/// event says how to check it and the chain covers that too.
pub const KEYED: &str = "hmac-sha256:";

/// How many of the latest checkpoints keep the list of heads they covered: a week of daily
/// checkpoints, enough to name what disappeared even if the latest ones are deleted too.
const CHECKPOINTS_WITH_HEADS: i64 = 7;

/// The secret that chains events and seals heads: 32 random bytes, kept in a file of the data
/// folder (`audit.key`, 0600), never in the database. Every server of one database needs the
/// same key; losing it leaves the history readable but no longer provable.
#[derive(Clone)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    /// A new random key.
    pub fn generate() -> AuditKey {
        use rand::RngCore;
        let mut b = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut b);
        AuditKey(b)
    }

    /// Reads a key written by [`AuditKey::to_hex`]; surrounding white space is ignored.
    pub fn from_hex(text: &str) -> Result<AuditKey> {
        let bad = || StoreError::Other("an audit key is 64 hexadecimal digits (32 bytes)".into());
        let bytes = hex::decode(text.trim()).map_err(|_| bad())?;
        Ok(AuditKey(bytes.try_into().map_err(|_| bad())?))
    }

    /// The key as 64 hexadecimal digits, as its file holds it.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The HMAC-SHA-256 (hex) of a message for one purpose: the purpose is part of the MAC so
    /// that an event's MAC can never pass for a head's or a checkpoint's.
    fn mac(&self, purpose: &str, message: &str) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC accepts any key"));
        m.update(purpose.as_bytes());
        m.update(&[0]);
        m.update(message.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }
}

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

/// An event's content chained to the previous hash (`""` for the first event), encoded as a
/// JSON array, which is unambiguous whatever the fields contain. The fact is appended only
/// when there is one, so that the events written before facts existed keep their hashes.
fn canonical(previous: &str, e: &EventContent<'_>) -> String {
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
    canonical.to_string()
}

/// The plain SHA-256 hash of an event, as events were chained before the key existed. Anyone
/// can compute it: new events use [`keyed_event_hash`].
pub fn plain_event_hash(previous: &str, e: &EventContent<'_>) -> String {
    hex::encode(Sha256::digest(canonical(previous, e).as_bytes()))
}

/// The keyed hash of an event chained to the previous one: [`KEYED`] and the HMAC-SHA-256.
pub fn keyed_event_hash(key: &AuditKey, previous: &str, e: &EventContent<'_>) -> String {
    format!("{KEYED}{}", key.mac("event", &canonical(previous, e)))
}

/// The head of a dossier's history as its row keeps it, with the fields its seal covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head<'a> {
    /// The dossier's code.
    pub code: &'a str,
    /// How many events its history holds.
    pub event_count: i64,
    /// The hash of the last of them (`""` before the first).
    pub last_hash: &'a str,
    /// Its status, which must be the last event's.
    pub status: &'a str,
    /// Its step.
    pub step: i64,
    /// Its due date, milliseconds since the epoch: no event records it, so only the seal does.
    pub due_at: Option<i64>,
}

/// The seal of a dossier head: the HMAC-SHA-256 of its fields.
pub fn head_mac(key: &AuditKey, h: &Head<'_>) -> String {
    let fields = serde_json::json!([h.code, h.event_count, h.last_hash, h.status, h.step, h.due_at]);
    key.mac("head", &fields.to_string())
}

/// A dossier row's head and seal, as read in a write transaction.
pub(crate) struct StoredHead {
    code: String,
    event_count: i64,
    last_hash: String,
    status: String,
    step: i64,
    due_at: Option<i64>,
    head_mac: Option<String>,
}

impl StoredHead {
    fn head(&self) -> Head<'_> {
        Head {
            code: &self.code,
            event_count: self.event_count,
            last_hash: &self.last_hash,
            status: &self.status,
            step: self.step,
            due_at: self.due_at,
        }
    }
}

async fn read_head(tx: &mut WriteTx<'_>, dossier_id: i64) -> Result<StoredHead> {
    let (code, event_count, last_hash, status, step, due_at, head_mac): (
        String,
        i64,
        String,
        String,
        i64,
        Option<i64>,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT code, event_count, last_hash, status, step, due_at, head_mac FROM dossiers WHERE id = $1",
    )
    .bind(dossier_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(StoredHead { code, event_count, last_hash, status, step, due_at, head_mac })
}

/// Refuses to add to a history whose head no longer matches its seal: writing on would seal
/// whatever was changed by hand (a due date, a status) as if motcua had written it. The
/// dossier stays as it is, and the log says why, until an administrator has looked.
pub(crate) async fn check_head(tx: &mut WriteTx<'_>, dossier_id: i64) -> Result<()> {
    let stored = read_head(tx, dossier_id).await?;
    let key = tx.audit_key()?;
    if stored.head_mac.as_deref() == Some(head_mac(key, &stored.head()).as_str()) {
        return Ok(());
    }
    tracing::error!(
        dossier = %stored.code,
        "the dossier's head does not match its seal: it was changed outside motcua; nothing more is recorded on it \
         (run `motcua audit verify`)"
    );
    Err(StoreError::Corrupt(format!(
        "dossier {} was changed outside motcua (its history's seal does not match); run `motcua audit verify`",
        stored.code
    )))
}

/// The next link of a dossier's history: the keyed hash of the event to append and the head
/// it leads to, sealed.
pub(crate) struct NextLink {
    dossier_id: i64,
    event_count: i64,
    /// The event's hash, to store with it.
    pub hash: String,
    head_mac: String,
}

/// Chains an event to a dossier's history, in the transaction that made the change it records
/// (the row's status, step and due date already updated): the keyed hash over the head's last
/// hash, and the new head's seal. Store the event with [`NextLink::hash`], then
/// [`advance_head`].
pub(crate) async fn next_link(tx: &mut WriteTx<'_>, dossier_id: i64, content: &EventContent<'_>) -> Result<NextLink> {
    let stored = read_head(tx, dossier_id).await?;
    let key = tx.audit_key()?;
    let hash = keyed_event_hash(key, &stored.last_hash, content);
    let next = Head { event_count: stored.event_count + 1, last_hash: &hash, ..stored.head() };
    let head_mac = head_mac(key, &next);
    Ok(NextLink { dossier_id, event_count: next.event_count, hash, head_mac })
}

/// The first link of a new dossier's history, computed before its row is written: the head it
/// starts from is known (no events, `""`), so the row can be inserted already sealed instead of
/// read back and updated. Returns the event's hash and the new head's seal.
pub(crate) fn first_link(key: &AuditKey, content: &EventContent<'_>, status: &str, step: i64) -> (String, String) {
    let hash = keyed_event_hash(key, "", content);
    let seal = head_mac(
        key,
        &Head { code: content.dossier_code, event_count: 1, last_hash: &hash, status, step, due_at: None },
    );
    (hash, seal)
}

/// Moves a dossier's head to the event just stored.
pub(crate) async fn advance_head(tx: &mut WriteTx<'_>, link: NextLink) -> Result<()> {
    sqlx::query("UPDATE dossiers SET event_count = $2, last_hash = $3, head_mac = $4 WHERE id = $1")
        .bind(link.dossier_id)
        .bind(link.event_count)
        .bind(&link.hash)
        .bind(&link.head_mac)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Seals, once, the heads of the histories written before the key existed (the migration
/// counted them): from then on they are held to their seal like any other. Run at start-up,
/// when the key is first loaded; later calls do nothing. Returns how many heads it sealed.
pub async fn seal_earlier_heads(db: &Database) -> Result<u64> {
    let mut tx = db.write_tx().await?;
    let state: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT sealed_at FROM audit_state WHERE id = 1").fetch_optional(&mut *tx).await?;
    if !matches!(state, Some((None,))) {
        return Ok(0);
    }
    let key = tx.audit_key()?.clone();
    type Unsealed = (i64, String, i64, String, String, i64, Option<i64>);
    let rows: Vec<Unsealed> = sqlx::query_as(
        "SELECT id, code, event_count, last_hash, status, step, due_at FROM dossiers WHERE head_mac IS NULL",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (id, code, event_count, last_hash, status, step, due_at) in &rows {
        let head = Head { code, event_count: *event_count, last_hash, status, step: *step, due_at: *due_at };
        sqlx::query("UPDATE dossiers SET head_mac = $2 WHERE id = $1")
            .bind(id)
            .bind(head_mac(&key, &head))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE audit_state SET sealed_at = $1 WHERE id = 1")
        .bind(Millis(chrono::Utc::now()))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if !rows.is_empty() {
        tracing::info!(dossiers = rows.len(), "sealed the heads of the histories written before the audit key");
    }
    Ok(rows.len() as u64)
}

/// Whether any history of this database is sealed with a key: a key file missing then is lost,
/// not yet to be made.
pub async fn is_sealed(db: &Database) -> Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM dossiers WHERE head_mac IS NOT NULL LIMIT 1")
        .fetch_optional(db.reader())
        .await?;
    Ok(row.is_some())
}

/// A signed checkpoint of every dossier head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Its row.
    pub id: i64,
    /// When it was taken.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Dossiers it covers.
    pub dossiers: i64,
    /// Events of those dossiers.
    pub events: i64,
    /// SHA-256 (hex) of every head, one line `code TAB count TAB last hash` each, in code order.
    pub digest: String,
    /// The previous checkpoint's MAC (`""` for the first): checkpoints form a chain of their own.
    pub previous_mac: String,
    /// HMAC-SHA-256 under the audit key of all the above.
    pub mac: String,
}

impl Checkpoint {
    /// One line of JSON, as the log and the external append-only file keep it.
    pub fn to_json_line(&self) -> String {
        serde_json::json!({
            "at": self.at.to_rfc3339(),
            "dossiers": self.dossiers,
            "events": self.events,
            "digest": self.digest,
            "previous_mac": self.previous_mac,
            "mac": self.mac,
        })
        .to_string()
    }
}

/// What a checkpoint's MAC covers.
fn checkpoint_mac(key: &AuditKey, at: i64, dossiers: i64, events: i64, digest: &str, previous: &str) -> String {
    key.mac("checkpoint", &serde_json::json!([at, dossiers, events, digest, previous]).to_string())
}

/// The digest of a list of heads `(code, count, last hash)`, in code order.
fn heads_digest<'a>(heads: impl Iterator<Item = (&'a str, i64, &'a str)>) -> String {
    let mut sha = Sha256::new();
    for (code, count, hash) in heads {
        sha.update(format!("{code}\t{count}\t{hash}\n").as_bytes());
    }
    hex::encode(sha.finalize())
}

/// Takes a checkpoint at `now`: the digest of every dossier head, MAC'd with the key and the
/// previous checkpoint's MAC, stored with the heads it covers (kept for the latest
/// [`CHECKPOINTS_WITH_HEADS`] checkpoints only, so that the table does not grow by the whole
/// database every day).
pub async fn checkpoint(db: &Database, now: chrono::DateTime<chrono::Utc>) -> Result<Checkpoint> {
    let mut tx = db.write_tx().await?;
    let key = tx.audit_key()?.clone();
    let heads: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT code, event_count, last_hash FROM dossiers ORDER BY code").fetch_all(&mut *tx).await?;
    let previous: Option<(String,)> =
        sqlx::query_as("SELECT mac FROM audit_checkpoints ORDER BY id DESC LIMIT 1").fetch_optional(&mut *tx).await?;
    let previous_mac = previous.map(|(m,)| m).unwrap_or_default();
    let digest = heads_digest(heads.iter().map(|(c, n, h)| (c.as_str(), *n, h.as_str())));
    let dossiers = heads.len() as i64;
    let events = heads.iter().map(|(_, n, _)| n).sum::<i64>();
    let at = crate::millis(now);
    let mac = checkpoint_mac(&key, at, dossiers, events, &digest, &previous_mac);
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO audit_checkpoints (at, dossiers, events, digest, previous_mac, mac) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(at)
    .bind(dossiers)
    .bind(events)
    .bind(&digest)
    .bind(&previous_mac)
    .bind(&mac)
    .fetch_one(&mut *tx)
    .await?;
    for chunk in heads.chunks(500) {
        let mut sql = String::from(
            "INSERT INTO audit_checkpoint_heads (checkpoint_id, dossier_code, event_count, last_hash) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, ${}, ${}, ${})", i * 3 + 2, i * 3 + 3, i * 3 + 4));
        }
        let mut q = sqlx::query(&sql).bind(id);
        for (code, count, hash) in chunk {
            q = q.bind(code).bind(*count).bind(hash);
        }
        q.execute(&mut *tx).await?;
    }
    let oldest_kept: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT id FROM audit_checkpoints ORDER BY id DESC LIMIT 1 OFFSET {}",
        CHECKPOINTS_WITH_HEADS - 1
    ))
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((oldest,)) = oldest_kept {
        sqlx::query("DELETE FROM audit_checkpoint_heads WHERE checkpoint_id < $1")
            .bind(oldest)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Checkpoint { id, at: crate::from_millis(at), dossiers, events, digest, previous_mac, mac })
}

/// The latest checkpoint, if any.
pub async fn latest_checkpoint(db: &Database) -> Result<Option<Checkpoint>> {
    let row: Option<(i64, i64, i64, i64, String, String, String)> = sqlx::query_as(
        "SELECT id, at, dossiers, events, digest, previous_mac, mac FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(db.reader())
    .await?;
    Ok(row.map(|(id, at, dossiers, events, digest, previous_mac, mac)| Checkpoint {
        id,
        at: crate::from_millis(at),
        dossiers,
        events,
        digest,
        previous_mac,
        mac,
    }))
}

/// What is wrong with one dossier's history, or with the checkpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// An event's hash matches neither its content nor the key: the event was edited, or one
    /// before it deleted.
    Altered {
        /// The first such event.
        event_id: i64,
    },
    /// An event that must carry the keyed hash matches the plain SHA-256 of its content: the
    /// chain was edited and recomputed by someone without the key.
    Recomputed {
        /// The first such event.
        event_id: i64,
    },
    /// Fewer events than the dossier's head (or the latest checkpoint) counted: events deleted.
    DeletedEvents {
        /// How many there were.
        recorded: i64,
        /// How many are left.
        present: i64,
    },
    /// The dossier's fields no longer match its seal or its last event: changed by hand.
    ChangedFields {
        /// Which: `status`, `step`, `event_count`, `last_hash`, or `due_at` when the seal fails
        /// and everything else the events show still agrees.
        fields: Vec<&'static str>,
    },
    /// The dossier's head carries no seal.
    Unsealed,
    /// In the latest checkpoint, gone from the database: the whole history was deleted.
    DeletedHistory {
        /// When the checkpoint that still had it was taken.
        checkpoint_at: chrono::DateTime<chrono::Utc>,
    },
    /// The latest checkpoint (or its list of heads) does not match its MAC: it was forged or
    /// edited, so completeness cannot be shown against it.
    CheckpointAltered {
        /// The checkpoint.
        checkpoint_id: i64,
    },
    /// A line of the external copy of the checkpoints is not a checkpoint, or does not match
    /// the key, or does not follow the line before it: the copy was edited.
    ExternalLineAltered {
        /// The line, from 1.
        line: usize,
    },
    /// The latest checkpoint of the external copy is not in the database: the database's
    /// checkpoints were deleted or rolled back (with what they would show).
    CheckpointMissing {
        /// When it was taken.
        checkpoint_at: chrono::DateTime<chrono::Utc>,
    },
    /// The database holds fewer dossiers or events than the external copy's latest checkpoint
    /// counted: histories were deleted, even if the database's own checkpoints went with them.
    FewerThanCheckpoint {
        /// When it was taken.
        checkpoint_at: chrono::DateTime<chrono::Utc>,
        /// Dossiers and events it counted.
        counted: (i64, i64),
        /// Dossiers and events there are now.
        present: (i64, i64),
    },
}

/// One finding of a verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The dossier; empty for a problem of the checkpoints.
    pub dossier_code: String,
    /// What is wrong.
    pub problem: Problem,
}

/// The outcome of a verification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verification {
    /// Dossiers checked.
    pub dossiers: u64,
    /// Events checked.
    pub events: u64,
    /// The checkpoint the heads were compared with.
    pub checkpoint: Option<Checkpoint>,
    /// Everything found, in dossier order, the checkpoints' problems last.
    pub findings: Vec<Finding>,
}

impl Verification {
    /// Whether nothing was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

/// One dossier's history as the verification walks it.
struct Walk {
    code: String,
    head: StoredHead,
    previous: String,
    present: i64,
    last_event: Option<(String, Option<i64>)>,
    chain_problem: Option<Problem>,
    at_checkpoint: Option<(i64, String)>,
}

impl Walk {
    fn event(&mut self, key: &AuditKey, legacy_last: i64, id: i64, content: &EventContent<'_>, hash: &str) {
        self.present += 1;
        if self.chain_problem.is_none() {
            let plain = plain_event_hash(&self.previous, content);
            let keyed = keyed_event_hash(key, &self.previous, content);
            let recomputed = hash == plain || hash.strip_prefix(KEYED) == Some(plain.as_str());
            self.chain_problem = if hash == keyed || (id <= legacy_last && hash == plain) {
                None
            } else if recomputed {
                Some(Problem::Recomputed { event_id: id })
            } else {
                Some(Problem::Altered { event_id: id })
            };
            if self.chain_problem.is_none() {
                if let Some((count, cp_hash)) = &self.at_checkpoint {
                    if self.present == *count && cp_hash != hash {
                        self.chain_problem = Some(Problem::Altered { event_id: id });
                    }
                }
            }
        }
        self.previous = hash.to_string();
        self.last_event = Some((content.to_status.to_string(), content.step));
    }

    fn finish(self, key: &AuditKey, out: &mut Vec<Finding>) {
        let mut problems = Vec::new();
        problems.extend(self.chain_problem);
        let recorded = self.head.event_count.max(self.at_checkpoint.as_ref().map_or(0, |(n, _)| *n));
        if recorded > self.present {
            problems.push(Problem::DeletedEvents { recorded, present: self.present });
        }
        let mut fields = Vec::new();
        if let Some((status, step)) = &self.last_event {
            if *status != self.head.status {
                fields.push("status");
            }
            if step.is_some_and(|s| s != self.head.step) {
                fields.push("step");
            }
        }
        if self.head.event_count < self.present {
            fields.push("event_count");
        }
        if self.head.last_hash != self.previous && recorded <= self.present {
            fields.push("last_hash");
        }
        match &self.head.head_mac {
            None => problems.push(Problem::Unsealed),
            Some(mac) if *mac != head_mac(key, &self.head.head()) && fields.is_empty() && recorded <= self.present => {
                fields.push("due_at")
            }
            Some(_) => {}
        }
        if !fields.is_empty() {
            problems.push(Problem::ChangedFields { fields });
        }
        out.extend(problems.into_iter().map(|problem| Finding { dossier_code: self.code.clone(), problem }));
    }
}

/// Checks every history: each event's hash (keyed, or plain for the events written before the
/// key), each dossier's head against its events and its seal, and the heads against the latest
/// checkpoint, naming each problem. Streams the events in dossier order; holds the latest
/// checkpoint's heads in memory.
pub async fn verify(db: &Database) -> Result<Verification> {
    use futures::TryStreamExt;
    let key = db.audit_key()?.clone();
    let legacy_last: i64 = sqlx::query_as::<_, (i64,)>("SELECT legacy_last_event_id FROM audit_state WHERE id = 1")
        .fetch_optional(db.reader())
        .await?
        .map_or(0, |(n,)| n);
    let mut out = Verification { checkpoint: latest_checkpoint(db).await?, ..Verification::default() };
    let mut checkpoint_heads: HashMap<String, (i64, String)> = HashMap::new();
    if let Some(cp) = &out.checkpoint {
        let heads: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT dossier_code, event_count, last_hash FROM audit_checkpoint_heads WHERE checkpoint_id = $1 \
             ORDER BY dossier_code",
        )
        .bind(cp.id)
        .fetch_all(db.reader())
        .await?;
        let digest = heads_digest(heads.iter().map(|(c, n, h)| (c.as_str(), *n, h.as_str())));
        let mac = checkpoint_mac(&key, crate::millis(cp.at), cp.dossiers, cp.events, &cp.digest, &cp.previous_mac);
        if digest != cp.digest || mac != cp.mac || heads.len() as i64 != cp.dossiers {
            out.findings.push(Finding {
                dossier_code: String::new(),
                problem: Problem::CheckpointAltered { checkpoint_id: cp.id },
            });
        }
        checkpoint_heads = heads.into_iter().map(|(c, n, h)| (c, (n, h))).collect();
    }
    let mut rows = sqlx::query(
        "SELECT d.id AS dossier_id, d.code, d.event_count, d.last_hash, d.status, d.step, d.due_at, d.head_mac, \
         e.id AS event_id, e.at, e.actor_user_id, e.actor_name, e.action, e.from_status, e.to_status, \
         e.step AS event_step, e.note, e.fact, e.hash \
         FROM dossiers d LEFT JOIN events e ON e.dossier_id = d.id ORDER BY d.id, e.id",
    )
    .fetch(db.reader());
    let mut current: Option<(i64, Walk)> = None;
    let mut findings = Vec::new();
    while let Some(row) = rows.try_next().await? {
        let dossier_id: i64 = row.try_get("dossier_id")?;
        if current.as_ref().map(|(id, _)| *id) != Some(dossier_id) {
            if let Some((_, walk)) = current.take() {
                walk.finish(&key, &mut findings);
            }
            let code: String = row.try_get("code")?;
            out.dossiers += 1;
            let walk = Walk {
                head: StoredHead {
                    code: code.clone(),
                    event_count: row.try_get("event_count")?,
                    last_hash: row.try_get("last_hash")?,
                    status: row.try_get("status")?,
                    step: row.try_get("step")?,
                    due_at: row.try_get("due_at")?,
                    head_mac: row.try_get("head_mac")?,
                },
                at_checkpoint: checkpoint_heads.remove(&code),
                code,
                previous: String::new(),
                present: 0,
                last_event: None,
                chain_problem: None,
            };
            current = Some((dossier_id, walk));
        }
        let Some(event_id) = row.try_get::<Option<i64>, _>("event_id")? else { continue };
        let Some((_, walk)) = current.as_mut() else { continue };
        out.events += 1;
        let (actor_name, action, to_status, hash): (String, String, String, String) =
            (row.try_get("actor_name")?, row.try_get("action")?, row.try_get("to_status")?, row.try_get("hash")?);
        let (from_status, note, fact): (Option<String>, Option<String>, Option<String>) =
            (row.try_get("from_status")?, row.try_get("note")?, row.try_get("fact")?);
        let code = walk.code.clone();
        let content = EventContent {
            dossier_code: &code,
            at: row.try_get("at")?,
            actor_user_id: row.try_get("actor_user_id")?,
            actor_name: &actor_name,
            action: &action,
            from_status: from_status.as_deref(),
            to_status: &to_status,
            step: row.try_get("event_step")?,
            note: note.as_deref(),
            fact: fact.as_deref(),
        };
        walk.event(&key, legacy_last, event_id, &content, &hash);
    }
    if let Some((_, walk)) = current.take() {
        walk.finish(&key, &mut findings);
    }
    if let Some(cp) = &out.checkpoint {
        let mut gone: Vec<String> = checkpoint_heads.into_keys().collect();
        gone.sort();
        let checkpoint_at = cp.at;
        findings.extend(
            gone.into_iter()
                .map(|dossier_code| Finding { dossier_code, problem: Problem::DeletedHistory { checkpoint_at } }),
        );
    }
    // The checkpoint's own problem, found first, is listed last.
    findings.append(&mut out.findings);
    out.findings = findings;
    Ok(out)
}

/// One line of the external copy of the checkpoints ([`Checkpoint::to_json_line`]).
#[derive(serde::Deserialize)]
struct ExternalLine {
    at: chrono::DateTime<chrono::Utc>,
    dossiers: i64,
    events: i64,
    digest: String,
    previous_mac: String,
    mac: String,
}

/// Checks the external append-only copy of the checkpoints (`text`, one JSON line each, as the
/// daily job appends them) — which whoever can write the database cannot rewrite — against the
/// key, against its own chain, and against the database: its latest checkpoint must still be
/// in the database, and the database must hold at least the dossiers and events it counted.
/// The findings, and the latest checkpoint of the copy.
pub async fn verify_external(db: &Database, text: &str) -> Result<(Vec<Finding>, Option<Checkpoint>)> {
    let key = db.audit_key()?.clone();
    let mut findings = Vec::new();
    let finding = |problem| Finding { dossier_code: String::new(), problem };
    let mut latest: Option<Checkpoint> = None;
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let parsed = serde_json::from_str::<ExternalLine>(line).ok().filter(|c| {
            checkpoint_mac(&key, crate::millis(c.at), c.dossiers, c.events, &c.digest, &c.previous_mac) == c.mac
                && latest.as_ref().is_none_or(|before| before.mac == c.previous_mac)
        });
        let Some(c) = parsed else {
            findings.push(finding(Problem::ExternalLineAltered { line: i + 1 }));
            continue;
        };
        latest = Some(Checkpoint {
            id: 0,
            at: c.at,
            dossiers: c.dossiers,
            events: c.events,
            digest: c.digest,
            previous_mac: c.previous_mac,
            mac: c.mac,
        });
    }
    let Some(cp) = latest else { return Ok((findings, None)) };
    let stored: Option<(i64,)> = sqlx::query_as("SELECT id FROM audit_checkpoints WHERE mac = $1")
        .bind(&cp.mac)
        .fetch_optional(db.reader())
        .await?;
    if stored.is_none() {
        findings.push(finding(Problem::CheckpointMissing { checkpoint_at: cp.at }));
    }
    let (dossiers, events): (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM dossiers), (SELECT COUNT(*) FROM events)")
            .fetch_one(db.reader())
            .await?;
    if dossiers < cp.dossiers || events < cp.events {
        findings.push(finding(Problem::FewerThanCheckpoint {
            checkpoint_at: cp.at,
            counted: (cp.dossiers, cp.events),
            present: (dossiers, events),
        }));
    }
    Ok((findings, Some(cp)))
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
