-- More columns of a closed set of values refuse any other value, as the Rust enums that write
-- them do (migration 14 began this): an attachment's purpose, a payment log line's outcome, a
-- session's kind, a procedure version's online level and result kind, and an agency's kind.
-- Each constraint is named <table>_<column>_values on both engines.
-- PostgreSQL: CHECK constraints added NOT VALID, which takes the table's lock only for a moment;
-- existing rows are checked by the next migration (validate closed sets 2) without blocking writes.

ALTER TABLE attachments ADD CONSTRAINT attachments_purpose_values CHECK (purpose IN ('document', 'supplement', 'result')) NOT VALID;

ALTER TABLE payment_log ADD CONSTRAINT payment_log_outcome_values CHECK (outcome IN ('paid', 'paid_twice', 'failed', 'replayed', 'forged', 'unsigned', 'wrong_amount', 'unknown', 'malformed', 'error')) NOT VALID;

ALTER TABLE sessions ADD CONSTRAINT sessions_kind_values CHECK (kind IN ('web', 'api')) NOT VALID;

ALTER TABLE procedure_versions ADD CONSTRAINT procedure_versions_level_values CHECK (level IN ('none', 'partial', 'full')) NOT VALID;
ALTER TABLE procedure_versions ADD CONSTRAINT procedure_versions_result_kind_values CHECK (result_kind IN ('paper', 'electronic')) NOT VALID;

ALTER TABLE agencies ADD CONSTRAINT agencies_kind_values CHECK (kind IN ('province', 'department', 'service_centre', 'commune')) NOT VALID;
