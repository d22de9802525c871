-- Contacts: beneficiaries and guardians as the reception desk keeps them (names in both
-- languages, file number, programme, relationship, tags), consent per guardian and channel, and
-- the folded words of every name for search by prefix through an index.
-- Keep in step with migrations/sqlite. Terms compare byte by byte (COLLATE "C") so a prefix is a range on the index.
ALTER TABLE beneficiaries ADD COLUMN full_name_en TEXT;
ALTER TABLE beneficiaries ADD COLUMN file_number TEXT;
ALTER TABLE beneficiaries ADD COLUMN programme TEXT;
CREATE UNIQUE INDEX beneficiaries_file_number ON beneficiaries (file_number) WHERE file_number IS NOT NULL;

ALTER TABLE guardians ADD COLUMN full_name_en TEXT;
ALTER TABLE guardians ADD COLUMN relationship TEXT;
ALTER TABLE guardians ADD COLUMN tags TEXT NOT NULL DEFAULT '';

-- The latest consent of a guardian for a channel (no row: never asked, treated as consenting for
-- service messages); every change is also in the audit log.
CREATE TABLE guardian_consents (
    guardian_id  UUID NOT NULL REFERENCES guardians(id),
    channel      TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'email', 'push', 'voice')),
    opted_in     BOOLEAN NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('form', 'stop_reply', 'import', 'operator')),
    changed_at   TIMESTAMPTZ NOT NULL,
    changed_by   TEXT NOT NULL,
    PRIMARY KEY (guardian_id, channel)
);

-- One row per folded word of a guardian's names and their beneficiary's (see domain/search.rs).
CREATE TABLE contact_terms (
    term         TEXT COLLATE "C" NOT NULL,
    guardian_id  UUID NOT NULL REFERENCES guardians(id),
    PRIMARY KEY (term, guardian_id)
);
CREATE INDEX contact_terms_guardian ON contact_terms (guardian_id);
