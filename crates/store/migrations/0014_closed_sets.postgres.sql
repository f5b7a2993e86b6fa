-- Columns that hold one of a closed set of values (a status, a role, a channel) refuse any other
-- value, as the Rust enums that write them do: a manual edit or a bug cannot store a word that
-- no reader understands. Each constraint is named <table>_<column>_values on both engines.
-- PostgreSQL: CHECK constraints added NOT VALID, which takes the table's lock only for a moment;
-- existing rows are checked by the next migration (validate closed sets) without blocking writes.

ALTER TABLE dossiers ADD CONSTRAINT dossiers_channel_values CHECK (channel IN ('online', 'in_person', 'postal')) NOT VALID;
ALTER TABLE dossiers ADD CONSTRAINT dossiers_status_values CHECK (status IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')) NOT VALID;
ALTER TABLE dossiers ADD CONSTRAINT dossiers_resume_status_values CHECK (resume_status IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')) NOT VALID;
ALTER TABLE dossiers ADD CONSTRAINT dossiers_waiting_role_values CHECK (waiting_role IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering')) NOT VALID;

ALTER TABLE events ADD CONSTRAINT events_from_status_values CHECK (from_status IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')) NOT VALID;
ALTER TABLE events ADD CONSTRAINT events_to_status_values CHECK (to_status IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')) NOT VALID;

ALTER TABLE consultations ADD CONSTRAINT consultations_role_values CHECK (role IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering')) NOT VALID;

ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_values CHECK (role IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering')) NOT VALID;

ALTER TABLE jobs ADD CONSTRAINT jobs_status_values CHECK (status IN ('pending', 'done', 'dead')) NOT VALID;

ALTER TABLE payments ADD CONSTRAINT payments_status_values CHECK (status IN ('pending', 'paid', 'refund', 'failed')) NOT VALID;

ALTER TABLE questions ADD CONSTRAINT questions_kind_values CHECK (kind IN ('question', 'feedback')) NOT VALID;
ALTER TABLE questions ADD CONSTRAINT questions_status_values CHECK (status IN ('pending', 'published', 'rejected')) NOT VALID;

ALTER TABLE ratings ADD CONSTRAINT ratings_overall_values CHECK (overall IN ('very_satisfied', 'satisfied', 'not_satisfied')) NOT VALID;
ALTER TABLE ratings ADD CONSTRAINT ratings_timeliness_values CHECK (timeliness IN ('very_satisfied', 'satisfied', 'not_satisfied')) NOT VALID;
ALTER TABLE ratings ADD CONSTRAINT ratings_convenience_values CHECK (convenience IN ('very_satisfied', 'satisfied', 'not_satisfied')) NOT VALID;
ALTER TABLE ratings ADD CONSTRAINT ratings_attitude_values CHECK (attitude IN ('very_satisfied', 'satisfied', 'not_satisfied')) NOT VALID;

ALTER TABLE calendar_days ADD CONSTRAINT calendar_days_kind_values CHECK (kind IN ('off', 'work')) NOT VALID;
