-- A word index over the electronic office's documents (issue 15): searching a million
-- documents by substring (`LIKE '%word%'`) read all of an agency's documents and the texts of
-- their PDFs; FTS5 (built into the bundled SQLite) finds whole words and prefixes instead.
--
-- What is indexed is the folded text (motcua_domain::text::fold) of the number, the number and
-- symbol with the subject (subject_folded), the issuer and the PDFs' text (office_texts), one
-- row per document with the document's id as rowid. Each word is indexed behind its agency's
-- tag (`a`, the agency's code in hexadecimal, `x`: `a3030x` + `quyet`), so that a search reads
-- only its own agency's postings, not those of every agency's documents with the word.
-- Contentless (the words are kept once, in office_documents and office_texts), with deletes so a
-- changed document can be indexed again, and only the rows (searches are of words anywhere).
CREATE VIRTUAL TABLE office_search USING fts5 (
    words, content = '', contentless_delete = 1, detail = none
);

-- What each document's row says, in one place for the triggers and the first filling below.
CREATE VIEW office_search_source AS
SELECT id, tag || replace(words, ' ', ' ' || tag) AS words
FROM (
    SELECT d.id AS id, 'a' || lower(hex(d.agency_code)) || 'x' AS tag,
        concat_ws(' ', d.number, nullif(d.subject_folded, ''), nullif(d.issuer_folded, ''),
            nullif(t.text_folded, '')) AS words
    FROM office_documents d LEFT JOIN office_texts t ON t.document_id = d.id
);

-- Kept in step in the transaction of every write that changes what is indexed (registration,
-- drafts and their versions, issue with number and symbol, the issuers folded at start-up, text
-- appended from PDFs, edXML arrivals), whichever code path writes it.
CREATE TRIGGER office_search_document_added AFTER INSERT ON office_documents BEGIN
    INSERT INTO office_search (rowid, words) SELECT id, words FROM office_search_source WHERE id = NEW.id;
END;

CREATE TRIGGER office_search_document_changed AFTER UPDATE OF number, subject_folded, issuer_folded ON office_documents
WHEN OLD.number IS NOT NEW.number OR OLD.subject_folded IS NOT NEW.subject_folded
    OR OLD.issuer_folded IS NOT NEW.issuer_folded
BEGIN
    DELETE FROM office_search WHERE rowid = NEW.id;
    INSERT INTO office_search (rowid, words) SELECT id, words FROM office_search_source WHERE id = NEW.id;
END;

CREATE TRIGGER office_search_text_added AFTER INSERT ON office_texts BEGIN
    DELETE FROM office_search WHERE rowid = NEW.document_id;
    INSERT INTO office_search (rowid, words) SELECT id, words FROM office_search_source WHERE id = NEW.document_id;
END;

CREATE TRIGGER office_search_text_changed AFTER UPDATE OF text_folded ON office_texts BEGIN
    DELETE FROM office_search WHERE rowid = NEW.document_id;
    INSERT INTO office_search (rowid, words) SELECT id, words FROM office_search_source WHERE id = NEW.document_id;
END;

-- The documents written before: indexed here, in the migration's transaction.
INSERT INTO office_search (rowid, words) SELECT id, words FROM office_search_source;
