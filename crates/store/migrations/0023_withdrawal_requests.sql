-- When the applicant asked to withdraw a received dossier, while the deciding agency has not
-- answered: a withdrawal after reception is the agency's decision (stop notice, form 05 of
-- Circular 03/2025), the applicant's click only asks for it.
ALTER TABLE dossiers ADD COLUMN withdrawal_requested_at BIGINT;
