-- The outbox's second step: an append-only, hash-chained audit trail for operator actions, and
-- indexes for claiming and reconciling.

CREATE TABLE audit_log (
    id          BLOB PRIMARY KEY NOT NULL,
    seq         INTEGER NOT NULL UNIQUE,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT,
    before      TEXT,
    after       TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);

CREATE INDEX messages_scheduled ON messages (next_attempt_at) WHERE status = 'scheduled';
CREATE INDEX messages_unknown ON messages (updated_at) WHERE status = 'unknown';
CREATE INDEX messages_leases ON messages (lease_expires_at) WHERE status = 'sending';
