-- Who else takes part in an incoming document besides the person assigned (issue 15 point 1,
-- Decree 30/2020 Art. 24): officers named by the leader to co-handle it (phối hợp) or to
-- receive it for information (để biết). They see the document and give opinions; a new
-- assignment replaces the list, in the transaction that records it.
CREATE TABLE office_involvement (
    document_id BIGINT NOT NULL REFERENCES office_documents (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    involvement TEXT NOT NULL CHECK (involvement IN ('co_handling', 'for_information')),
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (document_id, user_id)
);
-- A specialist's list: the documents they are named on.
CREATE INDEX office_involvement_user ON office_involvement (user_id, document_id);
