-- Applications saved half-done, to be resumed later (as opposed to those waiting on the
-- check-your-answers page).
ALTER TABLE drafts ADD COLUMN saved BIGINT NOT NULL DEFAULT 0;
CREATE INDEX drafts_saved ON drafts (user_id, saved, created_at);
