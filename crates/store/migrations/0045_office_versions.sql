-- The versions of an outgoing draft (issue 15 point 2): the first as it was started, then one
-- for every change of its subject, text or files while it is a draft (also after it was sent
-- back), never edited. A version lists its files by the document's attachment rows, which stay
-- when a later version drops them (marked removed), so an old version's files download as
-- they were and an unchanged file is not stored twice.
CREATE TABLE office_versions (
    id {id},
    document_id BIGINT NOT NULL REFERENCES office_documents (id),
    number BIGINT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT,
    user_id BIGINT REFERENCES users (id),
    author_name TEXT NOT NULL,
    note TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (document_id, number)
);

CREATE TABLE office_version_files (
    version_id BIGINT NOT NULL REFERENCES office_versions (id),
    attachment_id TEXT NOT NULL REFERENCES office_attachments (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (version_id, attachment_id)
);

-- A draft's file a later version dropped: kept for the versions that list it, no longer the
-- document's.
ALTER TABLE office_attachments ADD COLUMN removed_at BIGINT;
