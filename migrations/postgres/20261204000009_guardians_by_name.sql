-- Guardians in name order, and a guardian's words by guardian: a broad search (a common first
-- name) walks guardians by name, checks each one's words, and stops at the first page instead of
-- sorting every match. Keep in step with migrations/sqlite.
CREATE INDEX guardians_name ON guardians (full_name, id);
DROP INDEX contact_terms_guardian;
CREATE INDEX contact_terms_guardian ON contact_terms (guardian_id, term);
