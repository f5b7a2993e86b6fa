-- The service centre's desk receives for every agency: its queue filters on the role alone,
-- oldest first, which the (role, agency, time) index cannot serve without a sort.
CREATE INDEX dossiers_waiting_role ON dossiers (waiting_role, submitted_at, id);
