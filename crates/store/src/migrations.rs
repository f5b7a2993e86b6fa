//! The migrations: written once for both engines where the engines share the SQL, once per
//! engine where they cannot (constraints added to existing tables), each recorded with the
//! SHA-256 of its text when applied.
//!
//! A migration once released is never edited: a database records which text it applied, and a
//! server whose embedded text differs refuses to start instead of running on a schema it does
//! not describe. Servers starting together on one PostgreSQL database take turns under the
//! start-up lock ([`Database::with_startup_lock`]).

use sha2::{Digest, Sha256};

use crate::db::{Database, Engine};
use crate::error::{Result, StoreError};
use crate::types::Millis;

/// One migration. `{id}` in its text stands for the engine's auto-increment primary key.
struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

impl Migration {
    /// The text this engine runs, before `{id}` is replaced.
    fn text(&self, engine: Engine) -> &'static str {
        match engine {
            Engine::Sqlite => self.sqlite,
            Engine::Postgres => self.postgres,
        }
    }

    /// The SHA-256 (hex) of the text this engine runs, as recorded. Line ends are counted as
    /// `\n` whatever the checkout made of them, so that a build from a Windows checkout agrees.
    fn checksum(&self, engine: Engine) -> String {
        hex::encode(Sha256::digest(self.text(engine).replace("\r\n", "\n").as_bytes()))
    }
}

/// A migration both engines run as written.
const fn shared(version: i64, name: &'static str, sql: &'static str) -> Migration {
    Migration { version, name, sqlite: sql, postgres: sql }
}

/// A migration written once per engine, `NNNN_name.sqlite.sql` and `NNNN_name.postgres.sql`
/// side by side and saying the same thing: only for what the engines cannot say alike (SQLite
/// cannot add a constraint to an existing table and uses triggers instead).
const fn per_engine(version: i64, name: &'static str, sqlite: &'static str, postgres: &'static str) -> Migration {
    Migration { version, name, sqlite, postgres }
}

/// The migrations, in order.
const MIGRATIONS: &[Migration] = &[
    shared(1, "core", include_str!("../migrations/0001_core.sql")),
    shared(2, "drafts", include_str!("../migrations/0002_drafts.sql")),
    shared(3, "audit", include_str!("../migrations/0003_audit.sql")),
    shared(4, "queue index", include_str!("../migrations/0004_queue_index.sql")),
    shared(5, "workflow", include_str!("../migrations/0005_workflow.sql")),
    shared(6, "jobs", include_str!("../migrations/0006_jobs.sql")),
    shared(7, "notifications", include_str!("../migrations/0007_notifications.sql")),
    shared(8, "ratings", include_str!("../migrations/0008_ratings.sql")),
    shared(9, "saved drafts", include_str!("../migrations/0009_saved_drafts.sql")),
    shared(10, "questions", include_str!("../migrations/0010_questions.sql")),
    shared(11, "open due covering indexes", include_str!("../migrations/0011_open_due_covering.sql")),
    shared(12, "payments", include_str!("../migrations/0012_payments.sql")),
    shared(13, "result seals", include_str!("../migrations/0013_result_seals.sql")),
    per_engine(
        14,
        "closed sets",
        include_str!("../migrations/0014_closed_sets.sqlite.sql"),
        include_str!("../migrations/0014_closed_sets.postgres.sql"),
    ),
    per_engine(
        15,
        "validate closed sets",
        include_str!("../migrations/0015_validate_closed_sets.sqlite.sql"),
        include_str!("../migrations/0015_validate_closed_sets.postgres.sql"),
    ),
    shared(16, "event facts", include_str!("../migrations/0016_event_facts.sql")),
    per_engine(
        17,
        "closed sets 2",
        include_str!("../migrations/0017_closed_sets_2.sqlite.sql"),
        include_str!("../migrations/0017_closed_sets_2.postgres.sql"),
    ),
    per_engine(
        18,
        "validate closed sets 2",
        include_str!("../migrations/0018_validate_closed_sets_2.sqlite.sql"),
        include_str!("../migrations/0018_validate_closed_sets_2.postgres.sql"),
    ),
    shared(19, "issued forms", include_str!("../migrations/0019_issued_forms.sql")),
    shared(20, "governing body", include_str!("../migrations/0020_governing_body.sql")),
    shared(21, "tax code", include_str!("../migrations/0021_tax_code.sql")),
    shared(22, "late consultations", include_str!("../migrations/0022_late_consultations.sql")),
    shared(23, "withdrawal requests", include_str!("../migrations/0023_withdrawal_requests.sql")),
    per_engine(
        24,
        "appraisal refusal",
        include_str!("../migrations/0024_appraisal_refusal.sqlite.sql"),
        include_str!("../migrations/0024_appraisal_refusal.postgres.sql"),
    ),
    shared(25, "register entries", include_str!("../migrations/0025_register_entries.sql")),
    shared(26, "audit heads", include_str!("../migrations/0026_audit_heads.sql")),
    per_engine(
        27,
        "refusal summaries",
        include_str!("../migrations/0027_refusal_summaries.sqlite.sql"),
        include_str!("../migrations/0027_refusal_summaries.postgres.sql"),
    ),
    shared(28, "login failures", include_str!("../migrations/0028_login_failures.sql")),
    shared(29, "folded names", include_str!("../migrations/0029_folded_names.sql")),
    per_engine(
        30,
        "national link",
        include_str!("../migrations/0030_national_link.sqlite.sql"),
        include_str!("../migrations/0030_national_link.postgres.sql"),
    ),
    shared(31, "webhooks", include_str!("../migrations/0031_webhooks.sql")),
    shared(32, "identity", include_str!("../migrations/0032_identity.sql")),
    shared(33, "procedure version agencies", include_str!("../migrations/0033_procedure_version_agencies.sql")),
    shared(34, "organisations", include_str!("../migrations/0034_organisations.sql")),
    shared(35, "report indexes", include_str!("../migrations/0035_report_indexes.sql")),
    shared(36, "electronic office", include_str!("../migrations/0036_office.sql")),
    shared(37, "meetings", include_str!("../migrations/0037_meetings.sql")),
    shared(38, "edxml exchange", include_str!("../migrations/0038_edxml.sql")),
    shared(39, "office involvement", include_str!("../migrations/0039_office_involvement.sql")),
    shared(40, "office search", include_str!("../migrations/0040_office_search.sql")),
    shared(41, "agency abbreviation", include_str!("../migrations/0041_agency_abbreviation.sql")),
    shared(42, "it application", include_str!("../migrations/0042_it_application.sql")),
    shared(43, "password resets", include_str!("../migrations/0043_password_resets.sql")),
    shared(44, "office approval chains", include_str!("../migrations/0044_office_approval_chains.sql")),
    shared(45, "office versions", include_str!("../migrations/0045_office_versions.sql")),
    shared(46, "portal details", include_str!("../migrations/0046_portal_details.sql")),
    shared(47, "sign-in step-up", include_str!("../migrations/0047_sign_in_step_up.sql")),
    shared(48, "pending registrations", include_str!("../migrations/0048_pending_registrations.sql")),
    shared(49, "dossier access grants", include_str!("../migrations/0049_dossier_access_grants.sql")),
    per_engine(
        50,
        "office word index",
        include_str!("../migrations/0050_office_word_index.sqlite.sql"),
        include_str!("../migrations/0050_office_word_index.postgres.sql"),
    ),
    shared(51, "indicator counts", include_str!("../migrations/0051_indicator_counts.sql")),
    shared(52, "report counts", include_str!("../migrations/0052_report_counts.sql")),
    shared(53, "cache versions", include_str!("../migrations/0053_cache_versions.sql")),
    shared(54, "rate limits", include_str!("../migrations/0054_rate_limits.sql")),
    shared(55, "idempotency keys", include_str!("../migrations/0055_idempotency_keys.sql")),
    shared(56, "queue indexes cover the assignee", include_str!("../migrations/0056_queue_indexes_cover_assignee.sql")),
    shared(57, "open dossiers in the report counts", include_str!("../migrations/0057_report_counts_open.sql")),
];

impl Database {
    /// Applies the migrations not yet applied, each in its own write transaction, under the
    /// start-up lock. Stops before applying anything when an applied migration's recorded
    /// checksum differs from this build's, naming the migration.
    pub async fn migrate(&self) -> Result<()> {
        self.with_startup_lock(self.migrate_in_turn()).await
    }

    /// How many migrations this build knows.
    pub fn migration_count() -> usize {
        MIGRATIONS.len()
    }

    async fn migrate_in_turn(&self) -> Result<()> {
        self.prepare_history().await?;
        let recorded: Vec<(i64, Option<String>)> =
            sqlx::query_as("SELECT version, checksum FROM schema_migrations").fetch_all(self.reader()).await?;
        for m in MIGRATIONS {
            if let Some((_, Some(checksum))) = recorded.iter().find(|(v, _)| *v == m.version) {
                check(m, self.engine, checksum)?;
            }
        }
        for m in MIGRATIONS.iter().filter(|m| !recorded.iter().any(|(v, _)| *v == m.version)) {
            let mut tx = self.write_tx().await?;
            // Read again in the transaction: another process on the same SQLite file may have
            // applied it since (its `BEGIN IMMEDIATE` makes this check and the change one step).
            let done: Option<(Option<String>,)> =
                sqlx::query_as("SELECT checksum FROM schema_migrations WHERE version = $1")
                    .bind(m.version)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((checksum,)) = done {
                if let Some(checksum) = checksum {
                    check(m, self.engine, &checksum)?;
                }
                continue;
            }
            let sql = m.text(self.engine).replace("{id}", self.engine.primary_key());
            sqlx::Executor::execute(&mut *tx, sql.as_str()).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES ($1, $2, $3, $4)")
                .bind(m.version)
                .bind(m.name)
                .bind(Millis(chrono::Utc::now()))
                .bind(m.checksum(self.engine))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "applied migration");
        }
        Ok(())
    }

    /// Makes the table of applied migrations, adds the checksum column to one made by an
    /// earlier version, and records the checksums of the migrations that version applied
    /// without one (trusting, once, that they are this build's).
    async fn prepare_history(&self) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::Executor::execute(
            &mut *tx,
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
             applied_at BIGINT NOT NULL, checksum TEXT)",
        )
        .await?;
        let has_checksum = match self.engine {
            Engine::Sqlite => "SELECT COUNT(*) FROM pragma_table_info('schema_migrations') WHERE name = 'checksum'",
            Engine::Postgres => {
                "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND table_name = 'schema_migrations' AND column_name = 'checksum'"
            }
        };
        let (n,): (i64,) = sqlx::query_as(has_checksum).fetch_one(&mut *tx).await?;
        if n == 0 {
            sqlx::Executor::execute(&mut *tx, "ALTER TABLE schema_migrations ADD COLUMN checksum TEXT").await?;
        }
        let mut filled = 0;
        for m in MIGRATIONS {
            filled += sqlx::query("UPDATE schema_migrations SET checksum = $2 WHERE version = $1 AND checksum IS NULL")
                .bind(m.version)
                .bind(m.checksum(self.engine))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        if filled > 0 {
            tracing::info!(migrations = filled, "recorded the checksums of migrations applied by an earlier version");
        }
        Ok(())
    }
}

/// Refuses a migration whose recorded checksum is not this build's.
fn check(m: &Migration, engine: Engine, recorded: &str) -> Result<()> {
    let ours = m.checksum(engine);
    if recorded == ours {
        return Ok(());
    }
    Err(StoreError::Other(format!(
        "migration {} ({:?}) is not the one this database applied: its recorded SHA-256 is {recorded}, this \
         build's is {ours}. A released migration must never change; put the change in a new migration",
        m.version, m.name
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_run_from_one_without_gaps() {
        for (expected, m) in (1..).zip(MIGRATIONS) {
            assert_eq!(m.version, expected, "{}", m.name);
        }
    }
}
