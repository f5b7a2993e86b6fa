-- Applications being checked before submission: answers and already stored files, so the
-- applicant can review everything on a check-your-answers page before submitting.
CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    procedure_code TEXT NOT NULL,
    data TEXT NOT NULL,
    files TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX drafts_user ON drafts (user_id, created_at);
