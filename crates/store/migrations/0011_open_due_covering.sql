-- The deadline views of open dossiers (status received or processing), answered from indexes
-- alone. Measured with a million open dossiers, a third of them overdue (bench/backoffice.sh).
--
-- "Overdue in my unit" / "due soon in my unit": on (waiting_agency, due_at), every row of the
-- range had to be read from the table to check its status, so counting the 46,000 overdue
-- dossiers of a commune took 150-300 ms on both engines. Restricted to open dossiers, the index
-- answers the count by itself (index-only, 3-15 ms) and gives the page in (due_at, id) order
-- without a sort.
DROP INDEX dossiers_unit_due;
CREATE INDEX dossiers_unit_open_due ON dossiers (waiting_agency, due_at, id) WHERE status IN ('received', 'processing');
-- The daily overdue scan (digests, escalations) reads code, waiting unit and role and assignee
-- of every overdue dossier: with (due_at) alone that is one table lookup per row, 2-5 s for
-- 333,000 rows on SQLite. Carrying those columns makes the scan read the index only.
DROP INDEX dossiers_open_due;
CREATE INDEX dossiers_open_due ON dossiers (due_at, id, code, waiting_agency, waiting_role, assignee_user_id)
    WHERE status IN ('received', 'processing');
