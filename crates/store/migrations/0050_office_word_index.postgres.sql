-- A word index over the electronic office's documents (issue 15): searching a million
-- documents by substring (`LIKE '%word%'`) read all of an agency's documents and the texts of
-- their PDFs; a `tsvector` with a GIN index (core PostgreSQL, no extension) finds whole words
-- and prefixes instead.
--
-- What is indexed is the folded text (motcua_domain::text::fold: words of letters and digits
-- separated by single spaces, which the parser of the `simple` configuration takes as they are)
-- of the number, the number and symbol with the subject (subject_folded), the issuer and the
-- PDFs' text (office_texts), one row per document, without positions (searches are of words,
-- not phrases). Each word is indexed behind its agency's tag (`a`, the agency's code in
-- hexadecimal, `x`: `a3030x` + `quyet`), so that a search reads only its own agency's postings,
-- not those of every agency's documents with the word.
CREATE TABLE office_search (
    document_id BIGINT PRIMARY KEY REFERENCES office_documents (id),
    agency_code TEXT NOT NULL,
    words TEXT NOT NULL
);

-- The lexemes of a row, each word behind its agency's tag: only the GIN index keeps them, as a
-- stored tsvector with every word's tag took five times the room of the words.
CREATE FUNCTION office_search_lexemes(agency TEXT, words TEXT) RETURNS TSVECTOR
LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS $$
    SELECT strip(to_tsvector('simple'::regconfig,
        'a' || encode(convert_to(agency, 'UTF8'), 'hex') || 'x' ||
        replace(words, ' ', ' a' || encode(convert_to(agency, 'UTF8'), 'hex') || 'x')))
$$;
CREATE INDEX office_search_words ON office_search USING GIN (office_search_lexemes(agency_code, words));

-- What each document's row says, in one place for the triggers and the first filling below.
CREATE VIEW office_search_source AS
SELECT d.id AS document_id, d.agency_code,
    concat_ws(' ', d.number, nullif(d.subject_folded, ''), nullif(d.issuer_folded, ''), nullif(t.text_folded, ''))
        AS words
FROM office_documents d LEFT JOIN office_texts t ON t.document_id = d.id;

-- Kept in step in the transaction of every write that changes what is indexed (registration,
-- drafts and their versions, issue with number and symbol, the issuers folded at start-up, text
-- appended from PDFs, edXML arrivals), whichever code path writes it.
CREATE FUNCTION office_search_index(doc_id BIGINT) RETURNS VOID LANGUAGE SQL AS $$
    INSERT INTO office_search (document_id, agency_code, words)
    SELECT document_id, agency_code, words FROM office_search_source WHERE document_id = doc_id
    ON CONFLICT (document_id) DO UPDATE SET agency_code = excluded.agency_code, words = excluded.words
$$;

CREATE FUNCTION office_search_document_changed() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM office_search_index(NEW.id);
    RETURN NULL;
END
$$;

CREATE FUNCTION office_search_text_changed() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM office_search_index(NEW.document_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER office_search_document_added AFTER INSERT ON office_documents
    FOR EACH ROW EXECUTE FUNCTION office_search_document_changed();

CREATE TRIGGER office_search_document_changed AFTER UPDATE OF number, subject_folded, issuer_folded ON office_documents
    FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.subject_folded IS DISTINCT FROM NEW.subject_folded
        OR OLD.issuer_folded IS DISTINCT FROM NEW.issuer_folded)
    EXECUTE FUNCTION office_search_document_changed();

CREATE TRIGGER office_search_text_changed AFTER INSERT OR UPDATE OF text_folded ON office_texts
    FOR EACH ROW EXECUTE FUNCTION office_search_text_changed();

-- The documents written before: indexed here, in the migration's transaction.
INSERT INTO office_search (document_id, agency_code, words)
SELECT document_id, agency_code, words FROM office_search_source;
