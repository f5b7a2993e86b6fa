-- What the portal publishes besides what the system acts on. On an agency (JSON, see
-- `catalog::AgencyInfo`): the area it governs, its address, hotline, e-mail and opening hours,
-- shown in every page's footer for the service centre. On a procedure version (JSON, see
-- `catalog::ProcedureDetails`): the steps, ways of applying, who may apply, the result, the
-- conditions, the legal basis and the forms, as the national catalogue describes them.
ALTER TABLE agencies ADD COLUMN public_info TEXT;
ALTER TABLE procedure_versions ADD COLUMN details TEXT;
