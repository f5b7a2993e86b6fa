-- More columns of a closed set of values refuse any other value, as the Rust enums that write
-- them do (migration 14 began this): an attachment's purpose, a payment log line's outcome, a
-- session's kind, a procedure version's online level and result kind, and an agency's kind.
-- Each constraint is named <table>_<column>_values on both engines.
-- SQLite cannot add a constraint to an existing table, so each set is kept by two triggers that
-- abort the statement like a failed CHECK, as in migration 14: one for inserts, one for updates
-- of the column. Existing rows are checked by the next migration (validate closed sets 2).

CREATE TRIGGER attachments_purpose_values_insert BEFORE INSERT ON attachments WHEN NEW.purpose NOT IN ('document', 'supplement', 'result')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: attachments_purpose_values'); END;
CREATE TRIGGER attachments_purpose_values_update BEFORE UPDATE OF purpose ON attachments WHEN NEW.purpose NOT IN ('document', 'supplement', 'result')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: attachments_purpose_values'); END;

CREATE TRIGGER payment_log_outcome_values_insert BEFORE INSERT ON payment_log WHEN NEW.outcome NOT IN ('paid', 'paid_twice', 'failed', 'replayed', 'forged', 'unsigned', 'wrong_amount', 'unknown', 'malformed', 'error')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: payment_log_outcome_values'); END;
CREATE TRIGGER payment_log_outcome_values_update BEFORE UPDATE OF outcome ON payment_log WHEN NEW.outcome NOT IN ('paid', 'paid_twice', 'failed', 'replayed', 'forged', 'unsigned', 'wrong_amount', 'unknown', 'malformed', 'error')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: payment_log_outcome_values'); END;

CREATE TRIGGER sessions_kind_values_insert BEFORE INSERT ON sessions WHEN NEW.kind NOT IN ('web', 'api')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: sessions_kind_values'); END;
CREATE TRIGGER sessions_kind_values_update BEFORE UPDATE OF kind ON sessions WHEN NEW.kind NOT IN ('web', 'api')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: sessions_kind_values'); END;

CREATE TRIGGER procedure_versions_level_values_insert BEFORE INSERT ON procedure_versions WHEN NEW.level NOT IN ('none', 'partial', 'full')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: procedure_versions_level_values'); END;
CREATE TRIGGER procedure_versions_level_values_update BEFORE UPDATE OF level ON procedure_versions WHEN NEW.level NOT IN ('none', 'partial', 'full')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: procedure_versions_level_values'); END;
CREATE TRIGGER procedure_versions_result_kind_values_insert BEFORE INSERT ON procedure_versions WHEN NEW.result_kind NOT IN ('paper', 'electronic')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: procedure_versions_result_kind_values'); END;
CREATE TRIGGER procedure_versions_result_kind_values_update BEFORE UPDATE OF result_kind ON procedure_versions WHEN NEW.result_kind NOT IN ('paper', 'electronic')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: procedure_versions_result_kind_values'); END;

CREATE TRIGGER agencies_kind_values_insert BEFORE INSERT ON agencies WHEN NEW.kind NOT IN ('province', 'department', 'service_centre', 'commune')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: agencies_kind_values'); END;
CREATE TRIGGER agencies_kind_values_update BEFORE UPDATE OF kind ON agencies WHEN NEW.kind NOT IN ('province', 'department', 'service_centre', 'commune')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: agencies_kind_values'); END;
