//! Dossiers written straight into the database with a history in the past: what the reports'
//! and indicators' tests count, with outcomes known from how they were made (received and
//! finished on given days, asked for supplements, paid online, sealed, rated).

use chrono::{DateTime, Utc};
use motcua_store::Database;

/// A dossier to write, with what hangs on it.
#[derive(Clone, Debug)]
pub struct MadeDossier {
    /// Its code.
    pub code: String,
    /// The procedure version's id, the procedure's code and the lead agency.
    pub procedure: (i64, String, String),
    /// `online`, `in_person`, `postal` or `national_portal`.
    pub channel: &'static str,
    /// Its status now.
    pub status: &'static str,
    /// Reception.
    pub received_at: DateTime<Utc>,
    /// Result issued or refused.
    pub finished_at: Option<DateTime<Utc>>,
    /// The statutory due date as the clock left it.
    pub due_at: DateTime<Utc>,
    /// The fee, đồng.
    pub fee_vnd: i64,
    /// Events after reception (time and action), in order; `receive` is written first.
    pub events: Vec<(DateTime<Utc>, &'static str)>,
    /// Its documents: (digitized, reused).
    pub documents: Vec<(bool, bool)>,
    /// When its fee was paid through the online gateway.
    pub paid_online_at: Option<DateTime<Utc>>,
    /// When its fee was paid at the desk.
    pub paid_at_desk_at: Option<DateTime<Utc>>,
    /// Whether the system sealed an electronic result for it.
    pub sealed: bool,
    /// The applicant's overall rating and when it was given.
    pub rating: Option<(DateTime<Utc>, &'static str)>,
}

impl MadeDossier {
    /// A dossier received at `received_at` with nothing else on it.
    pub fn new(
        code: &str,
        procedure: &(i64, String, String),
        channel: &'static str,
        status: &'static str,
        received_at: DateTime<Utc>,
        due_at: DateTime<Utc>,
    ) -> MadeDossier {
        MadeDossier {
            code: code.to_string(),
            procedure: procedure.clone(),
            channel,
            status,
            received_at,
            finished_at: None,
            due_at,
            fee_vnd: 0,
            events: Vec::new(),
            documents: Vec::new(),
            paid_online_at: None,
            paid_at_desk_at: None,
            sealed: false,
            rating: None,
        }
    }

    /// Finished (result issued, or refused) at `at`.
    pub fn finished(mut self, at: DateTime<Utc>) -> MadeDossier {
        self.finished_at = Some(at);
        self
    }
}

/// Writes a dossier and what hangs on it; returns its row id.
pub async fn insert_made(db: &Database, d: &MadeDossier) -> i64 {
    let ms = |t: DateTime<Utc>| t.timestamp_millis();
    let supplements = d.events.iter().filter(|(_, a)| *a == "request_supplement").count() as i64;
    let mut tx = db.write_tx().await.unwrap();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO dossiers (code, procedure_version_id, procedure_code, lead_agency, applicant_name, \
         applicant_phone, channel, data, status, submitted_at, received_at, due_at, finished_at, fee_vnd, \
         supplement_count) \
         VALUES ($1, $2, $3, $4, 'Nguyễn Văn Thử', '0912000000', $5, '{}', $6, $7, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&d.code)
    .bind(d.procedure.0)
    .bind(&d.procedure.1)
    .bind(&d.procedure.2)
    .bind(d.channel)
    .bind(d.status)
    .bind(ms(d.received_at))
    .bind(ms(d.due_at))
    .bind(d.finished_at.map(ms))
    .bind(d.fee_vnd)
    .bind(supplements)
    .fetch_one(&mut *tx)
    .await
    .expect("insert a dossier");
    let events = std::iter::once((d.received_at, "receive")).chain(d.events.iter().copied());
    for (at, action) in events {
        let to = match action {
            "request_supplement" => "supplement_requested",
            "issue_result" => "result_ready",
            "refuse" => "refused",
            _ => "processing",
        };
        sqlx::query(
            "INSERT INTO events (dossier_id, at, actor_name, action, to_status) VALUES ($1, $2, 'Thử', $3, $4)",
        )
        .bind(id)
        .bind(ms(at))
        .bind(action)
        .bind(to)
        .execute(&mut *tx)
        .await
        .expect("insert an event");
    }
    for (n, (digitized, reused)) in d.documents.iter().enumerate() {
        attachment(&mut tx, id, &format!("{}-doc-{n}", d.code), "document", *digitized, *reused, d.received_at).await;
    }
    for (at, gateway) in [(d.paid_online_at, "sandbox"), (d.paid_at_desk_at, "counter")] {
        let Some(at) = at else { continue };
        sqlx::query(
            "INSERT INTO payments (txn_ref, dossier_id, dossier_code, lead_agency, amount_vnd, gateway, status, \
             created_at, settled_at) VALUES ($1, $2, $3, $4, $5, $6, 'paid', $7, $7)",
        )
        .bind(format!("{}-{gateway}", d.code))
        .bind(id)
        .bind(&d.code)
        .bind(&d.procedure.2)
        .bind(d.fee_vnd)
        .bind(gateway)
        .bind(ms(at))
        .execute(&mut *tx)
        .await
        .expect("insert a payment");
    }
    if d.sealed {
        let at = d.finished_at.unwrap_or(d.received_at);
        let file = format!("{}-result", d.code);
        attachment(&mut tx, id, &file, "result", false, false, at).await;
        sqlx::query(
            "INSERT INTO signing_keys (id, public_key, created_at) VALUES ('test-key', 'test-public-key', 0) \
             ON CONFLICT (id) DO NOTHING",
        )
        .execute(&mut *tx)
        .await
        .expect("insert a signing key");
        sqlx::query(
            "INSERT INTO result_seals (code, dossier_id, attachment_id, sha256, key_id, signature, signed_at) \
             VALUES ($1, $2, $3, 'sha', 'test-key', 'signature', $4)",
        )
        .bind(format!("SEAL-{}", d.code))
        .bind(id)
        .bind(&file)
        .bind(ms(at))
        .execute(&mut *tx)
        .await
        .expect("insert a seal");
    }
    if let Some((at, overall)) = d.rating {
        sqlx::query(
            "INSERT INTO ratings (dossier_id, dossier_code, lead_agency, overall, timeliness, convenience, attitude, \
             created_at) VALUES ($1, $2, $3, $4, $4, $4, $4, $5)",
        )
        .bind(id)
        .bind(&d.code)
        .bind(&d.procedure.2)
        .bind(overall)
        .bind(ms(at))
        .execute(&mut *tx)
        .await
        .expect("insert a rating");
    }
    tx.commit().await.unwrap();
    // Counted in the indicators' counters as the store counts a dossier that finishes.
    motcua_store::indicator_counts::count_written(db, id, Utc::now()).await.unwrap();
    id
}

async fn attachment(
    tx: &mut motcua_store::WriteTx<'_>,
    dossier: i64,
    id: &str,
    purpose: &str,
    digitized: bool,
    reused: bool,
    at: DateTime<Utc>,
) {
    sqlx::query(
        "INSERT INTO attachments (id, dossier_id, doc_key, purpose, file_name, content_type, size, sha256, \
         storage_key, digitized, reused, created_at) \
         VALUES ($1, $2, 'giay-to', $3, 'giay-to.pdf', 'application/pdf', 1, 'sha', $1, $4, $5, $6)",
    )
    .bind(id)
    .bind(dossier)
    .bind(purpose)
    .bind(i64::from(digitized))
    .bind(i64::from(reused))
    .bind(at.timestamp_millis())
    .execute(&mut **tx)
    .await
    .expect("insert an attachment");
}
