-- The approval chain of each agency's outgoing documents (issue 15 point 2): the ordered steps
-- a draft goes through, each naming who approves there — one officer (a head of unit) or any
-- holder of a role in the agency (its leaders). An agency with no rows has the default chain:
-- its leaders. The whole chain is replaced in one transaction when an administrator saves it.
CREATE TABLE office_approval_steps (
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    approver_user_id BIGINT REFERENCES users (id),
    approver_role TEXT CHECK (approver_role IN ('specialist', 'leader', 'clerk')),
    updated_by BIGINT REFERENCES users (id),
    updated_at BIGINT NOT NULL,
    CHECK ((approver_user_id IS NULL) <> (approver_role IS NULL)),
    PRIMARY KEY (agency_code, position)
);

-- A draft submitted for approval keeps the chain as it was then (JSON), and the step it waits
-- at (from 0); who may act there is kept beside it, so that a person's list of what waits for
-- them is one indexed query. All empty for a draft not submitted, an approved document and an
-- incoming one.
ALTER TABLE office_documents ADD COLUMN approval_chain TEXT;
ALTER TABLE office_documents ADD COLUMN approval_step BIGINT;
ALTER TABLE office_documents ADD COLUMN approval_user_id BIGINT;
ALTER TABLE office_documents ADD COLUMN approval_role TEXT;
CREATE INDEX office_documents_approval_user ON office_documents (approval_user_id, status);
CREATE INDEX office_documents_approval_role ON office_documents (agency_code, approval_role, status);

-- Each decision of the chain names its step in the history.
ALTER TABLE office_events ADD COLUMN step_name TEXT;
