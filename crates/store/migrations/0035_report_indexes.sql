-- The II.06a report (store::reports) counts a period's dossiers where they lie, in one grouped
-- query of three parts: those received in the period, by `received_at`; those carried over into
-- it, finished since it began or still open, by `finished_at` (NULL while open). Each index
-- carries every column the report reads, so no part visits the table.
CREATE INDEX dossiers_report_received ON dossiers (received_at, lead_agency, procedure_version_id, channel, status, finished_at, due_at);
CREATE INDEX dossiers_report_finished ON dossiers (finished_at, received_at, lead_agency, procedure_version_id, channel, status, due_at);
