-- Failed sign-ins per account and client address (issue 16, point 3): each pair waits longer
-- after each failure, so that guessing from one address slows down while the owner, signing in
-- from elsewhere, is not locked out. A success clears the pair.
CREATE TABLE login_failures (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_failed_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, address)
);
