-- Configurable workflows at work: who a step is assigned to, the step's own clock, and the
-- opinions asked of other agencies (consultations), each with its own deadline.
ALTER TABLE dossiers ADD COLUMN assignee_user_id BIGINT REFERENCES users (id);
ALTER TABLE dossiers ADD COLUMN step_started_at BIGINT;
ALTER TABLE dossiers ADD COLUMN step_due_at BIGINT;
ALTER TABLE dossiers ADD COLUMN consultations_open BIGINT NOT NULL DEFAULT 0;
-- When the unit leader was told that the current step overran its allotment (once per step).
ALTER TABLE dossiers ADD COLUMN escalated_at BIGINT;

CREATE TABLE consultations (
    id {id},
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    step BIGINT NOT NULL,
    agency TEXT NOT NULL REFERENCES agencies (code),
    role TEXT NOT NULL,
    asked_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    answered_at BIGINT,
    answered_by BIGINT REFERENCES users (id),
    answer TEXT,
    cancelled BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX consultations_dossier ON consultations (dossier_id, id);
CREATE INDEX consultations_agency ON consultations (agency, answered_at, due_at);

-- Queues filtered by unit and deadline ("overdue in my unit"), by assignee, and the daily
-- overdue scan over open dossiers only.
CREATE INDEX dossiers_unit_due ON dossiers (waiting_agency, due_at);
CREATE INDEX dossiers_assignee_due ON dossiers (assignee_user_id, due_at);
CREATE INDEX dossiers_open_due ON dossiers (due_at) WHERE status IN ('received', 'processing');
-- Steps that overran their allotment and whose unit leader was not told yet.
CREATE INDEX dossiers_step_overrun ON dossiers (step_due_at) WHERE escalated_at IS NULL AND status IN ('received', 'processing');
