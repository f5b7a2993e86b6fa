-- Quyền xem hồ sơ: an administrator's explicit permission to read one dossier for a while, with
-- the reason given. Never deleted: the audit page lists them, and the reads they allow are
-- logged in dossier_reads like any officer's.
CREATE TABLE dossier_access_grants (
    id {id},
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX dossier_access_grants_user ON dossier_access_grants (user_id, dossier_id, expires_at);
