-- The first answer to a request sent with an Idempotency-Key header, per caller and key, so
-- that the same request sent again (a retry after a lost answer) answers it instead of acting
-- twice (store::idempotency). `status` is NULL while the first request runs; `dossier_code`
-- is written in the transaction that created the dossier, so a server that died before
-- storing its answer still lets the retry answer with that dossier.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    body TEXT,
    dossier_code TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
