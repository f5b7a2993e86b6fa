-- The report II.06a keeps the open dossiers too (domain report::counts::open_rows): a dossier
-- received and still open adds 1 to `pending` (and to online or direct) in the month of its
-- reception, taken back in the transaction that finishes it, so that the dossiers carried over
-- into a period and in progress at its end are sums of rows. Only which of them are overdue is
-- counted where they lie, through the index of the open dossiers by due date below: a report of
-- a year no longer reads every open dossier (bench/README.md, "II.06a from counters").
ALTER TABLE report_counts ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;
-- The few rows that hold open dossiers.
CREATE INDEX report_counts_pending ON report_counts (month, slot, agency, field, pending) WHERE pending <> 0;
CREATE INDEX dossiers_report_overdue ON dossiers (due_at, received_at, lead_agency, procedure_version_id, status)
    WHERE finished_at IS NULL;
-- Filled by the next start's rebuild.
UPDATE indicator_counts_built SET built_at = NULL WHERE id = 1;
