-- Đăng ký tài khoản: a citizen's registration waiting for the code sent to the phone and e-mail
-- typed. The account exists only once the right code comes back. A registration whose phone,
-- e-mail or identity number already belongs to an account never gets a working code (the
-- account's owner is warned instead); expired rows are deleted when the next one is written.
CREATE TABLE pending_registrations (
    id {id},
    token_hash TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    code_hash TEXT,
    owner_warned BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    tries_left BIGINT NOT NULL
);
CREATE INDEX pending_registrations_phone ON pending_registrations (phone, id);
CREATE INDEX pending_registrations_expiry ON pending_registrations (expires_at);
