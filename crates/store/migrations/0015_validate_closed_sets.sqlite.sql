-- Checks the rows written before the closed-set triggers of migration 14 against them: each
-- statement rewrites only the rows outside their set, which fires the column's update trigger,
-- so such a row stops the migration naming the set, as PostgreSQL's VALIDATE does.
UPDATE dossiers SET channel = channel WHERE channel NOT IN ('online', 'in_person', 'postal');
UPDATE dossiers SET status = status WHERE status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned');
UPDATE dossiers SET resume_status = resume_status WHERE resume_status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned');
UPDATE dossiers SET waiting_role = waiting_role WHERE waiting_role NOT IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering');
UPDATE events SET from_status = from_status WHERE from_status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned');
UPDATE events SET to_status = to_status WHERE to_status NOT IN ('submitted', 'received', 'processing', 'supplement_requested', 'payment_requested', 'refused', 'withdrawn', 'result_ready', 'returned');
UPDATE consultations SET role = role WHERE role NOT IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering');
UPDATE user_roles SET role = role WHERE role NOT IN ('citizen', 'reception', 'specialist', 'leader', 'clerk', 'admin', 'steering');
UPDATE jobs SET status = status WHERE status NOT IN ('pending', 'done', 'dead');
UPDATE payments SET status = status WHERE status NOT IN ('pending', 'paid', 'refund', 'failed');
UPDATE questions SET kind = kind WHERE kind NOT IN ('question', 'feedback');
UPDATE questions SET status = status WHERE status NOT IN ('pending', 'published', 'rejected');
UPDATE ratings SET overall = overall WHERE overall NOT IN ('very_satisfied', 'satisfied', 'not_satisfied');
UPDATE ratings SET timeliness = timeliness WHERE timeliness NOT IN ('very_satisfied', 'satisfied', 'not_satisfied');
UPDATE ratings SET convenience = convenience WHERE convenience NOT IN ('very_satisfied', 'satisfied', 'not_satisfied');
UPDATE ratings SET attitude = attitude WHERE attitude NOT IN ('very_satisfied', 'satisfied', 'not_satisfied');
UPDATE calendar_days SET kind = kind WHERE kind NOT IN ('off', 'work');
