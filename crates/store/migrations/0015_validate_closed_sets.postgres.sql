-- Checks the rows written before the closed-set constraints of migration 14 against them: a
-- row outside its set stops the migration, naming the constraint. VALIDATE lets writes go on
-- while the table is scanned.
ALTER TABLE dossiers VALIDATE CONSTRAINT dossiers_channel_values;
ALTER TABLE dossiers VALIDATE CONSTRAINT dossiers_status_values;
ALTER TABLE dossiers VALIDATE CONSTRAINT dossiers_resume_status_values;
ALTER TABLE dossiers VALIDATE CONSTRAINT dossiers_waiting_role_values;

ALTER TABLE events VALIDATE CONSTRAINT events_from_status_values;
ALTER TABLE events VALIDATE CONSTRAINT events_to_status_values;

ALTER TABLE consultations VALIDATE CONSTRAINT consultations_role_values;

ALTER TABLE user_roles VALIDATE CONSTRAINT user_roles_role_values;

ALTER TABLE jobs VALIDATE CONSTRAINT jobs_status_values;

ALTER TABLE payments VALIDATE CONSTRAINT payments_status_values;

ALTER TABLE questions VALIDATE CONSTRAINT questions_kind_values;
ALTER TABLE questions VALIDATE CONSTRAINT questions_status_values;

ALTER TABLE ratings VALIDATE CONSTRAINT ratings_overall_values;
ALTER TABLE ratings VALIDATE CONSTRAINT ratings_timeliness_values;
ALTER TABLE ratings VALIDATE CONSTRAINT ratings_convenience_values;
ALTER TABLE ratings VALIDATE CONSTRAINT ratings_attitude_values;

ALTER TABLE calendar_days VALIDATE CONSTRAINT calendar_days_kind_values;
