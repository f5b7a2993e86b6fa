-- Quên mật khẩu: a request to set a new password with a code sent to the account's phone or
-- e-mail. The code is drawn when the message is sent (the job), and only its digest is kept; a
-- request expires, allows a few wrong codes, and is used once.
CREATE TABLE password_resets (
    id {id},
    user_id BIGINT NOT NULL REFERENCES users (id),
    channel TEXT NOT NULL,
    code_hash TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id, id);
