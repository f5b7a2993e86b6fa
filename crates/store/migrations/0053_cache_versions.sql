-- What each server keeps in memory and must reload when another server (or a command) changes
-- it: a version per cached table, raised in the transaction of every change
-- (store::cache_versions). Every server reads these two rows once a second.
CREATE TABLE cache_versions (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO cache_versions (name, version) VALUES ('catalog', 0);
INSERT INTO cache_versions (name, version) VALUES ('calendar', 0);
