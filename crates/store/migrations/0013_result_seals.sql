-- Electronic results signed by the system (DESIGN.md section 7).
-- The public keys that verify the seals: verifying needs no private key file, so a rotated or
-- lost private key never makes an issued result unverifiable. retired_at: when a newer key
-- took over signing.
CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);

-- One seal per signed result file: the verification code printed on it, the file's SHA-256 and
-- the signature over it, recorded in the transaction that issues the result.
CREATE TABLE result_seals (
    code TEXT PRIMARY KEY,
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    attachment_id TEXT NOT NULL UNIQUE REFERENCES attachments (id),
    sha256 TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES signing_keys (id),
    signature TEXT NOT NULL,
    signed_at BIGINT NOT NULL
);
CREATE INDEX result_seals_sha256 ON result_seals (sha256);
CREATE INDEX result_seals_dossier ON result_seals (dossier_id);
