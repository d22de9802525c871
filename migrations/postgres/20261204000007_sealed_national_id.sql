-- A beneficiary's national id or iqama number, sealed (XChaCha20-Poly1305) with the data key named
-- in national_id_key, and found by a keyed hash (national_id_index) instead of the number itself.
-- Keep in step with migrations/sqlite.
ALTER TABLE beneficiaries ADD COLUMN national_id_sealed TEXT;
ALTER TABLE beneficiaries ADD COLUMN national_id_key TEXT;
ALTER TABLE beneficiaries ADD COLUMN national_id_index TEXT;
CREATE INDEX beneficiaries_national_id ON beneficiaries (national_id_index);
CREATE INDEX beneficiaries_national_id_key ON beneficiaries (national_id_key);
