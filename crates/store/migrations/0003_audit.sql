-- Tamper evidence: each event carries the SHA-256 of its content chained with the previous
-- event of the same dossier, so an edited or deleted event breaks every hash after it.
ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT '';

-- Who read which dossier and when (personal-data law: log reads of personal data).
CREATE TABLE dossier_reads (
    id {id},
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    user_id BIGINT REFERENCES users (id),
    at BIGINT NOT NULL
);
CREATE INDEX dossier_reads_dossier ON dossier_reads (dossier_id, at);
CREATE INDEX dossier_reads_at ON dossier_reads (at);
