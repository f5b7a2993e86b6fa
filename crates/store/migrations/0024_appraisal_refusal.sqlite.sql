-- The deciding agency's refusal after appraisal (Phiếu từ chối giải quyết hồ sơ, Decree 61/2018
-- Art. 19.8) is a form of its own. SQLite cannot change a CHECK constraint, so the table (which
-- no other refers to) is rebuilt with the wider set, its rows and indexes as they were.
CREATE TABLE issued_forms_new (
    id {id},
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    event_id BIGINT REFERENCES events (id),
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'supplement_request', 'refusal', 'appraisal_refusal', 'apology', 'stop_notice', 'fee_receipt')),
    storage_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    signed BIGINT NOT NULL CHECK (signed IN (0, 1))
);
INSERT INTO issued_forms_new (id, dossier_id, event_id, kind, storage_key, sha256, size_bytes, issued_at, signed)
    SELECT id, dossier_id, event_id, kind, storage_key, sha256, size_bytes, issued_at, signed FROM issued_forms;
DROP TABLE issued_forms;
ALTER TABLE issued_forms_new RENAME TO issued_forms;
CREATE UNIQUE INDEX issued_forms_event_kind ON issued_forms (event_id, kind);
CREATE INDEX issued_forms_dossier ON issued_forms (dossier_id, kind, id);
CREATE INDEX issued_forms_sha256 ON issued_forms (sha256);
