-- An audit chain that proves completeness (issue 16, point 4).
--
-- Each dossier keeps the head of its history: how many events it has and the last one's hash,
-- sealed with a keyed MAC together with the fields the events imply (status, step, due date).
-- Deleting the last events, or editing those fields by hand, then no longer goes unnoticed.
-- The heads of the histories written before this migration are counted here and sealed with
-- the key when the server first starts with it (`head_mac` stays NULL until then).
ALTER TABLE dossiers ADD COLUMN event_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN last_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN head_mac TEXT;
UPDATE dossiers SET
    event_count = (SELECT COUNT(*) FROM events e WHERE e.dossier_id = dossiers.id),
    last_hash = COALESCE((SELECT e.hash FROM events e WHERE e.dossier_id = dossiers.id ORDER BY e.id DESC LIMIT 1), '');

-- One row: the last event chained with plain SHA-256 (every later one must carry the keyed
-- HMAC-SHA-256), and when the heads of those older histories were sealed with the key.
CREATE TABLE audit_state (
    id BIGINT PRIMARY KEY,
    legacy_last_event_id BIGINT NOT NULL,
    sealed_at BIGINT
);
INSERT INTO audit_state (id, legacy_last_event_id) SELECT 1, COALESCE(MAX(id), 0) FROM events;

-- The daily signed checkpoint: a digest of every dossier's head, MAC'd with the key and chained
-- to the previous checkpoint, so that a history deleted whole since then is named.
CREATE TABLE audit_checkpoints (
    id {id},
    at BIGINT NOT NULL,
    dossiers BIGINT NOT NULL,
    events BIGINT NOT NULL,
    digest TEXT NOT NULL,
    previous_mac TEXT NOT NULL,
    mac TEXT NOT NULL
);
-- The heads a checkpoint covered, kept for the latest checkpoints only (see audit.rs).
CREATE TABLE audit_checkpoint_heads (
    checkpoint_id BIGINT NOT NULL REFERENCES audit_checkpoints (id),
    dossier_code TEXT NOT NULL,
    event_count BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    PRIMARY KEY (checkpoint_id, dossier_code)
);
