-- Checks the rows written before the closed-set constraints of migration 17 against them: a
-- row outside its set stops the migration, naming the constraint. VALIDATE lets writes go on
-- while the table is scanned.
ALTER TABLE attachments VALIDATE CONSTRAINT attachments_purpose_values;

ALTER TABLE payment_log VALIDATE CONSTRAINT payment_log_outcome_values;

ALTER TABLE sessions VALIDATE CONSTRAINT sessions_kind_values;

ALTER TABLE procedure_versions VALIDATE CONSTRAINT procedure_versions_level_values;
ALTER TABLE procedure_versions VALIDATE CONSTRAINT procedure_versions_result_kind_values;

ALTER TABLE agencies VALIDATE CONSTRAINT agencies_kind_values;
