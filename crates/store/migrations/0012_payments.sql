-- Fees and online payment (DESIGN.md section 7). A procedure version may carry a fee schedule
-- computed from the answers; a dossier keeps the amount decided at submission and when it was
-- paid. Each attempt to pay is a payment with its own reference at the gateway; confirmations,
-- replays and forgeries are logged.
ALTER TABLE procedure_versions ADD COLUMN fee_schedule TEXT;
ALTER TABLE dossiers ADD COLUMN fee_paid_at BIGINT;

CREATE TABLE payments (
    id {id},
    txn_ref TEXT NOT NULL UNIQUE,
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    dossier_code TEXT NOT NULL,
    lead_agency TEXT NOT NULL,
    amount_vnd BIGINT NOT NULL,
    gateway TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    settled_at BIGINT,
    gateway_txn_no TEXT,
    bank_code TEXT,
    response_code TEXT,
    receipt_no TEXT
);
CREATE INDEX payments_dossier ON payments (dossier_id, created_at);
CREATE INDEX payments_day ON payments (lead_agency, created_at);
-- Each collecting agency numbers its receipts: one series per agency and year.
CREATE UNIQUE INDEX payments_receipt ON payments (lead_agency, receipt_no);

CREATE TABLE payment_log (
    id {id},
    at BIGINT NOT NULL,
    txn_ref TEXT,
    outcome TEXT NOT NULL,
    remote_addr TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX payment_log_at ON payment_log (at);
