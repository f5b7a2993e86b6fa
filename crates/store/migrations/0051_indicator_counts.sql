-- The Decision 766 indicators kept as counters (store::indicator_counts, domain
-- indicators::counts): each finished dossier's counts by unit, month and slot (the month of its
-- reception or finish, or the end of a month it stayed open), changed in the transaction of the
-- event that changes them and rebuilt from the dossiers by `motcua indicators rebuild`. Periods of
-- whole months are sums over these rows; the column names are counts::COLUMNS.
CREATE TABLE indicator_counts (
    agency TEXT NOT NULL,
    slot BIGINT NOT NULL,
    month BIGINT NOT NULL,
    from_month BIGINT NOT NULL,
    on_time_n BIGINT NOT NULL DEFAULT 0,
    on_time_d BIGINT NOT NULL DEFAULT 0,
    work_seconds BIGINT NOT NULL DEFAULT 0,
    work_d BIGINT NOT NULL DEFAULT 0,
    online_n BIGINT NOT NULL DEFAULT 0,
    online_d BIGINT NOT NULL DEFAULT 0,
    paid_online_n BIGINT NOT NULL DEFAULT 0,
    paid_online_d BIGINT NOT NULL DEFAULT 0,
    e_result_n BIGINT NOT NULL DEFAULT 0,
    e_result_d BIGINT NOT NULL DEFAULT 0,
    digitised_n BIGINT NOT NULL DEFAULT 0,
    digitised_d BIGINT NOT NULL DEFAULT 0,
    reused_n BIGINT NOT NULL DEFAULT 0,
    reused_d BIGINT NOT NULL DEFAULT 0,
    satisfied_n BIGINT NOT NULL DEFAULT 0,
    satisfied_d BIGINT NOT NULL DEFAULT 0,
    overdue BIGINT NOT NULL DEFAULT 0,
    ch_online BIGINT NOT NULL DEFAULT 0,
    ch_in_person BIGINT NOT NULL DEFAULT 0,
    ch_postal BIGINT NOT NULL DEFAULT 0,
    ch_national_portal BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, slot, from_month, agency)
);
CREATE INDEX indicator_counts_agency ON indicator_counts (agency, month);

-- Processing time (2.2) of finished dossiers by unit, procedure and month of finish: a unit's page
-- shows it per procedure.
CREATE TABLE indicator_work (
    agency TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    month BIGINT NOT NULL,
    dossiers BIGINT NOT NULL DEFAULT 0,
    seconds BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (agency, procedure_code, month)
);

-- When the counters were last rebuilt from the dossiers; NULL until then (a database that had
-- dossiers before this migration, or dossiers written in bulk by `motcua seed`), so that the next
-- start rebuilds them.
CREATE TABLE indicator_counts_built (
    id BIGINT PRIMARY KEY,
    built_at BIGINT
);
INSERT INTO indicator_counts_built (id, built_at) VALUES (1, NULL);
