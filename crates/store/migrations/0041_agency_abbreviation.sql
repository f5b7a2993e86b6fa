-- Chữ viết tắt tên cơ quan: the issuing body's short name in the symbols of its documents
-- (Decree 30/2020, Annex I: `01/QĐ-STP`). Derived from the name's initials when empty; set where
-- usage differs (Công an tỉnh writes CAT, not CA).
ALTER TABLE agencies ADD COLUMN abbreviation TEXT;
