-- The electronic office (issue 15, Decree 30/2020/NĐ-CP): incoming and outgoing documents of
-- each agency, their history and files. Numbers (số đến, số văn bản đi) are taken from
-- code_sequences in the transaction that registers or issues the document, one sequence per
-- agency, register, secrecy and year, so they restart at 1 on 1 January without gaps.
CREATE TABLE office_documents (
    id {id},
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    register TEXT NOT NULL CHECK (register IN ('incoming', 'outgoing')),
    -- Confidential documents are numbered in a register of their own (0 or 1).
    secret_register BIGINT NOT NULL CHECK (secret_register IN (0, 1)),
    year BIGINT NOT NULL,
    -- Arrival number (incoming) or number at issue (outgoing); none for a draft.
    number BIGINT,
    -- The number and symbol (số, ký hiệu): the sender's for an incoming document, ours once issued.
    symbol TEXT,
    doc_type TEXT NOT NULL CHECK (doc_type IN ('official_letter', 'decision', 'regulation', 'notice', 'plan',
        'report', 'submission', 'invitation', 'programme', 'guidance', 'minutes')),
    -- Trích yếu: what the document is about.
    subject TEXT NOT NULL,
    subject_folded TEXT NOT NULL,
    -- The issuing body: the sender of an incoming document, the agency itself for an outgoing one.
    issuer TEXT NOT NULL,
    -- The date on the document, YYYY-MM-DD.
    issued_on TEXT,
    received_at BIGINT,
    due_at BIGINT,
    urgency TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent', 'very_urgent', 'flash')),
    confidentiality TEXT NOT NULL CHECK (confidentiality IN ('normal', 'confidential', 'secret', 'top_secret')),
    status TEXT NOT NULL CHECK (status IN ('registered', 'assigned', 'in_progress', 'completed', 'draft',
        'pending_approval', 'approved', 'issued', 'dispatched', 'recalled')),
    author_user_id BIGINT REFERENCES users (id),
    assignee_user_id BIGINT REFERENCES users (id),
    -- Outgoing: who signs, with the authority marker (KT., TL., …) in the title.
    signer_name TEXT,
    signer_title TEXT,
    -- Outgoing: the text, and the agencies it goes to (a JSON array of agency codes).
    body TEXT,
    recipients TEXT NOT NULL DEFAULT '[]',
    -- Incoming: registered from paper, scanned (số hóa).
    digitized BIGINT NOT NULL DEFAULT 0 CHECK (digitized IN (0, 1)),
    -- The outgoing document this one arrived from, inside motcua.
    source_document_id BIGINT REFERENCES office_documents (id),
    created_at BIGINT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX office_documents_number
    ON office_documents (agency_code, register, secret_register, year, number);
CREATE INDEX office_documents_register ON office_documents (agency_code, register, year, id);
CREATE INDEX office_documents_assignee ON office_documents (assignee_user_id, status);
CREATE INDEX office_documents_author ON office_documents (author_user_id, status);

-- Append-only history of a document: who did what, from which status to which, with a note.
CREATE TABLE office_events (
    id {id},
    document_id BIGINT NOT NULL REFERENCES office_documents (id),
    at BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    note TEXT
);
CREATE INDEX office_events_document ON office_events (document_id, id);

-- A document's files: the original received or scanned, the author's drafts, the issued PDF.
CREATE TABLE office_attachments (
    id TEXT PRIMARY KEY,
    document_id BIGINT NOT NULL REFERENCES office_documents (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('original', 'draft', 'issued')),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX office_attachments_document ON office_attachments (document_id, created_at);
