-- Search over the electronic office's documents (issue 15 point 5): by number, symbol, subject,
-- issuer and the full text of their text PDFs, typed with or without tone marks. Everything is
-- matched folded by the catalog search's function (motcua_domain::text::fold).
--
-- The issuer, folded. Rows written before are folded when the server starts
-- (`office::fold_issuers`), found by the partial index without reading the table.
ALTER TABLE office_documents ADD COLUMN issuer_folded TEXT;
CREATE INDEX office_documents_issuer_to_fold ON office_documents (id) WHERE issuer_folded IS NULL;

-- The text of a document's PDFs that have a text layer (issued PDFs, drafts uploaded as PDF,
-- PDFs arriving in edXML packages), folded, read when each file is attached and appended here,
-- at most 200,000 characters a document. Scans without text add nothing. The agency is kept
-- beside it so a search reads only the texts of the caller's agency.
CREATE TABLE office_texts (
    document_id BIGINT PRIMARY KEY REFERENCES office_documents (id),
    agency_code TEXT NOT NULL,
    text_folded TEXT NOT NULL
);
CREATE INDEX office_texts_agency ON office_texts (agency_code, document_id);
