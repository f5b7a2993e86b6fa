-- Issue 14: sign-in through external OpenID Connect providers (VNeID for citizens, the province's
-- own for officers) and a second factor (TOTP) for local accounts.

-- Who a provider's subject is here: found again at every later sign-in through that provider. A
-- subject is linked to one account; an account may be linked to several providers.
CREATE TABLE identity_links (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    linked_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX identity_links_user ON identity_links (user_id);

-- The assurance the account's identity was verified with by a provider (e.g. `vneid`, or the
-- provider's `acr`): Decision 766's "TaiKhoanDuocXacThucVoiVNeID". A dossier submitted online by
-- such an account keeps what it was when submitted.
ALTER TABLE users ADD COLUMN verified_by TEXT;
ALTER TABLE dossiers ADD COLUMN applicant_verified_by TEXT;

-- An external sign-in under way, between the redirect to the provider and its return: the state
-- (by its hash), the nonce and the PKCE verifier, and where to go afterwards. Used once.
CREATE TABLE sign_in_flows (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next_path TEXT,
    expires_at BIGINT NOT NULL
);

-- A local account's TOTP secret (RFC 6238; base32), confirmed once a code made with it was
-- typed back; `last_step` is the time step of the last code accepted, so that no code is taken
-- twice.
CREATE TABLE totp_secrets (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    confirmed_at BIGINT,
    last_step BIGINT
);

-- A sign-in whose password was right and whose second factor is still to come: not a session,
-- only the right to type a code for a few minutes (by the token's hash).
CREATE TABLE pending_sign_ins (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    next_path TEXT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX pending_sign_ins_user ON pending_sign_ins (user_id);
