-- The applicant's rating of each dossier's service, once (DESIGN.md section 7).
CREATE TABLE ratings (
    dossier_id BIGINT PRIMARY KEY REFERENCES dossiers (id),
    dossier_code TEXT NOT NULL,
    lead_agency TEXT NOT NULL,
    overall TEXT NOT NULL,
    timeliness TEXT NOT NULL,
    convenience TEXT NOT NULL,
    attitude TEXT NOT NULL,
    comment TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX ratings_agency ON ratings (lead_agency, created_at);
