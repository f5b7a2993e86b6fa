-- Officers find a dossier by its applicant's name typed as they type it — with or without tone
-- marks, in any case (issue 11): the name folded by the same function as the catalog search
-- (motcua_domain::text::fold), kept beside it. Rows written before are folded when the server
-- starts (`dossiers::fold_names`).
ALTER TABLE dossiers ADD COLUMN applicant_name_folded TEXT;
-- The rows still to fold, found at each start without reading the table.
CREATE INDEX dossiers_name_to_fold ON dossiers (id) WHERE applicant_name_folded IS NULL;
