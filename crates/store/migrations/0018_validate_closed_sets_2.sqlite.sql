-- Checks the rows written before the closed-set triggers of migration 17 against them: each
-- statement rewrites only the rows outside their set, which fires the column's update trigger,
-- so such a row stops the migration naming the set, as PostgreSQL's VALIDATE does.
UPDATE attachments SET purpose = purpose WHERE purpose NOT IN ('document', 'supplement', 'result');
UPDATE payment_log SET outcome = outcome WHERE outcome NOT IN ('paid', 'paid_twice', 'failed', 'replayed', 'forged', 'unsigned', 'wrong_amount', 'unknown', 'malformed', 'error');
UPDATE sessions SET kind = kind WHERE kind NOT IN ('web', 'api');
UPDATE procedure_versions SET level = level WHERE level NOT IN ('none', 'partial', 'full');
UPDATE procedure_versions SET result_kind = result_kind WHERE result_kind NOT IN ('paper', 'electronic');
UPDATE agencies SET kind = kind WHERE kind NOT IN ('province', 'department', 'service_centre', 'commune');
