-- When the lateness of an unanswered consultation was reported (Decree 61/2018 Art. 19.5): once
-- per consultation, marked in the transaction that enqueues the report.
ALTER TABLE consultations ADD COLUMN late_reported_at BIGINT;
