-- The exchange between agencies in the edXML format of QCVN 102:2016 (issue 15 point 3): each
-- package that went from one organisation to another, kept as it travelled, and what its
-- recipient answered (status packages), append-only.
CREATE TABLE edxml_packages (
    id {id},
    -- The package's DocumentId: the issuer's organisation id, the date, the number and notation.
    document_id TEXT NOT NULL,
    -- internal: from one agency of this installation to another; received: from another system.
    direction TEXT NOT NULL CONSTRAINT edxml_packages_direction_values
        CHECK (direction IN ('internal', 'received')),
    -- Organisation ids of QCVN 102 (000.00.12.H38) and names, as the package gives them.
    from_organ TEXT NOT NULL,
    from_name TEXT NOT NULL,
    to_organ TEXT NOT NULL,
    to_name TEXT NOT NULL,
    -- The outgoing document it carries, when one of our agencies sent it.
    outgoing_document_id BIGINT REFERENCES office_documents (id),
    -- The incoming document it was registered as in the recipient's register.
    incoming_document_id BIGINT REFERENCES office_documents (id),
    -- The package's XML as it travelled, in the object store.
    storage_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
-- A package sent again to the same organisation is the same package: taken once.
CREATE UNIQUE INDEX edxml_packages_once ON edxml_packages (document_id, to_organ);
CREATE INDEX edxml_packages_outgoing ON edxml_packages (outgoing_document_id);
CREATE INDEX edxml_packages_incoming ON edxml_packages (incoming_document_id);

-- What became of a package, as the organisation reporting it said (01 received … 06 completed,
-- 13 recall requested by the sender, 15 recall accepted, 16 refused). Never edited.
CREATE TABLE edxml_statuses (
    id {id},
    package_id BIGINT NOT NULL REFERENCES edxml_packages (id),
    organ_id TEXT NOT NULL,
    code TEXT NOT NULL CONSTRAINT edxml_statuses_code_values
        CHECK (code IN ('01', '02', '03', '04', '05', '06', '13', '15', '16')),
    description TEXT NOT NULL,
    staff TEXT NOT NULL,
    department TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX edxml_statuses_package ON edxml_statuses (package_id, id);
