-- Columns that hold one of a closed set of values (a status, a role, a channel) refuse any other
-- value, as the Rust enums that write them do: a manual edit or a bug cannot store a word that
-- no reader understands. Each constraint is named <table>_<column>_values on both engines.
-- SQLite cannot add a constraint to an existing table (and rebuilding tables that others refer
-- to is not possible inside a migration's transaction with foreign keys on), so each set is kept
-- by two triggers that abort the statement like a failed CHECK: one for inserts, one for updates
-- of the column. Existing rows are checked by the next migration (validate closed sets).

CREATE TRIGGER dossiers_channel_values_insert BEFORE INSERT ON dossiers WHEN NEW.channel NOT IN ('online', 'in_person', 'postal')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: dossiers_channel_values'); END;
CREATE TRIGGER dossiers_channel_values_update BEFORE UPDATE OF channel ON dossiers WHEN NEW.channel NOT IN ('online', 'in_person', 'postal')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: dossiers_channel_values'); END;
CREATE TRIGGER dossiers_status_values_insert BEFORE INSERT ON dossiers WHEN NEW.status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: dossiers_status_values'); END;
CREATE TRIGGER dossiers_status_values_update BEFORE UPDATE OF status ON dossiers WHEN NEW.status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: dossiers_status_values'); END;
CREATE TRIGGER dossiers_resume_status_values_insert BEFORE INSERT ON dossiers WHEN NEW.resume_status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: dossiers_resume_status_values'); END;
CREATE TRIGGER dossiers_resume_status_values_update BEFORE UPDATE OF resume_status ON dossiers WHEN NEW.resume_status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: dossiers_resume_status_values'); END;
CREATE TRIGGER dossiers_waiting_role_values_insert BEFORE INSERT ON dossiers WHEN NEW.waiting_role NOT IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: dossiers_waiting_role_values'); END;
CREATE TRIGGER dossiers_waiting_role_values_update BEFORE UPDATE OF waiting_role ON dossiers WHEN NEW.waiting_role NOT IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: dossiers_waiting_role_values'); END;

CREATE TRIGGER events_from_status_values_insert BEFORE INSERT ON events WHEN NEW.from_status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: events_from_status_values'); END;
CREATE TRIGGER events_from_status_values_update BEFORE UPDATE OF from_status ON events WHEN NEW.from_status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: events_from_status_values'); END;
CREATE TRIGGER events_to_status_values_insert BEFORE INSERT ON events WHEN NEW.to_status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: events_to_status_values'); END;
CREATE TRIGGER events_to_status_values_update BEFORE UPDATE OF to_status ON events WHEN NEW.to_status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: events_to_status_values'); END;

CREATE TRIGGER consultations_role_values_insert BEFORE INSERT ON consultations WHEN NEW.role NOT IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: consultations_role_values'); END;
CREATE TRIGGER consultations_role_values_update BEFORE UPDATE OF role ON consultations WHEN NEW.role NOT IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: consultations_role_values'); END;

CREATE TRIGGER user_roles_role_values_insert BEFORE INSERT ON user_roles WHEN NEW.role NOT IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: user_roles_role_values'); END;
CREATE TRIGGER user_roles_role_values_update BEFORE UPDATE OF role ON user_roles WHEN NEW.role NOT IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: user_roles_role_values'); END;

CREATE TRIGGER jobs_status_values_insert BEFORE INSERT ON jobs WHEN NEW.status NOT IN ('pending', 'done', 'dead')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: jobs_status_values'); END;
CREATE TRIGGER jobs_status_values_update BEFORE UPDATE OF status ON jobs WHEN NEW.status NOT IN ('pending', 'done', 'dead')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: jobs_status_values'); END;

CREATE TRIGGER payments_status_values_insert BEFORE INSERT ON payments WHEN NEW.status NOT IN ('pending', 'paid', 'refund', 'failed')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: payments_status_values'); END;
CREATE TRIGGER payments_status_values_update BEFORE UPDATE OF status ON payments WHEN NEW.status NOT IN ('pending', 'paid', 'refund', 'failed')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: payments_status_values'); END;

CREATE TRIGGER questions_kind_values_insert BEFORE INSERT ON questions WHEN NEW.kind NOT IN ('question', 'feedback')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: questions_kind_values'); END;
CREATE TRIGGER questions_kind_values_update BEFORE UPDATE OF kind ON questions WHEN NEW.kind NOT IN ('question', 'feedback')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: questions_kind_values'); END;
CREATE TRIGGER questions_status_values_insert BEFORE INSERT ON questions WHEN NEW.status NOT IN ('pending', 'published', 'rejected')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: questions_status_values'); END;
CREATE TRIGGER questions_status_values_update BEFORE UPDATE OF status ON questions WHEN NEW.status NOT IN ('pending', 'published', 'rejected')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: questions_status_values'); END;

CREATE TRIGGER ratings_overall_values_insert BEFORE INSERT ON ratings WHEN NEW.overall NOT IN ('very_satisfied', 'satisfied', 'not_satisfied')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ratings_overall_values'); END;
CREATE TRIGGER ratings_overall_values_update BEFORE UPDATE OF overall ON ratings WHEN NEW.overall NOT IN ('very_satisfied', 'satisfied', 'not_satisfied')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ratings_overall_values'); END;
CREATE TRIGGER ratings_timeliness_values_insert BEFORE INSERT ON ratings WHEN NEW.timeliness NOT IN ('very_satisfied', 'satisfied', 'not_satisfied')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ratings_timeliness_values'); END;
CREATE TRIGGER ratings_timeliness_values_update BEFORE UPDATE OF timeliness ON ratings WHEN NEW.timeliness NOT IN ('very_satisfied', 'satisfied', 'not_satisfied')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ratings_timeliness_values'); END;
CREATE TRIGGER ratings_convenience_values_insert BEFORE INSERT ON ratings WHEN NEW.convenience NOT IN ('very_satisfied', 'satisfied', 'not_satisfied')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ratings_convenience_values'); END;
CREATE TRIGGER ratings_convenience_values_update BEFORE UPDATE OF convenience ON ratings WHEN NEW.convenience NOT IN ('very_satisfied', 'satisfied', 'not_satisfied')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ratings_convenience_values'); END;
CREATE TRIGGER ratings_attitude_values_insert BEFORE INSERT ON ratings WHEN NEW.attitude NOT IN ('very_satisfied', 'satisfied', 'not_satisfied')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ratings_attitude_values'); END;
CREATE TRIGGER ratings_attitude_values_update BEFORE UPDATE OF attitude ON ratings WHEN NEW.attitude NOT IN ('very_satisfied', 'satisfied', 'not_satisfied')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ratings_attitude_values'); END;

CREATE TRIGGER calendar_days_kind_values_insert BEFORE INSERT ON calendar_days WHEN NEW.kind NOT IN ('off', 'work')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: calendar_days_kind_values'); END;
CREATE TRIGGER calendar_days_kind_values_update BEFORE UPDATE OF kind ON calendar_days WHEN NEW.kind NOT IN ('off', 'work')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: calendar_days_kind_values'); END;
