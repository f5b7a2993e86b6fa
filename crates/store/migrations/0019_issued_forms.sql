-- Forms as issued (DESIGN.md section 6): each legal form is rendered and signed once, when the
-- act it records happens, and kept as bytes; downloads serve those bytes ever after. event_id:
-- the history event the form records (none for a fee receipt, which records a payment).
CREATE TABLE issued_forms (
    id {id},
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    event_id BIGINT REFERENCES events (id),
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'supplement_request', 'refusal', 'apology', 'stop_notice', 'fee_receipt')),
    storage_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    signed BIGINT NOT NULL CHECK (signed IN (0, 1))
);
-- One form of a kind per event: two first downloads of an older dossier's form cannot both
-- issue it.
CREATE UNIQUE INDEX issued_forms_event_kind ON issued_forms (event_id, kind);
CREATE INDEX issued_forms_dossier ON issued_forms (dossier_id, kind, id);
CREATE INDEX issued_forms_sha256 ON issued_forms (sha256);
