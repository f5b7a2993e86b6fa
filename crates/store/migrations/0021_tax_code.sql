-- Mã số thuế — the agency's tax code. An agency that collects fees prints it on the electronic
-- receipt of a fee, as Decree 123/2020/NĐ-CP (Art. 32) requires of every receipt: the name and
-- the tax code of the organisation that collects.
ALTER TABLE agencies ADD COLUMN tax_code TEXT;
