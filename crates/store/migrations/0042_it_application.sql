-- The steering committee's IT-application figures (issue 13 point 4).
-- Whether an issued outgoing document's PDF carries the agency's digital signature: an agency
-- without a certificate issues unsigned, and the figures count the signed ones.
ALTER TABLE office_attachments ADD COLUMN signed BIGINT NOT NULL DEFAULT 0 CHECK (signed IN (0, 1));
-- Officers' use: each officer's actions in a period, read by officer and time rather than by
-- scanning every dossier's and document's history.
CREATE INDEX events_actor ON events (actor_user_id, at);
CREATE INDEX office_events_user ON office_events (user_id, at);
