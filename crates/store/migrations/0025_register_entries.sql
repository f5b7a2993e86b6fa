-- The dossier register (Sổ theo dõi hồ sơ) of each one-stop desk numbers its entries from 01
-- each year, without gaps (Circular 01/2018 Art. 10.2.c): the desk that received a dossier and
-- the entry it was given, taken from a sequence per desk and year in the reception's transaction.
ALTER TABLE dossiers ADD COLUMN register_desk TEXT;
ALTER TABLE dossiers ADD COLUMN register_entry BIGINT;
