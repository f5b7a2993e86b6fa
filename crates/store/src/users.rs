//! Users with roles per agency, and their sessions.

use motcua_domain::dossier::Role;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::Database;
use crate::error::{Result, StoreError};
use crate::types::Millis;

/// A user: citizen or officer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Officer's user name; citizens sign in with phone, e-mail or id number instead.
    pub username: Option<String>,
    /// Full name.
    pub full_name: String,
    /// Citizen identity number.
    pub id_number: Option<String>,
    /// Phone, normalised.
    pub phone: Option<String>,
    /// E-mail, lower-case.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// The officer's agency.
    pub agency_code: Option<String>,
    /// Roles in that agency (citizens: `citizen`).
    pub roles: Vec<Role>,
    /// The assurance an external identity provider verified the account's identity with
    /// (`vneid`, or the provider's `acr`), once signed in through one; `None` for accounts only
    /// ever used with a password.
    pub verified_by: Option<String>,
    /// The verified organisations the person represents: they apply in their names and see
    /// their dossiers (ids; see [`crate::organisations`]).
    pub organisations: Vec<i64>,
}

impl User {
    /// Whether the user holds a role.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the user works in an agency.
    pub fn is_officer(&self) -> bool {
        self.agency_code.is_some() && self.roles.iter().any(|r| r.is_officer())
    }

    /// A name to show in histories and headers.
    pub fn display_name(&self) -> &str {
        &self.full_name
    }
}

/// A user to create.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    /// Officer's user name.
    pub username: Option<String>,
    /// Full name.
    pub full_name: String,
    /// Citizen identity number.
    pub id_number: Option<String>,
    /// Phone, normalised.
    pub phone: Option<String>,
    /// E-mail, lower-case.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// The officer's agency.
    pub agency_code: Option<String>,
    /// Roles.
    pub roles: Vec<Role>,
}

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.username, u.full_name, u.id_number, u.phone, u.email, u.address, u.agency_code, u.verified_by";

pub(crate) fn user_from(row: &AnyRow, roles: Vec<Role>) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        full_name: row.try_get("full_name")?,
        id_number: row.try_get("id_number")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        address: row.try_get("address")?,
        agency_code: row.try_get("agency_code")?,
        roles,
        verified_by: row.try_get("verified_by")?,
        organisations: Vec::new(),
    })
}

/// A user row completed with the user's roles and, for a citizen, the verified organisations
/// they represent.
pub(crate) async fn complete(db: &Database, row: &AnyRow) -> Result<User> {
    let id: i64 = row.try_get("id")?;
    let mut user = user_from(row, roles_of(db, id).await?)?;
    if user.has(Role::Citizen) {
        user.organisations = crate::organisations::represented(db, id).await?;
    }
    Ok(user)
}

pub(crate) async fn roles_of(db: &Database, user_id: i64) -> Result<Vec<Role>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
        .bind(user_id)
        .fetch_all(db.reader())
        .await?;
    let mut roles: Vec<Role> = rows.iter().filter_map(|(r,)| Role::parse(r)).collect();
    roles.sort();
    Ok(roles)
}

/// Creates a user; a taken user name, phone, e-mail or id number is a conflict naming the column.
pub async fn create_user(db: &Database, u: &NewUser) -> Result<i64> {
    let mut tx = db.write_tx().await?;
    let id = insert_user(&mut tx, u).await?;
    tx.commit().await?;
    Ok(id)
}

/// Inserts a user with their roles in the caller's transaction (see [`create_user`]).
pub(crate) async fn insert_user(tx: &mut crate::db::WriteTx<'_>, u: &NewUser) -> Result<i64> {
    for (column, value) in
        [("username", &u.username), ("phone", &u.phone), ("email", &u.email), ("id_number", &u.id_number)]
    {
        if let Some(v) = value {
            let taken: Option<(i64,)> = sqlx::query_as(&format!("SELECT id FROM users WHERE {column} = $1"))
                .bind(v)
                .fetch_optional(&mut **tx)
                .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(column.to_string()));
            }
        }
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (username, full_name, id_number, phone, email, address, password_hash, agency_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(&u.username)
    .bind(&u.full_name)
    .bind(&u.id_number)
    .bind(&u.phone)
    .bind(&u.email)
    .bind(&u.address)
    .bind(&u.password_hash)
    .bind(&u.agency_code)
    .bind(Millis(chrono::Utc::now()))
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict("user".into())
        } else {
            e.into()
        }
    })?;
    for role in &u.roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id)
            .bind(role.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

/// One user.
pub async fn user(db: &Database, id: i64) -> Result<User> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    complete(db, &row).await
}

/// Every user with a user name (officers, and citizens given one), by user name: what
/// `motcua user list` prints. Citizens who registered sign in with their phone, e-mail or id
/// number and are not listed.
pub async fn with_usernames(db: &Database) -> Result<Vec<User>> {
    let rows =
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username IS NOT NULL ORDER BY u.username"))
            .fetch_all(db.reader())
            .await?;
    complete_all(db, &rows).await
}

/// The accounts holding any of this phone, e-mail and identity number (normalised), oldest
/// first: those a registration with them would collide with.
pub async fn holding(db: &Database, phone: &str, email: &str, id_number: &str) -> Result<Vec<User>> {
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.phone = $1 OR u.email = $2 OR u.id_number = $3 ORDER BY u.id"
    ))
    .bind(phone)
    .bind(email)
    .bind(id_number)
    .fetch_all(db.reader())
    .await?;
    complete_all(db, &rows).await
}

/// Every row [`complete`]d, in order.
async fn complete_all(db: &Database, rows: &[sqlx::any::AnyRow]) -> Result<Vec<User>> {
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        users.push(complete(db, row).await?);
    }
    Ok(users)
}

/// A user found for signing in, with what the login check needs.
#[derive(Clone, Debug)]
pub struct LoginCandidate {
    /// The user.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
}

/// Finds the user a login name designates: an officer's user name, or a citizen's phone,
/// e-mail or id number (each already normalised by the caller).
pub async fn find_for_login(db: &Database, names: &[String]) -> Result<Option<LoginCandidate>> {
    for name in names {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u \
             WHERE u.username = $1 OR u.phone = $1 OR u.email = $1 OR u.id_number = $1"
        ))
        .bind(name)
        .fetch_optional(db.reader())
        .await?;
        if let Some(row) = row {
            return Ok(Some(LoginCandidate {
                user: complete(db, &row).await?,
                password_hash: row.try_get("password_hash")?,
            }));
        }
    }
    Ok(None)
}

/// Failed sign-ins to an account from one client address since the last success, and when the
/// last one was.
pub async fn login_failures(
    db: &Database,
    user_id: i64,
    address: &str,
) -> Result<Option<(i64, chrono::DateTime<chrono::Utc>)>> {
    let row: Option<(i64, Millis)> =
        sqlx::query_as("SELECT failures, last_failed_at FROM login_failures WHERE user_id = $1 AND address = $2")
            .bind(user_id)
            .bind(address)
            .fetch_optional(db.reader())
            .await?;
    Ok(row.map(|(n, at)| (n, at.0)))
}

/// Counts a failed sign-in to an account from an address; the count after it.
pub async fn record_login_failure(
    db: &Database,
    user_id: i64,
    address: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    let mut tx = db.write_tx().await?;
    let (n,): (i64,) = sqlx::query_as(
        "INSERT INTO login_failures (user_id, address, failures, last_failed_at) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (user_id, address) DO UPDATE SET failures = login_failures.failures + 1, \
         last_failed_at = excluded.last_failed_at RETURNING failures",
    )
    .bind(user_id)
    .bind(address)
    .bind(Millis(now))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Failed sign-ins to an account summed over every address whose last failure came after
/// `since`: what many addresses guessing together add up to, which one address's delay misses.
pub async fn recent_login_failures(db: &Database, user_id: i64, since: chrono::DateTime<chrono::Utc>) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM login_failures WHERE user_id = $1 \
         AND last_failed_at > $2",
    )
    .bind(user_id)
    .bind(Millis(since))
    .fetch_one(db.reader())
    .await?;
    Ok(n)
}

/// Forgets every account's failures at addresses whose last failure came before `before`, so
/// that the table holds about a day of failures however many addresses guess; the number of
/// rows removed.
pub async fn prune_login_failures(db: &Database, before: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query("DELETE FROM login_failures WHERE last_failed_at < $1")
        .bind(Millis(before))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Forgets the failed sign-ins to an account from an address, after a success there.
pub async fn clear_login_failures(db: &Database, user_id: i64, address: &str) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM login_failures WHERE user_id = $1 AND address = $2")
        .bind(user_id)
        .bind(address)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// A user's password hash (Argon2id PHC string; empty for an account made by an identity
/// provider without a password).
pub async fn password_hash(db: &Database, user_id: i64) -> Result<String> {
    let row: Option<(Option<String>,)> = sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.reader())
        .await?;
    row.map(|(h,)| h.unwrap_or_default()).ok_or(StoreError::NotFound)
}

/// Replaces a user's password (and unlocks the account).
pub async fn set_password(db: &Database, user_id: i64, password_hash: &str) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(user_id)
        .bind(password_hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// How a session's token is carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionKind {
    /// A browser's cookie, opened by signing in on the pages.
    Web,
    /// A bearer token, opened through the API.
    Api,
}

impl SessionKind {
    /// Every kind.
    pub const ALL: [SessionKind; 2] = [SessionKind::Web, SessionKind::Api];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<SessionKind> {
        SessionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A signed-in session: a browser cookie or an API bearer token.
#[derive(Clone, Debug)]
pub struct Session {
    /// SHA-256 of the secret token; the token itself is never stored.
    pub token_hash: String,
    /// How its token is carried.
    pub kind: SessionKind,
    /// The session's CSRF token, embedded in every form.
    pub csrf: String,
    /// When it was opened: it lapses a fixed time after, however active.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it lapses.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Who.
    pub user: User,
}

/// A live session as its owner sees it in the list of their sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionSummary {
    /// SHA-256 of the secret token: names the session without being able to use it.
    pub token_hash: String,
    /// A browser's cookie or an API token.
    pub kind: SessionKind,
    /// When it was opened.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it lapses unless used.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Opens a session, and ends the user's oldest ones beyond `keep` in all (this one included),
/// so that a stolen password or a forgotten computer does not accumulate sessions.
pub async fn create_session(
    db: &Database,
    token_hash: &str,
    user_id: i64,
    kind: SessionKind,
    csrf: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
    keep: i64,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, kind, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(kind.as_str())
    .bind(csrf)
    .bind(Millis(chrono::Utc::now()))
    .bind(Millis(expires_at))
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash NOT IN \
         (SELECT token_hash FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, token_hash LIMIT {})",
        keep.max(1)
    ))
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The user's live sessions, newest first.
pub async fn sessions_of(
    db: &Database,
    user_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<SessionSummary>> {
    let rows: Vec<(String, String, Millis, Millis)> = sqlx::query_as(
        "SELECT token_hash, kind, created_at, expires_at FROM sessions WHERE user_id = $1 AND expires_at > $2 \
         ORDER BY created_at DESC, token_hash",
    )
    .bind(user_id)
    .bind(Millis(now))
    .fetch_all(db.reader())
    .await?;
    rows.into_iter()
        .map(|(token_hash, kind, created, expires)| {
            Ok(SessionSummary {
                kind: SessionKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("session kind {kind:?}")))?,
                token_hash,
                created_at: created.0,
                expires_at: expires.0,
            })
        })
        .collect()
}

/// Ends the user's sessions named, or all of them but `except` when `which` is `None`; only
/// the user's own. How many ended.
pub async fn end_sessions(db: &Database, user_id: i64, which: Option<&str>, except: &str) -> Result<u64> {
    let mut tx = db.write_tx().await?;
    let done = match which {
        Some(hash) => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash = $2")
                .bind(user_id)
                .bind(hash)
                .execute(&mut *tx)
                .await?
        }
        None => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id)
                .bind(except)
                .execute(&mut *tx)
                .await?
        }
    };
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// The live session with this token hash, if any.
pub async fn session(db: &Database, token_hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<Option<Session>> {
    // Every signed-in request asks this, so the session, its user and the user's roles come in
    // one statement: on SQLite each statement is a round trip to a connection thread.
    let roles = match db.engine {
        crate::db::Engine::Sqlite => "(SELECT group_concat(r.role, ',') FROM user_roles r WHERE r.user_id = u.id)",
        crate::db::Engine::Postgres => "(SELECT string_agg(r.role, ',') FROM user_roles r WHERE r.user_id = u.id)",
    };
    let row = sqlx::query(&format!(
        "SELECT s.kind, s.csrf, s.created_at, s.expires_at, {roles} AS roles, {USER_COLUMNS} \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2"
    ))
    .bind(token_hash)
    .bind(Millis(now))
    .fetch_optional(db.reader())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let kind: String = row.try_get("kind")?;
    let roles: Option<String> = row.try_get("roles")?;
    let mut roles: Vec<Role> = roles.as_deref().unwrap_or_default().split(',').filter_map(Role::parse).collect();
    roles.sort();
    let mut user = user_from(&row, roles)?;
    if user.has(Role::Citizen) {
        user.organisations = crate::organisations::represented(db, user.id).await?;
    }
    Ok(Some(Session {
        token_hash: token_hash.to_string(),
        kind: SessionKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("session kind {kind:?}")))?,
        csrf: row.try_get("csrf")?,
        created_at: row.try_get::<Millis, _>("created_at")?.0,
        expires_at: row.try_get::<Millis, _>("expires_at")?.0,
        user,
    }))
}

/// Extends a session (idle timeout slides with use).
pub async fn extend_session(db: &Database, token_hash: &str, expires_at: chrono::DateTime<chrono::Utc>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("UPDATE sessions SET expires_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(Millis(expires_at))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Ends a session.
pub async fn delete_session(db: &Database, token_hash: &str) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
    tx.commit().await
}

/// The officers holding a role in an agency (id and name, by name): whom a unit leader may
/// assign work to, and whom a digest or an escalation goes to.
pub async fn officers_of(
    db: &Database,
    agency: &str,
    role: motcua_domain::dossier::Role,
) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.full_name FROM users u JOIN user_roles r ON r.user_id = u.id \
         WHERE u.agency_code = $1 AND r.role = $2 ORDER BY u.full_name, u.id",
    )
    .bind(agency)
    .bind(role.as_str())
    .fetch_all(db.reader())
    .await?)
}

/// The ids of every officer with an e-mail address: the readers of the daily digest.
pub async fn officers_with_email(db: &Database) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT u.id FROM users u \
         WHERE u.email IS NOT NULL AND u.agency_code IS NOT NULL \
         AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN ('reception', 'specialist', 'leader')) \
         ORDER BY u.id",
    )
    .fetch_all(db.reader())
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Who receives the monthly report: the steering committee's accounts (the province's report)
/// and the unit leaders (their agency's), each with an e-mail address.
pub async fn monthly_report_recipients(db: &Database) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT u.id FROM users u WHERE u.email IS NOT NULL \
         AND (EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'steering') \
           OR (u.agency_code IS NOT NULL \
             AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'leader'))) \
         ORDER BY u.id",
    )
    .fetch_all(db.reader())
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
