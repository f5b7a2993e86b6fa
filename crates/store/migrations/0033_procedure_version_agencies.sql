-- A procedure's field, lead agency and participating agencies belong to its version (issue 14,
-- catalog import): when the national database moves a procedure to another agency, dossiers
-- received before keep the agency of the version they were received under. NULL field and
-- agency mean "as on the procedure row", which is how every version written before this one
-- reads; `procedures.field_code` and `agency_code` stay those of the current version.
-- `participating_agencies` is a JSON list of agency codes (cơ quan phối hợp).
ALTER TABLE procedure_versions ADD COLUMN field_code TEXT REFERENCES fields (code);
ALTER TABLE procedure_versions ADD COLUMN agency_code TEXT REFERENCES agencies (code);
ALTER TABLE procedure_versions ADD COLUMN participating_agencies TEXT;
