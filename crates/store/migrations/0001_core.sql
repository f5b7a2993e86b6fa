-- The core data model (DESIGN.md section 2), written once for SQLite and PostgreSQL.
-- {id} is the engine's auto-increment primary key; every other type is shared SQL.
-- Times are BIGINT milliseconds since the Unix epoch, UTC; flags are BIGINT 0/1; JSON is TEXT.

CREATE TABLE agencies (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT,
    parent_code TEXT REFERENCES agencies (code),
    kind TEXT NOT NULL,
    counting_rule TEXT
);

CREATE TABLE fields (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT
);

CREATE TABLE procedures (
    id {id},
    code TEXT NOT NULL UNIQUE,
    local_code TEXT,
    field_code TEXT NOT NULL REFERENCES fields (code),
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    current_version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE procedure_versions (
    id {id},
    procedure_id BIGINT NOT NULL REFERENCES procedures (id),
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT,
    level TEXT NOT NULL,
    level_reason TEXT,
    time_amount BIGINT NOT NULL,
    time_unit TEXT NOT NULL,
    fee_vnd BIGINT NOT NULL,
    fee_note TEXT,
    result_kind TEXT NOT NULL,
    documents TEXT NOT NULL,
    form TEXT NOT NULL,
    workflow TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (procedure_id, version)
);

CREATE TABLE users (
    id {id},
    username TEXT UNIQUE,
    full_name TEXT NOT NULL,
    id_number TEXT UNIQUE,
    phone TEXT UNIQUE,
    email TEXT UNIQUE,
    address TEXT,
    password_hash TEXT NOT NULL,
    agency_code TEXT REFERENCES agencies (code),
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL
);

CREATE TABLE code_sequences (
    scope TEXT NOT NULL,
    day TEXT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (scope, day)
);

CREATE TABLE dossiers (
    id {id},
    code TEXT NOT NULL UNIQUE,
    procedure_version_id BIGINT NOT NULL REFERENCES procedure_versions (id),
    procedure_code TEXT NOT NULL,
    lead_agency TEXT NOT NULL REFERENCES agencies (code),
    applicant_user_id BIGINT REFERENCES users (id),
    applicant_name TEXT NOT NULL,
    applicant_id_number TEXT,
    applicant_phone TEXT NOT NULL,
    applicant_email TEXT,
    applicant_address TEXT,
    channel TEXT NOT NULL,
    data TEXT NOT NULL,
    status TEXT NOT NULL,
    step BIGINT NOT NULL DEFAULT 0,
    resume_status TEXT,
    waiting_role TEXT,
    waiting_agency TEXT,
    submitted_at BIGINT NOT NULL,
    received_at BIGINT,
    clock_started_at BIGINT,
    due_at BIGINT,
    finished_at BIGINT,
    returned_at BIGINT,
    supplement_count BIGINT NOT NULL DEFAULT 0,
    rescheduled BIGINT NOT NULL DEFAULT 0,
    fee_vnd BIGINT NOT NULL DEFAULT 0,
    revision BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX dossiers_queue ON dossiers (waiting_role, waiting_agency, submitted_at);
CREATE INDEX dossiers_applicant ON dossiers (applicant_user_id, submitted_at);
CREATE INDEX dossiers_agency ON dossiers (lead_agency, submitted_at);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    doc_key TEXT NOT NULL,
    purpose TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    digitized BIGINT NOT NULL DEFAULT 0,
    reused BIGINT NOT NULL DEFAULT 0,
    from_citizen_store BIGINT NOT NULL DEFAULT 0,
    uploaded_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_dossier ON attachments (dossier_id);

CREATE TABLE events (
    id {id},
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    at BIGINT NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    step BIGINT,
    note TEXT
);
CREATE INDEX events_dossier ON events (dossier_id, id);
