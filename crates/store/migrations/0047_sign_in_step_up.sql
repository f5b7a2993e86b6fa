-- Step-up after many failed sign-ins (issue 16, point 3): the codes sent to an account's e-mail
-- or phone serve two purposes, setting a new password (`reset`) and finishing a sign-in that
-- many failures put under a second step (`sign_in`); a code of one never serves the other.
-- Failures older than a day are pruned daily, by the time of their last one.
ALTER TABLE password_resets ADD COLUMN purpose TEXT NOT NULL DEFAULT 'reset';
CREATE INDEX password_resets_purpose ON password_resets (user_id, purpose, id);
CREATE INDEX login_failures_last ON login_failures (last_failed_at);
