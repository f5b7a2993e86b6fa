-- The national portal link (issue 14): dossiers handed over by the National Public Service
-- Portal (channel national_portal, with the portal's code), the tokens other systems call with,
-- and the outbox of status messages back to the portal.
-- The channel's set widens; every stored row is already within it, so it is checked at once.
ALTER TABLE dossiers DROP CONSTRAINT dossiers_channel_values;
ALTER TABLE dossiers ADD CONSTRAINT dossiers_channel_values CHECK (channel IN ('online', 'in_person', 'postal', 'national_portal'));

-- The national portal's own code of a dossier it handed over (MaHoSo): asking twice with one
-- code gives the same dossier (NULLs, the province's own dossiers, are all distinct).
ALTER TABLE dossiers ADD COLUMN external_code TEXT;
CREATE UNIQUE INDEX dossiers_external_code ON dossiers (external_code);
-- Dossiers made for a person without an account (from the portal, at the desk), found by
-- identity number when that person's account is proven to hold it.
CREATE INDEX dossiers_unclaimed_id_number ON dossiers (applicant_id_number) WHERE applicant_user_id IS NULL;

-- Bearer tokens of other systems (the national portal, the provincial data-exchange platform):
-- only the SHA-256 of a token is kept; it is shown once when made. A revoked token stays for
-- the record of the calls made with it.
CREATE TABLE system_tokens (
    id {id},
    name TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('integration')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);

-- Every call made with a system token: which system, when, what, and the answer's status.
CREATE TABLE system_calls (
    id {id},
    token_id BIGINT NOT NULL REFERENCES system_tokens (id),
    at BIGINT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status BIGINT NOT NULL
);
CREATE INDEX system_calls_token ON system_calls (token_id, id);

-- Status messages for the national portal, one per change of a synchronised dossier, written
-- in the change's transaction (an outbox): delivered in order per dossier, retried with
-- backoff until the portal answers 2xx. message_id (MessageId) is the dossier code and the
-- revision the change made, so it is unique and the same on every retry.
CREATE TABLE national_outbox (
    id {id},
    message_id TEXT NOT NULL UNIQUE,
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    dossier_code TEXT NOT NULL,
    external_code TEXT,
    national_status BIGINT NOT NULL CHECK (national_status BETWEEN 1 AND 10),
    action TEXT NOT NULL,
    note TEXT,
    due_at BIGINT,
    finished_at BIGINT,
    changed_at BIGINT NOT NULL,
    results TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_attempt_at BIGINT,
    last_error TEXT,
    sent_at BIGINT
);
-- The messages still to send: the head of each dossier's line, and the due ones.
CREATE INDEX national_outbox_unsent ON national_outbox (dossier_id, id) WHERE sent_at IS NULL;
CREATE INDEX national_outbox_due ON national_outbox (next_attempt_at, id) WHERE sent_at IS NULL;
CREATE INDEX national_outbox_sent ON national_outbox (sent_at, id) WHERE sent_at IS NOT NULL;
