-- The body an agency answers to when it is not its parent in the province's tree: the
-- provincial police (Công an tỉnh) belongs to the Ministry of Public Security (Bộ Công an), not
-- to the provincial People's Committee. Printed as the first line of the agency's forms
-- (Decree 30/2020, Annex I).
ALTER TABLE agencies ADD COLUMN governing_body TEXT;
