-- Public questions about procedures and feedback on dossiers (the comment form of a provincial
-- portal): moderated by officers, published with their answer; the e-mail is never shown.
CREATE TABLE questions (
    id {id},
    kind TEXT NOT NULL,
    procedure_code TEXT,
    dossier_code TEXT,
    agency_code TEXT,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES users (id),
    answered_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX questions_status ON questions (status, agency_code, created_at);
CREATE INDEX questions_procedure ON questions (procedure_code, status, answered_at);
