//! Public questions and feedback (hỏi đáp, góp ý): asked by anyone with a name and an e-mail,
//! moderated by an officer of the agency concerned, published with the answer (never with the
//! e-mail) or rejected.

use chrono::{DateTime, Utc};

use crate::db::Database;
use crate::error::{Result, StoreError};
use crate::types::Millis;

/// What was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuestionKind {
    /// A question about a procedure (hỏi đáp).
    Question,
    /// Feedback on a dossier, or general (góp ý).
    Feedback,
}

impl QuestionKind {
    /// Every kind.
    pub const ALL: [QuestionKind; 2] = [QuestionKind::Question, QuestionKind::Feedback];

    /// The stable machine name, as stored and as message keys name it.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Question => "question",
            QuestionKind::Feedback => "feedback",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<QuestionKind> {
        QuestionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for QuestionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a question is in moderation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuestionStatus {
    /// Waiting for an officer.
    Pending,
    /// Published with its answer.
    Published,
    /// Not published.
    Rejected,
}

impl QuestionStatus {
    /// Every status.
    pub const ALL: [QuestionStatus; 3] = [QuestionStatus::Pending, QuestionStatus::Published, QuestionStatus::Rejected];

    /// The stable machine name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionStatus::Pending => "pending",
            QuestionStatus::Published => "published",
            QuestionStatus::Rejected => "rejected",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<QuestionStatus> {
        QuestionStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for QuestionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A question or feedback to record.
#[derive(Clone, Debug)]
pub struct NewQuestion {
    /// A question about a procedure, or feedback on a dossier (or general).
    pub kind: QuestionKind,
    /// The procedure asked about.
    pub procedure_code: Option<String>,
    /// The dossier commented on.
    pub dossier_code: Option<String>,
    /// The agency that moderates it (none: the service centre and administrators).
    pub agency_code: Option<String>,
    /// Who asks.
    pub name: String,
    /// Their e-mail, for the answer; never published.
    pub email: String,
    /// The text.
    pub body: String,
}

/// A stored question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// Row id.
    pub id: i64,
    /// Question or feedback.
    pub kind: QuestionKind,
    /// Procedure.
    pub procedure_code: Option<String>,
    /// Dossier.
    pub dossier_code: Option<String>,
    /// Who asked.
    pub name: String,
    /// Their e-mail (for officers only).
    pub email: String,
    /// The text.
    pub body: String,
    /// Where it is in moderation.
    pub status: QuestionStatus,
    /// The answer.
    pub answer: Option<String>,
    /// Answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// Asked.
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, kind, procedure_code, dossier_code, name, email, body, status, answer, answered_at, created_at";

type Row = (
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<Millis>,
    Millis,
);

fn question(
    (id, kind, procedure_code, dossier_code, name, email, body, status, answer, answered_at, created_at): Row,
) -> Result<Question> {
    Ok(Question {
        id,
        kind: QuestionKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("question kind {kind}")))?,
        procedure_code,
        dossier_code,
        name,
        email,
        body,
        status: QuestionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("question status {status}")))?,
        answer,
        answered_at: answered_at.map(|m| m.0),
        created_at: created_at.0,
    })
}

/// Records a question, pending moderation.
pub async fn ask(db: &Database, q: &NewQuestion, now: DateTime<Utc>) -> Result<i64> {
    let mut tx = db.write_tx().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO questions (kind, procedure_code, dossier_code, agency_code, name, email, body, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) RETURNING id",
    )
    .bind(q.kind.as_str())
    .bind(&q.procedure_code)
    .bind(&q.dossier_code)
    .bind(&q.agency_code)
    .bind(&q.name)
    .bind(&q.email)
    .bind(&q.body)
    .bind(Millis(now))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Questions waiting for moderation by an agency (all of them with `None`), oldest first.
pub async fn pending(db: &Database, agency: Option<&str>, limit: i64) -> Result<Vec<Question>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM questions WHERE status = 'pending' AND ($1 = '' OR agency_code = $1) \
         ORDER BY created_at, id LIMIT {}",
        limit.clamp(1, 500)
    ))
    .bind(agency.unwrap_or(""))
    .fetch_all(db.reader())
    .await?;
    rows.into_iter().map(question).collect()
}

/// The published questions about a procedure, latest answered first.
pub async fn published_for(db: &Database, procedure_code: &str) -> Result<Vec<Question>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM questions WHERE procedure_code = $1 AND status = 'published' \
         ORDER BY answered_at DESC, id DESC LIMIT 50"
    ))
    .bind(procedure_code)
    .fetch_all(db.reader())
    .await?;
    rows.into_iter().map(question).collect()
}

/// The agency that moderates a question, to check an officer may decide on it.
pub async fn agency_of(db: &Database, id: i64) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT agency_code FROM questions WHERE id = $1 AND status = 'pending'")
            .bind(id)
            .fetch_optional(db.reader())
            .await?;
    row.map(|(a,)| a).ok_or(StoreError::NotFound)
}

/// Publishes a pending question with its answer, or rejects it; once.
pub async fn decide(
    db: &Database,
    id: i64,
    publish: bool,
    answer: Option<&str>,
    by: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query(
        "UPDATE questions SET status = $2, answer = $3, answered_by = $4, answered_at = $5 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(if publish { QuestionStatus::Published } else { QuestionStatus::Rejected }.as_str())
    .bind(answer)
    .bind(by)
    .bind(Millis(now))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict("the question was decided meanwhile".into()));
    }
    tx.commit().await
}
