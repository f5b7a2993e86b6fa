-- Organisation applicants (issue 14, point 6): a business or other organisation, known by its
-- tax code, applies through the people who represent it. A person registers it (pending), an
-- administrator verifies it against the business registration, and from then on its
-- representatives apply in its name and see all of its dossiers.

CREATE TABLE organisations (
    id {id},
    -- 10 digits, or 13 as `0123456789-001` for a branch (domain::identity::TaxCode).
    tax_code TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_at BIGINT,
    -- Why it was refused, for the person who registered it.
    decision_note TEXT
);
-- One live registration per tax code: a refused one leaves the code free for the real business.
CREATE UNIQUE INDEX organisations_live_tax_code ON organisations (tax_code) WHERE status <> 'rejected';
CREATE INDEX organisations_status ON organisations (status, created_at);

CREATE TABLE organisation_representatives (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('legal', 'authorised')),
    -- Position in the organisation (chức vụ), as the legal representative typed it.
    title TEXT,
    added_by BIGINT REFERENCES users (id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX organisation_representatives_user ON organisation_representatives (user_id);

-- The organisation a dossier was filed for; `applicant_user_id` stays the person who filed it.
ALTER TABLE dossiers ADD COLUMN applicant_organisation_id BIGINT REFERENCES organisations (id);
CREATE INDEX dossiers_organisation ON dossiers (applicant_organisation_id, submitted_at);
