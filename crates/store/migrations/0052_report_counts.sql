-- The report II.06a kept as counters (store::indicator_counts, domain report::counts): each
-- finished dossier's counts by unit, field, month and slot (the month of its reception or finish,
-- or the end of a month it stayed open), changed in the transaction of the event that finishes it
-- and rebuilt with the indicators' counters by `motcua indicators rebuild`. Reports of whole
-- months sum these rows and count the open dossiers where they lie; the column names are
-- report::counts::COLUMNS.
CREATE TABLE report_counts (
    agency TEXT NOT NULL,
    field TEXT NOT NULL,
    slot BIGINT NOT NULL,
    month BIGINT NOT NULL,
    online BIGINT NOT NULL DEFAULT 0,
    direct BIGINT NOT NULL DEFAULT 0,
    early BIGINT NOT NULL DEFAULT 0,
    on_time BIGINT NOT NULL DEFAULT 0,
    late BIGINT NOT NULL DEFAULT 0,
    open BIGINT NOT NULL DEFAULT 0,
    overdue BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, slot, agency, field)
);

-- Filled by the next start's rebuild, with the indicators' counters.
UPDATE indicator_counts_built SET built_at = NULL WHERE id = 1;
